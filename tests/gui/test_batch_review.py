"""The batch tab as a place to review results: thumbnails, a click to compare, failures in words,
the output folder one click away, the format and naming options, and their lock while it runs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QImage
from PySide6.QtWidgets import QWidget

from nst_desktop.gui.widgets import batch_list
from nst_desktop.gui.widgets.batch_list import RUNNING_NOTE, BatchList

from .conftest import write_image


@pytest.fixture
def batch(qtbot) -> BatchList:  # type: ignore[no-untyped-def]
    widget = BatchList()
    qtbot.addWidget(widget)
    widget.resize(840, 260)
    return widget


@pytest.fixture
def rows(batch: BatchList, tmp_path: Path) -> list[Path]:
    photos = [tmp_path / f"photo{i}.jpg" for i in range(3)]
    batch.add(photos)
    out = tmp_path / "out"
    out.mkdir()
    batch.set_output_dir(out)
    return photos


def coloured(width: int = 400, height: int = 300) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    return image


def click_row(qtbot, batch: BatchList, index: int, column: int = 1) -> None:  # type: ignore[no-untyped-def]
    rect = batch.tree.visualItemRect(batch.tree.topLevelItem(index))
    x = batch.tree.header().sectionPosition(column) + 20
    qtbot.mouseClick(batch.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.center().y()))


# Thumbnails ------------------------------------------------------------------------------------


def test_a_finished_row_shows_the_thumbnail_it_was_given(batch: BatchList, rows: list[Path]) -> None:
    output = batch.output_dir / "photo0-starry.png"  # type: ignore[operator]
    assert not batch.has_thumbnail(0)
    batch.set_result(0, output, coloured(2000, 1000))
    assert batch.has_thumbnail(0) and batch.status(0) == "Done: photo0-starry.png"
    assert batch.result_path(0) == output and batch.result_path(1) is None
    icon = batch.tree.topLevelItem(0).icon(1)
    pixmap = icon.pixmap(batch.tree.iconSize())
    assert not pixmap.isNull() and max(pixmap.width(), pixmap.height()) <= 2 * batch_list.THUMB
    # The thumbnail is the result's, scaled down keeping its shape (2:1 here).
    scaled = pixmap.toImage()
    assert scaled.pixelColor(scaled.width() // 2, scaled.height() // 2) == Qt.GlobalColor.darkCyan


def test_without_an_image_the_thumbnail_is_read_off_the_gui_thread(
    qtbot, batch: BatchList, rows: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    output = write_image(batch.output_dir / "photo1-starry.png", 300, 200, seed=2)  # type: ignore[operator]
    threads: list[str] = []
    real = batch_list._read_thumbnail

    def spy(path: Path, side: int) -> QImage | None:
        threads.append(threading.current_thread().name)
        return real(path, side)

    monkeypatch.setattr(batch_list, "_read_thumbnail", spy)
    batch.set_result(1, output)
    assert batch.status(1).startswith("Done") and batch.result_path(1) == output
    qtbot.waitUntil(lambda: batch.has_thumbnail(1), timeout=5000)
    assert threads and threads[0] != threading.main_thread().name


def test_a_result_that_cannot_be_read_stays_done_without_a_thumbnail(
    qtbot, batch: BatchList, rows: list[Path]
) -> None:
    broken = batch.output_dir / "photo2-starry.png"  # type: ignore[operator]
    broken.write_bytes(b"not a picture")
    good = write_image(batch.output_dir / "photo0-starry.png", 64, 64)  # type: ignore[operator]
    batch.set_result(2, broken)
    batch.set_result(0, good)  # read after the broken one by the same side thread
    qtbot.waitUntil(lambda: batch.has_thumbnail(0), timeout=5000)
    assert not batch.has_thumbnail(2) and batch.status(2).startswith("Done")


def test_a_late_thumbnail_does_not_land_on_a_row_that_moved_on(
    qtbot, batch: BatchList, rows: list[Path]
) -> None:
    output = write_image(batch.output_dir / "photo0-starry.png", 64, 64)  # type: ignore[operator]
    gate = threading.Event()
    real = batch_list._read_thumbnail

    def slow(path: Path, side: int) -> QImage | None:
        gate.wait(5)
        return real(path, side)

    batch_list._read_thumbnail = slow  # type: ignore[assignment]
    try:
        batch.set_result(0, output)
        batch.set_status(0, "Waiting")  # repainted before its thumbnail came
        with qtbot.waitSignal(batch._thumbnails.finished, timeout=5000):
            gate.set()
    finally:
        batch_list._read_thumbnail = real
    assert not batch.has_thumbnail(0) and batch.result_path(0) is None


# Clicking a result -----------------------------------------------------------------------------


def test_clicking_a_finished_row_asks_to_show_its_result_with_its_own_photo(
    qtbot, batch: BatchList, rows: list[Path]
) -> None:
    batch.show()
    qtbot.waitExposed(batch)
    output = batch.output_dir / "photo1-starry.png"  # type: ignore[operator]
    batch.set_result(1, output, coloured())
    with qtbot.waitSignal(batch.result_activated, timeout=1000) as blocker:
        click_row(qtbot, batch, 1)
    assert blocker.args == [output, rows[1]]
    # Also from the photo's column, and by keyboard.
    with qtbot.waitSignal(batch.result_activated, timeout=1000) as blocker:
        click_row(qtbot, batch, 1, column=0)
    assert blocker.args == [output, rows[1]]
    batch.tree.setFocus()
    batch.tree.setCurrentItem(batch.tree.topLevelItem(1))
    with qtbot.waitSignal(batch.result_activated, timeout=1000) as blocker:
        qtbot.keyClick(batch.tree, Qt.Key.Key_Return)
    assert blocker.args == [output, rows[1]]


def test_clicking_an_unfinished_row_asks_nothing(qtbot, batch: BatchList, rows: list[Path]) -> None:
    batch.show()
    qtbot.waitExposed(batch)
    batch.set_failed(0, "The photo could not be read.")
    with qtbot.assertNotEmitted(batch.result_activated, wait=100):
        click_row(qtbot, batch, 0)
        click_row(qtbot, batch, 2)


# Failures --------------------------------------------------------------------------------------


def test_a_failed_row_shows_its_reason_in_the_row(qtbot, batch: BatchList, rows: list[Path]) -> None:
    batch.show()
    qtbot.waitExposed(batch)
    reason = "photo1.jpg is not an image: the file ends early."
    batch.set_status(1, "Failed", reason)  # how the window reports it
    item = batch.tree.topLevelItem(1)
    assert batch.status(1) == "Failed", "the status stays the word the window checks"
    assert item.text(1) == f"Failed\n{reason}"
    # Two lines fit in the row, so the reason is not clipped away.
    assert batch.tree.visualItemRect(item).height() >= 2 * batch.tree.fontMetrics().height()
    assert reason in item.toolTip(1)


def test_a_long_or_hostile_reason_is_one_capped_plain_line(batch: BatchList, rows: list[Path]) -> None:
    reason = "<b>bold</b>\nsecond line\t" + "z" * 5000
    batch.set_failed(0, reason)
    item = batch.tree.topLevelItem(0)
    status, shown = item.text(1).split("\n")
    assert status == "Failed" and shown.startswith("<b>bold</b> second line z")
    assert len(shown) <= batch_list.REASON_CHARS and shown.endswith("…")
    assert "&lt;b&gt;" in item.toolTip(1) and len(item.toolTip(1)) < 1200
    batch.set_failed(1, "")
    assert batch.tree.topLevelItem(1).text(1) == "Failed\nThe photo could not be painted."


def test_a_retry_clears_the_reason_and_keeps_finished_results(batch: BatchList, rows: list[Path]) -> None:
    batch.set_failed(0, "Out of memory.")
    batch.set_result(1, Path("/out/photo1.png"), coloured())
    batch.reset_unfinished()
    assert batch.tree.topLevelItem(0).text(1) == "Waiting" and batch.next_waiting() == 0
    assert batch.status(1).startswith("Done") and batch.has_thumbnail(1)
    batch.set_status(0, "Painting 40%")
    assert batch.tree.topLevelItem(0).text(1) == "Painting 40%"


# Output folder ---------------------------------------------------------------------------------


def test_open_folder_hands_the_output_folder_to_the_desktop(batch: BatchList, tmp_path: Path) -> None:
    opened: list[QUrl] = []
    batch.open_url = lambda url: opened.append(url) or True  # type: ignore[method-assign]
    assert not batch.open_folder_button.isEnabled()
    assert batch.open_output_folder() is False and not opened
    folder = tmp_path / "results with spaces"
    folder.mkdir()
    batch.set_output_dir(folder)
    assert batch.open_folder_button.isEnabled()
    batch.open_folder_button.click()
    assert opened == [QUrl.fromLocalFile(str(folder))] and opened[0].toLocalFile() == str(folder)
    batch.set_output_dir(None)
    assert not batch.open_folder_button.isEnabled()


# Format and naming -----------------------------------------------------------------------------


def test_format_and_naming_options_have_getters_and_setters(qtbot, batch: BatchList) -> None:
    assert batch.output_format() == "png" and batch.naming_pattern() == "{photo}-{style}"
    with qtbot.waitSignal(batch.output_options_changed, timeout=500):
        assert batch.set_output_format("tiff")
    assert batch.output_format() == "tiff" and batch.format_combo.currentText() == "TIFF, 16-bit"
    assert not batch.set_output_format("gif") and batch.output_format() == "tiff"
    with qtbot.waitSignal(batch.output_options_changed, timeout=500):
        batch.set_naming_pattern("{n} {photo}")
    assert batch.naming_pattern() == "{n} {photo}"
    batch.naming_edit.setText("   ")
    assert batch.naming_pattern() == "{photo}-{style}", "an emptied field means the default"
    batch.set_naming_pattern("x" * 5000 + "\n")
    assert len(batch.naming_pattern()) <= 200


def test_output_path_follows_the_options_and_spares_the_inputs(batch: BatchList, tmp_path: Path) -> None:
    assert batch.output_path_for(0, "starry") is None, "no folder yet"
    folder = tmp_path / "photos"
    folder.mkdir()
    photos = [write_image(folder / "a.png"), folder / "b.png"]  # b.png is not there (yet)
    batch.add(photos)
    batch.set_output_dir(folder)  # results go beside the photos
    batch.set_naming_pattern("{photo}")
    assert batch.output_path_for(0, "starry") == folder / "a-2.png"
    assert batch.output_path_for(1, "starry") == folder / "b-2.png", "an input is avoided even if missing"
    batch.set_output_format("jpeg")
    batch.set_naming_pattern("{n}_{style}/{photo}")
    assert batch.output_path_for(1, "Starry: night") == folder / "2_Starry_ night_b.jpg"
    first = batch.output_path_for(0, "s")
    assert first is not None and batch.output_path_for(0, "s", avoid=[first]) != first


# While a batch runs ----------------------------------------------------------------------------


def drag_enter_accepted(batch: BatchList, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.ignore()
    batch.dragEnterEvent(event)
    return event.isAccepted()


def test_running_locks_the_batch_settings_and_says_so(
    qtbot, batch: BatchList, rows: list[Path], tmp_path: Path
) -> None:
    batch.show()
    qtbot.waitExposed(batch)
    locked: list[QWidget] = [
        batch.add_button,
        batch.clear_button,
        batch.folder_button,
        batch.method_combo,
        batch.format_combo,
        batch.naming_edit,
        batch.start_button,
    ]
    assert all(w.isEnabled() for w in locked) and not batch.running_note.isVisible()
    photo = write_image(tmp_path / "dropped.png")
    assert drag_enter_accepted(batch, photo)

    batch.set_running(True)
    assert not any(w.isEnabled() for w in locked)
    assert batch.running_note.isVisible() and batch.running_note.text() == RUNNING_NOTE
    assert not drag_enter_accepted(batch, photo), "a drop would add to the running batch"
    # Reviewing goes on: finished rows can be clicked and the folder opened.
    assert batch.tree.isEnabled() and batch.open_folder_button.isEnabled()
    batch.set_result(0, batch.output_dir / "photo0.png", coloured())  # type: ignore[operator]
    with qtbot.waitSignal(batch.result_activated, timeout=1000):
        click_row(qtbot, batch, 0)

    batch.set_running(False)
    assert all(w.isEnabled() for w in locked) and not batch.running_note.isVisible()


def test_a_single_painting_locks_without_the_batch_note(qtbot, batch: BatchList, rows: list[Path]) -> None:
    batch.show()
    qtbot.waitExposed(batch)
    batch.set_running(True, batch=False)
    assert not batch.format_combo.isEnabled() and not batch.start_button.isEnabled()
    assert not batch.running_note.isVisible()


def test_an_empty_list_cannot_start_or_be_cleared(batch: BatchList) -> None:
    assert not batch.start_button.isEnabled() and not batch.clear_button.isEnabled()
    batch.set_running(False)
    assert not batch.start_button.isEnabled()
