"""A preset is a look: choosing one keeps the output size, seed, device and network, and the bar
says "(modified)" while the controls differ from the chosen preset's look."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nst_desktop.engine import Settings
from nst_desktop.engine.presets import PRESET_KIND, PresetStore
from nst_desktop.gui.widgets.controls import ControlsPanel
from nst_desktop.gui.widgets.preset_bar import MODIFIED, PresetBar


@pytest.fixture
def wired(qtbot, tmp_path: Path) -> tuple[ControlsPanel, PresetBar]:  # type: ignore[no-untyped-def]
    """The controls and the preset bar connected as the window connects them."""
    panel = ControlsPanel()
    bar = PresetBar(panel.settings, PresetStore(tmp_path / "presets"))
    qtbot.addWidget(panel)
    qtbot.addWidget(bar)
    bar.preset_applied.connect(lambda settings, name: panel.set_settings(settings))
    panel.changed.connect(bar.update_modified)
    return panel, bar


def marked(bar: PresetBar) -> list[str]:
    return [bar.combo.itemText(i) for i in range(bar.combo.count()) if MODIFIED in bar.combo.itemText(i)]


def test_choosing_a_preset_keeps_the_output_size_seed_device_and_network(
    wired: tuple[ControlsPanel, PresetBar],
) -> None:
    panel, bar = wired
    mine = Settings(size=900, seed=5, device="cpu", weights="torchvision", style_strength=7.0)
    panel.set_settings(mine)
    draft = bar.store.get("Fast draft").settings
    assert draft.size == 256  # the shipped file still says 256 ...
    assert bar.select("Fast draft")
    shown = panel.settings()
    # ... but a look does not shrink the picture or move the run to another device.
    assert (shown.size, shown.seed, shown.device, shown.weights) == (900, 5, "cpu", "torchvision")
    assert (shown.steps, shown.levels, shown.style_strength) == (draft.steps, draft.levels, 1.0)
    assert panel.size.value() == 900
    assert not bar.is_modified() and not marked(bar)


def test_an_old_user_preset_with_a_size_loads_and_its_size_is_ignored(
    wired: tuple[ControlsPanel, PresetBar], tmp_path: Path
) -> None:
    panel, bar = wired
    folder = tmp_path / "presets"
    folder.mkdir()
    old = {"schema_version": 1, "size": 2048, "style_strength": 3.0, "device": "cuda", "seed": 99}
    doc = {"schema_version": 1, "kind": PRESET_KIND, "name": "Old look", "settings": old}
    (folder / "old-look.json").write_text(json.dumps(doc))
    bar.refresh()
    panel.set_settings(Settings(size=640))
    assert bar.select("Old look")
    shown = panel.settings()
    assert shown.style_strength == 3.0
    assert (shown.size, shown.device, shown.seed) == (640, "auto", None)


def test_modified_appears_with_a_look_change_and_clears_when_it_matches_again(
    wired: tuple[ControlsPanel, PresetBar],
) -> None:
    panel, bar = wired
    assert bar.select("Bold")
    bold = bar.store.get("Bold").settings
    assert MODIFIED not in bar.combo.currentText()

    panel.style_strength.set_value(2.0)  # an edit, as the artist makes it
    assert bar.is_modified()
    assert bar.combo.currentText().startswith("Bold") and bar.combo.currentText().endswith(MODIFIED)
    assert marked(bar) == [bar.combo.currentText()]

    panel.style_strength.set_value(bold.style_strength)
    assert not bar.is_modified() and MODIFIED not in bar.combo.currentText()

    # Output and machine fields are not part of the look.
    panel.size.setValue(1500)
    panel.random_seed.setChecked(False)
    panel.seed.setValue(123)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    assert not bar.is_modified()

    # A look change in the advanced section counts too, and the quality slider (steps).
    panel.quality.setValue(0)
    assert bar.is_modified()


def test_choosing_another_preset_moves_the_mark(wired: tuple[ControlsPanel, PresetBar]) -> None:
    panel, bar = wired
    bar.select("Bold")
    panel.smoothness.set_value(6.0)
    assert len(marked(bar)) == 1
    bar.select("Subtle")
    assert not marked(bar) and not bar.is_modified()
    assert bar.combo.itemText(bar.combo.findData("Bold")).startswith("Bold") and not marked(bar)


def test_saving_or_updating_clears_the_mark(
    wired: tuple[ControlsPanel, PresetBar], monkeypatch: pytest.MonkeyPatch
) -> None:
    panel, bar = wired
    bar.select("Bold")
    panel.keep_content.set_value(3.0)
    assert bar.is_modified()
    monkeypatch.setattr(bar, "ask_text", lambda *args, **kwargs: "My bold")
    bar.save_as_new()
    assert bar.current_name() == "My bold" and not bar.is_modified()
    panel.keep_content.set_value(4.0)
    assert bar.is_modified()
    bar.update_current()
    assert not bar.is_modified()
    assert bar.store.get("My bold").settings.keep_content == 4.0


def test_no_preset_chosen_is_never_modified(wired: tuple[ControlsPanel, PresetBar]) -> None:
    panel, bar = wired
    assert bar.current_name() is None
    panel.style_strength.set_value(9.0)
    assert not bar.is_modified() and not marked(bar)


def test_invalid_controls_count_as_modified_and_a_preset_still_applies(
    wired: tuple[ControlsPanel, PresetBar],
) -> None:
    panel, bar = wired
    bar.select("Bold")
    for box in panel.layer_weights:  # all zero: no valid settings
        box.setValue(0.0)
    assert bar.is_modified()
    assert bar.select("Balanced")
    assert panel.settings().look() == bar.store.get("Balanced").settings.look()
    assert not bar.is_modified()
