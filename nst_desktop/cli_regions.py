"""``--style PAINTING[:WEIGHT][@MASK]`` and ``--keep MASK``: regions on the command line.

A painting with ``@MASK`` paints only where the mask (a greyscale picture of the photo's
shape, white = its region) is light; paintings without one share the rest, and ``--keep``
keeps the photo where its mask is white (engine/regions.py). The engine reads and checks
the masks, so a missing, unreadable, empty or misshapen mask is one sentence, exit status 2.

File names may hold ``:`` and ``@`` themselves (``C:\\art\\a.jpg``, ``me@home.png``): a spec
is first taken whole when such a file exists, then split at an ``@`` whose painting exists
(rightmost first), then read as ``PAINTING:WEIGHT`` when that painting exists; only when no
reading names an existing painting is it split at the last ``@``, whose painting the engine
then reports as missing.

``--fast-style NAME[@MASK]``, repeatable, does the same for fast styles: the first paints
wherever the others' masks do not (so it takes no mask), each later one its mask's region. A
spec is taken whole when it names a file or a fast style that exists, then split at an ``@``
whose style exists (rightmost first), else at the last ``@``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .engine.pipeline import ImageInput


@dataclass(frozen=True)
class StyleSpec:
    """One ``--style``: the painting, its weight and its mask (``None``: the shared rest)."""

    path: Path
    weight: float
    mask: Path | None = None

    def image_input(self) -> ImageInput:
        mask = None if self.mask is None else ImageInput(self.mask.name, path=self.mask)
        return ImageInput(self.path.name, path=self.path, weight=self.weight, mask=mask)


def parse_style_spec(spec: str) -> StyleSpec:
    """``PAINTING[:WEIGHT][@MASK]`` (see the module's docstring for names with ``:`` or ``@``)."""
    from .cli import parse_style

    if _is_file(spec):
        return StyleSpec(Path(spec), 1.0)
    readings = []
    at = len(spec)
    while (at := spec.rfind("@", 0, at)) > 0:
        head, mask = spec[:at], spec[at + 1 :]
        if mask:
            readings.append((head, mask))
    for head, mask in readings:
        if _is_file(head) or _is_file(str(parse_style(head)[0])):
            return _reading(head, mask)
    path, weight = parse_style(spec)
    if _is_file(str(path)):  # a painting with an @ in its name, and a weight
        return StyleSpec(path, weight)
    if readings:
        return _reading(*readings[0])
    return StyleSpec(path, weight)


def _reading(head: str, mask: str) -> StyleSpec:
    from .cli import parse_style

    if _is_file(head):
        return StyleSpec(Path(head), 1.0, Path(mask))
    path, weight = parse_style(head)
    return StyleSpec(path, weight, Path(mask))


def _is_file(text: str) -> bool:
    """Whether a regular file is at ``text`` (False when it cannot even be examined)."""
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class FastStyleSpec:
    """One ``--fast-style``: the style's name or file and its mask (``None``: the rest)."""

    name: str
    mask: Path | None = None


def parse_fast_style_spec(spec: str) -> FastStyleSpec:
    """``NAME[@MASK]`` (see the module's docstring for names with ``@``)."""
    if _is_fast_style(spec):
        return FastStyleSpec(spec)
    readings = []
    at = len(spec)
    while (at := spec.rfind("@", 0, at)) > 0:
        if spec[at + 1 :]:
            readings.append((spec[:at], Path(spec[at + 1 :])))
    for head, mask in readings:
        if _is_fast_style(head):
            return FastStyleSpec(head, mask)
    return FastStyleSpec(*readings[0]) if readings else FastStyleSpec(spec)


def _is_fast_style(text: str) -> bool:
    """Whether ``text`` is a file or the name of an installed fast style."""
    from .engine.fast.store import FastStyleStore

    return _is_file(text) or FastStyleStore().find(text) is not None
