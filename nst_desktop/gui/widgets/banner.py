"""A plain sentence above the picture: errors in red, news in blue, dismissable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class MessageBanner(QFrame):
    """A plain sentence above the picture: errors in red, news in blue, dismissable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.is_error = False
        self.hide()

    def show_message(self, text: str, error: bool) -> None:
        self.is_error = error
        colours = ("#5c1f1f", "#ffd9d9", "#a33") if error else ("#1d3a55", "#d9ecff", "#357")
        self.setStyleSheet(
            f"#MessageBanner {{ background: {colours[0]}; border: 1px solid {colours[2]};"
            " border-radius: 4px; }"
            f"#MessageBanner QLabel {{ color: {colours[1]}; }}"
        )
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
