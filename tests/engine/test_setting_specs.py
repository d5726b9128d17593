"""Each setting is described once (its FieldSpec); the checks and the command line follow it."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path

import pytest

from nst_desktop.cli import build_parser, resolve_settings, setting_flags
from nst_desktop.engine.errors import SettingsError
from nst_desktop.engine.presets import PRESET_KIND, Preset, read_preset_file
from nst_desktop.engine.setting_specs import FieldSpec, labelled
from nst_desktop.engine.settings import LOOK_FIELDS, SPECS, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_settings_field_has_a_spec() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    missing = [name for name in names if name not in SPECS]
    assert not missing, f"add a FieldSpec to these Settings fields: {missing}"
    assert list(SPECS) == names


@pytest.mark.parametrize("name", list(SPECS))
def test_each_spec_is_complete_and_admits_its_default(name: str) -> None:
    spec = SPECS[name]
    assert spec.label and spec.label[0].isupper()
    assert spec.help.endswith((".", ")")) and "\n" not in spec.help
    assert spec.kind in ("look", "output", "machine")
    if spec.type in ("number", "whole", "weights", "text"):
        low, high = spec.bounds()
        assert low <= high
    if spec.type == "choice":
        assert spec.choices and all(label for _, label in spec.choices)
        assert len(set(spec.values)) == len(spec.values)
    if spec.slider is not None:
        low, high = spec.bounds()
        assert low <= spec.slider[0] < spec.slider[1] <= high
    default = getattr(Settings(), name)
    # The defaults are valid by construction; the check must agree with the spec's range.
    if spec.type in ("number", "whole") and default is not None:
        low, high = spec.bounds()
        assert low <= default <= high


@pytest.mark.parametrize("name", [n for n, s in SPECS.items() if s.type in ("number", "whole")])
def test_the_check_uses_the_spec_range(name: str) -> None:
    spec = SPECS[name]
    low, high = spec.bounds()
    step = 1 if spec.type == "whole" else 1e-9 * max(1.0, abs(high))
    assert getattr(Settings(**{name: low}), name) == low
    assert getattr(Settings(**{name: high}), name) == high
    for bad in (low - step, high + step):
        with pytest.raises(SettingsError, match=name):
            Settings(**{name: bad})


@pytest.mark.parametrize("name", [n for n, s in SPECS.items() if s.type == "choice"])
def test_the_check_uses_the_spec_choices(name: str) -> None:
    for value in SPECS[name].values:
        assert getattr(Settings(**{name: value}), name) == value
    with pytest.raises(SettingsError, match=name):
        Settings(**{name: "not-a-choice"})


def test_one_seed_bound() -> None:
    low, high = SPECS["seed"].whole_bounds()
    assert (low, high) == (0, 2**63 - 1)
    assert Settings(seed=high).seed == high
    with pytest.raises(SettingsError, match="seed"):
        Settings(seed=high + 1)
    assert Settings.from_json(Settings(seed=high).to_json()).seed == high


def test_labels_must_match_the_literal() -> None:
    from typing import Literal

    assert labelled(Literal["a", "b"], {"b": "B", "a": "A"}) == (("a", "A"), ("b", "B"))
    with pytest.raises(ValueError, match="do not match"):
        labelled(Literal["a", "b"], {"a": "A"})


def test_a_spec_without_a_range_says_so() -> None:
    with pytest.raises(ValueError, match="no range"):
        FieldSpec("Thing", "A thing.", "look", "number").bounds()


# The command line -------------------------------------------------------------------------------


def _stylize_actions() -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    stylize = sub.choices["stylize"]
    return {a.dest: a for a in stylize._actions}


def test_stylize_flags_follow_the_specs() -> None:
    actions = _stylize_actions()
    flagged = setting_flags()
    assert set(flagged) == {name for name, spec in SPECS.items() if spec.flag}
    # The flags scripts already use are all still there, under their old names.
    assert {"size", "steps", "seed", "device", "keep_colors", "style_strength", "keep_content",
            "smoothness", "brush_scale", "optimizer", "init", "pooling", "levels", "weights",
            "strength"} <= set(flagged)  # fmt: skip
    for name in flagged:
        spec = SPECS[name]
        action = actions[name]
        assert action.option_strings == ["--" + name.replace("_", "-")]
        assert action.help is not None and action.help.startswith(spec.help.replace("%", "%%"))
        if spec.type == "choice":
            assert list(action.choices or ()) == list(spec.values)
        elif spec.auto_zero:  # a whole number whose 0 is "auto": the flag takes the word too
            assert action.choices is None and callable(action.type)
            assert action.type("auto") == 0 and action.type("3") == 3
            assert spec.range_text() in action.help
        else:
            assert action.choices is None
            assert action.type is {"whole": int, "number": float}[spec.type]
            assert spec.range_text() in action.help
    # The painter has its own flags (--fast-style, --instant); the layer weights have none.
    assert "method" not in actions and "style_layer_weights" not in actions


def _args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["stylize", "photo.jpg", "--style", "p.jpg", "-o", "o.png", *extra])


def test_flags_reach_the_settings_and_bad_values_are_refused_by_the_spec() -> None:
    args = _args("--seed", str(2**63 - 1), "--content-layer", "relu3_2", "--size", "640")
    settings = resolve_settings(args)
    assert (settings.seed, settings.content_layer, settings.size) == (2**63 - 1, "relu3_2", 640)
    with pytest.raises(SettingsError, match="between 32 and 8192"):
        resolve_settings(_args("--size", "8193"))


def _write_preset(path: Path, settings: Settings) -> Path:
    doc = {"schema_version": 1, "kind": PRESET_KIND, "name": "Big and bold", "settings": settings.to_dict()}
    path.write_text(json.dumps(doc))
    return path


def test_a_presets_size_device_and_seed_are_not_used_on_the_command_line(tmp_path: Path) -> None:
    saved = Settings(style_strength=4.0, steps=80, size=256, seed=7, device="cpu", weights="torchvision")
    preset = _write_preset(tmp_path / "look.json", saved)
    settings = resolve_settings(_args("--preset", str(preset)))
    assert settings.look() == saved.look()
    kept = (settings.size, settings.seed, settings.device, settings.weights)
    assert kept == (512, None, "auto", "original")
    # The flags still win over the preset's look, and an explicit --size is honoured.
    settings = resolve_settings(_args("--preset", str(preset), "--size", "300", "--steps", "5"))
    assert (settings.size, settings.steps, settings.style_strength) == (300, 5, 4.0)


# Presets as looks ---------------------------------------------------------------------------------


def test_applying_a_preset_keeps_output_and_machine_fields() -> None:
    current = Settings(size=1024, seed=5, device="cpu", weights="torchvision", style_strength=2.0)
    preset = Preset("Look", Settings(size=256, seed=None, device="cuda", style_strength=4.0, steps=80))
    applied = preset.apply_to(current)
    assert applied.look() == preset.settings.look()
    for name, spec in SPECS.items():
        if spec.kind != "look":
            assert getattr(applied, name) == getattr(current, name), name
    assert preset.matches(applied) and not preset.matches(current)
    assert preset.matches(applied.replace(size=64, seed=1, device="auto"))


def test_kinds_are_what_the_preset_bar_promises() -> None:
    assert {"size", "seed"} <= {n for n, s in SPECS.items() if s.kind == "output"}
    assert {"device", "weights"} <= {n for n, s in SPECS.items() if s.kind == "machine"}
    assert {"style_strength", "keep_colors", "steps", "init", "levels"} <= set(LOOK_FIELDS)


def test_old_preset_files_with_a_size_still_load(tmp_path: Path) -> None:
    shipped = ROOT / "resources" / "presets" / "fast-draft.json"
    preset = read_preset_file(shipped)
    assert preset.settings.size == 256  # the file is read whole, as before
    applied = preset.apply_to(Settings(size=900))
    assert applied.size == 900 and applied.steps == preset.settings.steps


def test_look_values_compare_exactly() -> None:
    a = Settings(style_layer_weights=(1, 2, 3, 4, 5), learning_rate=0.3333)
    b = a.replace(learning_rate=0.3334)
    assert a.look() != b.look()
    assert math.isclose(a.look()["learning_rate"], 0.3333)
