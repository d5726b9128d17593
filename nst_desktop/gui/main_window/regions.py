"""Regions in the window: where each painting goes and where the photo is kept, painted over
the picture with a brush, an eraser or a smart selection.

:class:`Regions` is an owned part of :class:`~.window.MainWindow`. It owns the
:class:`~..widgets.region_layers.RegionLayers` of the photo on show and answers the Regions
tab (:class:`~..widgets.region_tools.RegionTools`) and the picture view's brush signals; the
smart selection runs on the side task runner it is given (the instant picture's, so the two
never compete for the CPU), and the masks reach a job, the instant picture and the undo
history through plain methods:

- :meth:`job_inputs` gives the paintings with their masks and the keep mask for a job (the
  engine's API: ``ImageInput.mask`` and ``Job.keep``), the same objects until a layer changes;
- :meth:`snapshot` / :meth:`restore_snapshot` make strokes undo steps beside the controls'
  (:class:`~.undo.ControlsUndo`); ``stepped`` says a step ended;
- :meth:`restore` puts back the masks recorded in a picture or a version.

The layers belong to the photo, not to a preset: a new photo starts without regions.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
from PySide6.QtCore import QObject, QPointF, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from nst_desktop.engine.regions import ASPECT_TOLERANCE
from nst_desktop.engine.types import Mask

from .. import imaging
from ..side_tasks import TaskRunner
from ..widgets.preview import PreviewView
from ..widgets.region_layers import KEEP, Colour, RegionLayers, Snapshot
from ..widgets.region_tools import RegionTools
from ..worker import ImageInput

TASK_KEY: Final = "smart-selection"
STROKE: Final = "stroke"
"""The layer a smart stroke is drawn into while the hand moves (not a region)."""
KEEP_COLOUR: Final[Colour] = (40, 220, 255)
PALETTE: Final[tuple[Colour, ...]] = (
    (255, 150, 30),
    (200, 70, 255),
    (60, 210, 90),
    (255, 70, 110),
    (250, 230, 60),
    (70, 120, 255),
)
REDRAW_MS: Final = 40
"""The overlay is redrawn at most this often while the brush moves."""
FOLLOW_MS: Final = 250
"""The instant picture is asked for at most this often while a stroke goes on (and at its end)."""
FEATHER_SHARE: Final = 0.012
"""Feather softens a layer's edge over this share of the photo's long side."""
BATCH_NOTE: Final = (
    "The batch paints every photo without regions: the regions you painted belong to this photo."
)


def painting_key(source: ImageInput) -> str:
    """Which layer is a painting's: its file, or the pasted pixels it holds."""
    if source.path is not None:
        return f"file:{source.path}"
    return f"pixels:{id(source.pixels)}"


class Regions(QObject):
    """The region layers of the photo on show (a part of the main window)."""

    changed = Signal()
    """The masks changed: the instant picture follows (throttled while a stroke goes on)."""
    stepped = Signal()
    """A stroke or a command ended: one undo step."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms)."""
    message = Signal(str, bool)
    """A line for the banner, and whether it is a problem."""

    def __init__(
        self,
        tools: RegionTools,
        view: PreviewView,
        runner: TaskRunner,
        *,
        styles: Callable[[], Sequence[ImageInput]],
        photo: Callable[[], imaging.RGB8 | None],
        parent: QObject | None = None,
    ) -> None:
        """``styles`` gives the paintings on the window, ``photo`` its photo's pixels."""
        super().__init__(parent)
        self.tools = tools
        self._view = view
        self._runner = runner
        self._styles = styles
        self._photo = photo
        self.layers = RegionLayers()
        self.active = False
        """The Regions tab is open: the view paints and shows the overlay."""
        self._key = KEEP
        self._points: list[tuple[float, float]] = []
        self._smart_generation = -1
        self._smart_key = KEEP  # the layer the smart stroke in progress adds to
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self.redraw)
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self.changed)
        tools.layer_chosen.connect(self._choose_layer)
        tools.tool_chosen.connect(lambda _tool: self._update_brush())
        tools.brush_changed.connect(self._update_brush)
        tools.command.connect(self.run_command)
        tools.overlay_toggled.connect(lambda _on: self.redraw())
        view.brush_pressed.connect(self.press)
        view.brush_moved.connect(self.move)
        view.brush_released.connect(self.release)
        runner.finished.connect(self._on_selected)
        runner.failed.connect(self._on_selection_failed)
        self.sync_paintings()

    # The photo and the paintings --------------------------------------------------------------

    def set_photo(self, pixels: imaging.RGB8) -> None:
        """A new photo: its own, empty layers (regions belong to a photo)."""
        had = self.layers.has_regions()
        h, w = pixels.shape[:2]
        self.layers.reset(w, h)
        self._points.clear()
        self.redraw()
        self._update_brush()
        if had:
            self.changed.emit()

    def sync_paintings(self) -> None:
        """The paintings changed: one layer each (a removed painting's region goes)."""
        styles = list(self._styles())
        keys = [painting_key(s) for s in styles]
        before = self.layers.filled()
        self.layers.forget_except([*keys, STROKE])
        entries: list[tuple[str, str, Colour]] = [(KEEP, "Keep the photo", KEEP_COLOUR)]
        seen: set[str] = set()
        for index, (key, style) in enumerate(zip(keys, styles, strict=True)):
            if key not in seen:
                seen.add(key)
                entries.append((key, style.name, PALETTE[index % len(PALETTE)]))
        self.tools.set_layers(entries)
        self._key = self.tools.current_layer() or KEEP
        self.redraw()
        if self.layers.filled() != before:
            self.changed.emit()

    def has_regions(self) -> bool:
        return any(k != STROKE for k in self.layers.filled())

    def _colours(self) -> list[tuple[str, Colour]]:
        styles = list(self._styles())
        out = [(painting_key(s), PALETTE[i % len(PALETTE)]) for i, s in enumerate(styles)]
        out.append((KEEP, KEEP_COLOUR))
        stroke_colour = dict(out).get(self._key, KEEP_COLOUR)
        out.append((STROKE, stroke_colour))
        return out

    def _painting_keys(self) -> list[str]:
        return [painting_key(s) for s in self._styles()]

    # The view -----------------------------------------------------------------------------------

    def set_active(self, on: bool) -> None:
        """The Regions tab opened (True) or closed: the view paints and shows the regions."""
        self.active = on
        self._update_brush()
        self.redraw()

    @Slot()
    def redraw(self) -> None:
        """The overlay on the view, if the tab is open and the artist wants to see it."""
        self._redraw.stop()
        if not self.active or not self.tools.show_overlay.isChecked() or not self.layers.ready:
            self._view.set_overlay(None)
            return
        rgba = self.layers.overlay(self._colours())
        if rgba is None:
            self._view.set_overlay(None)
            return
        h, w = rgba.shape[:2]
        image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        self._view.set_overlay(image)

    def _update_brush(self) -> None:
        on = self.active and self.layers.ready
        share = self.tools.brush_size() / 2 / self.layers.width if self.layers.width else 0.0
        self._view.set_brush_input(on, share)

    @Slot(str)
    def _choose_layer(self, key: str) -> None:
        self._key = key or KEEP
        self.redraw()

    # Strokes ------------------------------------------------------------------------------------

    def _at(self, point: QPointF) -> tuple[float, float]:
        return point.x() * self.layers.width, point.y() * self.layers.height

    def _target(self) -> str:
        return STROKE if self.tools.tool() == "smart" else self._key

    def _paint(self, points: list[tuple[float, float]]) -> None:
        tool = self.tools.tool()
        exclusive = self._painting_keys() if self._key != KEEP and tool == "brush" else []
        softness = 0.0 if tool == "smart" else self.tools.brush_softness()
        self.layers.stroke(
            self._target(),
            points,
            self.tools.brush_size() / 2,
            softness,
            erase=tool == "eraser",
            exclusive=exclusive,
        )

    @Slot(QPointF)
    def press(self, point: QPointF) -> None:
        if not self.layers.ready:
            return
        self._points = [self._at(point)]
        self._paint(self._points)
        self._redraw.start()

    @Slot(QPointF)
    def move(self, point: QPointF) -> None:
        if not self._points:
            return
        here = self._at(point)
        self._paint([self._points[-1], here])  # only the new segment: the rest is painted
        self._points.append(here)
        if not self._redraw.isActive():
            self._redraw.start()
        if self.tools.tool() != "smart" and not self._follow.isActive():
            self._follow.start()

    @Slot()
    def release(self) -> None:
        if not self._points:
            return
        self._points = []
        self._follow.stop()
        if self.tools.tool() == "smart":
            self._select()
            return
        self.redraw()
        self.stepped.emit()
        self.changed.emit()

    # The smart selection ------------------------------------------------------------------------

    def _select(self) -> None:
        """Grow the smart stroke to the object's edges on the side thread."""
        stroke = self.layers.mask(STROKE)
        photo = self._photo()
        if stroke is None or photo is None:
            self.layers.clear(STROKE)
            self.redraw()
            return
        width, height = self.layers.width, self.layers.height

        def run(cancel: threading.Event) -> Mask:
            from PIL import Image

            from nst_desktop.engine import selection

            small = np.asarray(Image.fromarray(photo).resize((width, height), Image.Resampling.LANCZOS))
            return selection.grow(small, stroke)

        self.status.emit("Finding the edges…", 0)
        self._smart_generation = self._runner.submit(TASK_KEY, run)
        self._smart_key = self._key

    @Slot(str, int, object)
    def _on_selected(self, key: str, generation: int, value: object) -> None:
        if key != TASK_KEY or generation != self._smart_generation or not isinstance(value, np.ndarray):
            return
        self.layers.clear(STROKE)
        if value.shape != (self.layers.height, self.layers.width):
            self.redraw()  # the photo changed meanwhile
            return
        target = self._smart_key
        exclusive = self._painting_keys() if target != KEEP else []
        self.layers.add(target, value, exclusive)
        self.status.emit("Selected: the stroke grew to the edges around it.", 4000)
        self.redraw()
        self.stepped.emit()
        self.changed.emit()

    @Slot(str, int, object)
    def _on_selection_failed(self, key: str, generation: int, error: object) -> None:
        if key != TASK_KEY or generation != self._smart_generation:
            return
        self.layers.clear(STROKE)
        self.redraw()
        from ..worker import failure_message

        text = failure_message(error) if isinstance(error, BaseException) else str(error)
        self.message.emit(f"The smart selection did not work: {text}", True)

    # Whole-layer commands -----------------------------------------------------------------------

    @Slot(str)
    def run_command(self, command: str) -> None:
        if not self.layers.ready:
            self.message.emit("Add a photo first: regions are painted over it.", True)
            return
        key = self._key
        if command == "fill":
            self.layers.fill(key, self._painting_keys() if key != KEEP else [])
        elif command == "invert":
            self.layers.invert(key)
        elif command == "clear":
            self.layers.clear(key)
        elif command == "feather":
            self.layers.feather(
                key, max(2, round(FEATHER_SHARE * max(self.layers.width, self.layers.height)))
            )
        else:
            return
        self.redraw()
        self.stepped.emit()
        self.changed.emit()

    # The masks for a job, the instant picture and the undo history ------------------------------

    def job_inputs(self, styles: Sequence[ImageInput]) -> tuple[tuple[ImageInput, ...], ImageInput | None]:
        """``styles`` with their masks, and the keep mask (None without one): what a job
        takes. The mask inputs hold the layers' read-only arrays, the same until changed."""
        out = []
        for style in styles:
            layer = self.layers.frozen(painting_key(style))
            mask = None if layer is None else ImageInput(name=f"region of {style.name}", pixels=layer)
            out.append(dataclasses.replace(style, mask=mask))
        keep = self.layers.frozen(KEEP)
        return tuple(out), (None if keep is None else ImageInput(name="the kept part", pixels=keep))

    def snapshot(self) -> Snapshot:
        return self.layers.snapshot()

    def restore_snapshot(self, snapshot: object) -> None:
        """An undo or redo: the layers as they were; a state from before this photo (another
        photo's layers, or none yet) is this photo without regions."""
        if not isinstance(snapshot, Snapshot):
            return
        if snapshot.size == (self.layers.width, self.layers.height):
            self.layers.restore(snapshot)
        elif self.layers.has_regions():
            self.layers.reset(self.layers.width, self.layers.height)
        else:
            return
        self.redraw()
        self.changed.emit()

    def restore(self, masks: Sequence[Mask | None], keep: Mask | None, names: Sequence[str]) -> bool:
        """The masks a picture or a version recorded (one per painting it was painted from,
        named ``names``), on the paintings here: by name, else in order. False (with a line
        for the status bar) when there is no photo or the masks were drawn for another shape."""
        if not any(m is not None for m in masks) and keep is None:
            return False
        if not self.layers.ready:
            self.status.emit("Open the photo first to use the regions recorded in the picture.", 8000)
            return False
        shapes = [m.shape for m in (*masks, keep) if m is not None]
        ratio = self.layers.width / self.layers.height
        if any(abs((w / h) / ratio - 1.0) > ASPECT_TOLERANCE for h, w in shapes):
            self.status.emit(
                "The picture's regions were drawn on a photo of another shape: they were not restored.", 8000
            )
            return False
        styles = list(self._styles())
        by_name = dict(zip(names, masks, strict=False))
        in_order = len(masks) == len(styles)
        for index, style in enumerate(styles):
            by_order = masks[index] if in_order else None
            self.layers.set_mask(painting_key(style), by_name.get(style.name, by_order))
        self.layers.set_mask(KEEP, keep)
        self.redraw()
        self.stepped.emit()
        self.changed.emit()
        return True

    def batch_note(self) -> str:
        """The sentence a batch start shows when regions exist ("" without)."""
        return BATCH_NOTE if self.has_regions() else ""
