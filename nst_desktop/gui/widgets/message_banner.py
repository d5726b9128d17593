"""The message banner above the picture: one plain sentence, whatever the sentence holds.

Messages quote outside text: file names (``<h1>big</h1>.png`` is a valid name) and values read
from a picture's embedded settings or a shared preset. A QLabel guesses "rich text" from
anything that looks like a tag, and a word-wrapped label laid out over a megabyte-long string
can stall or crash the window. So the banner shows plain text only, on one line's worth of
characters (:data:`MAX_CHARS`), with the full (but still capped) text in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

MAX_CHARS = 400
"""Characters the banner shows; the engine's messages quote values of at most ~120, so a real
sentence fits, and anything longer is cut rather than laid out."""
_TOOLTIP_CHARS = 2000


def banner_text(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as the banner shows it: one line, printable, at most ``limit`` characters.

    Only the first few times ``limit`` characters are looked at, so a huge string costs nothing.
    """
    head = str(text)[: limit * 4]
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in head).split())
    if len(clean) > limit or len(str(text)) > limit * 4:
        clean = clean[: limit - 1].rstrip() + "…"
    return clean


class MessageBanner(QFrame):
    """A plain sentence above the picture: errors in red, news in blue, dismissable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        # Never rich text: a file name such as "<img src=...>.png" is shown as it is written.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
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
        shown = banner_text(text)
        self.label.setText(shown)
        full = banner_text(text, _TOOLTIP_CHARS)
        # A plain-text tooltip: Qt would otherwise guess rich text for it too.
        self.label.setToolTip(f"<p>{_escape(full)}</p>" if full != shown else "")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
