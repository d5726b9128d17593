"""Short background tasks beside the job controller: instant previews and fast-style files.

One extra thread runs small tasks one at a time. Each task has a key; a task submitted while
another of the same key is still waiting replaces it (the latest wins), so dragging a slider
queues at most one preview however many ticks it sends. Results come back on the GUI thread
with the generation number :meth:`TaskRunner.submit` returned, so callers can drop stale ones.
The main :class:`~.controller.JobController` stays the one place for long jobs. The thread is
the :class:`~.threads.ThreadRegistry`'s like every other: closing stops it there, and a task
still writing a file when the window closed is waited for at the process's end.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import Cancelled
from nst_desktop.engine.threads import use_side_threads

from .threads import Registered, ThreadRegistry, registry
from .worker import _without_traceback

log = logging.getLogger(__name__)

TaskFn = Callable[[threading.Event], object]
"""A task: ``fn(cancel) -> value``; it runs on the side thread and must not touch widgets."""


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

    def __init__(
        self, parent: QObject | None = None, name: str = "nst-side", threads: ThreadRegistry | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._threads = threads if threads is not None else registry()
        self._cancel = threading.Event()
        self._thread: Registered | None = None
        self._worker: _SideWorker | None = None
        self._pending: dict[str, tuple[int, TaskFn, bool]] = {}
        self._running: str | None = None
        self._generation = 0

    @property
    def _closed(self) -> bool:
        """Shut down, by :meth:`shutdown` or by the registry (its cancel flag is set then)."""
        return self._cancel.is_set()

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
        # Stopped by the registry (a closing window), it drops the waiting tasks too.
        entry = self._threads.thread(self._name, cancel=self._cancel, on_stop=self._pending.clear)
        worker = _SideWorker(self._cancel)
        worker.moveToThread(entry.thread)
        self._start.connect(worker.run)
        worker.done.connect(self._on_done)
        entry.thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = entry, worker
        # Destroyed with its window but never shut down: stop the thread all the same. The
        # slot holds the registry and the entry, not the runner (gone by then).
        threads = self._threads
        self.destroyed.connect(lambda *_, e=entry: None if e.stopping else threads.stop(e, 0))
        entry.thread.start()

    def _dispatch(self) -> None:
        if self._running is not None or not self._pending or self._closed:
            return
        self._ensure_thread()
        key = next(iter(self._pending))
        generation, fn, essential = self._pending.pop(key)
        self._running = key
        if self._thread is not None:
            self._thread.essential = essential  # the process waits at exit only for writers
        self._start.emit(key, generation, fn)

    @Slot(str, int, object, bool)
    def _on_done(self, key: str, generation: int, value: object, ok: bool) -> None:
        self._running = None
        if self._thread is not None:
            self._thread.essential = False
        if not self._closed:
            if ok:
                self.finished.emit(key, generation, value)
            elif not isinstance(value, Cancelled):
                self.failed.emit(key, generation, value)
        self._dispatch()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Drop waiting tasks, cancel the running one, stop the thread; True when it stopped
        (one still running is left to the registry until its task returns)."""
        self._pending.clear()
        self._cancel.set()
        entry = self._thread
        if entry is None:
            return True
        self._thread = None
        return self._threads.stop(entry, timeout_ms)


def wait_for_stranded(timeout_ms: int = 5000, *, essential_only: bool = False) -> None:
    """At exit: give tasks still running after their window closed time to end (the
    registry's :meth:`~.threads.ThreadRegistry.wait_for_stranded`, kept under this name)."""
    registry().wait_for_stranded(timeout_ms, essential_only=essential_only)
