# mypy: disable-error-code="misc"
# (The window is composed of mixins whose methods annotate ``self: MainWindow`` so their bodies
# are checked against the whole window; mypy rejects such a self type on a class that is not
# itself a MainWindow with a "misc" error, which is the only check this turns off.)
"""Every finished or stopped run kept as a version: the strip under the picture, the session
folder behind it, and the window's reactions (view, compare, star, save, delete).

Versions live in the per-user session folder (:mod:`nst_desktop.engine.versions`), so quitting
or opening another photo loses nothing: they are there again at the next start. The window
shows a :class:`~.picture.Picture`; this module turns versions into pictures and back.

Writing a version (seconds at print size) and reading the stored thumbnails at start happen on
the :class:`~.version_writer.VersionWriter`'s thread, in order. A new version is in the strip at
once, with a thumbnail made from the picture in memory, and is shown, compared and saved from
memory while its files are written. Starring or marking saved a version still being written
waits for its write; deleting one takes a write that has not started out of the queue, or waits
for one that has, so no file appears after the delete. Closing the window lets every write land.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from nst_desktop.engine import EngineError
from nst_desktop.engine.versions import (
    THUMB_SIDE,
    SourceRef,
    Version,
    VersionStore,
    dropped_text,
    session_dir,
)

from .. import imaging, plain_text, user_paths
from ..widgets.history_strip import HistoryStrip
from ..worker import ImageInput, Job
from .picture import Picture, frozen_array
from .version_writer import LoadThumbnails, VersionWriter, WriteVersion

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)

PENDING_WAIT_SECONDS = 60.0
"""How long starring, saving or deleting a version waits for its write before giving up."""


def _input(ref: SourceRef | None, fallback: str) -> ImageInput:
    if ref is None:
        return ImageInput(name=fallback)
    path = Path(ref.path) if ref.path else None
    return ImageInput(name=ref.name, path=path, weight=ref.weight)


def quick_thumbnail(pixels: imaging.RGB8) -> imaging.RGB8:
    """A small copy of ``pixels`` for the strip until the stored thumbnail is read (cheap: every
    n-th pixel, about twice the thumbnail's side, which the strip scales down smoothly)."""
    step = max(1, max(pixels.shape[:2]) // (2 * THUMB_SIDE))
    small: imaging.RGB8 = pixels[::step, ::step, :3].copy()
    return small


def picture_from_version(version: Version, store: VersionStore) -> Picture | None:
    """A version of this or an earlier session as a picture the window can show and save."""
    full = store.picture(version.id)
    if full is None:
        return None
    pixels = store.picture8(version.id)
    if pixels is None:
        return None
    photo = _input(version.photo, "photo")
    before = None
    if photo.path is not None and user_paths.is_file(photo.path):
        try:
            from nst_desktop.engine import images

            before = frozen_array(images.load_image(photo.path, max_side=1600))
        except EngineError:
            before = None
    job = Job(
        content=photo,
        styles=tuple(_input(ref, "painting") for ref in version.paintings),
        settings=version.settings,
        dpi=version.dpi,  # chosen in Print… for the run that made it, else the default
    )
    return Picture(
        job=job,
        pixels=frozen_array(pixels),
        settings=version.settings,
        complete=version.complete,
        device=version.device,
        seconds=version.seconds,
        fraction=version.progress,
        before=before,
        full=frozen_array(full) if version.complete else None,
        id=version.id,
        created=version.created,
    )


class HistoryHandling:
    """The history strip's part of the window (a mixin)."""

    shown: Picture | None
    """The picture on show (declared here, the first part to assign it)."""

    def _build_history(self: MainWindow) -> HistoryStrip:
        self.versions = VersionStore(session_dir())
        self.version_writer = VersionWriter(self, threads=self.threads)
        self.history = HistoryStrip()
        self.history.setToolTip("Every run you finish or stop is kept here, also after a restart")
        self._pictures: dict[str, Picture] = {}
        return self.history

    def _connect_history(self: MainWindow) -> None:
        h = self.history
        h.selected.connect(self.show_version)
        h.star_toggled.connect(self.star_version)
        h.delete_requested.connect(self.delete_version)
        h.save_requested.connect(self.save_version)
        h.compare_requested.connect(self.compare_versions)
        self.preview.compare_closed.connect(self._after_compare)
        self.version_writer.done.connect(self._on_history_task_done)
        versions = self.versions.versions()
        self.history.set_versions(versions)  # the thumbnails follow from the writer thread
        if versions:
            self.version_writer.submit(LoadThumbnails(self.versions, [v.id for v in versions]))
        earlier = sum(1 for v in versions if not v.saved and not v.starred)
        if earlier:
            self.statusBar().showMessage(
                f"{earlier} unsaved version{'s' if earlier != 1 else ''} from before "
                "are in the history strip.",
                10_000,
            )

    def add_version(self: MainWindow, picture: Picture) -> None:
        """Keep ``picture`` (a finished or stopped run) as a version in the strip.

        The strip shows it at once; its files are written on the writer thread and the strip
        takes the stored record and thumbnail when they have landed (:meth:`_version_landed`).
        """
        if picture.job.output_path is not None:
            return  # a batch picture: already a file in the batch's folder
        image = picture.image_to_save()
        height, width = int(image.shape[0]), int(image.shape[1])
        version = Version(
            id=self.versions.new_id(),
            created=time.time(),
            settings=picture.settings,
            size=(width, height),
            complete=picture.complete,
            progress=1.0 if picture.complete else min(1.0, max(0.0, float(picture.fraction))),
            photo=SourceRef.of(picture.photo),
            paintings=tuple(SourceRef.of(p) for p in picture.paintings),
            fast_style=picture.settings.fast_style if picture.settings.method == "fast" else None,
            device=picture.device,
            seconds=max(0.0, float(picture.seconds)),
            dpi=picture.job.dpi,
        )
        kept = dataclasses.replace(picture, id=version.id)
        self._pictures[kept.id] = kept
        if self.shown is picture:
            self.shown = kept
        self.history.add_version(version, quick_thumbnail(picture.pixels))
        # The picture's arrays are read-only: the writer thread reads them as they are.
        self.version_writer.submit(WriteVersion(self.versions, version, image))

    def finish_version_writes(self: MainWindow) -> None:
        """Let every pending version and save land on disk, then end the writer thread (at close)."""
        self.version_writer.finish()

    def _wait_for_write(self: MainWindow, version_id: str) -> bool:
        """Wait until a pending write of this version has landed (True), or say why not."""
        if not self.version_writer.pending(version_id):
            return True
        if self.version_writer.wait_for(version_id, PENDING_WAIT_SECONDS):
            return True
        self.statusBar().showMessage(
            "That version is still being written to the history folder; try again in a moment.", 8000
        )
        return False

    @Slot(object)
    def _on_history_task_done(self: MainWindow, task: object) -> None:
        if isinstance(task, WriteVersion):
            self._version_landed(task)
        elif isinstance(task, LoadThumbnails):
            for version_id, thumbnail in task.thumbnails.items():
                version = self.history.version(version_id)
                if version is not None:
                    self.history.update_version(version, thumbnail)

    def _version_landed(self: MainWindow, task: WriteVersion) -> None:
        version_id = task.version.id
        if task.added is None:
            # Nothing was written: the picture stays on show (it can still be saved as a file).
            self._pictures.pop(version_id, None)
            self.history.remove_version(version_id)
            self.statusBar().showMessage(task.error, 8000)
            return
        added = task.added
        for old in added.dropped:
            self._pictures.pop(old.id, None)
            self.history.remove_version(old.id)
        self.history.update_version(added.version, task.thumbnail)
        if added.dropped:
            self.statusBar().showMessage(dropped_text(added.dropped, self.versions.limit), 8000)

    def _picture(self: MainWindow, version_id: str) -> Picture | None:
        picture = self._pictures.get(version_id)
        if picture is None:
            version = self.versions.get(version_id)
            picture = picture_from_version(version, self.versions) if version is not None else None
            if picture is None:
                self.show_message("That version's picture is no longer in the session folder.")
                self.history.remove_version(version_id)
                return None
            self._pictures[version_id] = picture
        return picture

    @Slot(str)
    def show_version(self: MainWindow, version_id: str) -> None:
        if self._busy():
            self.statusBar().showMessage("Versions can be viewed when the run has ended.", 4000)
            return
        picture = self._picture(version_id)
        if picture is None:
            return
        self.preview.end_compare()
        self.show_picture(picture)
        self.loss_plot.clear()  # the curves were the last run's, not this version's
        self.progress.setValue(round(picture.fraction * 1000))
        self.progress.setFormat(f"Version: {picture.summary()}")

    @Slot(str, bool)
    def star_version(self: MainWindow, version_id: str, on: bool) -> None:
        if not self._wait_for_write(version_id):
            return
        try:
            version = self.versions.star(version_id, on)
        except EngineError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        if version is not None:
            self.history.update_version(version)

    @Slot(str)
    def delete_version(self: MainWindow, version_id: str) -> None:
        pending = self.version_writer.pending(version_id)
        version = None if pending else self.versions.get(version_id)
        if version is None and not pending:
            self.history.remove_version(version_id)
            return
        saved = version is not None and version.saved
        if not saved and not self.ask_yes_no("Delete this version? It has not been saved."):
            return
        # A write not started yet is dropped (nothing is written); one under way lands first.
        if pending and not self.version_writer.cancel(version_id) and not self._wait_for_write(version_id):
            return
        try:
            self.versions.delete(version_id)
        except EngineError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.history.remove_version(version_id)
        self._pictures.pop(version_id, None)
        if self.shown is not None and self.shown.id == version_id:
            self.shown = None  # what was on show is gone: back to the photo (or its instant picture)
            self.preview.end_compare()
            if self.instant_image is not None:
                self.preview.view.set_image(imaging.array_to_qimage(self.instant_image))
            elif self.content_image is not None:
                self.preview.view.set_image(self.content_image)
            else:
                self.preview.view.clear()
            self.progress.setValue(0)
            self.progress.setFormat("Ready")
            self._update_state()

    @Slot(str)
    def save_version(self: MainWindow, version_id: str) -> None:
        picture = self._picture(version_id)
        if picture is None:
            return
        path = self.ask_save_path(picture.suggested_name())
        if path is not None:
            self.queue_save(path, picture)  # written on the writer thread, marked saved when landed

    def picture_saved(self: MainWindow, picture: Picture, path: Path) -> None:
        """Mark the version saved once its file has landed (saves queue behind the version's own
        write, so this waits only for a version made after the save was asked)."""
        if not self._wait_for_write(picture.id):
            return
        try:
            version = self.versions.mark_saved(picture.id, path)
        except EngineError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        if version is not None:
            self.history.update_version(version)

    @Slot(str, str)
    def compare_versions(self: MainWindow, first: str, second: str) -> None:
        a, b = self._picture(first), self._picture(second)
        if a is None or b is None:
            return
        labels = (f"A: {plain_text.capped(a.summary(), 60)}", f"B: {plain_text.capped(b.summary(), 60)}")
        self.preview.compare_versions(
            imaging.array_to_qimage(a.pixels), imaging.array_to_qimage(b.pixels), labels=labels
        )

    @Slot()
    def _after_compare(self: MainWindow) -> None:
        if self.shown is not None:
            self.show_picture(self.shown)
