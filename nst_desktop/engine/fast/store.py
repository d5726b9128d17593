"""The built-in fast styles and the artist's own, by name: the fast-styles kind of the named-file store.

The store itself (folders, names, scanning, the folder's lock, atomic writes, import, export,
delete, rename) is :class:`~..library.named_files.NamedFiles`, shared with the presets; here is
only what is particular to styles. Built-ins ship read-only in ``resources/styles``; the
artist's live in the per-user data folder beside the presets (``styles/``), where a name with
a training under way (its checkpoint or the window's record of it) is taken too. An import
copies the file in as it is, unless it is given another name. Reading a style means reading
its weights, so each file is parsed once per change (keyed by its time and size) for the whole
process: the gallery's listing and the painter then share one parsed style.
"""

from __future__ import annotations

import builtins
import dataclasses
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .. import paths
from ..errors import FastStyleError
from ..library import folder_lock
from ..library.named_files import Entry, FileKind, NamedFiles, NameTaken, Problem, Scan, Unusable
from ..library.names import NameRules, key
from ..library.wording import os_reason, show
from ..text import clip, quote, show_path
from ..types import RGB8
from .quality import Quality
from .style_file import (
    MAX_NAME,
    SUFFIX,
    FastStyle,
    _read_bytes,
    parse_fast_style,
    read_fast_style,
    write_fast_style,
)

LOCK_WAIT: Final = folder_lock.LOCK_WAIT
LOCK_NAME: Final = folder_lock.LOCK_NAME
RULES: Final = NameRules("fast style", MAX_NAME, "style", FastStyleError)
#: A name whose training is under way is taken: that training writes its style there when it ends.
TRAINING_SUFFIXES: Final = (".checkpoint", ".training.json")

#: A fast style file skipped by a listing, with one sentence the user can act on.
FastStyleProblem = Problem


class FolderLock(folder_lock.FolderLock):
    """The styles folder's import lock (``.import.lock``): one import at a time per folder."""

    def __init__(self, folder: Path, wait: float = LOCK_WAIT) -> None:
        super().__init__(folder, wait, lock_name=LOCK_NAME, error=FastStyleError, what="the styles folder")


@dataclass(frozen=True)
class FastStyleInfo:
    """One style as a gallery shows it (the weights are read only when it is used)."""

    name: str
    path: Path
    builtin: bool
    description: str
    thumbnail: RGB8
    #: How it measured against the instant picture and the optimiser, if it was measured.
    quality: Quality | None = None


def user_styles_dir() -> Path:
    return paths.user_data_dir() / "styles"


def builtin_styles_dir() -> Path:
    return paths.resources_dir() / "styles"


# Per file, for the whole process, keyed by (mtime, size): its parsed style, or why it is
# unusable. Listing has to read and check every file anyway, so painting with a style (a new
# store each time in the pipeline) reuses that read, and the painter keeps the network it
# built for the very same style object.
_cache: dict[Path, tuple[tuple[int, int], FastStyle | str]] = {}


def _read_cached(path: Path) -> tuple[str, FastStyle]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise Unusable(f"{quote(path.name)} cannot be read ({os_reason(exc)}).") from None
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        value = cached[1]
    else:
        try:
            value = read_fast_style(path)
        except FastStyleError as exc:
            value = str(exc)
        _cache[path] = (stamp, value)
    if isinstance(value, str):
        raise Unusable(value)
    return value.name, value


class FastStyleNameTaken(NameTaken, FastStyleError):
    """There is already a fast style of that name (the window offers to replace it)."""


KIND: Final = FileKind(
    RULES,
    SUFFIX,
    _read_cached,
    "the styles folder",
    FastStyleNameTaken,
    lock_name=LOCK_NAME,
    companions=TRAINING_SUFFIXES,
)


def _info(entry: Entry[FastStyle]) -> FastStyleInfo:
    style = entry.value
    quality = Quality.from_dict(style.training.get("quality") or {})
    return FastStyleInfo(entry.name, entry.path, entry.builtin, style.description, style.thumbnail, quality)


def _encoded(style: FastStyle) -> bytes:
    """The bytes of ``style`` as a file (the style file's writer writes only to a path)."""
    with tempfile.TemporaryDirectory(prefix="nst-style-") as folder:
        return write_fast_style(Path(folder) / f"style{SUFFIX}", style).read_bytes()


class FastStyleStore:
    """The artist's styles folder layered over the built-in one; files are re-read only when changed."""

    _cache = _cache

    def __init__(self, directory: Path | None = None, builtin_directory: Path | None = None) -> None:
        self.files = NamedFiles(
            KIND,
            Path(directory) if directory is not None else user_styles_dir(),
            Path(builtin_directory) if builtin_directory is not None else builtin_styles_dir(),
        )
        self.directory = self.files.directory
        self.builtin_directory = self.files.builtin_directory
        self.problems: builtins.list[FastStyleProblem] = []

    # Reading.

    def list(self) -> builtins.list[FastStyleInfo]:
        """Built-ins in name order, each replaced by the artist's style of that name, then the rest."""
        scan = self._scan()
        self.problems = builtins.list(scan.problems)
        return [_info(e) for e in scan.layered()]

    def problem_summary(self, limit: int = 10) -> str:
        """The unreadable files of the last listing in one sentence ("" when none): one file's
        own sentence, or for several a count naming them ("3 fast style files in '/x/styles'
        could not be read: 'a.nststyle', 'b.nststyle', 'c.nststyle'."), the first ``limit``."""
        if len(self.problems) <= 1:
            return "".join(p.message for p in self.problems)
        names = [quote(p.path.name, 60) for p in self.problems]
        more = len(names) - limit
        shown = ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")
        folders = {p.path.parent for p in self.problems}
        where = f" in {quote_path(folders.pop())}" if len(folders) == 1 else ""
        return f"{len(names)} fast style files{where} could not be read: {shown}."

    def names(self) -> builtins.list[str]:
        return [s.name for s in self.list()]

    def find(self, name: str) -> FastStyleInfo | None:
        wanted = key(name)
        return next((s for s in self.list() if key(s.name) == wanted), None)

    def get(self, name_or_path: str) -> FastStyle:
        """A style by name, or from a ``.nststyle`` file when given a path."""
        scan = self._scan()
        self.problems = builtins.list(scan.problems)
        entry = scan.named(name_or_path)
        if entry is not None:
            return entry.value
        candidate = Path(name_or_path)
        if candidate.suffix.lower() == SUFFIX or os.sep in name_or_path or "/" in name_or_path:
            return read_fast_style(candidate)
        known = clip(", ".join(e.name for e in scan.layered()) or "none", 200)
        raise FastStyleError(f"There is no fast style called {quote(name_or_path)} (known: {known}).")

    # Writing.

    def new_path(self, name: str) -> Path:
        """A free file in the artist's folder for a style about to be trained as ``name``."""
        self.files.make_folder()
        return self.files.free_path(RULES.clean(name))

    def import_file(self, path: Path, *, name: str | None = None, overwrite: bool = False) -> FastStyleInfo:
        """Copy a style in from a file; checked in full before anything is written, and written
        again only when it is given another name (the name lives inside the file)."""
        label = quote(Path(path).name)
        data = _read_bytes(Path(path), label)
        style = parse_fast_style(data, label)
        clean = RULES.clean(name if name is not None else style.name)
        if clean != style.name:
            style = dataclasses.replace(style, name=clean)
            data = _encoded(style)
        action = f"import the fast style '{show(clean)}'"
        # From the look-up of the name to the file in place: one import at a time per folder.
        with self.files.lock():
            scan = self._scan()
            existing = self.files.import_target(scan, clean, overwrite)
            if existing is None:
                target = self.files.create(clean, data, scan, action)
            else:
                target = existing.path
                self.files.replace(target, data, action)
        return _info(Entry(clean, target, False, _read_cached(target)[1]))

    def rename(self, old: str, new: str) -> FastStyleInfo:
        """Give the artist's style ``old`` the name ``new`` (built-ins keep theirs)."""
        with self.files.lock():
            scan = self._scan()
            current = scan.named(old)
            if current is None:
                self.files.missing(scan, old)
            clean = RULES.clean(new)
            style = dataclasses.replace(current.value, name=clean)
            target = self.files.rename(scan, current, clean, _encoded(style))
        return _info(Entry(clean, target, False, _read_cached(target)[1]))

    def export(self, name: str, path: Path) -> Path:
        """Copy a style to ``path`` (into a folder: named after the style), atomically."""
        scan = self._scan()
        entry = scan.named(name)
        if entry is None:
            self.get(name)  # a path, or the "no such style" sentence
            raise FastStyleError(f"There is no fast style called {quote(name)}.")
        data = _read_bytes(entry.path, quote(entry.path.name))
        return self.files.export(entry, data, path)

    def delete(self, name: str) -> None:
        scan = self._scan()
        entry = scan.named(name)
        if entry is None:
            self.files.missing(scan, name)
        self.files.remove(entry, entry.name)

    # Internals.

    def _scan(self) -> Scan[FastStyle]:
        scan = self.files.scan()
        scan.builtin.sort(key=lambda e: e.path.name.casefold())
        return scan


def quote_path(path: Path) -> str:
    return f"'{show_path(path)}'"
