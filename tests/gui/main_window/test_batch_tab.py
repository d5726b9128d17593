"""The batch tab part alone: a real batch list, a recording runner, no window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from nst_desktop.engine import Result, Settings
from nst_desktop.engine.record import SourceRef
from nst_desktop.gui import threads
from nst_desktop.gui.main_window import state
from nst_desktop.gui.main_window.batch import BatchPlan
from nst_desktop.gui.main_window.batch_tab import BatchTab
from nst_desktop.gui.main_window.picture import Picture
from nst_desktop.gui.widgets.batch_list import BatchList
from nst_desktop.gui.worker import ImageInput, Job

from ..conftest import write_image


class Runner:
    """Records the plans it is asked to start (the batch's state machine is tested elsewhere)."""

    def __init__(self) -> None:
        self.plans: list[BatchPlan] = []

    @property
    def running(self) -> bool:
        return bool(self.plans)

    def start(self, plan: BatchPlan) -> bool:
        self.plans.append(plan)
        return True


class Rig:
    def __init__(
        self,
        qtbot,
        tmp_path: Path,
        *,
        styles: int = 1,
        settings: bool = True,
        folder: bool = True,
        version: Callable[[str], Picture | None] = lambda _id: None,
    ) -> None:  # type: ignore[no-untyped-def]
        self.list = BatchList(threads=threads.registry().child())
        qtbot.addWidget(self.list)
        self.runner = Runner()
        self.qsettings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        painting = write_image(tmp_path / "painting.png", 16, 16, seed=5)
        self.styles = tuple(ImageInput(f"p{i}.png", painting) for i in range(styles))
        self.busy = False
        self.asked: list[str] = []
        self.folder = tmp_path / "out" if folder else None
        self.tab = BatchTab(
            self.list,
            self.runner,  # type: ignore[arg-type]
            self.qsettings,
            styles=lambda: self.styles,
            settings=lambda: Settings(size=32) if settings else None,
            busy=lambda: self.busy,
            ask_folder=self._ask,
            version=version,
        )
        self.messages: list[tuple[str, bool]] = []
        self.statuses: list[str] = []
        self.loaded: list[tuple[object, str]] = []
        self.cleared = 0
        self.tab.message.connect(lambda text, error: self.messages.append((text, error)))
        self.tab.status.connect(lambda text, _ms: self.statuses.append(text))
        self.tab.result_loaded.connect(lambda *args: self.loaded.append(args))
        self.tab.cleared.connect(self._clear)

    def _ask(self, title: str) -> Path | None:
        self.asked.append(title)
        return self.folder

    def _clear(self) -> None:
        self.cleared += 1


def test_only_image_files_are_added_and_each_other_one_is_named(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    photo = write_image(tmp_path / "photo.png")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    assert rig.tab.add_paths([photo, notes, tmp_path / "gone.png"]) == 1
    assert rig.list.paths() == [photo]
    assert len(rig.messages) == 2 and all(error for _, error in rig.messages)
    assert "'notes.txt' is not an image file" in rig.messages[0][0]
    assert "gone.png" in rig.messages[1][0]


def test_a_batch_starts_with_the_look_and_paintings_of_now_asking_for_a_folder_once(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.list.add([write_image(tmp_path / "photo.png")])
    rig.tab.start()
    assert rig.asked == ["Where should the finished pictures go?"]
    assert rig.qsettings.value(state.BATCH_DIR) == str(rig.folder)
    [plan] = rig.runner.plans
    assert plan.settings == Settings(size=32) and plan.styles == rig.styles and plan.output_dir == rig.folder
    assert rig.cleared == 1 and rig.messages == []
    rig.runner.plans.clear()
    rig.tab.start()
    assert len(rig.asked) == 1, "the folder chosen is kept"


@pytest.mark.parametrize("case", ["busy", "no paintings", "folder cancelled", "bad settings"])
def test_a_batch_that_cannot_start_does_not(qtbot, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(
        qtbot,
        tmp_path,
        styles=0 if case == "no paintings" else 1,
        settings=case != "bad settings",
        folder=case != "folder cancelled",
    )
    rig.busy = case == "busy"
    rig.tab.start()
    assert rig.runner.plans == [] and rig.cleared == 0
    if case == "no paintings":
        assert rig.messages == [("Add at least one painting to take the style from.", True)]


def test_a_fast_style_batch_needs_no_painting(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path, styles=0)
    rig.list.set_fast_styles(["Autumn"])
    assert rig.list.set_paint_with("fast", "Autumn")
    rig.tab.start()
    assert len(rig.runner.plans) == 1


def _saved_record(path: Path, strength: float = 1.0) -> Result:
    """A batch's file as the pipeline writes it: a picture with its record's metadata."""
    pixels = np.random.default_rng(3).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    record = Result(
        pixels,
        pixels.astype(np.float32) / 255.0,
        Settings(size=40, seed=9, strength=strength),
        "cpu",
        2.0,
        10,
        photo=SourceRef("photo.png"),
        paintings=(SourceRef("p0.png", weight=0.5),),
    )
    record.save(path, dpi=300)
    return record


def test_a_row_shows_the_version_kept_from_its_picture(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Flow 9: a row clicked is its version (Save, Copy, Drag, star work on it), not a bare file."""
    versions: dict[str, Picture] = {}
    rig = Rig(qtbot, tmp_path, version=versions.get)
    output = tmp_path / "photo-p0.png"
    record = _saved_record(output)
    photo = write_image(tmp_path / "photo.png", 32, 24)
    job = Job(ImageInput("photo.png", photo), rig.styles, record.settings, output_path=output)
    shown = Picture(job=job, record=record)
    kept = Picture(job=job, record=record, id="20250101-000000-000-0123abcd")
    versions[kept.id] = kept
    rig.tab.kept(shown, kept)
    rig.tab.show_result(output, photo)
    assert rig.loaded == [(kept, "photo-p0.png")]
    del versions[kept.id]  # dropped from the history meanwhile: its file still holds its record
    rig.tab.show_result(output, photo)
    (picture, name) = rig.loaded[1]
    assert isinstance(picture, Picture) and name == "photo-p0.png"
    assert picture.photo.path == photo and picture.job.output_path == output, "its own photo"
    assert picture.metadata() == record.metadata() and picture.settings == record.settings
    assert np.array_equal(picture.pixels, record.image)


def test_a_result_is_read_with_its_record_or_is_one_sentence(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    output = tmp_path / "photo-p0.png"
    record = _saved_record(output, strength=0.5)
    photo = write_image(tmp_path / "photo.png", 32, 24)
    rig.tab.show_result(output, photo)
    rig.tab.show_result(output, tmp_path / "moved-away.png")
    assert rig.messages == [] and len(rig.loaded) == 2, rig.messages
    (picture, name), (moved, _) = rig.loaded
    assert picture.size == (40, 30) and picture.settings.strength == 0.5  # type: ignore[attr-defined]
    assert picture.record.paintings == record.paintings  # type: ignore[attr-defined]
    assert name == "photo-p0.png" and moved.photo.path == tmp_path / "moved-away.png"  # type: ignore[attr-defined]
    foreign = write_image(tmp_path / "foreign.png", 40, 30)  # no nst-desktop settings inside
    rig.tab.show_result(foreign, photo)
    assert len(rig.loaded) == 2 and rig.messages == [("This picture carries no nst-desktop settings.", True)]


def test_a_result_waits_for_the_run_and_an_unreadable_one_is_a_message(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    rig.busy = True
    rig.tab.show_result(broken, broken)
    assert rig.statuses == ["The result is shown when the current run ends."] and rig.loaded == []
    rig.busy = False
    rig.tab.show_result(broken, broken)
    assert rig.loaded == [] and len(rig.messages) == 1 and rig.messages[0][1]


def test_output_options_are_remembered(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    assert rig.list.set_output_format("jpeg")
    rig.list.set_naming_pattern("{n}-{photo}")
    rig.tab.save_options()
    assert rig.qsettings.value(state.BATCH_FORMAT) == "jpeg"
    assert rig.qsettings.value(state.BATCH_PATTERN) == "{n}-{photo}"
