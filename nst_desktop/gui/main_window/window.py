"""The main window: composes the parts and routes their signals; decides nothing itself.

Owned parts (objects with their own state, collaborators given in the constructor, each
tested alone under tests/gui/main_window/): :class:`~.view.PictureView` (zoom, compare, full
screen), :class:`~.look.Look` (undo, presets, Fade), :class:`~.batch_tab.BatchTab` (the batch
tab's commands) with :class:`~.batch.BatchRunner`, :class:`~.session.RunSession` (one painting
at a time), :class:`~.training_session.TrainingSession`, :class:`~.history.History` (the
versions: store, strip, writer) and :class:`~.output.Output` (save, copy, drag files); every
thread goes through the window's :class:`~..threads.ThreadRegistry`; :class:`~.inputs.Inputs`
(open, drop, paste, recent files); :class:`~.modes.Modes` (instant picture, fast styles).
No mixins: the widgets are put together by the plain functions of :mod:`.compose` (with
:mod:`.layout`). Also:
:mod:`.actions` (menus as a table), :mod:`.state` (what is remembered), :mod:`.picture` (the
immutable record of what is on show).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QSettings, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from nst_desktop.engine import EngineError, Progress, Settings
from nst_desktop.engine.images import DEFAULT_DPI
from nst_desktop.engine.presets import PresetStore
from nst_desktop.engine.record import stopped_percent
from nst_desktop.engine.schedule import fit
from nst_desktop.engine.versions import VersionStore, session_dir

from .. import imaging, plain_text, shutdown, user_paths
from ..about import AboutDialog
from ..controller import JobController
from ..progress_text import describe_progress, format_seconds, time_fraction
from ..threads import ThreadRegistry, registry
from ..widgets.batch_list import BatchList
from ..widgets.controls import ControlsEdit, ControlsPanel
from ..widgets.fast_styles import FastStylesPanel
from ..widgets.history_strip import HistoryStrip
from ..widgets.image_drop import DropArea
from ..widgets.loss_plot import LossPlot
from ..widgets.message_banner import MessageBanner, banner_text
from ..widgets.preset_bar import PresetBar
from ..widgets.preview import PreviewPanel
from ..widgets.print_size import PrintChoice
from ..widgets.progress_line import ProgressLine
from ..widgets.region_tools import RegionTools
from ..widgets.style_gallery import StyleGallery
from ..widgets.wheel_guard import WheelGuard
from ..worker import Engine, ImageInput, Job, RealEngine
from . import actions, compose, printing, state
from .batch import BatchRunner
from .batch_tab import BatchTab
from .history import History
from .inputs import Inputs
from .layout import BannerOverlay, LeftPanel, RunBar
from .look import Look
from .modes import Modes
from .output import Output
from .picture import Picture
from .regions import Regions
from .session import RunSession
from .training_session import TrainingSession
from .undo import ControlsUndo, UndoKeys
from .version_writer import VersionWriter
from .view import PictureView

__all__ = ["MainWindow", "MessageBanner", "describe_progress", "format_seconds", "time_fraction"]

log = logging.getLogger(__name__)

INFO_SECONDS = 10_000
"""An information banner goes away by itself after this many ms; errors stay until solved."""
ALERT_AFTER_SECONDS = 20.0
"""A run at least this long asks for attention when it ends (taskbar flash)."""


class MainWindow(QMainWindow):
    recent_menu: QMenu  # made by actions.build()
    # The widgets, made by compose.build_ui():
    left: LeftPanel
    left_panel: QWidget
    photo_area: DropArea
    gallery: StyleGallery
    controls: ControlsPanel
    preset_bar: PresetBar
    wheel_guard: WheelGuard
    preview: PreviewPanel
    banner: MessageBanner
    banner_overlay: BannerOverlay
    run_bar: RunBar
    stylize_button: QPushButton
    stop_button: QPushButton
    save_button: QPushButton
    copy_button: QPushButton
    progress: ProgressLine
    loss_plot: LossPlot
    tabs: QTabWidget
    modes: Modes
    fast_styles: FastStylesPanel
    region_tools: RegionTools
    regions: Regions
    batch: BatchList
    centre_splitter: QSplitter
    splitter: QSplitter
    device_label: QLabel
    look: Look
    training: TrainingSession
    _before_missing: Picture | None
    """A picture on show whose photo is read only when before/after is asked for."""
    view: PictureView
    shown: Picture | None
    """The picture on show."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        qsettings: QSettings | None = None,
        presets: PresetStore | None = None,
        fast_styles: Any = None,
        threads: ThreadRegistry | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("nst-desktop")
        self.setAcceptDrops(True)
        self.qsettings = qsettings if qsettings is not None else QSettings()
        self.engine: Engine = engine if engine is not None else RealEngine()
        self.threads = threads if threads is not None else registry().child()
        """Every thread this window starts; closing stops them through it (see .shutdown)."""
        self.controller = JobController(self, self.threads)
        self.session = RunSession(self.controller, self.engine, self)
        self.content: ImageInput | None = None
        self.content_pixels: imaging.RGB8 | None = None
        self.content_image: QImage | None = None
        self.shown = None
        self._run_title = ""
        self._before_missing = None
        self._run_started_at: float | None = None
        self.device_text = ""
        self.print_dpi: float = DEFAULT_DPI  # what saved files record (see .printing)
        self.print_choice: PrintChoice | None = None  # what the Print… dialog reopens on
        self._info_timer = QTimer(self)
        self._info_timer.setSingleShot(True)
        self._info_timer.timeout.connect(lambda: self.clear_message(errors_only=False, info_only=True))
        self.history = History(
            VersionStore(session_dir()),
            HistoryStrip(),
            VersionWriter(self, threads=self.threads),
            busy=self._busy,
            ask=lambda text: self.ask_yes_no(text),  # late-bound: tests replace it
            parent=self,
        )
        self.output = Output(self.history.writer, self.qsettings, lambda: self.shown, self, self)
        compose.build_ui(self, presets, fast_styles)
        self.view = PictureView(
            self,
            self.preview,
            self.loss_plot,
            self.run_bar.details_button,
            (self.left, self.tabs, self.run_bar, self.menuBar(), self.statusBar()),
            self.tabs,
            self.centre_splitter,
            tall_tab=self.batch,
        )
        self.training = TrainingSession(
            self.controller,
            self.qsettings,
            progress=self.progress,
            loss_plot=self.loss_plot,
            preview=self.preview.view,
            fast_styles=self.fast_styles,
            tabs=self.tabs,
            show_details=self.view.set_details_visible,
            styles=self.gallery.styles,
            dialog_parent=self,
            parent=self,
        )
        self.batch_runner = BatchRunner(self.session, self.batch, self, print_dpi=lambda: self.print_dpi)
        self.batch_tab = BatchTab(
            self.batch,
            self.batch_runner,
            self.qsettings,
            styles=self.gallery.styles,
            settings=self.current_settings,
            busy=self._busy,
            ask_folder=lambda title: self.inputs.ask_folder(title),  # late-bound: tests replace it
            version=lambda vid: self.history.picture(vid) if self.history.strip.version(vid) else None,
            parent=self,
        )
        self.inputs = Inputs(
            self.qsettings,
            self.gallery,
            self.controls,
            add_to_batch=self.batch_tab.add_paths,
            show_batch=lambda: self.tabs.setCurrentWidget(self.batch),
            has_photo=lambda: self.content is not None,
            dialog_parent=self,
            parent=self,
        )
        self.wheel_guard.protect_children()  # now that the whole window is built
        undo = ControlsUndo(self.controls, part=self.regions)  # strokes are undo steps too
        self.look = Look(self.controls, undo, lambda: self.shown, self._busy, self)
        self.menu_actions: dict[str, QAction] = actions.build(self)
        self._undo_keys = UndoKeys(self.controls)
        self._connect()
        self.training.offer_left_over()
        state.restore(self)
        self.look.undo.reset()
        self._update_state()

    # Composition ------------------------------------------------------------------------------

    def _connect(self) -> None:
        i = self.inputs
        i.photo.connect(self._set_content)
        i.message.connect(self.show_message)
        i.status.connect(self.statusBar().showMessage)
        i.solved.connect(lambda: self.clear_message(errors_only=True))
        self.photo_area.files_dropped.connect(i.on_photo_files)
        self.photo_area.image_pasted.connect(i.on_photo_pasted)
        self.photo_area.browse_requested.connect(i.browse_photo)
        g = self.gallery  # its drops, pastes and samples go to Inputs, which owns them
        g.changed.connect(self._update_state)
        g.changed.connect(self.modes.refresh_instant)
        g.changed.connect(self.wheel_guard.protect_children)
        g.changed.connect(self.regions.sync_paintings)
        self._connect_regions()
        self.controls.changed.connect(self._on_controls_changed)
        self.controls.changed.connect(self.preset_bar.update_modified)
        self.controls.print_button.clicked.connect(lambda: printing.choose_print_size(self))
        self.preset_bar.preset_applied.connect(self.look.apply_preset)
        self.look.faded.connect(self._show_faded)
        self.look.status.connect(self.statusBar().showMessage)
        bar = self.run_bar
        bar.stylize_button.clicked.connect(self.stylize)
        bar.stop_button.clicked.connect(self.stop)
        bar.save_button.clicked.connect(self.output.save)
        bar.copy_button.clicked.connect(self.output.copy)
        bar.drag_button.provider = self.output.drag_payload
        self.preview.compare.toggled.connect(self._ensure_before)
        self.view.before_wanted.connect(self._ensure_before)
        self.view.full_screen_changed.connect(lambda _full: self._update_state())  # Esc leaves it
        b = self.batch
        t = self.batch_tab
        b.files_dropped.connect(t.add_paths)
        b.add_requested.connect(i.browse_batch)
        b.folder_requested.connect(t.choose_folder)
        b.start_requested.connect(t.start)
        b.start_requested.connect(self._note_batch_regions)
        b.result_activated.connect(t.show_result)
        b.folder_open_failed.connect(
            lambda folder: self.show_message(
                f"No file manager opened the folder; the pictures are in {plain_text.capped(folder, 120)}.",
                error=False,
            )
        )
        b.output_options_changed.connect(t.save_options)
        t.message.connect(self.show_message)
        t.cleared.connect(lambda: self.clear_message())
        t.status.connect(self.statusBar().showMessage)
        t.result_loaded.connect(self._show_batch_result)
        self.batch_runner.message.connect(self.show_message)
        self.batch_runner.message.connect(lambda text, _error: self.progress.setFormat(text))
        self.batch_runner.state_changed.connect(self._update_state)
        s = self.session
        s.started.connect(self._on_run_started)
        s.progressed.connect(self._on_progress)
        s.preview.connect(self._on_preview)
        s.picture_ready.connect(self._on_picture)
        s.stopped.connect(self._on_stopped_empty)
        s.failed.connect(self._on_failed)
        s.status.connect(self._on_status)
        s.device.connect(self._show_device)
        s.waiting.connect(lambda: self.progress.setFormat("Loading the model…"))
        s.ended.connect(self._on_run_ended)
        s.state_changed.connect(self._update_state)
        m = self.modes
        m.message.connect(self.show_message)
        m.cleared.connect(lambda: self.clear_message())
        m.status.connect(self.statusBar().showMessage)
        m.fast_styles.listed.connect(lambda: self.batch.set_fast_styles(m.fast_styles.names()))
        tr = self.training
        self.fast_styles.train_requested.connect(tr.train)
        self.fast_styles.resume_requested.connect(tr.resume)
        tr.message.connect(self.show_message)
        tr.cleared.connect(lambda: self.clear_message())
        tr.device.connect(self._show_device)
        tr.title.connect(self._show_title)
        tr.state_changed.connect(self._update_state)
        tr.ended.connect(self.modes.job_ended)
        hi = self.history
        hi.show_requested.connect(self._show_version)
        hi.compare_requested.connect(lambda a, b, labels: self.preview.compare_versions(a, b, labels=labels))
        hi.save_requested.connect(self.output.save_as)
        hi.kept.connect(self._on_kept)
        hi.kept.connect(self.batch_tab.kept)
        hi.settings_requested.connect(self.inputs.use_settings)
        hi.deleted.connect(self._on_version_deleted)
        hi.status.connect(self.statusBar().showMessage)
        hi.message.connect(self.show_message)
        self.preview.compare_closed.connect(self._after_compare)
        out = self.output
        out.message.connect(self.show_message)
        out.status.connect(self.statusBar().showMessage)
        out.saved.connect(hi.mark_saved)
        hi.load()

    def _connect_regions(self) -> None:
        r = self.regions
        r.changed.connect(self.modes.refresh_instant)
        r.stepped.connect(lambda: self.look.undo.record(merge=False))
        r.status.connect(self.statusBar().showMessage)
        r.message.connect(self.show_message)
        if self.modes.instant is not None:
            self.modes.instant.regions = r.job_inputs
        self.tabs.currentChanged.connect(
            lambda _i: r.set_active(self.tabs.currentWidget() is self.region_tools)
        )
        self.inputs.restored.connect(lambda meta, _source: self._restore_regions(meta))
        self.history.strip.settings_requested.connect(self._use_version_regions)

    def _restore_regions(self, meta: dict[str, Any]) -> None:
        """The regions a picture recorded, on this photo and these paintings (see Regions.restore)."""
        from nst_desktop.engine.metadata import regions_from_metadata

        try:
            masks, keep = regions_from_metadata(meta)
        except EngineError as exc:
            self.statusBar().showMessage(banner_text(str(exc)), 8000)
            return
        used = meta.get("styles")
        names = (
            [str(e.get("name", "")) if isinstance(e, dict) else "" for e in used]
            if isinstance(used, list)
            else []
        )
        self.regions.restore(masks, keep, names)

    @Slot(str)
    def _use_version_regions(self, version_id: str) -> None:
        """'Use these settings' on a version: its regions too (History puts its settings back)."""
        if self._busy():
            return
        picture = self.history.picture(version_id)
        if picture is not None:
            self._restore_regions(picture.metadata())

    @Slot()
    def _note_batch_regions(self) -> None:
        """A batch started (BatchTab.start ran first): it paints without the regions; say so."""
        note = self.regions.batch_note()
        if note and self.batch_runner.running:
            self.show_message(note, error=False)

    # Messages ---------------------------------------------------------------------------------

    @Slot(str, bool)
    def show_message(self, text: str, error: bool = True) -> None:
        self.banner.show_message(text, error)
        self.banner_overlay.place()
        self.statusBar().showMessage(banner_text(text), 8000)
        if error:
            self._info_timer.stop()
        else:
            self._info_timer.start(INFO_SECONDS)

    def clear_message(self, errors_only: bool = False, info_only: bool = False) -> None:
        """Hide the banner; ``errors_only`` when a problem was just solved, ``info_only`` when
        news has been on show long enough."""
        if errors_only and not self.banner.is_error:
            return
        if info_only and self.banner.is_error:
            return
        self.banner.hide()

    # The look ----------------------------------------------------------------------------------

    def _on_controls_changed(self, edit: ControlsEdit) -> None:
        self.modes.look_changed()
        self.look.changed(edit)
        if self.content_image is not None and not self.controller.busy and self.shown is None:
            self.preview.view.set_canvas_size(
                *self._canvas_size(self.content_image.width(), self.content_image.height())
            )

    @Slot(object)
    def _show_faded(self, faded: Picture) -> None:
        """Fade moved the picture on show: show it faded, no repaint and no new version."""
        self.shown = faded
        self.output.prepare_drag()
        self.preview.view.set_image(imaging.array_to_qimage(faded.pixels))

    # The photo --------------------------------------------------------------------------------

    def _set_content(self, source: ImageInput, pixels: imaging.RGB8, image: QImage) -> None:
        self.content = source
        self.content_pixels = pixels
        self.content_image = image
        self._run_title = plain_text.capped(source.name, 80)
        self._show_title()
        self.photo_area.set_image(image, source.name)
        self.clear_message(errors_only=True)
        if not self.controller.busy:
            self.shown = None
            self.progress.setValue(0)
            self.progress.setFormat("Ready")  # "Done" described the picture that was on show
            self.preview.view.set_before(image)
            self.preview.view.set_canvas_size(*self._canvas_size(image.width(), image.height()))
            self.preview.view.set_image(image)
        self.regions.set_photo(pixels)
        self._update_state()
        self.modes.refresh_instant()

    def _canvas_size(self, width: int, height: int, size: int | None = None) -> tuple[int, int]:
        """The picture's size at ``size`` (default: the output size control) on the long side."""
        return fit(width, height, size if size is not None else self.controls.size.value())

    def _show_before(self, before: imaging.RGB8, size: int) -> None:
        """``before`` as the before/after photo, on the canvas of a picture ``size`` px long."""
        h, w = before.shape[:2]
        self.preview.view.set_before(imaging.array_to_qimage(before))
        self.preview.view.set_canvas_size(*self._canvas_size(w, h, size))

    # Running ----------------------------------------------------------------------------------

    def current_settings(self) -> Settings | None:
        try:
            return self.controls.settings()
        except EngineError as exc:
            self.show_message(str(exc))
            return None

    def _ready_to_paint(self) -> str:
        if self.content is None:
            return "Add a photo first: drop it on the photo area or click there to browse."
        if not self.gallery.styles():
            return "Add at least one painting to take the style from."
        if all(s.weight <= 0 for s in self.gallery.styles()):
            return "Give at least one painting a blend weight above zero."
        return ""

    def stylize(self) -> None:
        if self._busy() or self.batch_runner.running:
            return
        problem = self._ready_to_paint()
        if problem:
            self.show_message(problem)
            return
        settings = self.current_settings()
        if settings is None:
            return
        assert self.content is not None
        self.clear_message()
        allow_download = self._confirm_download(settings)
        if allow_download is None:
            return
        if not self._confirm_long_run(settings):
            return
        styles, keep = self.regions.job_inputs(self.gallery.styles())
        job = Job(
            content=self.content,
            styles=styles,
            settings=settings,
            allow_download=allow_download,
            dpi=self.print_dpi,
            keep=keep,
        )
        self.session.start(job, before=self.content_pixels)

    def _busy(self) -> bool:
        """Something other than the model's warm-up holds the worker thread."""
        return self.controller.busy and not self.session.warming

    def _confirm_download(self, settings: Settings) -> bool | None:
        """Downloads happen only when the artist says so: True to allow, None when declined."""
        if settings.weights == "original":
            return False
        from nst_desktop.engine import weights

        if weights.is_cached(settings.weights):
            return False
        info = weights.weight_set(settings.weights)
        question = (
            f"Painting with the {info.title} weights needs a one-time download of about "
            f"{info.download_mb} MB. Download it now?"
        )
        return True if self.ask_yes_no(question) else None

    def _confirm_long_run(self, settings: Settings) -> bool:
        """Ask before a run expected to take more than a few minutes (needs a measured rate)."""
        from . import estimate

        question = estimate.long_run_question(self, settings)
        return question is None or self.ask_yes_no(question)

    def ask_yes_no(self, text: str) -> bool:
        return plain_text.ask_yes_no(self, text)

    def warm_up(self) -> None:
        """Load the model in the background at start so the first Paint paints at once."""
        try:
            device = self.controls.settings().device
        except EngineError:
            device = Settings().device
        if self.session.warm_up(device):
            self.device_label.setText("Device: loading the model…")

    def stop(self) -> None:
        if self.view.full_screen:
            self.view.toggle_full_screen()
            return
        if self.batch_runner.running:
            self.batch_runner.stop()
        elif self.training.training is not None:
            self.training.stop()
        else:
            self.session.stop()
        if self._busy():
            self.progress.setFormat("Stopping…")
        self._update_state()

    @Slot(object)
    def _on_run_started(self, job: Job) -> None:
        self.preview.end_compare()
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.loss_plot.clear()
        self._run_started_at = time.monotonic()
        if self.session.before is not None:
            self._show_before(self.session.before, job.settings.size)
        else:  # a batch's photo: never compare its picture with the window's photo
            self.preview.view.set_before(None)

    @Slot(str)
    def _on_status(self, text: str) -> None:
        self.progress.setFormat(text)
        self.statusBar().showMessage(text)

    @Slot(str)
    def _show_device(self, text: str) -> None:
        self.device_text = text
        self.device_label.setText(f"Device: {plain_text.capped(text, 80)}")

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        done = time_fraction(progress)
        self.progress.setValue(round(done * 1000))
        self.progress.setFormat(describe_progress(progress))
        self._show_title(done)
        if progress.losses:
            self.loss_plot.add(progress.step, progress.losses)

    @Slot(object)
    def _on_preview(self, image: imaging.RGB8) -> None:
        self.preview.view.set_image(imaging.array_to_qimage(image))

    @Slot(object)
    def _on_picture(self, picture: Picture) -> None:
        self.show_picture(picture)
        w, h = picture.size
        if picture.complete:
            self.progress.setValue(1000)
            self.progress.setFormat(f"Done: {w}×{h} px in {format_seconds(picture.seconds)}")
            if picture.job.output_path is None:
                self.statusBar().showMessage("Finished. Save the picture or copy it to the clipboard.", 8000)
            self.remember_rate(picture)
        else:
            size = (
                ""
                if not picture.smaller_than_asked
                else f" ({w}×{h} px, below the {picture.settings.size} px asked)"
            )
            percent = stopped_percent(picture.fraction)
            self.progress.setFormat(f"Stopped at {percent}%: the picture so far can be saved{size}")
            self.statusBar().showMessage("Stopped.", 5000)
        self.history.add(picture)

    def show_picture(self, picture: Picture) -> None:
        """Put ``picture`` on show with its own photo as "before" (a batch's picture has none
        in memory: its photo is read when before/after is first asked for, see
        :meth:`_ensure_before`; until then no other photo stands in for it)."""
        self.shown = picture
        self.output.prepare_drag()  # its drag file, written ahead on the writer thread
        self._before_missing = None
        if picture.before is not None:
            self._show_before(picture.before, picture.settings.size)
        else:
            w, h = picture.size
            self.preview.view.set_before(None)
            self.preview.view.set_canvas_size(*self._canvas_size(w, h, picture.settings.size))
            self._before_missing = picture
            if self.preview.compare.isChecked() or self.view.holding_before:
                self._ensure_before()
        self.preview.view.set_image(imaging.array_to_qimage(picture.pixels))
        self._update_state()

    @Slot(bool)
    def _ensure_before(self, wanted: bool = True) -> None:
        """Before/after is asked for: read the photo of the picture on show if it has none yet."""
        if not wanted:
            return
        picture, self._before_missing = self._before_missing, None
        if picture is None or picture is not self.shown or picture.photo.path is None:
            return
        if not user_paths.is_file(picture.photo.path):
            self.statusBar().showMessage("This picture's photo is no longer there to compare with.", 6000)
            return
        try:
            from nst_desktop.engine import images

            before = images.load_image(picture.photo.path, max_side=1600)
        except EngineError as exc:
            self.statusBar().showMessage(banner_text(f"The photo cannot be read to compare: {exc}"), 6000)
            return
        self.preview.view.set_before(imaging.array_to_qimage(before))

    @Slot(object)
    def _show_version(self, picture: Picture) -> None:
        """A version chosen in the strip: on show, with its own summary in the bar."""
        self.preview.end_compare()
        self.show_picture(picture)
        self.loss_plot.clear()  # the curves were the last run's, not this version's
        self.progress.setValue(round(picture.fraction * 1000))
        self.progress.setFormat(f"Version: {picture.summary()}")

    @Slot(object, object)
    def _on_kept(self, picture: Picture, kept: Picture) -> None:
        """The picture on show is now a version: show the copy that carries its id (a batch's
        picture, whose photo is read when before/after is asked for, too)."""
        if self.shown is picture:
            self.shown = kept
        if self._before_missing is picture:
            self._before_missing = kept

    @Slot(str)
    def _on_version_deleted(self, version_id: str) -> None:
        """What was on show is gone: back to the photo (or its instant picture)."""
        if self.shown is None or self.shown.id != version_id:
            return
        self.shown = None
        self.preview.end_compare()
        if self.modes.instant_image is not None:
            self.preview.view.set_image(imaging.array_to_qimage(self.modes.instant_image))
        elif self.content_image is not None:
            self.preview.view.set_image(self.content_image)
        else:
            self.preview.view.clear()
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        self._update_state()

    @Slot()
    def _after_compare(self) -> None:
        if self.shown is not None:
            self.show_picture(self.shown)

    @Slot(object, str)
    def _show_batch_result(self, picture: Picture, name: str) -> None:
        """A batch row's picture on show, a version like any other (Save, Copy, Drag, star)."""
        self.preview.end_compare()
        self.history.strip.select(picture.id if self.history.strip.version(picture.id) else None)
        self.loss_plot.clear()
        self.show_picture(picture)
        self.progress.setFormat(f"Batch result: {name}")

    @Slot()
    def _on_stopped_empty(self) -> None:
        self.progress.setFormat("Stopped")
        self.statusBar().showMessage("Stopped.", 5000)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self.session.warming:
            self.device_label.setText("Device: not ready")
            self.show_message(message)
            return
        if self.batch_runner.running:
            return  # the batch carries on; the reason is on the item
        self.progress.setFormat("Failed")
        self.show_message(message)

    @Slot()
    def _on_run_ended(self) -> None:
        self._show_title()
        started = self._run_started_at
        if started is not None and time.monotonic() - started >= ALERT_AFTER_SECONDS:
            QApplication.alert(self)
        self._run_started_at = None
        self._update_state()
        self.modes.job_ended()

    def _show_title(self, fraction: float | None = None) -> None:
        """The photo's name in the title, with the run's progress while it runs (taskbars show it)."""
        name = self._run_title or "nst-desktop"
        prefix = f"{fraction:.0%} — " if fraction is not None and self.controller.busy else ""
        self.setWindowTitle(f"{prefix}{name} — nst-desktop" if self._run_title else f"{prefix}nst-desktop")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        self.inputs.accept_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        self.inputs.accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """Outside the drop areas: a result restores its settings, anything else is a photo."""
        mime = event.mimeData()
        event.acceptProposedAction()
        self.inputs.drop(mime)

    def remember_rate(self, picture: Picture) -> None:
        from . import estimate

        estimate.remember(self, picture)

    # State ------------------------------------------------------------------------------------

    def _update_state(self) -> None:
        running = self._busy()
        waiting = self.session.waiting_for_model
        batch = self.batch_runner.running
        can_paint = not running and not waiting and not batch
        a = getattr(self, "menu_actions", {})
        self.stylize_button.setEnabled(can_paint)
        self.stop_button.setEnabled(running or waiting or batch)
        has_picture = self.shown is not None and not running
        self.save_button.setEnabled(has_picture)
        self.copy_button.setEnabled(has_picture)
        self.run_bar.drag_button.setEnabled(has_picture)
        for name, on in (
            ("stylize", can_paint),
            ("stop", running or waiting or batch or self.isFullScreen()),  # Esc leaves full screen
            ("save", has_picture),
            ("copy", has_picture),
        ):
            if name in a:
                a[name].setEnabled(on)
        self.batch.set_running(running or batch, batch=batch)
        self.modes.set_running(running)
        if "train" in a:
            a["train"].setEnabled(not running and not batch)
            a["resume"].setEnabled(self.training.stopped_training is not None and not running)
        if not running and not waiting and self.progress.format() in ("Starting…", "Stopping…"):
            self.progress.setFormat("Ready")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.left.fit_width()  # the panel's width depends on the room the window has

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Keys held to look (B, Space) that no focused control took for itself."""
        if not self.view.key_pressed(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self.view.key_released(event):
            super().keyReleaseEvent(event)

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def save_state(self) -> None:
        state.save(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Save, then stop any run; a run that must end first (a painting, a training) closes
        the hidden window itself when it has stopped (see :mod:`.shutdown`). Pending version
        writes and saves land before the window goes, with the window already hidden."""
        self.save_state()
        if shutdown.may_close(self):
            self.hide()  # the artist sees the window go now, not frozen while files land
            if self.history.writer.busy:
                QGuiApplication.sync()  # the window system takes the hide before the wait
            self.output.discard_drag_files()  # no drag file is prepared for a closed window
            self.history.finish()  # every pending version and save lands first
            event.accept()
        else:
            event.ignore()
