"""Quoting outside values (file names, settings from a file) inside one-line messages.

Every value a message quotes comes from outside: a file name, a setting read from a picture's
embedded JSON or from a shared preset. Such a value can be a megabyte long or hold line breaks
and terminal escapes; quoted in full it breaks the one-line rule of the CLI and can stall or
crash the window that shows it. So messages quote values through these helpers, which keep
them printable and short (:data:`MAX_QUOTED` characters), whatever they hold.
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["MAX_QUOTED", "clip", "os_reason", "quote", "show_path"]

MAX_QUOTED: Final = 80
"""Characters of an outside value a message shows; enough to recognise it, never a flood."""
_ELLIPSIS: Final = "…"


def clip(text: str, limit: int = MAX_QUOTED, *, replacement: str = "?") -> str:
    """``text`` with every unprintable character (line breaks, escapes, lone surrogates)
    replaced and cut to ``limit`` characters, the cut marked with an ellipsis.

    Only the first ``limit`` characters are examined, so a huge value costs no more than a
    short one.
    """
    head = text[: limit + 1]
    clean = "".join(ch if ch.isprintable() else replacement for ch in head)
    if len(text) > limit:
        clean = clean[: max(limit - 1, 0)] + _ELLIPSIS
    return clean


def quote(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr(value)`` fit for a message: printable and at most ``limit`` characters.

    Strings and bytes are cut before ``repr`` runs, and containers are summarised, so that
    quoting a megabyte-long value never builds a megabyte-long string first.
    """
    if isinstance(value, (str, bytes)):
        short = value[: limit + 1]
        text = repr(short)
        if len(value) > limit:
            text = text[: limit - 1] + _ELLIPSIS
        return clip(text, limit)
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        if len(value) > 8:
            return f"a {type(value).__name__} of {len(value)} items"
        try:
            text = repr(value)
        except RecursionError:
            return f"a nested {type(value).__name__}"
        return clip(text, limit)
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # e.g. an integer with more digits than Python prints
        return f"a {type(value).__name__} too large to show"
    return clip(text, limit)


def show_path(path: str | os.PathLike[str], limit: int = 120) -> str:
    """A path for a message: printable, and cut in the middle so both ends stay readable."""
    text = os.fsdecode(os.fspath(path))
    text = "".join(ch if ch.isprintable() else "?" for ch in text) if len(text) <= 4 * limit else text
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    start = "".join(ch if ch.isprintable() else "?" for ch in text[:half])
    end = "".join(ch if ch.isprintable() else "?" for ch in text[-half:])
    return f"{start}{_ELLIPSIS}{end}"


def os_reason(exc: OSError, limit: int = 80) -> str:
    """Why an OS call failed, worded once for every message of the app: the system's own words
    (what an artist can search for), on one line, cut to ``limit``, lower case and without a full
    stop, because every sentence puts them after a colon or inside parentheses:
    "could not be written (no space left on device)"."""
    words = exc.strerror or str(exc) or type(exc).__name__
    return clip(" ".join(words.split()), limit).rstrip(".").lower()
