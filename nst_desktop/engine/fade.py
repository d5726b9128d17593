"""Strength for the optimiser's pictures: the finished picture faded against the photo.

Fast styles fade the same way while they paint (``fast/apply.py``); the instant network mixes
style vectors instead. For the optimiser the fade is applied to the finished picture, so the
window can move it on a picture already painted, without painting again, and a saved
picture's settings (``strength`` included) paint the same picture again from the command line.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from .types import RGB8, RGBF


def photo_at(photo: RGB8, width: int, height: int) -> RGB8:
    """The photo at exactly ``width`` x ``height`` (the same array when it already is)."""
    if (photo.shape[1], photo.shape[0]) == (width, height):
        return photo
    resized = Image.fromarray(np.ascontiguousarray(photo)).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.uint8).copy()


def fade(picture: RGBF, photo: RGB8, strength: float) -> RGBF:
    """``strength`` of the picture over ``1 - strength`` of the photo (floats in 0..1)."""
    strength = min(1.0, max(0.0, float(strength)))
    if strength >= 1.0:
        return picture
    h, w = picture.shape[:2]
    ref: npt.NDArray[np.float32] = photo_at(photo, w, h).astype(np.float32) / 255.0
    out = picture.astype(np.float32) * strength + ref * (1.0 - strength)
    return np.clip(out, 0.0, 1.0)


def to_8bit(picture: RGBF) -> RGB8:
    out: RGB8 = np.clip(np.rint(picture * 255.0), 0, 255).astype(np.uint8)
    return out
