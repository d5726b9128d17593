"""A log axis whose labels never overprint: the loss plot's left axis.

pyqtgraph's log axis labels every minor tick (2, 3, ... 9 in each decade) once the range is
under a few decades, so on a plot 120 px high "0.6 0.7 0.8 0.9" were drawn on top of each
other. Here one set of ticks is chosen for the room there is: decades, or 1-2-5, or 1 to 9
within each decade (or every 2nd, 5th, 10th... decade over a huge range), the densest whose
labels are at least :data:`MIN_GAP_PX` apart, and the
labels are short (SI suffixes: "20k", "1.5M"), so the axis keeps one narrow width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg

#: The least distance between two labels, in pixels (a label is about 12 px high at 8 pt).
MIN_GAP_PX = 18.0
#: The axis's width: "500k" or "0.002" fit beside the axis title.
WIDTH_PX = 52

_MANTISSAS: tuple[tuple[int, ...], ...] = ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
_STRIDES = (1, 2, 5, 10, 20, 50, 100)
_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def log_ticks(low: float, high: float, pixels: float, min_gap: float = MIN_GAP_PX) -> list[float]:
    """Tick positions (log10 of the values) between ``low`` and ``high`` (log10 too) for an
    axis ``pixels`` long: the densest set whose neighbours are ``min_gap`` pixels apart.

    A range too narrow to hold two ticks of any set gets its two ends, which are labelled
    then by value: an axis with one label or none reads as no scale at all.
    """
    low, high = sorted((low, high))
    span = high - low
    if not (math.isfinite(low) and math.isfinite(high)) or span <= 0 or pixels <= 0:
        return []
    per_decade = pixels / span
    # Decades too close: every 2nd, 5th, 10th... decade (the first stride that leaves room).
    stride = next((s for s in _STRIDES if s * per_decade >= min_gap), 0)
    ends = [low + span * 0.1, high - span * 0.1] if 0.8 * pixels >= min_gap else []
    if stride == 0:
        return ends
    if stride > 1:
        best = [float(d) for d in range(math.ceil(low), math.floor(high) + 1) if d % stride == 0]
        return best if len(best) >= 2 else ends
    best = []
    for mantissas in _MANTISSAS:
        ticks = [
            decade + math.log10(m)
            for decade in range(math.floor(low), math.ceil(high) + 1)
            for m in mantissas
            if low <= decade + math.log10(m) <= high
        ]
        gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
        if gaps and min(gaps) * per_decade < min_gap:
            break  # denser sets only come closer
        best = ticks
        if len(ticks) >= 3:
            break  # enough to read the scale; more would only crowd it
    if len(best) < 2:
        return ends
    return best


def si_text(value: float) -> str:
    """A loss value in at most five characters or so: "0.25", "3", "20k", "1.5M", "2e-05"."""
    if not math.isfinite(value) or value <= 0:
        return ""
    for size, suffix in _SI:
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    if value >= 0.01:
        return f"{value:.3g}"
    return f"{value:.1e}".replace(".0e", "e")


class LogAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """A left axis in log mode with :func:`log_ticks` and :func:`si_text`, at a fixed width."""

    def __init__(self, orientation: str = "left", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.setWidth(WIDTH_PX)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802, N803 - pyqtgraph override
        if not self.logMode:
            return list(super().tickValues(minVal, maxVal, size))
        ticks = log_ticks(minVal, maxVal, size)
        return [(1.0, ticks)] if ticks else []

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 - pyqtgraph override
        if not self.logMode:
            return list(super().tickStrings(values, scale, spacing))
        return [si_text(10.0**v) for v in values]
