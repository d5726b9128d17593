"""Fast styles per region (issue 20): several styles on one photo, blended by feathered masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_desktop.engine import regions
from nst_desktop.engine.errors import ImageError, SettingsError
from nst_desktop.engine.fast.apply import apply_fast_style
from nst_desktop.engine.fast.store import FastStyleStore
from nst_desktop.engine.images import save_image
from nst_desktop.engine.pipeline import ImageInput, Job, run_job
from nst_desktop.engine.record import read_record
from nst_desktop.engine.settings import Settings

SETTINGS = Settings(method="fast", fast_style="Autumn", size=64, device="cpu")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))


def halves(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    left = np.zeros((height, width), np.float32)
    left[:, : width // 2] = 1.0
    return left, 1.0 - left


def test_each_half_is_its_own_styles_picture(photo: np.ndarray) -> None:
    """Autumn paints what String's right-hand mask leaves: away from the feathered seam (a pixel
    or two at 64 px) each half is that style's own picture, and the two styles differ there."""
    store = FastStyleStore()
    autumn, string = store.get("Autumn"), store.get("String")
    h, w = photo.shape[:2]
    _, right = halves(w, h)
    both = apply_fast_style(photo, autumn, SETTINGS, region_styles=[(string, right)]).image.astype(np.float32)
    alone_a = apply_fast_style(photo, autumn, SETTINGS).image.astype(np.float32)
    alone_s = apply_fast_style(photo, string, SETTINGS).image.astype(np.float32)
    far_left, far_right = slice(0, w // 2 - 4), slice(w // 2 + 4, w)
    assert np.abs(both[:, far_left] - alone_a[:, far_left]).max() <= 1.0
    assert np.abs(both[:, far_right] - alone_s[:, far_right]).max() <= 1.0
    assert np.abs(alone_a - alone_s)[:, far_right].mean() > 10.0  # the test could tell them apart
    seam = both[:, w // 2 - 2 : w // 2 + 2]
    low = np.minimum(alone_a, alone_s)[:, w // 2 - 2 : w // 2 + 2]
    high = np.maximum(alone_a, alone_s)[:, w // 2 - 2 : w // 2 + 2]
    assert np.all(seam >= low - 1.0) and np.all(seam <= high + 1.0)  # a blend of the two there


def test_one_style_with_a_keep_mask_is_as_before(photo: np.ndarray) -> None:
    """No regions: the style's picture with the photo composited over it by the keep mask."""
    autumn = FastStyleStore().get("Autumn")
    h, w = photo.shape[:2]
    keep, _ = halves(w, h)
    kept = apply_fast_style(photo, autumn, SETTINGS, keep=keep).image_float
    plain = apply_fast_style(photo, autumn, SETTINGS).image_float
    want = regions.keep_photo(plain.copy(), photo.astype(np.float32) / 255.0, keep)
    assert np.abs(kept - want).max() < 1e-6


def _mask(path: Path, mask: np.ndarray) -> ImageInput:
    Image.fromarray(np.rint(mask * 255.0).astype(np.uint8), mode="L").save(path)
    return ImageInput(path.name, path=path)


def test_the_regions_are_recorded_and_read_back(tmp_path: Path, photo: np.ndarray) -> None:
    """Through the pipeline: the extra style and its mask (drawn at half size) are in the saved
    picture's metadata, and the keep mask beside them."""
    photo_path = save_image(tmp_path / "photo.png", photo)
    left, right = halves(32, 32)
    job = Job(
        content=ImageInput("photo.png", path=photo_path),
        styles=(),
        settings=SETTINGS,
        output_path=tmp_path / "out.png",
        fast_regions=(ImageInput("String", mask=_mask(tmp_path / "right.png", right)),),
        keep=_mask(tmp_path / "top.png", np.pad(np.ones((4, 32), np.float32), ((0, 28), (0, 0)))),
    )
    result = run_job(job)
    record = read_record(tmp_path / "out.png")
    assert record.fast_style == "Autumn" and record.keep is not None
    assert [r.name for r in record.fast_regions] == ["String"] == [r.name for r in result.fast_regions]
    (region,) = record.fast_regions
    assert region.mask is not None
    assert np.abs(regions.fit_mask(regions.decode(region.mask), 32, 32) - right).mean() < 0.02
    left_half = np.abs(result.image[8:, :24].astype(np.float32) - photo[8:, :24]).mean()
    assert left_half > 3.0  # painted, not kept


def test_a_region_without_a_mask_or_with_an_empty_one_is_one_sentence(
    tmp_path: Path, photo: np.ndarray
) -> None:
    photo_path = save_image(tmp_path / "photo.png", photo)
    job = Job(ImageInput("photo.png", path=photo_path), (), SETTINGS, fast_regions=(ImageInput("String"),))
    with pytest.raises(SettingsError, match="needs a mask"):
        run_job(job)
    black = _mask(tmp_path / "black.png", np.zeros((32, 32), np.float32))
    with pytest.raises(ImageError, match=r"^The mask for fast style String, black.png, is empty"):
        run_job(Job(job.content, (), SETTINGS, fast_regions=(ImageInput("String", mask=black),)))
