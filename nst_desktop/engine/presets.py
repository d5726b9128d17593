"""Named looks an artist keeps: one small JSON file per preset.

A preset file holds a whole settings document, but applying a preset (:meth:`Preset.apply_to`)
takes only its look (the fields whose spec kind is "look"); the output size, seed, device and
network stay as the artist set them, in the window and on the command line alike.

Presets carry a look between the GUI, the CLI and other machines, so the store is built never to
lose one: every write is atomic, and a damaged, unreadable or newer-version file is reported and
skipped, never repaired, deleted or overwritten behind the user's back. A file is only replaced
when the user asked for exactly that preset to be replaced.

Built-in presets ship read-only with the app. Saving under a built-in's name writes a user file
that shadows it (a "customised" built-in); deleting that file brings the original back, which is
why built-ins themselves can be neither renamed nor deleted.

The user's file names are derived from the preset names only for the user's convenience when
browsing the folder; the name inside the file is the one that counts, so hand-renamed files,
slug collisions and names no file system accepts all keep working.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, NoReturn

from . import paths
from .atomic import atomic_create, atomic_write_bytes
from .errors import PresetError, SettingsError
from .files import FileProblem, read_regular
from .settings import SCHEMA_VERSION, Settings
from .text import quote

log = logging.getLogger(__name__)

PRESET_KIND: Final = "nst-desktop-preset"
MAX_NAME_LENGTH: Final = 60
MAX_DESCRIPTION_LENGTH: Final = 1000
#: A preset is a few hundred bytes; anything this big is not one, and reading it would stall the GUI.
MAX_FILE_BYTES: Final = 1024 * 1024

# Leaves room for a "-NN" collision suffix while keeping file names comfortably short.
_SLUG_MAX_LENGTH: Final = 48
# Windows refuses these as file names whatever the extension.
_WINDOWS_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
# Control characters, lone surrogates and line/paragraph separators: they break file listings,
# one-line messages and UTF-8 encoding. Format characters (Cf) stay allowed because emoji
# sequences need the zero-width joiner.
_FORBIDDEN_NAME_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
# Characters of a path or value a message quotes (see engine.text): recognisable, never a flood.
_MAX_SHOWN: Final = 120


@dataclass(frozen=True)
class Preset:
    """A named look; ``builtin`` presets come from the read-only resources folder."""

    name: str
    settings: Settings
    description: str = ""
    builtin: bool = False
    path: Path | None = None
    customised: bool = False
    """A user preset standing in for the built-in of the same name (set by :meth:`PresetStore.list`)."""

    def apply_to(self, current: Settings) -> Settings:
        """This preset's look on ``current``: the look fields come from the preset, the output
        size, seed, painter, device and network stay as they are.

        A preset is a look an artist carries between pictures and computers; choosing one must
        not quietly shrink the output or move the run to another device. Files keep holding
        every setting (older ones and other versions read them whole), only applying is a look.
        """
        return current.with_look(self.settings)

    def matches(self, settings: Settings) -> bool:
        """Whether ``settings`` have exactly this preset's look (its other fields do not count)."""
        return settings.look() == self.settings.look()


@dataclass(frozen=True)
class PresetProblem:
    """A preset file that was skipped, with one sentence the user can act on."""

    path: Path
    message: str


class _BadFile(Exception):
    """A file that cannot be used as a preset; ``name`` is kept when it could still be read.

    Knowing the name of an unusable file lets :meth:`PresetStore.get` explain why a preset the
    user expects is missing, and stops a save from silently creating a twin of it.
    """

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name


@dataclass(frozen=True)
class _Parsed:
    name: str
    description: str
    settings: Settings
    order: int | None


@dataclass
class _Scan:
    """One pass over both folders, so each operation decides on a consistent view."""

    builtin: builtins.list[tuple[Preset, int | None]] = field(default_factory=builtins.list)
    user: builtins.list[Preset] = field(default_factory=builtins.list)
    broken: builtins.list[tuple[Path, _BadFile]] = field(default_factory=builtins.list)
    user_file_names: set[str] = field(default_factory=set)

    def user_named(self, name: str) -> Preset | None:
        key = _key(name)
        return next((p for p in self.user if _key(p.name) == key), None)

    def builtin_named(self, name: str) -> Preset | None:
        key = _key(name)
        return next((p for p, _ in self.builtin if _key(p.name) == key), None)

    def unusable_named(self, name: str) -> tuple[Path, _BadFile] | None:
        """The broken file that most likely holds ``name``: by the name inside it, else by slug."""
        key = _key(name)
        for path, bad in self.broken:
            if bad.name is not None and _key(bad.name) == key:
                return path, bad
        slug = _slug(name)
        for path, bad in self.broken:
            if bad.name is None and path.stem.casefold() == slug:
                return path, bad
        return None


class PresetStore:
    """The user's presets folder layered over the built-in one.

    Nothing is cached: the CLI and the GUI may both change the folder, and it is small enough to
    read again on every call.
    """

    def __init__(self, directory: Path | None = None, builtin_directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.user_presets_dir()
        self.builtin_directory = (
            Path(builtin_directory) if builtin_directory is not None else paths.builtin_presets_dir()
        )
        self._problems: builtins.list[PresetProblem] = []
        self._reported: set[tuple[Path, str]] = set()

    # Reading.

    def list(self) -> builtins.list[Preset]:
        """Built-ins in their shipped order, each replaced by its customisation if any, then the rest."""
        scan = self._scan()
        self._problems = [PresetProblem(path, bad.message) for path, bad in scan.broken]
        user_by_key = {_key(p.name): p for p in scan.user}
        result = [user_by_key.pop(_key(b.name), b) for b, _ in scan.builtin]
        result += sorted(user_by_key.values(), key=lambda p: (p.name.casefold(), p.name))
        return result

    @property
    def problems(self) -> builtins.list[PresetProblem]:
        """Files skipped by the last :meth:`list`, for the GUI to show without failing the rest."""
        return builtins.list(self._problems)

    def names(self) -> builtins.list[str]:
        return [p.name for p in self.list()]

    def get(self, name: str) -> Preset:
        """The user's preset of this name, else the built-in.

        A built-in the user changed in a file that can no longer be used is an error, not a
        quiet fall-back to the original: the artist expects their version, so they are told
        why it is missing and how to get either one back.
        """
        scan = self._scan()
        found = scan.user_named(name)
        if found is not None:
            return found
        builtin = scan.builtin_named(name)
        if builtin is not None:
            broken = scan.unusable_named(name)
            if broken is not None:
                raise PresetError(
                    f"Your change to the built-in preset '{_show(builtin.name)}' cannot be used: "
                    f"{_as_sentence(broken[1].message)} Fix the file, or delete it "
                    f"(nst-desktop presets delete '{_show(builtin.name)}') to use the original."
                )
            return builtin
        self._raise_missing(scan, name)

    def is_customised(self, name: str) -> bool:
        custom = self._scan().user_named(name)
        return custom is not None and custom.customised

    # Writing.

    def save(
        self,
        name: str,
        settings: Settings,
        *,
        description: str = "",
        overwrite: bool = False,
        replace_builtin: bool = True,
    ) -> Preset:
        """Write a user preset; under a built-in's name it becomes that built-in's customisation.

        ``replace_builtin=False`` (an import) refuses a built-in's name unless ``overwrite``.
        The check and the write happen under the folder's lock, and a new file is created
        without ever replacing one (link-or-fail), so two processes saving at once keep both
        presets, or one of them is told the name is taken.
        """
        clean = _clean_name(name)
        description = _clean_description(description)
        action = f"save the preset '{_show(clean)}'"
        with self._locked(action):
            scan = self._scan()
            existing = scan.user_named(clean)
            if existing is not None and not overwrite:
                raise PresetError(
                    f"There is already a preset called '{_show(existing.name)}'; "
                    "choose another name or replace it."
                )
            self._refuse_unusable(scan, clean)
            builtin = scan.builtin_named(clean)
            if builtin is not None and existing is None and not overwrite and not replace_builtin:
                raise PresetError(
                    f"'{_show(builtin.name)}' is a built-in preset; to replace it with this one, import "
                    "again allowing it to be overwritten (--overwrite), or give the import another name."
                )
            if builtin is not None:
                # Keeps the customisation in the built-in's slot and spelling, whatever case was typed.
                clean = builtin.name
            doc = _document(clean, description, settings)
            if existing is not None and existing.path is not None:
                target = existing.path
                self._write(target, doc, action)
            else:
                target = self._create(clean, scan, doc, action)
        return Preset(clean, settings, description, False, target, customised=builtin is not None)

    def rename(self, old: str, new: str) -> Preset:
        with self._locked(f"rename the preset '{_show(old)}'"):
            return self._rename(old, new)

    def _rename(self, old: str, new: str) -> Preset:
        scan = self._scan()
        if scan.builtin_named(old) is not None:
            raise PresetError("Built-in presets cannot be renamed; save a copy under a new name instead.")
        current = scan.user_named(old)
        if current is None or current.path is None:
            self._raise_missing(scan, old)
        clean = _clean_name(new)
        if _key(clean) != _key(current.name):
            taken = scan.user_named(clean) or scan.builtin_named(clean)
            if taken is not None:
                raise PresetError(f"There is already a preset called '{taken.name}'; choose another name.")
            self._refuse_unusable(scan, clean)
        slug = _slug(clean)
        doc = _document(clean, current.description, current.settings)
        action = f"rename the preset '{_show(current.name)}'"
        if re.fullmatch(re.escape(slug) + r"(-\d+)?", current.path.stem.casefold()):
            target = current.path
            self._write(target, doc, action)
        else:
            target = self._create(clean, scan, doc, action)
        renamed = Preset(clean, current.settings, current.description, False, target)
        if target != current.path:
            try:
                current.path.unlink()
            except OSError as exc:
                # Two files with one preset would show as a duplicate; leave the old one as it was.
                try:
                    target.unlink()
                except OSError:
                    log.warning("Could not remove %s after a failed rename", target)
                raise PresetError(
                    f"Could not rename the preset '{_show(current.name)}' because "
                    f"'{_show(current.path)}' could not be removed ({_reason(exc)})."
                ) from None
        return renamed

    def delete(self, name: str) -> bool:
        """Remove a user preset; removing a customisation brings the original built-in back.

        A customisation that can no longer be read is removed too (that is how the artist gets
        the built-in back). Returns whether a built-in was restored.
        """
        scan = self._scan()
        builtin = scan.builtin_named(name)
        current = scan.user_named(name)
        if current is not None and current.path is not None:
            self._unlink(current)
            return builtin is not None
        if builtin is not None:
            broken = scan.unusable_named(name)
            if broken is not None:
                self._unlink(Preset(builtin.name, builtin.settings, path=broken[0]))
                return True
            raise PresetError("Built-in presets cannot be deleted; save over one to customise it instead.")
        self._raise_missing(scan, name)

    def reset_builtins(self) -> builtins.list[str]:
        """Drop every customisation so the built-ins look as shipped; returns the built-ins reset."""
        scan = self._scan()
        reset = []
        for builtin, _ in scan.builtin:
            custom = scan.user_named(builtin.name)
            if custom is not None and custom.path is not None:
                self._unlink(custom)
                reset.append(builtin.name)
        return reset

    def import_file(self, path: Path, *, name: str | None = None, overwrite: bool = False) -> Preset:
        """Add a preset from a shared file, or from a bare settings document.

        Everything is checked before anything is written, so a bad file never leaves half a
        preset behind.
        """
        preset = read_preset_file(path)
        return self.save(
            name if name is not None else preset.name,
            preset.settings,
            description=preset.description,
            overwrite=overwrite,
            replace_builtin=False,
        )

    def export(self, name: str, path: Path) -> Path:
        """Write a shareable copy; into a folder, the file is named after the preset."""
        preset = self.get(name)
        path = Path(path)
        data = _encode(_document(preset.name, preset.description, preset.settings))
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                path = path / f"{_slug(preset.name)}.json"
        except FileNotFoundError:
            pass
        except OSError as exc:  # a folder that may not be entered, a name too long
            raise PresetError(
                f"Could not export the preset '{_show(preset.name)}' to '{_show(path)}' ({_reason(exc)})."
            ) from None
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise PresetError(
                f"Could not export the preset '{_show(preset.name)}' to '{_show(path)}' ({_reason(exc)})."
            ) from None
        return path

    # Internals.

    def _scan(self) -> _Scan:
        scan = _Scan()
        found, broken = _read_folder(self.builtin_directory, builtin=True)
        scan.builtin = sorted(
            found, key=lambda item: (item[1] is None, item[1] or 0, item[0].name.casefold())
        )
        scan.broken += broken
        found, broken = _read_folder(self.directory, builtin=False, names=scan.user_file_names)
        builtin_keys = {_key(p.name) for p, _ in scan.builtin}
        scan.user = [
            dataclasses.replace(preset, customised=True) if _key(preset.name) in builtin_keys else preset
            for preset, _ in found
        ]
        scan.broken += broken
        for path, bad in scan.broken:
            # Every call rescans; say it once per file and problem, not on every refresh.
            if (path, bad.message) not in self._reported:
                self._reported.add((path, bad.message))
                log.warning("%s", bad.message)
        return scan

    def _raise_missing(self, scan: _Scan, name: str) -> NoReturn:
        unusable = scan.unusable_named(name)
        if unusable is not None:
            raise PresetError(unusable[1].message)
        raise PresetError(f"There is no preset called '{_show(name.strip())}'.")

    def _refuse_unusable(self, scan: _Scan, name: str) -> None:
        """Refuse to shadow a file that holds this name but cannot be read, rather than hide it."""
        key = _key(name)
        for path, bad in scan.broken:
            if bad.name is not None and _key(bad.name) == key:
                raise PresetError(
                    f"The preset file '{_show(path)}' already holds a preset called '{_show(bad.name)}' "
                    "that this version cannot use, so choose another name."
                )

    def _create(self, name: str, scan: _Scan, doc: dict[str, Any], action: str) -> Path:
        """Write a new file under the first free name; a name another process took meanwhile
        is skipped (link-or-fail never replaces a file), so no preset is ever lost."""
        data = _encode(doc)
        target = self._free_path(name, scan)
        for _ in range(1000):
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                atomic_create(target, data)
                return target
            except FileExistsError:
                scan.user_file_names.add(target.name.casefold())
                target = self._free_path(name, scan)
            except OSError as exc:
                raise PresetError(f"Could not {action} to '{_show(target)}' ({_reason(exc)}).") from None
        raise PresetError(f"Could not {action}: no free file name in '{_show(self.directory)}'.")

    @contextlib.contextmanager
    def _locked(self, action: str) -> Iterator[None]:
        """Hold a lock on the user folder itself while deciding on a scan and writing, so that
        two processes (the CLI and the GUI, two imports) cannot both pick the same free name.

        The folder is locked (flock on its descriptor), so no lock file appears among the
        presets; where a folder cannot be locked (Windows, some network folders) link-or-fail
        alone still guarantees that no file is ever replaced.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PresetError(f"Could not {action} in '{_show(self.directory)}' ({_reason(exc)}).") from None
        try:
            import fcntl

            fd = os.open(self.directory, os.O_RDONLY)
        except (ImportError, OSError):
            yield
            return
        try:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _free_path(self, name: str, scan: _Scan) -> Path:
        base = _slug(name)
        candidate, n = base, 2
        while (
            f"{candidate}.json".casefold() in scan.user_file_names
            or (self.directory / f"{candidate}.json").exists()
        ):
            candidate, n = f"{base}-{n}", n + 1
        return self.directory / f"{candidate}.json"

    def _write(self, target: Path, doc: dict[str, Any], action: str) -> None:
        data = _encode(doc)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, data)
        except OSError as exc:
            raise PresetError(f"Could not {action} to '{_show(target)}' ({_reason(exc)}).") from None

    def _unlink(self, preset: Preset) -> None:
        assert preset.path is not None
        try:
            preset.path.unlink()
        except FileNotFoundError:
            pass  # Someone else removed it first: the outcome the user asked for.
        except OSError as exc:
            raise PresetError(
                f"Could not delete the preset '{_show(preset.name)}' "
                f"from '{_show(preset.path)}' ({_reason(exc)})."
            ) from None


def _as_sentence(message: str) -> str:
    text = message.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# Files.


def read_preset_file(path: Path) -> Preset:
    """Read a preset file (or a bare settings document) without adding it to any store.

    The CLI's ``--preset FILE`` uses this: a shared look can be tried before it is imported.
    """
    path = Path(path)
    try:
        doc = _read_json(path, "The file")
        if isinstance(doc, dict) and "kind" not in doc and "schema_version" in doc:
            settings = _parse_settings(doc, path, "The file")
            return Preset(path.stem.strip()[:MAX_NAME_LENGTH], settings, path=path)
        parsed = _parse_preset(doc, path, "The file")
    except _BadFile as bad:
        raise PresetError(bad.message) from None
    return Preset(parsed.name, parsed.settings, parsed.description, path=path)


def _read_folder(
    directory: Path, *, builtin: bool, names: set[str] | None = None
) -> tuple[list[tuple[Preset, int | None]], list[tuple[Path, _BadFile]]]:
    """Every ``*.json`` preset in ``directory`` with its order, and the files that failed.

    A missing folder simply has no presets: the user's is only created by the first save.
    ``names`` collects every entry's name so that new files never collide with any of them.
    """
    found: list[tuple[Preset, int | None]] = []
    broken: list[tuple[Path, _BadFile]] = []
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        if builtin:
            log.warning("The built-in presets folder %s is missing", directory)
        return found, broken
    except OSError as exc:
        bad = _BadFile(f"The preset folder '{_show(directory)}' cannot be read ({_reason(exc)}).")
        return found, [(directory, bad)]
    seen: dict[str, Path] = {}
    for entry in entries:
        if names is not None:
            names.add(entry.name.casefold())
        # Dot files include editors' backups, macOS "._x.json" forks and atomic writers' temp files.
        if entry.name.startswith(".") or not entry.name.casefold().endswith(".json"):
            continue
        path = directory / entry.name
        try:
            if not entry.is_file():
                continue
        except OSError:
            continue
        try:
            parsed = _parse_preset(_read_json(path, "The preset file"), path, "The preset file")
        except _BadFile as bad:
            broken.append((path, bad))
            continue
        key = _key(parsed.name)
        if key in seen:
            duplicate = _BadFile(
                f"The preset file '{_show(path)}' is ignored because '{_show(seen[key])}' already holds "
                f"a preset called '{_show(parsed.name)}'."
            )
            broken.append((path, duplicate))
            continue
        seen[key] = path
        found.append((Preset(parsed.name, parsed.settings, parsed.description, builtin, path), parsed.order))
    return found, broken


def _read_json(path: Path, noun: str) -> Any:
    data = _read_regular_file(path, noun)
    if len(data) > MAX_FILE_BYTES:
        raise _BadFile(f"{noun} '{_show(path)}' is larger than 1 MB, far too large to be a preset.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _BadFile(f"{noun} '{_show(path)}' is not a UTF-8 text file, so it is not a preset.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadFile(
            f"{noun} '{_show(path)}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except (ValueError, RecursionError):
        raise _BadFile(f"{noun} '{_show(path)}' is not valid JSON.") from None


def _read_regular_file(path: Path, noun: str) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file; anything else is refused."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except FileProblem as problem:
        shown = f"{noun} '{_show(path)}'"
        if problem.kind == "folder":
            raise _BadFile(f"{shown} is a folder, not a preset.") from None
        if problem.kind == "special":
            raise _BadFile(
                f"{shown} is not a regular file (it is a device, pipe, socket or system file)."
            ) from None
        reason = {"missing": "No such file or directory", "denied": "Permission denied"}.get(
            problem.kind, problem.reason
        )
        raise _BadFile(f"{shown} cannot be read ({_one_line(reason)}).") from None


def _parse_preset(doc: Any, path: Path, noun: str) -> _Parsed:
    where = f"{noun} '{_show(path)}'"
    if not isinstance(doc, dict):
        raise _BadFile(f"{where} does not hold a JSON object, so it is not a preset.")
    if doc.get("kind") != PRESET_KIND:
        raise _BadFile(f"{where} is not an nst-desktop preset (its kind is not '{PRESET_KIND}').")
    raw_name = doc.get("name")
    name: str | None = None
    if isinstance(raw_name, str) and _name_fault(_normalise(raw_name)) is None:
        name = _normalise(raw_name)
    _check_version(doc.get("schema_version", 1), where, name)
    if raw_name is None:
        raise _BadFile(f"{where} has no name.")
    if not isinstance(raw_name, str):
        raise _BadFile(f"{where} has a name that is not text.")
    if name is None:
        raise _BadFile(f"{where} has an unusable name because {_name_fault(_normalise(raw_name))}.")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise _BadFile(f"{where} has a description that is not text.", name)
    # Shown in lists and tooltips: a hand-made file's endless description must not flood them.
    description = description[:MAX_DESCRIPTION_LENGTH]
    order = doc.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise _BadFile(f"{where} has an order that is not a whole number.", name)
    settings_doc = doc.get("settings")
    if not isinstance(settings_doc, dict):
        raise _BadFile(f"{where} has no settings object.", name)
    settings = _parse_settings(settings_doc, path, noun, name)
    return _Parsed(name, description, settings, order)


def _parse_settings(doc: dict[str, Any], path: Path, noun: str, name: str | None = None) -> Settings:
    where = f"{noun} '{_show(path)}'"
    _check_version(doc.get("schema_version", 1), where, name)
    try:
        return Settings.from_dict(doc)
    except SettingsError as exc:
        raise _BadFile(f"{where} cannot be used because {_as_clause(exc)}.", name) from None


def _check_version(version: Any, where: str, name: str | None) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _BadFile(f"{where} has an invalid schema_version ({quote(version, 40)}).", name)
    if version > SCHEMA_VERSION:
        raise _BadFile(
            f"{where} comes from a newer version of nst-desktop (schema {version}, while this version "
            f"reads schema {SCHEMA_VERSION} and older), so it cannot be used until nst-desktop is updated.",
            name,
        )


def _document(name: str, description: str, settings: Settings) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": PRESET_KIND,
        "name": name,
        "description": description,
        "settings": settings.to_dict(),
    }


def _encode(doc: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; JSON's \u escapes still carry it faithfully.
        return (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode("ascii")


# Names.


def _normalise(name: str) -> str:
    # NFC so that "é" typed on macOS (decomposed) and on Windows (composed) is one name.
    return unicodedata.normalize("NFC", name.strip())


def _key(name: str) -> str:
    return _normalise(name).casefold()


def _name_fault(name: str) -> str | None:
    """Why ``name`` (already normalised) cannot be a preset name, as a clause; None if it can."""
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is longer than {MAX_NAME_LENGTH} characters"
    if any(unicodedata.category(ch) in _FORBIDDEN_NAME_CATEGORIES for ch in name):
        return "it contains control characters or line breaks"
    return None


def _clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise PresetError("A preset name must be text.")
    clean = _normalise(name)
    if not clean:
        raise PresetError("A preset needs a name.")
    fault = _name_fault(clean)
    if fault is not None:
        raise PresetError(
            f"The preset name '{_show(clean)[:MAX_NAME_LENGTH]}' cannot be used because {fault}."
        )
    return clean


def _clean_description(description: str) -> str:
    if not isinstance(description, str):
        raise PresetError("A preset description must be text.")
    description = description.strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise PresetError(f"A preset description can be at most {MAX_DESCRIPTION_LENGTH} characters long.")
    return description


def _slug(name: str) -> str:
    """A file name stem that every file system accepts and that still reminds a person of the name."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:_SLUG_MAX_LENGTH].rstrip("-") or "preset"
    if slug in _WINDOWS_RESERVED:
        slug += "-preset"
    return slug


# Messages.


def _show(value: object, limit: int = _MAX_SHOWN) -> str:
    """``value`` as text safe inside a one-line message: file names may hold line breaks, and a
    value read from a file may be a megabyte long, so it is cut in the middle to ``limit``."""
    text = str(value)
    if len(text) > limit:
        half = (limit - 1) // 2
        text = f"{text[:half]}…{text[-half:]}"
    return "".join("?" if unicodedata.category(ch) in _FORBIDDEN_NAME_CATEGORIES else ch for ch in text)


def _one_line(text: str) -> str:
    return " ".join(_show(text).split())


def _reason(exc: OSError) -> str:
    return _one_line(exc.strerror or str(exc) or type(exc).__name__)


def _as_clause(exc: Exception) -> str:
    """A sentence such as "The setting size must be ..." reshaped to follow "because"."""
    text = _one_line(str(exc)).rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text or "its settings are invalid"
