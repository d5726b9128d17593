"""Everything that brings an image into the window: open, drop, paste, recent files, and
pictures made with nst-desktop whose settings can be reused (menu, drop, command line).

:class:`Inputs` gets the remembered settings, the paintings' gallery, the controls, the batch
list and the dialogs' parent in its constructor and says what came in through signals (a
photo to put on show, a line for the banner or the status bar); the decisions that need no
window live in :mod:`..user_paths` and :mod:`..imaging`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QMimeData, QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QWidget

from nst_desktop.engine import EngineError, Settings, images
from nst_desktop.engine.metadata import settings_from_metadata

from .. import imaging, plain_text, user_paths
from ..widgets.image_drop import paths_from_mime
from ..widgets.style_gallery import StyleGallery
from ..worker import ImageInput
from . import state

log = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 1600
PASTE_MAX_SIDE = 4096
OPEN_FILTER = f"{images.INPUT_FILTER};;All files (*)"


class Controls(Protocol):
    """What the inputs need of the controls panel."""

    def set_settings(self, settings: Settings) -> None: ...


class Inputs(QObject):
    """Open, drop, paste, recent files and "use settings from a picture"."""

    photo = Signal(object, object, object)
    """A photo to put on show: its :class:`ImageInput`, its pixels and its QImage."""
    message = Signal(str, bool)
    """A line for the banner, and whether it is a problem."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms)."""
    solved = Signal()
    """A problem on show has been solved (a painting came in)."""
    restored = Signal(object, str)
    """Settings were restored from a picture's metadata (the document, and the picture's
    name): the regions it records are for the regions part."""

    def __init__(
        self,
        qsettings: QSettings,
        gallery: StyleGallery,
        controls: Controls,
        add_to_batch: Callable[[list[Path]], int],
        show_batch: Callable[[], None],
        has_photo: Callable[[], bool],
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``add_to_batch`` adds photos to the batch list (how many it took), ``show_batch``
        brings the batch tab forward, ``has_photo`` says whether a photo is on the window."""
        super().__init__(parent)
        self.qsettings = qsettings
        self.gallery = gallery
        self.controls = controls
        self._add_to_batch = add_to_batch
        self._show_batch = show_batch
        self._has_photo = has_photo
        self._dialog_parent = dialog_parent
        gallery.files_dropped.connect(self.on_style_files)
        gallery.image_pasted.connect(self.on_style_pasted)
        gallery.browse_requested.connect(self.browse_styles)
        gallery.sample_requested.connect(self.on_sample_style)

    def _say(self, text: str, error: bool = True) -> None:
        self.message.emit(text, error)

    # Loading ----------------------------------------------------------------------------------

    def _load_display(self, path: Path) -> tuple[imaging.RGB8, QImage] | None:
        """Read ``path`` once to check it and to show it; None (with a message) if unusable."""
        problem = user_paths.problem(path)
        if problem:
            self._say(problem)
            return None
        try:
            pixels = images.load_image(path, max_side=DISPLAY_MAX_SIDE)
        except EngineError as exc:
            self._say(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same to the artist
            log.info("Could not read %s: %s", path, exc)
            self._say(f"'{user_paths.shown_name(path)}' is not an image nst-desktop can read.")
            return None
        note = imaging.load_note(path)
        if note:
            self.status.emit(note, 8000)
        return pixels, imaging.array_to_qimage(pixels)

    def set_photo(self, path: Path) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self.photo.emit(ImageInput(name=path.name, path=path), loaded[0], loaded[1])
        state.remember(self.qsettings, path, state.OPEN_DIR)
        if imaging.read_metadata(path) is not None:
            self._say(
                f"'{user_paths.shown_name(path)}' is a picture made with nst-desktop. To reuse its settings, "
                "use File › Use settings from a picture….",
                error=False,
            )
        return True

    def add_style(self, path: Path, weight: float = 1.0) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self.gallery.add(ImageInput(name=path.name, path=path, weight=weight), loaded[1])
        state.remember(self.qsettings, path, state.STYLE_DIR)
        self.solved.emit()
        return True

    @Slot(list)
    def on_photo_files(self, paths: list[Path]) -> None:
        files = [p for p in paths if user_paths.is_file(p)]
        if len(paths) == 1:
            self.set_photo(paths[0])
            return
        if not files:
            self._say("None of the dropped items is a file that can be opened.")
            return
        added = self._add_to_batch(files)
        if not self._has_photo():
            self.set_photo(files[0])
        if added:
            self._show_batch()
            self._say(
                f"Added {added} photo{'s' if added != 1 else ''} to the batch. Choose an output folder and "
                "press Paint all to paint them one after another.",
                error=False,
            )

    @Slot(list)
    def on_style_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_style(path)

    @Slot(Path)
    def on_sample_style(self, path: Path) -> None:
        self.add_style(path)

    # Pasting ----------------------------------------------------------------------------------

    @Slot(QImage)
    def on_photo_pasted(self, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self.photo.emit(
                ImageInput(name="Pasted photo", pixels=pixels), pixels, imaging.array_to_qimage(pixels)
            )

    @Slot(QImage)
    def on_style_pasted(self, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self.gallery.add(
                ImageInput(name="Pasted painting", pixels=pixels), imaging.array_to_qimage(pixels)
            )

    def _pasted_pixels(self, image: QImage) -> imaging.RGB8 | None:
        if image.isNull() or image.width() < 8 or image.height() < 8:
            self._say("The clipboard image is empty or too small to use.")
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
        self._paste(self.on_photo_pasted, self.on_photo_files)

    def paste_style(self) -> None:
        self._paste(self.on_style_pasted, self.on_style_files)

    def _paste(self, on_image: Any, on_files: Any) -> None:
        """Files (copied in a file manager, or a path copied as plain text), else pixels."""
        mime = QGuiApplication.clipboard().mimeData()
        paths = paths_from_mime(mime) if mime is not None else []
        if not paths and mime is not None and mime.hasText() and not mime.hasImage():
            paths = user_paths.paths_from_text(mime.text())
        if paths:
            on_files(paths)
        elif mime is not None and mime.hasImage():
            on_image(QImage(mime.imageData()))
        else:
            self._say("The clipboard holds no image or image file to paste.")

    # Dialogs (tests replace these) -----------------------------------------------------------

    def ask_open_paths(self, title: str, key: str, many: bool) -> list[Path]:
        folder = state.start_folder(self.qsettings, key)
        if many:
            names, _ = QFileDialog.getOpenFileNames(self._dialog_parent, title, folder, OPEN_FILTER)
            return [Path(n) for n in names]
        name, _ = QFileDialog.getOpenFileName(self._dialog_parent, title, folder, OPEN_FILTER)
        return [Path(name)] if name else []

    def ask_folder(self, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(
            self._dialog_parent, title, state.start_folder(self.qsettings, state.BATCH_DIR)
        )
        return Path(folder) if folder else None

    def browse_photo(self) -> None:
        paths = self.ask_open_paths("Open a photo", state.OPEN_DIR, many=True)
        if paths:
            self.on_photo_files(paths)

    def browse_styles(self) -> None:
        for path in self.ask_open_paths("Add paintings", state.STYLE_DIR, many=True):
            self.add_style(path)

    def browse_batch(self) -> None:
        paths = self.ask_open_paths("Add photos to the batch", state.OPEN_DIR, many=True)
        if paths:
            self._add_to_batch(paths)

    def browse_settings_picture(self) -> None:
        paths = self.ask_open_paths(
            "Use the settings of a picture made with nst-desktop", state.SAVE_DIR, False
        )
        if paths:
            self.use_settings_from(paths[0])

    # Recent images ---------------------------------------------------------------------------

    def recent_images(self) -> list[str]:
        return state.recent_images(self.qsettings)

    def fill_recent_menu(self, recent_menu: QMenu) -> None:
        """The Open recent submenu, filled as it opens with the files still there."""
        recent_menu.clear()
        recent = [p for p in self.recent_images() if user_paths.is_file(p)]
        if not recent:
            recent_menu.addAction("No recent images").setEnabled(False)
            return
        for path in recent:
            menu = recent_menu.addMenu(user_paths.shown_name(path).replace("&", "&&"))
            menu.addAction("Open as photo", _on(self.set_photo, path))
            menu.addAction("Add as painting", _on(self.add_style, path))
            if imaging.read_metadata(Path(path)) is not None:
                menu.addAction("Use its settings", _on(self.use_settings_from, path))

    # Drops on the window, files handed to the app, settings from pictures --------------------

    def accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        """A drag over the window: taken if it brings image files or an image."""
        _accept_images(event)

    def drop(self, mime: QMimeData) -> None:
        """Outside the drop areas: a result restores its settings, anything else is a photo."""
        paths = paths_from_mime(mime)
        if not paths:
            if mime.hasImage():
                self.on_photo_pasted(QImage(mime.imageData()))
            return
        self.open_paths(paths)

    def open_paths(self, paths: list[Path]) -> None:
        """Files handed to the app as a whole (a drop on the window, the command line, "Open
        with"): a result restores its settings, anything else becomes the photo."""
        photos = []
        for path in paths:
            meta = imaging.read_metadata(path) if user_paths.is_file(path) else None
            if meta is not None:
                self.restore_settings(meta, user_paths.shown_name(path))
            else:
                photos.append(path)
        if photos:
            self.on_photo_files(photos)

    def use_settings_from(self, path: Path) -> bool:
        problem = user_paths.problem(path)
        if problem:
            self._say(problem)
            return False
        meta = imaging.read_metadata(path)
        if meta is None:
            self._say(
                f"'{user_paths.shown_name(path)}' carries no nst-desktop settings: only pictures saved "
                "by nst-desktop do."
            )
            return False
        state.remember(self.qsettings, path, state.SAVE_DIR)
        return self.restore_settings(meta, user_paths.shown_name(path))

    def restore_settings(self, meta: dict[str, Any], source: str) -> bool:
        try:
            settings = settings_from_metadata(meta)
        except EngineError as exc:
            self._say(f"Could not restore the settings from '{plain_text.capped(source, 80)}': {exc}")
            return False
        self.controls.set_settings(settings)
        text = f"Restored the settings used to paint '{plain_text.capped(source, 80)}'."
        used = meta.get("styles")
        if isinstance(used, list) and settings.method != "fast":
            names = [str(s.get("name", "")) for s in used if isinstance(s, dict)][:6]
            if names and names != [s.name for s in self.gallery.styles()]:
                shown = ", ".join(plain_text.capped(n, 40) for n in names)
                text += f" It was painted from: {shown} (the paintings here are unchanged)."
        self._say(text, False)
        self.restored.emit(meta, source)  # after the news: a region problem follows it
        return True

    @Slot(object, str)
    def use_settings(self, settings: Settings, source: str) -> None:
        """A kept version's settings in the controls, as the start of the next try (the photo
        and the paintings on screen stay: a version is a look to go on from)."""
        self.controls.set_settings(settings)
        # The banner, as for settings restored from a picture: the status line is soon taken by
        # the instant picture's "The look changed" that the new settings bring.
        if settings.method == "fast" and settings.fast_style:
            # Paint runs the optimiser: a fast style paints again from its card.
            style = plain_text.capped(Path(settings.fast_style).stem, 60)
            again = f"Click '{style}' in Fast styles to paint with it again, or Paint to refine."
        else:
            again = "Paint to try again."
        self._say(
            f"Using the settings of {plain_text.capped(source, 80)}; the photo and paintings "
            f"are the ones on screen. {again}",
            False,
        )


def _accept_images(event: QDragEnterEvent | QDragMoveEvent) -> None:
    if paths_from_mime(event.mimeData()) or event.mimeData().hasImage():
        event.acceptProposedAction()
    else:
        event.ignore()


def _on(act: Callable[[Path], object], path: str) -> Callable[[], None]:
    """A menu entry's command: ``act`` on ``path``."""

    def run() -> None:
        act(Path(path))

    return run
