"""Presets through the UI: the same store and folder as the command line."""

from __future__ import annotations

import json
from pathlib import Path

from nst_desktop.engine import Settings
from nst_desktop.engine.paths import user_presets_dir
from nst_desktop.engine.presets import PresetStore


def answer(bar, text: str | None = None, confirm: bool = True, open_path=None, save_path=None) -> None:  # type: ignore[no-untyped-def]
    bar.ask_text = lambda title, label, default="": text
    bar.confirm = lambda question: confirm
    bar.ask_open_path = lambda: open_path
    bar.ask_save_path = lambda suggested: save_path


def test_builtin_presets_are_listed_and_apply(window) -> None:
    bar = window.preset_bar
    builtins = [p for p in PresetStore().list() if p.builtin]
    assert builtins, "the built-in presets ship with the app"
    assert bar.names()[: len(builtins)] == [p.name for p in builtins]
    target = builtins[-1]
    before = window.controls.settings()
    assert bar.select(target.name)
    # A preset is a look: the output size, seed, device and network stay as they were.
    assert window.controls.settings() == before.with_look(target.settings)
    assert window.controls.settings().look() == target.settings.look()


def test_save_rename_delete_round_trip(window) -> None:
    bar = window.preset_bar
    window.controls.set_settings(Settings(style_strength=4.0, size=300, steps=150, seed=9))
    answer(bar, text="My look")
    bar.save_button.click()
    assert "My look" in bar.names() and bar.current_name() == "My look"
    assert PresetStore().get("My look").settings.style_strength == 4.0
    assert any(p.suffix == ".json" for p in user_presets_dir().iterdir())
    assert not window.banner.is_error

    answer(bar, text="Renamed look")
    bar.rename_current()
    assert "Renamed look" in bar.names() and "My look" not in bar.names()

    answer(bar, confirm=True)
    bar.delete_current()
    assert "Renamed look" not in bar.names()


def test_saving_under_a_taken_name_asks_first(window) -> None:
    bar = window.preset_bar
    answer(bar, text="Twice")
    bar.save_as_new()
    window.controls.set_settings(Settings(style_strength=7.0))
    answer(bar, text="Twice", confirm=False)
    bar.save_as_new()
    assert PresetStore().get("Twice").settings.style_strength == 1.0
    answer(bar, text="Twice", confirm=True)
    bar.save_as_new()
    assert PresetStore().get("Twice").settings.style_strength == 7.0


def test_customising_and_resetting_a_builtin(window) -> None:
    bar = window.preset_bar
    name = next(p.name for p in PresetStore().list() if p.builtin)
    bar.select(name)
    window.controls.set_settings(window.controls.settings().replace(style_strength=9.5))
    bar.update_current()
    assert PresetStore().is_customised(name)
    assert "(customised)" in bar.combo.currentText()
    answer(bar, confirm=True)
    bar.reset_builtins()
    assert not PresetStore().is_customised(name)
    assert "Reset 1 built-in preset" in window.banner.text()


def test_builtin_cannot_be_deleted_and_says_so(window) -> None:
    bar = window.preset_bar
    name = next(p.name for p in PresetStore().list() if p.builtin)
    bar.select(name)
    answer(bar, confirm=True)
    bar.delete_current()
    assert window.banner.is_error and "cannot be deleted" in window.banner.text()
    assert name in bar.names()


def test_export_and_import(window, tmp_path: Path) -> None:
    bar = window.preset_bar
    window.controls.set_settings(Settings(smoothness=3.0))
    answer(bar, text="Shared")
    bar.save_as_new()
    exported = tmp_path / "shared.json"
    answer(bar, save_path=exported)
    bar.export_current()
    assert exported.is_file()
    answer(bar, confirm=True)
    bar.delete_current()
    assert "Shared" not in bar.names()
    answer(bar, open_path=exported)
    bar.import_file()
    assert bar.current_name() == "Shared" and "Shared" in bar.names()


def test_importing_a_broken_file_is_a_plain_message(window, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    before = window.preset_bar.names()
    answer(window.preset_bar, open_path=broken)
    window.preset_bar.import_file()
    assert window.banner.is_error and window.banner.text()
    assert window.preset_bar.names() == before


def test_a_damaged_preset_file_is_reported_not_fatal(make_window) -> None:
    folder = user_presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "damaged.json").write_text(json.dumps({"kind": "nst-desktop-preset", "settings": {"size": -5}}))
    window = make_window()
    assert window.preset_bar.names()  # the others still load
    assert window.banner.is_error
