"""Closing the window and ending the process quickly without losing anything.

Closing used to wait on the GUI thread for the side task (up to 2 s) and then for the worker
(up to 1.5 s) even when all they did was load the model or paint a preview, and then Python
tore down torch and every Qt object: 2.6-3.8 s from the close to the end of the process.

Now the window only waits, through its event loop and never blocking, for work whose end
matters: a painting or a training (Stop keeps the picture or saves a checkpoint). Work that
keeps nothing (loading the model, an instant picture, listing styles) is cancelled and left
behind. Once Qt's loop has ended, settings are already written (``save_state``), so
:func:`end_process` waits only for side tasks that write files, flushes the logs and standard
streams and ends the process at once (``os._exit``), skipping the interpreter's teardown.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import weakref
from typing import TYPE_CHECKING, NoReturn

from . import threads

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

SIDE_TASK_WAIT_MS = 100
"""How long closing gives the running side tasks, all together, before leaving them behind
(they are cancelled)."""
ESSENTIAL_WAIT_MS = 30_000
"""At exit, how long a side task that writes a file (import, export, delete) may still take."""

quit_when_closed = False
"""Set by ``app.main`` around its event loop: a window that closes itself after its run has
stopped was hidden meanwhile, and Qt quits only when a *visible* last window closes, so the
loop is ended here instead (tests, which run no loop of their own, leave it False)."""

_closing_when_stopped: weakref.WeakSet[MainWindow] = weakref.WeakSet()
"""Windows hidden by :func:`may_close` that close themselves once their run has stopped."""


def may_close(window: MainWindow) -> bool:
    """Wind down the window's work; True when it may close now, False when it closes itself
    (hidden meanwhile) as soon as the running job has stopped. Never blocks on the engine.

    The window's thread registry knows every thread it started: work that keeps nothing is
    stopped and left behind, a job that keeps something is cancelled and waited for through
    the event loop, and the writer is left to :meth:`~.main_window.MainWindow.closeEvent`,
    which lets its writes land."""
    window.batch_runner.plan = None  # the photo being painted stops; the rest stay waiting
    window.session.pending = None
    window.modes.forget_queued()
    registry = window.threads
    kept = None
    deadline = time.monotonic() + SIDE_TASK_WAIT_MS / 1000
    for entry in registry.running():
        if entry.drain is not None:
            continue  # a writer: its pending versions and saves land at the close
        if entry.keeps and entry.handle is not None and entry.handle.running:
            kept = entry.handle
            kept.cancel()  # a painting or a training stops within about a second
        else:  # loading the model, an instant picture, listing styles: nothing to keep
            registry.stop(entry, max(0, round((deadline - time.monotonic()) * 1000)))
    if kept is None:
        if window in _closing_when_stopped and quit_when_closed:
            from PySide6.QtWidgets import QApplication

            if not any(w.isVisible() for w in QApplication.topLevelWidgets() if w.isWindow()):
                QApplication.quit()
        return True
    # A training saves a checkpoint, a painting keeps its picture: close once it has ended.
    if window not in _closing_when_stopped:
        _closing_when_stopped.add(window)
        kept.finished.connect(window.close)
    window.hide()
    return False


def end_process(status: int) -> NoReturn:
    """After Qt's event loop has ended: end the process now, once nothing is left to save."""
    threads.registry().wait_for_stranded(ESSENTIAL_WAIT_MS, essential_only=True)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
