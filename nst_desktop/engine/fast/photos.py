"""The artist's own photos a fast style learns from: found, read, and cut into training crops."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from ..errors import EngineError, FastStyleError
from ..images import INPUT_SUFFIXES, load_image
from ..text import show_path
from ..types import RGB8

#: One photo is held back for the preview; fewer than this many left teach nothing general.
MIN_PHOTOS: Final = 4
#: More than this many are sampled evenly (memory: each is kept at twice the training size).
MAX_PHOTOS: Final = 2000
#: Folders deeper than this below the photo folder are not searched (and counted in a warning).
MAX_DEPTH: Final = 32

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoSet:
    """Decoded photos at a bounded size, the held-back preview photo, and what was skipped."""

    train: tuple[RGB8, ...]
    preview: RGB8
    preview_name: str
    names: tuple[str, ...]
    skipped: int


def find_photos(folder: Path) -> list[Path]:
    """Every readable-looking image under ``folder`` (recursively, :data:`MAX_DEPTH` folders
    deep at most), in name order; how many deeper folders were left out is logged."""
    if not folder.is_dir():
        raise FastStyleError(f"The photo folder '{show_path(folder)}' does not exist or is not a folder.")
    found: list[Path] = []
    suffixes = {s.lower() for s in INPUT_SUFFIXES}
    too_deep = 0
    # Depth first with a list, not recursion: a tree thousands of folders deep is a RecursionError
    # for os.walk (before Python 3.12). Each folder's files come before its sub-folders.
    pending: list[tuple[Path, int]] = [(folder, 0)]
    while pending:
        root, depth = pending.pop()
        files, dirs = _entries(root)
        found.extend(root / name for name in files if Path(name).suffix.lower() in suffixes)
        if dirs and depth >= MAX_DEPTH:
            too_deep += len(dirs)
            continue
        pending.extend((root / name, depth + 1) for name in reversed(dirs))
    if too_deep:
        log.warning(
            "%d %s more than %d levels deep in the photo folder '%s' %s not searched for photos.",
            too_deep,
            "folder" if too_deep == 1 else "folders",
            MAX_DEPTH,
            show_path(folder),
            "was" if too_deep == 1 else "were",
        )
    return found


def _entries(folder: Path) -> tuple[list[str], list[str]]:
    """The names of ``folder``'s files and of the sub-folders to search, sorted, hidden ones left
    out; a folder that cannot be read (may not be entered) is skipped like a broken photo. As in
    ``os.walk(followlinks=False)``, a link to a folder is neither searched nor a file."""
    files: list[str] = []
    dirs: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                    if is_dir and not entry.is_symlink():
                        dirs.append(entry.name)
                    elif not is_dir:
                        files.append(entry.name)
                except OSError:
                    files.append(entry.name)  # reported as unreadable when it is loaded
    except OSError:
        return [], []
    return sorted(files), sorted(dirs)


def load_photos(folder: Path, long_side: int) -> PhotoSet:
    """Read the photos at ``long_side``; broken files are counted, never fatal."""
    paths = find_photos(folder)
    if len(paths) > MAX_PHOTOS:
        picks = np.linspace(0, len(paths) - 1, MAX_PHOTOS).round().astype(int)
        paths = [paths[i] for i in picks]
    images: list[RGB8] = []
    names: list[str] = []
    skipped = 0
    for path in paths:
        try:
            images.append(load_image(path, max_side=long_side))
            names.append(path.name)
        except EngineError:
            skipped += 1
        except OSError:
            skipped += 1
    if len(images) < MIN_PHOTOS + 1:
        broken = f" ({skipped} could not be read)" if skipped else ""
        raise FastStyleError(
            f"The photo folder '{show_path(folder)}' has {len(images)} usable photos{broken}; "
            f"training a fast style needs at least {MIN_PHOTOS + 1} (dozens of varied photos are better)."
        )
    return PhotoSet(
        train=tuple(images[1:]),
        preview=images[0],
        preview_name=names[0],
        names=tuple(names),
        skipped=skipped,
    )


def random_crops(photos: tuple[RGB8, ...], size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` square crops (Nx3xSxS float32, 0..1) at random places, scales and mirrorings.

    A crop covers half to all of the photo's short side, so the network sees things at
    several scales and learns a manner of painting rather than the few photos themselves.
    """
    from PIL import Image

    out = np.empty((count, 3, size, size), np.float32)
    for i in range(count):
        photo = photos[int(rng.integers(len(photos)))]
        h, w = photo.shape[:2]
        side = int(round(min(h, w) * rng.uniform(0.5, 1.0)))
        side = max(1, side)
        top = int(rng.integers(0, h - side + 1))
        left = int(rng.integers(0, w - side + 1))
        crop = Image.fromarray(photo[top : top + side, left : left + side])
        if side != size:
            method = Image.Resampling.BICUBIC if side < size else Image.Resampling.BOX
            crop = crop.resize((size, size), method)
        arr = np.asarray(crop, dtype=np.float32) / 255.0
        if rng.random() < 0.5:
            arr = arr[:, ::-1]
        out[i] = arr.transpose(2, 0, 1)
    return out

