"""The object that runs one stylization on a worker thread and reports back through signals.

It lives in a ``QThread`` (moved there, no parent) so the GUI thread never waits on the engine.
Cancelling goes through a ``threading.Event`` set from the GUI thread: a queued signal would
sit unread until the busy worker returned to its event loop, which is too late.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import (
    Cancelled,
    EngineError,
    OutOfMemory,
    Progress,
    Result,
    Settings,
    StyleImage,
    images,
)
from nst_desktop.engine.schedule import style_side_for
from nst_desktop.engine.types import CancelToken

from . import imaging

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.05
OOM_ADVICE = "Try a smaller output size, or choose the CPU under Advanced › Device."


class Engine(Protocol):
    """What the GUI needs from the engine; tests pass a fast fake with the same shape."""

    def warm_up(self, device: str = "auto") -> str: ...

    def stylize(
        self,
        content: imaging.RGB8,
        styles: Sequence[StyleImage],
        settings: Settings,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: CancelToken | None = None,
        preview_interval: float = 0.5,
    ) -> Result: ...


class RealEngine:
    """The engine proper, imported on first use on the worker thread (torch takes seconds)."""

    def warm_up(self, device: str = "auto") -> str:
        from nst_desktop.engine import run

        return str(run.warm_up(device))

    def stylize(self, content: Any, styles: Any, settings: Settings, **kwargs: Any) -> Result:
        from nst_desktop.engine import run

        return run.stylize(content, styles, settings, **kwargs)


@dataclass(frozen=True)
class ImageInput:
    """An image the artist picked: from a file (re-read at the run's size) or pasted pixels."""

    name: str
    path: Path | None = None
    pixels: imaging.RGB8 | None = None
    weight: float = 1.0

    def load(self, max_side: int) -> imaging.RGB8:
        if self.path is not None:
            return images.load_image(self.path, max_side=max_side)
        assert self.pixels is not None
        return self.pixels


@dataclass(frozen=True)
class Job:
    """Everything one run needs, immutable so the GUI can keep editing its controls."""

    content: ImageInput | None
    """``None`` only loads the model (the warm-up at start)."""
    styles: tuple[ImageInput, ...]
    settings: Settings
    output_path: Path | None = None
    """Batch runs save here on the worker thread; interactive runs leave saving to the artist."""
    allow_download: bool = False
    """The artist agreed to download a weight set that is not on this computer yet."""
    preview_interval: float = 0.25


class StylizeWorker(QObject):
    """Runs one :class:`Job`; ends with exactly one of succeeded/failed/cancelled, then done."""

    status = Signal(str)
    device_ready = Signal(str)
    progress = Signal(object)  # Progress, preview already a private copy
    succeeded = Signal(object)  # Result
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, job: Job, cancel: threading.Event, engine: Engine) -> None:
        super().__init__()  # no parent: it is moved to the worker thread
        self._job = job
        self._cancel = cancel
        self._engine = engine
        self._last_emit = -1e9
        self._last_stage = ""

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except Cancelled:
            self.cancelled.emit()
        except OutOfMemory as exc:
            message = str(exc)
            if "smaller" not in message.lower():
                message = f"{message} {OOM_ADVICE}"
            self.failed.emit(message)
        except EngineError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit(f"The computer ran out of memory. {OOM_ADVICE}")
        except Exception as exc:  # noqa: BLE001 - the thread must always report an end
            log.error("Unexpected error in the stylize worker:\n%s", traceback.format_exc())
            self.failed.emit(f"Something went wrong inside nst-desktop ({type(exc).__name__}: {exc}).")
        finally:
            self.done.emit()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def _run(self) -> None:
        job = self._job
        settings = job.settings
        if job.content is None:
            self.status.emit("Loading the model…")
            self.device_ready.emit(self._engine.warm_up(settings.device))
            self.succeeded.emit(None)
            return
        self.status.emit("Reading images…")
        content = job.content.load(settings.size)
        styles = [
            StyleImage(
                image=s.load(style_side_for(settings.size, settings.brush_scale)),
                weight=s.weight,
                name=s.name,
            )
            for s in job.styles
        ]
        self._check_cancel()
        if job.allow_download and settings.weights != "original":
            self._download(settings.weights)
        self.status.emit("Loading the model…")
        self.device_ready.emit(self._engine.warm_up(settings.device))
        self._check_cancel()
        self.status.emit("Painting…")
        result = self._engine.stylize(
            content,
            styles,
            settings,
            on_progress=self._on_progress,
            cancel=self._cancel,
            preview_interval=job.preview_interval,
        )
        self._check_cancel()
        if job.output_path is not None:
            from nst_desktop.engine.metadata import result_metadata

            metadata = result_metadata(result, content_name=job.content.name, styles=job.styles)
            images.save_image(job.output_path, result.image_float, metadata=metadata)
        self.succeeded.emit(result)

    def _download(self, name: str) -> None:
        from nst_desktop.engine import weights

        if weights.is_cached(name):
            return
        title = weights.weight_set(name).title
        last = -1e9

        def on_bytes(done: int, total: int | None) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 0.25 and done != total:
                return
            last = now
            amount = f"{done / 1e6:.0f} of {total / 1e6:.0f} MB" if total else f"{done / 1e6:.0f} MB"
            self.status.emit(f"Downloading the {title} weights: {amount}…")

        weights.download_weight_set(name, on_progress=on_bytes, cancel=self._cancel)

    def _on_progress(self, progress: Progress) -> None:
        # Called on this thread by the engine, once per step: on a fast GPU that is hundreds
        # a second, more than the GUI needs, so plain step reports are thinned out by time.
        now = time.monotonic()
        routine = (
            progress.preview is None and progress.stage == self._last_stage and progress.step < progress.total
        )
        if routine and now - self._last_emit < PROGRESS_INTERVAL:
            return
        self._last_emit = now
        self._last_stage = progress.stage
        # The engine may reuse its buffer, so the preview is copied before it crosses threads.
        if progress.preview is not None:
            progress = _with_preview(progress, np.array(progress.preview, dtype=np.uint8, copy=True))
        self.progress.emit(progress)
        time.sleep(0)  # let the GUI thread take the GIL for its repaint


def _with_preview(progress: Progress, preview: imaging.RGB8) -> Progress:
    from dataclasses import replace

    return replace(progress, preview=preview)
