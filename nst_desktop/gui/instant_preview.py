"""The live instant picture: the photo painted by the instant network as the artist edits.

:class:`InstantPreview` is told what the window shows (photo, paintings, settings) on every
change; when what the instant network would paint differs from what it last asked for, it
submits one task to the side :class:`~.side_tasks.TaskRunner` under one key, so a burst of
slider ticks leaves at most one task waiting behind the one running (the latest wins).
Requests go out at most every :data:`MIN_INTERVAL_MS`: a drag sends far more ticks than the
eye needs, and each picture costs the GUI thread a conversion.

Every picture newer than the one on screen is shown; a picture is dropped only when a newer
one is already on show. (Dropping every picture that was not the latest request, as before,
kept the screen still for a whole drag: each result arrived after a newer request.) While a
slider is dragged the window asks for a draft (``DRAFT_SIDE`` long side, a quarter of the
pixels, so the transformer keeps up with the hand); the full picture (``PREVIEW_SIDE``) follows
when the drag ends, or after :data:`IDLE_MS` without a move while the slider is held. Files are
read on the side thread and kept, so a slider move costs only the network's pass (the engine
caches each painting's style vector).

Regions follow too: :attr:`InstantPreview.regions`, when set, gives the paintings their masks
and the keep mask (the regions part's :meth:`~.main_window.regions.Regions.job_inputs`), and a
changed mask is a new request like a moved slider (its pixels are part of the request's key).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal, Slot

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.engine.schedule import fit
from nst_desktop.engine.types import Mask

from .imaging import RGB8
from .side_tasks import TaskRunner

PREVIEW_SIDE = 384
DRAFT_SIDE = 192
MIN_INTERVAL_MS = 100
"""Milliseconds between requests at least (the optimiser's previews are paced alike)."""
IDLE_MS = 300
"""A draft not followed by another request within this long is painted in full."""
TASK_KEY = "instant-preview"
_CACHE_ITEMS = 12

PaintFn = Callable[[RGB8, Sequence[StyleImage], Settings], RGB8]
"""Paints the instant picture of a photo already at the preview size (runs on the side thread);
paintings with a mask paint their regions."""
RegionsFn = Callable[[Sequence[ImageInput]], tuple[tuple[ImageInput, ...], ImageInput | None]]
"""The paintings with their region masks, and the keep mask (see :attr:`InstantPreview.regions`)."""


def paint_instant(content: RGB8, styles: Sequence[StyleImage], settings: Settings) -> RGB8:
    """The engine's instant picture (torch is imported here, on the side thread)."""
    from nst_desktop.engine.instant import stylize_instant

    return stylize_instant(content, styles, settings).image


class InstantPreview(QObject):
    """Keeps the instant picture in step with the window's inputs, off the GUI thread."""

    ready = Signal(object)  # RGB8, a private array
    failed = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        paint: PaintFn = paint_instant,
        side: int = PREVIEW_SIDE,
        parent: QObject | None = None,
        draft_side: int = DRAFT_SIDE,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.paint = paint
        self.side = side
        self.draft_side = draft_side
        self.enabled = True
        self.regions: RegionsFn | None = None
        """Gives the paintings their masks and the keep mask; None: no regions."""
        self._wanted: tuple[Any, ...] | None = None
        self._asked = -1  # generation of the latest request handed to the runner
        self._settled = -1  # generation of the picture on screen, or of a failure after it
        self._waiting: Callable[[threading.Event], RGB8] | None = None  # held back by the pace
        self._draft: tuple[ImageInput, tuple[ImageInput, ...], Settings] | None = None
        self._images: OrderedDict[tuple[Any, ...], RGB8] = OrderedDict()  # touched on the side thread only
        self.runs = 0
        self._since_submit = QElapsedTimer()
        self._pace = QTimer(self)
        self._pace.setSingleShot(True)
        self._pace.timeout.connect(self._submit_waiting)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._finish_draft)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)

    @property
    def pending(self) -> bool:
        """A picture has been asked for and has not arrived yet."""
        return self._waiting is not None or self._asked > self._settled

    @property
    def active(self) -> bool:
        """There are inputs to paint: the instant picture is (or soon will be) the one to show."""
        return self._wanted is not None

    def update(
        self,
        content: ImageInput | None,
        styles: Sequence[ImageInput],
        settings: Settings,
        *,
        draft: bool = False,
    ) -> bool:
        """Ask for the picture of these inputs unless it is the one last asked for; True if asked.

        ``draft``: a slider is being dragged; paint at ``draft_side`` now and in full once
        the drag pauses (or the window asks again without ``draft``)."""
        usable = tuple(s for s in styles if s.weight > 0)
        if not self.enabled or content is None or not usable:
            self._wanted = None
            self._waiting = self._draft = None
            self._pace.stop()
            self._idle.stop()
            self._settled = max(self._settled, self._asked)  # what is still coming is not wanted
            return False
        side = min(self.draft_side if draft else self.side, self.side, settings.size)
        keep: ImageInput | None = None
        if self.regions is not None:
            usable, keep = self.regions(usable)
        key = (
            _source_key(content),
            tuple((_source_key(s), s.weight, _mask_key(s.mask)) for s in usable),
            _mask_key(keep),
            round(settings.strength, 4),
            round(settings.style_strength, 4),
            round(settings.brush_scale, 4),
            settings.keep_colors,
            settings.device,
            settings.precision,
            side,
        )
        if draft:
            self._draft = (content, usable, settings)
            self._idle.start()
        else:
            self._draft = None
            self._idle.stop()
        if key == self._wanted:
            return False
        self._wanted = key
        preview_settings = settings.replace(method="instant", size=max(32, side), init="content")
        self._waiting = self._task(content, usable, preview_settings, side, keep)
        elapsed = self._since_submit.elapsed() if self._since_submit.isValid() else MIN_INTERVAL_MS
        if elapsed >= MIN_INTERVAL_MS:
            self._submit_waiting()
        elif not self._pace.isActive():
            self._pace.start(MIN_INTERVAL_MS - int(elapsed))
        return True

    def invalidate(self) -> None:
        """Forget what was last asked for, so the next :meth:`update` paints again."""
        self._wanted = None

    def _submit_waiting(self) -> None:
        task, self._waiting = self._waiting, None
        if task is None:
            return
        self._since_submit.start()
        self._asked = self.runner.submit(TASK_KEY, task)

    def _finish_draft(self) -> None:
        """The drag paused (or ended unseen): paint the last draft's inputs in full."""
        if self._draft is not None:
            content, styles, settings = self._draft
            self.update(content, styles, settings)

    def _task(
        self,
        content: ImageInput,
        styles: tuple[ImageInput, ...],
        settings: Settings,
        side: int,
        keep: ImageInput | None = None,
    ) -> Callable[[threading.Event], RGB8]:
        def run(cancel: threading.Event) -> RGB8:
            from nst_desktop.engine.instant import STYLE_SIDE

            photo = self._load(content, side, exact=True)
            h, w = photo.shape[:2]
            paintings = [
                StyleImage(self._load(s, STYLE_SIDE), s.weight, s.name, _mask_at(s.mask, w, h))
                for s in styles
            ]
            if cancel.is_set():
                from nst_desktop.engine import Cancelled

                raise Cancelled()
            image = self.paint(photo, paintings, settings)
            kept = _mask_at(keep, w, h)
            if kept is not None:  # the photo put back where it is kept, as the painters do
                image = _kept(image, photo, kept)
            self.runs += 1
            return np.array(image, dtype=np.uint8, copy=True)

        return run

    def _load(self, source: ImageInput, side: int, exact: bool = False) -> RGB8:
        key = (_source_key(source), side)
        cached = self._images.get(key)
        if cached is not None:
            self._images.move_to_end(key)
            return cached
        pixels = source.load(side)
        if exact:  # the photo at the preview size exactly (a small photo is scaled up)
            h, w = pixels.shape[:2]
            size = fit(w, h, side)
            if (pixels.shape[1], pixels.shape[0]) != size:
                from PIL import Image

                pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        self._images[key] = pixels
        while len(self._images) > _CACHE_ITEMS:
            self._images.popitem(last=False)
        return pixels

    @Slot(str, int, object)
    def _on_finished(self, key: str, generation: int, value: object) -> None:
        if key != TASK_KEY or generation <= self._settled:
            return  # a newer picture is already on show (or the inputs are gone)
        self._settled = generation
        self.ready.emit(value)

    @Slot(str, int, object)
    def _on_failed(self, key: str, generation: int, error: object) -> None:
        if key != TASK_KEY or generation != self._asked or generation <= self._settled:
            return  # a newer request may still succeed
        self._settled = generation
        self._wanted = None  # try again on the next change
        from .worker import failure_message

        self.failed.emit(failure_message(error) if isinstance(error, BaseException) else str(error))


def _mask_key(mask: ImageInput | None) -> tuple[Any, ...] | None:
    """A region mask's part of a request's key: its pixels' identity (the regions part hands
    out the same read-only array until the layer changes, and a new one after)."""
    return None if mask is None else _source_key(mask)


def _mask_at(source: ImageInput | None, width: int, height: int) -> Mask | None:
    """A region mask at exactly the preview photo's size (on the side thread)."""
    if source is None:
        return None
    from nst_desktop.engine import regions

    return regions.fit_mask(regions.to_mask(source.load(max(width, height))), width, height)


def _kept(picture: RGB8, photo: RGB8, keep: Mask) -> RGB8:
    """``picture`` with the photo over it where ``keep`` is white (the engine's keep_photo)."""
    from nst_desktop.engine import regions

    h, w = picture.shape[:2]
    blended = regions.keep_photo(picture.astype(np.float32), regions.photo_float(photo, w, h), keep)
    out: RGB8 = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def _source_key(source: ImageInput) -> tuple[Any, ...]:
    """Identifies an image's pixels: a file by path and modification, pasted pixels by object."""
    if source.path is not None:
        try:
            stamp = os.stat(source.path).st_mtime_ns
        except OSError:
            stamp = 0
        return ("file", str(source.path), stamp)
    pixels = source.pixels
    if pixels is None:
        return ("none", source.name)
    # A sample of the pixels too: an id alone could be reused by a later paste.
    return ("pixels", id(pixels), pixels.shape, hash(np.ascontiguousarray(pixels[::16, ::16]).tobytes()))
