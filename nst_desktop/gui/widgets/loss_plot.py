"""A small live plot of the loss terms, drawn by pyqtgraph (fast, Qt-native)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from .log_axis import LogAxis

#: Terms below this fraction of the largest are off the chart: the content term starts at ~0
#: when painting from the photo, and a log axis down to 1e-10 would flatten everything else.
DYNAMIC_RANGE = 1e-4
REDRAW_MS = 150

TERMS: tuple[tuple[str, str, str], ...] = (
    ("total", "Total", "#e8e8e8"),
    ("style", "Style", "#f08a4b"),
    ("content", "Content", "#4bb3f0"),
    ("tv", "Smoothness", "#8fd16a"),
)


LEGEND_SIZE = "8pt"
LEGEND_HEIGHT = 16


def legend_html() -> str:
    """The terms' names in their curves' colours, on one line, each after a line sample."""
    return "&nbsp;&nbsp;&nbsp;".join(
        f"<span style='color:{colour}'>&#9472;&#9472;</span>&nbsp;<span style='color:#c8c8cc'>{label}</span>"
        for _, label, colour in TERMS
    )


@dataclass(frozen=True)
class LossCurve:
    """The points a plot holds, kept apart from it: a stopped training's curve comes back when
    it is resumed, whatever the plot showed in between."""

    steps: tuple[float, ...] = ()
    values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)


def curve_of(points: Sequence[tuple[int, Mapping[str, float]]]) -> LossCurve:
    """The curve of ``(step, losses)`` points, as a training's checkpoint keeps them."""
    return LossCurve(
        tuple(float(step) for step, _ in points),
        {key: tuple(_shown(losses.get(key, math.nan)) for _, losses in points) for key, _, _ in TERMS},
    )


def _shown(value: float) -> float:
    """A loss as the log axis can draw it: a gap (NaN) for what is not positive and finite."""
    value = float(value)
    return value if value > 0 and math.isfinite(value) else math.nan


class LossPlot(QWidget):
    """Loss against step, on a log axis since the terms span orders of magnitude."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stack = QStackedLayout(self)
        self.placeholder = QLabel(
            "The loss curves appear here while the picture is painted:\n"
            "lower means closer to the photo's shapes and the painting's texture."
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #9a9aa2; background: #202024;")
        self.plot = pg.PlotWidget(background="#202024", axisItems={"left": LogAxis("left")})
        self.plot.setMinimumHeight(120)
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        # The key is the plot's title, above the curves: inside the plot any corner is crossed
        # by some run (a finished optimiser's curves end at the bottom right, a training's stay
        # level across the whole width).
        self.plot.setTitle(legend_html(), size=LEGEND_SIZE)
        self.plot.getPlotItem().layout.setRowFixedHeight(0, LEGEND_HEIGHT)  # pyqtgraph gives it 30 px
        self._x: list[float] = []
        self._y: dict[str, list[float]] = {key: [] for key, _, _ in TERMS}
        self._curves = {
            key: self.plot.plot([], [], name=label, pen=pg.mkPen(color, width=1.5))
            for key, label, color in TERMS
        }
        self.setToolTip(
            "How far the picture is from the photo (content) and the painting (style) as it is painted"
        )
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self.redraw)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.plot)

    def clear(self) -> None:
        self._x.clear()
        for values in self._y.values():
            values.clear()
        self._redraw.stop()
        for curve in self._curves.values():
            curve.setData([], [])
        self._stack.setCurrentWidget(self.placeholder)

    def add(self, step: int, losses: Mapping[str, float]) -> None:
        if not losses or (self._x and step <= self._x[-1]):
            return
        self._x.append(float(step))
        for key in self._y:
            self._y[key].append(_shown(losses.get(key, math.nan)))
        if not self._redraw.isActive():
            self._redraw.start()

    def redraw(self) -> None:
        """Draw what has arrived; coalesced so a fast run cannot flood the event loop."""
        if not self._x:
            return
        for key, curve in self._curves.items():
            curve.setData(self._x, self._y[key], connect="finite")
        self._stack.setCurrentWidget(self.plot)
        self._fit_y()

    def _fit_y(self) -> None:
        values = [v for series in self._y.values() for v in series if math.isfinite(v)]
        if not values:
            return
        high = max(values)
        low = max(min(values), high * DYNAMIC_RANGE)
        if high <= low:
            low = high / 10
        self.plot.setXRange(0, max(1.0, self._x[-1]), padding=0.02)
        self.plot.setYRange(math.log10(low), math.log10(high), padding=0.08)

    def points(self) -> int:
        return len(self._x)

    def curve(self) -> LossCurve:
        """A copy of the points on the plot."""
        return LossCurve(tuple(self._x), {key: tuple(values) for key, values in self._y.items()})

    def restore(self, curve: LossCurve) -> None:
        """Show ``curve`` in place of what the plot holds; later :meth:`add` calls continue it."""
        self.clear()
        self._x.extend(curve.steps)
        for key, values in self._y.items():
            values.extend(curve.values.get(key, (math.nan,) * len(curve.steps)))
        self.redraw()
