"""How much of a fast style's pass fits in the memory budget, decided before it runs.

A style file's network may be far wider than the built-ins (the probe's was 128 channels, a
53 MB file that is still valid): applied at 1536 px it took 4.3 GB with nothing to stop it,
because pictures up to ``conv_tiles.WHOLE_PIXELS`` ran whole and larger ones in 768 px tiles
after a statistics pass of that size, whatever the network's width. Here the plan
(:func:`memory.fast_plan`) follows the width and the budget the optimiser already obeys
(``memory_budget_mb``, or the free memory): whole, tiled as large as fits, or refused in one
sentence before anything is allocated.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import conv_tiles, memory
from ..errors import OutOfMemory
from ..text import quote
from ..types import RGB8, RGBF

#: Rows converted to 8 bits at a time: ``np.rint(picture * 255)`` whole would hold three
#: full-size float temporaries (36 bytes a pixel, 2.4 GB at 8192 px).
_ROWS = 256


def plan(
    width: int, size: tuple[int, int], memory_budget_mb: int, device: torch.device, style_name: str
) -> memory.FastPlan:
    """The plan for a Johnson network ``width`` channels wide over ``size`` (width, height) px
    on ``device``; :class:`OutOfMemory` (one sentence) when not even the smallest tiles fit."""
    budget = memory.device_budget(device, memory_budget_mb)
    used = memory.in_use(device)
    chosen = memory.fast_plan(
        width,
        size,
        budget,
        used,
        whole_pixels=conv_tiles.WHOLE_PIXELS,
        max_tile=conv_tiles.TILE,
        margin=conv_tiles.MARGIN,
    )
    if not chosen.fits:
        raise OutOfMemory(
            f"The fast style {quote(style_name)} (a network {width} channels wide) needs about "
            f"{memory.amount(chosen.peak)} of memory at {size[0]}x{size[1]} px, more than the "
            f"{memory.amount(budget)} this run may use; choose a smaller output size or a larger "
            "memory budget."
        )
    return chosen


def to_uint8(picture: RGBF) -> RGB8:
    """``picture`` (0..1) as 8 bits, a band of rows at a time (bounded temporaries)."""
    out: RGB8 = np.empty(picture.shape, np.uint8)
    for top in range(0, picture.shape[0], _ROWS):
        band = picture[top : top + _ROWS] * np.float32(255.0)
        np.rint(band, out=band)
        np.clip(band, 0, 255, out=band)
        out[top : top + _ROWS] = band
    return out
