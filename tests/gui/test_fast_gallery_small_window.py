"""The fast-style gallery in a small window (issue 18, flow 8): at 1024x700 with a fourth style
and Details open, the cards' list still shows one whole row (names and qualities readable) and
the rest scroll behind a visible scroll bar; before, the row was cut to its top 40 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from nst_desktop.gui.widgets.fast_styles import StyleCardDelegate

pytest.importorskip("torch")

BUILTIN = Path(__file__).resolve().parents[2] / "resources" / "styles" / "autumn.nststyle"


def test_a_small_window_shows_whole_cards_and_scrolls_to_the_fourth(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.engine.fast.store import FastStyleStore

    FastStyleStore().import_file(BUILTIN, name="My autumn evening oils, second try")
    window = make_window()
    gallery = window.fast_styles
    window.tabs.setCurrentWidget(gallery)
    qtbot.waitUntil(lambda: len(gallery.names()) >= 4, timeout=20_000)
    window.resize(1024, 700)
    window.view.set_details_visible(True)
    qtbot.waitUntil(lambda: window.loss_plot.isVisible(), timeout=5_000)
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
