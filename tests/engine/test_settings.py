from __future__ import annotations

import json

import pytest

from nst_desktop.engine import settings as settings_module
from nst_desktop.engine.errors import SettingsError
from nst_desktop.engine.settings import SCHEMA_VERSION, Settings


def test_json_round_trip_keeps_every_field() -> None:
    original = Settings(
        style_strength=3.5, keep_colors="histogram", size=777, seed=42, style_layer_weights=(1, 2, 3, 4, 5)
    )
    restored = Settings.from_json(original.to_json())
    assert restored == original
    assert json.loads(original.to_json())["schema_version"] == SCHEMA_VERSION


def test_settings_are_immutable_and_replace_validates() -> None:
    s = Settings()
    with pytest.raises(AttributeError):
        s.size = 10  # type: ignore[misc]
    assert s.replace(size=256).size == 256
    with pytest.raises(SettingsError, match="size"):
        s.replace(size=5)
    with pytest.raises(SettingsError, match="Unknown setting"):
        s.replace(colour="red")


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"style_strength": -1}, "style_strength"),
        ({"style_strength": float("nan")}, "style_strength"),
        ({"size": 100_000}, "size"),
        ({"steps": 0}, "steps"),
        ({"keep_colors": "sepia"}, "keep_colors"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"device": "tpu"}, "device"),
        ({"content_layer": "relu9_9"}, "content_layer"),
        ({"style_layer_weights": (1, 1)}, "style layer weights"),
        ({"style_layer_weights": (0, 0, 0, 0, 0)}, "above zero"),
        ({"size": "big"}, "size"),
        ({"seed": -3}, "seed"),
        ({"brush_scale": True}, "brush_scale"),
    ],
)
def test_invalid_values_give_one_plain_sentence(changes: dict[str, object], word: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings(**changes)  # type: ignore[arg-type]
    message = str(info.value)
    assert word in message
    assert "\n" not in message and message.endswith(".")


def test_json_numbers_are_coerced() -> None:
    s = Settings.from_dict({"schema_version": 1, "size": 512.0, "style_layer_weights": [1, 1, 1, 1, 1]})
    assert isinstance(s.size, int) and s.style_layer_weights == (1.0,) * 5


def test_newer_schema_is_refused_plainly() -> None:
    with pytest.raises(SettingsError, match="newer version"):
        Settings.from_dict({"schema_version": SCHEMA_VERSION + 1})


def test_unknown_keys_are_ignored_and_missing_ones_default() -> None:
    s = Settings.from_dict({"schema_version": 1, "size": 300, "future_knob": 3})
    assert s == Settings(size=300)


def test_migrations_run_for_older_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the current schema is 2 and schema 1 called the size "long_side".
    monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 2)

    def one_to_two(body: dict[str, object]) -> dict[str, object]:
        body = dict(body)
        body["size"] = body.pop("long_side")
        return body

    monkeypatch.setitem(settings_module.MIGRATIONS, 1, one_to_two)
    assert Settings.from_dict({"schema_version": 1, "long_side": 640}).size == 640


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"schema_version": "one"}', '{"size": [1]}'])
def test_malformed_documents(text: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_json(text)
