"""One wording for what went wrong with a named file, whichever kind it holds.

Presets and fast styles used to word a failed write each in their own way (one kept the OS's
message whole, the other cut it differently), so one disk full read two ways. Every message of
the named-file store now quotes paths with :func:`show` and OS errors with :func:`os_reason`:
the system's own words (what an artist can search for), on one line, never a flood.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from ..text import os_reason
from .names import FORBIDDEN_CATEGORIES

__all__ = ["as_sentence", "one_line", "os_reason", "show"]

# Characters of a path or value a message quotes (see engine.text): recognisable, never a flood.
MAX_SHOWN: Final = 120


def show(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as text safe inside a one-line message: file names may hold line breaks, and a
    value read from a file may be a megabyte long, so it is cut in the middle to ``limit``."""
    text = str(value)
    if len(text) > limit:
        half = (limit - 1) // 2
        text = f"{text[:half]}…{text[-half:]}"
    return "".join("?" if unicodedata.category(ch) in FORBIDDEN_CATEGORIES else ch for ch in text)


def one_line(text: str) -> str:
    return " ".join(show(text).split())


def as_sentence(message: str) -> str:
    text = message.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
