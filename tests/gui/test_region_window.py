"""Regions in the whole window (fake engine through the real pipeline): Paint hands the masks
to the job, Ctrl+Z takes a stroke back, a saved picture's regions come back with its settings,
a new photo starts without regions, and a batch says it paints without them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.images import read_metadata
from nst_desktop.gui.main_window.regions import BATCH_NOTE, painting_key
from nst_desktop.gui.widgets.region_layers import KEEP

from .conftest import FakeEngine, write_image


class RecordingEngine(FakeEngine):
    """The fake painter, keeping the masks each painting and the photo's keep arrived with."""

    def __init__(self) -> None:
        super().__init__()
        self.masks: list[list[Any]] = []

    def stylize(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **kw: Any
    ) -> Any:
        self.masks.append([s.mask for s in styles])
        return super().stylize(content, styles, settings, **kw)


def open_regions(window) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.region_tools)
    assert window.regions.active


def test_paint_hands_the_regions_to_the_job_and_the_picture_records_them(  # type: ignore[no-untyped-def]
    qtbot, make_window, photo, painting, tmp_path: Path
) -> None:
    engine = RecordingEngine()
    window = make_window(engine)
    second = write_image(tmp_path / "second.png", 40, 40, seed=5)
    assert (
        window.inputs.set_photo(photo)
        and window.inputs.add_style(painting)
        and window.inputs.add_style(second)
    )
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=4, seed=3))
    open_regions(window)
    first = painting_key(window.gallery.styles()[0])
    layers = window.regions.layers
    layers.stroke(first, [(0.0, 5.0), (float(layers.width), 5.0)], 8.0, 0.0)  # the top band
    window.regions.stepped.emit()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize_button.click()
    masks = engine.masks[-1]
    assert masks[0] is not None and masks[1] is None  # at the size painted, the top band only
    assert masks[0].shape == (36, 48) and masks[0][1, 24] > 0.9 and masks[0][30, 24] < 0.1
    assert window.shown is not None
    meta = window.shown.metadata()
    assert "mask" in meta["styles"][0] and "mask" not in meta["styles"][1]


def test_ctrl_z_takes_the_last_stroke_back(qtbot, ready_window) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    open_regions(window)
    window.region_tools.choose_layer(KEEP)
    window.regions.layers.stroke(KEEP, [(10.0, 10.0)], 6.0, 0.0)
    window.regions.stepped.emit()
    assert window.regions.has_regions()
    window.menu_actions["undo"].trigger()
    assert not window.regions.has_regions()
    window.menu_actions["redo"].trigger()
    assert window.regions.has_regions()


def test_use_settings_from_a_picture_restores_its_regions(qtbot, ready_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    key = painting_key(window.gallery.styles()[0])
    window.regions.layers.stroke(key, [(0.0, 40.0), (64.0, 40.0)], 6.0, 0.0)  # the bottom band
    window.regions.layers.fill(KEEP)
    window.regions.layers.stroke(KEEP, [(32.0, 10.0)], 30.0, 0.0, erase=True)
    painted = window.regions.layers.mask(key)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize_button.click()
    out = tmp_path / "result.png"
    assert window.output.save_to(out)
    qtbot.waitUntil(lambda: out.exists() and read_metadata(out) is not None, timeout=10_000)
    window.regions.layers.clear(key)
    window.regions.layers.clear(KEEP)
    assert not window.regions.has_regions()
    assert window.inputs.use_settings_from(out)
    back = window.regions.layers.mask(key)
    assert back is not None and painted is not None
    assert np.abs(back - painted).mean() < 0.05
    assert window.regions.layers.mask(KEEP) is not None


def test_a_new_photo_starts_without_regions(ready_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    window.regions.layers.fill(KEEP)
    assert window.regions.has_regions()
    assert window.inputs.set_photo(write_image(tmp_path / "other.png", 50, 50, seed=9))
    assert not window.regions.has_regions()
    assert (window.regions.layers.width, window.regions.layers.height) == (50, 50)


def test_a_batch_start_says_in_one_sentence_that_it_paints_without_regions(  # type: ignore[no-untyped-def]
    qtbot, window, tmp_path: Path, painting: Path
) -> None:
    photos = [write_image(tmp_path / f"photo{i}.png", 40, 32, seed=i) for i in range(2)]
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=40, steps=4, seed=1))
    window.inputs.on_photo_files(photos)
    out = tmp_path / "out"
    out.mkdir()
    window.inputs.ask_folder = lambda title: out
    window.regions.layers.fill(KEEP)
    window.batch.start_button.click()
    assert window.banner.text() == BATCH_NOTE
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)


def test_use_these_settings_on_a_version_brings_its_regions_back(qtbot, ready_window) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    window.regions.layers.stroke(KEEP, [(10.0, 10.0), (50.0, 10.0)], 8.0, 0.0)
    painted = window.regions.layers.mask(KEEP)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize_button.click()
    version = window.shown.id if window.shown is not None else ""
    window.regions.layers.clear(KEEP)
    assert not window.regions.has_regions()
    window.history.strip.settings_requested.emit(version)
    back = window.regions.layers.mask(KEEP)
    assert back is not None and painted is not None
    assert np.abs(back - painted).mean() < 0.05


def test_a_damaged_region_record_is_one_sentence_and_the_settings_still_come_back(ready_window) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.engine.metadata import build_metadata

    window = ready_window
    meta = build_metadata(Settings(size=64, seed=5), content_name="photo.png", styles=[], device="cpu")
    meta["keep"] = "this is not a PNG"
    assert window.inputs.restore_settings(meta, "odd.png")
    assert window.controls.settings().seed == 5
    assert window.statusBar().currentMessage() == "A region mask recorded in this picture is damaged."
    assert not window.regions.has_regions()
