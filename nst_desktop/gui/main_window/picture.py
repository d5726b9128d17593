"""The picture on show as an immutable record of the run that made it.

Provenance lives here, not in the window's controls: the photo, the paintings, the settings
(with the seed actually used) and the "before" image are those of the job that painted the
picture, so changing the photo during a run, running a batch or removing a painting before
saving cannot make a saved file describe other inputs.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nst_desktop.engine import Result, Settings, StyleImage
from nst_desktop.engine.fade import fade, to_8bit
from nst_desktop.engine.metadata import build_metadata
from nst_desktop.engine.pipeline import ImageInput, Job
from nst_desktop.engine.regions import to_mask

RGB8 = np.ndarray


def frozen_array(array: np.ndarray) -> np.ndarray:
    """A read-only view, so no later code can repaint a record's pixels in place."""
    view = array.view()
    view.setflags(write=False)
    return view


def _mask(source: ImageInput | None) -> Any:
    """A region mask the job was given (pixels in memory, from the window's regions) as the
    metadata records it; None without one."""
    if source is None:
        return None
    return to_mask(source.load(max(source.pixels.shape[:2]) if source.pixels is not None else 256))


def _unfaded(result: Result) -> bool:
    """A picture Fade can move: an optimiser's or a fast style's, painted at full strength
    (the window fades it itself; a batch's file comes faded from the pipeline)."""
    return result.settings.method in ("optimise", "fast") and result.settings.strength >= 1.0


@dataclass(frozen=True)
class Picture:
    """One finished or stopped run: what it painted and exactly what it was painted from."""

    job: Job
    pixels: RGB8
    """HxWx3 uint8, what is on show and what Copy puts on the clipboard."""
    settings: Settings
    """The settings that made it: the engine's resolved copy for a finished run, the job's
    (seed already chosen) for a stopped one."""
    complete: bool
    device: str = ""
    seconds: float = 0.0
    fraction: float = 1.0
    """How far a stopped run got (1.0 when complete)."""
    before: RGB8 | None = None
    """The photo as shown when the run started, for before/after."""
    full: Any = None
    """The full-precision image (float) of a finished run, saved as 16-bit where asked."""
    base: Any = None
    """An optimiser picture before its fade (float, full strength): what Fade works from."""
    seconds_per_unit: float | None = None
    """The engine's measured speed (seconds per unit of work) of a finished optimiser run."""
    threads: int | None = None
    """The CPU threads a finished run computed with (``Result.threads``): recorded in the
    saved file as the command line records it, a fact of that run, not a setting."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: float = field(default_factory=time.time)

    @classmethod
    def finished(cls, job: Job, result: Result, before: RGB8 | None) -> Picture:
        return cls(
            job=job,
            pixels=frozen_array(result.image),
            settings=result.settings,
            complete=True,
            device=result.device,
            seconds=result.seconds,
            before=before,
            full=frozen_array(result.image_float),
            base=frozen_array(result.image_float) if _unfaded(result) else None,
            seconds_per_unit=getattr(result, "seconds_per_unit", None),
            threads=result.threads,
        )

    @classmethod
    def stopped(
        cls, job: Job, preview: RGB8, before: RGB8 | None, fraction: float, device: str, seconds: float
    ) -> Picture:
        return cls(
            job=job,
            pixels=frozen_array(preview),
            settings=job.settings,
            complete=False,
            device=device,
            seconds=seconds,
            fraction=fraction,
            before=before,
        )

    @property
    def can_fade(self) -> bool:
        return self.complete and self.base is not None

    def faded(self, strength: float, photo: RGB8) -> Picture:
        """This picture at another Fade, at once: a new record, recorded with that strength
        (the command line paints the same from it: the pipeline fades the same way)."""
        if not self.can_fade:
            return self
        full = fade(self.base, photo, strength)
        return dataclasses.replace(
            self,
            pixels=frozen_array(to_8bit(full)),
            full=frozen_array(full),
            settings=self.settings.replace(strength=strength),
        )

    def photo_for_fade(self) -> RGB8:
        """The photo exactly as the pipeline reads it for this picture's settings."""
        return self.job.content.load(self.settings.size)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the picture itself."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])

    @property
    def photo(self) -> ImageInput:
        return self.job.content

    @property
    def paintings(self) -> tuple[ImageInput, ...]:
        return () if self.settings.method == "fast" else self.job.styles

    @property
    def smaller_than_asked(self) -> bool:
        """A stopped run's picture is at its level's size, below the output size asked for."""
        return max(self.size) < self.settings.size

    def image_to_save(self) -> Any:
        return self.full if self.full is not None else self.pixels

    def metadata(self) -> dict[str, Any]:
        """The document embedded in the saved file, from this record alone."""
        meta = build_metadata(
            self.settings,
            content_name=self.photo.name,
            styles=[
                StyleImage(np.zeros((1, 1, 3), np.uint8), p.weight, p.name, _mask(p.mask))
                for p in self.paintings
            ],
            device=self.device,
            seconds=self.seconds,
            complete=self.complete,
            fast_style=self.settings.fast_style if self.settings.method == "fast" else None,
            keep=_mask(self.job.keep),
        )
        if self.threads is not None:  # as engine.metadata.result_metadata records it
            meta["threads"] = self.threads
        return meta

    def suggested_name(self) -> str:
        """``photo-style.png`` from this picture's own inputs (not the window's current ones)."""
        photo = Path(self.photo.name).stem or "picture"
        if self.settings.method == "fast":
            style = Path(self.settings.fast_style).stem or "style"
        elif self.settings.method == "instant":
            style = (Path(self.job.styles[0].name).stem if self.job.styles else "style") + "-instant"
        else:
            style = Path(self.job.styles[0].name).stem if self.job.styles else "style"
        if not self.complete:
            style += f"-stopped-{round(self.fraction * 100)}pct"
        return f"{photo}-{style}.png".replace(" ", "-")

    def summary(self) -> str:
        """One line for tooltips and the history: method, size and how it ended."""
        w, h = self.size
        how = {"optimise": "Painted", "fast": "Fast style", "instant": "Instant"}[self.settings.method]
        if self.settings.method == "fast":
            how += f" '{Path(self.settings.fast_style).stem}'"
        state = "" if self.complete else f", stopped at {self.fraction:.0%}"
        seed = f", seed {self.settings.seed}" if self.settings.method == "optimise" else ""
        return f"{how}: {w}×{h} px{seed}{state}"
