"""Regions for the instant network: where each style vector paints.

Each painting with a mask paints its region, the paintings without one blend (by their
weights, as vectors) over the rest, and what no mask covers keeps the photo's own vector (its
own look, which is what fade 0 shows). Masks are feathered first, so that neighbouring regions
meet in a short gradient rather than a seam.

Each region's picture is painted whole with its own vector and the pictures are blended by
the weights (one transformer pass per region, a fraction of a second each at 384 px on a CPU).
The other way, a vector per position in the transformer's conditional norms (Dumoulin et al.
2017's spatial blending), was tried and measured worse (benchmarks/README.md, "Regions in the
instant picture"): the norms' statistics are the whole picture's, so a region's activations are
normalised by a mixture of every region's, and its colours drift (a flat yellow or red field
where the painting has texture): on three pairs its halves' style distances to their
paintings were 1.4x to 3.5x the blended pictures', and their content distances larger too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F

from .. import regions
from ..types import Mask

#: Feathering radius as a share of the picture's long side.
FEATHER: Final = 0.01


def feather(mask: Mask, radius: int) -> Mask:
    """``mask`` softened by two box blurs of ``radius`` px (close to a Gaussian), edges clamped."""
    if radius < 1:
        return mask
    t = torch.from_numpy(np.ascontiguousarray(mask))[None, None]
    k = 2 * radius + 1
    for _ in range(2):
        t = F.avg_pool2d(F.pad(t, [radius] * 4, mode="replicate"), k, stride=1)
    out: Mask = t[0, 0].numpy()
    return out


def layout(masks: Sequence[Mask | None], height: int, width: int) -> list[Mask]:
    """Per-position weights of each group of paintings, summing to at most 1 everywhere.

    Groups: one per painting with a mask (in order), then, when any painting has none, the
    paintings without one together. The photo's own vector takes ``1 - sum`` (:func:`own`).
    Overlapping masks share their overlap in proportion.
    """
    placed, rest = regions.style_masks(masks, None, width, height)
    groups = [m for m in placed if m is not None]
    if rest is not None:
        groups.append(rest)
    radius = max(0, round(FEATHER * max(height, width)))
    groups = [feather(g, radius) for g in groups]
    total = np.maximum(1.0, sum(groups, np.zeros((height, width), np.float32)))
    return [(g / total).astype(np.float32) for g in groups]


def own(weights: Sequence[Mask]) -> Mask:
    """What the groups leave to the photo's own vector."""
    used = sum(weights, np.zeros_like(weights[0]))
    out: Mask = np.clip(1.0 - used, 0.0, 1.0).astype(np.float32)
    return out
