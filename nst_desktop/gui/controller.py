"""One job at a time: owns the worker thread's whole lifecycle (start, cancel, shut down).

A job is any ``fn(report, cancel) -> object`` (see :mod:`.worker`), so painting, warming up
and anything later share one thread, one cancel and one set of outcome signals. The window
talks only to this object, so no other code can leave a ``QThread`` running or destroy one
that is.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QDeadlineTimer, QObject, QThread, Signal, Slot

from nst_desktop.engine import Progress

from .worker import JobFn, JobWorker

log = logging.getLogger(__name__)


class JobController(QObject):
    """Forwards the worker's signals to the GUI thread and keeps the thread's bookkeeping."""

    started = Signal()
    status = Signal(str)
    progress = Signal(object)  # Progress
    succeeded = Signal(object)  # what the job function returned
    failed = Signal(object)  # the exception; worker.failure_message() words it
    cancelled = Signal()
    finished = Signal()
    """After the outcome signal, once the controller can take a new job."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: JobWorker | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> bool:
        return self.busy and self._cancel.is_set()

    def start(self, fn: JobFn) -> bool:
        """Run ``fn(report, cancel)`` on the worker thread; refuse (return False) while busy."""
        if self.busy:
            return False
        self._cancel = threading.Event()
        thread = QThread(self)
        thread.setObjectName("nst-job")
        worker = JobWorker(fn, self._cancel)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Signal-to-signal connections: queued onto this (GUI) thread like a slot would be.
        worker.status.connect(self.status)
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self.succeeded)
        worker.failed.connect(self.failed)
        worker.cancelled.connect(self.cancelled)
        worker.done.connect(thread.quit)
        thread.finished.connect(worker.deleteLater)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit()
        return True

    def cancel(self) -> None:
        """Ask the running job to stop; the engine notices within a fraction of a second."""
        self._cancel.set()

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Cancel and wait up to ``timeout_ms``; True when no thread is left running."""
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        thread.quit()  # harmless while run() is busy; ends the loop as soon as it returns
        if not thread.wait(QDeadlineTimer(timeout_ms)):
            log.warning("The worker thread did not stop within %d ms", timeout_ms)
            return False
        # The queued finished/deleteLater may not run any more (we are closing): tidy up here.
        self._on_thread_finished()
        return True

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if not self._cancel.is_set():
            self.progress.emit(progress)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.wait()  # finished is emitted just before the thread really ends
        self._thread = None
        self._worker = None
        thread.deleteLater()
        self.finished.emit()
