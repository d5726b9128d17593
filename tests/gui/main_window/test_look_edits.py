"""The look hears what the controls hold after each edit: Fade from the edit's settings, and
the sentence that says why the values are not valid settings."""

from __future__ import annotations

from pathlib import Path

from ..conftest import write_image
from .test_look import Rig, _picture


def test_an_edit_fades_the_picture_and_an_invalid_one_says_why(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, _picture(write_image(tmp_path / "photo.png", 32, 24)))
    rig.controls.changed.connect(rig.look.changed)
    rig.look.faded.connect(lambda faded: setattr(rig, "shown", faded))  # as the window shows it
    rig.controls.strength.set_value(0.5)
    assert [p.settings.strength for p in rig.faded] == [0.5] and rig.status == []
    for box in rig.controls.layer_weights:
        box.setValue(0.0)
    assert rig.status[-1] == "At least one style layer weight must be above zero."
    rig.controls.strength.set_value(0.25)
    assert [p.settings.strength for p in rig.faded] == [0.5], "no valid settings: nothing to fade to"
    rig.controls.layer_weights[0].setValue(1.0)
    assert [p.settings.strength for p in rig.faded] == [0.5, 0.25], "valid again: the fade follows"
