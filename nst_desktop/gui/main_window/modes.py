# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""The window's one-pass ways of painting: the live instant picture and the fast-style gallery
(click to paint, strength and keep-colours re-apply it). Training a fast style is the
:class:`~.training_session.TrainingSession` part.

:class:`PaintingModes` is mixed into :class:`~.window.MainWindow`. A fast style paints through
the window's :class:`~.session.RunSession` like the optimiser, so its picture is a
:class:`~.picture.Picture` record too. The instant picture and the style files go through the
side :class:`~..side_tasks.TaskRunner`, latest request first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from nst_desktop.engine import EngineError

from .. import imaging
from ..about import AboutDialog
from ..instant_preview import InstantPreview
from ..side_tasks import TaskRunner
from ..widgets.fast_styles import FastStylesPanel
from ..widgets.message_banner import banner_text
from ..worker import Job

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)


class PaintingModes:
    """Instant preview and fast styles for the main window (a mixin)."""

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
        self.fast_styles.message.connect(self.show_message)
        self.fast_styles.listed.connect(lambda: self.batch.set_fast_styles(self.fast_styles.names()))
        self._fast_again: str | None = None

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
        if result is None or result.settings.method != "fast" or self.batch_runner.running:
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
        if self._busy() or self.batch_runner.running:
            # One job at a time: paint with the latest choice when the running job ends.
            job = self.session.job
            fast_running = job is not None and job.settings.method == "fast" and not self.batch_runner.running
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

    def _modes_finished(self: MainWindow) -> None:
        """A job ended: paint with the fast style chosen meanwhile, if any."""
        name, self._fast_again = self._fast_again, None
        if name is not None and not self.controller.busy:
            self.apply_fast_style(name)

    def _modes_state(self: MainWindow, running: bool) -> None:
        self.fast_styles.set_busy(running or self.batch_runner.running)
        self._mark_paint_only()
        actions = getattr(self, "menu_actions", {})
        if "train" in actions:
            actions["train"].setEnabled(not running and not self.batch_runner.running)
            actions["resume"].setEnabled(self.training.stopped_training is not None and not running)

    # About ------------------------------------------------------------------------------------

    def show_about(self: MainWindow) -> None:
        AboutDialog(self).exec()
