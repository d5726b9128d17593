"""The small value objects that cross the engine's boundary.

They hold NumPy arrays, never tensors, so the GUI and the CLI need no torch to handle them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

RGB8 = npt.NDArray[np.uint8]
"""An image as an HxWx3 ``uint8`` array in sRGB."""
RGB16 = npt.NDArray[np.uint16]
"""An image as an HxWx3 ``uint16`` array in sRGB (a history version's lossless picture)."""
RGBF = npt.NDArray[np.float32]
"""An image as an HxWx3 ``float32`` array in sRGB, 0..1."""
Mask = npt.NDArray[np.float32]
"""A region as an HxW ``float32`` array, 0..1 (1 = inside, between = a soft edge); see regions.py."""

#: "measuring": a finished fast style is scored against the instant picture and the optimiser.
Stage = Literal["loading", "preparing", "painting", "training", "measuring"]


class CancelToken(Protocol):
    """Anything with ``is_set()``; a ``threading.Event`` fits."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class StyleImage:
    """One painting to learn from, with its share in the blend.

    ``mask``, at the photo's size, limits the painting to a region of the picture (see
    engine/regions.py); paintings without one share what the others' masks leave.
    """

    image: RGB8
    weight: float = 1.0
    name: str = ""
    mask: Mask | None = None


@dataclass(frozen=True)
class Progress:
    """One report from a running job.

    ``step`` counts finished optimisation steps over all levels (0 while loading/preparing);
    ``eta`` is the estimated seconds left, ``None`` until there is enough to estimate from.
    ``preview``, when present, is the current picture at the current level's size.
    A level too large for the memory budget runs in tiles: ``tile`` is then the tile visit
    in progress (1-based) of the level's ``tiles`` visits (every tile once per sweep), its
    ``step`` advances a sweep at a time, and ``level_eta`` is the seconds left in the level
    from the mean visit so far; an untiled level has ``tile == tiles == 0``.
    A job bounded by time rather than steps (a fast style's training for ten minutes) sets
    ``budget_used``, the share of its time spent, which its ``fraction`` then is; its ``total``
    is the running estimate of the steps it will end with.
    """

    stage: Stage
    step: int
    total: int
    level: int
    levels: int
    size: tuple[int, int]
    losses: Mapping[str, float] = field(default_factory=dict)
    elapsed: float = 0.0
    eta: float | None = None
    preview: RGB8 | None = None
    tile: int = 0
    tiles: int = 0
    level_eta: float | None = None
    budget_used: float | None = None
    #: What ``preview`` shows when it is not the run's own picture: the file name of the photo
    #: a training paints for its preview (one it does not learn from).
    preview_of: str | None = None
    #: A resumed training's losses before this session, as (step, losses) points: sent once,
    #: with the first report after the resumption, so a curve drawn after a restart of the app
    #: starts where the training did.
    history: tuple[tuple[int, Mapping[str, float]], ...] = ()

    @property
    def fraction(self) -> float:
        if self.budget_used is not None:
            return min(1.0, max(0.0, self.budget_used))
        return 0.0 if self.total <= 0 else min(1.0, self.step / self.total)


# The record of a run (engine/record.py) is what every painter returns; ``Result`` is its
# name at the engine's boundary. Imported last: record.py uses the array types above.
from .record import Record, SourceRef  # noqa: E402

Result = Record

__all__ = [
    "RGB8",
    "RGB16",
    "RGBF",
    "CancelToken",
    "Mask",
    "Progress",
    "Record",
    "Result",
    "SourceRef",
    "Stage",
    "StyleImage",
]
