"""The instant picture follows the regions: a painting's mask reaches the painter at the preview
size, the kept part is the photo's own pixels, and a changed mask is a new request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.images import save_image
from nst_desktop.gui.instant_preview import InstantPreview
from nst_desktop.gui.side_tasks import TaskRunner
from nst_desktop.gui.worker import ImageInput


def test_the_instant_picture_follows_the_masks_and_keeps_the_photo(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    save_image(tmp_path / "photo.png", photo)
    save_image(tmp_path / "art.png", rng.integers(0, 255, (32, 32, 3), dtype=np.uint8))
    masks: list[list[np.ndarray | None]] = []

    def paint(content: np.ndarray, styles: Sequence[StyleImage], settings: Settings) -> np.ndarray:
        masks.append([s.mask for s in styles])
        return np.full_like(content, 7)

    left = np.zeros((48, 64), np.uint8)
    left[:, :32] = 255  # painted on the left
    keep = np.zeros((48, 64), np.uint8)
    keep[:, 48:] = 255  # the photo kept on the right quarter
    regions = {"masks": (left, keep)}

    def with_regions(styles: Sequence[ImageInput]) -> tuple[tuple[ImageInput, ...], ImageInput | None]:
        paint_mask, keep_mask = regions["masks"]
        out = tuple(
            ImageInput(s.name, s.path, weight=s.weight, mask=ImageInput("m", pixels=paint_mask))
            for s in styles
        )
        return out, ImageInput("keep", pixels=keep_mask)

    runner = TaskRunner()
    preview = InstantPreview(runner, paint, side=64)
    preview.regions = with_regions
    content = ImageInput("photo.png", tmp_path / "photo.png")
    styles = (ImageInput("art.png", tmp_path / "art.png"),)
    settings = Settings(size=64, device="cpu")
    try:
        with qtbot.waitSignal(preview.ready, timeout=20_000) as first:
            assert preview.update(content, styles, settings)
        picture = first.args[0]
        mask = masks[-1][0]
        assert mask is not None and mask.shape == (48, 64)
        assert mask[:, :30].min() > 0.99 and mask[:, 34:].max() < 0.01
        assert np.array_equal(picture[:, 50:], photo[:, 50:])  # kept: the photo's own pixels
        assert (picture[:, :40] == 7).all()  # painted
        assert not preview.update(content, styles, settings), "the same regions are not painted again"
        wider = left.copy()
        wider[:, :48] = 255
        regions["masks"] = (wider, keep)  # a stroke: a new array
        with qtbot.waitSignal(preview.ready, timeout=20_000):
            assert preview.update(content, styles, settings)
        later = masks[-1][0]
        assert later is not None and later[:, 40].min() > 0.99
    finally:
        runner.shutdown(5000)
