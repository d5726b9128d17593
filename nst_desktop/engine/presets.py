"""Named looks an artist keeps: the presets kind of the named-file store.

The store itself (folders, names, scanning, locking, atomic writes, import, export, delete,
rename) is :class:`~.library.named_files.NamedFiles`, shared with the fast styles; the file
format is :mod:`.library.preset_file`. What is particular to presets lives here: a preset saved
under a built-in's name is that built-in's *customisation* (deleting it brings the original
back, which is why built-ins themselves can be neither renamed nor deleted), a customisation
that can no longer be read is an error rather than a quiet fall-back to the original, and the
built-ins keep the order they shipped in.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Final

from . import paths
from .errors import PresetError
from .library.named_files import Entry, FileKind, NamedFiles, NameTaken, Problem, Scan
from .library.names import key
from .library.preset_file import (
    MAX_DESCRIPTION_LENGTH,
    MAX_FILE_BYTES,
    MAX_NAME_LENGTH,
    PRESET_KIND,
    RULES,
    SUFFIX,
    Parsed,
    Preset,
    clean_description,
    document,
    encode,
    read_preset_file,
    read_stored,
)
from .library.wording import as_sentence, show
from .settings import Settings

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_FILE_BYTES",
    "MAX_NAME_LENGTH",
    "PRESET_KIND",
    "Preset",
    "PresetNameTaken",
    "PresetProblem",
    "PresetStore",
    "read_preset_file",
]

#: A preset file skipped by a listing, with one sentence the user can act on.
PresetProblem = Problem


class PresetNameTaken(NameTaken, PresetError):
    """There is already a preset of that name (the window offers to replace it)."""


#: Presets lock their folder itself: it holds nothing but preset files.
KIND: Final = FileKind(
    RULES, SUFFIX, read_stored, "the presets folder", PresetNameTaken, lock_name=None, log_name=__name__
)


def _preset(entry: Entry[Parsed], customised: bool = False) -> Preset:
    value = entry.value
    return Preset(entry.name, value.settings, value.description, entry.builtin, entry.path, customised)


class PresetStore:
    """The user's presets folder layered over the built-in one."""

    def __init__(self, directory: Path | None = None, builtin_directory: Path | None = None) -> None:
        self.files = NamedFiles(
            KIND,
            Path(directory) if directory is not None else paths.user_presets_dir(),
            Path(builtin_directory) if builtin_directory is not None else paths.builtin_presets_dir(),
        )
        self.directory = self.files.directory
        self.builtin_directory = self.files.builtin_directory
        self._problems: builtins.list[PresetProblem] = []

    # Reading.

    def list(self) -> builtins.list[Preset]:
        """Built-ins in their shipped order, each replaced by its customisation if any, then the rest."""
        scan = self._scan()
        self._problems = builtins.list(scan.problems)
        builtin_keys = {key(p.name) for p in scan.builtin}
        return [_preset(e, not e.builtin and key(e.name) in builtin_keys) for e in scan.layered()]

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
            return _preset(found, scan.builtin_named(name) is not None)
        builtin = scan.builtin_named(name)
        if builtin is None:
            self.files.missing(scan, name)
        broken = scan.unusable_named(name, RULES)
        if broken is not None:
            raise PresetError(
                f"Your change to the built-in preset '{show(builtin.name)}' cannot be used: "
                f"{as_sentence(broken.message)} Fix the file, or delete it "
                f"(nst-desktop presets delete '{show(builtin.name)}') to use the original."
            )
        return _preset(builtin)

    def is_customised(self, name: str) -> bool:
        scan = self._scan()
        return scan.user_named(name) is not None and scan.builtin_named(name) is not None

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
        without ever replacing one, so two processes saving at once keep both presets, or one
        of them is told the name is taken.
        """
        clean = RULES.clean(name)
        description = clean_description(description)
        action = f"{'save' if replace_builtin else 'import'} the preset '{show(clean)}'"
        with self.files.lock():
            scan = self._scan()
            if replace_builtin:
                existing = scan.user_named(clean)
                if existing is not None and not overwrite:
                    self.files.taken(existing)
                self.files.refuse_unusable(scan, clean)
            else:
                existing = self.files.import_target(scan, clean, overwrite)
            builtin = scan.builtin_named(clean)
            if builtin is not None:
                # Keeps the customisation in the built-in's slot and spelling, whatever case was typed.
                clean = builtin.name
            data = encode(document(clean, description, settings))
            if existing is not None:
                target = existing.path
                self.files.replace(target, data, action)
            else:
                target = self.files.create(clean, data, scan, action)
        return Preset(clean, settings, description, False, target, customised=builtin is not None)

    def rename(self, old: str, new: str) -> Preset:
        with self.files.lock():
            scan = self._scan()
            if scan.builtin_named(old) is not None:
                raise PresetError("Built-in presets cannot be renamed; save a copy under a new name instead.")
            current = scan.user_named(old)
            if current is None:
                self.files.missing(scan, old)
            clean = RULES.clean(new)
            value = current.value
            data = encode(document(clean, value.description, value.settings))
            target = self.files.rename(scan, current, clean, data)
        return Preset(clean, value.settings, value.description, False, target)

    def delete(self, name: str) -> bool:
        """Remove a user preset; removing a customisation brings the original built-in back.

        A customisation that can no longer be read is removed too (that is how the artist gets
        the built-in back). Returns whether a built-in was restored.
        """
        scan = self._scan()
        builtin = scan.builtin_named(name)
        current = scan.user_named(name)
        if current is not None:
            self.files.remove(current, current.name)
            return builtin is not None
        if builtin is None:
            self.files.missing(scan, name)
        broken = scan.unusable_named(name, RULES)
        if broken is None:
            raise PresetError("Built-in presets cannot be deleted; save over one to customise it instead.")
        self.files.remove(broken, builtin.name)
        return True

    def reset_builtins(self) -> builtins.list[str]:
        """Drop every customisation so the built-ins look as shipped; returns the built-ins reset."""
        scan = self._scan()
        reset = []
        for builtin in scan.builtin:
            custom = scan.user_named(builtin.name)
            if custom is not None:
                self.files.remove(custom, custom.name)
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
        scan = self._scan()
        preset = self.get(name)
        entry = scan.named(preset.name)
        assert entry is not None
        return self.files.export(
            entry, encode(document(preset.name, preset.description, preset.settings)), path
        )

    # Internals.

    def _scan(self) -> Scan[Parsed]:
        scan = self.files.scan()
        scan.builtin.sort(key=lambda e: (e.value.order is None, e.value.order or 0, e.name.casefold()))
        return scan
