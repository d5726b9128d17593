"""The picture on show: the engine's record of the run that made it, plus what only the window
needs (the job it came from, the "before" image, the id it is kept under in the history).

Provenance lives in the record (engine/record.py), not in the window's controls: the photo,
the paintings, the settings (with the seed actually used) are those of the job that painted
the picture, so changing the photo during a run, running a batch or removing a painting
before saving cannot make a saved file describe other inputs. Its metadata, summary, fade and
file are the record's; nothing here computes them again.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nst_desktop.engine import Result, Settings
from nst_desktop.engine.pipeline import ImageInput, Job, stopped_record
from nst_desktop.engine.record import FADED_AFTER, Record, SourceRef, stopped_percent

RGB8 = np.ndarray


def frozen_array(array: np.ndarray) -> np.ndarray:
    """A read-only view, so no later code can repaint a record's pixels in place."""
    view = array.view()
    view.setflags(write=False)
    return view


@dataclass(frozen=True)
class Picture:
    """One finished or stopped run on show: its record and the job it was painted from."""

    job: Job
    record: Record
    before: RGB8 | None = None
    """The photo as shown when the run started, for before/after."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: float = field(default_factory=time.time)

    @classmethod
    def finished(cls, job: Job, result: Result, before: RGB8 | None) -> Picture:
        """A finished run's record (the pipeline's, with its inputs) on show."""
        record = result
        if record.photo is None:  # a painter called without the pipeline: the job's inputs
            fast = job.settings.method == "fast"
            full_strength = record.settings.method in FADED_AFTER and record.settings.strength >= 1.0
            record = dataclasses.replace(
                record,
                photo=SourceRef.of(job.content),
                paintings=() if fast else tuple(SourceRef.of(s) for s in job.styles),
                unfaded=record.image_float if full_strength and record.unfaded is None else record.unfaded,
            )
        return cls(job=job, record=record.frozen(), before=before)

    @classmethod
    def stopped(
        cls, job: Job, preview: RGB8, before: RGB8 | None, fraction: float, device: str, seconds: float
    ) -> Picture:
        record = stopped_record(job, preview, progress=fraction, device=device, seconds=seconds)
        return cls(job=job, record=record.frozen(), before=before)

    # The record's facts, as the window reads them ---------------------------------------------

    @property
    def pixels(self) -> RGB8:
        """HxWx3 uint8, what is on show and what Copy puts on the clipboard."""
        return self.record.image

    @property
    def full(self) -> Any:
        """The full-precision picture (float), what Save writes (16-bit where asked)."""
        return self.record.image_float

    @property
    def settings(self) -> Settings:
        return self.record.settings

    @property
    def complete(self) -> bool:
        return self.record.complete

    @property
    def fraction(self) -> float:
        """How far a stopped run got (1.0 when complete)."""
        return self.record.progress

    @property
    def device(self) -> str:
        return self.record.device

    @property
    def seconds(self) -> float:
        return self.record.seconds

    @property
    def seconds_per_unit(self) -> float | None:
        return self.record.seconds_per_unit

    @property
    def can_fade(self) -> bool:
        return self.record.can_fade

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the picture itself."""
        return self.record.size

    @property
    def photo(self) -> ImageInput:
        return self.job.content

    @property
    def smaller_than_asked(self) -> bool:
        """A stopped run's picture is at its level's size, below the output size asked for."""
        return max(self.size) < self.settings.size

    def faded(self, strength: float, photo: RGB8) -> Picture:
        """This picture at another Fade, at once (the record's fade; same id, no new version)."""
        faded = self.record.faded(strength, photo)
        return self if faded is self.record else dataclasses.replace(self, record=faded)

    def photo_for_fade(self) -> RGB8:
        """The photo exactly as the pipeline reads it for this picture's settings."""
        return self.job.content.load(self.settings.size)

    def image_to_save(self) -> Any:
        return self.record.image_float

    def metadata(self) -> dict[str, Any]:
        """The document embedded in the saved file: the record's."""
        return self.record.metadata()

    def summary(self) -> str:
        """One line for labels and the history: the record's."""
        return self.record.summary()

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
            style += f"-stopped-{stopped_percent(self.fraction)}pct"
        return f"{photo}-{style}.png".replace(" ", "-")
