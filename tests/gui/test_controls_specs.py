"""The controls take their ranges, choices, labels and tooltips from the settings' specs."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from nst_desktop.engine import Settings
from nst_desktop.engine.settings import SPECS
from nst_desktop.gui.plain_text import plain_tooltip
from nst_desktop.gui.widgets.controls import NOT_SHOWN, ControlsPanel, SliderRow, WholeNumberBox


@pytest.fixture
def panel(qtbot) -> ControlsPanel:  # type: ignore[no-untyped-def]
    widget = ControlsPanel()
    qtbot.addWidget(widget)
    return widget


def test_every_shown_setting_has_a_control_built_from_its_spec(panel: ControlsPanel) -> None:
    captions = {label.text() for label in panel.findChildren(QLabel)}
    for name, spec in SPECS.items():
        if name in NOT_SHOWN:
            continue
        assert spec.label in captions, name
        if name == "style_layer_weights":
            boxes = panel.layer_weights
            assert len(boxes) == len(Settings().style_layer_weights)
            for box in boxes:
                assert (box.minimum(), box.maximum()) == spec.bounds()
                assert (box.decimals(), box.singleStep()) == (spec.decimals, spec.step)
                assert spec.help in box.toolTip()
            continue
        control = getattr(panel, name)
        assert control.toolTip() == plain_tooltip(spec.help), name
        if spec.type == "choice":
            assert isinstance(control, QComboBox)
            items = [(control.itemData(i), control.itemText(i)) for i in range(control.count())]
            assert tuple(items) == spec.choices, name
        elif isinstance(control, SliderRow):
            assert (control.spin.minimum(), control.spin.maximum()) == spec.bounds(), name
            assert control.slider_range() == spec.slider_range(), name
            assert (control.spin.decimals(), control.spin.singleStep()) == (spec.decimals, spec.step)
        elif isinstance(control, (QSpinBox, WholeNumberBox)):
            assert (control.minimum(), control.maximum()) == spec.whole_bounds(), name
            if isinstance(control, QSpinBox) and spec.step is not None:
                assert control.singleStep() == spec.step, name
        else:
            assert (control.minimum(), control.maximum()) == spec.bounds(), name


def test_the_seed_control_holds_the_largest_seed(panel: ControlsPanel) -> None:
    # One seed bound everywhere: a QSpinBox stops at 2**31 - 1 and would paint another picture.
    biggest = SPECS["seed"].whole_bounds()[1]
    settings = Settings(seed=biggest)
    panel.set_settings(settings)
    assert panel.settings().seed == biggest
    assert panel.seed.maximum() == biggest


def test_any_valid_value_round_trips_and_exact_numbers_are_kept(panel: ControlsPanel) -> None:
    settings = Settings(
        style_strength=55.5,  # past the slider's end, typed in the number box or from a preset
        brush_scale=0.1,
        learning_rate=0.33333,
        style_layer_weights=(0.333, 1.0, 2.5, 0.0, 1000.0),
        levels=12,
        size=8192,
        steps=100_000,
    )
    panel.set_settings(settings)
    assert panel.settings() == settings
    panel.learning_rate.setValue(0.5)
    assert panel.settings().learning_rate == 0.5


def test_the_seed_box_refuses_what_is_not_a_seed(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = WholeNumberBox(0, 99)
    qtbot.addWidget(box)
    box.setValue(7)
    seen: list[object] = []
    box.valueChanged.connect(seen.append)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "-1x")
    assert box.lineEdit().text() == "1"  # the minus and the letter never get in
    qtbot.keyClicks(box, "00")
    assert box.lineEdit().text() == "10"  # 100 has more digits than 99
    box.stepBy(5)  # steps from what was typed, as a QSpinBox does
    assert box.value() == 15 and seen == [10, 15]
    box.lineEdit().setText("")
    box.editingFinished.emit()
    assert box.lineEdit().text() == "15" and box.value() == 15  # nothing typed: the value stays
    box.setValue(1000)
    assert box.value() == 99
