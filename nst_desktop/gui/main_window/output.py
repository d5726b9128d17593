# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""Getting the picture on show out of the window: save (with its own settings inside), copy.

Everything is taken from the :class:`~.picture.Picture` record on show, never from the
window's current photo, paintings or controls, which may have changed since it was painted.

Save asks its questions on the GUI thread (the file dialog, with its overwrite question) and
writes on the window's writer thread (:class:`~.version_writer.VersionWriter`): encoding and
writing a 4096-8192 px picture takes a second or more, which froze the window. Meanwhile the
status bar says "Saving <name>…"; the Saved message, the remembered folder and the history's
"saved" mark follow once the file has landed (:meth:`OutputHandling._save_landed`). Saves share
the queue of the history's version writes, so they land in the order asked, after the version
they were made from (marking it saved never waits), and closing the window waits for them.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from nst_desktop.engine import EngineError, images
from nst_desktop.engine.text import clip, show_path

from .. import imaging, user_paths
from . import state
from .picture import Picture
from .version_writer import Task

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)

_save_keys = itertools.count(1)


class SaveFile(Task):
    """Write ``picture`` to ``path`` with its settings inside, atomically (the engine's save).

    Afterwards ``written`` is the file, or ``error`` says, as one plain sentence, why nothing
    was written (the destination is then as it was). The picture's arrays are read-only: the
    writer thread only reads them.
    """

    def __init__(self, path: Path, picture: Picture) -> None:
        self.key = f"save:{next(_save_keys)}"  # never a version id: deleting one keeps its saves
        self.path = path
        self.picture = picture
        self.metadata = picture.metadata()  # built here, from the record, on the GUI thread
        self.written: Path | None = None
        self.error = ""

    @property
    def name(self) -> str:
        """The file's name as messages quote it (printable, capped)."""
        return user_paths.shown_name(self.path)

    def run(self) -> None:
        try:
            image = self.picture.image_to_save()
            self.written = Path(images.save_image(self.path, image, metadata=self.metadata))
        except EngineError as exc:  # already a sentence for the artist
            self.error = str(exc)
        except OSError as exc:
            self.error = f"Could not save '{self.name}': {exc.strerror or exc}."
        except Exception as exc:  # noqa: BLE001 - a writer thread must always report an end
            log.warning("Saving %s failed", self.path, exc_info=True)
            self.error = f"Could not save '{self.name}': {clip(str(exc), 200)}."


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

    def _connect_output(self: MainWindow) -> None:
        self.version_writer.done.connect(self._on_save_done)

    def save_result(self: MainWindow) -> SaveFile | None:
        """Save picture…: ask where, then write on the writer thread (the save, or None)."""
        picture = self.picture()
        if picture is None:
            self.show_message("There is no picture to save yet: press Paint first.")
            return None
        path = self.ask_save_path(picture.suggested_name())
        if path is None:
            return None
        return self.queue_save(path, picture)

    def queue_save(self: MainWindow, path: Path, picture: Picture) -> SaveFile:
        """Write ``picture`` to ``path`` on the writer thread, behind every earlier write; the
        window hears of it when it has landed (:meth:`_save_landed`)."""
        task = SaveFile(path, picture)
        self.statusBar().showMessage(f"Saving {task.name}…")
        self.version_writer.submit(task)
        return task

    def save_to(self: MainWindow, path: Path, picture: Picture | None = None) -> Path | None:
        """Save and wait until the file has landed: the file, or None (the reason is on show).

        For scripts and the smoke test; the window's own Save uses :meth:`queue_save`."""
        picture = picture if picture is not None else self.picture()
        if picture is None:
            return None
        task = self.queue_save(path, picture)
        self.version_writer.wait_for(task.key)  # delivers it: the bookkeeping is done on return
        return task.written

    @Slot(object)
    def _on_save_done(self: MainWindow, task: object) -> None:
        if isinstance(task, SaveFile):
            self._save_landed(task)

    def _save_landed(self: MainWindow, task: SaveFile) -> None:
        written, picture = task.written, task.picture
        if written is None:
            self.show_message(task.error)
            return
        self.qsettings.setValue(state.SAVE_DIR, str(written.parent))
        folder = show_path(written.parent, 120)
        text = f"Saved {user_paths.shown_name(written)} in {folder}."
        if picture.smaller_than_asked:
            w, h = picture.size
            text += (
                f" It is {w}×{h} px: the run was stopped before painting at the full "
                f"{picture.settings.size} px."
            )
        self.show_message(text, error=False)
        self.picture_saved(picture, written)

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
