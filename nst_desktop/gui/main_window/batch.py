"""Several photos painted one after another: the batch's own small state machine.

The batch takes its settings, paintings and output folder once, when it starts, so changing
the controls meanwhile cannot make half the pictures differ from the other half; the batch
tab says so while it runs. Each photo is one job on the shared :class:`RunSession`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import Progress, Settings
from nst_desktop.engine.images import DEFAULT_DPI
from nst_desktop.engine.output_names import style_label

from .. import imaging
from ..widgets.batch_list import BatchList
from ..worker import ImageInput, Job
from .picture import Picture
from .session import RunSession


@dataclass(frozen=True)
class BatchPlan:
    """What every photo of one batch is painted with, fixed at the start."""

    settings: Settings
    styles: tuple[ImageInput, ...]
    output_dir: Path
    dpi: float | None = None
    """The print resolution the files record; None: the window's when the batch starts."""


class BatchRunner(QObject):
    """Runs the :class:`BatchList`'s waiting photos through the session, one at a time."""

    message = Signal(str, bool)  # text, is_error
    picture_ready = Signal(object)  # Picture of one finished photo (already saved)
    state_changed = Signal()

    def __init__(
        self,
        session: RunSession,
        batch: BatchList,
        parent: QObject | None = None,
        *,
        print_dpi: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(parent)
        self.print_dpi = print_dpi or (lambda: DEFAULT_DPI)
        self.session = session
        self.batch = batch
        self.plan: BatchPlan | None = None
        self.index: int | None = None
        self.counts = {"done": 0, "failed": 0}
        session.progressed.connect(self._on_progress)
        session.picture_ready.connect(self._on_picture)
        session.failed.connect(self._on_failed)
        session.stopped.connect(self._on_stopped)
        session.ended.connect(self._on_ended)

    @property
    def running(self) -> bool:
        return self.plan is not None

    def start(self, plan: BatchPlan) -> bool:
        if self.running or self.session.mine:
            return False
        self.batch.reset_unfinished()
        if plan.dpi is None:
            plan = dataclasses.replace(plan, dpi=self.print_dpi())
        self.plan = plan
        self.counts = {"done": 0, "failed": 0}
        self.state_changed.emit()
        self._next()
        return True

    def stop(self) -> None:
        """Stop after (in fact: by stopping) the photo being painted; the rest stay waiting."""
        if self.plan is None:
            return
        self.plan = None
        self.session.stop()
        if self.index is None:
            self._finish(was_running=True)

    def _next(self) -> None:
        plan = self.plan
        index = self.batch.next_waiting()
        if plan is None or index is None:
            self._finish(was_running=plan is not None)
            return
        path = self.batch.paths()[index]
        method, fast_style = self.batch.paint_with()
        settings = plan.settings.replace(method=method, fast_style=fast_style)
        style = style_label(method, fast_style, [s.name for s in plan.styles])
        output = self.batch.output_path_for(index, style)
        if output is None:
            self._finish(was_running=True)
            return
        job = Job(
            content=ImageInput(name=path.name, path=path),
            styles=() if method == "fast" else plan.styles,
            settings=settings,
            output_path=output,
            dpi=plan.dpi if plan.dpi is not None else DEFAULT_DPI,
        )
        self.index = index
        self.batch.set_status(index, "Painting…")
        if not self.session.start(job):
            self.index = None
            self.batch.set_status(index, "Failed", "Another run was in progress.")
            self._finish(was_running=True)

    def _finish(self, was_running: bool) -> None:
        self.plan = None
        counts = self.counts
        if was_running or counts["done"] or counts["failed"]:
            text = f"Batch finished: {counts['done']} painted"
            if counts["failed"]:
                text += f", {counts['failed']} failed (the reason is on each item)"
            self.message.emit(text + ".", bool(counts["failed"]))
        self.counts = {"done": 0, "failed": 0}
        self.state_changed.emit()

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if self.index is not None:
            self.batch.set_status(self.index, f"Painting {progress.fraction:.0%}")

    @Slot(object)
    def _on_picture(self, picture: Picture) -> None:
        if self.index is None:
            return
        if not picture.complete:
            self.batch.set_status(self.index, "Stopped")
            return
        self.counts["done"] += 1
        output = picture.job.output_path
        if output is not None:
            self.batch.set_result(self.index, output, imaging.array_to_qimage(picture.pixels))
        self.picture_ready.emit(picture)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self.index is not None:
            self.counts["failed"] += 1
            self.batch.set_failed(self.index, message)

    @Slot()
    def _on_stopped(self) -> None:
        if self.index is not None:
            self.batch.set_status(self.index, "Stopped")

    @Slot()
    def _on_ended(self) -> None:
        if self.index is None:
            return
        self.index = None
        if self.plan is not None:
            self._next()
        else:
            self._finish(was_running=True)
