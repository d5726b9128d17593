"""The one record of a run, from the painter to the history to the file on disk.

A run used to have three records converted by hand (the engine's ``Result``, the window's
``Picture``, the history's ``Version``), each with its own metadata and summary, and the fade
was applied in several places; a batch could save another picture than its row showed.
Now every painter returns a :class:`Record` (``Result`` is its other name), the pipeline
completes it with the inputs it read, the window's picture is this record plus what only the
window needs, and a version (engine/versions.py) is this record kept on disk: loading a
version gives the record back (:meth:`~.versions.Version.record`).

What the record holds, and why:

- ``image``/``image_float`` are what is shown and saved: after the fade, if any.
- ``unfaded`` is the picture before the fade, kept when the fade was applied after painting
  (the optimiser and fast styles, :data:`FADED_AFTER`), so Fade can move a finished picture
  without painting again; :meth:`Record.faded` is the one way to fade (engine/fade.py).
- The inputs (photo, paintings with their region masks, keep mask, fast style) are those the
  run read, never the window's current ones; the settings carry the seed and the number
  format that ran.
- :meth:`Record.metadata`, :meth:`Record.summary` and :meth:`Record.save` are the one
  document, the one description and the one way to a file (engine/images.py's writer).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import regions
from .fade import fade, to_8bit
from .metadata import build_metadata
from .settings import Settings
from .text import clip
from .types import RGB8, RGBF, Mask

__all__ = ["FADED_AFTER", "Record", "RunFacts", "SourceRef", "describe", "read_record", "run_metadata"]

FADED_AFTER: tuple[str, ...] = ("optimise", "fast")
"""Methods painted at full strength and faded afterwards against the photo, so Fade can move a
finished picture at once (the instant network mixes style vectors instead)."""


class _Picked(Protocol):
    """A picked image (``pipeline.ImageInput``, a ``StyleImage``): a name and a weight."""

    @property
    def name(self) -> str: ...

    @property
    def weight(self) -> float: ...


@dataclass(frozen=True)
class SourceRef:
    """A photo or painting a run was made from: its name, where it was (if a file), its weight
    and, for a painting limited to a region, that region (``regions.encode``'s few kB of PNG
    text, as the metadata records it; ``None``: everywhere)."""

    name: str
    path: str | None = None
    weight: float = 1.0
    mask: str | None = None

    @classmethod
    def of(cls, source: _Picked, mask: Mask | None = None) -> SourceRef:
        """From a picked image (its name, weight and file, if it has one) and its loaded mask."""
        path = getattr(source, "path", None)
        where = None if path is None else os.fspath(path)
        encoded = None if mask is None else regions.encode(mask)
        return cls(name=str(source.name), path=where, weight=float(source.weight), mask=encoded)


class RunFacts(Protocol):
    """What a run is, without its pixels: a :class:`Record`, or a version listed from disk."""

    @property
    def settings(self) -> Settings: ...

    @property
    def complete(self) -> bool: ...

    @property
    def photo(self) -> SourceRef | None: ...

    @property
    def paintings(self) -> tuple[SourceRef, ...]: ...

    @property
    def fast_style(self) -> str | None: ...

    @property
    def device(self) -> str: ...

    @property
    def seconds(self) -> float: ...

    @property
    def keep(self) -> str | None: ...

    @property
    def threads(self) -> int | None: ...


def run_metadata(facts: RunFacts) -> dict[str, Any]:
    """The document embedded in a file of this run (:func:`.metadata.build_metadata`)."""
    return build_metadata(
        facts.settings,
        content_name=facts.photo.name if facts.photo is not None else "",
        styles=facts.paintings,
        device=facts.device,
        seconds=facts.seconds,
        complete=facts.complete,
        fast_style=facts.fast_style,
        keep=facts.keep,
        threads=facts.threads,
    )


def describe(facts: RunFacts) -> list[str]:
    """A few short plain lines on what made this run (inputs, the look, the device), for a
    tooltip; outside values (file names, style names, the device) are clipped and printable."""
    s = facts.settings
    lines = []
    if facts.photo is not None:
        lines.append(f"Photo: {clip(facts.photo.name, 60)}")
    if s.method == "fast":
        lines.append(f"Fast style: {clip(facts.fast_style or s.fast_style, 60)} · strength {s.strength:g}")
    else:
        paintings = facts.paintings
        shown = ", ".join(f"{clip(p.name, 40)} ({p.weight:g})" for p in paintings[:4])
        more = f" and {len(paintings) - 4} more" if len(paintings) > 4 else ""
        if shown:
            lines.append(f"Paintings: {shown}{more}")
    if s.method == "instant":
        lines.append(f"Instant picture · strength {s.strength:g} · keep colours: {s.keep_colors}")
    elif s.method == "optimise":
        lines.append(
            f"Style strength {s.style_strength:g} · keep content {s.keep_content:g} · "
            f"smoothness {s.smoothness:g} · brush scale {s.brush_scale:g}"
        )
        seed = "" if s.seed is None else f" · seed {s.seed}"
        lines.append(f"Keep colours: {s.keep_colors} · {s.steps} steps · start: {s.init}{seed}")
    if facts.device:
        lines.append(f"Device: {clip(facts.device, 60)}")
    return lines


def _frozen(array: Any) -> Any:
    """A read-only view, so no later code can repaint a record's pixels in place."""
    if array is None:
        return None
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view


def stopped_percent(progress: float) -> int:
    """How far a stopped run got, in whole percent, as every label says it: floored and below
    100 (rounded, the progress line said 18 % beside a history badge's 17 %, and 100 % for a stop
    just before the end)."""
    return min(99, max(0, math.floor(progress * 100)))


@dataclass(frozen=True, eq=False)
class Record:
    """One finished or stopped run: what it painted and exactly what it was painted from.

    Painters fill in the pixels, the settings they resolved (seed, device) and their
    measurements; the pipeline adds the inputs, the CPU threads and the fade. A record is
    compared by identity: its arrays are large and never change.
    """

    image: RGB8
    """HxWx3 ``uint8``: what is shown and what Copy puts on the clipboard (after the fade)."""
    image_float: RGBF
    """The same picture at full precision (float 0..1): what is saved (16-bit in a TIFF)."""
    settings: Settings
    device: str
    seconds: float
    steps: int
    losses: Mapping[str, float] = field(default_factory=dict)
    seconds_per_unit: float | None = None
    """The optimiser's measured speed (engine/eta.py): what the GUI stores per device for its
    warning before a long run; ``None`` for the one-pass painters."""
    threads: int | None = None
    """The CPU threads the job computed with (engine/threads.py), set by the pipeline: a fact
    of that run recorded beside the settings, never restored from them."""
    unfaded: RGBF | None = None
    """The picture before the fade (full strength), when the fade came after painting."""
    complete: bool = True
    progress: float = 1.0
    """How far a stopped run got (0..1; 1.0 when complete)."""
    photo: SourceRef | None = None
    paintings: tuple[SourceRef, ...] = ()
    """The paintings it learnt from (none for a fast style, which paints with its network)."""
    fast_style: str | None = None
    """The fast style that painted it, by name (the settings may hold a path)."""
    fast_regions: tuple[SourceRef, ...] = ()
    """More fast styles, each with the region it painted (``name``: the style's name or file,
    ``mask``: ``regions.encode``'s text); the first style painted the rest."""
    keep: str | None = None
    """Where the photo was kept rather than painted (``regions.encode``), if anywhere."""

    @classmethod
    def stopped(
        cls,
        preview: RGB8,
        settings: Settings,
        *,
        progress: float,
        device: str = "",
        seconds: float = 0.0,
        photo: SourceRef | None = None,
        paintings: tuple[SourceRef, ...] = (),
        fast_style: str | None = None,
        fast_regions: tuple[SourceRef, ...] = (),
        keep: str | None = None,
    ) -> Record:
        """A stopped run's last preview: painted at full strength whatever Fade says (the fade
        comes after painting), so that is what it records; at its level's size."""
        if settings.method in FADED_AFTER:
            settings = settings.replace(strength=1.0)
        pixels = np.asarray(preview, dtype=np.uint8)
        return cls(
            image=pixels,
            image_float=(pixels.astype(np.float32) / np.float32(255.0)).astype(np.float32),
            settings=settings,
            device=device,
            seconds=max(0.0, float(seconds)),
            steps=0,
            complete=False,
            progress=min(1.0, max(0.0, float(progress))),
            photo=photo,
            paintings=paintings,
            fast_style=fast_style,
            fast_regions=fast_regions,
            keep=keep,
        )

    @property
    def precision(self) -> str:
        """The number format the networks computed in: the settings', which the pipeline
        resolves from ``auto`` before painting (so ``auto`` only from a direct call)."""
        return self.settings.precision

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def can_fade(self) -> bool:
        """Fade can move it at once: a finished picture whose fade came after painting."""
        return self.complete and self.unfaded is not None

    def faded(self, strength: float, photo: RGB8) -> Record:
        """This record at another Fade (``strength`` of the picture over the photo): the same
        run, recorded with that strength, so its settings paint the same picture again from
        the command line. The one place a picture is faded; unchanged when it cannot be."""
        if not self.can_fade or self.unfaded is None:
            return self
        shown: RGBF = fade(self.unfaded, photo, strength)
        # At full strength over a picture already on show unfaded: its 8-bit copy stands.
        image = self.image if shown is self.image_float else to_8bit(shown)
        return replace(
            self,
            image=_frozen(image),
            image_float=_frozen(shown),
            settings=self.settings.replace(strength=min(1.0, max(0.0, float(strength)))),
        )

    def frozen(self) -> Record:
        """The same record with read-only views of its pixels (the window shares them with its
        writer thread, which only reads them)."""
        return replace(
            self,
            image=_frozen(self.image),
            image_float=_frozen(self.image_float),
            unfaded=_frozen(self.unfaded),
        )

    def metadata(self) -> dict[str, Any]:
        """The document embedded in this run's files (see :func:`run_metadata`), with the fast
        styles' regions when it has any (``fast_regions``: a name and an encoded mask each)."""
        document = run_metadata(self)
        if self.fast_regions:
            document["fast_regions"] = [{"name": r.name, "mask": r.mask} for r in self.fast_regions]
        return document

    def summary(self) -> str:
        """One line for labels and the progress bar: method, size, seed and how it ended."""
        w, h = self.size
        s = self.settings
        how = {"optimise": "Painted", "fast": "Fast style", "instant": "Instant"}[s.method]
        if s.method == "fast":
            how += f" '{Path(s.fast_style).stem}'"
        state = "" if self.complete else f", stopped at {stopped_percent(self.progress)}%"
        seed = f", seed {s.seed}" if s.method == "optimise" else ""
        return f"{how}: {w}×{h} px{seed}{state}"

    def save(self, path: str | os.PathLike[str], *, dpi: float, compress_level: int | None = None) -> Path:
        """Write this picture with its metadata to ``path`` (format by suffix, atomically:
        engine/images.py's one writer); an :class:`OutputError` sentence if it cannot be.

        A 16-bit TIFF gets the full-precision picture; PNG and JPEG the 8-bit one on show, as
        it is (no second rounding, and no conversion of a print-size picture on the way)."""
        from . import images

        sixteen = Path(path).suffix.lower() in (".tif", ".tiff")
        picture = self.image_float if sixteen else self.image
        return images.save_image(
            path, picture, metadata=self.metadata(), dpi=dpi, compress_level=compress_level
        )


def read_record(path: str | os.PathLike[str], *, max_side: int | None = None) -> Record:
    """A saved picture (Save's, a batch's, the command line's) with the record its metadata
    keeps: the settings, the photo's and paintings' names and regions, the device. What a file
    cannot keep is not made up: no file paths (the metadata names files, never where they
    were), no picture before the fade. Raises :class:`ImageError` for a file that cannot be
    read and :class:`SettingsError` for one that carries no nst-desktop settings, each one
    sentence."""
    from . import images
    from .metadata import settings_from_metadata

    meta = images.read_metadata(path) or {}
    settings = settings_from_metadata(meta)
    pixels = images.load_image(path, max_side=max_side)
    content = meta.get("content")
    styles = meta.get("styles")
    paintings = tuple(
        SourceRef(
            name=entry["name"][:1000],
            weight=float(entry["weight"]) if _is_number(entry.get("weight")) else 1.0,
            mask=entry["mask"] if isinstance(entry.get("mask"), str) else None,
        )
        for entry in (styles if isinstance(styles, list) else [])[:64]
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    )
    recorded = meta.get("fast_regions")
    fast_regions = tuple(
        SourceRef(name=entry["name"][:1000], mask=entry["mask"])
        for entry in (recorded if isinstance(recorded, list) else [])[:64]
        if isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and isinstance(entry.get("mask"), str)
    )
    device, seconds, fast_style = meta.get("device"), meta.get("seconds"), meta.get("fast_style")
    keep, threads = meta.get("keep"), meta.get("threads")
    return Record(
        image=pixels,
        image_float=(pixels.astype(np.float32) / np.float32(255.0)).astype(np.float32),
        settings=settings,
        device=device[:1000] if isinstance(device, str) else "",
        seconds=max(0.0, float(seconds))
        if isinstance(seconds, (int, float)) and _is_number(seconds)
        else 0.0,
        steps=0,
        threads=threads
        if isinstance(threads, int) and not isinstance(threads, bool) and threads > 0
        else None,
        complete=meta.get("stopped_early") is not True,
        photo=SourceRef(content[:1000]) if isinstance(content, str) else None,
        paintings=paintings,
        fast_style=fast_style[:1000] if isinstance(fast_style, str) else None,
        fast_regions=fast_regions,
        keep=keep if isinstance(keep, str) else None,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
