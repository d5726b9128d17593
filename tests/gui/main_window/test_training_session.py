"""The training part alone: a real controller running small job functions, bare widgets."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QTabWidget, QWidget

from nst_desktop.engine import Cancelled, Progress
from nst_desktop.gui import threads
from nst_desktop.gui.controller import JobController
from nst_desktop.gui.main_window import state
from nst_desktop.gui.main_window.training_session import TrainingSession
from nst_desktop.gui.training import TrainOutcome, TrainRequest
from nst_desktop.gui.widgets.loss_plot import LossPlot
from nst_desktop.gui.widgets.preview import PreviewView
from nst_desktop.gui.widgets.progress_line import ProgressLine
from nst_desktop.gui.worker import ImageInput


class Panel(QWidget):
    """The fast-style panel's side the training talks to."""

    def __init__(self) -> None:
        super().__init__()
        self.resumable: str | None = None
        self.refreshed: list[str | None] = []

    def names(self) -> list[str]:
        return ["Autumn"]

    def set_resumable(self, text: str | None) -> None:
        self.resumable = text

    def refresh(self, select: str | None = None) -> None:
        self.refreshed.append(select)


def _progress(step: int, preview: bool = False) -> Progress:
    return Progress(
        stage="training",
        step=step,
        total=4,
        level=1,
        levels=1,
        size=(8, 8),
        losses={"total": 1.0 / step},
        preview=np.zeros((8, 8, 3), np.uint8) if preview else None,
        preview_of="IMG_0042.jpg" if preview else None,
    )


class Rig:
    def __init__(self, qtbot, tmp_path: Path, job: Any) -> None:  # type: ignore[no-untyped-def]
        self.controller = JobController(threads=threads.registry().child())
        self.qsettings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        self.host = QWidget()
        qtbot.addWidget(self.host)
        self.progress = ProgressLine(self.host)
        self.plot = LossPlot(self.host)
        self.preview = PreviewView(self.host)
        self.tabs = QTabWidget(self.host)
        self.panel = Panel()
        self.tabs.addTab(QWidget(), "other")
        self.tabs.addTab(self.panel, "Fast styles")
        self.details: list[bool] = []
        self.session = TrainingSession(
            self.controller,
            self.qsettings,
            progress=self.progress,
            loss_plot=self.plot,
            preview=self.preview,
            fast_styles=self.panel,  # type: ignore[arg-type]
            tabs=self.tabs,
            show_details=self.details.append,
            styles=lambda: (),
            dialog_parent=self.host,
            job_for=lambda request: job,
        )
        self.messages: list[tuple[str, bool]] = []
        self.titles: list[object] = []
        self.devices: list[str] = []
        self.session.message.connect(lambda text, error: self.messages.append((text, error)))
        self.session.title.connect(self.titles.append)
        self.session.device.connect(self.devices.append)
        self.request = TrainRequest(
            name="Mine",
            photos=tmp_path,
            paintings=(ImageInput("p.png", tmp_path / "p.png"),),
            output=tmp_path / "mine.nststyle",
            steps=4,
        )

    def run(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        with qtbot.waitSignal(self.session.ended, timeout=10_000):
            assert self.session.start(self.request)
            assert self.session.training == self.request and self.details == [True]


def test_a_finished_training_reports_and_selects_the_new_style(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig: Rig

    def job(report: Any, cancel: threading.Event) -> TrainOutcome:
        report(_progress(2, preview=True))
        return TrainOutcome(rig.request, rig.request.output, 8.0, 4, "Test CPU", 2.0)

    rig = Rig(qtbot, tmp_path, job)
    rig.run(qtbot)
    assert rig.session.training is None and rig.titles[-1] is None and 0.5 in rig.titles
    assert rig.devices == ["Test CPU"] and rig.progress.value() == 1000
    assert float(rig.qsettings.value(state.TRAIN_RATE)) == 2.0 and rig.session.seconds_per_step() == 2.0
    assert rig.tabs.currentWidget() is rig.panel and rig.panel.refreshed == ["Mine"]
    assert rig.messages == [("The fast style 'Mine' is ready: click it to paint the photo with it.", False)]


@pytest.mark.parametrize("checkpoint", [True, False])
def test_a_stopped_training_offers_resume_only_with_a_checkpoint(
    qtbot, tmp_path: Path, checkpoint: bool
) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()

    def job(report: Any, cancel: threading.Event) -> None:
        started.set()
        cancel.wait(10)
        raise Cancelled()

    rig = Rig(qtbot, tmp_path, job)
    if checkpoint:
        rig.request.checkpoint.write_bytes(b"checkpoint")
    with qtbot.waitSignal(rig.session.ended, timeout=10_000):
        rig.session.start(rig.request)
        assert started.wait(5)
        rig.session.stop()
    assert rig.progress.format() == "Training stopped"
    if checkpoint:
        assert rig.session.stopped_training == rig.request and "Continue training 'Mine'" in str(
            rig.panel.resumable
        )
        assert rig.messages == [("Training stopped. Resume continues from the last checkpoint.", False)]
    else:
        assert rig.session.stopped_training is None and rig.panel.resumable is None


def test_resume_without_a_checkpoint_left_says_so(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path, lambda report, cancel: None)
    rig.session.stopped_training = rig.request
    rig.session.resume()
    assert rig.messages == [("The stopped training has no checkpoint left to resume from.", True)]
    assert rig.session.stopped_training is None and not rig.controller.busy


def test_a_failed_training_is_one_sentence(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def job(report: Any, cancel: threading.Event) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "mine.ckpt"))

    rig = Rig(qtbot, tmp_path, job)
    rig.run(qtbot)
    assert rig.progress.format() == "Training failed" and len(rig.messages) == 1
    text, error = rig.messages[0]
    assert error and text.startswith("A file could not be used: no space left on device")


def test_it_hears_only_its_own_job(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path, lambda report, cancel: None)
    rig.progress.setFormat("A painting")

    def painting(report: Any, cancel: threading.Event) -> str:
        report(_progress(3))
        return "a painting's result"

    handle = rig.controller.start(painting)
    assert handle is not None
    rig.session.train()  # refused: the controller is busy
    with qtbot.waitSignal(rig.controller.finished, timeout=10_000):
        pass
    assert rig.progress.format() == "A painting" and rig.titles == [] and rig.devices == []
    assert rig.messages == [("Wait for the current run to end (or stop it) before training.", True)]


def test_resume_continues_the_curve_names_the_preview_photo_and_gives_the_picture_its_room_back(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rig: Rig
    sessions: list[int] = []

    def job(report: Any, cancel: threading.Event) -> TrainOutcome:
        sessions.append(len(sessions) + 1)
        if len(sessions) == 1:  # the first session: two steps, then the artist stops it
            report(_progress(1))
            report(_progress(2, preview=True))
            cancel.wait(10)
            raise Cancelled()
        # As the engine does: the first report after resuming carries the checkpoint's curve.
        report(dataclasses.replace(_progress(3), history=((1, {"total": 1.0}), (2, {"total": 0.5}))))
        report(_progress(4))
        return TrainOutcome(rig.request, rig.request.output, 8.0, 4, "Test CPU", 2.0, session_steps=2)

    rig = Rig(qtbot, tmp_path, job)
    rig.plot.hide()  # Details closed, as the artist had it
    rig.request.checkpoint.write_bytes(b"checkpoint")
    with qtbot.waitSignal(rig.session.ended, timeout=10_000):
        rig.session.start(rig.request)
        qtbot.waitUntil(lambda: rig.preview.has_image(), timeout=5000)
        rig.session.stop()
    assert rig.preview.caption() == "Preview: IMG_0042.jpg", "the photo the preview paints is named"
    rig.preview.set_image(rig.preview.item.after)
    assert rig.preview.caption() == "", "another picture on show drops the name"
    assert rig.details == [True, False], "Details opens while it trains and closes when it stops"
    rig.plot.clear()  # the window shows something else in between (a painting's run clears it)
    with qtbot.waitSignal(rig.session.ended, timeout=10_000):
        rig.session.resume()
    rig.plot.redraw()
    assert rig.plot.curve().steps == (1.0, 2.0, 3.0, 4.0), "the curve before the Stop is kept"
    assert rig.plot.curve().values["total"] == (1.0, 0.5, 1 / 3, 0.25)
    assert rig.details == [True, False, True, False]
    assert rig.progress.format() == "Trained 'Mine' (4 steps in all, 2 this time, in 0 min 08 s)"


def test_a_new_training_starts_a_new_curve_and_leaves_details_open_if_it_was(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def job(report: Any, cancel: threading.Event) -> None:
        report(_progress(3))

    rig = Rig(qtbot, tmp_path, job)
    rig.plot.add(7, {"total": 2.0})
    rig.run(qtbot)
    rig.plot.redraw()
    assert rig.plot.curve().steps == (3.0,), "another training's curve is not continued"
    assert rig.details == [True, True]
