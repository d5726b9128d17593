"""One store of named files, whatever they hold: the artist's folder over a read-only built-in one.

Presets and fast styles are both "a file per named thing, built-ins beside the artist's own",
and were once written twice, drifting apart (only one avoided Windows' device names, each
worded a full disk its own way). This is the one store; a kind (:class:`FileKind`) says only
what a file holds and how it is read.

The store is built never to lose a file: every write is atomic; a new file is created with
link-or-fail, so it never replaces one; a change decides on a fresh scan under the folder's
lock (:class:`~.folder_lock.FolderLock`), so two processes importing one name at once get one
file and one "already there"; and a damaged, unreadable or foreign file is a :class:`Problem`
reported beside the others, never repaired, deleted or overwritten behind the user's back.
Nothing is cached here: the CLI and the GUI may both change a folder, and it is small.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, NoReturn, TypeVar

from ..atomic import atomic_create, atomic_write_bytes
from .folder_lock import FolderLock
from .names import NameRules, is_reserved_file_name, key
from .wording import os_reason, show

__all__ = ["Entry", "FileKind", "NameTaken", "NamedFiles", "Problem", "Scan", "Unusable"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Unusable(Exception):
    """A file that cannot be used as its kind; ``name`` is kept when it could still be read.

    Knowing the name of an unusable file explains why a thing the user expects is missing, and
    stops a save from silently creating a twin of it.
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name


class NameTaken(Exception):
    """Mixed into each kind's error for "that name is taken": a window asks whether to replace
    the file of that ``name`` (``builtin`` or the artist's) and tries again with overwrite."""

    def __init__(self, message: str, name: str, builtin: bool) -> None:
        super().__init__(message)
        self.name = name
        self.builtin = builtin


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, with one sentence the user can act on."""

    path: Path
    message: str
    name: str | None = field(default=None, compare=False)
    """The name inside the file, when it could be read."""


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One usable file: its name, where it is, whether it shipped with the app, what it holds."""

    name: str
    path: Path
    builtin: bool
    value: T


@dataclass(frozen=True)
class FileKind(Generic[T]):
    """What one kind of named file is: its names, its suffix, how a file of it is read.

    ``read`` returns the name inside a file and its value, or raises :class:`Unusable`;
    ``taken`` is the kind's error (a :class:`NameTaken` too) for a name already there.
    ``lock_name`` None locks the folder itself (so that it holds nothing but the kind's
    files); ``companions`` are suffixes whose files reserve a name (a training under way);
    ``log_name`` is the logger problems are noted in (the CLI quietens it: it says them itself).
    """

    rules: NameRules
    suffix: str
    read: Callable[[Path], tuple[str, T]]
    folder: str
    taken: type[NameTaken]
    lock_name: str | None = None
    companions: tuple[str, ...] = ()
    log_name: str | None = None
    """The logger that notes each problem once (None: the callers report them all)."""

    @property
    def plural(self) -> str:
        return f"{self.rules.noun}s"


@dataclass
class Scan(Generic[T]):
    """One pass over both folders, so that each operation decides on a consistent view."""

    builtin: list[Entry[T]] = field(default_factory=list)
    user: list[Entry[T]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_names: set[str] = field(default_factory=set)
    """Every name in the user folder, case-folded: a new file never collides with any of them."""

    def user_named(self, name: str) -> Entry[T] | None:
        wanted = key(name)
        return next((e for e in self.user if key(e.name) == wanted), None)

    def builtin_named(self, name: str) -> Entry[T] | None:
        wanted = key(name)
        return next((e for e in self.builtin if key(e.name) == wanted), None)

    def named(self, name: str) -> Entry[T] | None:
        """The artist's file of this name, else the built-in."""
        return self.user_named(name) or self.builtin_named(name)

    def unusable_named(self, name: str, rules: NameRules) -> Problem | None:
        """The unusable file that most likely holds ``name``: by the name inside, else by slug."""
        wanted = key(name)
        found = next((p for p in self.problems if p.name is not None and key(p.name) == wanted), None)
        if found is not None:
            return found
        slug = rules.slug(name)
        return next((p for p in self.problems if p.name is None and p.path.stem.casefold() == slug), None)

    def layered(self) -> list[Entry[T]]:
        """The built-ins in their order, each replaced by the artist's file of its name, then the
        artist's others by name."""
        user_by_key = {key(e.name): e for e in self.user}
        result = [user_by_key.pop(key(b.name), b) for b in self.builtin]
        return result + sorted(user_by_key.values(), key=lambda e: (e.name.casefold(), e.name))


class NamedFiles(Generic[T]):
    """The artist's folder of one kind of named file, layered over the built-in folder."""

    def __init__(self, kind: FileKind[T], directory: Path, builtin_directory: Path) -> None:
        self.kind = kind
        self.rules = kind.rules
        self.error = kind.rules.error
        self.directory = Path(directory)
        self.builtin_directory = Path(builtin_directory)
        self._reported: set[tuple[Path, str]] = set()

    # Reading.

    def scan(self) -> Scan[T]:
        scan: Scan[T] = Scan()
        scan.builtin, problems = self._read_folder(self.builtin_directory, builtin=True, names=set())
        scan.problems += problems
        scan.user, problems = self._read_folder(self.directory, builtin=False, names=scan.file_names)
        scan.problems += problems
        for problem in scan.problems:
            # Every call rescans; say it once per file and problem, not on every refresh.
            if self.kind.log_name is not None and (problem.path, problem.message) not in self._reported:
                self._reported.add((problem.path, problem.message))
                logging.getLogger(self.kind.log_name).warning("%s", problem.message)
        return scan

    def _read_folder(
        self, directory: Path, *, builtin: bool, names: set[str]
    ) -> tuple[list[Entry[T]], list[Problem]]:
        """Every file of the kind in ``directory``, and the ones that failed.

        A missing folder simply holds nothing: the artist's is only made by the first change.
        """
        entries: list[Entry[T]] = []
        problems: list[Problem] = []
        try:
            with os.scandir(directory) as it:
                listing = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            if builtin and self.kind.log_name is not None and (directory, "missing") not in self._reported:
                self._reported.add((directory, "missing"))
                logging.getLogger(self.kind.log_name).warning(
                    "The built-in %s folder %s is missing", self.rules.noun, directory
                )
            return entries, problems
        except OSError as exc:
            message = f"The {self.rules.noun} folder '{show(directory)}' cannot be read ({os_reason(exc)})."
            return entries, [Problem(directory, message)]
        seen: dict[str, Path] = {}
        suffix = self.kind.suffix.casefold()
        for item in listing:
            names.add(item.name.casefold())
            # Dot files include editors' backups, macOS "._x" forks and atomic writers' temp files.
            if item.name.startswith(".") or not item.name.casefold().endswith(suffix):
                continue
            path = directory / item.name
            try:
                if not item.is_file():
                    continue
            except OSError:
                continue
            try:
                name, value = self.kind.read(path)
            except Unusable as bad:
                problems.append(Problem(path, bad.message, bad.name))
                continue
            if key(name) in seen:
                message = (
                    f"The {self.rules.noun} file '{show(path)}' is ignored because '{show(seen[key(name)])}' "
                    f"already holds a {self.rules.noun} called '{show(name)}'."
                )
                problems.append(Problem(path, message))
                continue
            seen[key(name)] = path
            entries.append(Entry(name, path, builtin, value))
        return entries, problems

    # Decisions and messages shared by every kind.

    def missing(self, scan: Scan[T], name: str) -> NoReturn:
        """There is no such name: say why (its file is unusable) where that is known."""
        unusable = scan.unusable_named(name, self.rules)
        if unusable is not None:
            raise self.error(unusable.message)
        raise self.error(f"There is no {self.rules.noun} called '{show(name.strip())}'.")

    def taken(self, existing: Entry[T]) -> NoReturn:
        noun, name = self.rules.noun, show(existing.name)
        if existing.builtin:
            message = (
                f"There is already a built-in {noun} called '{name}'; give the import another name, "
                "or import again allowing it to be replaced (--overwrite)."
            )
        else:
            message = f"There is already a {noun} called '{name}'; choose another name or replace it."
        raise self.kind.taken(message, existing.name, existing.builtin)

    def refuse_unusable(self, scan: Scan[T], name: str) -> None:
        """Refuse to shadow a file that holds this name but cannot be read, rather than hide it."""
        wanted = key(name)
        for problem in scan.problems:
            if problem.name is not None and key(problem.name) == wanted:
                raise self.error(
                    f"The {self.rules.noun} file '{show(problem.path)}' already holds a {self.rules.noun} "
                    f"called '{show(problem.name)}' that this version cannot use, so choose another name."
                )

    def import_target(self, scan: Scan[T], clean: str, overwrite: bool) -> Entry[T] | None:
        """The artist's file an import of ``clean`` replaces (None: a new file); a name already
        there, built-in or not, is refused unless ``overwrite``."""
        existing = scan.named(clean)
        if existing is not None and not overwrite:
            self.taken(existing)
        self.refuse_unusable(scan, clean)
        return scan.user_named(clean)

    # Writing.

    def lock(self) -> FolderLock:
        """The folder's lock, the folder made first (its lock may live in it)."""
        self.make_folder()
        return FolderLock(
            self.directory, lock_name=self.kind.lock_name, error=self.error, what=self.kind.folder
        )

    def make_folder(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self.error(
                f"{self.kind.folder.capitalize()} '{show(self.directory)}' cannot be made ({os_reason(exc)})."
            ) from None

    def free_path(self, name: str, taken: set[str] | None = None) -> Path:
        """The first file name for ``name`` that no file, listed or made meanwhile, holds."""
        taken = taken if taken is not None else set()
        base = self.rules.slug(name)
        for n in range(1, 10_000):
            candidate = self.directory / (
                f"{base}{self.kind.suffix}" if n == 1 else f"{base}-{n}{self.kind.suffix}"
            )
            reserving = (candidate, *(candidate.with_name(candidate.name + s) for s in self.kind.companions))
            if candidate.name.casefold() not in taken and not any(os.path.lexists(p) for p in reserving):
                return candidate
        raise self.error(f"Could not find a free file name in '{show(self.directory)}'.")

    def create(self, name: str, data: bytes, scan: Scan[T], action: str) -> Path:
        """Write a new file under the first free name; a name another process took meanwhile is
        skipped (link-or-fail never replaces a file), so nothing is ever lost."""
        target = self.free_path(name, scan.file_names)
        for _ in range(1000):
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                atomic_create(target, data)
                return target
            except FileExistsError:
                scan.file_names.add(target.name.casefold())
                target = self.free_path(name, scan.file_names)
            except OSError as exc:
                raise self.error(f"Could not {action} to '{show(target)}' ({os_reason(exc)}).") from None
        raise self.error(f"Could not {action}: no free file name in '{show(self.directory)}'.")

    def replace(self, target: Path, data: bytes, action: str) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, data)
        except OSError as exc:
            raise self.error(f"Could not {action} to '{show(target)}' ({os_reason(exc)}).") from None

    def rename(self, scan: Scan[T], current: Entry[T], clean: str, data: bytes) -> Path:
        """Give ``current`` the name ``clean`` (``data``: its file with the new name inside).

        A file whose name still fits the new name is rewritten in place; otherwise the new file
        is made first and the old one removed after, so a failure leaves one of the two whole.
        """
        if current.builtin:
            raise self.error(
                f"Built-in {self.kind.plural} cannot be renamed; "
                "export one and import the copy under a new name instead."
            )
        if key(clean) != key(current.name):
            taken = scan.named(clean)
            if taken is not None:
                raise self.error(
                    f"There is already a {self.rules.noun} called '{show(taken.name)}'; choose another name."
                )
            self.refuse_unusable(scan, clean)
        action = f"rename the {self.rules.noun} '{show(current.name)}'"
        if re.fullmatch(re.escape(self.rules.slug(clean)) + r"(-\d+)?", current.path.stem.casefold()):
            self.replace(current.path, data, action)
            return current.path
        target = self.create(clean, data, scan, action)
        try:
            current.path.unlink()
        except OSError as exc:
            # Two files with one name would show as a duplicate; leave the old one as it was.
            try:
                target.unlink()
            except OSError:
                log.warning("Could not remove %s after a failed rename", target)
            raise self.error(
                f"Could not rename the {self.rules.noun} '{show(current.name)}' because "
                f"'{show(current.path)}' could not be removed ({os_reason(exc)})."
            ) from None
        return target

    def remove(self, entry: Entry[T] | Problem, name: str) -> None:
        """Delete the artist's file of ``name`` (a usable one, or an unusable one by its problem)."""
        if isinstance(entry, Entry) and entry.builtin:
            raise self.error(f"Built-in {self.kind.plural} cannot be deleted.")
        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass  # Someone else removed it first: the outcome the user asked for.
        except OSError as exc:
            raise self.error(
                f"Could not delete the {self.rules.noun} '{show(name)}' "
                f"from '{show(entry.path)}' ({os_reason(exc)})."
            ) from None

    def export(self, entry: Entry[T], data: bytes, path: Path) -> Path:
        """Write ``data`` (a shareable copy of ``entry``) to ``path``; into a folder, the file is
        named after the entry. A file name Windows keeps for a device is refused: a shared file
        must open on the computer it is sent to."""
        path = Path(path)
        failed = f"Could not export the {self.rules.noun} '{show(entry.name)}' to '{show(path)}'"
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                path = path / f"{self.rules.slug(entry.name)}{self.kind.suffix}"
        except FileNotFoundError:
            pass
        except OSError as exc:  # a folder that may not be entered, a name too long
            raise self.error(f"{failed} ({os_reason(exc)}).") from None
        if is_reserved_file_name(path.name):
            raise self.error(
                f"'{show(path.name)}' is a name Windows keeps for a device, so the exported "
                f"{self.rules.noun} could not be opened there; choose another file name."
            )
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self.error(f"{failed} ({os_reason(exc)}).") from None
        else:
            # A device, a pipe or a link: replacing (or writing through) it is never an export.
            if not stat.S_ISREG(info.st_mode):
                raise self.error(f"'{show(path)}' exists and is not a regular file; choose another name.")
        try:
            if os.path.lexists(path) and os.path.samefile(path, entry.path):
                raise self.error(
                    f"The export would overwrite the {self.rules.noun}'s own file; choose another place."
                )
        except OSError:
            pass
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise self.error(f"{failed} ({os_reason(exc)}).") from None
        return path
