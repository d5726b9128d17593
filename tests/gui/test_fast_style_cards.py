"""The fast-style gallery's cards: measured quality, the worse-than-instant mark, long names and
many styles inside their cells, "Loading styles…" until the first listing, and the three ways to
paint explained where a newcomer sees them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from nst_desktop.gui.side_tasks import TaskRunner
from nst_desktop.gui.widgets.fast_styles import (
    CAPTION_ROLE,
    EMPTY,
    LOADING,
    NOT_MEASURED,
    THREE_WAYS,
    WORSE_COLOUR,
    WORSE_ROLE,
    FastStylesPanel,
    QualityNote,
)

pytest.importorskip("torch")

BUDGETS = (10, 20, 50, 100)


def record(fast: float, instant: float = 0.9, photo: str = "rocket.jpg") -> dict[str, Any]:
    """A quality record: the optimiser's distances fall with its steps (1 - n/200), so a style at
    ``fast`` matches every budget whose distance is at least ``fast``."""
    optimiser = {str(n): {"style": 1 - n / 200, "content": 1 - n / 200} for n in BUDGETS}
    return {
        "photo": photo,
        "fast": {"style": fast, "content": fast},
        "instant": {"style": instant, "content": instant},
        "optimiser": optimiser,
    }


def write_style(folder: Path, name: str, quality: dict[str, Any] | None, seed: int = 0) -> Path:
    from nst_desktop.engine.fast.network import TransformerNet
    from nst_desktop.engine.fast.style_file import FastStyle, write_fast_style

    folder.mkdir(parents=True, exist_ok=True)
    thumb = np.random.default_rng(seed).integers(0, 255, (32, 32, 3)).astype(np.uint8)
    training = {"quality": quality} if quality is not None else {}
    style = FastStyle(name, TransformerNet(8).state_dict(), thumb, width=8, training=training)
    return write_fast_style(folder / f"style-{seed}.nststyle", style)


@pytest.fixture
def make_panel(qtbot, tmp_path: Path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Build a panel on a store of ``tmp_path/builtin`` and ``tmp_path/mine``, shown and listed."""
    from nst_desktop.engine.fast.store import FastStyleStore

    runners: list[TaskRunner] = []

    def make(width: int = 640, height: int = 300, store: Any = None) -> FastStylesPanel:
        runner = TaskRunner()
        runners.append(runner)
        if store is None:
            store = FastStyleStore(tmp_path / "mine", tmp_path / "builtin")
        panel = FastStylesPanel(runner, store)
        qtbot.addWidget(panel)
        panel.resize(width, height)
        with qtbot.waitSignal(panel.listed, timeout=60_000):
            panel.show()
        return panel

    yield make
    for runner in runners:
        runner.shutdown(10_000)


def cell(panel: FastStylesPanel, row: int) -> tuple[QRect, QRect, list[tuple[QRect, str]]]:
    """The card's rectangle, its thumbnail's, and each text line (rectangle, text) as painted."""
    item = panel.list.item(row)
    option = QStyleOptionViewItem()
    option.rect = panel.list.visualItemRect(item)
    option.font = panel.list.font()
    index = panel.list.indexFromItem(item)
    thumb, lines = panel.delegate.layout(option, index)
    for rect, text, font in lines:
        assert QFontMetrics(font).horizontalAdvance(text) <= rect.width(), text
    return QRect(option.rect), thumb, [(rect, text) for rect, text, _ in lines]


def test_a_measured_style_shows_its_steps_and_the_sentence(qtbot, make_panel, tmp_path: Path) -> None:
    write_style(tmp_path / "builtin", "Autumn", record(0.74))
    panel = make_panel()
    item = panel.list.item(0)
    assert item.data(CAPTION_ROLE) == "≈ 50 steps" and not item.data(WORSE_ROLE)
    tip = item.toolTip()
    assert "On a photo it never saw (rocket.jpg) it is about as good as 50 optimiser steps." in tip
    assert "Built-in style" in tip
    _, _, lines = cell(panel, 0)
    assert [text for _, text in lines] == ["Autumn", "≈ 50 steps", "built-in"]


def test_the_notes_for_each_kind_of_record() -> None:
    from nst_desktop.engine.fast.quality import Quality

    def note(doc: dict[str, Any]) -> QualityNote:
        quality = Quality.from_dict(doc)
        assert quality is not None
        return QualityNote.of(quality)

    assert note(record(0.5)).caption == "≈ 100 steps"
    between = note(record(0.97, instant=1.2))  # better than the instant picture, short of 10 steps
    assert between.caption == "under 10 steps" and not between.worse_than_instant
    assert "not yet as good as 10 optimiser steps" in between.sentence
    worse = note(record(0.97, instant=0.9))
    assert worse.caption == "below instant" and worse.worse_than_instant
    assert "worse than the instant picture" in worse.sentence
    assert QualityNote.of(None) is NOT_MEASURED


def test_a_style_worse_than_the_instant_picture_is_marked(qtbot, make_panel, tmp_path: Path) -> None:
    write_style(tmp_path / "builtin", "Good", record(0.74), seed=1)
    write_style(tmp_path / "mine", "Weak", record(0.97), seed=2)
    panel = make_panel()
    assert panel.names() == ["Good", "Weak"]
    weak = panel.list.item(1)
    assert weak.data(CAPTION_ROLE) == "below instant" and weak.data(WORSE_ROLE)
    assert "worse than the instant picture" in weak.toolTip()
    # Drawn: a frame of the warning colour round the thumbnail, none round the good one.
    panel.list.clearSelection()
    panel.list.setCurrentRow(-1)
    image = panel.list.viewport().grab().toImage()
    wanted = QColor(WORSE_COLOUR)

    def framed(row: int) -> bool:
        _, thumb, _ = cell(panel, row)
        edge = image.pixelColor(thumb.left() + 1, thumb.center().y())
        return abs(edge.red() - wanted.red()) + abs(edge.green() - wanted.green()) < 40

    assert framed(1) and not framed(0)


def test_a_style_without_a_record_says_not_measured(qtbot, make_panel, tmp_path: Path) -> None:
    write_style(tmp_path / "mine", "Sketch", None)
    panel = make_panel()
    item = panel.list.item(0)
    assert item.data(CAPTION_ROLE) == "not measured" and not item.data(WORSE_ROLE)
    assert "not measured" in item.toolTip()
    assert panel.entries()[0].quality is NOT_MEASURED


def test_many_styles_with_long_names_stay_inside_their_cells(qtbot, make_panel, tmp_path: Path) -> None:
    long_name = "My favourite watercolour look for portraits in the evening light"
    write_style(tmp_path / "builtin", "Zebra stripes (built-in, listed first)", record(0.74), seed=1)
    write_style(tmp_path / "builtin", "Autumn", record(0.85), seed=2)
    write_style(tmp_path / "mine", long_name, record(0.5), seed=3)
    write_style(tmp_path / "mine", "A" * 80, None, seed=4)
    write_style(tmp_path / "mine", "Night harbour with a very long name indeed", record(0.97), seed=5)
    write_style(tmp_path / "mine", "Sketch", record(0.88), seed=6)
    panel = make_panel(width=640, height=400)
    names = panel.names()
    assert set(names[:2]) == {"Autumn", "Zebra stripes (built-in, listed first)"}, "built-ins first"
    assert [e.builtin for e in panel.entries()] == [True, True, False, False, False, False]
    cards = [cell(panel, row) for row in range(panel.list.count())]
    viewport = panel.list.viewport().rect()
    for rect, thumb, lines in cards:
        assert viewport.contains(rect), "a card is wider than the gallery"
        assert rect.contains(thumb)
        for line, _ in lines:
            assert rect.contains(line), "a label leaves its card"
    for i, (a, _, _) in enumerate(cards):
        for b, _, _ in cards[i + 1 :]:
            assert not a.intersects(b), "two cards overlap"
    assert len({rect.top() for rect, _, _ in cards}) > 1, "the cards wrap onto more rows"
    shown = {names[row]: lines[0][1] for row, (_, _, lines) in enumerate(cards)}
    assert shown["Autumn"] == "Autumn" and shown["Sketch"] == "Sketch"
    assert shown[long_name].endswith("…") and long_name.startswith(shown[long_name][:-1])
    assert long_name in panel.list.item(names.index(long_name)).toolTip()


def test_loading_until_the_first_listing_then_empty(qtbot, make_panel) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    try:
        waiting = FastStylesPanel(runner, store=object())
        qtbot.addWidget(waiting)
        assert waiting.empty_label.text() == LOADING
        assert waiting.empty_label.isVisibleTo(waiting) and not waiting.list.isVisibleTo(waiting)
    finally:
        runner.shutdown(10_000)
    panel = make_panel()  # an empty store
    assert panel.empty_label.text() == EMPTY and panel.empty_label.isVisible()
    assert not panel.list.isVisible()


def test_a_listing_that_fails_does_not_say_loading_for_ever(qtbot, make_panel) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        problems: list[Any] = []

        def list(self) -> list[Any]:
            raise OSError("the disk went away")

    runner = TaskRunner()
    panel = FastStylesPanel(runner, store=Broken())
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.message, timeout=60_000) as signal:
            panel.show()
        assert signal.args[1] is True
        assert panel.empty_label.text() == EMPTY
    finally:
        runner.shutdown(10_000)


def test_the_window_says_how_the_three_ways_differ(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.fast_styles
    tabs = window.tabs
    tip = tabs.tabToolTip(tabs.indexOf(panel))
    assert tip == THREE_WAYS == panel.intro.toolTip()
    words = ("Instant picture", "fraction of a second", "Fast style", "trained once", "Paint", "minutes")
    assert all(w in tip for w in words)
    paint = window.stylize_button.toolTip()
    assert "optimiser" in paint and "best picture" in paint and "instant picture" in paint


def test_the_tab_fits_the_smallest_window(  # type: ignore[no-untyped-def]
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from nst_desktop.engine.fast import store

    for n in range(5):
        write_style(tmp_path / "builtin", f"Style number {n} with a long name", record(0.6 + n / 20), seed=n)
    monkeypatch.setattr(store, "builtin_styles_dir", lambda: tmp_path / "builtin")
    window = make_window()
    window.resize(1024, 700)
    panel = window.fast_styles
    with qtbot.waitSignal(panel.listed, timeout=60_000):
        window.tabs.setCurrentWidget(panel)
        panel.refresh()
    qtbot.wait(50)
    intro = panel.intro
    assert intro.fontMetrics().horizontalAdvance(intro.text()) <= intro.contentsRect().width(), "one line"
    rect, _, lines = cell(panel, 0)
    assert panel.list.viewport().height() >= rect.height(), "a whole row of cards shows"
    assert all(rect.contains(line) for line, _ in lines)
    assert window.width() <= 1024
