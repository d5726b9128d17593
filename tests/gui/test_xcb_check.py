"""Start-up on a minimal Linux: missing xcb libraries give one sentence naming the packages, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

from nst_desktop.gui import xcb_check

X11 = {"DISPLAY": ":0"}


def missing(*sonames: str):
    return lambda soname: soname not in sonames


def test_missing_icccm_and_keysyms_name_their_packages() -> None:
    message = xcb_check.missing_libraries_message(
        X11, missing("libxcb-icccm.so.4", "libxcb-keysyms.so.1"), "linux"
    )
    assert message is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert message.endswith("sudo apt install libxcb-icccm4 libxcb-keysyms1")
    assert "\n" not in message and "Traceback" not in message


def test_nothing_missing_or_not_x11_says_nothing() -> None:
    everything = missing()
    assert xcb_check.missing_libraries_message(X11, everything, "linux") is None
    nothing = missing(*xcb_check.XCB_LIBRARIES)
    # the offscreen test platform, Wayland, no display at all, other systems: no check
    for env in (
        {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"},
        {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"},
        {"QT_QPA_PLATFORM": "wayland"},
        {},
    ):
        assert xcb_check.missing_libraries_message(env, nothing, "linux") is None, env
    assert xcb_check.missing_libraries_message(X11, nothing, "darwin") is None
    assert xcb_check.missing_libraries_message(X11, nothing, "win32") is None
    # asked for explicitly (also with Qt's "xcb:option" form), even on a Wayland session
    for env in ({"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "xcb:x11", "WAYLAND_DISPLAY": "w"}):
        assert xcb_check.missing_libraries_message(env, nothing, "linux") is not None, env


def test_the_real_loader_finds_a_present_library_and_not_an_absent_one() -> None:
    if not sys.platform.startswith("linux"):
        return
    assert xcb_check.can_load("libc.so.6")
    assert not xcb_check.can_load("libxcb-not-a-library.so.9")


def test_app_main_exits_2_with_one_line_before_qt_starts() -> None:
    # A fresh interpreter (this one already runs Qt offscreen): the loader reports icccm missing.
    code = (
        "import sys\n"
        "from nst_desktop.gui import app, xcb_check\n"
        "xcb_check.can_load = lambda soname: soname != 'libxcb-icccm.so.4'\n"
        "status = app.main([])\n"
        "assert 'PySide6.QtWidgets' not in sys.modules, 'Qt was started'\n"
        "sys.exit(status)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "libxcb-icccm.so.4" in lines[0] and lines[0].endswith("sudo apt install libxcb-icccm4")
