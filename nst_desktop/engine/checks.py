"""The checks every painter makes on what it is handed, said once.

The optimiser, the instant network, the fast styles and the pipeline take the same pixels and
the same cancel token; one definition keeps their refusals and their stopping identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .errors import Cancelled, SettingsError
from .types import RGB8, CancelToken, StyleImage


def raise_if_cancelled(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` once the token is set (polled between a painter's stages)."""
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def check_paint_inputs(content: RGB8, styles: Sequence[StyleImage]) -> None:
    """A photo as HxWx3 pixels and at least one painting with a usable blend weight."""
    if not isinstance(content, np.ndarray) or content.ndim != 3 or content.shape[2] != 3:
        raise TypeError("content must be an HxWx3 uint8 array")
    if not styles:
        raise SettingsError("Add at least one style image.")
    for style in styles:
        if not isinstance(style.image, np.ndarray) or style.image.ndim != 3 or style.image.shape[2] != 3:
            raise TypeError("style images must be HxWx3 uint8 arrays")
        if not math.isfinite(style.weight) or style.weight < 0:
            raise SettingsError("Each style's blend weight must be zero or more.")
    if sum(s.weight for s in styles) <= 0:
        raise SettingsError("At least one style needs a blend weight above zero.")
