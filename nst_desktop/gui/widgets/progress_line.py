"""The run's progress: a full-width line of text over a thin bar.

Text inside a ``QProgressBar`` is clipped to the bar's width, which at 1024 px wide left
"Level 2/3 · step 40/300 · about 2 m…" unreadable; a label of its own gets the whole row and
shows the full text in its tooltip when even that is too narrow. The ``format``/``setFormat``/
``value``/``setValue`` names follow ``QProgressBar`` so callers read the same.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from ..plain_text import capped


class ProgressLine(QWidget):
    """Status text (plain, elided only when the window is very narrow) and a 0-1000 bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._text = ""
        self.setFormat("Ready")
        self.setValue(0)

    def format(self) -> str:
        return self._text

    def setFormat(self, text: str) -> None:  # noqa: N802 - QProgressBar's name
        self._text = capped(text, 200)
        self._show()

    def value(self) -> int:
        return int(self.bar.value())

    def setValue(self, value: int) -> None:  # noqa: N802 - QProgressBar's name
        self.bar.setValue(value)

    def is_elided(self) -> bool:
        return self.label.text() != self._text

    def _show(self) -> None:
        metrics = self.label.fontMetrics()
        width = max(0, self.label.width())
        shown = metrics.elidedText(self._text, Qt.TextElideMode.ElideRight, width) if width else self._text
        self.label.setText(shown)
        self.label.setToolTip(self._text if shown != self._text else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._show()
