"""Grey stays grey: a grey painting gives a grey picture in every way of painting, tiles and
previews included, while a colourful painting still gives colour (the real engine, tiny sizes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_desktop.engine import Progress, Settings, StyleImage, colour
from nst_desktop.engine.fast.apply import apply_fast_style
from nst_desktop.engine.fast.style_file import FastStyle, read_fast_style
from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
from nst_desktop.engine.instant import stylize_instant
from nst_desktop.engine.run import stylize

#: Chroma (0..255, colour.chroma) the 8-bit rounding of a grey picture could leave at most.
GREY = 1.0
TINY = Settings(size=48, steps=4, levels=1, seed=0, device="cpu")


def _grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L").convert("RGB")).copy()


def _max_chroma(rgb: np.ndarray) -> float:
    return float(colour.chroma(rgb).max())


@pytest.fixture(scope="module")
def grey_photo(photo: np.ndarray) -> np.ndarray:
    return _grey(photo)


@pytest.fixture(scope="module")
def grey_painting(painting: np.ndarray) -> np.ndarray:
    return _grey(painting)


@pytest.fixture(scope="module")
def grey_fast_style(tmp_path_factory: pytest.TempPathFactory, grey_painting: np.ndarray) -> FastStyle:
    """A fast style trained a few steps on the grey painting: its network still tints."""
    folder = tmp_path_factory.mktemp("grey-style")
    photos = folder / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(photos / f"p{i}.png")
    out = folder / "grey.nststyle"
    settings = TrainSettings(size=32, steps=2, batch=2, seed=1, width=8, device="cpu", measure=False)
    train_fast_style([StyleImage(grey_painting, 1.0, "grey")], photos, out, settings, name="Grey")
    return read_fast_style(Path(out))


def test_limit_keeps_luma_and_hue_and_grey_allows_no_chroma() -> None:
    rgb = np.random.default_rng(0).uniform(0, 255, (20, 30, 3)).astype(np.float32)
    luma = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    capped = colour.limit_chroma(rgb, 6.0)
    assert colour.chroma(capped).max() <= 6.0 + 1e-3
    np.testing.assert_allclose(capped @ np.array([0.299, 0.587, 0.114], np.float32), luma, atol=1e-3)
    # The hue stays: the capped pixel's difference from grey points the way the original's did.
    diff, capped_diff = rgb - luma[..., None], capped - luma[..., None]
    cos = (diff * capped_diff).sum(-1) / (
        np.linalg.norm(diff, axis=-1) * np.linalg.norm(capped_diff, axis=-1)
    )
    assert cos.min() > 0.999
    grey = colour.limit_chroma(rgb, colour.chroma_limit(0.0))
    assert np.ptp(grey, axis=-1).max() < 1e-3


def test_the_rule_follows_the_paintings_or_the_photo_per_keep_colours(
    photo: np.ndarray, painting: np.ndarray, grey_photo: np.ndarray, grey_painting: np.ndarray
) -> None:
    assert colour.result_chroma_limit([grey_painting], photo, "none") == pytest.approx(0.0, abs=1e-3)
    assert colour.result_chroma_limit([painting], grey_photo, "none") is None
    assert colour.result_chroma_limit([grey_painting, painting], grey_photo, "none") is None
    # Histogram recolours the paintings to the photo: the photo's colours decide.
    assert colour.result_chroma_limit([grey_painting], photo, "histogram") is None
    assert colour.result_chroma_limit([painting], grey_photo, "histogram") == pytest.approx(0.0, abs=1e-3)
    assert colour.result_chroma_limit([grey_painting], photo, "luminance") is None
    # A fade inside the painter (instant) lets the photo's colours back in proportion.
    assert colour.result_chroma_limit([grey_painting], photo, "none", fade=0.2) is None
    # No jump where paintings stop counting as nearly grey.
    below = colour.chroma_limit(colour.COLOURFUL - 0.01)
    assert below is not None and below > 10 * colour.COLOURFUL


@pytest.mark.parametrize("tile", [None, 40])
def test_optimiser_paints_grey_from_grey_previews_included(
    grey_photo: np.ndarray, grey_painting: np.ndarray, tile: int | None
) -> None:
    previews: list[np.ndarray] = []

    def on_progress(p: Progress) -> None:
        if p.preview is not None:
            previews.append(p.preview)

    settings = TINY.replace(steps=2) if tile else TINY  # a tiled step visits every tile
    result = stylize(
        grey_photo,
        [StyleImage(grey_painting)],
        settings,
        on_progress=on_progress,
        preview_interval=0.0,
        tile=tile,
    )
    assert _max_chroma(result.image) < GREY
    assert previews and max(_max_chroma(p) for p in previews) < GREY


def test_optimiser_paints_a_colour_photo_in_a_grey_paintings_palette(
    photo: np.ndarray, grey_painting: np.ndarray
) -> None:
    result = stylize(photo, [StyleImage(grey_painting)], TINY)
    assert _max_chroma(result.image) < GREY
    # Keep colours still keeps them.
    kept = stylize(photo, [StyleImage(grey_painting)], TINY.replace(keep_colors="luminance"))
    assert colour.chroma(kept.image).mean() > 10


def test_optimiser_keeps_a_colourful_paintings_colour(grey_photo: np.ndarray, painting: np.ndarray) -> None:
    result = stylize(grey_photo, [StyleImage(painting)], TINY)
    assert colour.chroma(result.image).mean() > 3


@pytest.mark.parametrize("tile", [None, 32])
def test_instant_paints_grey_from_grey(
    grey_photo: np.ndarray, grey_painting: np.ndarray, tile: int | None
) -> None:
    settings = TINY.replace(method="instant")
    result = stylize_instant(grey_photo, [StyleImage(grey_painting)], settings, tile=tile)
    assert _max_chroma(result.image) < GREY


def test_instant_grey_painting_on_a_colour_photo_and_a_colourful_painting(
    photo: np.ndarray, grey_photo: np.ndarray, painting: np.ndarray, grey_painting: np.ndarray
) -> None:
    settings = TINY.replace(method="instant")
    assert _max_chroma(stylize_instant(photo, [StyleImage(grey_painting)], settings).image) < GREY
    assert colour.chroma(stylize_instant(grey_photo, [StyleImage(painting)], settings).image).mean() > 10


@pytest.mark.parametrize("tile", [None, 32])
def test_fast_style_of_a_grey_painting_paints_grey(
    photo: np.ndarray, grey_photo: np.ndarray, grey_fast_style: FastStyle, tile: int | None
) -> None:
    settings = TINY.replace(method="fast")
    for source in (grey_photo, photo):
        assert _max_chroma(apply_fast_style(source, grey_fast_style, settings, tile=tile).image) < GREY
    # Fading brings the photo's colours back, as it does for any style.
    faded = apply_fast_style(photo, grey_fast_style, settings.replace(strength=0.5), tile=tile)
    assert colour.chroma(faded.image).mean() > 5
