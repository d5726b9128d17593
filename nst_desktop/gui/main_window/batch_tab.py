"""The batch tab as a part: adding photos, the output folder, starting a batch with the look as
it is now (:class:`~.batch.BatchPlan`), and a finished row's picture to show.

A batch's pictures are versions like any other run's (the history keeps them: star, compare,
Save, Copy, Drag). A row clicked shows the version kept from it, which is exactly the picture
its file holds and its thumbnail shows (one record, faded once); a row whose version is gone
(dropped from the history, deleted) shows its file with the record its metadata keeps.

:class:`BatchTab` gets the batch list, the batch's runner, the settings store and small
callables for what the window knows (the paintings, the settings, whether a run holds the
worker, a folder dialog) in its constructor, and says what happened through signals; the
batch's own state machine is :class:`~.batch.BatchRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from nst_desktop.engine import EngineError, Settings
from nst_desktop.engine.record import read_record

from .. import imaging, user_paths
from ..widgets.batch_list import BatchList
from ..worker import ImageInput, Job
from . import state
from .batch import BatchPlan, BatchRunner
from .picture import Picture

RESULT_SIDE = 4096
"""A batch result no longer in the history is read at most this long on its long side."""


class BatchTab(QObject):
    """The batch tab's commands; the window wires its signals to the banner and the view."""

    message = Signal(str, bool)
    """A sentence for the banner, and whether it is an error."""
    cleared = Signal()
    """A batch starts: the banner's earlier news no longer applies."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms)."""
    result_loaded = Signal(object, str)
    """A finished row's picture to show (a :class:`~.picture.Picture`, its own photo as the
    job's photo), and the file's name as shown."""

    def __init__(
        self,
        batch: BatchList,
        runner: BatchRunner,
        qsettings: QSettings,
        *,
        styles: Callable[[], tuple[ImageInput, ...]],
        settings: Callable[[], Settings | None],
        busy: Callable[[], bool],
        ask_folder: Callable[[str], Path | None],
        version: Callable[[str], Picture | None] = lambda _id: None,
        parent: QObject | None = None,
    ) -> None:
        """``styles`` gives the paintings, ``settings`` the controls' settings (None when they
        are invalid, already said), ``busy`` whether a run holds the worker, ``ask_folder``
        asks the artist for a folder (None when cancelled), ``version`` the picture of a
        version still in the history (None when it is gone)."""
        super().__init__(parent)
        self.batch = batch
        self.runner = runner
        self.qsettings = qsettings
        self._styles = styles
        self._settings = settings
        self._busy = busy
        self._ask_folder = ask_folder
        self._version = version
        self._versions: dict[Path, str] = {}
        """A finished row's file -> the id of the version kept from its picture."""

    @property
    def running(self) -> bool:
        return self.runner.running

    @Slot(list)
    def add_paths(self, paths: list[Path]) -> int:
        """Add the image files among ``paths`` to the batch; say why each other one was not."""
        usable = []
        for path in paths:
            problem = user_paths.problem(path)
            if problem or not imaging.looks_like_image(path):
                name = user_paths.shown_name(path)
                self.message.emit(
                    problem or f"'{name}' is not an image file; it was not added to the batch.", True
                )
                continue
            usable.append(path)
        return self.batch.add(usable)

    @Slot()
    def choose_folder(self) -> Path | None:
        folder = self._ask_folder("Where should the finished pictures go?")
        if folder is not None:
            self.batch.set_output_dir(folder)
            self.qsettings.setValue(state.BATCH_DIR, str(folder))
        return folder

    @Slot()
    def start(self) -> None:
        if self._busy():
            return
        if not self._styles() and self.batch.paint_with()[0] != "fast":
            self.message.emit("Add at least one painting to take the style from.", True)
            return
        if self.batch.output_dir is None and self.choose_folder() is None:
            return
        settings = self._settings()
        if settings is None or self.batch.output_dir is None:
            return
        self.cleared.emit()
        # The batch's own controls lock while it runs: keep the focus on its list, not on
        # whatever control Qt would move it to (a blend box whose value the next key changes).
        self.batch.tree.setFocus()
        self.runner.start(BatchPlan(settings, self._styles(), self.batch.output_dir))

    @Slot(object, object)
    def kept(self, picture: Picture, kept: Picture) -> None:
        """The history kept a picture as a version: a batch row's, remembered by its file."""
        output = kept.job.output_path
        if output is not None:
            self._versions[output] = kept.id

    @Slot(object, object)
    def show_result(self, output: Path, photo: Path) -> None:
        """A finished row was clicked: show its version (or its file), with its own photo."""
        if self._busy():
            self.status.emit("The result is shown when the current run ends.", 4000)
            return
        version_id = self._versions.get(output)
        picture = self._version(version_id) if version_id is not None else None
        if picture is None:
            try:
                record = read_record(output, max_side=RESULT_SIDE)
            except EngineError as exc:
                self.message.emit(str(exc), True)
                return
            content = ImageInput(name=photo.name, path=photo)
            styles = tuple(ImageInput(name=p.name, weight=p.weight) for p in record.paintings)
            job = Job(content=content, styles=styles, settings=record.settings, output_path=output)
            picture = Picture(job=job, record=record.frozen())
        self.result_loaded.emit(picture, user_paths.shown_name(output))

    @Slot()
    def save_options(self) -> None:
        self.qsettings.setValue(state.BATCH_FORMAT, self.batch.output_format())
        self.qsettings.setValue(state.BATCH_PATTERN, self.batch.naming_pattern())
