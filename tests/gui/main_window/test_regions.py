"""The regions part alone, on a real view, tools panel and side task runner: a brush drag over
the picture paints mask pixels, Ctrl+Z's history takes a stroke back, the smart selection grows
a stroke to a disc's edge, a painted picture's regions come back from its file, and the masks
reach a job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from nst_desktop.engine import Settings
from nst_desktop.engine.images import read_metadata, save_image
from nst_desktop.engine.metadata import regions_from_metadata
from nst_desktop.engine.pipeline import Job, run_job
from nst_desktop.gui.main_window.regions import BATCH_NOTE, Regions, painting_key
from nst_desktop.gui.main_window.undo import ControlsUndo
from nst_desktop.gui.side_tasks import TaskRunner
from nst_desktop.gui.threads import ThreadRegistry
from nst_desktop.gui.widgets.controls import ControlsPanel
from nst_desktop.gui.widgets.preview import PreviewView
from nst_desktop.gui.widgets.region_layers import KEEP
from nst_desktop.gui.widgets.region_tools import RegionTools
from nst_desktop.gui.worker import ImageInput


def disc_on_texture(height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red disc (centre 80, 60; radius 40) on random green-blue-grey 8 px blocks: the picture,
    the disc's pixels and each pixel's distance from its edge (as tests/engine/test_selection.py)."""
    rng = np.random.default_rng(0)
    blocks = rng.integers(60, 180, (height // 8 + 1, width // 8 + 1, 3))
    blocks[..., 0] = rng.integers(40, 110, blocks.shape[:2])
    texture = blocks.repeat(8, 0).repeat(8, 1)[:height, :width] + rng.integers(-15, 15, (height, width, 3))
    yy, xx = np.mgrid[:height, :width]
    radius = np.hypot(yy - 60.0, xx - 80.0)
    disc = radius <= 40
    picture = np.clip(texture, 0, 255).astype(np.uint8)
    picture[disc] = (205, 55, 45)
    return picture, disc, np.abs(radius - 40)


class Rig:
    """A Regions part on bare widgets: a shown view of a 160x120 canvas, two paintings."""

    def __init__(self, qtbot, photo: np.ndarray | None = None) -> None:  # type: ignore[no-untyped-def]
        self.photo = photo if photo is not None else np.full((120, 160, 3), 128, np.uint8)
        h, w = self.photo.shape[:2]
        self.view = PreviewView()
        self.tools = RegionTools()
        self.controls = ControlsPanel()
        for widget in (self.view, self.tools, self.controls):
            qtbot.addWidget(widget)
        self.view.resize(w + 40, h + 40)
        self.view.set_canvas_size(w, h)
        self.view.set_image(QImage(w, h, QImage.Format.Format_RGB888))
        self.view.show()
        qtbot.waitExposed(self.view)
        self.view.set_zoom(1.0)
        self.threads = ThreadRegistry()
        self.runner = TaskRunner(threads=self.threads)
        self.styles = [
            ImageInput(name="sky.png", path=Path("/x/sky.png")),
            ImageInput(name="ground.png", path=Path("/x/ground.png")),
        ]
        self.regions = Regions(
            self.tools, self.view, self.runner, styles=lambda: self.styles, photo=lambda: self.photo
        )
        self.regions.set_photo(self.photo)
        self.regions.set_active(True)
        self.steps: list[bool] = []
        self.changes: list[bool] = []
        self.regions.stepped.connect(lambda: self.steps.append(True))
        self.regions.changed.connect(lambda: self.changes.append(True))

    def at(self, x: float, y: float) -> QPoint:
        """The viewport point over canvas pixel (x, y)."""
        return self.view.mapFromScene(QPointF(x, y))

    def drag(self, qtbot, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
        port = self.view.viewport()
        qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=self.at(*points[0]))
        for x, y in points[1:]:
            qtbot.mouseMove(port, pos=self.at(x, y))
        qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=self.at(*points[-1]))

    def close(self) -> None:
        assert self.runner.shutdown()


def test_a_brush_drag_over_the_picture_paints_the_chosen_layer(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot)
    sky = painting_key(rig.styles[0])
    rig.tools.choose_layer(sky)
    rig.tools.size_slider.setValue(10)
    rig.tools.softness_slider.setValue(0)
    rig.drag(qtbot, [(20, 30), (80, 30), (140, 30)])
    mask = rig.regions.layers.mask(sky)
    assert mask is not None
    assert mask[30, 50] == 1.0 and mask[30, 110] == 1.0  # along the drag
    assert mask[90, 80] == 0.0  # far from it
    assert rig.regions.layers.mask(KEEP) is None
    assert rig.steps == [True] and rig.changes  # one undo step, and the instant picture follows
    assert rig.view.has_overlay()
    rig.regions.set_active(False)
    assert not rig.view.has_overlay()  # the tab closed: no tint over the picture


def test_undo_takes_a_stroke_back_and_redo_brings_it_again(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot)
    undo = ControlsUndo(rig.controls, part=rig.regions)
    rig.regions.stepped.connect(lambda: undo.record(merge=False))
    rig.tools.choose_layer(KEEP)
    rig.tools.size_slider.setValue(20)
    rig.drag(qtbot, [(40, 60), (120, 60)])
    rig.controls.set_settings(rig.controls.settings().replace(style_strength=2.0))
    undo.record()  # a control change after the stroke: its own step
    assert rig.regions.layers.mask(KEEP) is not None
    assert undo.undo()  # the control change
    assert rig.controls.settings().style_strength != 2.0
    assert rig.regions.layers.mask(KEEP) is not None
    assert undo.undo()  # the stroke
    assert rig.regions.layers.mask(KEEP) is None
    assert not undo.can_undo()
    assert undo.redo()
    kept = rig.regions.layers.mask(KEEP)
    assert kept is not None and kept[60, 80] == 1.0


def test_undo_past_the_photo_leaves_this_photo_without_regions(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot)
    rig.regions.set_photo(np.zeros((10, 10, 3), np.uint8))  # the history began with another photo
    undo = ControlsUndo(rig.controls, part=rig.regions)
    rig.regions.set_photo(rig.photo)  # as the window: the photo comes after the history's start
    rig.regions.stepped.connect(lambda: undo.record(merge=False))
    rig.drag(qtbot, [(40, 60), (120, 60)])
    assert rig.regions.has_regions()
    assert undo.undo()
    assert not rig.regions.has_regions()
    assert (rig.regions.layers.width, rig.regions.layers.height) == (160, 120)  # still this photo's
    assert undo.redo() and rig.regions.has_regions()


def test_the_smart_tool_grows_one_stroke_to_the_discs_edge(qtbot) -> None:  # type: ignore[no-untyped-def]
    picture, disc, from_edge = disc_on_texture(120, 160)
    rig = Rig(qtbot, photo=picture)
    ground = painting_key(rig.styles[1])
    rig.tools.choose_layer(ground)
    rig.tools.choose_tool("smart")
    rig.tools.size_slider.setValue(6)
    try:
        with qtbot.waitSignal(rig.regions.stepped, timeout=20_000):
            rig.drag(qtbot, [(65, 60), (80, 62), (95, 60)])  # a rough line inside the disc
    finally:
        rig.close()
    mask = rig.regions.layers.mask(ground)
    assert mask is not None
    assert rig.regions.layers.mask("stroke") is None  # the rough stroke itself is gone
    wrong = (mask > 0.5) != disc
    assert wrong.sum() < 0.06 * disc.sum()
    assert from_edge[wrong].max() <= 8.0


def test_the_masks_reach_a_job_as_the_engine_takes_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot)
    assert rig.regions.job_inputs(rig.styles) == (tuple(rig.styles), None)
    sky = painting_key(rig.styles[0])
    rig.regions.layers.stroke(sky, [(10.0, 10.0), (150.0, 10.0)], 8.0, 0.0)
    rig.regions.layers.fill(KEEP)
    styles, keep = rig.regions.job_inputs(rig.styles)
    assert styles[0].mask is not None and styles[1].mask is None
    assert styles[0].mask.pixels is rig.regions.layers.frozen(sky)
    assert keep is not None and keep.pixels is not None and keep.pixels.min() == 255
    assert rig.regions.batch_note() == BATCH_NOTE


def test_regions_painted_into_a_real_picture_come_back_from_its_file(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    save_image(tmp_path / "photo.png", photo)
    for name in ("sky.png", "ground.png"):
        save_image(tmp_path / name, rng.integers(0, 255, (32, 32, 3), dtype=np.uint8))
    rig = Rig(qtbot, photo=photo)
    rig.styles = [ImageInput(name=n, path=tmp_path / n) for n in ("sky.png", "ground.png")]
    rig.regions.sync_paintings()
    sky = painting_key(rig.styles[0])
    rig.regions.layers.stroke(sky, [(0.0, 8.0), (64.0, 8.0)], 10.0, 0.0)  # the top band
    rig.regions.layers.stroke(KEEP, [(32.0, 40.0)], 6.0, 0.0)
    painted_sky, painted_keep = rig.regions.layers.mask(sky), rig.regions.layers.mask(KEEP)
    styles, keep = rig.regions.job_inputs(rig.styles)
    out = tmp_path / "result.png"
    # A real instant picture at 32 px, written with its metadata by the pipeline.
    settings = Settings(method="instant", size=32, device="cpu")
    run_job(
        Job(
            content=ImageInput("photo.png", tmp_path / "photo.png"),
            styles=styles,
            settings=settings,
            output_path=out,
            keep=keep,
        )
    )

    fresh = Rig(qtbot, photo=photo)
    fresh.styles = rig.styles
    fresh.regions.sync_paintings()
    meta = read_metadata(out)
    assert meta is not None
    masks, kept = regions_from_metadata(meta)
    names = [e["name"] for e in meta["styles"]]
    assert fresh.regions.restore(masks, kept, names)
    back_sky, back_keep = fresh.regions.layers.mask(sky), fresh.regions.layers.mask(KEEP)
    assert (
        back_sky is not None
        and back_keep is not None
        and painted_sky is not None
        and painted_keep is not None
    )
    assert np.abs(back_sky - painted_sky).mean() < 0.05
    assert np.abs(back_keep - painted_keep).mean() < 0.05
    assert fresh.regions.layers.mask(painting_key(rig.styles[1])) is None
    assert fresh.steps == [True]


def test_regions_of_another_shape_are_not_restored(qtbot) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot)
    lines: list[str] = []
    rig.regions.status.connect(lambda text, _ms: lines.append(text))
    assert not rig.regions.restore([np.ones((100, 40), np.float32), None], None, ["sky.png", "ground.png"])
    assert "another shape" in lines[-1]
    assert not rig.regions.has_regions()
