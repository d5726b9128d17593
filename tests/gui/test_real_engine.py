"""The real worker with the real engine at a tiny size, and the installers' smoke test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nst_desktop.engine.images import read_metadata

pytest.importorskip("torch")


def test_real_engine_paints_through_the_worker(
    qtbot, make_window, photo: Path, painting: Path, tmp_path
) -> None:
    from nst_desktop.gui.worker import RealEngine

    window = make_window(RealEngine())
    window.set_photo(photo)
    window.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=6, seed=5))
    previews: list[object] = []
    window.controller.progress.connect(
        lambda p: previews.append(p.preview) if p.preview is not None else None
    )
    with qtbot.waitSignal(window.controller.finished, timeout=120_000):
        window.stylize()
    assert window.result is not None, window.banner.text()
    assert max(window.result.size) == 48
    assert previews, "previews arrive while painting"
    assert window.device_text
    saved = window.save_to(tmp_path / "real.tif")
    assert saved is not None and read_metadata(saved)["settings"]["seed"] == 5


def test_smoke_test_command(
    qtbot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nst_desktop.gui import app

    monkeypatch.setattr(app, "SMOKE_STEPS", 4)
    monkeypatch.setattr(sys, "argv", ["nst-desktop"])
    assert app.main(["--smoke-test"]) == 0
    assert "smoke test passed" in capsys.readouterr().out
