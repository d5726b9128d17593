"""Regions in the optimiser, on the real VGG19 at tiny sizes: a painting per half, a kept part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nst_desktop.engine import regions, run
from nst_desktop.engine.errors import ImageError, SettingsError
from nst_desktop.engine.features import deepest
from nst_desktop.engine.losses import Weights, gram, guided_gram, relative_error, total_loss
from nst_desktop.engine.settings import STYLE_LAYERS, Settings
from nst_desktop.engine.tiles import TiledLevel
from nst_desktop.engine.types import Result, StyleImage
from nst_desktop.engine.weights import CAFFE_MEAN_BGR

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"

#: One level, so the test sees the guided Grams at work, not the upsampling between levels.
SMALL = Settings(size=64, steps=24, seed=0, levels=1, device="cpu")


def halves(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    left = np.zeros((height, width), np.float32)
    left[:, : width // 2] = 1.0
    return left, 1.0 - left


def vgg_grams(rgb: np.ndarray) -> dict[str, torch.Tensor]:
    model = run.get_model(torch.device("cpu"), "max", deepest(STYLE_LAYERS))
    mean = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)).permute(2, 0, 1)[None] - mean
    with torch.no_grad():
        feats = model(t, list(STYLE_LAYERS))
    return {k: gram(v) for k, v in feats.items()}


def distance(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    return sum(float(relative_error(a[k], b[k], b[k].pow(2).sum())) for k in STYLE_LAYERS) / len(STYLE_LAYERS)


def closer(image: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[bool, bool]:
    """Whether the left half of ``image`` is closer (Gram distance) to ``first`` than to
    ``second``, and whether its right half is closer to ``second`` than to ``first``."""
    w = image.shape[1]
    g1, g2 = vgg_grams(first.astype(np.float32)), vgg_grams(second.astype(np.float32))
    lg = vgg_grams(image[:, : w // 2].astype(np.float32))
    rg = vgg_grams(image[:, w // 2 :].astype(np.float32))
    return distance(lg, g1) < distance(lg, g2), distance(rg, g2) < distance(rg, g1)


@pytest.fixture(scope="module")
def left_right(photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray) -> Result:
    """The photo with autumn.jpg on its left half and string.jpg on its right."""
    h, w = photo.shape[:2]
    left, right = halves(h, w)
    styles = [StyleImage(painting, 1.0, "autumn", left), StyleImage(painting2, 1.0, "string", right)]
    return run.stylize(photo, styles, SMALL)


def test_each_half_is_closer_to_its_own_painting(
    photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray, left_right: Result
) -> None:
    h, w = photo.shape[:2]
    left, right = halves(h, w)
    assert closer(left_right.image, painting, painting2) == (True, True)
    # The masks, not the photo's halves, decide: swapped masks swap the paintings' sides.
    swapped = [StyleImage(painting, 1.0, "autumn", right), StyleImage(painting2, 1.0, "string", left)]
    assert closer(run.stylize(photo, swapped, SMALL).image, painting, painting2) == (False, False)


def test_keep_mask_keeps_the_photo_and_paints_the_rest(photo: np.ndarray, painting: np.ndarray) -> None:
    h, w = photo.shape[:2]
    keep = np.zeros((h, w), np.float32)
    keep[: h // 2] = 1.0  # the top half is kept
    result = run.stylize(photo, [StyleImage(painting)], SMALL, keep=keep)
    diff = np.abs(result.image.astype(np.float32) - photo.astype(np.float32)).mean(axis=2)
    assert diff[: h // 2].mean() < 1.0  # the photo's pixels, to rounding
    assert diff[h // 2 + 4 :].mean() > 15.0  # painted


def test_keep_mask_across_levels_with_keep_colours_and_bfloat16(
    photo: np.ndarray, painting: np.ndarray
) -> None:
    """Coarse-to-fine takes the masks to each level, keep colours (the optimiser paints the luma,
    the photo's chroma goes back) and a reduced precision change nothing of what is kept."""
    h, w = photo.shape[:2]
    keep = np.zeros((h, w), np.float32)
    keep[:, : w // 3] = 1.0
    settings = SMALL.replace(levels=2, steps=20, keep_colors="luminance", precision="bfloat16")
    result = run.stylize(photo, [StyleImage(painting)], settings, keep=keep)
    diff = np.abs(result.image.astype(np.float32) - photo.astype(np.float32)).mean(axis=2)
    assert diff[:, : w // 3].mean() < 1.0 and diff[:, w // 3 + 4 :].mean() > 8.0


def test_unmasked_paintings_share_what_the_masks_leave() -> None:
    left, right = halves(8, 8)
    keep = np.zeros((8, 8), np.float32)
    keep[:2] = 1.0
    placed, rest = regions.style_masks([left, None], keep, 8, 8)
    assert placed[1] is None and rest is not None and placed[0] is not None
    assert np.allclose(rest, right * (1.0 - keep))
    assert np.allclose(placed[0], left * (1.0 - keep))
    assert regions.style_masks([None, None], None, 8, 8) == ([None, None], None)


def test_a_guided_gram_under_a_full_mask_is_the_plain_gram() -> None:
    feats = torch.rand(1, 4, 6, 5)
    ones = torch.ones(1, 1, 6, 5)
    assert torch.allclose(guided_gram(feats, ones, ones.sum()), gram(feats), atol=1e-6)
    half = torch.zeros(1, 1, 6, 5)
    half[..., :3, :] = 1.0
    assert torch.allclose(guided_gram(feats, half, half.sum()), gram(feats[..., :3, :]), atol=1e-6)


def test_soft_edges_survive_the_layers_sizes() -> None:
    ramp = torch.linspace(0.0, 1.0, 64).repeat(64, 1)[None, None]
    small = regions.resize(ramp, 8, 8)[0, 0]
    assert 0.02 < float(small[0, 0]) < 0.1 and 0.9 < float(small[0, -1]) < 0.98
    assert torch.all(small[0, 1:] > small[0, :-1])  # still a ramp, not a step


def test_tiled_statistics_equal_whole_ones_with_masks(painting: np.ndarray, painting2: np.ndarray) -> None:
    """The loss a tiled level minimises is the whole level's, masks and keep included: measured
    in 48 px cells through context windows cut from the masks, it equals the whole picture's
    (the windows here start inside the picture, so the masks really are cut)."""
    photo = np.array(Image.open(SAMPLES / "content" / "chelsea.jpg").convert("RGB").resize((224, 144)))
    left, right = halves(144, 224)
    yy, xx = np.mgrid[0:144, 0:224]
    keep = np.clip((70.0 - np.hypot(yy - 72, xx - 112)) / 20.0, 0.0, 1.0).astype(np.float32)  # soft disc
    styles = [
        StyleImage(painting, 1.0, "a", left),
        StyleImage(painting2, 2.0, "b", (right * 0.7).astype(np.float32)),
    ]
    settings = SMALL.replace(size=224)
    device = torch.device("cpu")
    painter = run._Painter(photo, styles, settings, device, None, None, 0.5, keep)
    level = painter.levels[-1]
    model = run.get_model(device, "max", deepest([*STYLE_LAYERS, settings.content_layer]))
    targets, content_t = painter.targets(model, level)
    assert len(targets.regions) == 2 and targets.keep is not None
    canvas = content_t + 40.0 * torch.randn(content_t.shape, generator=torch.Generator().manual_seed(0))
    weights = Weights.from_artist(1.0, 1.0, 1.0)
    with torch.no_grad():
        _, terms = total_loss(canvas, model(canvas, sorted(targets.layers)), targets, weights)
    worker = TiledLevel(
        model,
        targets,
        weights,
        content_t,
        48,
        optimizer="lbfgs",
        learning_rate=1.0,
        bounds=(-painter.mean, 255.0 - painter.mean),
        poll=lambda: None,
    )
    worker.measure(canvas, with_content=True)
    for term in ("style", "content", "tv"):
        assert worker.terms[term] == pytest.approx(float(terms[term]), rel=2e-3), term


def test_tiled_run_with_masks_paints_the_same_picture(
    photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray, left_right: Result
) -> None:
    """Tiled and whole runs take different paths to the same loss (see test_tiles.py for the
    tolerance's reasoning): the pictures are as close as unmasked ones are held to, and each
    half of the tiled picture is still closer to its own painting."""
    h, w = photo.shape[:2]
    left, right = halves(h, w)
    styles = [StyleImage(painting, 1.0, "autumn", left), StyleImage(painting2, 1.0, "string", right)]
    tiled = run.stylize(photo, styles, SMALL, tile=48)
    start = photo.astype(np.float64)
    moved = np.abs(left_right.image.astype(np.float64) - start).mean()
    apart = np.abs(tiled.image.astype(np.float64) - left_right.image.astype(np.float64)).mean()
    assert moved > 10.0 and apart < 0.8 * moved
    assert closer(tiled.image, painting, painting2) == (True, True)


@pytest.mark.parametrize(
    ("mask", "words"),
    [
        (np.zeros((64, 64), np.float32), "is empty"),
        (np.ones((20, 64), np.float32), "shape too different"),
    ],
)
def test_a_mask_that_does_not_fit_is_one_sentence(mask: np.ndarray, words: str) -> None:
    with pytest.raises(ImageError) as caught:
        regions.check_mask(mask, 64, 60, "The mask m.png for autumn.jpg")
    text = str(caught.value)
    assert words in text and text.count(". ") == 0 and text.endswith(".") and "\n" not in text


def test_a_mask_saved_smaller_is_accepted() -> None:
    regions.check_mask(np.ones((171, 256), np.float32), 1024, 683, "The keep mask")


def test_encoded_masks_come_back_within_a_level() -> None:
    yy, xx = np.mgrid[0:300, 0:200]
    mask = np.clip((xx - 60) / 80.0, 0.0, 1.0).astype(np.float32) * (yy < 250)
    text = regions.encode(mask)
    back = regions.decode(text)
    assert max(back.shape) <= regions.RECORD_SIDE and len(text) < 8000
    assert np.abs(regions.fit_mask(back, 200, 300) - mask).mean() < 0.01
    for bad in ("not base64!", "aGVsbG8=", 42):
        with pytest.raises(SettingsError):
            regions.decode(bad)


def test_instant_picture_paints_each_half_after_its_painting(
    photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray
) -> None:
    from nst_desktop.engine.instant import stylize_instant

    h, w = photo.shape[:2]
    left, right = halves(h, w)
    keep = np.zeros((h, w), np.float32)
    keep[:8] = 1.0
    styles = [StyleImage(painting, 1.0, "autumn", left), StyleImage(painting2, 1.0, "string", right)]
    picture = stylize_instant(photo, styles, Settings(device="cpu"), keep=keep).image
    assert closer(picture[8:], painting, painting2) == (True, True)
    swapped = [StyleImage(painting, 1.0, "autumn", right), StyleImage(painting2, 1.0, "string", left)]
    assert closer(stylize_instant(photo, swapped, Settings(device="cpu")).image, painting, painting2) == (
        False,
        False,
    )
    assert np.abs(picture[:8].astype(np.float32) - photo[:8]).mean() < 1.0


def test_damaged_region_records_are_one_sentence() -> None:
    from nst_desktop.engine.metadata import regions_from_metadata

    assert regions_from_metadata({"styles": "not a list"}) == ([], None)
    assert regions_from_metadata({"styles": [{"name": "a"}, 3]}) == ([None, None], None)
    for meta in ({"styles": [{"mask": "@@@"}]}, {"keep": ["a list"]}, {"keep": "x" * 10}):
        with pytest.raises(SettingsError, match="damaged"):
            regions_from_metadata(meta)
