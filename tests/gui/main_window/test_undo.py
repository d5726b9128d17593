"""The controls' undo alone: what merges into one step and what does not."""

from __future__ import annotations

import pytest

from nst_desktop.engine import Settings
from nst_desktop.gui.main_window.undo import ControlsUndo
from nst_desktop.gui.widgets.controls import ControlsPanel


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rig(qtbot) -> tuple[ControlsPanel, ControlsUndo, Clock]:  # type: ignore[no-untyped-def]
    controls = ControlsPanel()
    qtbot.addWidget(controls)
    controls.set_settings(Settings(size=32, strength=1.0, style_strength=1.0, seed=1))
    clock = Clock()
    return controls, ControlsUndo(controls, clock=clock), clock


def _set(controls: ControlsPanel, undo: ControlsUndo, clock: Clock, dt: float, **changes: float) -> None:
    clock.now += dt
    controls.set_settings(controls.settings().replace(**changes))
    undo.record()


def test_a_drag_of_one_control_is_one_step(rig) -> None:  # type: ignore[no-untyped-def]
    controls, undo, clock = rig
    for value in (0.9, 0.8, 0.7, 0.6):
        _set(controls, undo, clock, 0.1, style_strength=value)
    assert undo.undo()
    assert controls.settings().style_strength == pytest.approx(1.0)
    assert not undo.can_undo()


def test_another_control_right_after_a_drag_is_a_step_of_its_own(rig) -> None:  # type: ignore[no-untyped-def]
    controls, undo, clock = rig
    _set(controls, undo, clock, 0.1, strength=0.8)  # Fade dragged
    _set(controls, undo, clock, 0.1, strength=0.5)
    _set(controls, undo, clock, 0.2, style_strength=3.0)  # typed in another box within the second
    assert undo.undo()
    settings = controls.settings()
    assert (settings.style_strength, settings.strength) == (pytest.approx(1.0), pytest.approx(0.5))
    assert undo.undo()
    assert controls.settings().strength == pytest.approx(1.0)


def test_the_same_control_later_is_a_new_step(rig) -> None:  # type: ignore[no-untyped-def]
    controls, undo, clock = rig
    _set(controls, undo, clock, 0.1, style_strength=2.0)
    _set(controls, undo, clock, 5.0, style_strength=3.0)
    assert undo.undo()
    assert controls.settings().style_strength == pytest.approx(2.0)
