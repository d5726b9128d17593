"""Short background tasks beside the job controller: instant previews and fast-style files.

One extra thread runs small tasks one at a time. Each task has a key; a task submitted while
another of the same key is still waiting replaces it (the latest wins), so dragging a slider
queues at most one preview however many ticks it sends. Results come back on the GUI thread
with the generation number :meth:`TaskRunner.submit` returned, so callers can drop stale ones.
The main :class:`~.controller.JobController` stays the one place for long jobs.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QDeadlineTimer, QObject, QThread, Signal, Slot

from nst_desktop.engine import Cancelled
from nst_desktop.engine.threads import use_side_threads

from .worker import _without_traceback

log = logging.getLogger(__name__)

TaskFn = Callable[[threading.Event], object]
"""A task: ``fn(cancel) -> value``; it runs on the side thread and must not touch widgets."""

_stranded: dict[QThread, bool] = {}
"""Threads still finishing a task after their runner closed, kept alive until they end; the
value says whether the task is essential (it writes a file) and the process must wait for it."""

_open: dict[QThread, threading.Event] = {}
"""Threads of runners not shut down yet, with their runner's cancel flag: referenced here so
that a runner destroyed with its window but never closed (no :meth:`TaskRunner.shutdown`)
cannot let Python destroy its running QThread; the runner's ``destroyed`` stops them."""

EXIT_WAIT_MS = 10_000
"""At interpreter exit, how long a thread still running a task may take (essential ones get
:data:`EXIT_ESSENTIAL_WAIT_MS`); the app itself ends with ``os._exit`` and never waits here."""
EXIT_ESSENTIAL_WAIT_MS = 30_000


class _SideWorker(QObject):
    done = Signal(str, int, object, bool)  # key, generation, value or exception, ok

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()  # no parent: moved to the side thread
        self._cancel = cancel

    @Slot(str, int, object)
    def run(self, key: str, generation: int, fn: TaskFn) -> None:
        try:
            use_side_threads()  # one thread while a painting runs: the job keeps its cores
            value = fn(self._cancel)
        except Exception as exc:  # noqa: BLE001 - the runner must always hear an end
            if not isinstance(exc, Cancelled):
                log.info("Background task %s failed: %s", key, exc)
            self.done.emit(key, generation, _without_traceback(exc), False)
        else:
            self.done.emit(key, generation, value, True)


class TaskRunner(QObject):
    """Runs submitted tasks on one side thread, one at a time, latest per key."""

    finished = Signal(str, int, object)  # key, generation, value
    failed = Signal(str, int, object)  # key, generation, exception
    _start = Signal(str, int, object)

    def __init__(self, parent: QObject | None = None, name: str = "nst-side") -> None:
        super().__init__(parent)
        self._name = name
        self._cancel = threading.Event()
        self._thread: QThread | None = None
        self._worker: _SideWorker | None = None
        self._pending: dict[str, tuple[int, TaskFn, bool]] = {}
        self._running: str | None = None
        self._running_essential = False
        self._generation = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._pending)

    def submit(self, key: str, fn: TaskFn, *, essential: bool = False) -> int:
        """Queue ``fn`` under ``key`` (replacing a waiting one); returns its generation.

        An ``essential`` task (one that writes a file) is waited for when the app exits; any
        other (a preview, a listing) may be left behind by a closing app."""
        self._generation += 1
        if self._closed:
            return self._generation
        self._pending.pop(key, None)
        self._pending[key] = (self._generation, fn, essential)
        self._dispatch()
        return self._generation

    def _ensure_thread(self) -> None:
        # Started on first use, so a window that never needs it never owns a thread.
        if self._thread is not None:
            return
        thread = QThread()  # no parent: it may outlive a runner closed mid-task (see shutdown)
        thread.setObjectName(self._name)
        worker = _SideWorker(self._cancel)
        worker.moveToThread(thread)
        self._start.connect(worker.run)
        worker.done.connect(self._on_done)
        thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = thread, worker
        _open[thread] = self._cancel
        # Destroyed with its window but never shut down: stop the thread all the same. The
        # slot holds the thread and flag, not the runner (gone by then).
        self.destroyed.connect(lambda *_, t=thread: _abandon(t))
        thread.start()

    def _dispatch(self) -> None:
        if self._running is not None or not self._pending or self._closed:
            return
        self._ensure_thread()
        key = next(iter(self._pending))
        generation, fn, essential = self._pending.pop(key)
        self._running = key
        self._running_essential = essential
        self._start.emit(key, generation, fn)

    @Slot(str, int, object, bool)
    def _on_done(self, key: str, generation: int, value: object, ok: bool) -> None:
        self._running = None
        self._running_essential = False
        if not self._closed:
            if ok:
                self.finished.emit(key, generation, value)
            elif not isinstance(value, Cancelled):
                self.failed.emit(key, generation, value)
        self._dispatch()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Drop waiting tasks, cancel the running one, stop the thread; True when it stopped."""
        self._closed = True
        self._pending.clear()
        self._cancel.set()
        thread = self._thread
        if thread is None:
            return True
        self._thread = None
        _open.pop(thread, None)
        return _stop(thread, timeout_ms, self._running_essential)


def _stop(thread: QThread, timeout_ms: int, essential: bool) -> bool:
    """Quit ``thread`` (its task already cancelled); True when it stopped within ``timeout_ms``,
    else it is kept in :data:`_stranded` until it ends."""
    thread.quit()
    if thread.wait(QDeadlineTimer(timeout_ms)):
        thread.deleteLater()
        return True
    # Never destroy a running QThread: keep it referenced until its task returns.
    log.info("A background task was still running when its window closed")
    _stranded[thread] = essential
    thread.finished.connect(lambda t=thread: _stranded.pop(t, None))
    return False


def _abandon(thread: QThread) -> None:
    """The runner of ``thread`` was destroyed without :meth:`TaskRunner.shutdown`."""
    cancel = _open.pop(thread, None)
    if cancel is None:
        return
    cancel.set()
    _stop(thread, 0, essential=False)


def wait_for_stranded(timeout_ms: int = 5000, *, essential_only: bool = False) -> None:
    """At exit: give tasks still running after their window closed time to end (a Python
    interpreter must not tear down a QThread that is still running). ``essential_only``: wait
    just for the tasks that write files (the process then ends without tearing anything down)."""
    for thread, essential in list(_stranded.items()):
        if essential or not essential_only:
            thread.wait(QDeadlineTimer(timeout_ms))
            if thread.isFinished():
                _stranded.pop(thread, None)


def _stop_all_at_exit() -> None:
    """When the interpreter ends: stop every side thread and wait for it, so that no QThread is
    destroyed while it runs. The app ends with ``os._exit`` and skips this; tests and hosts
    that let the interpreter end (and ``app.main`` under a host) come here."""
    for thread, cancel in list(_open.items()):
        cancel.set()
        _open.pop(thread, None)
        _stop(thread, 0, essential=False)
    for thread, essential in list(_stranded.items()):
        if thread.wait(QDeadlineTimer(EXIT_ESSENTIAL_WAIT_MS if essential else EXIT_WAIT_MS)):
            _stranded.pop(thread, None)
        else:
            log.warning("A background task was still running at exit")


# Run with threading's own exit hooks (as concurrent.futures does): before every atexit hook,
# PySide's teardown and the weakref finalizers of a torch a task may still be importing.
getattr(threading, "_register_atexit", atexit.register)(_stop_all_at_exit)
