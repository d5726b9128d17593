"""The studio window: photo and paintings on the left, the live picture in the middle.

The window only gathers inputs and shows outputs; running is the controller's business, so
the window never waits on the engine and every failure becomes one plain message here.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine import EngineError, Progress, Result, Settings, images
from nst_desktop.engine.metadata import build_metadata, result_metadata, settings_from_metadata
from nst_desktop.engine.presets import PresetStore

from . import imaging, plain_text, shutdown, user_paths
from .controller import JobController
from .progress_text import describe_progress, format_seconds, free_output_path
from .widgets.batch_list import BatchList
from .widgets.controls import ControlsPanel
from .widgets.image_drop import DropArea, paths_from_mime
from .widgets.loss_plot import LossPlot
from .widgets.message_banner import MessageBanner, banner_text
from .widgets.preset_bar import PresetBar
from .widgets.preview import PreviewPanel
from .widgets.style_gallery import StyleGallery
from .widgets.wheel_guard import WheelGuard
from .window_modes import PaintingModes, fast_metadata_args
from .worker import Engine, ImageInput, Job, RealEngine, failure_message, stylize_call

__all__ = ["MainWindow", "MessageBanner", "describe_progress", "format_seconds"]

log = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 1600
PASTE_MAX_SIDE = 4096
PREVIEW_MIN_INTERVAL = 0.1
MAX_RECENT = 10
SAVE_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;TIFF image, 16-bit (*.tif *.tiff)"
OPEN_FILTER = f"{images.INPUT_FILTER};;All files (*)"


class MainWindow(PaintingModes, QMainWindow):
    def __init__(
        self,
        engine: Engine | None = None,
        *,
        qsettings: QSettings | None = None,
        presets: PresetStore | None = None,
        fast_styles: Any = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("nst-desktop")
        self.setAcceptDrops(True)
        self.qsettings = qsettings if qsettings is not None else QSettings()
        self.engine: Engine = engine if engine is not None else RealEngine()
        self.controller = JobController(self)
        self.current_job: Job | None = None
        self.content: ImageInput | None = None
        self.content_image: QImage | None = None
        self.result: Result | None = None
        self.last_preview: imaging.RGB8 | None = None
        self.last_run_settings: Settings | None = None
        self.partial = False
        self.device_text = ""
        self._last_preview_shown = 0.0
        self._pending_start = False
        self._warming_up = False
        self.batch_running = False
        self.batch_index: int | None = None
        self._batch_counts = {"done": 0, "failed": 0}

        self.instant_image: imaging.RGB8 | None = None
        self.instant: Any = None
        self._build_ui(presets, fast_styles)
        self._build_actions()
        self._connect_controller()
        self._restore_state()
        self._update_state()

    # UI --------------------------------------------------------------------------------------

    def _build_ui(self, presets: PresetStore | None, fast_store: Any) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 8, 8)
        left_layout.setSpacing(10)

        photo_box = QGroupBox("Photo")
        photo_layout = QVBoxLayout(photo_box)
        self.photo_area = DropArea("Drop a photo here\nor click to browse · Ctrl+V to paste", min_height=150)
        self.photo_area.setToolTip("The picture to repaint. Drop several photos at once to batch them.")
        self.photo_area.files_dropped.connect(self._on_photo_files)
        self.photo_area.image_pasted.connect(self._on_photo_pasted)
        self.photo_area.browse_requested.connect(self.browse_photo)
        photo_layout.addWidget(self.photo_area)
        left_layout.addWidget(photo_box)

        style_box = QGroupBox("Paintings")
        style_layout = QVBoxLayout(style_box)
        self.gallery = StyleGallery()
        self.gallery.files_dropped.connect(self._on_style_files)
        self.gallery.image_pasted.connect(self._on_style_pasted)
        self.gallery.browse_requested.connect(self.browse_styles)
        self.gallery.sample_requested.connect(self._on_sample_style)
        self.gallery.changed.connect(self._update_state)
        self.gallery.changed.connect(self._refresh_instant)
        style_layout.addWidget(self.gallery)
        left_layout.addWidget(style_box)

        look_box = QGroupBox("Look")
        look_layout = QVBoxLayout(look_box)
        self.controls = ControlsPanel()
        self.controls.changed.connect(self._on_controls_changed)
        self.preset_bar = PresetBar(self.controls.settings, presets)
        self.preset_bar.preset_applied.connect(self._on_preset_applied)
        self.preset_bar.message.connect(self.show_message)
        preset_label = QLabel("Preset")
        preset_row = QHBoxLayout()
        preset_row.addWidget(preset_label)
        preset_row.addWidget(self.preset_bar, 1)
        look_layout.addLayout(preset_row)
        look_layout.addWidget(self.controls)
        left_layout.addWidget(look_box)
        left_layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._left_panel, self._left_scroll = left, scroll
        self._fit_left_panel()
        self.controls.advanced_toggle.toggled.connect(self._fit_left_panel)
        self.wheel_guard = WheelGuard(scroll)
        self.gallery.changed.connect(self.wheel_guard.protect_children)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(4, 8, 8, 4)
        self.banner = MessageBanner()
        centre_layout.addWidget(self.banner)
        self.preview = PreviewPanel()
        self.preview.view.setAcceptDrops(False)
        self.preview.view.viewport().setAcceptDrops(False)
        self.preview.view.set_placeholder("Drop a photo and a painting: the instant picture appears here")
        centre_layout.addWidget(self.preview, 1)

        run_row = QHBoxLayout()
        self.stylize_button = QPushButton("Paint")
        self.stylize_button.setObjectName("StylizeButton")
        self.stylize_button.setDefault(True)
        self.stylize_button.setMinimumWidth(110)
        self.stylize_button.setToolTip(
            "Paint the photo in the style of the paintings with the optimiser: slower than the instant "
            "picture, and better (Ctrl+Enter)"
        )
        self.stylize_button.setStyleSheet(
            "#StylizeButton { background: #2f6fd1; color: white; font-weight: bold; padding: 6px 14px;"
            " border-radius: 4px; } #StylizeButton:disabled { background: #5a6170; color: #c8c8c8; }"
        )
        self.stylize_button.clicked.connect(self.stylize)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop painting and keep the picture so far (Esc)")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip(
            "Save the picture as PNG, JPEG or TIFF, with its settings inside (Ctrl+S)"
        )
        self.save_button.clicked.connect(self.save_result)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the picture to the clipboard (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_result)
        run_row.addWidget(self.stylize_button)
        run_row.addWidget(self.stop_button)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.save_button)
        run_row.addWidget(self.copy_button)
        centre_layout.addLayout(run_row)

        self.tabs = QTabWidget()
        self.loss_plot = LossPlot()
        self.tabs.addTab(self.loss_plot, "Progress")
        self._build_modes(fast_store)
        self.tabs.addTab(self.fast_styles, "Fast styles")
        self.batch = BatchList()
        self.batch.files_dropped.connect(self._add_batch_paths)
        self.batch.add_requested.connect(self.browse_batch)
        self.batch.folder_requested.connect(self.choose_batch_folder)
        self.batch.start_requested.connect(self.start_batch)
        self.tabs.addTab(self.batch, "Batch")

        self.centre_splitter = QSplitter(Qt.Orientation.Vertical)
        self.centre_splitter.addWidget(centre)
        self.centre_splitter.addWidget(self.tabs)
        self.centre_splitter.setStretchFactor(0, 4)
        self.centre_splitter.setStretchFactor(1, 1)
        self.centre_splitter.setSizes([560, 170])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.centre_splitter)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 840])
        self.setCentralWidget(self.splitter)

        self.device_label = QLabel("Device: loads on the first run")
        self.device_label.setToolTip("Where the painting is computed")
        self.statusBar().addPermanentWidget(self.device_label)
        self.resize(1220, 800)
        self.preset_bar.refresh()  # again, now that damaged files can be reported

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(
            file_menu, "&Open photo…", self.browse_photo, QKeySequence.StandardKey.Open
        )
        self._action(file_menu, "Add &painting…", self.browse_styles, "Ctrl+Shift+O")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.save_action = self._action(
            file_menu, "&Save picture…", self.save_result, QKeySequence.StandardKey.Save
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(edit_menu, "&Paste as photo", self.paste_photo, QKeySequence.StandardKey.Paste)
        self._action(edit_menu, "Paste as &painting", self.paste_style, "Ctrl+Shift+V")
        self.copy_action = self._action(edit_menu, "&Copy picture", self.copy_result, "Ctrl+Shift+C")
        run_menu = self.menuBar().addMenu("&Run")
        self.stylize_action = self._action(run_menu, "&Paint", self.stylize, "Ctrl+Return")
        self.stylize_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.stop_action = self._action(run_menu, "S&top", self.stop, "Esc")
        run_menu.addSeparator()
        self.train_action = self._action(
            run_menu, "&Train a fast style from these paintings…", self.train_fast_style
        )
        self.resume_action = self._action(run_menu, "&Resume training", self.resume_training)
        self.resume_action.setEnabled(self.stopped_training is not None)
        view_menu = self.menuBar().addMenu("&View")
        view = self.preview.view
        self._action(view_menu, "&Fit", view.fit, "Ctrl+0")
        self._action(view_menu, "&Actual pixels", self.preview.actual_button.click, "Ctrl+1")
        self._action(view_menu, "Zoom &in", lambda: view.zoom_by(1.25), QKeySequence.StandardKey.ZoomIn)
        self._action(view_menu, "Zoom &out", lambda: view.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut)
        self._action(view_menu, "&Before / after", self.preview.compare.toggle, "Ctrl+B")
        self._action(self.menuBar().addMenu("&Help"), "&About nst-desktop", self.show_about)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _connect_controller(self) -> None:
        c = self.controller
        c.status.connect(self._on_status)
        c.progress.connect(self._on_progress)
        c.succeeded.connect(self._on_succeeded)
        c.failed.connect(self._on_failed)
        c.cancelled.connect(self._on_cancelled)
        c.finished.connect(self._on_finished)

    # Messages --------------------------------------------------------------------------------

    @Slot(str, bool)
    def show_message(self, text: str, error: bool = True) -> None:
        self.banner.show_message(text, error)
        self.statusBar().showMessage(banner_text(text), 8000)

    def clear_message(self) -> None:
        self.banner.hide()

    # Inputs ----------------------------------------------------------------------------------

    def _load_display(self, path: Path) -> tuple[imaging.RGB8, QImage] | None:
        """Read ``path`` once to check it and to show it; None (with a message) if unusable."""
        problem = user_paths.problem(path)
        if problem:
            self.show_message(problem)
            return None
        try:
            pixels = images.load_image(path, max_side=DISPLAY_MAX_SIDE)
        except EngineError as exc:
            self.show_message(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same to the artist
            log.info("Could not read %s: %s", path, exc)
            self.show_message(f"'{user_paths.shown_name(path)}' is not an image nst-desktop can read.")
            return None
        return pixels, imaging.array_to_qimage(pixels)

    def set_photo(self, path: Path) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self._set_content(ImageInput(name=path.name, path=path), loaded[1])
        self._remember(path, "last_open_dir")
        if imaging.read_metadata(path) is not None:
            self.show_message(
                f"'{user_paths.shown_name(path)}' is a picture made with nst-desktop. To reuse its settings, "
                "drop it on the big picture area instead.",
                error=False,
            )
        return True

    def _set_content(self, source: ImageInput, image: QImage) -> None:
        self.content = source
        self.content_image = image
        self.setWindowTitle(f"{plain_text.capped(source.name, 80)} — nst-desktop")
        self.photo_area.set_image(image, source.name)
        self.preview.view.set_before(image)
        if not self.controller.busy:
            self.result = None
            self.last_preview = None
            self.partial = False
            self.preview.view.set_canvas_size(*self._canvas_size(image.width(), image.height()))
            self.preview.view.set_image(image)
        self._update_state()
        self._refresh_instant()

    def add_style(self, path: Path, weight: float = 1.0) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self.gallery.add(ImageInput(name=path.name, path=path, weight=weight), loaded[1])
        self._remember(path, "last_style_dir")
        return True

    @Slot(list)
    def _on_photo_files(self, paths: list[Path]) -> None:
        images = [p for p in paths if user_paths.is_file(p)]
        if len(paths) == 1:
            self.set_photo(paths[0])
            return
        if not images:
            self.show_message("None of the dropped items is a file that can be opened.")
            return
        added = self._add_batch_paths(images)
        if self.content is None:
            self.set_photo(images[0])
        if added:
            self.tabs.setCurrentWidget(self.batch)
            self.show_message(
                f"Added {added} photo{'s' if added != 1 else ''} to the batch. Choose an output folder and "
                "press Paint all to paint them one after another.",
                error=False,
            )

    @Slot(list)
    def _on_style_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_style(path)

    @Slot(QImage)
    def _on_photo_pasted(self, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self._set_content(ImageInput(name="Pasted photo", pixels=pixels), imaging.array_to_qimage(pixels))

    @Slot(QImage)
    def _on_style_pasted(self, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self.gallery.add(
                ImageInput(name="Pasted painting", pixels=pixels), imaging.array_to_qimage(pixels)
            )

    def _pasted_pixels(self, image: QImage) -> imaging.RGB8 | None:
        if image.isNull() or image.width() < 8 or image.height() < 8:
            self.show_message("The clipboard image is empty or too small to use.")
            return None
        if max(image.width(), image.height()) > PASTE_MAX_SIDE:
            image = image.scaled(
                PASTE_MAX_SIDE,
                PASTE_MAX_SIDE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        return imaging.qimage_to_array(image)

    def paste_photo(self) -> None:
        """Ctrl+V: into the paintings when their area has the focus, else as the photo."""
        focus = QApplication.focusWidget()
        if focus is not None and (focus is self.gallery or self.gallery.isAncestorOf(focus)):
            self.paste_style()
            return
        self._paste(self._on_photo_pasted, self._on_photo_files)

    def paste_style(self) -> None:
        self._paste(self._on_style_pasted, self._on_style_files)

    def _paste(self, on_image: Any, on_files: Any) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        paths = paths_from_mime(mime) if mime is not None else []
        if paths:
            on_files(paths)
        elif mime is not None and mime.hasImage():
            on_image(QImage(mime.imageData()))
        else:
            self.show_message("The clipboard holds no image to paste.")

    @Slot(Path)
    def _on_sample_style(self, path: Path) -> None:
        self.add_style(path)

    # Dialog hooks (tests replace these) ------------------------------------------------------

    def ask_open_paths(self, title: str, key: str, many: bool) -> list[Path]:
        folder = str(self.qsettings.value(key, ""))
        if many:
            names, _ = QFileDialog.getOpenFileNames(self, title, folder, OPEN_FILTER)
            return [Path(n) for n in names]
        name, _ = QFileDialog.getOpenFileName(self, title, folder, OPEN_FILTER)
        return [Path(name)] if name else []

    def ask_save_path(self, suggested: str) -> Path | None:
        folder = str(self.qsettings.value("last_save_dir", ""))
        start = str(Path(folder) / suggested) if folder else suggested
        name, chosen = QFileDialog.getSaveFileName(self, "Save the picture", start, SAVE_FILTER)
        if not name:
            return None
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".jpg" if "JPEG" in chosen else ".tif" if "TIFF" in chosen else ".png")
        return path

    def ask_folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, title, str(self.qsettings.value("batch_dir", "")))
        return Path(folder) if folder else None

    def browse_photo(self) -> None:
        paths = self.ask_open_paths("Open a photo", "last_open_dir", many=True)
        if paths:
            self._on_photo_files(paths)

    def browse_styles(self) -> None:
        for path in self.ask_open_paths("Add paintings", "last_style_dir", many=True):
            self.add_style(path)

    def browse_batch(self) -> None:
        paths = self.ask_open_paths("Add photos to the batch", "last_open_dir", many=True)
        if paths:
            self._add_batch_paths(paths)

    # Recent images ---------------------------------------------------------------------------

    def _remember(self, path: Path, folder_key: str) -> None:
        self.qsettings.setValue(folder_key, str(path.parent))
        recent = [p for p in self.recent_images() if p != str(path)]
        self.qsettings.setValue("recent_images", [str(path), *recent][:MAX_RECENT])

    def recent_images(self) -> list[str]:
        value = self.qsettings.value("recent_images", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value or []]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.recent_images() if user_paths.is_file(p)]
        if not recent:
            self.recent_menu.addAction("No recent images").setEnabled(False)
            return
        for path in recent:
            menu = self.recent_menu.addMenu(user_paths.shown_name(path).replace("&", "&&"))
            menu.addAction("Open as photo", lambda p=path: self.set_photo(Path(p)))
            menu.addAction("Add as painting", lambda p=path: self.add_style(Path(p)))

    # Settings restore from results -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if paths_from_mime(event.mimeData()) or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        self.dragEnterEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """Outside the drop areas: a result restores its settings, anything else is a photo."""
        mime = event.mimeData()
        paths = paths_from_mime(mime)
        event.acceptProposedAction()
        if not paths:
            if mime.hasImage():
                self._on_photo_pasted(QImage(mime.imageData()))
            return
        self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """Files handed to the app as a whole (a drop on the window, Finder's "Open with",
        the Dock icon): a result restores its settings, anything else becomes the photo."""
        photos = []
        for path in paths:
            meta = imaging.read_metadata(path) if user_paths.is_file(path) else None
            if meta is not None:
                self.restore_settings(meta, user_paths.shown_name(path))
            else:
                photos.append(path)
        if photos:
            self._on_photo_files(photos)

    def restore_settings(self, meta: dict[str, Any], source: str) -> bool:
        try:
            settings = settings_from_metadata(meta)
        except EngineError as exc:
            self.show_message(f"Could not restore the settings from '{source}': {exc}")
            return False
        self.controls.set_settings(settings)
        self.show_message(f"Restored the settings used to paint '{source}'.", error=False)
        return True

    # Running ---------------------------------------------------------------------------------

    def _canvas_size(self, width: int, height: int, size: int | None = None) -> tuple[int, int]:
        long_side = size if size is not None else self.controls.size.value()
        scale = long_side / max(width, height)
        return max(1, round(width * scale)), max(1, round(height * scale))

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
        if self.controller.busy and not self._warming_up:
            return
        problem = self._ready_to_paint()
        if problem:
            self.show_message(problem)
            return
        settings = self.current_settings()
        if settings is None:
            return
        assert self.content is not None and self.content_image is not None
        self.clear_message()
        if self._warming_up:
            self._pending_start = True
            self.progress.setFormat("Loading the model…")
            self._update_state()
            return
        allow_download = self._confirm_download(settings)
        if allow_download is None:
            return
        job = Job(
            content=self.content,
            styles=self.gallery.styles(),
            settings=settings,
            allow_download=allow_download,
        )
        self._begin(job)
        self.result = None
        self.partial = False
        self.last_preview = None
        self.last_run_settings = settings
        self.loss_plot.clear()
        self.preview.view.set_before(self.content_image)
        self.preview.view.set_canvas_size(
            *self._canvas_size(self.content_image.width(), self.content_image.height(), settings.size)
        )

    @Slot()
    def _fit_left_panel(self) -> None:
        """Keep the controls panel wide enough for its widest row plus a vertical scroll bar.

        Horizontal scrolling is off, so a panel narrower than its content (Advanced open adds
        wide rows) would be cut off at the right edge instead.
        """
        layout = self._left_panel.layout()
        if layout is not None:
            layout.activate()
        bar = self._left_scroll.verticalScrollBar().sizeHint().width()
        self._left_scroll.setMinimumWidth(max(330, self._left_panel.minimumSizeHint().width() + bar))

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

    def ask_yes_no(self, text: str) -> bool:
        return plain_text.ask_yes_no(self, text)

    def _begin(self, job: Job) -> None:
        self._last_preview_shown = 0.0
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self.current_job = job
        self.controller.start(stylize_call(self.engine, job))
        self._update_state()

    def warm_up(self) -> None:
        """Load the model in the background at start so the first Paint paints at once."""
        if self.controller.busy:
            return
        try:
            settings = self.controls.settings()
        except EngineError:
            settings = Settings()
        self._warming_up = True
        self.device_label.setText("Device: loading the model…")
        engine, device = self.engine, settings.device
        self.controller.start(lambda report, cancel: engine.warm_up(device))
        self._update_state()

    def stop(self) -> None:
        if not self.controller.busy:
            return
        if self._warming_up:
            self._pending_start = False
            self._update_state()
            return
        self.batch_running = False
        self.controller.cancel()
        self.progress.setFormat("Stopping…")
        self._update_state()

    @Slot(str)
    def _on_status(self, text: str) -> None:
        if not self._warming_up:
            self.progress.setFormat(text)
            self.statusBar().showMessage(text)

    def _show_device(self, text: str) -> None:
        self.device_text = text
        self.device_label.setText(f"Device: {text}")

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if self._warming_up:
            return
        self.progress.setValue(round(progress.fraction * 1000))
        self.progress.setFormat(describe_progress(progress))
        if progress.losses:
            self.loss_plot.add(progress.step, progress.losses)
        if self.batch_index is not None:
            self.batch.set_status(self.batch_index, f"Painting {progress.fraction:.0%}")
        if progress.preview is not None:
            self._modes_progress(progress.preview)
            self.last_preview = progress.preview
            now = time.monotonic()
            if now - self._last_preview_shown >= PREVIEW_MIN_INTERVAL:
                self._last_preview_shown = now
                self.preview.view.set_image(imaging.array_to_qimage(progress.preview))

    @Slot(object)
    def _on_succeeded(self, outcome: object) -> None:
        if self._warming_up:
            self._show_device(str(outcome))
            return
        if self._modes_succeeded(outcome):
            return
        assert isinstance(outcome, Result)
        result = outcome
        self._show_device(result.device)
        if self.batch_index is not None:
            self._batch_counts["done"] += 1
            job = self.current_job
            name = job.output_path.name if job is not None and job.output_path is not None else ""
            self.batch.set_status(self.batch_index, f"Done: {name}", str(job.output_path) if job else "")
        self.result = result
        self.partial = False
        self.last_preview = result.image
        self.preview.view.set_image(imaging.array_to_qimage(result.image))
        self.progress.setValue(1000)
        w, h = result.size
        self.progress.setFormat(f"Done: {w}×{h} px in {format_seconds(result.seconds)}")
        self.statusBar().showMessage("Finished. Save the picture or copy it to the clipboard.", 8000)

    @Slot(object)
    def _on_failed(self, error: Exception) -> None:
        message = failure_message(error)
        if self._warming_up:
            self.device_label.setText("Device: not ready")
            self._pending_start = False
            self.show_message(message)
            return
        if self._modes_failed(error):
            return
        if self.batch_index is not None:
            self._batch_counts["failed"] += 1
            self.batch.set_status(self.batch_index, "Failed", message)
            return  # the batch carries on; the reason is on the item
        self.progress.setFormat("Failed")
        self.show_message(message)

    @Slot()
    def _on_cancelled(self) -> None:
        if self._modes_cancelled():
            return
        if self.batch_index is not None:
            self.batch.set_status(self.batch_index, "Stopped")
            self.batch_running = False
        self.partial = self.last_preview is not None
        if self.last_preview is not None:
            self.preview.view.set_image(imaging.array_to_qimage(self.last_preview))
        self.progress.setFormat("Stopped" + (": the picture so far can be saved" if self.partial else ""))
        self.statusBar().showMessage("Stopped.", 5000)

    @Slot()
    def _on_finished(self) -> None:
        was_warming = self._warming_up
        self._warming_up = False
        self.current_job = None
        if self.batch_index is not None:
            self.batch_index = None
            if self.batch_running:
                self._run_next_batch()
                return
            self._end_batch()
        self._update_state()
        if was_warming and self._pending_start:
            self._pending_start = False
            self.stylize()
        self._modes_finished()

    # Batch -----------------------------------------------------------------------------------

    def _add_batch_paths(self, paths: list[Path]) -> int:
        usable = []
        for path in paths:
            problem = user_paths.problem(path)
            if problem or not imaging.looks_like_image(path):
                name = user_paths.shown_name(path)
                self.show_message(problem or f"'{name}' is not an image file; it was not added to the batch.")
                continue
            usable.append(path)
        return self.batch.add(usable)

    def choose_batch_folder(self) -> Path | None:
        folder = self.ask_folder("Where should the finished pictures go?")
        if folder is not None:
            self.batch.set_output_dir(folder)
            self.qsettings.setValue("batch_dir", str(folder))
        return folder

    def start_batch(self) -> None:
        if self.controller.busy:
            return
        if not self.gallery.styles() and self.batch.paint_with()[0] != "fast":
            self.show_message("Add at least one painting to take the style from.")
            return
        if self.batch.output_dir is None and self.choose_batch_folder() is None:
            return
        if self.current_settings() is None:
            return
        self.clear_message()
        self.batch.reset_unfinished()
        self.batch_running = True
        self._batch_counts = {"done": 0, "failed": 0}
        self._run_next_batch()

    def _run_next_batch(self) -> None:
        index = self.batch.next_waiting()
        settings = self.current_settings()
        if index is None or settings is None or self.batch.output_dir is None:
            self._end_batch()
            self._update_state()
            return
        path = self.batch.paths()[index]
        method, fast_style = self.batch.paint_with()
        settings = settings.replace(method=method, fast_style=fast_style)
        self.batch_index = index
        self.batch.set_status(index, "Painting…")
        output = free_output_path(self.batch.output_dir, f"{path.stem}-stylized.png")
        job = Job(
            content=ImageInput(name=path.name, path=path),
            styles=() if method == "fast" else self.gallery.styles(),
            settings=settings,
            output_path=output,
        )
        self.loss_plot.clear()
        self.last_run_settings = settings
        self._begin(job)

    def _end_batch(self) -> None:
        was_running = self.batch_running
        self.batch_running = False
        counts = self._batch_counts
        if was_running or counts["done"] or counts["failed"]:
            text = f"Batch finished: {counts['done']} painted"
            if counts["failed"]:
                text += f", {counts['failed']} failed (hover over an item to see why)"
            self.show_message(text + ".", error=bool(counts["failed"]))
        self._batch_counts = {"done": 0, "failed": 0}

    # Output ----------------------------------------------------------------------------------

    def picture(self) -> tuple[Any, Settings | None] | None:
        """What Save and Copy act on: the result, or the last preview of a stopped run."""
        if self.result is not None:
            return self.result.image_float, self.result.settings
        if self.partial and self.last_preview is not None:
            return self.last_preview, self.last_run_settings
        return None

    def _suggested_name(self) -> str:
        photo = Path(self.content.name).stem if self.content else "picture"
        styles = self.gallery.styles()
        style = Path(styles[0].name).stem if styles else "style"
        if self.result is not None and self.result.settings.method == "fast":
            style = Path(self.result.settings.fast_style).stem
        return f"{photo}-{style}.png".replace(" ", "-")

    def save_result(self) -> Path | None:
        picture = self.picture()
        if picture is None:
            self.show_message("There is no picture to save yet: press Paint first.")
            return None
        path = self.ask_save_path(self._suggested_name())
        if path is None:
            return None
        return self.save_to(path)

    def save_to(self, path: Path) -> Path | None:
        picture = self.picture()
        if picture is None:
            return None
        image, settings = picture
        content_name = self.content.name if self.content else ""
        if self.result is not None:
            extra = fast_metadata_args(self.result.settings)
            styles = () if extra else self.gallery.styles()
            meta = result_metadata(self.result, content_name=content_name, styles=styles, **extra)
        else:
            meta = build_metadata(
                settings or Settings(),
                content_name=content_name,
                styles=self.gallery.styles(),
                device=self.device_text,
                complete=False,
            )
        try:
            written = images.save_image(path, image, metadata=meta)
        except EngineError as exc:
            self.show_message(str(exc))
            return None
        except OSError as exc:
            self.show_message(f"Could not save '{user_paths.shown_name(path)}': {exc.strerror or exc}.")
            return None
        self.qsettings.setValue("last_save_dir", str(Path(written).parent))
        self.show_message(f"Saved {Path(written).name} in {Path(written).parent}.", error=False)
        return Path(written)

    def copy_result(self) -> None:
        picture = self.picture()
        if picture is None:
            self.show_message("There is no picture to copy yet: press Paint first.")
            return
        pixels = self.result.image if self.result is not None else self.last_preview
        assert pixels is not None
        QGuiApplication.clipboard().setImage(imaging.array_to_qimage(pixels))
        self.statusBar().showMessage("Copied the picture to the clipboard.", 4000)

    # State -----------------------------------------------------------------------------------

    def _on_controls_changed(self) -> None:
        self._on_look_changed()
        if (
            self.content_image is not None
            and not self.controller.busy
            and self.result is None
            and not self.partial
        ):
            self.preview.view.set_canvas_size(
                *self._canvas_size(self.content_image.width(), self.content_image.height())
            )

    @Slot(object, str)
    def _on_preset_applied(self, settings: Settings, name: str) -> None:
        self.controls.set_settings(settings)
        self.statusBar().showMessage(f"Preset '{plain_text.capped(name, 80)}' applied.", 4000)

    def _update_state(self) -> None:
        running = self.controller.busy and not self._warming_up
        waiting = self._warming_up and self._pending_start
        can_paint = not running and not waiting and not self.batch_running
        self.stylize_button.setEnabled(can_paint)
        self.stylize_action.setEnabled(can_paint)
        self.stop_button.setEnabled(running or waiting)
        self.stop_action.setEnabled(running or waiting)
        has_picture = self.picture() is not None and not running
        self.save_button.setEnabled(has_picture)
        self.save_action.setEnabled(has_picture)
        self.copy_button.setEnabled(has_picture)
        self.copy_action.setEnabled(has_picture)
        self.batch.set_running(running or self.batch_running)
        self._modes_state(running)
        if not running and not waiting and self.progress.format() in ("Starting…", "Stopping…"):
            self.progress.setFormat("Ready")

    # Persistence -----------------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for key, splitter in (("window/splitter", self.splitter), ("window/centre", self.centre_splitter)):
            state = self.qsettings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        text = self.qsettings.value("controls")
        if isinstance(text, str) and text:
            try:
                self.controls.set_settings(Settings.from_json(text))
            except EngineError:
                log.info("Ignoring unreadable saved controls")
        batch_dir = self.qsettings.value("batch_dir")
        if isinstance(batch_dir, str) and user_paths.is_dir(batch_dir):
            self.batch.set_output_dir(Path(batch_dir))
        self.preset_bar.last_dir = str(self.qsettings.value("preset_dir", ""))

    def save_state(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/splitter", self.splitter.saveState())
        self.qsettings.setValue("window/centre", self.centre_splitter.saveState())
        self.qsettings.setValue("preset_dir", self.preset_bar.last_dir)
        with contextlib.suppress(EngineError):
            self.qsettings.setValue("controls", self.controls.settings().to_json(indent=None))
        self.qsettings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Save, then stop any run; a run that must end first (a painting, a training) closes
        the hidden window itself when it has stopped (see :mod:`.shutdown`)."""
        self.save_state()
        if shutdown.may_close(self):
            event.accept()
        else:
            event.ignore()
