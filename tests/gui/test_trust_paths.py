"""Issue 8 in the window: paths that cannot be examined, FIFOs and markup in names.

Every place the window looks at a path the artist handed over goes through
``gui.user_paths``: nothing raises inside a Qt slot or blocks on a FIFO, and the banner says
why in one plain line. Names are shown as written (plain text) and capped.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from nst_desktop.gui import user_paths
from nst_desktop.gui.plain_text import capped, plain_tooltip

from .conftest import write_image

LONG = "n" * 300 + ".png"
MARKUP = "<h1>big</h1><img src=x>.png"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder the user may not enter: stat of anything inside raises PermissionError.

    (As root a real ``chmod 000`` is no barrier; the helper itself is tested with a real one
    in a subprocess without the override capabilities below.)"""
    folder = tmp_path / "locked"
    folder.mkdir()
    write_image(folder / "inside.png")
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(folder) + os.sep in os.fsdecode(os.fspath(path)):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    return folder


def test_the_helper_never_raises_nor_blocks(tmp_path: Path, fifo: Path) -> None:
    start = time.monotonic()
    assert "not a regular file" in user_paths.problem(fifo)
    assert "too long" in user_paths.problem(tmp_path / LONG)
    assert "does not exist" in user_paths.problem(tmp_path / "missing.png")
    assert "folder" in user_paths.problem(tmp_path)
    assert "not a folder" in user_paths.problem(fifo, "dir")
    assert "not a valid file name" in user_paths.problem("a\0b")
    assert user_paths.problem(write_image(tmp_path / "ok.png")) == ""
    assert user_paths.is_dir(tmp_path) and not user_paths.is_file(tmp_path / LONG)
    assert user_paths.save_problem(fifo) and user_paths.save_problem(tmp_path / "new.png") == ""
    assert time.monotonic() - start < 2


def test_the_helper_in_a_folder_that_may_not_be_entered(tmp_path: Path) -> None:
    """A real chmod 000 folder, examined by a process without root's override capabilities."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to drop root's override capabilities")
    folder = tmp_path / "private"
    folder.mkdir()
    write_image(folder / "photo.png")
    folder.chmod(0)
    try:
        code = (
            "import sys; from nst_desktop.gui.user_paths import problem, is_file;"
            "print(problem(sys.argv[1])); print(is_file(sys.argv[1]))"
        )
        caps = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
        out = subprocess.run(
            [*caps, sys.executable, "-c", code, str(folder / "photo.png")],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    assert out.stdout.splitlines() == [
        "nst-desktop is not allowed to look at 'photo.png' (or into the folder it is in).",
        "False",
    ]


def test_dropped_and_opened_paths_give_one_line(window, tmp_path: Path, fifo: Path, locked: Path) -> None:
    start = time.monotonic()
    for path, words in (
        (fifo, "not a regular file"),
        (tmp_path / LONG, "too long for the file system"),
        (locked / "inside.png", "not allowed to look at"),
    ):
        window.banner.hide()
        window.inputs.open_paths([path])  # a drop on the window
        assert words in window.banner.text()
        window.banner.hide()
        window.photo_area.files_dropped.emit([path])  # a drop on the photo area
        assert words in window.banner.text()
        window.banner.hide()
        window.gallery.files_dropped.emit([path])  # a drop on the paintings
        assert words in window.banner.text()
        window.banner.hide()
        window.batch_tab.add_paths([path])
        assert words in window.banner.text()
    # Several at once (the batch route), none usable.
    window.inputs.on_photo_files([fifo, locked / "inside.png"])
    assert "None of the dropped items" in window.banner.text()
    assert window.content is None and not window.gallery.styles() and window.batch.count() == 0
    assert time.monotonic() - start < 10


def test_recent_and_restored_paths_that_cannot_be_examined(
    make_window, qsettings, tmp_path: Path, fifo: Path, locked: Path
) -> None:
    good = write_image(tmp_path / "good.png")
    qsettings.setValue(
        "recent_images", [str(locked / "inside.png"), str(tmp_path / LONG), str(fifo), str(good)]
    )
    qsettings.setValue("batch_dir", str(locked / "out"))
    window = make_window()  # restoring the batch folder must not raise
    assert window.batch.output_dir is None
    window.inputs.fill_recent_menu(window.recent_menu)
    titles = [a.text() for a in window.recent_menu.actions()]
    assert titles == ["good.png"]


def test_train_dialog_photo_folder_that_cannot_be_examined(qtbot, tmp_path: Path, locked: Path) -> None:
    from nst_desktop.engine.pipeline import ImageInput
    from nst_desktop.gui.train_dialog import TrainDialog

    painting = ImageInput(name="p.png", path=write_image(tmp_path / "p.png"))
    dialog = TrainDialog([painting], styles_folder=tmp_path / "styles")
    qtbot.addWidget(dialog)
    for folder, words in (
        (locked / "photos", "not allowed"),
        (tmp_path / LONG, "too long"),
        (tmp_path / "pipe.png", ""),
    ):
        dialog.folder_edit.setText(str(folder))
        assert words in dialog.folder_info.text()
        assert dialog.problem().startswith("The photo folder cannot be used")


def test_preset_and_fast_style_files_that_cannot_be_examined(window, fifo: Path, locked: Path) -> None:
    bar = window.preset_bar
    bar.ask_open_path = lambda: fifo
    bar.import_file()
    assert "not a regular file" in window.banner.text()
    bar.ask_open_path = lambda: locked / "x.json"
    bar.import_file()
    assert "not allowed" in window.banner.text()
    panel = window.fast_styles
    panel.ask_open_file = lambda: fifo
    panel.import_style()
    assert "not a regular file" in window.banner.text()
    panel.ask_open_file = lambda: locked / "x.nststyle"
    panel.import_style()
    assert "not allowed" in window.banner.text()


# Plain text ---------------------------------------------------------------------------------------


def test_file_names_with_markup_are_shown_as_written(window, tmp_path: Path, qtbot) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    photo = write_image(folder / MARKUP.replace("/", "_"))
    painting = write_image(folder / ("<b>p<i>" + "x" * 200 + ".png"))
    assert window.inputs.set_photo(photo)
    assert window.inputs.add_style(painting)
    card = window.gallery.findChildren(QLabel)
    names = [c for c in card if c.text().startswith("<b>p<i>")]
    assert names and all(c.textFormat() == Qt.TextFormat.PlainText for c in names)
    assert all(len(c.text()) <= 120 for c in names)
    assert "&lt;b&gt;" in names[0].toolTip()
    # A message about it: banner and status bar, plain and capped.
    window.inputs._load_display(folder / ("<i>" + "y" * 240 + ".png"))
    assert window.banner.text().startswith("'<i>yyy") and len(window.banner.text()) < 400
    assert len(window.statusBar().currentMessage()) <= 400
    # The batch rows.
    window.batch.add([photo])
    item = window.batch.tree.topLevelItem(0)
    assert item.text(0) == photo.name and "&lt;h1&gt;" in item.toolTip(0)
    window.batch.set_status(0, "Failed", "<b>" + "z" * 5000)
    assert "&lt;b&gt;" in item.toolTip(1) and len(item.toolTip(1)) < 1200


def test_questions_are_plain_text(window, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    seen: list[QMessageBox] = []

    def fake_exec(box: QMessageBox) -> int:
        seen.append(box)
        return int(QMessageBox.StandardButton.No.value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert window.ask_yes_no("Replace '<h1>big</h1>'?" + "w" * 5000) is False
    assert window.fast_styles.confirm("Delete '<img src=x>'?") is False
    assert window.preset_bar.confirm("Delete '<img src=x>'?") is False
    assert len(seen) == 3
    assert all(b.textFormat() == Qt.TextFormat.PlainText for b in seen)
    assert seen[0].text().startswith("Replace '<h1>big</h1>'?") and len(seen[0].text()) <= 600


def test_plain_helpers_cap_huge_text() -> None:
    huge = "<b>" + "x" * 1_000_000
    assert len(capped(huge, 80)) == 80
    assert len(plain_tooltip(huge)) < 1100 and "<b>" not in plain_tooltip(huge)[30:]


def test_a_real_drop_of_a_crafted_picture_on_the_window(window, tmp_path: Path) -> None:
    """A drop event (not a method call) with a picture carrying 900 KB settings and a file
    named with markup: short plain messages, the window keeps working."""
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from .test_trust_gui import HUGE, crafted_png

    meta = {"app": "nst-desktop", "settings": {"schema_version": 1, "keep_colors": HUGE[:900_000]}}
    crafted = crafted_png(tmp_path / "<h1>crafted<h1>.png", meta)
    for path, start in ((crafted, "Could not restore the settings from '<h1>crafted<h1>.png'"),):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        begin = time.monotonic()
        window.dropEvent(event)
        assert time.monotonic() - begin < 5
        assert window.banner.text().startswith(start), window.banner.text()
        assert len(window.banner.text()) < 400 and len(window.statusBar().currentMessage()) <= 400
    assert window.inputs.set_photo(write_image(tmp_path / "ok.png"))


def test_the_train_dialog_shows_painting_names_as_written(qtbot, tmp_path: Path) -> None:
    from nst_desktop.engine.pipeline import ImageInput
    from nst_desktop.gui.train_dialog import TrainDialog

    name = "<img src=x>" + "p" * 5000 + ".png"
    painting = ImageInput(name=name, path=write_image(tmp_path / "p.png"))
    dialog = TrainDialog([painting], styles_folder=tmp_path / "styles")
    qtbot.addWidget(dialog)
    assert dialog.paintings_label.textFormat() == Qt.TextFormat.PlainText
    assert (
        dialog.paintings_label.text().startswith("<img src=x>") and len(dialog.paintings_label.text()) <= 300
    )
    assert len(dialog.name_edit.text()) <= 80
