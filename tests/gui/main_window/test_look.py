"""The look part alone: Fade on a finished picture, presets and undo, on a bare controls panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Result, Settings
from nst_desktop.gui.main_window.look import Look
from nst_desktop.gui.main_window.picture import Picture
from nst_desktop.gui.main_window.undo import ControlsUndo
from nst_desktop.gui.widgets.controls import ControlsPanel
from nst_desktop.gui.worker import ImageInput, Job

from ..conftest import write_image


def _picture(photo: Path, *, base: bool = True) -> Picture:
    settings = Settings(size=32, strength=1.0, seed=1)
    job = Job(ImageInput("photo.png", photo), (ImageInput("painting.png", photo),), settings)
    pixels = np.full((24, 32, 3), 250, np.uint8)
    full = pixels.astype(np.float32) / 255.0
    record = Result(pixels, full, settings, "cpu", 1.0, 10, unfaded=full if base else None)
    return Picture(job=job, record=record)


class Rig:
    def __init__(self, qtbot, shown: Picture | None, busy: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.controls = ControlsPanel()
        qtbot.addWidget(self.controls)
        self.controls.set_settings(Settings(size=32, strength=1.0, seed=1))
        self.shown = shown
        self.busy = busy
        self.look = Look(self.controls, ControlsUndo(self.controls), lambda: self.shown, lambda: self.busy)
        self.faded: list[Picture] = []
        self.status: list[str] = []
        self.look.faded.connect(self.faded.append)
        self.look.status.connect(lambda text, _ms: self.status.append(text))

    def set_strength(self, value: float) -> None:
        self.controls.set_settings(self.controls.settings().replace(strength=value))


def test_fade_moves_a_finished_picture_reading_its_photo_once(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    photo = write_image(tmp_path / "photo.png", 32, 24)
    rig = Rig(qtbot, _picture(photo))
    loads: list[int] = []
    real = ImageInput.load
    monkeypatch.setattr(ImageInput, "load", lambda self, side=None: loads.append(1) or real(self, side))
    for value in (0.5, 0.25):
        rig.set_strength(value)
        rig.look.refade()
    assert [p.settings.strength for p in rig.faded] == [0.5, 0.25]
    assert rig.faded[1].pixels.mean() < rig.faded[0].pixels.mean() < 250, "towards the photo"
    assert len(loads) == 1, "a drag fades many times; the photo is read once per picture"
    assert rig.status == []


@pytest.mark.parametrize("case", ["busy", "no base", "same strength", "nothing shown"])
def test_fade_leaves_alone_what_it_cannot_move(qtbot, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    photo = write_image(tmp_path / "photo.png", 32, 24)
    shown = None if case == "nothing shown" else _picture(photo, base=case != "no base")
    rig = Rig(qtbot, shown, busy=case == "busy")
    if case != "same strength":
        rig.set_strength(0.5)
    rig.look.refade()
    assert rig.faded == [] and rig.status == []


def test_a_photo_gone_is_a_status_line_not_a_fade(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo = write_image(tmp_path / "photo.png", 32, 24)
    rig = Rig(qtbot, _picture(photo))
    photo.unlink()
    rig.set_strength(0.5)
    rig.look.refade()
    assert rig.faded == [] and len(rig.status) == 1
    assert rig.status[0].startswith("The photo is needed to fade the picture")


def test_a_preset_sets_the_controls_and_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, None)
    rig.look.apply_preset(Settings(size=32, strength=0.7, seed=1), "Soft " * 40)
    assert rig.controls.settings().strength == pytest.approx(0.7)
    assert len(rig.status) == 1 and rig.status[0].startswith("Preset 'Soft")
    assert len(rig.status[0]) < 120, "a long name is capped"


def test_undo_and_redo_walk_the_controls_history_and_say_when_there_is_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, None)
    rig.look.undo_controls()
    assert rig.status == ["Nothing to undo."]
    rig.set_strength(0.4)
    rig.look.record()
    rig.look.undo_controls()
    assert rig.controls.settings().strength == pytest.approx(1.0)
    rig.look.redo_controls()
    assert rig.controls.settings().strength == pytest.approx(0.4)
    rig.look.redo_controls()
    assert rig.status == ["Nothing to undo.", "Nothing to redo."]
