"""Choosing torchvision's weights in the app: nothing is downloaded unless the artist agrees.

The download itself (loopback server, hash check, cancel) is tested against the real code in
tests/engine/test_weight_download.py; here the app's side of it is checked with a recorder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nst_desktop.engine import weights

from .conftest import FakeEngine


@pytest.fixture
def torchvision_selected(ready_window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    window = ready_window
    window.controls.set_settings(window.controls.settings().replace(weights="torchvision"))
    assert not weights.is_cached("torchvision")
    return window


def test_declining_the_download_starts_nothing(
    torchvision_selected, fake_engine: FakeEngine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    window = torchvision_selected
    asked: list[str] = []
    monkeypatch.setattr(window, "ask_yes_no", lambda text: asked.append(text) or False)
    window.stylize_button.click()
    assert asked and "548 MB" in asked[0]
    assert not window.controller.busy and fake_engine.calls == []


def test_agreeing_downloads_on_the_worker_then_paints(
    qtbot, torchvision_selected, fake_engine: FakeEngine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    window = torchvision_selected
    monkeypatch.setattr(window, "ask_yes_no", lambda text: True)
    downloads: list[str] = []
    statuses: list[str] = []
    window.controller.status.connect(statuses.append)

    def fake_download(name, *, on_progress=None, cancel=None):  # type: ignore[no-untyped-def]
        downloads.append(name)
        if on_progress is not None:
            on_progress(0, 1000)
            on_progress(1000, 1000)
        return Path("unused")

    monkeypatch.setattr(weights, "download_weight_set", fake_download)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize_button.click()
    assert downloads == ["torchvision"]
    assert any(s.startswith("Downloading the torchvision VGG19 weights") for s in statuses)
    assert fake_engine.calls and fake_engine.calls[-1].weights == "torchvision"
