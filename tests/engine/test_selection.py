"""Smart selection: one rough stroke grows to the object's edges (a disc on a texture, a face)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import images, selection
from nst_desktop.engine.errors import ImageError

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def disc_on_texture(height: int = 240, width: int = 320) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red disc on a textured background of greens, blues and greys (8 px blocks of random
    colour plus noise; no block reddish, which would be the disc's own colour touching it):
    the picture, the disc's pixels, and each pixel's distance from its edge."""
    rng = np.random.default_rng(0)
    blocks = rng.integers(60, 180, (height // 8 + 1, width // 8 + 1, 3))
    blocks[..., 0] = rng.integers(40, 110, blocks.shape[:2])
    texture = blocks.repeat(8, 0).repeat(8, 1)[:height, :width] + rng.integers(-15, 15, (height, width, 3))
    yy, xx = np.mgrid[:height, :width]
    radius = np.sqrt((yy - 120.0) ** 2 + (xx - 170.0) ** 2)
    disc = radius <= 70
    picture = np.clip(texture, 0, 255).astype(np.uint8)
    picture[disc] = (205, 55, 45)
    return picture, disc, np.abs(radius - 70)


def test_one_stroke_inside_a_disc_selects_the_disc_within_a_few_pixels() -> None:
    picture, disc, from_edge = disc_on_texture()
    stroke = np.zeros(disc.shape, np.float32)
    stroke[115:125, 140:200] = 1.0  # a rough line across the middle, far from the edge
    mask = selection.grow(picture, stroke)
    assert mask.shape == disc.shape and mask.dtype == np.float32
    chosen = mask > 0.5
    wrong = chosen != disc
    # Along the edge: a one-pixel ring of mixed pixels, and a few corners of texture blocks
    # touching the disc (measured: 423 wrong pixels, 46 of them more than 3 px out, none 7).
    assert wrong.sum() < 0.04 * disc.sum()
    assert (from_edge[wrong] > 3.0).sum() < 0.005 * disc.sum()
    assert from_edge[wrong].max() <= 8.0


def test_a_stroke_on_the_background_does_not_take_the_disc() -> None:
    picture, disc, _ = disc_on_texture()
    stroke = np.zeros(disc.shape, np.float32)
    stroke[10:16, 10:60] = 1.0
    chosen = selection.grow(picture, stroke) > 0.5
    assert (chosen & disc).sum() < 0.02 * disc.sum()


def test_a_stroke_on_the_astronauts_face_takes_the_face_and_hair_not_the_suit() -> None:
    photo = images.load_image(SAMPLES / "content" / "astronaut.jpg", max_side=256)
    h, w = photo.shape[:2]
    stroke = np.zeros((h, w), np.float32)
    for t in np.linspace(0.0, 1.0, 40):  # a short stroke from the cheek to the chin
        x, y = int((0.42 + 0.08 * t) * w), int((0.25 + 0.2 * t) * h)
        stroke[y - 3 : y + 3, x - 3 : x + 3] = 1.0
    mask = selection.grow(photo, stroke)
    assert mask[int(0.3 * h), int(0.46 * w)] > 0.5  # the face
    assert mask[int(0.1 * h), int(0.45 * w)] > 0.5  # the hair above it
    assert mask[int(0.85 * h), int(0.2 * w)] < 0.5  # the suit
    assert mask[int(0.1 * h), int(0.05 * w)] < 0.5  # the flag
    assert 0.03 < float(mask.mean()) < 0.15


def test_an_empty_stroke_is_one_sentence() -> None:
    picture, disc, _ = disc_on_texture(32, 32)
    with pytest.raises(ImageError, match="marks nothing"):
        selection.grow(picture, np.zeros(disc.shape, np.float32))


def test_a_stroke_thinner_than_a_work_pixel_still_selects() -> None:
    picture, disc, _ = disc_on_texture()
    big = np.repeat(np.repeat(picture, 2, 0), 2, 1)  # 640 px wide: one work pixel is 3.3 px
    stroke = np.zeros(big.shape[:2], np.float32)
    stroke[240, 280:400] = 1.0  # one pixel high
    chosen = selection.grow(big, stroke) > 0.5
    inside = np.repeat(np.repeat(disc, 2, 0), 2, 1)
    assert (chosen == inside).mean() > 0.98
