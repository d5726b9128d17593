"""Issue 19, finding 10: two windows sharing one history folder see each other's versions.

Two stores on one folder stand for two windows (or processes); the strip follows the folder
with a real QFileSystemWatcher, and the other store's changes show after the debounce.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Settings
from nst_desktop.engine.versions import Version, VersionStore
from nst_desktop.gui.widgets.history_strip import HistoryStrip


def _add(store: VersionStore, seed: int) -> Version:
    picture = np.full((30, 40, 3), 40 * seed, np.uint8)
    return store.add(picture, settings=Settings(seed=seed)).version


@pytest.fixture
def strip(qtbot) -> HistoryStrip:  # type: ignore[no-untyped-def]
    widget = HistoryStrip()
    qtbot.addWidget(widget)
    return widget


def test_another_windows_changes_show_in_the_strip(qtbot, strip: HistoryStrip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "session"
    mine, theirs = VersionStore(folder), VersionStore(folder)
    first = _add(mine, 1)
    strip.load_from(mine)
    strip.watch(mine, delay_ms=50)

    added = _add(theirs, 2)
    qtbot.waitUntil(lambda: strip.ids() == [first.id, added.id], timeout=10_000)
    assert strip.version(added.id) == added

    theirs.star(added.id)
    qtbot.waitUntil(lambda: (v := strip.version(added.id)) is not None and v.starred, timeout=10_000)

    theirs.delete(first.id)
    qtbot.waitUntil(lambda: strip.ids() == [added.id], timeout=10_000)
    assert strip.title.text() == "History (1)"


def test_a_version_being_written_here_is_not_taken_away(qtbot, strip: HistoryStrip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "session"
    mine, theirs = VersionStore(folder), VersionStore(folder)
    strip.load_from(mine)
    strip.watch(mine, delay_ms=50)  # the folder is not there yet: its parent is watched
    pending = Version(id=mine.new_id(), created=time.time(), settings=Settings(), size=(40, 30))
    strip.add_version(pending)  # shown before its files are written, as the window does
    other = _add(theirs, 3)  # makes the folder and a version in it
    qtbot.waitUntil(lambda: other.id in strip.ids(), timeout=10_000)
    strip.sync()
    assert pending.id in strip.ids()
    assert strip.selected_id() == pending.id
    # Older versions go to their place in time, not to the end.
    assert strip.ids() == sorted(strip.ids(), key=lambda i: strip.version(i).created)  # type: ignore[union-attr]
