"""Outside text (file names, style and preset names) shown in widgets as it is written.

Qt guesses "rich text" for anything that looks like a tag in a QLabel, a tooltip or a message
box, so a file called ``<h1>big</h1>.png`` or a style named ``<img src=x>`` would be rendered
as HTML. These helpers cap such text and make tooltips and message boxes plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["ask_yes_no", "capped", "plain_tooltip"]

TOOLTIP_CHARS = 1000


def capped(text: object, limit: int = 200) -> str:
    """``text`` printable (line breaks kept) and at most ``limit`` characters; only its head is
    looked at, so a megabyte-long name costs nothing."""
    value = str(text)
    clean = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in value[: limit + 1])
    return clean[: limit - 1] + "…" if len(value) > limit else clean


def plain_tooltip(text: object, limit: int = TOOLTIP_CHARS) -> str:
    """A tooltip that Qt shows as plain text: escaped and wrapped so it is never guessed as HTML."""
    if not str(text):
        return ""
    escaped = capped(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<p style='white-space:pre-wrap'>" + escaped + "</p>"


def ask_yes_no(parent: QWidget | None, text: str, title: str = "nst-desktop") -> bool:
    """A Yes/No question whose text is plain text (and capped), never rendered as HTML."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Question)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(capped(text, 600))
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes
