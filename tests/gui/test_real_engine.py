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
    window.inputs.set_photo(photo)
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=6, seed=5))
    previews: list[object] = []
    window.controller.progress.connect(
        lambda p: previews.append(p.preview) if p.preview is not None else None
    )
    with qtbot.waitSignal(window.controller.finished, timeout=120_000):
        window.stylize()
    assert window.shown is not None, window.banner.text()
    assert max(window.shown.size) == 48
    assert previews, "previews arrive while painting"
    assert window.device_text
    saved = window.output.save_to(tmp_path / "real.tif")
    assert saved is not None and read_metadata(saved)["settings"]["seed"] == 5


def test_smoke_test_command(
    qtbot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nst_desktop.gui import app

    monkeypatch.setattr(app, "SMOKE_STEPS", 4)
    monkeypatch.setattr(sys, "argv", ["nst-desktop"])
    assert app.main(["--smoke-test"]) == 0
    assert "smoke test passed" in capsys.readouterr().out


def test_real_engine_stops_within_a_second(qtbot, make_window, photo: Path, painting: Path) -> None:
    import time

    from nst_desktop.gui.worker import RealEngine

    window = make_window(RealEngine())
    window.inputs.set_photo(photo)
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=96, steps=500, seed=1))
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step))
    window.stylize()
    qtbot.waitUntil(lambda: bool(steps) and steps[-1] >= 2, timeout=120_000)
    started = time.perf_counter()
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop_button.click()
    assert time.perf_counter() - started < 1.5
    assert (window.shown is None or not window.shown.complete) and not window.controller.busy


def test_real_instant_job_through_the_controller(qtbot, photo: Path, painting: Path, tmp_path: Path) -> None:
    """The one-pass methods share the controller and the pipeline with the optimiser."""
    from nst_desktop.engine import Result, Settings
    from nst_desktop.gui.controller import JobController
    from nst_desktop.gui.worker import ImageInput, Job, RealEngine, stylize_call

    controller = JobController()
    results: list[object] = []
    controller.succeeded.connect(results.append)
    controller.failed.connect(results.append)
    output = tmp_path / "instant.png"
    job = Job(
        ImageInput("photo.png", path=photo),
        (ImageInput("painting.jpg", path=painting),),
        Settings(method="instant", size=40),
        output_path=output,
    )
    with qtbot.waitSignal(controller.finished, timeout=120_000):
        assert controller.start(stylize_call(RealEngine(), job))
    assert len(results) == 1 and isinstance(results[0], Result), results
    assert max(results[0].size) == 40
    meta = read_metadata(output)
    assert meta is not None and meta["settings"]["method"] == "instant"
