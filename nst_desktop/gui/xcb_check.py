"""Before Qt starts on X11: are the system libraries of Qt's xcb platform plugin there?

On a minimal Linux (a server image, a container, a fresh WSL) some of them are missing, and Qt
then prints a message that names the wrong library and aborts. This module tries to load each
one (by its exact soname, as the dynamic loader will) and, if any is missing, gives one sentence
naming the Debian/Ubuntu packages to install. Only the standard library is used: it runs before
PySide6 is imported (QtGui itself needs some of these libraries).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# soname -> Debian/Ubuntu package: what libQt6Gui, libQt6XcbQpa and the xcb plugin load from the
# system (their NEEDED entries in PySide6 6.9-6.11), the same list as the .deb's Depends.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (and the libraries it needs)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt is about to start its xcb plugin: asked for, or the default on an X display."""
    platform = environ.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(":", 1)[0].split(";", 1)[0] == "xcb"
    # No choice made: on a Wayland session Qt tries its Wayland plugin first; without any display
    # Qt fails with its own (clear) "could not connect to display" message.
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def missing_libraries_message(
    environ: Mapping[str, str] | None = None,
    loader: Callable[[str], bool] | None = None,
    platform: str | None = None,
) -> str | None:
    """One sentence naming the packages to install, or None when nothing is missing (or not X11)."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux") or not uses_xcb(env):
        return None
    load = can_load if loader is None else loader
    missing = [soname for soname in XCB_LIBRARIES if not load(soname)]
    if not missing:
        return None
    packages = sorted({XCB_LIBRARIES[soname] for soname in missing})
    return (
        "nst-desktop cannot open its window because Qt's X11 support needs system libraries that "
        f"are missing ({', '.join(missing)}); on Debian or Ubuntu install them with: "
        f"sudo apt install {' '.join(packages)}"
    )
