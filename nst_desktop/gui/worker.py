"""The object that runs one job function on a worker thread and reports back through signals.

A job is any ``fn(report, cancel) -> object``: a stylization, the model's warm-up, later a
training run. ``report(Progress)`` sends progress, ``report(str)`` a status line. The worker
lives in a ``QThread`` (moved there, no parent) so the GUI thread never waits on the engine.
Cancelling goes through a ``threading.Event`` set from the GUI thread: a queued signal would
sit unread until the busy worker returned to its event loop, which is too late.

Failures cross the thread as the exception objects themselves; :func:`failure_message` turns
one into the sentence the window shows.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import Cancelled, EngineError, OutOfMemory, Progress, Result
from nst_desktop.engine.pipeline import ImageInput, Job

log = logging.getLogger(__name__)

__all__ = [
    "Engine",
    "ImageInput",
    "Job",
    "JobFn",
    "JobWorker",
    "RealEngine",
    "Report",
    "failure_message",
    "stylize_call",
]

PROGRESS_INTERVAL = 0.05
OOM_ADVICE = "Try a smaller output size, or choose the CPU under Advanced › Device."

Report = Callable[[object], None]
"""``report(Progress)`` for progress, ``report(str)`` for a status line."""
JobFn = Callable[[Report, threading.Event], object]
"""What the worker runs: ``fn(report, cancel)``; its return value is the job's result."""


class Engine(Protocol):
    """What the GUI needs from the engine; tests pass a fast fake with the same shape."""

    def warm_up(self, device: str = "auto") -> str: ...

    def run_job(
        self,
        job: Job,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
        on_status: Callable[[str], None] | None = None,
        on_download: Callable[[int, int | None], None] | None = None,
    ) -> Result: ...


class RealEngine:
    """The engine proper, imported on first use on the worker thread (torch takes seconds)."""

    def warm_up(self, device: str = "auto") -> str:
        from nst_desktop.engine import run

        return str(run.warm_up(device))

    def run_job(self, job: Job, **kwargs: Any) -> Result:
        from nst_desktop.engine.pipeline import run_job

        return run_job(job, **kwargs)

    def instant_picture(self, content: np.ndarray, styles: Any, settings: Any) -> np.ndarray:
        """The instant picture for the live preview (called on the side thread)."""
        from .instant_preview import paint_instant

        return paint_instant(content, styles, settings)


def stylize_call(engine: Engine, job: Job) -> JobFn:
    """The job function for one stylization (or one batch item) of ``job``."""

    def call(report: Report, cancel: threading.Event) -> Result:
        return engine.run_job(
            job,
            on_progress=report,
            cancel=cancel,
            on_status=report,
            on_download=_download_status(report, job.settings.weights),
        )

    return call


def _download_status(report: Report, weight_set: str) -> Callable[[int, int | None], None]:
    """Byte counts of a weight download as a status line, a few times a second at most."""
    last = -1e9

    def on_bytes(done: int, total: int | None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.25 and done != total:
            return
        last = now
        from nst_desktop.engine import weights

        title = weights.weight_set(weight_set).title
        amount = f"{done / 1e6:.0f} of {total / 1e6:.0f} MB" if total else f"{done / 1e6:.0f} MB"
        report(f"Downloading the {title} weights: {amount}…")

    return on_bytes


def failure_message(exc: BaseException) -> str:
    """The one sentence the window shows for a job that failed with ``exc``."""
    if isinstance(exc, OutOfMemory):
        message = str(exc)
        return message if "smaller" in message.lower() else f"{message} {OOM_ADVICE}"
    if isinstance(exc, EngineError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return f"The computer ran out of memory. {OOM_ADVICE}"
    if isinstance(exc, OSError):  # a file or folder that went away or may not be touched
        from nst_desktop.engine.text import os_reason, show_path

        reason = os_reason(exc)
        filename = exc.filename
        where = f" ({show_path(os.fsdecode(filename), 120)})" if isinstance(filename, (str, bytes)) else ""
        return f"A file could not be used: {reason}{where}."
    from nst_desktop.engine.text import clip

    return f"Something went wrong inside nst-desktop ({type(exc).__name__}: {clip(str(exc), 200)})."


class JobWorker(QObject):
    """Runs one job function; ends with exactly one of succeeded/failed/cancelled, then done."""

    status = Signal(str)
    progress = Signal(object)  # Progress, preview already a private copy
    succeeded = Signal(object)  # whatever the job function returned
    failed = Signal(object)  # the exception, its traceback dropped
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: JobFn, cancel: threading.Event) -> None:
        super().__init__()  # no parent: it is moved to the worker thread
        self._fn = fn
        self._cancel = cancel
        self._last_emit = -1e9
        self._last_stage = ""

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._report, self._cancel)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - the thread must always report an end
            if not isinstance(exc, (EngineError, MemoryError)):
                log.error("Unexpected error in a worker job", exc_info=exc)
            self.failed.emit(_without_traceback(exc))
        else:
            self.succeeded.emit(result)
        finally:
            self.done.emit()

    def _report(self, item: object) -> None:
        if isinstance(item, Progress):
            self._on_progress(item)
        elif isinstance(item, str):
            self.status.emit(item)
        else:
            raise TypeError(f"a job reports Progress or str, not {type(item).__name__}")

    def _on_progress(self, progress: Progress) -> None:
        # Called on this thread by the engine, once per step: on a fast GPU that is hundreds
        # a second, more than the GUI needs, so plain step reports are thinned out by time.
        now = time.monotonic()
        routine = (
            progress.preview is None and progress.stage == self._last_stage and progress.step < progress.total
        )
        if routine and now - self._last_emit < PROGRESS_INTERVAL:
            return
        self._last_emit = now
        self._last_stage = progress.stage
        # The engine may reuse its buffer, so the preview is copied before it crosses threads.
        if progress.preview is not None:
            progress = replace(progress, preview=np.array(progress.preview, dtype=np.uint8, copy=True))
        self.progress.emit(progress)
        time.sleep(0)  # let the GUI thread take the GIL for its repaint


def _without_traceback(exc: BaseException) -> BaseException:
    """Drop the tracebacks (already logged) so the GUI does not keep the failed run's frames,
    and with them its tensors, alive while the message is on screen."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += [current.__cause__, current.__context__]
    return exc
