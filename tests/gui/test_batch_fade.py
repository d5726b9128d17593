"""Issue 18: a batch with Fade set saves the faded picture, the same one its row shows; a
batch's pictures are versions, saved, copied and dragged like any other (flow 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QGuiApplication

from nst_desktop.engine import Result
from nst_desktop.engine.images import load_image, read_metadata

from .conftest import FakeEngine, write_image


class WhitePainter(FakeEngine):
    """Paints pure white, so a fade towards the photo is plain to measure."""

    def stylize(self, content: np.ndarray, styles: Any, settings: Any, **kwargs: Any) -> Result:
        result = super().stylize(content, styles, settings, **kwargs)
        white = np.ones_like(result.image_float)
        return Result(
            image=np.full_like(result.image, 255),
            image_float=white,
            settings=result.settings,
            device=result.device,
            seconds=result.seconds,
            steps=result.steps,
            losses=result.losses,
        )


def test_a_batch_with_fade_saves_the_faded_picture_its_row_shows(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(WhitePainter())
    photo = write_image(tmp_path / "photo.png", 48, 32, seed=4)
    window.inputs.add_style(write_image(tmp_path / "painting.png", 40, 40, seed=2))
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=4, seed=1, strength=0.5))
    window.batch_tab.add_paths([photo])
    out = tmp_path / "out"
    out.mkdir()
    window.inputs.ask_folder = lambda title: out
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=30_000)
    saved = window.batch.result_path(0)
    assert saved is not None and saved.is_file(), window.batch.status(0)
    pixels = load_image(saved).astype(np.float64)
    original = load_image(photo).astype(np.float64)
    expected = 0.5 * 255 + 0.5 * original
    assert pixels.shape == original.shape
    assert np.abs(pixels - expected).mean() < 3.0, "the saved file is not the picture faded halfway"
    # The row's thumbnail and a click on it both read that very file.
    qtbot.waitUntil(lambda: window.batch.has_thumbnail(0), timeout=10_000)
    window.batch_tab.show_result(saved, photo)
    assert window.progress.format() == f"Batch result: {saved.name}"


def test_a_batch_result_is_a_version_that_saves_copies_and_drags_what_its_row_shows(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Flow 9: a batch's pictures are in the history, and a row on show can be saved, copied and
    dragged, as exactly the picture its file holds (faded once, by the one record)."""
    window = make_window(WhitePainter())
    photos = [write_image(tmp_path / f"photo{i}.png", 48, 32, seed=i) for i in range(2)]
    window.inputs.add_style(write_image(tmp_path / "painting.png", 40, 40, seed=2))
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=4, seed=1, strength=0.5))
    window.batch_tab.add_paths(photos)
    out = tmp_path / "out"
    out.mkdir()
    window.inputs.ask_folder = lambda title: out
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=30_000)
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)
    ids = window.history.strip.ids()
    assert len(ids) == 2, "each batch picture is a version in the history"
    saved = window.batch.result_path(0)
    assert saved is not None
    window.history.star(ids[0], True)
    assert window.history.store.get(ids[0]).starred  # type: ignore[union-attr]

    window.batch_tab.show_result(saved, photos[0])
    shown = window.shown
    assert shown is not None and shown.id == ids[0] and window.history.strip.selected_id() == ids[0]
    assert window.progress.format() == f"Batch result: {saved.name}"
    assert window.save_button.isEnabled() and window.copy_button.isEnabled()
    assert window.run_bar.drag_button.isEnabled()
    assert np.array_equal(shown.pixels, load_image(saved)), "what the row's file holds is on show"
    copy = window.output.save_to(tmp_path / "again.png")
    assert copy is not None and np.array_equal(load_image(copy), load_image(saved))
    assert read_metadata(copy) == read_metadata(saved), "the same record, settings and fade"
    payload = window.output.drag_payload()
    assert payload is not None and np.array_equal(load_image(payload[1]), load_image(saved))
    window.output.copy()
    assert QGuiApplication.clipboard().image().size().width() == 48
