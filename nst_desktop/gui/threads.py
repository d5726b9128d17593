"""One registry for every thread the app starts, and per-job handles with their own signals.

The app used to run background work four ways with three bookkeepings of their own (the job
controller's thread, the side tasks' thread with two module-level dicts, the version writer's
thread set and a ``ThreadPoolExecutor`` in the batch list), and closing had to know all four.
Now each of them asks :class:`ThreadRegistry` for its ``QThread``; the registry keeps every
one referenced until it has really ended (Python must never destroy a running ``QThread``),
knows how to stop each (its cancel flag; for a writer, first let its pending writes land) and
is the one place shutdown and the process's end ask.

:meth:`ThreadRegistry.start` runs a job function (see :mod:`.worker`) on a thread of its own
and returns a :class:`JobHandle` whose signals carry only that job's outcome: its owner hears
its own job and never has to filter out another's.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QDeadlineTimer, QObject, Qt, QThread, Signal, Slot

from nst_desktop.engine import Progress

from .worker import JobFn, JobWorker

log = logging.getLogger(__name__)

__all__ = ["JobHandle", "Registered", "ThreadRegistry", "registry"]

EXIT_WAIT_MS = 10_000
"""At interpreter exit, how long a thread still running may take (one that writes files gets
:data:`EXIT_ESSENTIAL_WAIT_MS`); the app itself ends with ``os._exit`` and never waits here."""
EXIT_ESSENTIAL_WAIT_MS = 30_000

Drain = Callable[[float | None], bool]
"""``drain(timeout_s)``: block until the thread's pending writes have landed (True), or
``timeout_s`` passed; it must not touch Qt objects (their owner may be gone)."""


class Registered:
    """One registered thread and how to stop it.

    ``essential`` says whether the work now on it writes a file, so that the process waits for
    it at exit; its owner may change it while the thread lives (a side task's work varies).
    ``keeps`` marks a job whose end keeps something (a painting's Stop keeps the picture, a
    training's a checkpoint): a closing window waits for it instead of leaving it behind.
    ``on_stop`` is the owner's own bookkeeping when the registry stops the thread (plain
    Python: the owner's Qt object may be gone)."""

    def __init__(
        self,
        thread: QThread,
        cancel: threading.Event | None = None,
        drain: Drain | None = None,
        *,
        essential: bool = False,
        keeps: bool = False,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.thread = thread
        self.cancel = cancel
        self.drain = drain
        self.essential = essential
        self.keeps = keeps
        self.on_stop = on_stop
        self.stopping = False
        self.handle: JobHandle | None = None
        """A job's handle (GUI side: its ``finished`` comes after the job's outcome)."""

    @property
    def name(self) -> str:
        return self.thread.objectName()


class JobHandle(QObject):
    """One job on its own thread: its signals carry this job's outcome and nothing else.

    Ends with exactly one of :attr:`succeeded`, :attr:`failed` or :attr:`cancelled`, then
    :attr:`finished` once its thread has ended. Progress stops as soon as it is cancelled (the
    picture of a stopped run is the last preview before the Stop)."""

    status = Signal(str)
    progress = Signal(object)  # Progress, preview already a private copy
    succeeded = Signal(object)  # what the job function returned
    failed = Signal(object)  # the exception; worker.failure_message() words it
    cancelled = Signal()
    finished = Signal()
    _freed = Signal()
    """Just before :attr:`finished`: the one-job-at-a-time bookkeeping is free again first."""
    _ended = Signal()
    """Just after :attr:`finished`: observers of any job hear the end after its owner."""

    def __init__(self, cancel: threading.Event, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = cancel
        self._thread: QThread | None = None
        self._worker: JobWorker | None = None
        self._running = True

    @property
    def running(self) -> bool:
        """Its thread has not ended yet (:attr:`finished` not emitted)."""
        return self._running

    @property
    def stopping(self) -> bool:
        return self._running and self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the job to stop; the engine notices within a fraction of a second."""
        self._cancel.set()

    def wait(self, timeout_ms: int) -> bool:
        """Block until the thread has ended (for shutdown only); True when it has."""
        thread = self._thread
        if thread is None or not self._running:
            return True
        thread.quit()  # harmless while the job runs; ends the loop as soon as it returns
        if not thread.wait(QDeadlineTimer(timeout_ms)):
            return False
        self._on_thread_finished()  # the queued finished may not run any more (closing)
        return True

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if not self._cancel.is_set():
            self.progress.emit(progress)

    @Slot()
    def _on_thread_finished(self) -> None:
        if not self._running:
            return
        thread = self._thread
        if thread is not None:
            thread.wait()  # finished is emitted just before the thread really ends
        self._running = False
        self._worker = None  # deleted with its thread (deleteLater)
        self._freed.emit()
        self.finished.emit()
        self._ended.emit()


class ThreadRegistry:
    """Every ``QThread`` of the app: made here, referenced until ended, stopped through here.

    A window has a :meth:`child` of the process's registry: closing it stops the window's own
    threads, while the process's registry, which every child reports to, still knows every
    thread at exit (a second window's threads are not the first one's to stop)."""

    def __init__(self, parent: ThreadRegistry | None = None) -> None:
        self._entries: list[Registered] = []
        self._lock = threading.Lock()
        self._parent = parent

    def child(self) -> ThreadRegistry:
        """A registry for one owner (a window) whose threads are registered here too."""
        return ThreadRegistry(self)

    # Registering ------------------------------------------------------------------------------

    def thread(
        self,
        name: str,
        *,
        cancel: threading.Event | None = None,
        drain: Drain | None = None,
        essential: bool = False,
        keeps: bool = False,
        on_stop: Callable[[], None] | None = None,
    ) -> Registered:
        """A new, not yet started ``QThread`` named ``name``, registered with how it stops:
        ``on_stop`` and ``cancel`` first, then ``drain`` lets pending writes land, then its
        loop quits (see :class:`Registered`)."""
        thread = QThread()  # no parent: it may outlive its owner until its work returns
        thread.setObjectName(name)
        entry = Registered(thread, cancel, drain, essential=essential, keeps=keeps, on_stop=on_stop)
        self._add(entry)
        return entry

    def _add(self, entry: Registered) -> None:
        with self._lock:
            self._prune()
            self._entries.append(entry)
        if self._parent is not None:
            self._parent._add(entry)

    def start(
        self, fn: JobFn, name: str = "nst-job", parent: QObject | None = None, *, keeps: bool = True
    ) -> JobHandle:
        """Run ``fn(report, cancel)`` on a thread of its own; its handle carries its signals.
        ``keeps``: a closing window waits for its end (False for a model's warm-up)."""
        cancel = threading.Event()
        handle = JobHandle(cancel, parent)
        entry = self.thread(name, cancel=cancel, keeps=keeps)
        thread = entry.thread
        worker = JobWorker(fn, cancel)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Signal-to-signal and slot connections to the handle: queued onto its (GUI) thread.
        worker.status.connect(handle.status)
        worker.progress.connect(handle._on_progress)
        worker.succeeded.connect(handle.succeeded)
        worker.failed.connect(handle.failed)
        worker.cancelled.connect(handle.cancelled)
        # Direct: the thread quits itself as its job returns, whether or not the GUI thread
        # runs its loop (a shutdown waiting for it does not), and a quit() that came before
        # the thread got going cannot be lost.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(handle._on_thread_finished)
        handle._thread, handle._worker = thread, worker
        entry.handle = handle
        thread.start()
        return handle

    # Asking -----------------------------------------------------------------------------------

    def running(self) -> list[Registered]:
        """The registered threads that have not ended yet."""
        with self._lock:
            self._prune()
            return list(self._entries)

    def stranded(self) -> list[Registered]:
        """Threads asked to stop that are still running (their work has not returned yet)."""
        return [e for e in self.running() if e.stopping]

    # Stopping ---------------------------------------------------------------------------------

    def stop(self, entry: Registered, timeout_ms: int) -> bool:
        """Cancel, let pending writes land, quit and wait up to ``timeout_ms`` for ``entry``'s
        thread; True when it ended. One still running stays referenced here until it ends."""
        self._ask_to_stop(entry)
        return self._let_end(entry, time.monotonic() + timeout_ms / 1000)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop every thread, all within ``timeout_ms`` together; True when none is left.
        Every one is cancelled first, so they wind down side by side, not one after another."""
        deadline = time.monotonic() + timeout_ms / 1000
        entries = self.running()
        for entry in entries:
            self._ask_to_stop(entry)
        ok = True
        for entry in entries:
            ok = self._let_end(entry, deadline) and ok
        return ok

    @staticmethod
    def _ask_to_stop(entry: Registered) -> None:
        entry.stopping = True
        if entry.on_stop is not None:
            entry.on_stop()
        if entry.cancel is not None:
            entry.cancel.set()

    @staticmethod
    def _let_end(entry: Registered, deadline: float) -> bool:
        if entry.drain is not None and not entry.drain(max(0.0, deadline - time.monotonic())):
            log.warning("Thread %s still had writes pending when it was stopped", entry.name)
        thread = entry.thread
        thread.quit()
        if thread.wait(QDeadlineTimer(max(0, round((deadline - time.monotonic()) * 1000)))):
            return True
        log.info("Thread %s was still running when it was stopped; it is left to end", entry.name)
        return False

    def wait_for_stranded(self, timeout_ms: int = 5000, *, essential_only: bool = False) -> None:
        """Give threads left running after a stop up to ``timeout_ms`` each to end (at exit:
        an interpreter must not tear down a running ``QThread``). ``essential_only``: only
        those writing files (the process then ends without tearing anything down)."""
        for entry in self.stranded():
            if entry.essential or not essential_only:
                entry.thread.wait(QDeadlineTimer(timeout_ms))

    def stop_all_at_exit(self) -> None:
        """When the interpreter ends: stop every thread and wait for each, so that no QThread
        is destroyed while it runs (the app itself ends with ``os._exit`` and skips this)."""
        for entry in self.running():
            self.stop(entry, 0)
        for entry in self.running():
            wait = EXIT_ESSENTIAL_WAIT_MS if entry.essential else EXIT_WAIT_MS
            if not entry.thread.wait(QDeadlineTimer(wait)):
                log.warning("Thread %s was still running at exit", entry.name)

    def _prune(self) -> None:
        """Let go of threads that have really ended (called with the lock held)."""
        self._entries = [e for e in self._entries if not e.thread.isFinished()]


_registry = ThreadRegistry()
"""The process's registry; windows register through children of it."""


def registry() -> ThreadRegistry:
    """The process's registry: threads outlive their window, and the end of the process asks it."""
    return _registry


# Run with threading's own exit hooks (as concurrent.futures does): before every atexit hook,
# PySide's teardown and the weakref finalizers of a torch a task may still be importing.
getattr(threading, "_register_atexit", atexit.register)(_registry.stop_all_at_exit)
