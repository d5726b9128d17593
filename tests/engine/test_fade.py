"""Fade: the optimiser's picture against the photo, the same in the pipeline and the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nst_desktop.engine import Result, Settings
from nst_desktop.engine.fade import fade, photo_at, to_8bit
from nst_desktop.engine.images import save_image
from nst_desktop.engine.pipeline import ImageInput, Job, run_job


def test_fade_mixes_picture_and_photo() -> None:
    picture = np.ones((4, 6, 3), np.float32)
    photo = np.zeros((4, 6, 3), np.uint8)
    assert fade(picture, photo, 1.0) is picture
    assert np.allclose(fade(picture, photo, 0.25), 0.25)
    assert np.allclose(fade(picture, photo, 0.0), 0.0)
    assert photo_at(np.zeros((8, 12, 3), np.uint8), 6, 4).shape == (4, 6, 3)


def test_the_pipeline_fades_an_optimiser_picture(tmp_path: Path) -> None:
    photo = np.full((32, 32, 3), 200, np.uint8)
    save_image(tmp_path / "photo.png", photo)
    save_image(tmp_path / "style.png", np.zeros((32, 32, 3), np.uint8))

    def paint(content, styles, settings, **kwargs):  # type: ignore[no-untyped-def]
        black = np.zeros((32, 32, 3), np.float32)
        return Result(to_8bit(black), black, settings, "test", 0.0, settings.steps)

    job = Job(
        content=ImageInput("photo.png", tmp_path / "photo.png"),
        styles=(ImageInput("style.png", tmp_path / "style.png"),),
        settings=Settings(size=32, steps=1, strength=0.5),
    )
    result = run_job(job, paint=paint)
    assert np.allclose(result.image_float, 0.5 * 200 / 255, atol=1e-6)
    assert result.image[0, 0, 0] == 100
