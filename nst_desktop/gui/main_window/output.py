# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""Getting the picture on show out of the window: save (with its own settings inside), copy.

Everything is taken from the :class:`~.picture.Picture` record on show, never from the
window's current photo, paintings or controls, which may have changed since it was painted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from nst_desktop.engine import EngineError, images

from .. import imaging, user_paths
from . import state
from .picture import Picture

if TYPE_CHECKING:
    from .window import MainWindow

SAVE_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;TIFF image, 16-bit (*.tif *.tiff)"


class OutputHandling:
    """Save picture… and Copy (a window mixin)."""

    def picture(self: MainWindow) -> Picture | None:
        """What Save and Copy act on: the picture on show, finished or stopped."""
        return self.shown

    def ask_save_path(self: MainWindow, suggested: str) -> Path | None:
        folder = state.start_folder(self.qsettings, state.SAVE_DIR)
        start = str(Path(folder) / suggested)
        name, chosen = QFileDialog.getSaveFileName(self, "Save the picture", start, SAVE_FILTER)
        if not name:
            return None
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".jpg" if "JPEG" in chosen else ".tif" if "TIFF" in chosen else ".png")
        return path

    def save_result(self: MainWindow) -> Path | None:
        picture = self.picture()
        if picture is None:
            self.show_message("There is no picture to save yet: press Paint first.")
            return None
        path = self.ask_save_path(picture.suggested_name())
        if path is None:
            return None
        return self.save_to(path, picture)

    def save_to(self: MainWindow, path: Path, picture: Picture | None = None) -> Path | None:
        picture = picture if picture is not None else self.picture()
        if picture is None:
            return None
        try:
            written = Path(images.save_image(path, picture.image_to_save(), metadata=picture.metadata()))
        except EngineError as exc:
            self.show_message(str(exc))
            return None
        except OSError as exc:
            self.show_message(f"Could not save '{user_paths.shown_name(path)}': {exc.strerror or exc}.")
            return None
        self.qsettings.setValue(state.SAVE_DIR, str(written.parent))
        text = f"Saved {written.name} in {written.parent}."
        if picture.smaller_than_asked:
            w, h = picture.size
            text += (
                f" It is {w}×{h} px: the run was stopped before painting at the full "
                f"{picture.settings.size} px."
            )
        self.show_message(text, error=False)
        self.picture_saved(picture, written)
        return written

    def drag_payload(self: MainWindow) -> tuple[QImage, Path] | None:
        """The picture on show for a drag out of the window, written to a temporary PNG (with
        its settings inside) that the receiving program copies."""
        picture = self.picture()
        if picture is None:
            return None
        from nst_desktop.engine.paths import user_data_dir

        # The per-user data folder, not a guessable name in the shared /tmp.
        folder = user_data_dir() / "drag"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / picture.suggested_name()
            written = Path(images.save_image(target, picture.pixels, metadata=picture.metadata()))
        except (EngineError, OSError) as exc:
            self.statusBar().showMessage(f"The picture could not be prepared for dragging: {exc}", 6000)
            return None
        return imaging.array_to_qimage(picture.pixels), written

    def copy_result(self: MainWindow) -> None:
        picture = self.picture()
        if picture is None:
            self.show_message("There is no picture to copy yet: press Paint first.")
            return
        QGuiApplication.clipboard().setImage(imaging.array_to_qimage(picture.pixels))
        self.statusBar().showMessage("Copied the picture to the clipboard.", 4000)
