"""Names for a batch's results: a pattern such as ``{photo}-{style}`` made into a free file name.

A batch writes many files without asking, so the name it picks must be safe on its own: it never
replaces a file that is already there (an earlier result, the artist's own picture), it is never
one of the batch's inputs, it holds no character a file system or a shell trips over, and it fits
the 255-byte limit on a name (with room for a number and a JPEG's ``.json`` settings file).

The pattern is filled by plain text replacement of ``{photo}``, ``{style}`` and ``{n}``, never by
:meth:`str.format`: a pattern is typed by the user, and ``{photo.__class__}`` or ``{0}`` must be
nothing more than odd text. Qt-free, so the command line could use it too.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from .atomic import name_fits

__all__ = [
    "DEFAULT_PATTERN",
    "OUTPUT_FORMATS",
    "fill_pattern",
    "free_batch_path",
    "safe_stem",
    "style_label",
]

DEFAULT_PATTERN = "{photo}-{style}"

OUTPUT_FORMATS: dict[str, tuple[str, str]] = {
    "png": ("PNG", ".png"),
    "jpeg": ("JPEG", ".jpg"),
    "tiff": ("TIFF, 16-bit", ".tif"),
}
"""Format key -> (label shown to the user, suffix the saver recognises)."""

PATTERN_CHARS = 200
"""Longest pattern kept; a name is cut to the file system's limit anyway."""

_FALLBACK_STEM = "result"
# Room kept after the stem: "-" + a counter or 8 hex digits, and ".json" for a JPEG's settings file.
_NUMBER_ROOM = len("-") + 8
_SIDECAR = ".json"
_MAX_COUNTER = 10_000
# Characters Windows, macOS or a shell refuse or misread in a file name; "/" and "\" would make a folder.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
# Device names Windows reserves whatever the suffix ("con.png" cannot be created there).
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}


def fill_pattern(pattern: str, *, photo: str, style: str, n: int) -> str:
    """The pattern with its fields replaced (one pass, so a photo named ``{style}`` stays so).

    An empty pattern means the default one, so a batch never writes names made of nothing.
    """
    values = {"{photo}": photo, "{style}": style, "{n}": str(n)}
    text = pattern[:PATTERN_CHARS].strip() or DEFAULT_PATTERN
    return re.sub(r"\{photo\}|\{style\}|\{n\}", lambda m: values[m.group(0)], text)


def safe_stem(text: str) -> str:
    """``text`` as a file name stem any common file system accepts, without a suffix.

    Unsafe and unprintable characters become ``_``, runs of white space one space; leading dots,
    dashes and spaces go (a leading dot hides the file, a leading dash reads as a command-line
    option) and so do trailing dots and spaces (Windows drops them).
    Names Windows reserves for devices get a ``_`` in front. Never empty.
    """
    text = unicodedata.normalize("NFC", text[: PATTERN_CHARS * 4])
    text = _UNSAFE.sub("_", _SPACES.sub(" ", text))
    text = "".join(ch if ch.isprintable() else "_" for ch in text).lstrip(" .-").rstrip(" .")
    if not text:
        return _FALLBACK_STEM
    if text.split(".")[0].strip().lower() in _RESERVED:
        text = "_" + text
    return text


def _fit(stem: str, suffix: str) -> str:
    """``stem`` cut (by whole characters) until stem, a number, suffix and ``.json`` fit in a name."""
    room = "x" * _NUMBER_ROOM + suffix + _SIDECAR
    if name_fits(stem + room):
        return stem
    low, high = 0, len(stem)
    while low < high:  # the longest prefix that fits, by bisection: names may be long
        mid = (low + high + 1) // 2
        if name_fits(stem[:mid] + room):
            low = mid
        else:
            high = mid - 1
    return stem[:low].rstrip(" .") or _FALLBACK_STEM


def _key(path: Path) -> str:
    """How the file system would compare two paths, without asking it (they need not exist)."""
    return os.path.normcase(os.path.abspath(path))


def free_batch_path(
    folder: Path,
    pattern: str,
    *,
    photo: Path,
    style: str,
    n: int,
    fmt: str = "png",
    avoid: Iterable[Path] = (),
) -> Path:
    """A path in ``folder`` for the ``n``-th photo's result that takes nothing away.

    The name is ``pattern`` filled in (:func:`fill_pattern`) and made safe (:func:`safe_stem`),
    with the suffix of ``fmt`` (a key of :data:`OUTPUT_FORMATS`; anything else means PNG). When
    that name is taken -- by a file, a link (even a broken one), a JPEG's ``.json`` settings
    file, or a path in ``avoid`` (the batch's inputs, names it already handed out) -- ``-2``,
    ``-3``, ... is added, and after 10,000 of them a random one. Never raises: a folder that
    cannot be examined is left for the save to report.
    """
    suffix = OUTPUT_FORMATS.get(fmt, OUTPUT_FORMATS["png"])[1]
    stem = _fit(safe_stem(fill_pattern(pattern, photo=photo.stem, style=style, n=n)), suffix)
    avoided = {_key(p) for p in avoid}

    def taken(candidate: Path) -> bool:
        if _key(candidate) in avoided or os.path.lexists(candidate):
            return True
        # A JPEG save writes (or removes) NAME.json beside it; an unrelated file of that name stays.
        return suffix == ".jpg" and os.path.lexists(candidate.with_name(candidate.name + _SIDECAR))

    candidate = folder / f"{stem}{suffix}"
    number = 2
    while taken(candidate):
        if number < _MAX_COUNTER:
            candidate = folder / f"{stem}-{number}{suffix}"
            number += 1
        else:
            candidate = folder / f"{stem}-{secrets.token_hex(4)}{suffix}"
    return candidate


def style_label(method: str, fast_style: str = "", paintings: Sequence[str] = ()) -> str:
    """What ``{style}`` stands for: the fast style's name, or the paintings' names (stems)."""
    if method == "fast" and fast_style:
        return fast_style
    stems = [Path(name).stem for name in paintings if Path(name).stem]
    if not stems:
        return "instant" if method == "instant" else "stylized"
    label = "+".join(stems[:2])
    return label + (f"+{len(stems) - 2} more" if len(stems) > 2 else "")
