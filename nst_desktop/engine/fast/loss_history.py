"""A training's loss curve, bounded, so a checkpoint can carry it across a restart.

A training stopped today and resumed after the app was closed should show the artist the whole
curve, not a line that starts at the resumed step as if the earlier hours had not happened.
The curve travels inside the checkpoint as JSON text (``torch.load(weights_only=True)`` reads
strings), at most :data:`MAX_POINTS` points: when it is full every other point is dropped and
only every second step is recorded from then on, so a week of training costs the same few
hundred kilobytes as ten minutes. A damaged or foreign curve reads as no curve: it is a view of
the training, never a reason to refuse resuming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Final

MAX_POINTS: Final = 2000
TERMS: Final = ("style", "content", "tv", "total")
MAX_TEXT: Final = 1 << 20
"""Characters of a curve's JSON read back (2,000 points of four terms are about 200 kB)."""

Point = tuple[int, Mapping[str, float]]


class LossHistory:
    """The losses of a training's steps, thinned to at most :data:`MAX_POINTS` points."""

    def __init__(self, points: tuple[Point, ...] = ()) -> None:
        self._points: list[Point] = list(points)
        self._stride = _stride_of(self._points)
        while len(self._points) > MAX_POINTS:
            self._thin()

    def add(self, step: int, losses: Mapping[str, float]) -> None:
        """Record ``step``'s losses (steps after the last only, and every stride-th)."""
        if self._points and step <= self._points[-1][0]:
            return
        if step % self._stride:
            return
        clean = {k: float(v) for k, v in losses.items() if k in TERMS and math.isfinite(float(v))}
        if not clean:
            return
        self._points.append((step, clean))
        if len(self._points) > MAX_POINTS:
            self._thin()

    def points(self) -> tuple[Point, ...]:
        return tuple(self._points)

    def to_json(self) -> str:
        return json.dumps([[step, dict(losses)] for step, losses in self._points], separators=(",", ":"))

    @classmethod
    def from_json(cls, text: object, last_step: int) -> LossHistory:
        """The curve in ``text``, up to ``last_step`` (the checkpoint's); empty when unreadable."""
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            return cls()
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: a crafted "[[[[…" of any depth
            return cls()
        if not isinstance(doc, list):
            return cls()
        points: list[Point] = []
        for item in doc[: 2 * MAX_POINTS]:
            point = _point(item)
            if point is None or point[0] > last_step or (points and point[0] <= points[-1][0]):
                return cls()
            points.append(point)
        return cls(tuple(points))

    def _thin(self) -> None:
        self._points = self._points[1::2]
        self._stride *= 2


def _stride_of(points: list[Point]) -> int:
    """The stride a thinned curve was recorded at (the largest power of two dividing every
    step), so a resumed curve goes on as evenly as it was kept."""
    stride = 1
    while points and stride < 1 << 30 and all(step % (2 * stride) == 0 for step, _ in points):
        stride *= 2
    return stride if len(points) > 1 else 1


def _point(item: object) -> Point | None:
    if not isinstance(item, list) or len(item) != 2:
        return None
    step, losses = item
    if isinstance(step, bool) or not isinstance(step, int) or step < 0 or not isinstance(losses, dict):
        return None
    clean: dict[str, float] = {}
    for key, value in losses.items():
        if key not in TERMS or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if not math.isfinite(value):
            return None
        clean[key] = float(value)
    return (step, clean) if clean else None
