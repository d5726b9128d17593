"""Regions: a mask per painting and a *keep* mask for the photo, read, checked and resized.

A mask is an HxW ``float32`` array in 0..1 (white = the region, grey = a soft edge). Masks
come from any greyscale or colour picture (its luminance is taken), at any size with the
photo's shape; they are resized to the photo on loading and, by the painters, to each size
they compute at. Shrinking averages areas (``adaptive_avg_pool``), so a soft edge stays a
soft edge at a feature layer 16 times smaller instead of being sampled into a hard one.

How the painters use them (Gatys et al. 2017, "Controlling Perceptual Factors in Neural
Style Transfer"): a painting with a mask is matched only by the features under it; the
paintings without one share the rest (``1 - keep - sum of the masks``, clipped); the keep
mask takes precedence over every painting's and keeps the photo (see :func:`style_masks`).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from .errors import ImageError, SettingsError
from .types import RGB8, RGBF, Mask

if TYPE_CHECKING:  # torch loads with the painters, not with the pipeline that checks masks
    import torch

#: How far a mask's shape (width / height) may stray from the photo's, as a ratio, before it is
#: refused: a mask saved at a smaller size rounds its sides (256x171 for 1024x683 is 0.3 % off),
#: a mask drawn for another photo or cropped is several percent off.
ASPECT_TOLERANCE: Final = 0.05
#: A mask whose brightest pixel is below this (in 0..1) is empty: nothing of it would show.
EMPTY_BELOW: Final = 1.0 / 255.0
#: Long side of the copy of a mask a picture's metadata records.
RECORD_SIDE: Final = 256
#: Largest side accepted when reading a recorded mask back (hostile metadata stays cheap).
RECORD_MAX_SIDE: Final = 1024


def to_mask(pixels: npt.NDArray[np.generic]) -> Mask:
    """An HxW or HxWx3 array (0..255) as a mask: its luminance in 0..1."""
    grey = pixels.astype(np.float32)
    if grey.ndim == 3:
        grey = grey[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    mask: Mask = np.clip(grey / 255.0, 0.0, 1.0).astype(np.float32)
    return mask


def check_mask(mask: Mask, width: int, height: int, what: str) -> None:
    """Refuse an empty mask or one shaped for another picture, in one sentence each.

    ``what`` names the mask in the sentence ("The mask sky.png for painting autumn.jpg").
    """
    if float(mask.max(initial=0.0)) < EMPTY_BELOW:
        raise ImageError(f"{what} is empty (all black), so it marks no region; paint the region white.")
    mh, mw = mask.shape[:2]
    ratio = (mw / mh) / (width / height)
    if abs(ratio - 1.0) > ASPECT_TOLERANCE:
        # Shapes, not sizes: the mask may have been read at the working size, so its pixel
        # count would not be the file's.
        raise ImageError(
            f"{what} is {_shape(mw, mh)}, a shape too different from the photo, which is "
            f"{_shape(width, height)}; make the mask from the photo itself."
        )


def _shape(width: int, height: int) -> str:
    """A picture's proportions in words ("square", "1.5 times as wide as tall")."""
    if abs(width / height - 1.0) < 0.01:
        return "square"
    if width > height:
        return f"{width / height:.3g} times as wide as tall"
    return f"{height / width:.3g} times as tall as wide"


def fit_mask(mask: Mask, width: int, height: int) -> Mask:
    """``mask`` at exactly ``width`` x ``height`` (area-averaged when shrinking)."""
    if mask.shape == (height, width):
        return mask
    import torch

    t = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None, None]
    out: Mask = resize(t, height, width)[0, 0].numpy()
    return out


def resize(mask: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """A 1x1xHxW mask at ``height`` x ``width``: area averages when shrinking (soft edges
    survive), bilinear when enlarging (an area "enlargement" would copy pixels into blocks)."""
    import torch.nn.functional as F

    h, w = mask.shape[-2:]
    if (h, w) == (height, width):
        return mask
    if height <= h and width <= w:
        pooled: torch.Tensor = F.adaptive_avg_pool2d(mask, (height, width))
        return pooled
    out: torch.Tensor = F.interpolate(mask, size=(height, width), mode="bilinear", align_corners=False)
    return out.clamp(0.0, 1.0)


def style_masks(
    masks: Sequence[Mask | None], keep: Mask | None, width: int, height: int
) -> tuple[list[Mask | None], Mask | None]:
    """Each painting's effective mask at ``width`` x ``height``, and the rest's.

    A painting's own mask loses what the keep mask covers (the photo wins there); the
    paintings without a mask share the rest, ``1 - keep - sum of the masks``, clipped to 0..1.
    Without any mask at all both are ``None`` (every painting everywhere: the plain blend).
    The rest is ``None`` too when every painting has its own mask.
    """
    if keep is None and all(m is None for m in masks):
        return [None] * len(masks), None
    free = np.ones((height, width), np.float32)
    if keep is not None:
        free = free - fit_mask(keep, width, height)
    out: list[Mask | None] = []
    for mask in masks:
        out.append(None if mask is None else fit_mask(mask, width, height) * free)
    rest = free - sum((m for m in out if m is not None), np.zeros((height, width), np.float32))
    rest_mask: Mask | None = np.clip(rest, 0.0, 1.0).astype(np.float32)
    if all(m is not None for m in masks):
        rest_mask = None
    return out, rest_mask


def keep_photo(picture: RGBF, photo: RGBF, keep: Mask | None) -> RGBF:
    """The photo over the picture with the keep mask as its opacity (same scale, same size):
    where the mask is white the photo's own pixels, along a soft edge a blend, in place."""
    if keep is None:
        return picture
    h, w = picture.shape[:2]
    alpha = fit_mask(keep, w, h)[..., None]
    picture += alpha * (photo - picture)
    return picture


def photo_float(photo: RGB8, width: int, height: int) -> RGBF:
    """The photo as float RGB 0..255 at ``width`` x ``height`` (for :func:`keep_photo`)."""
    if photo.shape[:2] != (height, width):
        img = Image.fromarray(np.ascontiguousarray(photo)).resize((width, height), Image.Resampling.LANCZOS)
        photo = np.asarray(img, dtype=np.uint8)
    out: RGBF = photo.astype(np.float32)
    return out


# -- recorded in a picture's metadata ---------------------------------------------------------


def encode(mask: Mask) -> str:
    """A compact copy of ``mask`` for metadata: an 8-bit greyscale PNG at most
    :data:`RECORD_SIDE` px long, base64 (a few kilobytes: masks are mostly flat)."""
    h, w = mask.shape
    scale = min(1.0, RECORD_SIDE / max(h, w))
    small = fit_mask(mask, max(1, round(w * scale)), max(1, round(h * scale)))
    grey = Image.fromarray(np.clip(np.rint(small * 255.0), 0, 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    grey.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode(text: object) -> Mask:
    """A mask recorded by :func:`encode`; a :class:`SettingsError` sentence for anything else."""
    problem = SettingsError("A region mask recorded in this picture is damaged.")
    if not isinstance(text, str) or len(text) > 4 * RECORD_MAX_SIDE * RECORD_MAX_SIDE:
        raise problem
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
        with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
            if max(img.size) > RECORD_MAX_SIDE:
                raise problem
            grey = np.asarray(img.convert("L"), dtype=np.uint8)
    except SettingsError:
        raise
    except (ValueError, OSError, binascii.Error, SyntaxError, EOFError) as exc:
        raise problem from exc
    return to_mask(grey)
