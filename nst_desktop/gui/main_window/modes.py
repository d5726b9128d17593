# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""The window's one-pass ways of painting: the live instant picture, the fast-style gallery
(click to paint, strength and keep-colours re-apply it) and training a fast style (dialog,
job, Stop, Resume, the new style selected when done).

:class:`PaintingModes` is mixed into :class:`~.window.MainWindow`. A fast style paints through
the window's :class:`~.session.RunSession` like the optimiser, so its picture is a
:class:`~.picture.Picture` record too; a training runs on the same controller and handles its
own outcome signals here. The instant picture and the style files go through the side
:class:`~..side_tasks.TaskRunner`, latest request first.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog

from nst_desktop.engine import EngineError, Progress

from .. import imaging, training, user_paths
from ..about import AboutDialog
from ..instant_preview import InstantPreview
from ..progress_text import describe_progress
from ..side_tasks import TaskRunner
from ..train_dialog import TrainDialog
from ..training import TrainOutcome, TrainRequest
from ..widgets.fast_styles import FastStylesPanel
from ..widgets.message_banner import banner_text
from ..worker import Job, failure_message
from . import state
from .session import PREVIEW_MIN_INTERVAL

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)

RATE_KEY = state.TRAIN_RATE


class PaintingModes:
    """Instant preview, fast styles and training for the main window (a mixin)."""

    instant_image: imaging.RGB8 | None

    def _build_modes(self: MainWindow, fast_store: Any) -> None:
        self.side_tasks = TaskRunner(self, threads=self.threads)
        paint = getattr(self.engine, "instant_picture", None)
        self.instant = None
        if paint is not None:
            self.instant = InstantPreview(self.side_tasks, paint, parent=self)
            self.instant.ready.connect(self._on_instant_ready)
            self.instant.failed.connect(self._on_instant_failed)
        self.fast_styles = FastStylesPanel(self.side_tasks, fast_store)
        self.fast_styles.apply_requested.connect(self.apply_fast_style)
        self.fast_styles.train_requested.connect(self.train_fast_style)
        self.fast_styles.resume_requested.connect(self.resume_training)
        self.fast_styles.message.connect(self.show_message)
        self.fast_styles.listed.connect(lambda: self.batch.set_fast_styles(self.fast_styles.names()))
        self.training: TrainRequest | None = None
        self.stopped_training: TrainRequest | None = None
        self._fast_again: str | None = None
        left = training.resumable()
        if left:
            self._offer_resume(left[0])
            self.show_message(
                f"The training of '{left[0].name}' was stopped before it finished: Run › Resume training "
                "continues it from its last checkpoint.",
                error=False,
            )

    def _connect_modes(self: MainWindow) -> None:
        self.controls.drag_finished.connect(self._refresh_instant)  # the full picture after drafts

    # The instant picture -------------------------------------------------------------------------

    def _showing_instant(self: MainWindow) -> bool:
        return not self._busy() and self.shown is None

    def _refresh_instant(self: MainWindow) -> None:
        """Ask for the instant picture of the current inputs (nothing runs when it is the same):
        a quick draft while a slider is dragged, the full picture otherwise."""
        if self.instant is None:
            return
        try:
            settings = self.controls.settings()
        except EngineError:
            return
        self.instant.update(self.content, self.gallery.styles(), settings, draft=self.controls.dragging())
        self._mark_paint_only()

    def _mark_paint_only(self: MainWindow) -> None:
        """Grey the controls the instant picture ignores while it is the picture on show."""
        instant = self.instant
        on = instant is not None and instant.active and self.instant_image is not None
        self.controls.mark_paint_only(on and self._showing_instant())

    @Slot(object)
    def _on_instant_ready(self: MainWindow, image: imaging.RGB8) -> None:
        self.instant_image = image
        self._mark_paint_only()
        if self._showing_instant():
            self.preview.view.set_image(imaging.array_to_qimage(image))
            if self.progress.format() in ("Ready", ""):
                self.progress.setFormat(
                    "Instant picture: a first look at any painting. Paint gives the best picture."
                )
        elif not self.controller.busy and (self.shown is None or self.shown.settings.method != "fast"):
            # A painted picture stays on show (minutes of work); the new look waits for Paint.
            self.statusBar().showMessage("The look changed: press Paint to paint it again.", 6000)

    @Slot(str)
    def _on_instant_failed(self: MainWindow, message: str) -> None:
        self.statusBar().showMessage(banner_text(f"No instant picture: {message}"), 8000)

    def _on_look_changed(self: MainWindow) -> None:
        """A control changed: repaint what is on show, if it is a one-pass picture. Fade is
        not among them: it moves the picture on show at once (:meth:`.look.Look.refade`),
        adding no version."""
        self._refresh_instant()
        result = self.shown
        if result is None or result.settings.method != "fast" or self.batch_running:
            return
        try:
            now = self.controls.settings()
        except EngineError:
            return
        fields = ("keep_colors", "size", "device")
        if any(getattr(now, f) != getattr(result.settings, f) for f in fields):
            self.apply_fast_style(result.settings.fast_style)

    # Fast styles ------------------------------------------------------------------------------

    @Slot(str)
    def apply_fast_style(self: MainWindow, name: str) -> None:
        """Paint the photo with the fast style ``name`` at the output size (through the controller)."""
        if self.content is None or self.content_image is None:
            self.show_message("Add a photo first: drop it on the photo area or click there to browse.")
            return
        if self._busy() or self.batch_running:
            # One job at a time: paint with the latest choice when the running job ends.
            job = self.session.job
            fast_running = job is not None and job.settings.method == "fast" and not self.batch_running
            if fast_running:
                self._fast_again = name
            else:
                self.show_message("Wait for the current run to end (or stop it) to paint with a fast style.")
            return
        settings = self.current_settings()
        if settings is None:
            return
        settings = settings.replace(method="fast", fast_style=name)
        self.clear_message()
        # While the model loads, the session starts this right after (the latest choice wins).
        self.session.start(
            Job(content=self.content, styles=(), settings=settings, dpi=self.print_dpi),
            before=self.content_pixels,
        )

    # Training ---------------------------------------------------------------------------------

    def seconds_per_step(self: MainWindow) -> float | None:
        return state.positive_float(self.qsettings, RATE_KEY)

    def ask_training(self: MainWindow) -> TrainRequest | None:
        """Show the train dialog; the request, or None when cancelled (tests replace this)."""
        dialog = TrainDialog(
            self.gallery.styles(),
            seconds_per_step=self.seconds_per_step(),
            taken_names=self.fast_styles.names(),
            photos_dir=state.start_folder(self.qsettings, state.TRAIN_PHOTOS_DIR),
            parent=self,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        request = dialog.request()
        if request is not None:
            self.qsettings.setValue(state.TRAIN_PHOTOS_DIR, str(request.photos))
        return request

    @Slot()
    def train_fast_style(self: MainWindow) -> None:
        if self.controller.busy:
            self.show_message("Wait for the current run to end (or stop it) before training.")
            return
        request = self.ask_training()
        if request is not None:
            self.start_training(request)

    @Slot()
    def resume_training(self: MainWindow) -> None:
        request = self.stopped_training
        if request is None or self.controller.busy:
            return
        if not user_paths.is_file(request.checkpoint):
            self.show_message("The stopped training has no checkpoint left to resume from.")
            self._offer_resume(None)
            return
        self.start_training(request.resumed())

    def start_training(self: MainWindow, request: TrainRequest) -> bool:
        if self.controller.busy:
            return False
        self.clear_message()
        self.training = request
        self._offer_resume(None)
        self._training_preview_shown = 0.0
        self.loss_plot.clear()
        self.view.set_details_visible(True)
        self.progress.setValue(0)
        self.progress.setFormat(f"Starting the training of '{request.name}'…")
        handle = self.controller.start(training.train_job(request))
        if handle is not None:  # the training's own job: only its signals come here
            handle.progress.connect(self._on_training_progress)
            handle.succeeded.connect(self._on_training_succeeded)
            handle.failed.connect(self._on_training_failed)
            handle.cancelled.connect(self._on_training_cancelled)
            handle.finished.connect(self._on_training_finished)
        self._update_state()
        return handle is not None

    def _offer_resume(self: MainWindow, request: TrainRequest | None) -> None:
        self.stopped_training = request
        tip = None
        if request is not None:
            tip = (
                f"Continue training '{request.name}' from its last checkpoint ({request.budget_text} in all)"
            )
        self.fast_styles.set_resumable(tip)
        actions = getattr(self, "menu_actions", {})
        if "resume" in actions:
            actions["resume"].setEnabled(request is not None)

    @Slot(object)
    def _on_training_progress(self: MainWindow, progress: Progress) -> None:
        self.progress.setValue(round(progress.fraction * 1000))
        self.progress.setFormat(describe_progress(progress))
        self._show_title(progress.fraction)  # a training's fraction is its time budget used
        if progress.losses:
            self.loss_plot.add(progress.step, progress.losses)
        preview = progress.preview
        now = time.monotonic()
        if preview is not None and now - self._training_preview_shown >= PREVIEW_MIN_INTERVAL:
            self._training_preview_shown = now
            h, w = preview.shape[:2]
            self.preview.view.set_canvas_size(w, h)
            self.preview.view.set_image(imaging.array_to_qimage(preview))

    @Slot(object)
    def _on_training_succeeded(self: MainWindow, outcome: object) -> None:
        if not isinstance(outcome, TrainOutcome):
            return
        if outcome.seconds_per_step is not None:
            self.qsettings.setValue(RATE_KEY, outcome.seconds_per_step)
        self._show_device(outcome.device)
        self.progress.setValue(1000)
        self.progress.setFormat(outcome.summary)
        self.show_message(
            f"The fast style '{outcome.request.name}' is ready: click it to paint the photo with it.",
            error=False,
        )
        self.tabs.setCurrentWidget(self.fast_styles)
        self.fast_styles.refresh(select=outcome.request.name)

    @Slot()
    def _on_training_cancelled(self: MainWindow) -> None:
        request = self.training
        if request is None:
            return
        resumable = user_paths.is_file(request.checkpoint)
        self._offer_resume(request if resumable else None)
        text = (
            "Training stopped. Resume continues from the last checkpoint."
            if resumable
            else "Training stopped before its first step; nothing to resume."
        )
        self.progress.setFormat("Training stopped")
        self.show_message(text, error=False)

    @Slot(object)
    def _on_training_failed(self: MainWindow, error: BaseException) -> None:
        request = self.training
        if request is None:
            return
        self.progress.setFormat("Training failed")
        if user_paths.is_file(request.checkpoint):
            self._offer_resume(request)
        self.show_message(failure_message(error))

    @Slot()
    def _on_training_finished(self: MainWindow) -> None:
        self.training = None
        self._show_title()
        self._update_state()
        self._modes_finished()

    def _modes_finished(self: MainWindow) -> None:
        """A job ended: paint with the fast style chosen meanwhile, if any."""
        name, self._fast_again = self._fast_again, None
        if name is not None and not self.controller.busy:
            self.apply_fast_style(name)

    def _modes_state(self: MainWindow, running: bool) -> None:
        self.fast_styles.set_busy(running or self.batch_running)
        self._mark_paint_only()
        actions = getattr(self, "menu_actions", {})
        if "train" in actions:
            actions["train"].setEnabled(not running and not self.batch_running)
            actions["resume"].setEnabled(self.stopped_training is not None and not running)

    # About ------------------------------------------------------------------------------------

    def show_about(self: MainWindow) -> None:
        AboutDialog(self).exec()
