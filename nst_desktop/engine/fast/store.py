"""The built-in fast styles and the artist's own, by name: list, get, import, export, delete.

Built-ins ship read-only in ``resources/styles``; the artist's live in the per-user data folder
beside the presets (``styles/``). A name may be shadowed by the artist's own style only when
they ask for it (``overwrite``), and a new file is created with link-or-fail, so two imports at
once can never silently replace one another. A damaged file in either folder is skipped and
reported, never deleted or repaired.

A style's name is not its file name (``Autumn`` may live in ``autumn-2.nststyle``), so
link-or-fail alone let two imports of one name at once both succeed, in two files. An import
therefore holds the folder's lock (:class:`FolderLock`, ``.import.lock``) from the moment it
looks for the name to the moment its file is in place. The lock is the operating system's
(``flock``; ``msvcrt.locking`` on Windows): it ends with the process that holds it, so a
killed import leaves no stale lock behind, only the empty lock file, which is reused.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import errno
import os
import re
import secrets
import stat
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .. import paths
from ..atomic import atomic_path
from ..errors import FastStyleError
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

_SLUG_MAX: Final = 48
#: How long an import waits for another one in the same folder before it gives up.
LOCK_WAIT: Final = 30.0
LOCK_NAME: Final = ".import.lock"


class FolderLock:
    """The styles folder's import lock, held by one process (and thread) at a time.

    ``with FolderLock(folder):`` waits up to ``wait`` seconds, then raises
    :class:`FastStyleError` naming the lock file. A lock whose holder died is free at once.
    """

    _threads = threading.Lock()  # flock is per open file: two threads would each get one

    def __init__(self, folder: Path, wait: float = LOCK_WAIT) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.wait = wait
        self._fd = -1

    def __enter__(self) -> FolderLock:
        deadline = time.monotonic() + self.wait
        if not self._threads.acquire(timeout=self.wait):
            raise self._busy()
        try:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            try:
                self._fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                raise FastStyleError(
                    f"The styles folder's lock {quote_path(self.path)} cannot be opened ({_reason(exc)})."
                ) from None
            while not _try_lock(self._fd):
                if time.monotonic() >= deadline:
                    raise self._busy()
                time.sleep(0.02)
        except BaseException:
            self._close()
            self._threads.release()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()
        self._threads.release()

    def _close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                _unlock(self._fd)
            os.close(self._fd)
            self._fd = -1

    def _busy(self) -> FastStyleError:
        return FastStyleError(
            f"Another import into the styles folder did not finish within {self.wait:g} s "
            f"(its lock is {quote_path(self.path)}); try again."
        )


def _try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` without waiting; False when another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


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


@dataclass(frozen=True)
class FastStyleProblem:
    path: Path
    message: str


def user_styles_dir() -> Path:
    return paths.user_data_dir() / "styles"


def builtin_styles_dir() -> Path:
    return paths.resources_dir() / "styles"


class FastStyleStore:
    """The artist's styles folder layered over the built-in one; files are re-read only when changed."""

    # Per file, for the whole process, keyed by (mtime, size): its parsed style, or why it is
    # unusable. Listing has to read and check every file anyway, so painting with a
    # style (a new store each time in the pipeline) reuses that read, and the painter keeps the
    # network it built for the very same style object.
    _cache: dict[Path, tuple[tuple[int, int], FastStyle | str]] = {}

    def __init__(self, directory: Path | None = None, builtin_directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else user_styles_dir()
        self.builtin_directory = (
            Path(builtin_directory) if builtin_directory is not None else builtin_styles_dir()
        )
        self.problems: builtins.list[FastStyleProblem] = []

    # Reading.

    def list(self) -> builtins.list[FastStyleInfo]:
        """Built-ins in name order, each replaced by the artist's style of that name, then the rest."""
        self.problems = []
        builtin = self._folder(self.builtin_directory, builtin=True)
        user = self._folder(self.directory, builtin=False)
        by_key = {_key(s.name): s for s in user}
        result = [by_key.pop(_key(b.name), b) for b in builtin]
        return result + sorted(by_key.values(), key=lambda s: s.name.casefold())

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
        key = _key(name)
        return next((s for s in self.list() if _key(s.name) == key), None)

    def get(self, name_or_path: str) -> FastStyle:
        """A style by name, or from a ``.nststyle`` file when given a path."""
        info = self.find(name_or_path)
        if info is not None:
            return self._load(info.path, builtin=info.builtin)[1]
        candidate = Path(name_or_path)
        if candidate.suffix.lower() == SUFFIX or os.sep in name_or_path or "/" in name_or_path:
            return read_fast_style(candidate)
        known = clip(", ".join(self.names()) or "none", 200)
        raise FastStyleError(f"There is no fast style called {quote(name_or_path)} (known: {known}).")

    # Writing.

    def new_path(self, name: str) -> Path:
        """A free file in the artist's folder for a style about to be trained as ``name``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return self._free_path(_clean_name(name))

    def import_file(self, path: Path, *, name: str | None = None, overwrite: bool = False) -> FastStyleInfo:
        """Add a style from a file; checked in full before anything is written."""
        data = _read_bytes(Path(path), quote(Path(path).name))
        style = parse_fast_style(data, quote(Path(path).name))
        clean = _clean_name(name if name is not None else style.name)
        style = dataclasses.replace(style, name=clean)
        self._make_folder()
        # From the look-up of the name to the file in place: one import at a time per folder.
        with FolderLock(self.directory):
            target = self._target(clean, overwrite)
            if target is None:
                target = self._create(clean, style)
            else:
                write_fast_style(target, style)
            return self._info(target, builtin=False)

    def _make_folder(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FastStyleError(
                f"The styles folder {quote_path(self.directory)} cannot be made ({_reason(exc)})."
            ) from None

    def export(self, name: str, path: Path) -> Path:
        """Copy a style to ``path`` (into a folder: named after the style), atomically."""
        info = self.find(name)
        if info is None:
            self.get(name)  # raises the "no such style" sentence
            raise AssertionError
        path = Path(path)
        if path.is_dir():
            path = path / f"{_slug(info.name)}{SUFFIX}"
        _refuse_special(path)
        if path.exists() and os.path.samefile(path, info.path):
            raise FastStyleError("The export would overwrite the style's own file; choose another place.")
        data = _read_bytes(info.path, quote(info.path.name))
        try:
            with atomic_path(path) as temp:
                temp.write_bytes(data)
        except OSError as exc:
            where = quote_path(path)
            raise FastStyleError(f"Could not export the style to {where} ({_reason(exc)}).") from None
        return path

    def delete(self, name: str) -> None:
        key = _key(name)
        user = next((s for s in self._folder(self.directory, builtin=False) if _key(s.name) == key), None)
        if user is None:
            if any(_key(s.name) == key for s in self._folder(self.builtin_directory, builtin=True)):
                raise FastStyleError("Built-in fast styles cannot be deleted.")
            raise FastStyleError(f"There is no fast style called {quote(name)}.")
        try:
            user.path.unlink()
        except OSError as exc:
            what = quote(user.name)
            raise FastStyleError(f"Could not delete the style {what} ({_reason(exc)}).") from None

    # Internals.

    def _target(self, clean: str, overwrite: bool) -> Path | None:
        """The file to replace for ``clean``, None for a new one; refuses a clash unless asked."""
        existing = self.find(clean)
        if existing is None:
            return None
        if not overwrite:
            kind = "a built-in fast style" if existing.builtin else "a fast style"
            raise FastStyleError(
                f"There is already {kind} called {quote(existing.name)}; give another name or replace it."
            )
        return None if existing.builtin else existing.path

    def _create(self, clean: str, style: FastStyle) -> Path:
        """Write through a temporary file, then link it to a free name; a taken name is never replaced."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            target = self._free_path(clean)
            staged = self.directory / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.new"
            write_fast_style(staged, style)
            try:
                os.link(staged, target)
            except FileExistsError:
                continue  # another process took the name meanwhile: try the next one
            finally:
                with contextlib.suppress(OSError):
                    staged.unlink()
            return target
        raise FastStyleError("Could not find a free file name for the style.")

    def _free_path(self, clean: str) -> Path:
        slug = _slug(clean)
        for n in range(1, 1000):
            candidate = self.directory / (f"{slug}{SUFFIX}" if n == 1 else f"{slug}-{n}{SUFFIX}")
            # A name with a training under way (its checkpoint or the window's record) is taken
            # too: that training writes its style there when it ends.
            taken = (candidate, *(candidate.with_name(candidate.name + s) for s in _TRAINING_SUFFIXES))
            if not any(os.path.lexists(p) for p in taken):
                return candidate
        raise FastStyleError("Could not find a free file name for the style.")

    def _folder(self, folder: Path, *, builtin: bool) -> builtins.list[FastStyleInfo]:
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name.casefold())
        except OSError:
            return []
        found = []
        for path in entries:
            if path.name.startswith(".") or path.suffix.lower() != SUFFIX:
                continue
            try:
                found.append(self._info(path, builtin=builtin))
            except FastStyleError as exc:
                self.problems.append(FastStyleProblem(path, str(exc)))
        return found

    def _info(self, path: Path, *, builtin: bool) -> FastStyleInfo:
        return self._load(path, builtin=builtin)[0]

    def _load(self, path: Path, *, builtin: bool) -> tuple[FastStyleInfo, FastStyle]:
        try:
            st = os.stat(path)
        except OSError as exc:
            raise FastStyleError(f"{quote(path.name)} cannot be read ({_reason(exc)}).") from None
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            value = cached[1]
        else:
            try:
                value = read_fast_style(path)
            except FastStyleError as exc:
                value = str(exc)
            self._cache[path] = (stamp, value)
        if isinstance(value, str):
            raise FastStyleError(value)
        quality = Quality.from_dict(value.training.get("quality") or {})
        info = FastStyleInfo(value.name, path, builtin, value.description, value.thumbnail, quality)
        return info, value


_TRAINING_SUFFIXES = (".checkpoint", ".training.json")


def _refuse_special(path: Path) -> None:
    """Exporting onto a device, FIFO or symlink would replace (or block on) it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FastStyleError(f"{quote_path(path)} cannot be examined ({_reason(exc)}).") from None
    if not stat.S_ISREG(st.st_mode):
        raise FastStyleError(f"{quote_path(path)} exists and is not a regular file; choose another name.")


def _normalise(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _key(name: str) -> str:
    return _normalise(name).casefold()


def _clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise FastStyleError("A fast style's name must be text.")
    clean = _normalise(name)
    if not clean:
        raise FastStyleError("A fast style needs a name.")
    if len(clean) > MAX_NAME:
        raise FastStyleError(f"A fast style's name can be at most {MAX_NAME} characters long.")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in clean):
        raise FastStyleError("A fast style's name cannot contain control characters or line breaks.")
    return clean


def _slug(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "style"


def _reason(exc: OSError) -> str:
    return " ".join((exc.strerror or type(exc).__name__).split())


def quote_path(path: Path) -> str:
    return f"'{show_path(path)}'"
