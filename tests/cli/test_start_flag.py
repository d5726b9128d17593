"""``stylize --init``: the start the command line asks for wins over the preset's."""

from __future__ import annotations

from pathlib import Path

import pytest

from nst_desktop.cli import build_parser, resolve_settings

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "resources" / "presets" / "quick.json"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))


def settings_for(*flags: str) -> tuple[str, int]:
    args = build_parser().parse_args(
        ["stylize", "photo.jpg", "--style", "painting.jpg", "-o", "out.png", *flags]
    )
    settings = resolve_settings(args)
    return settings.init, settings.steps


def test_without_flags_paint_starts_from_the_photo() -> None:
    assert settings_for() == ("content", 300)


def test_init_content_is_honoured_over_a_preset_that_starts_from_the_instant_picture() -> None:
    assert settings_for("--preset", str(QUICK)) == ("instant", 20)
    assert settings_for("--preset", str(QUICK), "--init", "content") == ("content", 20)
    assert settings_for("--preset", str(QUICK), "--init", "content", "--steps", "300") == ("content", 300)


def test_init_instant_is_honoured() -> None:
    assert settings_for("--init", "instant") == ("instant", 300)
