"""One job at a time on the worker thread: painting, warming up and training share it.

A job is any ``fn(report, cancel) -> object`` (see :mod:`.worker`). :meth:`JobController.start`
runs it through the :class:`~.threads.ThreadRegistry` and returns the job's own
:class:`~.threads.JobHandle`: its owner (the run session, the training) listens to that handle
and so hears only its own job. The controller adds the one-at-a-time rule, and forwards every
job's signals for observers that watch whatever runs (tests, the app's smoke test).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from .threads import JobHandle, ThreadRegistry, registry
from .worker import JobFn


class JobController(QObject):
    """Refuses a second job while one runs; keeps the running job's handle."""

    started = Signal(object)  # the JobHandle
    status = Signal(str)
    progress = Signal(object)  # Progress
    succeeded = Signal(object)  # what the job function returned
    failed = Signal(object)  # the exception; worker.failure_message() words it
    cancelled = Signal()
    finished = Signal()
    """After the outcome signal, once the controller can take a new job."""

    def __init__(self, parent: QObject | None = None, threads: ThreadRegistry | None = None) -> None:
        super().__init__(parent)
        self._threads = threads if threads is not None else registry()
        self._handle: JobHandle | None = None

    @property
    def handle(self) -> JobHandle | None:
        """The running job's handle, None when idle."""
        return self._handle

    @property
    def busy(self) -> bool:
        return self._handle is not None

    @property
    def stopping(self) -> bool:
        return self._handle is not None and self._handle.stopping

    def start(self, fn: JobFn, *, keeps: bool = True) -> JobHandle | None:
        """Run ``fn(report, cancel)`` on a worker thread; None (refused) while a job runs.
        ``keeps``: its end keeps something, so a closing window waits for it (not a warm-up)."""
        if self._handle is not None:
            return None
        handle = self._threads.start(fn, "nst-job", parent=self, keeps=keeps)
        # Free before the owner hears the end (it may start the next job), and ``finished``
        # after it: observers see the owner's state settled.
        handle._freed.connect(self._on_freed)
        handle._ended.connect(self._on_ended)
        handle.status.connect(self.status)
        handle.progress.connect(self.progress)
        handle.succeeded.connect(self.succeeded)
        handle.failed.connect(self.failed)
        handle.cancelled.connect(self.cancelled)
        self._handle = handle
        self.started.emit(handle)
        return handle

    def cancel(self) -> None:
        """Ask the running job to stop."""
        if self._handle is not None:
            self._handle.cancel()

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Cancel and wait up to ``timeout_ms``; True when no job is left running."""
        handle = self._handle
        if handle is None:
            return True
        handle.cancel()
        return handle.wait(timeout_ms)  # delivers finished: the controller is idle on True

    @Slot()
    def _on_freed(self) -> None:
        handle = self.sender()
        if handle is self._handle:
            self._handle = None

    @Slot()
    def _on_ended(self) -> None:
        handle = self.sender()
        if isinstance(handle, JobHandle):
            handle.deleteLater()  # owners let go of it in their own finished slot
        self.finished.emit()
