"""Versions are written on the history's own thread: the window never waits for a print-size
TIFF, the strip shows a version at once, and starring, saving, deleting and closing the window
while a write is pending all end with the files exactly as asked (no race, nothing lost)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Result, Settings
from nst_desktop.engine import versions as versions_module
from nst_desktop.engine.pipeline import ImageInput, Job
from nst_desktop.engine.record import SourceRef
from nst_desktop.engine.versions import VersionStore, session_dir
from nst_desktop.gui.main_window.picture import Picture
from nst_desktop.gui.widgets.history_strip import PIXMAP_ROLE

GATE_SECONDS = 10.0


class GatedStore(VersionStore):
    """A real store whose writes wait until the test opens ``gate`` (one write at a time)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.threads: list[str] = []

    def _write_new(self, version, data, sidecar, unfaded=None) -> None:  # type: ignore[no-untyped-def]
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        if not self.gate.wait(GATE_SECONDS):
            raise OSError("the test never opened the gate")
        super()._write_new(version, data, sidecar, unfaded)


def make_picture(seed: int = 0, h: int = 48, w: int = 64) -> Picture:
    full = np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)
    settings = Settings(size=max(h, w), seed=seed)
    styles = (ImageInput(name="painting.jpg"),)
    job = Job(content=ImageInput(name="photo.png"), styles=styles, settings=settings)
    record = Result(
        (full * 255).astype(np.uint8),
        full,
        settings,
        "",
        0.0,
        0,
        photo=SourceRef.of(job.content),
        paintings=tuple(SourceRef.of(s) for s in styles),
    )
    return Picture(job=job, record=record.frozen())


@pytest.fixture
def gated(window) -> GatedStore:  # type: ignore[no-untyped-def]
    store = GatedStore(window.history.store.folder)
    window.history.store = store
    yield store
    store.gate.set()  # never leave the writer thread blocked behind a failed test


def files_of(folder: Path, version_id: str) -> list[str]:
    return [n for n in os.listdir(folder) if version_id in n] if folder.exists() else []


def newest_id(window) -> str:  # type: ignore[no-untyped-def]
    return window.history.strip.ids()[-1]


def landed(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)


def open_later(gate: threading.Event, seconds: float = 0.3) -> threading.Thread:
    opener = threading.Timer(seconds, gate.set)
    opener.start()
    return opener


def test_add_version_returns_before_the_write_and_the_version_appears_when_it_lands(
    qtbot, window, gated: GatedStore
) -> None:
    picture = make_picture()
    window.show_picture(picture)
    started = time.perf_counter()
    window.history.add(picture)
    assert time.perf_counter() - started < GATE_SECONDS / 2  # it did not wait for the write
    vid = newest_id(window)
    # In the strip at once, with a thumbnail from memory, and the picture on show is that version.
    assert window.history.strip.ids() == [vid]
    assert window.history.strip.selected_id() == vid
    assert not window.history.strip.list.item(0).data(PIXMAP_ROLE).isNull()
    assert window.shown is not None and window.shown.id == vid
    assert window.history.writer.pending(vid)
    assert window.history.store.get(vid) is None  # not on disk yet
    assert window.history.writer.busy

    gated.gate.set()
    landed(qtbot, window)
    stored = window.history.store.get(vid)
    assert stored is not None and stored.size == (64, 48)
    assert window.history.strip.version(vid) == stored
    assert window.history.store.thumbnail(vid) is not None
    assert gated.threads and threading.main_thread().name not in gated.threads
    window.history.show(vid)
    assert window.shown is not None and window.shown.id == vid


def test_versions_land_in_the_order_they_were_made(qtbot, window, gated: GatedStore) -> None:
    for seed in range(3):
        window.history.add(make_picture(seed))
    ids = window.history.strip.ids()
    assert len(ids) == 3
    gated.gate.set()
    landed(qtbot, window)
    assert [v.id for v in window.history.store.versions()] == ids
    assert [v.settings.seed for v in window.history.store.versions()] == [0, 1, 2]
    assert window.history.strip.ids() == ids


def test_closing_the_window_lets_a_pending_write_land(qtbot, window, gated: GatedStore) -> None:
    window.history.add(make_picture(1))
    window.history.add(make_picture(2))
    first, second = window.history.strip.ids()
    opener = open_later(gated.gate)
    window.close()  # waits for both writes, then ends the writer thread
    opener.join()
    fresh = VersionStore(gated.folder)
    assert [v.id for v in fresh.versions()] == [first, second]
    assert all(fresh.picture(v) is not None and fresh.thumbnail(v) is not None for v in (first, second))
    assert not window.history.writer.busy
    window.close()  # closing again (pytest-qt does at the end) is fine


def test_a_version_made_after_close_is_still_written(qtbot, window) -> None:
    window.history.finish()
    window.history.add(make_picture(4))
    vid = newest_id(window)
    assert window.history.store.get(vid) is not None
    assert window.history.strip.version(vid) == window.history.store.get(vid)


def test_deleting_a_version_whose_write_has_not_started_writes_nothing(
    qtbot, window, gated: GatedStore
) -> None:
    window.history.add(make_picture(1))
    window.history.add(make_picture(2))
    first, second = window.history.strip.ids()
    assert gated.entered.wait(GATE_SECONDS)  # the first is being written, the second waits
    asked: list[str] = []
    window.ask_yes_no = lambda text: asked.append(text) or True
    window.history.delete(second)
    assert asked and "not been saved" in asked[0]
    assert window.history.strip.ids() == [first]
    assert not window.history.writer.pending(second)
    gated.gate.set()
    landed(qtbot, window)
    qtbot.wait(50)
    assert files_of(gated.folder, second) == []
    assert [v.id for v in window.history.store.versions()] == [first]
    assert window.history.strip.ids() == [first]


def test_deleting_a_version_while_it_is_written_waits_and_leaves_no_files(
    qtbot, window, gated: GatedStore
) -> None:
    picture = make_picture(3)
    window.show_picture(picture)
    window.history.add(picture)
    vid = newest_id(window)
    assert gated.entered.wait(GATE_SECONDS)  # the write is under way
    window.ask_yes_no = lambda text: True
    opener = open_later(gated.gate)
    window.history.delete(vid)  # waits for the write to land, then deletes it
    opener.join()
    assert files_of(gated.folder, vid) == []
    assert window.history.strip.ids() == [] and window.shown is None
    qtbot.wait(100)  # the write's own result arrives later: it must not bring the version back
    assert files_of(gated.folder, vid) == [] and window.history.strip.ids() == []
    assert not window.history.writer.busy


def test_declining_the_delete_of_a_pending_version_keeps_it(qtbot, window, gated: GatedStore) -> None:
    window.history.add(make_picture(1))
    vid = newest_id(window)
    window.ask_yes_no = lambda text: False
    window.history.delete(vid)
    assert window.history.strip.ids() == [vid] and window.history.writer.pending(vid)
    gated.gate.set()
    landed(qtbot, window)
    assert window.history.store.get(vid) is not None


def test_starring_and_saving_a_pending_version_wait_for_its_write(
    qtbot, window, gated: GatedStore, tmp_path: Path
) -> None:
    window.history.add(make_picture(1))
    vid = newest_id(window)
    opener = open_later(gated.gate)
    window.history.star(vid, True)
    opener.join()
    assert window.history.store.get(vid).starred and window.history.strip.version(vid).starred

    gated.gate.clear()
    picture = make_picture(2)
    window.history.add(picture)
    other = newest_id(window)
    opener = open_later(gated.gate)
    saved = window.output.save_to(tmp_path / "kept.png", window.history.picture(other))  # saved from memory
    opener.join()
    assert saved is not None and saved.is_file()
    stored = window.history.store.get(other)
    assert stored is not None and stored.saved and stored.saved_path == str(saved)
    assert window.history.strip.version(other).saved
    landed(qtbot, window)
    assert window.history.strip.version(other) == window.history.store.get(other)


def test_a_failed_write_says_so_in_one_sentence_and_leaves_the_picture_on_show(
    qtbot, window, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: object, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(versions_module, "atomic_create", full_disk)
    picture = make_picture(5)
    window.show_picture(picture)
    window.history.add(picture)
    landed(qtbot, window)
    assert window.history.strip.ids() == []
    message = window.statusBar().currentMessage()
    assert message == "The version could not be kept in the history: no space left on device."
    assert window.shown is not None and np.array_equal(window.shown.pixels, picture.pixels)
    assert os.listdir(window.history.store.folder) == []  # nothing of it left behind


def test_stored_thumbnails_are_read_off_the_gui_thread_at_start(
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = VersionStore(session_dir())
    ids = [store.add(make_picture(seed).full, settings=Settings(seed=seed)).version.id for seed in range(3)]
    readers: list[str] = []
    read = VersionStore.thumbnail

    def thumbnail(self: VersionStore, version_id: str):  # type: ignore[no-untyped-def]
        readers.append(threading.current_thread().name)
        return read(self, version_id)

    monkeypatch.setattr(VersionStore, "thumbnail", thumbnail)
    window = make_window()
    assert window.history.strip.ids() == ids  # the records at once
    strip = window.history.strip.list

    def all_shown() -> bool:
        pixmaps = [strip.item(row).data(PIXMAP_ROLE) for row in range(strip.count())]
        return all(p is not None and not p.isNull() for p in pixmaps)

    qtbot.waitUntil(all_shown, timeout=10_000)
    assert len(readers) == 3 and threading.main_thread().name not in readers
