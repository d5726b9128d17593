"""Issue 8: the process ends soon after the window closes, and nothing is lost on the way.

(benchmarks/bench_exit.py times it; these tests check the behaviour, not the clock, beyond
"does not wait for the model to load".)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nst_desktop.gui import shutdown

from .conftest import FakeEngine


class SlowWarmUp(FakeEngine):
    """A model load that takes seconds and cannot be interrupted (like importing torch)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def warm_up(self, device: str = "auto") -> str:
        self.release.wait(10)
        return "Slow CPU"


def test_closing_during_the_warm_up_does_not_wait_for_it(qtbot, make_window) -> None:
    engine = SlowWarmUp()
    window = make_window(engine)
    window.warm_up()
    assert window.controller.busy and window.session.warming
    start = time.monotonic()
    window.close()
    assert time.monotonic() - start < 1.0, "the GUI thread waited on the model load"
    assert not window.isVisible()
    engine.release.set()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)


def test_closing_during_a_painting_closes_once_it_has_stopped(qtbot, make_window, ready_window) -> None:
    engine = FakeEngine(block=True)
    window = make_window(engine)
    window.inputs.set_photo(ready_window.content.path)
    window.inputs.add_style(ready_window.gallery.styles()[0].path)
    window.stylize()
    qtbot.waitUntil(lambda: engine.started.is_set(), timeout=10_000)
    start = time.monotonic()
    window.close()
    window.close()  # twice: still one close when it stops
    assert time.monotonic() - start < 0.5, "the GUI thread waited on the engine"
    assert not window.isVisible() and window.controller.stopping
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)
    assert not window.isVisible()
    assert window.progress.format().startswith("Stopped")


CHILD = r"""
import sys, threading, time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from nst_desktop.gui import shutdown
from nst_desktop.gui.side_tasks import TaskRunner

app = QCoreApplication([])
out = Path(sys.argv[1])
runner = TaskRunner()
started = threading.Event()

def write(cancel):
    started.set()
    time.sleep(1.0)  # an export still writing when the window closes
    out.write_text("done")
    return None

def preview(cancel):
    started.set()
    time.sleep(60)  # a preview nobody will see: left behind
    return None

runner.submit("task", write if sys.argv[2] == "essential" else preview, essential=sys.argv[2] == "essential")
while not started.is_set():
    app.processEvents()
    time.sleep(0.01)
runner.shutdown(0)
print("closing", flush=True)
shutdown.end_process(3)
"""


def test_the_process_waits_only_for_side_tasks_that_write_files(tmp_path: Path) -> None:
    out = tmp_path / "exported.txt"
    for kind in ("essential", "preview"):
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(out), kind], capture_output=True, text=True, timeout=60
        )
        took = time.monotonic() - start
        assert result.returncode == 3 and "closing" in result.stdout, result.stderr
        assert "Traceback" not in result.stderr and "QThread" not in result.stderr, result.stderr
        if kind == "essential":
            assert out.read_text() == "done", "the file being written was finished first"
        else:
            assert took < 30, "a preview's 60 s task was waited for"


def test_the_app_entry_point_exits_soon_after_an_early_close(tmp_path: Path) -> None:
    """The real ``nst-desktop`` (offscreen), closed while the model still loads: exit 0."""
    code = (
        "import sys; from PySide6.QtCore import QTimer;"
        "from nst_desktop.gui import app, main_window;"
        "init = main_window.MainWindow.__init__\n"
        "def patched(self, *a, **k):\n"
        "    init(self, *a, **k); QTimer.singleShot(500, self.close)\n"
        "main_window.MainWindow.__init__ = patched\n"
        "sys.exit(app.main([]))"
    )
    result = run_app(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "QThread" not in result.stderr, result.stderr
    assert shutdown.SIDE_TASK_WAIT_MS <= 200


def test_the_app_quits_after_a_close_that_waited_for_a_painting_to_stop(tmp_path: Path) -> None:
    """Closing mid-painting hides the window until the run stops; then the app must still quit
    (Qt quits only when a visible window closes) and exit 0, with the settings saved."""
    code = r"""
import sys, threading, time
from PySide6.QtCore import QTimer
from nst_desktop.engine import Cancelled
from nst_desktop.gui import app, main_window

class Blocking:
    def warm_up(self, device="auto"):
        return "Test CPU"
    def run_job(self, job, *, cancel=None, **kwargs):
        while not cancel.is_set():
            time.sleep(0.01)
        time.sleep(0.3)  # stopping takes a moment
        raise Cancelled()

main_window.window.RealEngine = Blocking
init = main_window.MainWindow.__init__
def patched(self, *a, **k):
    init(self, *a, **k)
    def paint_then_close():
        self.stylize()
        assert self.controller.busy, self.banner.text()
        QTimer.singleShot(300, self.close)
    QTimer.singleShot(1500, paint_then_close)
main_window.MainWindow.__init__ = patched
sys.exit(app.main([]))
"""
    result = run_app(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "QThread" not in result.stderr, result.stderr
    assert list((tmp_path / "config").rglob("*.conf")), "the window's settings were saved"


def run_app(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` (with ``args``) in a fresh offscreen process with its own data and settings folders."""
    env = {
        **__import__("os").environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NST_DESKTOP_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


WINDOW_CHILD = r"""
import sys, threading, time
import numpy as np
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from nst_desktop.gui.main_window import MainWindow

app = QApplication([])
folder = Path(sys.argv[1])
ends = sys.argv[2]
for name in ("photo.png", "painting.png"):
    Image.fromarray(np.full((24, 32, 3), 90, np.uint8)).save(folder / name)
started = threading.Event()

class Engine:
    def warm_up(self, device="auto"):
        return "Test CPU"
    def instant_picture(self, content, styles, settings):
        started.set()
        time.sleep(1.5)  # ignores cancel, like a torch call (or import) in progress
        return np.zeros((8, 8, 3), np.uint8)

window = MainWindow(Engine(), qsettings=QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
window.show()
window.inputs.set_photo(folder / "photo.png")
window.inputs.add_style(folder / "painting.png")
while not started.is_set():
    app.processEvents()
    time.sleep(0.01)
if ends == "closed":
    window.close()
else:  # destroyed with no close (no shutdown of its side tasks)
    from shiboken6 import Shiboken
    Shiboken.delete(window)
print("left", flush=True)
"""


def test_a_window_closed_or_destroyed_mid_side_task_ends_its_thread_before_the_interpreter(
    tmp_path: Path,
) -> None:
    """A host that lets Python end (pytest, a script) must never tear down a side thread still
    running a task: Qt then prints "QThread: Destroyed while thread 'nst-side' is still running"."""
    for ends in ("closed", "destroyed"):
        folder = tmp_path / ends
        folder.mkdir()
        result = subprocess.run(
            [sys.executable, "-c", WINDOW_CHILD, str(folder), ends],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "NST_DESKTOP_DATA_DIR": str(folder)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and "left" in result.stdout, (ends, result.stderr)
        assert "Destroyed while thread" not in result.stderr, (ends, result.stderr)
        assert "Traceback" not in result.stderr, (ends, result.stderr)


SIGNAL_CHILD = r"""
import os, signal, sys, threading, time
from PySide6.QtCore import QTimer
from nst_desktop.engine import Cancelled
from nst_desktop.gui import app, main_window

signum, painting = getattr(signal, sys.argv[1]), sys.argv[2] == "painting"

class Blocking:
    def warm_up(self, device="auto"):
        return "Test CPU"
    def run_job(self, job, *, cancel=None, **kwargs):
        while not cancel.is_set():
            time.sleep(0.01)
        raise Cancelled()

if painting:
    main_window.window.RealEngine = Blocking
init = main_window.MainWindow.__init__
def patched(self, *a, **k):
    init(self, *a, **k)
    def start():
        if painting:
            self.stylize()
            assert self.controller.busy, self.banner.text()
        # From another thread, as a terminal or a logout would: the handler runs on the GUI's.
        threading.Timer(0.3, os.kill, (os.getpid(), signum)).start()
    QTimer.singleShot(1500, start)
main_window.MainWindow.__init__ = patched
sys.exit(app.main([]))
"""


@pytest.mark.parametrize(("name", "painting"), [("SIGINT", False), ("SIGTERM", True), ("SIGHUP", False)])
def test_a_stop_signal_closes_the_window_and_keeps_everything(
    tmp_path: Path, name: str, painting: bool
) -> None:
    """Ctrl-C, SIGTERM and SIGHUP close the window as its close button does: settings saved,
    a painting stopped through its cancel token (the window closes once it has), no
    traceback, exit 128 + the signal (as the command line)."""
    import signal

    result = run_app(SIGNAL_CHILD, tmp_path, name, "painting" if painting else "idle")
    assert result.returncode == 128 + getattr(signal, name), result.stderr
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr, result.stderr
    assert list((tmp_path / "config").rglob("*.conf")), "the window's settings were saved"
