"""Every finished or stopped run kept as a version: the strip under the picture, the session
folder behind it, and the window's reactions (view, compare, star, save, delete).

Versions live in the per-user session folder (:mod:`nst_desktop.engine.versions`), so quitting
or opening another photo loses nothing: they are there again at the next start. The window
shows a :class:`~.picture.Picture`; this module turns versions into pictures and back.

:class:`History` owns the store, the strip and the writer's version tasks; it gets them in its
constructor with whether a run holds the worker and how to ask a yes/no question, and says
what the window should do through signals (a picture to show, two to compare, one to save as,
a line for the status bar or the banner, the version on show deleted).

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
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import EngineError
from nst_desktop.engine.versions import (
    THUMB_SIDE,
    SourceRef,
    Version,
    VersionStore,
    dropped_text,
    unfaded_to_keep,
)

from .. import imaging, plain_text, user_paths
from ..widgets.history_strip import HistoryStrip
from ..worker import ImageInput, Job
from .picture import Picture, frozen_array
from .version_writer import LoadThumbnails, VersionWriter, WriteVersion

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
    """A version of this or an earlier session as a picture the window can show and save: the
    record it keeps, read back, with a job made of its inputs."""
    record = store.record(version.id)
    if record is None:
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
    return Picture(job=job, record=record.frozen(), before=before, id=version.id, created=version.created)


class History(QObject):
    """The versions: the store on disk, the strip that shows them and their writes."""

    show_requested = Signal(object)
    """A version's :class:`~.picture.Picture` to put on show."""
    compare_requested = Signal(object, object, object)
    """Two versions' pictures (QImages) to compare, with their labels."""
    save_requested = Signal(object)
    """A version's picture to save as a file (the window asks where)."""
    kept = Signal(object, object)
    settings_requested = Signal(object, str)
    """A version's settings (``Settings``) for the controls, and words naming the version."""
    """A picture and the copy of it kept as a version (with the version's id)."""
    deleted = Signal(str)
    """A version's id, deleted (the window leaves it if it was on show)."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms)."""
    message = Signal(str)
    """A problem for the banner."""

    def __init__(
        self,
        store: VersionStore,
        strip: HistoryStrip,
        writer: VersionWriter,
        busy: Callable[[], bool],
        ask: Callable[[str], bool],
        parent: QObject | None = None,
    ) -> None:
        """``busy`` says whether a run holds the worker, ``ask`` asks the artist yes or no."""
        super().__init__(parent)
        self.store = store
        self.strip = strip
        self.writer = writer
        self._busy = busy
        self._ask = ask
        self._pictures: dict[str, Picture] = {}
        strip.setToolTip("Every run you finish or stop is kept here, also after a restart")
        strip.selected.connect(self.show)
        strip.star_toggled.connect(self.star)
        strip.delete_requested.connect(self.delete)
        strip.save_requested.connect(self.save)
        strip.compare_requested.connect(self.compare)
        strip.settings_requested.connect(self.use_settings)
        writer.done.connect(self._on_task_done)

    def load(self) -> None:
        """Show the stored versions (their thumbnails follow from the writer thread)."""
        versions = self.store.versions()
        self.strip.set_versions(versions)
        # Another window (or a second app) may share this folder: follow it, so neither strip
        # goes stale.
        self.strip.watch(self.store)
        if versions:
            self.writer.submit(LoadThumbnails(self.store, [v.id for v in versions]))
        earlier = sum(1 for v in versions if not v.saved and not v.starred)
        if earlier:
            self.status.emit(
                f"{earlier} unsaved version{'s' if earlier != 1 else ''} from before "
                "are in the history strip.",
                10_000,
            )

    def add(self, picture: Picture) -> None:
        """Keep ``picture`` (a finished or stopped run, a batch's too) as a version in the strip.

        The strip shows it at once; its files are written on the writer thread and the strip
        takes the stored record and thumbnail when they have landed (:meth:`_landed`).
        """
        version = Version.of(
            picture.record, version_id=self.store.new_id(), created=time.time(), dpi=picture.job.dpi
        )
        image = picture.image_to_save()
        kept = dataclasses.replace(picture, id=version.id)
        self._pictures[kept.id] = kept
        self.kept.emit(picture, kept)
        self.strip.add_version(version, quick_thumbnail(picture.pixels))
        # The picture's arrays are read-only: the writer thread reads them as they are.
        unfaded = unfaded_to_keep(version, picture.record)
        self.writer.submit(WriteVersion(self.store, version, image, unfaded))

    def finish(self) -> None:
        """Let every pending version and save land on disk, then end the writer thread (at close)."""
        self.writer.finish()

    def wait_for_write(self, version_id: str) -> bool:
        """Wait until a pending write of this version has landed (True), or say why not."""
        if not self.writer.pending(version_id):
            return True
        if self.writer.wait_for(version_id, PENDING_WAIT_SECONDS):
            return True
        self.status.emit(
            "That version is still being written to the history folder; try again in a moment.", 8000
        )
        return False

    @Slot(object)
    def _on_task_done(self, task: object) -> None:
        if isinstance(task, WriteVersion):
            self._landed(task)
        elif isinstance(task, LoadThumbnails):
            for version_id, thumbnail in task.thumbnails.items():
                version = self.strip.version(version_id)
                if version is not None:
                    self.strip.update_version(version, thumbnail)

    def _landed(self, task: WriteVersion) -> None:
        version_id = task.version.id
        if task.added is None:
            # Nothing was written: the picture stays on show (it can still be saved as a file).
            self._pictures.pop(version_id, None)
            self.strip.remove_version(version_id)
            self.status.emit(task.error, 8000)
            return
        added = task.added
        for old in added.dropped:
            self._pictures.pop(old.id, None)
            self.strip.remove_version(old.id)
        self.strip.update_version(added.version, task.thumbnail)
        if added.dropped:
            self.status.emit(dropped_text(added.dropped, self.store.limit), 8000)

    def picture(self, version_id: str) -> Picture | None:
        """The version's picture: the one in memory, else read from the session folder."""
        picture = self._pictures.get(version_id)
        if picture is None:
            version = self.store.get(version_id)
            picture = picture_from_version(version, self.store) if version is not None else None
            if picture is None:
                self.message.emit("That version's picture is no longer in the session folder.")
                self.strip.remove_version(version_id)
                return None
            self._pictures[version_id] = picture
        return picture

    @Slot(str)
    def show(self, version_id: str) -> None:
        if self._busy():
            self.status.emit("Versions can be viewed when the run has ended.", 4000)
            return
        picture = self.picture(version_id)
        if picture is not None:
            self.show_requested.emit(picture)

    @Slot(str)
    def use_settings(self, version_id: str) -> None:
        """Offer a version's settings (seed included) as the start of the next try; the photo
        and paintings on screen stay, as in Lightroom's "copy settings"."""
        if self._busy():
            self.status.emit("Settings can be taken from a version when the run has ended.", 4000)
            return
        version = self.strip.version(version_id) or self.store.get(version_id)
        if version is None:
            return
        when = time.strftime("%H:%M", time.localtime(version.created))
        self.settings_requested.emit(version.settings, f"the version from {when}")

    @Slot(str, bool)
    def star(self, version_id: str, on: bool) -> None:
        if not self.wait_for_write(version_id):
            return
        try:
            version = self.store.star(version_id, on)
        except EngineError as exc:
            self.status.emit(str(exc), 8000)
            return
        if version is not None:
            self.strip.update_version(version)

    @Slot(str)
    def delete(self, version_id: str) -> None:
        pending = self.writer.pending(version_id)
        version = None if pending else self.store.get(version_id)
        if version is None and not pending:
            self.strip.remove_version(version_id)
            return
        saved = version is not None and version.saved
        if not saved and not self._ask("Delete this version? It has not been saved."):
            return
        # A write not started yet is dropped (nothing is written); one under way lands first.
        if pending and not self.writer.cancel(version_id) and not self.wait_for_write(version_id):
            return
        try:
            self.store.delete(version_id)
        except EngineError as exc:
            self.status.emit(str(exc), 8000)
            return
        self.strip.remove_version(version_id)
        self._pictures.pop(version_id, None)
        self.deleted.emit(version_id)

    @Slot(str)
    def save(self, version_id: str) -> None:
        picture = self.picture(version_id)
        if picture is not None:
            self.save_requested.emit(picture)  # marked saved when its file has landed

    def mark_saved(self, picture: Picture, path: Path) -> None:
        """Mark the version saved once its file has landed (saves queue behind the version's own
        write, so this waits only for a version made after the save was asked)."""
        if not self.wait_for_write(picture.id):
            return
        try:
            version = self.store.mark_saved(picture.id, path)
        except EngineError as exc:
            self.status.emit(str(exc), 8000)
            return
        if version is not None:
            self.strip.update_version(version)

    @Slot(str, str)
    def compare(self, first: str, second: str) -> None:
        a, b = self.picture(first), self.picture(second)
        if a is None or b is None:
            return
        labels = (f"A: {plain_text.capped(a.summary(), 60)}", f"B: {plain_text.capped(b.summary(), 60)}")
        self.compare_requested.emit(
            imaging.array_to_qimage(a.pixels), imaging.array_to_qimage(b.pixels), labels
        )
