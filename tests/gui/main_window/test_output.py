"""The output part alone: save, copy and drag files of a picture, on the real writer thread,
with no window; the file dialog is replaced on the part, what it says is read from its signals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from nst_desktop.engine import images
from nst_desktop.gui.main_window import state
from nst_desktop.gui.main_window.output import Output, drag_folder
from nst_desktop.gui.main_window.picture import Picture
from nst_desktop.gui.main_window.version_writer import VersionWriter

from ..test_history_writer import make_picture


def _picture(seed: int) -> Picture:
    """A small finished picture, as a run gives it."""
    return make_picture(seed, h=24, w=32)


class Rig:
    """An Output over ``shown``, with what it emits written down."""

    def __init__(self, qsettings: QSettings) -> None:
        self.shown: Picture | None = None
        self.writer = VersionWriter()
        self.output = Output(self.writer, qsettings, lambda: self.shown)
        self.asked: list[str] = []
        self.target: Path | None = None
        self.output.ask_save_path = self._ask  # type: ignore[method-assign]
        self.messages: list[tuple[str, bool]] = []
        self.status: list[str] = []
        self.saved: list[tuple[Picture, Path]] = []
        self.output.message.connect(lambda text, error: self.messages.append((text, error)))
        self.output.status.connect(lambda text, _ms: self.status.append(text))
        self.output.saved.connect(lambda picture, path: self.saved.append((picture, path)))

    def _ask(self, suggested: str) -> Path | None:
        self.asked.append(suggested)
        return self.target


@pytest.fixture
def rig(qsettings: QSettings) -> Iterator[Rig]:
    made = Rig(qsettings)
    yield made
    made.writer.finish()


def test_save_asks_where_writes_on_the_writer_thread_and_says_so(
    qtbot, rig: Rig, tmp_path: Path, qsettings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    rig.shown = _picture(1)
    rig.target = tmp_path / "out.png"
    task = rig.output.save()
    assert task is not None and rig.asked == [rig.shown.suggested_name()]
    assert rig.status == ["Saving out.png…"]
    qtbot.waitUntil(lambda: bool(rig.saved), timeout=10_000)
    assert rig.saved == [(rig.shown, rig.target)]
    ((text, error),) = rig.messages
    assert text.startswith("Saved out.png in ") and not error
    assert qsettings.value(state.SAVE_DIR) == str(tmp_path)
    assert images.load_image(rig.target).shape[:2] == (24, 32)


def test_nothing_on_show_or_no_path_saves_nothing(qtbot, rig: Rig, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert rig.output.save() is None
    assert rig.messages == [("There is no picture to save yet: press Paint first.", True)] and rig.asked == []
    rig.shown = _picture(2)
    assert rig.output.save() is None and len(rig.asked) == 1, "the dialog was cancelled"
    rig.output.copy()
    assert rig.status == ["Copied the picture to the clipboard."]
    assert QGuiApplication.clipboard().image().size().toTuple() == (32, 24)


def test_a_save_that_cannot_be_written_is_one_sentence_and_marks_nothing(rig: Rig, tmp_path: Path) -> None:
    rig.shown = _picture(3)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    assert rig.output.save_to(blocker / "out.png") is None
    ((text, error),) = rig.messages
    assert error and "\n" not in text and "Traceback" not in text
    assert rig.saved == []


def test_the_drag_file_is_prepared_ahead_and_handed_over_then_closing_removes_unused_ones(
    qtbot, rig: Rig
) -> None:  # type: ignore[no-untyped-def]
    rig.shown = _picture(4)
    rig.output.prepare_drag()
    qtbot.waitUntil(lambda: not rig.writer.busy, timeout=10_000)
    ready = rig.output._drag_ready
    assert ready is not None and ready.written is not None and ready.written.parent.parent == drag_folder()
    payload = rig.output.drag_payload()
    assert payload is not None and payload[1] == ready.written, "the prepared file, nothing written now"
    rig.shown = _picture(5)
    rig.output.prepare_drag()
    qtbot.waitUntil(lambda: not rig.writer.busy, timeout=10_000)
    second = rig.output._drag_ready
    assert second is not None and second is not ready and second.written is not None
    assert payload[1].is_file(), "the file handed to a drag stays until another drag takes another"
    rig.output.discard_drag_files()
    assert not second.written.exists()
    rig.output.prepare_drag()
    assert rig.output._drag_pending is None, "a closed window prepares no more"
