"""The names of named files (presets, fast styles): one set of rules for every kind.

A name is what the artist typed; the file it lives in is derived from it only so that the
folder stays readable, and the name inside the file is the one that counts. The rules are the
stricter of the ones the two stores used to have on their own: names are compared in NFC and
without regard to case or runs of white space ("Café  oil" typed on macOS is "café oil" typed
on Windows), control characters and line breaks are refused, and no file is ever given a name
Windows keeps for a device (CON, PRN, AUX, NUL, COM0-9, LPT0-9, whatever the extension), so a
folder copied to Windows or a file sent to a Windows user still opens there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from ..errors import EngineError
from ..text import clip

__all__ = ["NameRules", "is_reserved_file_name", "key", "normalise"]

#: Windows refuses these as file names whatever the extension ("nul.json" is the null device).
WINDOWS_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
# Control characters, lone surrogates and line/paragraph separators: they break file listings,
# one-line messages and UTF-8 encoding. Format characters (Cf) stay allowed because emoji
# sequences need the zero-width joiner.
FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Characters of a refused name a message shows (the same for every kind).
SHOWN_NAME: Final = 60
# Every space separator (Unicode category Zs): a run of them is one plain space in a name.
_SPACES: Final = re.compile("[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Leaves room for a "-NN" collision suffix while keeping file names comfortably short.
SLUG_MAX_LENGTH: Final = 48


def normalise(name: str) -> str:
    """NFC (so "é" typed decomposed and composed is one name), stripped, each run of spaces made
    one plain space; line breaks and tabs stay, for :meth:`NameRules.fault` to refuse."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name.strip()))


def key(name: str) -> str:
    """What two names must share to be the same name."""
    return normalise(name).casefold()


def is_reserved_file_name(file_name: str) -> bool:
    """Whether Windows refuses ``file_name``: a device name before the first dot, or a name
    ending in a dot or a space (Windows drops them, so the file opens under another name)."""
    if file_name.endswith((".", " ")):
        return True
    stem = unicodedata.normalize("NFKD", file_name.split(".", 1)[0]).strip().casefold()
    return stem in WINDOWS_RESERVED


@dataclass(frozen=True)
class NameRules:
    """The rules for one kind's names, and its words for them in messages.

    ``noun`` is how a message calls one ("preset", "fast style"); ``fallback`` is the file
    name stem of a name that has no letters a file name can keep ("秋の夕暮れ").
    """

    noun: str
    max_length: int
    fallback: str
    error: type[EngineError]

    def fault(self, name: str) -> str | None:
        """Why ``name`` (already normalised) cannot be a name, as a clause; None if it can."""
        if not name:
            return "it is empty"
        if len(name) > self.max_length:
            return f"it is longer than {self.max_length} characters"
        if any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in name):
            return "it contains control characters or line breaks"
        return None

    def clean(self, name: object) -> str:
        """``name`` normalised, or this kind's error in one sentence."""
        if not isinstance(name, str):
            raise self.error(f"A {self.noun} name must be text.")
        clean = normalise(name)
        if not clean:
            raise self.error(f"A {self.noun} needs a name.")
        fault = self.fault(clean)
        if fault is not None:
            raise self.error(
                f"The {self.noun} name '{clip(clean, SHOWN_NAME)}' cannot be used because {fault}."
            )
        return clean

    def slug(self, name: str) -> str:
        """A file name stem every file system accepts that still reminds a person of the name."""
        ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
        slug = slug[:SLUG_MAX_LENGTH].rstrip("-") or self.fallback
        if is_reserved_file_name(slug):
            slug = f"{slug}-{self.fallback}"
        return slug
