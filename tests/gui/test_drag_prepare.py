"""Drag out never writes the print-size file when the drag starts: the window prepares the drag
file of the picture on show on its writer thread, a drag takes it at once (or waits for the
rest of the write in progress), a new picture on show replaces it and the old file goes, and a
failed preparation falls back to writing at drag time, or to one sentence, as before."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nst_desktop.engine import images as images_module
from nst_desktop.engine.images import load_image, read_metadata
from nst_desktop.gui.main_window.output import DRAG_PNG_LEVEL, drag_folder

from .test_history_writer import GATE_SECONDS, GatedStore, make_picture, open_later
from .test_studio import paint


class DragSaves:
    """Stands in for the engine's save of drag files (other saves go straight through): records
    where and on which thread, waits for ``gate`` while it is closed, fails while ``fail`` is set."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.calls: list[Path] = []
        self.threads: list[str] = []
        self.levels: list[Any] = []
        self.fail: BaseException | None = None
        self._save = images_module.save_image

    def __call__(self, path: Any, image: Any, **kwargs: Any) -> Path:
        if drag_folder() not in Path(path).parents:
            return self._save(path, image, **kwargs)
        self.calls.append(Path(path))
        self.threads.append(threading.current_thread().name)
        self.levels.append(kwargs.get("compress_level"))
        self.entered.set()
        if not self.gate.wait(GATE_SECONDS):
            raise OSError("the test never opened the gate")
        if self.fail is not None:
            raise self.fail
        return self._save(path, image, **kwargs)

    @property
    def on_gui_thread(self) -> int:
        return self.threads.count(threading.main_thread().name)


@pytest.fixture
def drag_saves(monkeypatch: pytest.MonkeyPatch) -> Any:
    saves = DragSaves()
    monkeypatch.setattr(images_module, "save_image", saves)
    yield saves
    saves.gate.set()  # never leave the writer thread blocked behind a failed test


def landed(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)


def drag_files() -> list[Path]:
    folder = drag_folder()
    return sorted(folder.rglob("*")) if folder.exists() else []


def dragged(window) -> Path:  # type: ignore[no-untyped-def]
    mime = window.run_bar.drag_button.mime_data()
    assert mime is not None and mime.hasImage()
    (url,) = mime.urls()
    return Path(url.toLocalFile())


def complete_png(path: Path, pixels: np.ndarray, seed: int) -> bool:
    return (
        path.is_file()
        and np.array_equal(load_image(path), pixels)
        and read_metadata(path)["settings"]["seed"] == seed
    )


def test_after_a_run_the_drag_file_is_ready_and_the_drag_writes_nothing(
    qtbot, ready_window, drag_saves: DragSaves
) -> None:
    window = ready_window
    paint(qtbot, window)
    landed(qtbot, window)
    assert len(drag_saves.calls) == 1 and drag_saves.on_gui_thread == 0  # written on the writer
    assert drag_saves.levels == [DRAG_PNG_LEVEL]
    picture = window.shown  # the version kept from the run (a new id, the same picture)
    path = dragged(window)
    assert len(drag_saves.calls) == 1  # handed over, not written again
    assert path == drag_saves.calls[0]
    assert drag_folder() in path.parents and path.name == picture.suggested_name()
    assert (path.parent.stat().st_mode & 0o077) == 0 or os.name == "nt"  # its folder is private
    assert complete_png(path, picture.pixels, seed=3)
    assert read_metadata(path)["content"] == "photo.png"
    assert dragged(window) == path and len(drag_saves.calls) == 1  # a second drag: the same file
    assert window.output._drag_ready.record is None  # the finished task does not keep the arrays alive


def test_a_drag_while_the_file_is_being_written_waits_for_it_and_gets_it_whole(
    qtbot, window, drag_saves: DragSaves
) -> None:
    drag_saves.gate.clear()
    picture = make_picture(seed=5, h=40, w=64)
    window.show_picture(picture)
    assert drag_saves.entered.wait(GATE_SECONDS)  # the writer thread is writing it now
    opener = open_later(drag_saves.gate, 0.3)
    started = time.perf_counter()
    path = dragged(window)
    waited = time.perf_counter() - started
    opener.join()
    assert waited >= 0.2  # it waited for the write in progress...
    assert len(drag_saves.calls) == 1 and drag_saves.on_gui_thread == 0  # ...rather than write anew
    assert complete_png(path, picture.pixels, seed=5)
    assert drag_files() == [path.parent, path]  # nothing else: no temporary file left


def test_a_drag_file_still_queued_behind_a_version_write_is_written_at_once_instead(
    qtbot, window, drag_saves: DragSaves
) -> None:
    store = GatedStore(window.history.store.folder)
    window.history.store = store
    try:
        window.history.add(make_picture(seed=1))  # its write holds the writer thread
        assert store.entered.wait(GATE_SECONDS)
        picture = make_picture(seed=9)
        window.show_picture(picture)  # its drag file waits in the queue behind the version
        path = dragged(window)
        assert drag_saves.on_gui_thread == 1 and len(drag_saves.calls) == 1  # taken out, written here
        assert complete_png(path, picture.pixels, seed=9)
    finally:
        store.gate.set()
    landed(qtbot, window)
    assert len(drag_saves.calls) == 1 and drag_files() == [path.parent, path]


def test_a_new_picture_on_show_replaces_the_drag_file_and_the_old_one_goes(
    qtbot, window, drag_saves: DragSaves
) -> None:
    first = make_picture(seed=1)
    window.show_picture(first)
    landed(qtbot, window)
    (old,) = drag_saves.calls
    assert old.is_file()
    second = make_picture(seed=2)
    window.show_picture(second)
    landed(qtbot, window)
    assert not old.exists() and not old.parent.exists()  # removed with its own folder
    new = drag_saves.calls[-1]
    assert drag_files() == [new.parent, new]
    assert dragged(window) == new and complete_png(new, second.pixels, seed=2)
    window.show_picture(second)  # the same picture again (after a comparison): nothing to write
    landed(qtbot, window)
    assert len(drag_saves.calls) == 2


def test_pictures_shown_while_one_is_written_drop_the_queued_ones_and_leave_one_file(
    qtbot, window, drag_saves: DragSaves
) -> None:
    drag_saves.gate.clear()
    pictures = [make_picture(seed=s) for s in (1, 2, 3, 4)]
    window.show_picture(pictures[0])
    assert drag_saves.entered.wait(GATE_SECONDS)
    for picture in pictures[1:]:  # browsing the history while the first is written
        window.show_picture(picture)
    drag_saves.gate.set()
    landed(qtbot, window)
    assert len(drag_saves.calls) == 2  # the first (already running) and the last; 2 and 3 dropped
    last = drag_saves.calls[-1]
    assert drag_files() == [last.parent, last]  # the first one's file went when it landed
    assert dragged(window) == last and complete_png(last, pictures[-1].pixels, seed=4)


def test_the_file_handed_to_a_drag_is_kept_until_another_drag_takes_another(
    qtbot, window, drag_saves: DragSaves
) -> None:
    window.show_picture(make_picture(seed=1))
    landed(qtbot, window)
    given = dragged(window)
    window.show_picture(make_picture(seed=2))
    landed(qtbot, window)
    assert given.is_file()  # a drop target may still be reading it
    newer = dragged(window)
    assert newer != given and not given.exists()
    assert drag_files() == [newer.parent, newer]


def test_fade_moved_prepares_the_faded_picture(qtbot, ready_window, drag_saves: DragSaves) -> None:
    window = ready_window
    paint(qtbot, window)
    landed(qtbot, window)
    before = drag_saves.calls[-1]
    strength = window.shown.settings.strength
    window.controls.set_settings(window.controls.settings().replace(strength=strength / 2))
    faded = window.shown
    assert faded.settings.strength == strength / 2
    landed(qtbot, window)
    assert len(drag_saves.calls) == 2 and drag_saves.on_gui_thread == 0
    path = dragged(window)
    assert path == drag_saves.calls[-1] and not before.exists()
    assert np.array_equal(load_image(path), faded.pixels)
    assert read_metadata(path)["settings"]["strength"] == strength / 2


def test_a_failed_preparation_is_written_at_drag_time(qtbot, window, drag_saves: DragSaves) -> None:
    drag_saves.fail = OSError(28, "No space left on device")
    picture = make_picture(seed=6)
    window.show_picture(picture)
    landed(qtbot, window)
    assert len(drag_saves.calls) == 1 and drag_files() == []  # nothing left of the failed one
    assert window.statusBar().currentMessage() == ""  # nobody asked yet: no message
    drag_saves.fail = None
    path = dragged(window)
    assert drag_saves.on_gui_thread == 1  # written at drag time, as before
    assert complete_png(path, picture.pixels, seed=6)
    assert dragged(window) == path and len(drag_saves.calls) == 2  # and kept for the next drag


def test_a_drag_that_cannot_write_the_file_says_so_in_one_sentence(
    qtbot, window, drag_saves: DragSaves
) -> None:
    drag_saves.fail = OSError(28, "No space left on device")
    window.show_picture(make_picture(seed=7))
    landed(qtbot, window)
    assert window.run_bar.drag_button.mime_data() is None
    message = window.statusBar().currentMessage()
    assert message == "The picture could not be prepared for dragging: no space left on device."
    assert drag_files() == []


def test_a_picture_shown_without_preparation_is_written_at_drag_time(
    qtbot, window, drag_saves: DragSaves
) -> None:
    picture = make_picture(seed=8)
    window.shown = picture  # a way onto the screen that prepares nothing
    window._update_state()
    path = dragged(window)
    assert drag_saves.on_gui_thread == 1 and complete_png(path, picture.pixels, seed=8)


def test_closing_removes_the_file_no_drag_took_and_prepares_no_more(
    qtbot, window, drag_saves: DragSaves
) -> None:
    window.show_picture(make_picture(seed=1))
    landed(qtbot, window)
    (ready,) = drag_saves.calls
    drag_saves.gate.clear()
    drag_saves.entered.clear()
    window.show_picture(make_picture(seed=2))  # being written when the window closes
    assert drag_saves.entered.wait(GATE_SECONDS)
    window.show_picture(make_picture(seed=3))  # queued behind it: dropped at close
    opener = open_later(drag_saves.gate, 0.2)
    window.close()
    opener.join()
    assert len(drag_saves.calls) == 2
    assert not ready.exists() and drag_files() == []  # the one written at close went too
    assert not window.history.writer.busy


def _aged(path: Path, days: float) -> Path:
    when = time.time() - days * 24 * 3600
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def _old_drag_folder(parent: Path, name: str, days: float = 2) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / "picture.png").write_bytes(b"png")
    return _aged(folder, days)


def test_pruning_removes_only_the_app_s_own_drag_folders_older_than_a_day(tmp_path: Path) -> None:
    from nst_desktop.gui.main_window.output import prune_drag_folders

    drag = tmp_path / "drag"
    crashed = _old_drag_folder(drag, "ab12cd_9")  # a session that crashed two days ago
    recent = _old_drag_folder(drag, "zz99yy88", days=0.5)  # another window's, still in use
    odd_name = _old_drag_folder(drag, "Not-Ours")  # not a name the app gives: left alone
    old_file = drag / "qwertyui"  # a plain file with such a name: not a drag folder
    old_file.write_bytes(b"x")
    _aged(old_file, 3)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    link = drag / "lnk00000"
    link.symlink_to(precious, target_is_directory=True)
    _aged(link, 5)
    removed = prune_drag_folders(drag)
    assert sorted(removed) == ["ab12cd_9", "lnk00000"]
    assert not crashed.exists() and recent.is_dir() and odd_name.is_dir()
    assert old_file.is_file()
    assert not link.is_symlink() and (precious / "keep.txt").read_text() == "keep"  # unlinked, not followed
    assert prune_drag_folders(tmp_path / "missing") == []  # no drag folder yet: nothing, no error


def test_pruning_logs_what_it_cannot_remove_and_never_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from nst_desktop.gui.main_window import output

    drag = tmp_path / "drag"
    stuck = _old_drag_folder(drag, "aaaaaaaa")
    gone = _old_drag_folder(drag, "bbbbbbbb")
    real_rmtree = shutil.rmtree

    def failing_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path) == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(output.shutil, "rmtree", failing_rmtree)
    with caplog.at_level("INFO", logger=output.__name__):
        assert output.prune_drag_folders(drag) == ["bbbbbbbb"]
    assert stuck.is_dir() and not gone.exists()
    assert "Could not remove the old drag folder" in caplog.text


def test_the_first_drag_file_prunes_folders_a_crashed_session_left(
    qtbot, ready_window, drag_saves: DragSaves
) -> None:
    crashed = _old_drag_folder(drag_folder(), "old_0001")
    recent = _old_drag_folder(drag_folder(), "new_0001", days=0.1)
    window = ready_window
    paint(qtbot, window)
    landed(qtbot, window)
    assert not crashed.exists() and recent.is_dir()
    path = dragged(window)
    assert path.is_file() and path.parent.parent == drag_folder()
