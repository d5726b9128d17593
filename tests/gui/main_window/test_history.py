"""The history part alone: a real store in a temporary folder, the real strip and writer thread,
no window; what the window should do is read from the part's signals."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from nst_desktop.engine.versions import VersionStore
from nst_desktop.gui.main_window.history import History
from nst_desktop.gui.main_window.picture import Picture
from nst_desktop.gui.main_window.version_writer import VersionWriter
from nst_desktop.gui.widgets.history_strip import HistoryStrip
from nst_desktop.gui.worker import Job

from ..test_history_writer import make_picture


def _picture(seed: int) -> Picture:
    """A small finished picture, as a run gives it."""
    return make_picture(seed, h=24, w=32)


class Rig:
    """A History on a store in ``folder``, with what it emits written down."""

    def __init__(self, qtbot, folder: Path) -> None:  # type: ignore[no-untyped-def]
        self.strip = HistoryStrip()
        qtbot.addWidget(self.strip)
        self.busy = False
        self.answer = True
        self.asked: list[str] = []
        self.writer = VersionWriter()
        self.history = History(VersionStore(folder), self.strip, self.writer, lambda: self.busy, self._ask)
        self.shown: list[Picture] = []
        self.kept: list[tuple[Picture, Picture]] = []
        self.deleted: list[str] = []
        self.saves: list[Picture] = []
        self.compared: list[tuple[QImage, QImage, tuple[str, str]]] = []
        self.status: list[str] = []
        self.messages: list[str] = []
        h = self.history
        h.show_requested.connect(self.shown.append)
        h.kept.connect(lambda picture, kept: self.kept.append((picture, kept)))
        h.deleted.connect(self.deleted.append)
        h.save_requested.connect(self.saves.append)
        h.compare_requested.connect(lambda a, b, labels: self.compared.append((a, b, labels)))
        h.status.connect(lambda text, _ms: self.status.append(text))
        h.message.connect(self.messages.append)

    def _ask(self, text: str) -> bool:
        self.asked.append(text)
        return self.answer

    def landed(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: not self.writer.busy, timeout=10_000)


@pytest.fixture
def rig(qtbot, tmp_path: Path) -> Iterator[Rig]:  # type: ignore[no-untyped-def]
    made = Rig(qtbot, tmp_path / "versions")
    yield made
    made.writer.finish()


def test_a_picture_kept_is_in_the_strip_at_once_and_on_disk_once_written(qtbot, rig: Rig) -> None:  # type: ignore[no-untyped-def]
    picture = _picture(1)
    rig.history.add(picture)
    ((original, kept),) = rig.kept
    assert original is picture and kept.id and kept.id == rig.strip.ids()[0]
    rig.landed(qtbot)
    assert rig.history.store.get(kept.id) == rig.strip.version(kept.id)
    rig.history.show(kept.id)
    assert rig.shown == [kept], "shown from memory, the kept copy with its id"


def test_a_batch_picture_is_kept_like_any_version_and_none_is_shown_during_a_run(
    qtbot, rig: Rig, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Flow 9: a batch's picture is in the history (star, compare), the same record its file holds."""
    batch = _picture(2)
    job = Job(batch.job.content, batch.job.styles, batch.settings, output_path=tmp_path / "out.png")
    batch = Picture(job=job, record=batch.record)
    rig.history.add(batch)
    ((original, kept),) = rig.kept
    assert original is batch and kept.record is batch.record and rig.strip.ids() == [kept.id]
    rig.landed(qtbot)
    stored = rig.history.store.record(kept.id)
    assert stored is not None and stored.metadata() == batch.metadata()
    rig.history.star(kept.id, True)
    assert rig.history.store.get(kept.id).starred  # type: ignore[union-attr]
    rig.history.add(_picture(3))
    rig.history.compare(kept.id, rig.strip.ids()[-1])
    assert len(rig.compared) == 1
    rig.busy = True
    rig.history.show(rig.strip.ids()[0])
    assert rig.shown == [] and rig.status == ["Versions can be viewed when the run has ended."]


def test_deleting_an_unsaved_version_asks_and_says_which_went(qtbot, rig: Rig) -> None:  # type: ignore[no-untyped-def]
    rig.history.add(_picture(4))
    rig.landed(qtbot)
    (vid,) = rig.strip.ids()
    rig.answer = False
    rig.history.delete(vid)
    assert rig.strip.ids() == [vid] and rig.deleted == [] and len(rig.asked) == 1
    rig.answer = True
    rig.history.delete(vid)
    assert rig.strip.ids() == [] and rig.history.store.get(vid) is None and rig.deleted == [vid]


def test_stored_versions_come_back_with_a_word_on_the_unsaved_ones(qtbot, rig: Rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for seed in (5, 6):
        rig.history.add(_picture(seed))
    rig.landed(qtbot)
    ids = rig.strip.ids()
    later = Rig(qtbot, tmp_path / "versions")
    try:
        later.history.load()
        assert later.strip.ids() == ids
        assert later.status == ["2 unsaved versions from before are in the history strip."]
        later.landed(qtbot)  # the stored thumbnails, read on the writer thread
        later.history.show(ids[0])
        (picture,) = later.shown
        assert picture.id == ids[0] and picture.settings.seed == 5, "read back from the folder"
    finally:
        later.writer.finish()


def test_compare_save_and_mark_saved(qtbot, rig: Rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig.history.add(_picture(7))
    rig.history.add(_picture(8))
    first, second = rig.strip.ids()
    rig.history.compare(first, second)
    ((a, b, labels),) = rig.compared
    assert (a.width(), a.height(), b.width()) == (32, 24, 32)
    assert labels[0].startswith("A: ") and labels[1].startswith("B: ")
    rig.history.save(second)
    (picture,) = rig.saves
    assert picture.id == second
    rig.history.mark_saved(picture, tmp_path / "kept.png")  # waits for the version's own write
    assert rig.history.store.get(second).saved and rig.strip.version(second).saved
    assert not rig.history.store.get(first).saved


def test_a_version_whose_files_are_gone_says_so_and_leaves_the_strip(qtbot, rig: Rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig.history.add(_picture(9))
    rig.landed(qtbot)
    (vid,) = rig.strip.ids()
    fresh = Rig(qtbot, tmp_path / "versions")  # nothing in memory: reads the folder
    try:
        fresh.history.load()
        for name in os.listdir(fresh.history.store.folder):
            if vid in name:
                os.remove(fresh.history.store.folder / name)
        fresh.history.show(vid)
        assert fresh.shown == [] and fresh.strip.ids() == []
        assert fresh.messages == ["That version's picture is no longer in the session folder."]
    finally:
        fresh.writer.finish()


def test_two_parts_on_one_folder_see_each_others_versions(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two windows sharing one history folder: what one keeps appears in the other's strip."""
    mine, theirs = Rig(qtbot, tmp_path / "versions"), Rig(qtbot, tmp_path / "versions")
    try:
        mine.history.load()
        theirs.history.load()
        theirs.history.add(_picture(7))
        ((_, kept),) = theirs.kept
        theirs.landed(qtbot)
        qtbot.waitUntil(lambda: kept.id in mine.strip.ids(), timeout=10_000)
    finally:
        mine.writer.finish()
        theirs.writer.finish()


def test_use_these_settings_offers_the_versions_settings_when_no_run_holds_the_worker(
    qtbot, rig: Rig
) -> None:  # type: ignore[no-untyped-def]
    rig.history.add(_picture(11))
    ((picture, kept),) = rig.kept
    offered: list[tuple[object, str]] = []
    rig.history.settings_requested.connect(lambda settings, source: offered.append((settings, source)))
    menu = rig.strip.build_menu(kept.id)
    (action,) = [a for a in menu.actions() if a.text() == "Use these settings"]

    rig.busy = True
    action.trigger()
    assert offered == [] and "when the run has ended" in rig.status[-1]

    rig.busy = False
    action.trigger()
    ((settings, source),) = offered
    assert settings == picture.settings and settings.seed == 11
    assert source.startswith("the version from ")
    rig.landed(qtbot)


def test_a_faded_version_can_be_faded_anew_after_a_restart(qtbot, rig: Rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The picture before the fade goes to disk with the version, so the next start of the app
    moves Fade on it without painting again (it used to come back unfadeable)."""
    painted = _picture(5)
    photo = np.full((24, 32, 3), 200, np.uint8)
    faded = dataclasses.replace(
        painted, record=dataclasses.replace(painted.record, unfaded=painted.record.image_float)
    )
    faded = dataclasses.replace(faded, record=faded.record.faded(0.3, photo))
    assert faded.record.can_fade and faded.record.settings.strength == 0.3
    rig.history.add(faded)
    rig.landed(qtbot)
    [(_, kept)] = rig.kept
    later = Rig(qtbot, tmp_path / "versions")  # the next start: the same folder, nothing in memory
    try:
        later.history.show(kept.id)
        [shown] = later.shown
        assert shown.can_fade and shown.record.settings.strength == 0.3
        full = shown.record.faded(1.0, photo)
        assert np.abs(full.image_float - painted.record.image_float).max() < 1e-4
    finally:
        later.writer.finish()
