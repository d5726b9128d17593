"""Training a fast style from the window: the request, its time budget, the job, resuming.

The budget is a time the engine holds to (engine/fast/budget.py), not a number of steps
guessed beforehand: a step's cost on this computer is known only once it runs.

A :class:`TrainRequest` is plain data (no torch on the GUI thread); :func:`train_job` turns it
into a job function for the :class:`~.controller.JobController`, which runs
``train_fast_style`` on the worker thread like any stylization. Beside the style file being
trained the job keeps a small record (``NAME.nststyle.training.json``) of what it was asked,
so a training stopped by Stop, by closing the window or by a crash can be resumed from its
checkpoint later, even after a restart; the record goes when the style is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict

from nst_desktop.engine import images, paths
from nst_desktop.engine.fast.budget import STEP_CAP
from nst_desktop.engine.fast.checkpoint import checkpoint_path
from nst_desktop.engine.fast.photos import MAX_DEPTH
from nst_desktop.engine.pipeline import ImageInput

from .user_paths import is_file
from .worker import JobFn, Report

log = logging.getLogger(__name__)

RECORD_SUFFIX = ".training.json"
STYLE_SUFFIX = ".nststyle"
MIN_PHOTOS = 5  # fast.photos needs 5 usable photos (one is held out for the preview)
PHOTO_SUFFIXES = {s.lower() for s in images.INPUT_SUFFIXES}


class Recipe(TypedDict):
    """:data:`RECIPE`'s values, each with its own type."""

    size: int
    batch: int
    brush_scale: float


# The built-in styles' recipe (packaging/train_builtin_styles.py): 128 px crops, the painting
# at 256 px (brush scale 2), batches of 4. Only the number of steps follows the time budget.
RECIPE: Recipe = {"size": 128, "batch": 4, "brush_scale": 2.0}

BUDGETS: tuple[tuple[str, str, float], ...] = (
    ("quick", "Quick sketch — 10 minutes", 10 * 60),
    ("good", "Good — an hour", 60 * 60),
    ("best", "Best — several hours (4)", 4 * 60 * 60),
)


def estimated_steps(seconds: float, seconds_per_step: float) -> int:
    """The steps that fit ``seconds`` at ``seconds_per_step``: information for the artist only,
    the engine trains by the time itself."""
    return max(1, min(STEP_CAP, round(seconds / max(seconds_per_step, 1e-6))))


def duration_text(seconds: float) -> str:
    """A budget as the artist chose it: "10 minutes", "1 hour", "4 hours", "2.5 hours"."""
    if seconds < 59.5 * 60:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600, 1)
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


@dataclass(frozen=True)
class TrainRequest:
    """One training as the artist asked for it (all plain values).

    With ``seconds`` it trains for that time and ``steps`` is only a cap (:data:`STEP_CAP`
    from the dialog); without, for ``steps`` steps.
    """

    name: str
    photos: Path
    paintings: tuple[ImageInput, ...]
    output: Path
    steps: int
    seconds: float | None = None
    seed: int = field(default_factory=lambda: secrets.randbelow(2**31))
    size: int = RECIPE["size"]
    batch: int = RECIPE["batch"]
    brush_scale: float = RECIPE["brush_scale"]
    checkpoint_seconds: float = 60.0
    resume: bool = False
    #: The network kind (engine/fast/style_file.py): the instant model fine-tuned, the recipe
    #: that is good within the dialog's budgets on a CPU.
    network: str = "instant"

    @property
    def checkpoint(self) -> Path:
        return checkpoint_path(self.output)

    @property
    def record(self) -> Path:
        return self.output.with_name(self.output.name + RECORD_SUFFIX)

    def resumed(self) -> TrainRequest:
        return replace(self, resume=True)

    @property
    def budget_text(self) -> str:
        """The whole training's budget in words: "10 minutes", "300 steps"."""
        if self.seconds is not None:
            return duration_text(self.seconds)
        return f"{self.steps} step{'s' if self.steps != 1 else ''}"


@dataclass(frozen=True)
class TrainOutcome:
    """What a finished training job returns to the window: the whole training's steps and
    seconds, sessions before a Stop and Resume included."""

    request: TrainRequest
    output: Path
    seconds: float
    steps: int
    device: str
    seconds_per_step: float | None
    #: The measured quality as one sentence ("about as good as 50 optimiser steps"), if measured.
    quality: str | None = None
    #: The steps of the last session alone when the training was resumed (``steps`` counts
    #: them all), ``None`` when it ran in one go.
    session_steps: int | None = None

    @property
    def summary(self) -> str:
        """The window's line for it: "Trained 'Autumn' (612 steps in 10 min 01 s)", or after a
        Stop and Resume "Trained 'Autumn' (1,200 steps in all, 400 this time, in 30 min 01 s)":
        an artist who resumed wants the whole training, not the last stretch of it."""
        minutes, secs = divmod(round(self.seconds), 60)
        hours, minutes = divmod(minutes, 60)
        took = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"
        steps = f"{self.steps:,} step{'s' if self.steps != 1 else ''}"
        if self.session_steps is not None and self.session_steps != self.steps:
            steps += f" in all, {self.session_steps:,} this time,"
        line = f"Trained '{self.request.name}' ({steps} in {took})"
        return f"{line}. {self.quality}" if self.quality else line


def styles_dir() -> Path:
    """The artist's fast styles folder (``fast.store.user_styles_dir``, without torch)."""
    return paths.user_data_dir() / "styles"


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].rstrip("-") or "style"


def new_output(name: str, folder: Path | None = None) -> Path:
    """A style file for ``name`` that neither exists nor has a training of its own under way.

    The name is reserved by creating its training record exclusively (create-or-fail, like the
    store's link-or-fail), so two windows training the same name at once get two files and two
    checkpoints, never one that both write.
    """
    folder = folder or styles_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    base = slug(name)
    for n in range(1, 1000):
        candidate = folder / (f"{base}{STYLE_SUFFIX}" if n == 1 else f"{base}-{n}{STYLE_SUFFIX}")
        record = candidate.with_name(candidate.name + RECORD_SUFFIX)
        if any(os.path.lexists(p) for p in (candidate, checkpoint_path(candidate))):
            continue
        try:
            fd = os.open(record, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # another window has just taken this name
        except OSError:
            return candidate  # the folder cannot be written: the training will say so
        os.close(fd)
        return candidate
    raise OSError("no free file name for the style")


#: Folder entries :func:`count_photos` looks at before it answers with what it found: the
#: dialog calls it on the GUI thread as the artist types, so a tree of millions of files (a
#: whole disk picked by mistake) must not freeze the window.
COUNT_ENTRIES = 20_000


def count_photos(folder: Path, limit: int = 999, max_entries: int = COUNT_ENTRIES) -> int:
    """Image files under ``folder`` as the trainer finds them (a quick look, up to ``limit``;
    the engine checks they can be read).

    The engine's rule (``engine.fast.photos.find_photos``): hidden names are skipped, a link to
    a folder is not followed, folders deeper than its ``MAX_DEPTH`` are not searched. Bounded
    where the engine is not: at ``limit`` photos or ``max_entries`` entries it stops, and it
    walks with a list rather than recursion (``os.walk`` could hit the recursion limit in a
    tree thousands of folders deep before Python 3.12).
    """
    count = 0
    seen = 0
    pending: list[tuple[Path, int]] = [(folder, 0)]
    while pending:
        root, depth = pending.pop()
        try:
            with os.scandir(root) as entries:
                for entry in entries:
                    seen += 1
                    if seen > max_entries:
                        return min(count, limit)
                    if entry.name.startswith("."):
                        continue
                    try:
                        is_dir = entry.is_dir()
                        linked = is_dir and entry.is_symlink()
                    except OSError:
                        is_dir = linked = False
                    if is_dir:
                        if not linked and depth < MAX_DEPTH:
                            pending.append((root / entry.name, depth + 1))
                    elif Path(entry.name).suffix.lower() in PHOTO_SUFFIXES:
                        count += 1
                        if count >= limit:
                            return limit
        except OSError:
            continue  # a folder that may not be entered is skipped, as the engine does
    return count


# Records of trainings that can be resumed -------------------------------------------------------


def save_record(request: TrainRequest) -> None:
    """Write what resuming ``request`` needs (only paintings that are files can be resumed later)."""
    if not all(p.path is not None for p in request.paintings):
        return
    doc: dict[str, Any] = {
        "kind": "nst-desktop-training",
        "name": request.name,
        "photos": str(request.photos),
        "output": str(request.output),
        "paintings": [{"path": str(p.path), "weight": p.weight, "name": p.name} for p in request.paintings],
        "network": request.network,
    }
    doc |= {k: v for k, v in asdict(request).items() if k in _NUMBERS}
    try:
        request.record.parent.mkdir(parents=True, exist_ok=True)
        temp = request.record.with_name(request.record.name + ".tmp")
        temp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        os.replace(temp, request.record)
    except OSError as exc:
        log.info("Could not write the training record %s: %s", request.record, exc)


_NUMBERS = ("steps", "seconds", "seed", "size", "batch", "brush_scale", "checkpoint_seconds")


def remove_record(request: TrainRequest) -> None:
    with contextlib.suppress(OSError):
        request.record.unlink()


def load_record(path: Path) -> TrainRequest | None:
    """The resumable training ``path`` records; None when unreadable or its files are gone."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        paintings = tuple(
            ImageInput(name=str(p["name"]), path=Path(p["path"]), weight=float(p["weight"]))
            for p in doc["paintings"]
        )
        request = TrainRequest(
            name=str(doc["name"]),
            photos=Path(doc["photos"]),
            paintings=paintings,
            output=Path(doc["output"]),
            steps=int(doc["steps"]),
            # Records written before time budgets have none: they train for their steps.
            seconds=None if doc.get("seconds") is None else float(doc["seconds"]),
            seed=int(doc["seed"]),
            size=int(doc["size"]),
            batch=int(doc["batch"]),
            brush_scale=float(doc["brush_scale"]),
            checkpoint_seconds=float(doc.get("checkpoint_seconds", 60.0)),
            resume=True,
            # Records from before the instant kind trained Johnson et al.'s network.
            network="instant" if doc.get("network") == "instant" else "johnson",
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not is_file(request.checkpoint) or not all(p.path and is_file(p.path) for p in paintings):
        return None
    return request


def resumable(folder: Path | None = None) -> list[TrainRequest]:
    """Trainings left with a checkpoint (stopped, closed or crashed), newest first."""
    folder = folder or styles_dir()
    try:
        records = sorted(folder.glob(f"*{STYLE_SUFFIX}{RECORD_SUFFIX}"), key=_mtime, reverse=True)
    except OSError:
        return []
    return [r for r in (load_record(p) for p in records) if r is not None]


def find_resumable(name: str, folder: Path | None = None) -> TrainRequest | None:
    key = " ".join(name.split()).casefold()
    return next((r for r in resumable(folder) if " ".join(r.name.split()).casefold() == key), None)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# The job ------------------------------------------------------------------------------------------


def train_job(request: TrainRequest) -> JobFn:
    """The job function that trains ``request`` on the worker thread (torch is imported there)."""

    def call(report: Report, cancel: threading.Event) -> TrainOutcome:
        from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
        from nst_desktop.engine.schedule import style_side_for
        from nst_desktop.engine.types import StyleImage

        report("Reading the paintings…")
        side = style_side_for(request.size, request.brush_scale)
        paintings = [StyleImage(p.load(side), p.weight, p.name) for p in request.paintings]
        settings = TrainSettings(
            size=request.size,
            steps=request.steps,
            seconds=request.seconds,
            batch=request.batch,
            seed=request.seed,
            brush_scale=request.brush_scale,
            checkpoint_seconds=request.checkpoint_seconds,
            network="instant" if request.network == "instant" else "johnson",
        )
        request.output.parent.mkdir(parents=True, exist_ok=True)
        save_record(request)
        report(f"Training '{request.name}'…")
        result = train_fast_style(
            paintings,
            request.photos,
            request.output,
            settings,
            name=request.name,
            resume=request.resume,
            on_progress=report,
            cancel=cancel,
        )
        remove_record(request)
        # A rate from a handful of steps is mostly warm-up; the dialog would mislead with it.
        rate = result.seconds_per_step if result.steps >= 10 else None
        quality = result.quality.sentence() if result.quality is not None else None
        return TrainOutcome(
            request,
            result.output,
            result.trained_seconds,
            result.trained_steps,
            result.device,
            rate,
            quality,
            session_steps=result.steps if result.resumed_from else None,
        )

    return call
