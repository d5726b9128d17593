"""Help › About shows the instant network's licence notice and the fast styles' attribution."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit

from nst_desktop.engine.instant import notice_text
from nst_desktop.gui.about import AboutDialog, about_text


def test_about_shows_the_notices_as_plain_text(qtbot, window) -> None:
    text = about_text()
    assert notice_text().strip()[:60] in text and "Apache" in text
    assert "fast styles" in text and "Ken Vermette" in text  # resources/samples/ATTRIBUTION.md
    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.text, QPlainTextEdit) and dialog.text.isReadOnly()
    assert dialog.text.toPlainText() == text
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in menus
