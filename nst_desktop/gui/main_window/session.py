"""One painting run at a time, as an object: start, stop, warm-up, progress and outcome.

The window used to keep this as three flags spread over a dozen methods; here it is one state
machine with signals, testable without a window. Every run ends in exactly one of
``picture_ready`` (finished, or stopped with a picture so far), ``failed`` or ``stopped``
(stopped before any picture), then ``ended``. A run started while the model is still loading
waits for the warm-up and starts with the job as it was when the artist asked.

Each job this object starts comes with its own :class:`~..threads.JobHandle`, and only that
handle's signals reach it: a training on the same controller is its own owner's business.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import Progress, Result, Settings

from ..controller import JobController
from ..progress_text import time_fraction
from ..threads import JobHandle
from ..worker import Engine, Job, failure_message, stylize_call
from .picture import RGB8, Picture, frozen_array

PREVIEW_MIN_INTERVAL = 0.1
"""Seconds between previews put on screen: faster only costs the GUI thread. (Fade is not
this object's business: the pipeline's record comes faded, with the picture before the fade
that Fade moves from.)"""


def with_seed(settings: Settings) -> Settings:
    """Choose the seed before the run, so even a stopped picture records the seed it used."""
    if settings.seed is not None or settings.method != "optimise":
        return settings
    return settings.replace(seed=secrets.randbelow(2**31))


class RunSession(QObject):
    """Start/stop one job at a time on the shared :class:`JobController`."""

    started = Signal(object)  # Job
    progressed = Signal(object)  # Progress
    preview = Signal(object)  # RGB8, throttled to PREVIEW_MIN_INTERVAL
    picture_ready = Signal(object)  # Picture, finished or stopped
    stopped = Signal()  # stopped before any picture
    failed = Signal(str)
    status = Signal(str)
    device = Signal(str)
    waiting = Signal()  # a start is waiting for the model to load
    ended = Signal()
    state_changed = Signal()

    def __init__(self, controller: JobController, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.engine = engine
        self.job: Job | None = None
        self.before: RGB8 | None = None
        self.pending: tuple[Job, RGB8 | None] | None = None
        self.warming = False
        self.device_text = ""
        self.last_preview: RGB8 | None = None
        self._last_progress: Progress | None = None
        self._last_shown = 0.0
        self._started_at = 0.0
        self._handle: JobHandle | None = None  # the painting's own job

    # State ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A painting job of ours is on the worker thread."""
        return self.job is not None

    @property
    def waiting_for_model(self) -> bool:
        return self.warming and self.pending is not None

    @property
    def mine(self) -> bool:
        return self.warming or self.job is not None

    # Commands ---------------------------------------------------------------------------------

    def warm_up(self, device: str) -> bool:
        """Load the model in the background at start so the first Paint paints at once."""
        if self.controller.busy:
            return False
        engine = self.engine
        handle = self.controller.start(lambda report, cancel: engine.warm_up(device), keeps=False)
        if handle is None:
            return False
        self.warming = True
        handle.succeeded.connect(self._on_warmed)
        handle.failed.connect(self._on_warm_up_failed)
        handle.finished.connect(self._on_finished)
        self.state_changed.emit()
        return True

    def start(self, job: Job, before: RGB8 | None = None) -> bool:
        """Paint ``job``; while the model loads, the job waits and starts right after."""
        job = dataclasses.replace(job, settings=with_seed(job.settings))
        before = frozen_array(before) if before is not None else None
        if self.warming:
            self.pending = (job, before)
            self.waiting.emit()
            self.state_changed.emit()
            return True
        if self.controller.busy:
            return False
        self.job, self.before = job, before
        self.last_preview = None
        self._last_progress = None
        self._last_shown = 0.0
        self._started_at = time.monotonic()
        handle = self.controller.start(stylize_call(self.engine, job))
        if handle is None:
            self.job = None
            return False
        self._handle = handle
        handle.status.connect(self.status)
        handle.progress.connect(self._on_progress)
        handle.succeeded.connect(self._on_succeeded)
        handle.failed.connect(self._on_failed)
        handle.cancelled.connect(self._on_cancelled)
        handle.finished.connect(self._on_finished)
        self.started.emit(job)
        self.state_changed.emit()
        return True

    def stop(self) -> None:
        if self.warming:
            if self.pending is not None:
                self.pending = None
                self.state_changed.emit()
            return
        if self.job is not None and self._handle is not None:
            self._handle.cancel()
            self.state_changed.emit()

    # The job's own signals --------------------------------------------------------------------

    @Slot(object)
    def _on_warmed(self, device: object) -> None:
        self.device_text = str(device)
        self.device.emit(self.device_text)

    @Slot(object)
    def _on_warm_up_failed(self, error: Any) -> None:
        self.pending = None
        self.failed.emit(failure_message(error))

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        self._last_progress = progress
        self.progressed.emit(progress)
        if progress.preview is not None:
            self.last_preview = progress.preview
            now = time.monotonic()
            if now - self._last_shown >= PREVIEW_MIN_INTERVAL:
                self._last_shown = now
                self.preview.emit(progress.preview)

    @Slot(object)
    def _on_succeeded(self, outcome: object) -> None:
        job = self.job
        if job is None or not isinstance(outcome, Result):
            return
        self.device_text = outcome.device
        self.device.emit(outcome.device)
        self.picture_ready.emit(Picture.finished(job, outcome, self.before))

    @Slot(object)
    def _on_failed(self, error: Any) -> None:
        self.failed.emit(failure_message(error))

    @Slot()
    def _on_cancelled(self) -> None:
        job = self.job
        if job is None:
            return
        if self.last_preview is None:
            self.stopped.emit()
            return
        # The share the bar showed (time, not steps): a print stopped in its last level, one
        # step long and the longest, said "Stopped at 100 %"; one from the instant picture 0 %.
        fraction = time_fraction(self._last_progress) if self._last_progress is not None else 0.0
        self.picture_ready.emit(
            Picture.stopped(
                job,
                self.last_preview,
                self.before,
                fraction,
                self.device_text,
                time.monotonic() - self._started_at,
            )
        )

    @Slot()
    def _on_finished(self) -> None:
        was_warming = self.warming
        self.warming = False
        self.job = None
        self.before = None
        self._handle = None
        pending, self.pending = self.pending, None
        self.ended.emit()
        self.state_changed.emit()
        if was_warming and pending is not None:
            self.start(*pending)
