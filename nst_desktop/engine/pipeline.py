"""One job from files (or pasted pixels) to a saved picture, for every way of painting.

The CLI's ``stylize``, the GUI's runs and its batch all go through :func:`run_job`, so the
size images are read at, the choice of painter, the metadata and the no-partial-file rule are
decided once. Each method's own painter (``run.stylize``, the fast styles, the instant
network) stays a plain function of pixels; this module is the only place that knows files.
Heavy modules (torch and the painters) are imported when a job needs them.

Two of a run's automatic choices are made here, at the start of painting, and recorded with
the result: the CPU threads (engine/threads.py: the cores free at that moment) and the number
format behind ``precision: auto`` (engine/precision.py), which the painter then receives as a
concrete format, so that what the picture records is what ran and runs the same again.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from . import images, regions, threads
from .checks import raise_if_cancelled
from .errors import EngineError, ImageError, OutputError, SettingsError
from .record import FADED_AFTER, Record, SourceRef
from .schedule import fit, style_side_for
from .settings import Settings
from .text import os_reason, show_path
from .types import RGB8, CancelToken, Mask, Progress, Result, StyleImage

ProgressCallback = Callable[[Progress], None]
StatusCallback = Callable[[str], None]
DownloadCallback = Callable[[int, "int | None"], None]


class Painter(Protocol):
    """Paints loaded pixels; stands in for the method's engine (the GUI tests' fake)."""

    def __call__(
        self,
        content: RGB8,
        styles: Sequence[StyleImage],
        settings: Settings,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        preview_interval: float = 0.5,
    ) -> Result: ...


@dataclass(frozen=True)
class ImageInput:
    """An image the artist picked: a file (read afresh at the size the job needs) or pixels
    already in memory (a paste), with the name results and messages show for it."""

    name: str
    path: Path | None = None
    pixels: RGB8 | None = None
    weight: float = 1.0
    mask: ImageInput | None = None
    """For a painting: the region of the photo it paints (a greyscale picture; see regions.py)."""

    def load(self, max_side: int) -> RGB8:
        """The image with its long side at most ``max_side`` (never enlarged)."""
        if self.path is not None:
            return images.load_image(self.path, max_side=max_side)
        if self.pixels is None:
            raise ValueError(f"ImageInput {self.name!r} has neither a path nor pixels")
        h, w = self.pixels.shape[:2]
        if max(w, h) <= max_side:
            return self.pixels
        return _resize(self.pixels, fit(w, h, max_side))


@dataclass(frozen=True)
class Job:
    """Everything one run needs, immutable so the GUI can keep editing its controls meanwhile."""

    content: ImageInput
    styles: tuple[ImageInput, ...]
    """The paintings (ignored by method "fast", which paints with ``settings.fast_style``)."""
    settings: Settings
    output_path: Path | None = None
    """Saved here (atomically, with metadata) when set; interactive runs leave saving to the artist."""
    allow_download: bool = False
    """The user agreed to download a VGG19 weight set that is not on this computer yet."""
    preview_interval: float = 0.5
    """Seconds between the optimiser's previews."""
    dpi: float = images.DEFAULT_DPI
    """Print resolution recorded in the saved file (it changes no pixel)."""
    keep: ImageInput | None = None
    """Where the photo is kept (white) rather than painted, for every method (see regions.py)."""
    fast_regions: tuple[ImageInput, ...] = ()
    """Method "fast" only: more fast styles, each painting the region its ``mask`` marks (``name``
    is the style's name or file, as ``settings.fast_style``); ``settings.fast_style`` paints
    the rest, and the pictures meet in feathered edges (engine/fast/apply.py)."""


def check_output(
    path: Path,
    suffixes: Sequence[str] = images.OUTPUT_SUFFIXES,
    inputs: Iterable[Path] = (),
) -> None:
    """Refuse an output that could not be written, before minutes of painting are spent on it.

    Also refused: an output that is one of the job's ``inputs`` under any spelling (``./``, a
    symbolic or hard link: the same file by identity), since saving would replace the
    original; a name too long for the file system in bytes; a device, pipe or socket. Every
    way the path cannot be examined (a folder the user may not enter, a current folder that was
    deleted) is an :class:`OutputError` sentence too, never a traceback.
    """
    shown = show_path(path.name or str(path))
    if path.suffix.lower() not in suffixes:
        raise OutputError(f"The output must end in {' or '.join(suffixes)}: {shown}.")
    images.check_output_name(path, sidecar=path.suffix.lower() in (".jpg", ".jpeg"))
    # A symbolic link is written through: the file it names, in its folder, is what gets saved.
    written = _through_link(path)
    link_note = f" ({shown} is a link to {show_path(written)})" if written != path else ""
    try:
        folder = written.parent.resolve()
    except OSError as exc:  # the current folder was deleted, or a link loops
        raise OutputError(f"The folder for the output {shown} cannot be found ({os_reason(exc)}).") from None
    except RuntimeError:  # a link to itself on the way (Python < 3.13 raises this, not OSError)
        raise OutputError(f"The folder for the output {shown} cannot be found (a loop of links).") from None
    where = show_path(folder)
    try:
        folder_info = os.stat(folder)
    except FileNotFoundError:
        raise OutputError(
            f"The folder for the output does not exist: {show_path(written.parent)}{link_note}."
        ) from None
    except PermissionError:
        raise OutputError(f"nst-desktop is not allowed to enter the folder {where}.") from None
    except OSError as exc:
        raise OutputError(f"The folder {where} cannot be examined ({os_reason(exc)}).") from None
    if not stat.S_ISDIR(folder_info.st_mode):
        missing = show_path(written.parent)
        raise OutputError(f"The folder for the output does not exist: {missing}{link_note}.")
    try:
        target: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        target = None
    except PermissionError:
        raise OutputError(f"nst-desktop is not allowed to enter the folder {where}.") from None
    except OSError as exc:
        raise OutputError(f"The output {shown} cannot be examined ({os_reason(exc)}).") from None
    if target is not None and stat.S_ISDIR(target.st_mode):
        raise OutputError(f"The output {shown} is a folder; give a file name such as result{suffixes[0]}.")
    if target is not None and not stat.S_ISREG(target.st_mode):
        raise OutputError(f"The output {shown} is a device, pipe or socket, not a regular file.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"nst-desktop is not allowed to write into {where}.")
    if target is not None:
        for source in inputs:
            try:
                same = os.path.samestat(target, os.stat(source))
            except OSError:
                continue  # an input that cannot be examined is reported when it is read
            if same:
                raise OutputError(
                    f"The output {shown} is the input {show_path(source.name or str(source))} itself; "
                    "choose another name so that the original is kept."
                )


def _through_link(path: Path) -> Path:
    """Where a write to ``path`` lands: the file a symbolic link names (even when that file or
    its folder is missing), else ``path`` itself. Never raises: a loop is reported later."""
    try:
        if not os.path.islink(path):
            return path
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return path


def job_inputs(job: Job) -> list[Path]:
    """The files a job reads, which its output must not replace."""
    masks = [s.mask for s in (*job.styles, *job.fast_regions) if s.mask is not None]
    if job.keep is not None:
        masks.append(job.keep)
    return [i.path for i in (job.content, *job.styles, *masks) if i.path is not None]


def run_job(
    job: Job,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_status: StatusCallback | None = None,
    on_download: DownloadCallback | None = None,
    paint: Painter | None = None,
) -> Result:
    """Load, paint by ``job.settings.method``, then save when the job names an output.

    ``on_status`` hears a short sentence at each stage; ``on_download`` the bytes of a weight
    download the job allows. ``paint`` replaces the method's painter (for tests). Raises
    :class:`Cancelled` (polled between stages and inside painting) and :class:`EngineError`
    subclasses with a sentence for the user; nothing is written unless the run completes.
    """
    settings = job.settings

    def stage(text: str) -> None:
        raise_if_cancelled(cancel)
        if on_status is not None:
            on_status(text)

    if job.output_path is not None:
        check_output(job.output_path, inputs=job_inputs(job))
    _check_style_weights(job)
    if settings.method != "fast" and not job.styles:
        raise SettingsError("Add at least one painting to take the style from.")
    if settings.method == "fast" and not settings.fast_style:
        raise SettingsError("Choose a fast style to paint with.")
    stage("Reading images…")
    content, styles = _load_inputs(job)
    keep = _load_mask(job.keep, content, "the keep mask") if job.keep else None
    fast_masks = _fast_masks(job, content)
    if settings.method == "optimise" and job.allow_download:
        _download_weights(settings.weights, on_download, cancel)
    stage("Painting…")
    faded_after = settings.method in FADED_AFTER
    if faded_after:  # painted at full strength, faded below: the record keeps both
        job = replace(job, settings=settings.replace(strength=1.0))
    with threads.job(settings.threads) as count:
        if paint is None:  # inside: auto's probe measures with the job's thread count
            job = replace(job, settings=_resolve_precision(job.settings))
        fast_name: str | None
        if paint is None and settings.method == "fast":
            result, fast_name = _paint_fast(job, content, keep, fast_masks, on_progress, cancel)
        else:
            result, fast_name = _paint(job, content, styles, keep, on_progress, cancel, paint)
    record = replace(
        result,
        threads=count,
        unfaded=result.image_float if faded_after else None,
        photo=SourceRef.of(job.content),
        paintings=tuple(SourceRef.of(src, style.mask) for src, style in zip(job.styles, styles, strict=True))
        if styles
        else (),  # a fast style paints with its network, not with the paintings
        fast_style=fast_name,
        # Only a fast style reads its regions' masks (another method leaves fast_masks empty).
        fast_regions=tuple(map(SourceRef.of, job.fast_regions, fast_masks)),
        keep=None if keep is None else regions.encode(keep),
    )
    if faded_after:
        record = record.faded(settings.strength, content)
    # A Stop pressed as the last step finished still means stop: the artist keeps the preview
    # they were looking at and no file appears after they asked for none.
    raise_if_cancelled(cancel)
    if job.output_path is not None:
        stage("Saving…")
        record.save(job.output_path, dpi=job.dpi)
    return record


def stopped_record(job: Job, preview: RGB8, *, progress: float, device: str, seconds: float) -> Record:
    """The record of a run stopped before it finished: its last preview, with the job's
    inputs and regions (masks taken to the preview's size; one that cannot be read any more is
    left out rather than losing the picture)."""
    fast = job.settings.method == "fast"
    keep = _mask_if_readable(job.keep, preview)
    return Record.stopped(
        preview,
        job.settings,
        progress=progress,
        device=device,
        seconds=seconds,
        photo=SourceRef.of(job.content),
        paintings=()
        if fast
        else tuple(SourceRef.of(s, _mask_if_readable(s.mask, preview)) for s in job.styles),
        fast_style=job.settings.fast_style if fast else None,
        fast_regions=tuple(SourceRef.of(r, _mask_if_readable(r.mask, preview)) for r in job.fast_regions)
        if fast
        else (),
        keep=None if keep is None else regions.encode(keep),
    )


def _mask_if_readable(source: ImageInput | None, preview: RGB8) -> Mask | None:
    if source is None:
        return None
    try:
        return _load_mask(source, preview, "the region")
    except EngineError:
        return None


def _resolve_precision(settings: Settings) -> Settings:
    """``settings`` with ``precision: auto`` replaced by the format its painter computes in."""
    if settings.precision != "auto":
        return settings
    from . import precision
    from .devices import resolve_device

    device = resolve_device(settings.device)
    return settings.replace(precision=precision.resolve("auto", settings.method, device))


def _check_style_weights(job: Job) -> None:
    """Weights must add up to a finite number: 1e308 twice overflows, and the blend the engine
    divides by would then be meaningless (every painting weighted zero or NaN)."""
    weights = [s.weight for s in job.styles]
    if any(not math.isfinite(w) or w < 0 for w in weights) or not math.isfinite(sum(weights)):
        raise SettingsError(
            "The paintings' weights must be numbers of zero or more whose sum is finite; "
            "use weights such as 0.5, 1 or 2."
        )


def _load_inputs(job: Job) -> tuple[RGB8, list[StyleImage]]:
    """The photo and paintings at the sizes this method paints them at."""
    settings = job.settings
    content = job.content.load(settings.size)
    if settings.method == "optimise":
        # The optimiser grows its own levels up to settings.size; paintings follow the brush scale.
        side = style_side_for(settings.size, settings.brush_scale)
    elif settings.method == "instant":
        from .instant import STYLE_SIDE

        side = STYLE_SIDE
    else:
        side = 0
    if settings.method != "optimise":
        # One-pass networks paint at the size they are given, so hand over the output size.
        h, w = content.shape[:2]
        content = _resize(content, fit(w, h, settings.size))
    styles = (
        [
            StyleImage(
                s.load(side),
                s.weight,
                s.name,
                _load_mask(s.mask, content, f"the mask for {show_path(s.name)}"),
            )
            if s.mask is not None
            else StyleImage(s.load(side), s.weight, s.name)
            for s in job.styles
        ]
        if side
        else []
    )
    return content, styles


def _fast_masks(job: Job, content: RGB8) -> list[Mask]:
    """The masks of a fast-style job's extra styles at the photo's size (none for another
    method, which ignores ``job.fast_regions``); one sentence for a region without a mask."""
    if job.settings.method != "fast":
        return []
    masks = []
    for region in job.fast_regions:
        if region.mask is None:
            raise SettingsError(
                f"The fast style {show_path(region.name)} needs a mask: the first fast style "
                "paints wherever the others' masks do not."
            )
        masks.append(_load_mask(region.mask, content, f"the mask for fast style {show_path(region.name)}"))
    return masks


def _load_mask(source: ImageInput, content: RGB8, role: str) -> Mask:
    """A region mask at the photo's size; one sentence when it is missing, unreadable, empty
    or shaped for another picture (``role`` says which mask: "the keep mask")."""
    height, width = content.shape[:2]
    try:
        pixels = source.load(max(width, height))
    except ImageError as exc:
        raise ImageError(f"{str(exc).rstrip('.')} ({role}).") from None
    mask = regions.to_mask(pixels)
    what = f"{role[0].upper()}{role[1:]}, {show_path(source.name)},"
    regions.check_mask(mask, width, height, what)
    return regions.fit_mask(mask, width, height)


def _paint(
    job: Job,
    content: RGB8,
    styles: Sequence[StyleImage],
    keep: Mask | None,
    on_progress: ProgressCallback | None,
    cancel: CancelToken | None,
    paint: Painter | None,
) -> tuple[Result, str | None]:
    """Run the painter ``job.settings.method`` names (a fast style's: :func:`_paint_fast`).

    Each painter keeps the photo under ``keep`` itself (the optimiser in its previews too); a
    stand-in painter's picture gets the photo composited over it here.
    """
    settings = job.settings
    if paint is None and settings.method == "instant":
        from .instant import stylize_instant

        instant = stylize_instant(
            content, styles, settings, on_progress=on_progress, cancel=cancel, keep=keep
        )
        return instant, None
    if paint is None:
        from .run import stylize

        painted = stylize(
            content,
            styles,
            settings,
            on_progress=on_progress,
            cancel=cancel,
            preview_interval=job.preview_interval,
            keep=keep,
        )
    else:
        painted = paint(
            content,
            styles,
            settings,
            on_progress=on_progress,
            cancel=cancel,
            preview_interval=job.preview_interval,
        )
        if keep is not None:
            h, w = painted.image_float.shape[:2]
            photo = regions.photo_float(content, w, h) / 255.0
            kept = regions.keep_photo(painted.image_float.copy(), photo, keep)
            painted = replace(
                painted, image_float=kept, image=np.clip(np.rint(kept * 255.0), 0, 255).astype(np.uint8)
            )
    return painted, None


def _paint_fast(
    job: Job,
    content: RGB8,
    keep: Mask | None,
    masks: Sequence[Mask],
    on_progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> tuple[Result, str]:
    """The fast style ``job.settings.fast_style`` over the photo, with ``job.fast_regions``'
    styles in their ``masks``; the first style's name comes back too."""
    from .fast.apply import apply_fast_style
    from .fast.store import FastStyleStore

    store = FastStyleStore()
    style = store.get(job.settings.fast_style)
    others = [(store.get(r.name), m) for r, m in zip(job.fast_regions, masks, strict=True)]
    result = apply_fast_style(
        content, style, job.settings, on_progress=on_progress, cancel=cancel, keep=keep, region_styles=others
    )
    return result, str(style.name)


def _download_weights(name: str, on_download: DownloadCallback | None, cancel: CancelToken | None) -> None:
    from . import weights

    if not weights.is_cached(name):
        weights.download_weight_set(name, on_progress=on_download, cancel=cancel)


def _resize(image: RGB8, size: tuple[int, int]) -> RGB8:
    """``image`` at exactly ``size`` (width, height); the same array when it already is."""
    if (image.shape[1], image.shape[0]) == size:
        return image
    resized = Image.fromarray(image).resize(size, Image.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.uint8).copy()
