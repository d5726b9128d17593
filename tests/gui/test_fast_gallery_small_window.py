"""The fast-style gallery in a small window (issue 18, flow 8): at 1024x700 with a fourth style,
the cards' list shows one whole row (names and qualities readable) and the fourth card, on the
second row, is reached by the visible scroll bar.

With Details open too, the centre column is at its minimum: with the picture at 200 px and the
loss plot at 120 the tabs got 122 px and the row was cut to 40 px; at 176 and 96 one row stays
whole. (A minimum height of one row for the list was tried and taken back: the tab widget,
whose own minimum is 80 px, then drew the buttons over the list.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from nst_desktop.gui.widgets.fast_styles import StyleCardDelegate

pytest.importorskip("torch")

BUILTIN = Path(__file__).resolve().parents[2] / "resources" / "styles" / "autumn.nststyle"


@pytest.mark.parametrize("details", [False, True], ids=["plain", "details-open"])
def test_a_small_window_shows_whole_cards_and_scrolls_to_the_fourth(qtbot, make_window, details) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.engine.fast.store import FastStyleStore

    FastStyleStore().import_file(BUILTIN, name="My autumn evening oils, second try")
    window = make_window()
    gallery = window.fast_styles
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: len(gallery.names()) >= 4, timeout=20_000)
    window.resize(1024, 700)
    window.view.set_details_visible(details)
    qtbot.wait(100)
    listing = gallery.list
    card = StyleCardDelegate.card_size(listing.font()).height()
    viewport = listing.viewport().rect()
    assert viewport.height() >= card, (viewport.height(), card)
    first = listing.visualItemRect(listing.item(0))
    assert viewport.contains(first), "the first row is whole"
    last = listing.item(listing.count() - 1)
    if not viewport.contains(listing.visualItemRect(last)):
        assert listing.verticalScrollBar().isVisible(), "what does not fit scrolls"
        listing.scrollToItem(last)
        qtbot.wait(50)
        assert listing.viewport().rect().contains(listing.visualItemRect(last))
