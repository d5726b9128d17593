"""Regions through the pipeline: masks read at the photo's size, protected as inputs, composited."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from nst_desktop.engine.errors import OutputError
from nst_desktop.engine.images import save_image
from nst_desktop.engine.pipeline import ImageInput, Job, run_job
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Result, StyleImage


class FlatPainter:
    """Stands in for the optimiser as the window's tests do: a flat grey picture, recording the
    paintings (with their masks) it was handed."""

    def __init__(self) -> None:
        self.styles: list[StyleImage] = []
        self.content = np.zeros((0, 0, 3), np.uint8)

    def __call__(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **kwargs: Any
    ) -> Result:
        self.styles, self.content = list(styles), content
        flat = np.full(content.shape, 0.5, np.float32)
        return Result(np.full(content.shape, 128, np.uint8), flat, settings, "Flat", 0.1, 1)


@pytest.fixture
def job(tmp_path: Path, photo: np.ndarray, painting: np.ndarray) -> Job:
    photo_path = save_image(tmp_path / "photo.png", photo[:, :48])  # 64 high, 48 wide
    style_path = save_image(tmp_path / "style.png", painting)
    keep = np.zeros((32, 24), np.uint8)  # drawn at half the photo's size
    keep[:16] = 255
    Image.fromarray(keep, mode="L").save(tmp_path / "keep.png")
    Image.fromarray(np.full((32, 24), 255, np.uint8), mode="L").save(tmp_path / "all.png")
    mask = ImageInput("all.png", path=tmp_path / "all.png")
    return Job(
        content=ImageInput("photo.png", path=photo_path),
        styles=(ImageInput("style.png", path=style_path, mask=mask),),
        settings=Settings(size=48, steps=2, seed=1),
        keep=ImageInput("keep.png", path=tmp_path / "keep.png"),
    )


def test_masks_reach_the_painter_at_the_photo_size_and_the_photo_is_kept(job: Job) -> None:
    painter = FlatPainter()
    result = run_job(job, paint=painter)
    (style,) = painter.styles
    assert painter.content.shape == (48, 36, 3)  # the photo at the output size
    assert style.mask is not None and style.mask.shape == (48, 36) and float(style.mask.min()) == 1.0
    top = np.abs(result.image[:22].astype(np.float32) - painter.content[:22]).mean()
    assert top < 1.0  # the kept half is the photo's
    assert np.all(result.image[26:] == 128)  # the rest is the painter's picture


@pytest.mark.parametrize("which", ["keep", "mask"])
def test_an_output_that_is_a_mask_is_refused(job: Job, which: str) -> None:
    source = job.keep if which == "keep" else job.styles[0].mask
    assert source is not None and source.path is not None
    with pytest.raises(OutputError, match="itself"):
        run_job(
            Job(job.content, job.styles, job.settings, output_path=source.path, keep=job.keep),
            paint=FlatPainter(),
        )
