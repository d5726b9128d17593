"""Batch: several photos painted one after another, each with its own status."""

from __future__ import annotations

from pathlib import Path

from nst_desktop.engine.images import read_metadata

from .conftest import FakeEngine, write_image


def prepare(window, tmp_path: Path, painting: Path, count: int = 3) -> list[Path]:  # type: ignore[no-untyped-def]
    photos = [write_image(tmp_path / f"photo{i}.png", 40 + i * 8, 32, seed=i) for i in range(count)]
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=40, steps=10, seed=1))
    window.inputs.on_photo_files(photos)
    out = tmp_path / "out"
    out.mkdir()
    window.inputs.ask_folder = lambda title: out
    return photos


def test_batch_paints_every_photo_into_the_chosen_folder(
    qtbot, window, tmp_path: Path, painting: Path
) -> None:
    photos = prepare(window, tmp_path, painting)
    window.batch.start_button.click()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    out = tmp_path / "out"
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"{p.stem}-{painting.stem}.png" for p in photos]
    assert all(window.batch.status(i).startswith("Done") for i in range(3))
    meta = read_metadata(out / f"photo1-{painting.stem}.png")
    assert meta is not None and meta["content"] == "photo1.png" and meta["settings"]["size"] == 40
    assert "Batch finished: 3 painted" in window.banner.text()


def test_a_bad_photo_fails_alone_and_the_batch_goes_on(qtbot, window, tmp_path: Path, painting: Path) -> None:
    photos = prepare(window, tmp_path, painting)
    photos[1].write_bytes(b"no longer an image")
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    statuses = [window.batch.status(i) for i in range(3)]
    assert statuses[0].startswith("Done") and statuses[1] == "Failed" and statuses[2].startswith("Done")
    assert "1 failed" in window.banner.text()


def test_stopping_a_batch_leaves_the_rest_waiting(
    qtbot, window, tmp_path: Path, painting: Path, fake_engine: FakeEngine
) -> None:
    prepare(window, tmp_path, painting)
    fake_engine.block = True
    window.batch_tab.start()
    assert fake_engine.started.wait(5)
    with qtbot.waitSignal(window.controller.finished, timeout=2000):
        window.stop()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=2000)
    assert [window.batch.status(i) for i in range(3)] == ["Stopped", "Waiting", "Waiting"]
    assert not any((tmp_path / "out").iterdir()), "a stopped run never writes a file"


def test_batch_needs_a_painting(window, tmp_path: Path) -> None:
    window.inputs.on_photo_files([write_image(tmp_path / "a.png"), write_image(tmp_path / "b.png")])
    window.batch_tab.start()
    assert not window.controller.busy and "painting" in window.banner.text()
