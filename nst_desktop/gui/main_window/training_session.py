"""Training a fast style from the window, as a part beside :class:`~.session.RunSession`:
the dialog, the job, Stop, Resume, and the new style selected when done.

:class:`TrainingSession` owns the training on show and the one that can be resumed. It gets
the shared controller and the widgets it reports on in its constructor; the job it starts
comes with its own handle, so only its own training's signals reach it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QDialog, QTabWidget, QWidget

from nst_desktop.engine import Progress

from .. import imaging, plain_text, training, user_paths
from ..controller import JobController
from ..progress_text import describe_progress
from ..train_dialog import TrainDialog
from ..training import TrainOutcome, TrainRequest
from ..widgets.fast_styles import FastStylesPanel
from ..widgets.loss_plot import LossPlot, curve_of
from ..widgets.preview import PreviewView
from ..widgets.progress_line import ProgressLine
from ..worker import ImageInput, JobFn, failure_message
from . import state
from .session import PREVIEW_MIN_INTERVAL

RATE_KEY = state.TRAIN_RATE


class TrainingSession(QObject):
    """One training at a time on the shared controller; Resume continues a stopped one."""

    message = Signal(str, bool)
    """A sentence for the banner, and whether it is an error."""
    cleared = Signal()
    """A training starts: the banner's earlier news no longer applies."""
    device = Signal(str)
    """The device the finished training ran on."""
    title = Signal(object)
    """The share of the time budget used (for the title bar), or None when it ended."""
    state_changed = Signal()
    """A training started or ended, or what can be resumed changed: enabled states follow."""
    ended = Signal()
    """The training's job has ended (after its outcome): the window may start what waited."""

    def __init__(
        self,
        controller: JobController,
        qsettings: QSettings,
        *,
        progress: ProgressLine,
        loss_plot: LossPlot,
        preview: PreviewView,
        fast_styles: FastStylesPanel,
        tabs: QTabWidget,
        show_details: Callable[[bool], None],
        styles: Callable[[], Sequence[ImageInput]],
        dialog_parent: QWidget,
        job_for: Callable[[TrainRequest], JobFn] = training.train_job,
        parent: QObject | None = None,
    ) -> None:
        """``job_for`` makes the job function of a request (the real training by default)."""
        super().__init__(parent)
        self._job_for = job_for
        self.controller = controller
        self.qsettings = qsettings
        self._progress = progress
        self._loss_plot = loss_plot
        self._preview = preview
        self._fast_styles = fast_styles
        self._tabs = tabs
        self._show_details = show_details
        self._styles = styles
        self._dialog_parent = dialog_parent
        self.training: TrainRequest | None = None
        """The training on the worker thread, None when none runs."""
        self.stopped_training: TrainRequest | None = None
        """A stopped training that Resume continues, None when there is none."""
        self._preview_shown = 0.0
        self._details_were_open = False

    def offer_left_over(self) -> None:
        """At start: a training stopped before it finished (in an earlier session) can resume."""
        left = training.resumable()
        if left:
            self._offer_resume(left[0])
            self.message.emit(
                f"The training of '{left[0].name}' was stopped before it finished: Run › Resume training "
                "continues it from its last checkpoint.",
                False,
            )

    def seconds_per_step(self) -> float | None:
        return state.positive_float(self.qsettings, RATE_KEY)

    def ask_training(self) -> TrainRequest | None:
        """Show the train dialog; the request, or None when cancelled (tests replace this)."""
        dialog = TrainDialog(
            tuple(self._styles()),
            seconds_per_step=self.seconds_per_step(),
            taken_names=self._fast_styles.names(),
            photos_dir=state.start_folder(self.qsettings, state.TRAIN_PHOTOS_DIR),
            parent=self._dialog_parent,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        request = dialog.request()
        if request is not None:
            self.qsettings.setValue(state.TRAIN_PHOTOS_DIR, str(request.photos))
        return request

    @Slot()
    def train(self) -> None:
        if self.controller.busy:
            self.message.emit("Wait for the current run to end (or stop it) before training.", True)
            return
        request = self.ask_training()
        if request is not None:
            self.start(request)

    @Slot()
    def resume(self) -> None:
        request = self.stopped_training
        if request is None or self.controller.busy:
            return
        if not user_paths.is_file(request.checkpoint):
            self.message.emit("The stopped training has no checkpoint left to resume from.", True)
            self._offer_resume(None)
            return
        self.start(request.resumed())

    def start(self, request: TrainRequest) -> bool:
        if self.controller.busy:
            return False
        self.cleared.emit()
        self.training = request
        self._offer_resume(None)
        self._preview_shown = 0.0
        # A resumed training's curve before the Stop comes with its first report, from its
        # checkpoint: the same after a Stop in this session or a restart of the app.
        self._loss_plot.clear()
        # The curves show while it trains; afterwards Details is as the artist had it, so the
        # picture gets its room back.
        self._details_were_open = not self._loss_plot.isHidden()
        self._show_details(True)
        self._progress.setValue(0)
        self._progress.setFormat(f"Starting the training of '{request.name}'…")
        handle = self.controller.start(self._job_for(request))
        if handle is not None:  # the training's own job: only its signals come here
            handle.progress.connect(self._on_progress)
            handle.succeeded.connect(self._on_succeeded)
            handle.failed.connect(self._on_failed)
            handle.cancelled.connect(self._on_cancelled)
            handle.finished.connect(self._on_finished)
        self.state_changed.emit()
        return handle is not None

    def stop(self) -> None:
        """Stop the training; its checkpoint is kept for Resume."""
        if self.training is not None:
            self.controller.cancel()

    def _offer_resume(self, request: TrainRequest | None) -> None:
        self.stopped_training = request
        tip = None
        if request is not None:
            tip = (
                f"Continue training '{request.name}' from its last checkpoint ({request.budget_text} in all)"
            )
        self._fast_styles.set_resumable(tip)
        self.state_changed.emit()

    # The job's own signals --------------------------------------------------------------------

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        self._progress.setValue(round(progress.fraction * 1000))
        self._progress.setFormat(describe_progress(progress))
        self.title.emit(progress.fraction)  # a training's fraction is its time budget used
        if progress.history and self._loss_plot.points() == 0:
            # Resumed: the checkpoint's curve, continued.
            self._loss_plot.restore(curve_of(progress.history))
        if progress.losses:
            self._loss_plot.add(progress.step, progress.losses)
        preview = progress.preview
        now = time.monotonic()
        if preview is not None and now - self._preview_shown >= PREVIEW_MIN_INTERVAL:
            self._preview_shown = now
            h, w = preview.shape[:2]
            self._preview.set_canvas_size(w, h)
            self._preview.set_image(imaging.array_to_qimage(preview))
            if progress.preview_of:
                self._preview.set_caption(f"Preview: {plain_text.capped(progress.preview_of, 60)}")

    @Slot(object)
    def _on_succeeded(self, outcome: object) -> None:
        if not isinstance(outcome, TrainOutcome):
            return
        if outcome.seconds_per_step is not None:
            self.qsettings.setValue(RATE_KEY, outcome.seconds_per_step)
        self.device.emit(outcome.device)
        self._progress.setValue(1000)
        self._progress.setFormat(outcome.summary)
        self.message.emit(
            f"The fast style '{outcome.request.name}' is ready: click it to paint the photo with it.", False
        )
        self._tabs.setCurrentWidget(self._fast_styles)
        self._fast_styles.refresh(select=outcome.request.name)

    @Slot()
    def _on_cancelled(self) -> None:
        request = self.training
        assert request is not None  # set for as long as its job runs
        resumable = user_paths.is_file(request.checkpoint)
        self._offer_resume(request if resumable else None)
        text = (
            "Training stopped. Resume continues from the last checkpoint."
            if resumable
            else "Training stopped before its first step; nothing to resume."
        )
        self._progress.setFormat("Training stopped")
        self.message.emit(text, False)

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        request = self.training
        assert request is not None
        self._progress.setFormat("Training failed")
        if user_paths.is_file(request.checkpoint):
            self._offer_resume(request)
        self.message.emit(failure_message(error), True)

    @Slot()
    def _on_finished(self) -> None:
        self._show_details(self._details_were_open)
        self.training = None
        self.title.emit(None)
        self.state_changed.emit()
        self.ended.emit()
