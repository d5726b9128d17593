"""The window's one-pass ways of painting: the live instant picture and the fast-style gallery
(click to paint, strength and keep-colours re-apply it). Training a fast style is the
:class:`~.training_session.TrainingSession` part.

:class:`Modes` is an owned part of :class:`~.window.MainWindow`: it owns the side
:class:`~..side_tasks.TaskRunner` (the instant picture and the style files, latest request
first), the :class:`~..instant_preview.InstantPreview`, the Fast styles panel and the fast
style asked for while another job runs. A fast style paints through the window's
:class:`~.session.RunSession` like the optimiser, so its picture is a
:class:`~.picture.Picture` record too; it keeps the photo under the Regions tab's keep mask,
the one region a single network's look can follow. What it needs of the window comes in as callables, so
that a test can build it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Final

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import EngineError, Settings

from .. import imaging
from ..instant_preview import InstantPreview
from ..side_tasks import TaskRunner
from ..threads import ThreadRegistry
from ..widgets.controls import ControlsPanel
from ..widgets.fast_styles import FastStylesPanel
from ..widgets.message_banner import banner_text
from ..widgets.preview import PreviewView
from ..widgets.progress_line import ProgressLine
from ..widgets.style_gallery import StyleGallery
from ..worker import ImageInput, Job
from .picture import Picture
from .session import RunSession

log = logging.getLogger(__name__)

#: Said when a fast style paints while paintings have regions: its network learnt one look, so
#: the keep mask is all of the regions it can follow (see engine/fast/apply.py).
FAST_REGIONS_NOTE: Final = (
    "A fast style paints one style everywhere: it keeps the photo where you marked it, "
    "but the paintings' regions apply only when you Paint."
)

#: The window's regions for a job: the paintings given, with their masks, and the keep mask.
JobRegions = Callable[[Sequence[ImageInput]], tuple[tuple[ImageInput, ...], ImageInput | None]]


class Modes(QObject):
    """Instant picture and fast styles (a part of the main window)."""

    message = Signal(str, bool)
    """A banner message (text, is_error)."""
    cleared = Signal()
    """A new fast paint starts: the banner's message is old news."""
    status = Signal(str, int)
    """A status-bar line and how many ms it stays."""

    def __init__(
        self,
        threads: ThreadRegistry,
        paint: Any,
        fast_store: Any,
        *,
        controls: ControlsPanel,
        gallery: StyleGallery,
        view: PreviewView,
        progress: ProgressLine,
        session: RunSession,
        running: Callable[[], bool],
        busy: Callable[[], bool],
        batch_running: Callable[[], bool],
        shown: Callable[[], Picture | None],
        photo: Callable[[], ImageInput | None],
        before: Callable[[], imaging.RGB8 | None],
        settings: Callable[[], Settings | None],
        dpi: Callable[[], float],
        regions: JobRegions | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``paint`` is the engine's instant picture (None: no instant picture); ``running``
        says the worker thread is held at all, ``busy`` that it is held by more than the
        model's warm-up; ``photo`` is the window's photo once it is shown; ``settings`` the
        controls' settings, or None once the reason is on show; ``regions`` the window's
        masks for a job (None: no regions), of which a fast style takes the keep mask."""
        super().__init__(parent)
        self._controls, self._gallery, self._view, self._progress = controls, gallery, view, progress
        self._session, self._running, self._busy, self._batch_running = session, running, busy, batch_running
        self._shown, self._photo, self._before = shown, photo, before
        self._settings, self._dpi, self._regions = settings, dpi, regions
        self.side_tasks = TaskRunner(self, threads=threads)
        self.instant: InstantPreview | None = None
        if paint is not None:
            self.instant = InstantPreview(self.side_tasks, paint, parent=self)
            self.instant.ready.connect(self._on_instant_ready)
            self.instant.failed.connect(self._on_instant_failed)
        self.instant_image: imaging.RGB8 | None = None
        self.fast_styles = FastStylesPanel(self.side_tasks, fast_store)
        self.fast_styles.apply_requested.connect(self.apply_fast_style)
        self.fast_styles.message.connect(self.message)
        self._fast_again: str | None = None
        controls.drag_finished.connect(self.refresh_instant)  # the full picture after drafts

    # The instant picture -------------------------------------------------------------------------

    def _showing_instant(self) -> bool:
        return not self._busy() and self._shown() is None

    def refresh_instant(self) -> None:
        """Ask for the instant picture of the current inputs (nothing runs when it is the same):
        a quick draft while a slider is dragged, the full picture otherwise."""
        if self.instant is None:
            return
        try:
            settings = self._controls.settings()
        except EngineError:
            return
        self.instant.update(self._photo(), self._gallery.styles(), settings, draft=self._controls.dragging())
        self.mark_paint_only()

    def mark_paint_only(self) -> None:
        """Grey the controls the instant picture ignores while it is the picture on show."""
        instant = self.instant
        on = instant is not None and instant.active and self.instant_image is not None
        self._controls.mark_paint_only(on and self._showing_instant())

    @Slot(object)
    def _on_instant_ready(self, image: imaging.RGB8) -> None:
        self.instant_image = image
        self.mark_paint_only()
        if self._showing_instant():
            self._view.set_image(imaging.array_to_qimage(image))
            if self._progress.format() in ("Ready", ""):
                self._progress.setFormat(
                    "Instant picture: a first look at any painting. Paint gives the best picture."
                )
            return
        shown = self._shown()
        if not self._running() and (shown is None or shown.settings.method != "fast"):
            # A painted picture stays on show (minutes of work); the new look waits for Paint.
            self.status.emit("The look changed: press Paint to paint it again.", 6000)

    @Slot(str)
    def _on_instant_failed(self, message: str) -> None:
        self.status.emit(banner_text(f"No instant picture: {message}"), 8000)

    def look_changed(self) -> None:
        """A control changed: repaint what is on show, if it is a one-pass picture. Fade is
        not among them: it moves the picture on show at once (:meth:`.look.Look.refade`),
        adding no version."""
        self.refresh_instant()
        result = self._shown()
        if result is None or result.settings.method != "fast" or self._batch_running():
            return
        try:
            now = self._controls.settings()
        except EngineError:
            return
        fields = ("keep_colors", "size", "device")
        if any(getattr(now, f) != getattr(result.settings, f) for f in fields):
            self.apply_fast_style(result.settings.fast_style)

    # Fast styles ------------------------------------------------------------------------------

    @Slot(str)
    def apply_fast_style(self, name: str) -> None:
        """Paint the photo with the fast style ``name`` at the output size (through the session)."""
        photo = self._photo()
        if photo is None:
            self.message.emit("Add a photo first: drop it on the photo area or click there to browse.", True)
            return
        if self._busy() or self._batch_running():
            # One job at a time: paint with the latest choice when the running job ends.
            job = self._session.job
            fast_running = job is not None and job.settings.method == "fast" and not self._batch_running()
            if fast_running:
                self._fast_again = name
            else:
                self.message.emit(
                    "Wait for the current run to end (or stop it) to paint with a fast style.", True
                )
            return
        settings = self._settings()
        if settings is None:
            return
        settings = settings.replace(method="fast", fast_style=name)
        self.cleared.emit()
        keep = self._keep_mask()
        # While the model loads, the session starts this right after (the latest choice wins).
        self._session.start(
            Job(content=photo, styles=(), settings=settings, dpi=self._dpi(), keep=keep),
            before=self._before(),
        )

    def _keep_mask(self) -> ImageInput | None:
        """The window's keep mask for a fast style, saying once per click that the paintings'
        regions, if any, are not followed (a fast style is one network, one look)."""
        if self._regions is None:
            return None
        styles, keep = self._regions(self._gallery.styles())
        if any(style.mask is not None for style in styles):
            self.message.emit(FAST_REGIONS_NOTE, False)  # news: the status bar's line is overwritten
        return keep

    def job_ended(self) -> None:
        """A job ended: paint with the fast style chosen meanwhile, if any."""
        name, self._fast_again = self._fast_again, None
        if name is not None and not self._running():
            self.apply_fast_style(name)

    def forget_queued(self) -> None:
        """The window closes: no fast style waits to paint after the running job."""
        self._fast_again = None

    def set_running(self, running: bool) -> None:
        """The window's run state changed: the gallery paints only when nothing else runs."""
        self.fast_styles.set_busy(running or self._batch_running())
        self.mark_paint_only()
