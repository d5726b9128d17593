# mypy: disable-error-code="misc"
# (A window mixin whose methods annotate ``self: MainWindow`` so their bodies are checked
# against the whole window; mypy's self-type check on a non-MainWindow class is what is off.)
"""The batch tab's part of the window: adding photos, the output folder, starting a batch
with the look as it is now (:class:`~.batch.BatchPlan`), showing a finished row's result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from nst_desktop.engine import EngineError

from .. import imaging, user_paths
from . import state
from .batch import BatchPlan

if TYPE_CHECKING:
    from .picture import Picture
    from .window import MainWindow


class BatchHandling:
    """Batch tab glue (a mixin); the batch's own state machine is :class:`~.batch.BatchRunner`."""

    shown: Picture | None
    _before_missing: Picture | None
    """A picture on show whose photo is read only when before/after is asked for."""

    def _add_batch_paths(self: MainWindow, paths: list[Path]) -> int:
        usable = []
        for path in paths:
            problem = user_paths.problem(path)
            if problem or not imaging.looks_like_image(path):
                name = user_paths.shown_name(path)
                self.show_message(problem or f"'{name}' is not an image file; it was not added to the batch.")
                continue
            usable.append(path)
        return self.batch.add(usable)

    def choose_batch_folder(self: MainWindow) -> Path | None:
        folder = self.ask_folder("Where should the finished pictures go?")
        if folder is not None:
            self.batch.set_output_dir(folder)
            self.qsettings.setValue(state.BATCH_DIR, str(folder))
        return folder

    def start_batch(self: MainWindow) -> None:
        if self.controller.busy and not self.session.warming:
            return
        if not self.gallery.styles() and self.batch.paint_with()[0] != "fast":
            self.show_message("Add at least one painting to take the style from.")
            return
        if self.batch.output_dir is None and self.choose_batch_folder() is None:
            return
        settings = self.current_settings()
        if settings is None or self.batch.output_dir is None:
            return
        self.clear_message()
        # The batch's own controls lock while it runs: keep the focus on its list, not on
        # whatever control Qt would move it to (a blend box whose value the next key changes).
        self.batch.tree.setFocus()
        self.batch_runner.start(BatchPlan(settings, self.gallery.styles(), self.batch.output_dir))

    @Slot(object, object)
    def show_batch_result(self: MainWindow, output: Path, photo: Path) -> None:
        """A finished batch row was clicked: show its saved file, with its own photo as before."""
        if self._busy():
            self.statusBar().showMessage("The result is shown when the current run ends.", 4000)
            return
        try:
            from nst_desktop.engine import images

            pixels = images.load_image(output, max_side=4096)
            before = images.load_image(photo, max_side=1600) if user_paths.is_file(photo) else None
        except EngineError as exc:
            self.show_message(str(exc))
            return
        self.shown = None  # a file on disk, already saved: not a version to save again
        self.history.select(None)
        self.loss_plot.clear()
        self._before_missing = None
        self.preview.view.set_before(imaging.array_to_qimage(before) if before is not None else None)
        h, w = pixels.shape[:2]
        self.preview.view.set_canvas_size(w, h)
        self.preview.view.set_image(imaging.array_to_qimage(pixels))
        self.progress.setFormat(f"Batch result: {user_paths.shown_name(output)}")
        self._update_state()

    @Slot()
    def _save_batch_options(self: MainWindow) -> None:
        self.qsettings.setValue(state.BATCH_FORMAT, self.batch.output_format())
        self.qsettings.setValue(state.BATCH_PATTERN, self.batch.naming_pattern())

    @property
    def batch_running(self: MainWindow) -> bool:
        return self.batch_runner.running
