"""A small live plot of the loss terms, drawn by pyqtgraph (fast, Qt-native)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

TERMS: tuple[tuple[str, str, str], ...] = (
    ("total", "Total", "#e8e8e8"),
    ("style", "Style", "#f08a4b"),
    ("content", "Content", "#4bb3f0"),
    ("tv", "Smoothness", "#8fd16a"),
)


class LossPlot(QWidget):
    """Loss against step, on a log axis since the terms span orders of magnitude."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background="#202024")
        self.plot.setMinimumHeight(120)
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        legend.setColumnCount(len(TERMS))
        self._x: list[float] = []
        self._y: dict[str, list[float]] = {key: [] for key, _, _ in TERMS}
        self._curves = {
            key: self.plot.plot([], [], name=label, pen=pg.mkPen(color, width=1.5))
            for key, label, color in TERMS
        }
        self.setToolTip(
            "How far the picture is from the photo (content) and the painting (style) as it is painted"
        )
        layout.addWidget(self.plot)

    def clear(self) -> None:
        self._x.clear()
        for values in self._y.values():
            values.clear()
        for curve in self._curves.values():
            curve.setData([], [])

    def add(self, step: int, losses: Mapping[str, float]) -> None:
        if not losses or (self._x and step <= self._x[-1]):
            return
        self._x.append(float(step))
        for key in self._y:
            value = float(losses.get(key, math.nan))
            self._y[key].append(value if value > 0 and math.isfinite(value) else math.nan)
        for key, curve in self._curves.items():
            curve.setData(self._x, self._y[key], connect="finite")

    def points(self) -> int:
        return len(self._x)
