"""Save writes on the window's writer thread: the window never waits for a print-size file, the
status bar says what is being saved, the bookkeeping follows once the file has landed, a failed
save is one sentence and leaves nothing behind, and closing the window (hidden first) loses
no save."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nst_desktop.engine import images as images_module
from nst_desktop.engine.images import load_image, read_metadata
from nst_desktop.engine.versions import session_dir
from nst_desktop.gui.main_window import state
from nst_desktop.gui.main_window.output import drag_folder

from .test_history_writer import GATE_SECONDS, make_picture, newest_id, open_later


class GatedSave:
    """Stands in for the engine's save: waits until the test opens ``gate``, then saves.

    The drag files the window prepares when a picture comes on show and the history's
    versions (the same writer) are written straight through, unrecorded: these tests are about
    Save (test_drag_prepare.py gates drag files, test_history_writer.py versions).
    """

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[Path] = []
        self.threads: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._save = images_module.save_image

    def __call__(self, path: Any, image: Any, **kwargs: Any) -> Path:
        if drag_folder() in Path(path).parents or Path(path).parent == session_dir():
            return self._save(path, image, **kwargs)
        self.calls.append(Path(path))
        self.threads.append(threading.current_thread().name)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.entered.set()
        try:
            if not self.gate.wait(GATE_SECONDS):
                raise OSError("the test never opened the gate")
            return self._save(path, image, **kwargs)
        finally:
            self.running -= 1


@pytest.fixture
def gated_save(monkeypatch: pytest.MonkeyPatch) -> Any:
    gated = GatedSave()
    monkeypatch.setattr(images_module, "save_image", gated)
    yield gated
    gated.gate.set()  # never leave the writer thread blocked behind a failed test


def saved_version(qtbot, window) -> tuple[Any, str]:  # type: ignore[no-untyped-def]
    """A picture on show that is a version of the history, its write landed."""
    picture = make_picture(seed=3, h=40, w=64)
    window.show_picture(picture)
    window.history.add(picture)
    vid = newest_id(window)
    qtbot.waitUntil(lambda: window.history.store.get(vid) is not None, timeout=10_000)
    return window.shown, vid


def landed(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)


def test_save_returns_before_the_file_is_written_and_the_bookkeeping_follows_when_it_lands(
    qtbot, window, gated_save: GatedSave, tmp_path: Path
) -> None:
    picture, vid = saved_version(qtbot, window)
    target = tmp_path / "prints" / "out.tif"
    target.parent.mkdir()
    window.output.ask_save_path = lambda suggested: target
    started = time.perf_counter()
    task = window.output.save()
    assert time.perf_counter() - started < GATE_SECONDS / 2  # it did not wait for the write
    assert task is not None
    assert gated_save.entered.wait(GATE_SECONDS)
    qtbot.wait(50)  # the event loop runs while the file is written
    assert window.statusBar().currentMessage() == "Saving out.tif…"
    assert not target.exists()
    assert not window.history.store.get(vid).saved and not window.history.strip.version(vid).saved
    assert window.qsettings.value(state.SAVE_DIR) != str(target.parent)

    gated_save.gate.set()
    landed(qtbot, window)
    assert task.written == target and target.is_file()
    assert load_image(target).shape[:2] == (40, 64)
    assert read_metadata(target)["settings"]["seed"] == 3
    assert sorted(os.listdir(target.parent)) == ["out.tif"]  # no temporary file left
    message = window.statusBar().currentMessage()
    assert message == f"Saved out.tif in {target.parent}."
    assert not window.banner.is_error
    stored = window.history.store.get(vid)
    assert stored.saved and stored.saved_path == str(target)
    assert window.history.strip.version(vid).saved
    assert window.qsettings.value(state.SAVE_DIR) == str(target.parent)
    assert gated_save.threads and threading.main_thread().name not in gated_save.threads


def test_saving_a_version_from_the_strip_does_not_wait_either(
    qtbot, window, gated_save: GatedSave, tmp_path: Path
) -> None:
    _, vid = saved_version(qtbot, window)
    target = tmp_path / "strip.png"
    window.output.ask_save_path = lambda suggested: target
    window.history.save(vid)
    assert gated_save.entered.wait(GATE_SECONDS)
    assert not target.exists() and window.statusBar().currentMessage() == "Saving strip.png…"
    gated_save.gate.set()
    landed(qtbot, window)
    assert target.is_file() and window.history.store.get(vid).saved_path == str(target)


def test_saves_asked_while_one_is_pending_land_one_after_another_in_order(
    qtbot, window, gated_save: GatedSave, tmp_path: Path
) -> None:
    picture, vid = saved_version(qtbot, window)
    folder = tmp_path / "out"
    folder.mkdir()
    first, other = folder / "same.png", folder / "other.tif"
    for target in (first, first, other):
        window.output.ask_save_path = lambda suggested, t=target: t
        window.output.save()
    assert gated_save.entered.wait(GATE_SECONDS)
    assert window.statusBar().currentMessage() == "Saving other.tif…"
    gated_save.gate.set()
    landed(qtbot, window)
    assert gated_save.calls == [first, first, other]
    assert gated_save.most_at_once == 1
    assert sorted(os.listdir(folder)) == ["other.tif", "same.png"]  # no temporary file left
    assert np.abs(load_image(first).astype(int) - picture.pixels).max() <= 1  # whole, not torn
    assert load_image(other).shape[:2] == (40, 64)
    assert window.history.store.get(vid).saved_path == str(other)  # the last one asked
    assert window.statusBar().currentMessage().startswith("Saved other.tif in ")


def plain_sentence(text: str) -> bool:
    return bool(text) and "\n" not in text and text.endswith(".") and text.count(". ") == 0


def test_a_save_under_a_regular_file_fails_in_one_sentence_and_leaves_nothing(
    qtbot, window, tmp_path: Path
) -> None:
    _, vid = saved_version(qtbot, window)
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    before = sorted(os.listdir(tmp_path))
    window.output.ask_save_path = lambda suggested: blocker / "out.png"
    window.output.save()
    landed(qtbot, window)
    message = window.statusBar().currentMessage()
    assert plain_sentence(message), message
    assert "out.png" in message
    assert window.banner.is_error
    assert sorted(os.listdir(tmp_path)) == before and blocker.read_bytes() == b"x"
    assert not window.history.store.get(vid).saved
    assert window.qsettings.value(state.SAVE_DIR) != str(blocker)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs folder permissions")
def test_a_save_into_a_read_only_folder_fails_in_one_sentence_and_leaves_nothing(
    qtbot, window, tmp_path: Path
) -> None:
    saved_version(qtbot, window)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        window.output.ask_save_path = lambda suggested: folder / "out.tif"
        window.output.save()
        landed(qtbot, window)
        message = window.statusBar().currentMessage()
        assert plain_sentence(message), message
        assert window.banner.is_error
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)


def test_closing_with_a_pending_save_hides_the_window_first_and_lands_the_file(
    qtbot, window, gated_save: GatedSave, tmp_path: Path
) -> None:
    _, vid = saved_version(qtbot, window)
    target = tmp_path / "closing.tif"
    window.output.ask_save_path = lambda suggested: target
    window.output.save()
    assert gated_save.entered.wait(GATE_SECONDS)
    seen: list[tuple[bool, bool]] = []
    finish = window.history.finish

    def finish_and_look() -> None:
        seen.append((window.isVisible(), target.exists()))
        finish()

    window.history.finish = finish_and_look
    opener = open_later(gated_save.gate)
    window.close()  # hides the window, then waits for the save
    opener.join()
    assert seen == [(False, False)]  # hidden before the wait, which began before the file was there
    assert target.is_file() and read_metadata(target) is not None
    assert load_image(target).shape[:2] == (40, 64)
    assert not window.history.writer.busy
    assert window.history.store.get(vid).saved_path == str(target)
    window.close()  # closing again (pytest-qt does at the end) is fine


def test_deleting_a_version_while_its_save_is_pending_keeps_the_save(
    qtbot, window, gated_save: GatedSave, tmp_path: Path
) -> None:
    _, vid = saved_version(qtbot, window)
    target = tmp_path / "kept.png"
    window.output.ask_save_path = lambda suggested: target
    window.output.save()
    assert gated_save.entered.wait(GATE_SECONDS)
    window.ask_yes_no = lambda text: True
    window.history.delete(vid)
    assert window.history.strip.ids() == [] and window.history.store.get(vid) is None
    gated_save.gate.set()
    landed(qtbot, window)
    assert target.is_file() and window.history.store.get(vid) is None
    assert window.statusBar().currentMessage().startswith("Saved kept.png in ")
