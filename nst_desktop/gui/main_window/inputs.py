# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""Everything that brings an image into the window: open, drop, paste, recent files, and
pictures made with nst-desktop whose settings can be reused (menu, drop, command line).

A mixin of :class:`~.window.MainWindow` (it needs the window's drop areas, dialogs and
message banner); the decisions that need no window live in :mod:`..user_paths` and
:mod:`..imaging`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from nst_desktop.engine import EngineError, images
from nst_desktop.engine.metadata import settings_from_metadata

from .. import imaging, plain_text, user_paths
from ..widgets.image_drop import paths_from_mime
from ..worker import ImageInput
from . import state

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 1600
PASTE_MAX_SIDE = 4096
OPEN_FILTER = f"{images.INPUT_FILTER};;All files (*)"


class InputHandling:
    """Open, drop, paste, recent files and "use settings from a picture" (a window mixin)."""

    # Loading ----------------------------------------------------------------------------------

    def _load_display(self: MainWindow, path: Path) -> tuple[imaging.RGB8, QImage] | None:
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
        note = imaging.load_note(path)
        if note:
            self.statusBar().showMessage(note, 8000)
        return pixels, imaging.array_to_qimage(pixels)

    def set_photo(self: MainWindow, path: Path) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self._set_content(ImageInput(name=path.name, path=path), loaded[0], loaded[1])
        state.remember(self.qsettings, path, state.OPEN_DIR)
        if imaging.read_metadata(path) is not None:
            self.show_message(
                f"'{user_paths.shown_name(path)}' is a picture made with nst-desktop. To reuse its settings, "
                "use File › Use settings from a picture….",
                error=False,
            )
        return True

    def add_style(self: MainWindow, path: Path, weight: float = 1.0) -> bool:
        loaded = self._load_display(path)
        if loaded is None:
            return False
        self.gallery.add(ImageInput(name=path.name, path=path, weight=weight), loaded[1])
        state.remember(self.qsettings, path, state.STYLE_DIR)
        self.clear_message(errors_only=True)
        return True

    @Slot(list)
    def _on_photo_files(self: MainWindow, paths: list[Path]) -> None:
        files = [p for p in paths if user_paths.is_file(p)]
        if len(paths) == 1:
            self.set_photo(paths[0])
            return
        if not files:
            self.show_message("None of the dropped items is a file that can be opened.")
            return
        added = self.batch_tab.add_paths(files)
        if self.content is None:
            self.set_photo(files[0])
        if added:
            self.tabs.setCurrentWidget(self.batch)
            self.show_message(
                f"Added {added} photo{'s' if added != 1 else ''} to the batch. Choose an output folder and "
                "press Paint all to paint them one after another.",
                error=False,
            )

    @Slot(list)
    def _on_style_files(self: MainWindow, paths: list[Path]) -> None:
        for path in paths:
            self.add_style(path)

    @Slot(Path)
    def _on_sample_style(self: MainWindow, path: Path) -> None:
        self.add_style(path)

    # Pasting ----------------------------------------------------------------------------------

    @Slot(QImage)
    def _on_photo_pasted(self: MainWindow, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self._set_content(
                ImageInput(name="Pasted photo", pixels=pixels), pixels, imaging.array_to_qimage(pixels)
            )

    @Slot(QImage)
    def _on_style_pasted(self: MainWindow, image: QImage) -> None:
        pixels = self._pasted_pixels(image)
        if pixels is not None:
            self.gallery.add(
                ImageInput(name="Pasted painting", pixels=pixels), imaging.array_to_qimage(pixels)
            )

    def _pasted_pixels(self: MainWindow, image: QImage) -> imaging.RGB8 | None:
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

    def paste_photo(self: MainWindow) -> None:
        """Ctrl+V: into the paintings when their area has the focus, else as the photo."""
        focus = QApplication.focusWidget()
        if focus is not None and (focus is self.gallery or self.gallery.isAncestorOf(focus)):
            self.paste_style()
            return
        self._paste(self._on_photo_pasted, self._on_photo_files)

    def paste_style(self: MainWindow) -> None:
        self._paste(self._on_style_pasted, self._on_style_files)

    def _paste(self: MainWindow, on_image: Any, on_files: Any) -> None:
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
            self.show_message("The clipboard holds no image or image file to paste.")

    # Dialogs (tests replace these) -----------------------------------------------------------

    def ask_open_paths(self: MainWindow, title: str, key: str, many: bool) -> list[Path]:
        folder = state.start_folder(self.qsettings, key)
        if many:
            names, _ = QFileDialog.getOpenFileNames(self, title, folder, OPEN_FILTER)
            return [Path(n) for n in names]
        name, _ = QFileDialog.getOpenFileName(self, title, folder, OPEN_FILTER)
        return [Path(name)] if name else []

    def ask_folder(self: MainWindow, title: str) -> Path | None:
        folder = QFileDialog.getExistingDirectory(
            self, title, state.start_folder(self.qsettings, state.BATCH_DIR)
        )
        return Path(folder) if folder else None

    def browse_photo(self: MainWindow) -> None:
        paths = self.ask_open_paths("Open a photo", state.OPEN_DIR, many=True)
        if paths:
            self._on_photo_files(paths)

    def browse_styles(self: MainWindow) -> None:
        for path in self.ask_open_paths("Add paintings", state.STYLE_DIR, many=True):
            self.add_style(path)

    def browse_batch(self: MainWindow) -> None:
        paths = self.ask_open_paths("Add photos to the batch", state.OPEN_DIR, many=True)
        if paths:
            self.batch_tab.add_paths(paths)

    def browse_settings_picture(self: MainWindow) -> None:
        paths = self.ask_open_paths(
            "Use the settings of a picture made with nst-desktop", state.SAVE_DIR, False
        )
        if paths:
            self.use_settings_from(paths[0])

    # Recent images ---------------------------------------------------------------------------

    def recent_images(self: MainWindow) -> list[str]:
        return state.recent_images(self.qsettings)

    def fill_recent_menu(self: MainWindow) -> None:
        self.recent_menu.clear()
        recent = [p for p in self.recent_images() if user_paths.is_file(p)]
        if not recent:
            self.recent_menu.addAction("No recent images").setEnabled(False)
            return
        for path in recent:
            menu = self.recent_menu.addMenu(user_paths.shown_name(path).replace("&", "&&"))
            menu.addAction("Open as photo", lambda p=path: self.set_photo(Path(p)))
            menu.addAction("Add as painting", lambda p=path: self.add_style(Path(p)))
            if imaging.read_metadata(Path(path)) is not None:
                menu.addAction("Use its settings", lambda p=path: self.use_settings_from(Path(p)))

    # Drops on the window, files handed to the app, settings from pictures --------------------

    def dragEnterEvent(self: MainWindow, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        _accept_images(event)

    def dragMoveEvent(self: MainWindow, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        _accept_images(event)

    def dropEvent(self: MainWindow, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """Outside the drop areas: a result restores its settings, anything else is a photo."""
        mime = event.mimeData()
        paths = paths_from_mime(mime)
        event.acceptProposedAction()
        if not paths:
            if mime.hasImage():
                self._on_photo_pasted(QImage(mime.imageData()))
            return
        self.open_paths(paths)

    def open_paths(self: MainWindow, paths: list[Path]) -> None:
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
            self._on_photo_files(photos)

    def use_settings_from(self: MainWindow, path: Path) -> bool:
        problem = user_paths.problem(path)
        if problem:
            self.show_message(problem)
            return False
        meta = imaging.read_metadata(path)
        if meta is None:
            self.show_message(
                f"'{user_paths.shown_name(path)}' carries no nst-desktop settings: only pictures saved "
                "by nst-desktop do."
            )
            return False
        state.remember(self.qsettings, path, state.SAVE_DIR)
        return self.restore_settings(meta, user_paths.shown_name(path))

    def restore_settings(self: MainWindow, meta: dict[str, Any], source: str) -> bool:
        try:
            settings = settings_from_metadata(meta)
        except EngineError as exc:
            self.show_message(f"Could not restore the settings from '{plain_text.capped(source, 80)}': {exc}")
            return False
        self.controls.set_settings(settings)
        text = f"Restored the settings used to paint '{plain_text.capped(source, 80)}'."
        used = meta.get("styles")
        if isinstance(used, list) and settings.method != "fast":
            names = [str(s.get("name", "")) for s in used if isinstance(s, dict)][:6]
            if names and names != [s.name for s in self.gallery.styles()]:
                shown = ", ".join(plain_text.capped(n, 40) for n in names)
                text += f" It was painted from: {shown} (the paintings here are unchanged)."
        self.show_message(text, error=False)
        return True


def _accept_images(event: QDragEnterEvent | QDragMoveEvent) -> None:
    if paths_from_mime(event.mimeData()) or event.mimeData().hasImage():
        event.acceptProposedAction()
    else:
        event.ignore()
