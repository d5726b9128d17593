"""The controls take their ranges, choices, labels and tooltips from the settings' specs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from nst_desktop.engine import Settings
from nst_desktop.engine.errors import SettingsError
from nst_desktop.engine.setting_specs import SPEC_KEY, FieldSpec
from nst_desktop.engine.setting_specs import spec as meta
from nst_desktop.engine.settings import SPECS
from nst_desktop.gui.plain_text import plain_tooltip
from nst_desktop.gui.widgets.controls import NOT_SHOWN, ControlsEdit, ControlsPanel, SliderRow, WholeNumberBox


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


@dataclass(frozen=True)
class Print:
    """A settings type of its own, built from specs as Settings is: the panel knows none of it."""

    grain: float = field(
        default=0.5,
        metadata=meta(
            FieldSpec("Grain", "How grainy the print is.", "look", "number", 0.0, 2.0, slider=(0.0, 2.0))
        ),
    )
    paper: str = field(
        default="cold",
        metadata=meta(
            FieldSpec(
                "Paper", "Which paper it is printed on.", "look", "choice",
                choices=(("cold", "Cold press"), ("hot", "Hot press")),
            )
        ),
    )  # fmt: skip
    copies: int = field(
        default=1, metadata=meta(FieldSpec("Copies", "How many prints.", "output", "whole", 1, 99))
    )
    signature: int | None = field(
        default=None,
        metadata=meta(FieldSpec("Signature", "A number signed on the back.", "output", "whole", 0, 2**40,
                                optional=True, none_label="Unsigned")),
    )  # fmt: skip

    def __post_init__(self) -> None:
        if self.paper == "hot" and self.grain > 1.0:
            raise SettingsError("Hot press paper holds a grain up to 1 only.")


def test_a_new_setting_gets_its_control_from_its_spec_alone(qtbot) -> None:  # type: ignore[no-untyped-def]
    specs = {f.name: f.metadata[SPEC_KEY] for f in fields(Print)}
    panel = ControlsPanel(specs=specs, make=Print)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.advanced_toggle.setChecked(True)
    captions = {label.text(): label for label in panel.findChildren(QLabel)}
    assert {"Grain", "Paper", "Copies", "Signature"} <= set(captions)
    assert captions["Grain"].toolTip() == plain_tooltip("How grainy the print is.")
    assert isinstance(panel.grain, SliderRow) and panel.grain.slider_range() == (0.0, 2.0)
    assert [panel.paper.itemText(i) for i in range(panel.paper.count())] == ["Cold press", "Hot press"]
    assert isinstance(panel.copies, QSpinBox) and (panel.copies.minimum(), panel.copies.maximum()) == (1, 99)
    assert isinstance(panel.signature, WholeNumberBox), "past 32 bits: the big whole-number box"
    assert panel.random_seed is not None and panel.random_seed.text() == "Unsigned"
    assert panel.settings() == Print()

    wanted = Print(grain=0.75, paper="hot", copies=3, signature=2**40 - 1)
    panel.set_settings(wanted)  # type: ignore[arg-type]
    assert panel.settings() == wanted and panel.signature.isEnabled()
    panel.random_seed.setChecked(True)
    assert panel.settings() == replace(wanted, signature=None) and not panel.signature.isEnabled()


def test_changed_carries_the_settings_or_why_they_are_not_valid(panel: ControlsPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    edits: list[ControlsEdit] = []
    panel.changed.connect(edits.append)
    panel.style_strength.set_value(2.5)
    assert edits[-1].error is None and edits[-1].settings == Settings(style_strength=2.5)
    for box in panel.layer_weights:
        box.setValue(0.0)
    last = edits[-1]
    assert last.settings is None and last.error == "At least one style layer weight must be above zero."
    panel.layer_weights[2].setValue(1.0)
    assert edits[-1].error is None and edits[-1].settings is not None
    assert edits[-1].settings.style_layer_weights == (0.0, 0.0, 1.0, 0.0, 0.0)


def test_a_custom_panel_reports_its_own_errors(qtbot) -> None:  # type: ignore[no-untyped-def]
    specs = {f.name: f.metadata[SPEC_KEY] for f in fields(Print)}
    panel = ControlsPanel(specs=specs, make=Print)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    edits: list[ControlsEdit] = []
    panel.changed.connect(edits.append)
    panel.grain.set_value(1.5)
    panel.paper.setCurrentIndex(1)
    assert edits[-1] == ControlsEdit(None, "Hot press paper holds a grain up to 1 only.")
    with pytest.raises(SettingsError):
        panel.settings()
