"""The preset file: one named look as a small JSON document, safe to read whatever its origin.

A preset file holds a whole settings document, but applying a preset (:meth:`Preset.apply_to`)
takes only its look (the fields whose spec kind is "look"); the output size, seed, device and
network stay as the artist set them, in the window and on the command line alike. Every way a
file can be wrong (too large, not UTF-8, not JSON, foreign, newer, invalid settings) ends in one
sentence; the name inside is kept when it could be read, so the store can say which preset a
damaged file was meant to hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..errors import PresetError, SettingsError
from ..files import FileProblem, read_regular
from ..settings import SCHEMA_VERSION, Settings
from ..text import quote
from .named_files import Unusable
from .names import NameRules, normalise
from .wording import one_line, show

PRESET_KIND: Final = "nst-desktop-preset"
MAX_NAME_LENGTH: Final = 60
MAX_DESCRIPTION_LENGTH: Final = 1000
#: A preset is a few hundred bytes; anything this big is not one, and reading it would stall the GUI.
MAX_FILE_BYTES: Final = 1024 * 1024
SUFFIX: Final = ".json"
RULES: Final = NameRules("preset", MAX_NAME_LENGTH, "preset", PresetError)


@dataclass(frozen=True)
class Preset:
    """A named look; ``builtin`` presets come from the read-only resources folder."""

    name: str
    settings: Settings
    description: str = ""
    builtin: bool = False
    path: Path | None = None
    customised: bool = False
    """A user preset standing in for the built-in of the same name (set by ``PresetStore.list``)."""

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
class Parsed:
    """What a preset file holds: its name, description, settings and place among built-ins."""

    name: str
    description: str
    settings: Settings
    order: int | None


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
        parsed = parse_preset(doc, path, "The file")
    except Unusable as bad:
        raise PresetError(bad.message) from None
    return Preset(parsed.name, parsed.settings, parsed.description, path=path)


def read_stored(path: Path) -> tuple[str, Parsed]:
    """A preset file in a presets folder, for the store: its name and what it holds."""
    parsed = parse_preset(_read_json(path, "The preset file"), path, "The preset file")
    return parsed.name, parsed


def _read_json(path: Path, noun: str) -> Any:
    data = _read_regular_file(path, noun)
    if len(data) > MAX_FILE_BYTES:
        raise Unusable(f"{noun} '{show(path)}' is larger than 1 MB, far too large to be a preset.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unusable(f"{noun} '{show(path)}' is not a UTF-8 text file, so it is not a preset.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unusable(
            f"{noun} '{show(path)}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except (ValueError, RecursionError):
        raise Unusable(f"{noun} '{show(path)}' is not valid JSON.") from None


def _read_regular_file(path: Path, noun: str) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file; anything else is refused."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except FileProblem as problem:
        shown = f"{noun} '{show(path)}'"
        if problem.kind == "folder":
            raise Unusable(f"{shown} is a folder, not a preset.") from None
        if problem.kind == "special":
            raise Unusable(
                f"{shown} is not a regular file (it is a device, pipe, socket or system file)."
            ) from None
        reason = {"missing": "No such file or directory", "denied": "Permission denied"}.get(
            problem.kind, problem.reason
        )
        raise Unusable(f"{shown} cannot be read ({one_line(reason)}).") from None


def parse_preset(doc: Any, path: Path, noun: str) -> Parsed:
    where = f"{noun} '{show(path)}'"
    if not isinstance(doc, dict):
        raise Unusable(f"{where} does not hold a JSON object, so it is not a preset.")
    if doc.get("kind") != PRESET_KIND:
        raise Unusable(f"{where} is not an nst-desktop preset (its kind is not '{PRESET_KIND}').")
    raw_name = doc.get("name")
    name: str | None = None
    if isinstance(raw_name, str) and RULES.fault(normalise(raw_name)) is None:
        name = normalise(raw_name)
    _check_version(doc.get("schema_version", 1), where, name)
    if raw_name is None:
        raise Unusable(f"{where} has no name.")
    if not isinstance(raw_name, str):
        raise Unusable(f"{where} has a name that is not text.")
    if name is None:
        raise Unusable(f"{where} has an unusable name because {RULES.fault(normalise(raw_name))}.")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise Unusable(f"{where} has a description that is not text.", name)
    # Shown in lists and tooltips: a hand-made file's endless description must not flood them.
    description = description[:MAX_DESCRIPTION_LENGTH]
    order = doc.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise Unusable(f"{where} has an order that is not a whole number.", name)
    settings_doc = doc.get("settings")
    if not isinstance(settings_doc, dict):
        raise Unusable(f"{where} has no settings object.", name)
    settings = _parse_settings(settings_doc, path, noun, name)
    return Parsed(name, description, settings, order)


def _parse_settings(doc: dict[str, Any], path: Path, noun: str, name: str | None = None) -> Settings:
    where = f"{noun} '{show(path)}'"
    _check_version(doc.get("schema_version", 1), where, name)
    try:
        return Settings.from_dict(doc)
    except SettingsError as exc:
        raise Unusable(f"{where} cannot be used because {_as_clause(exc)}.", name) from None


def _check_version(version: Any, where: str, name: str | None) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Unusable(f"{where} has an invalid schema_version ({quote(version, 40)}).", name)
    if version > SCHEMA_VERSION:
        raise Unusable(
            f"{where} comes from a newer version of nst-desktop (schema {version}, while this version "
            f"reads schema {SCHEMA_VERSION} and older), so it cannot be used until nst-desktop is updated.",
            name,
        )


def document(name: str, description: str, settings: Settings) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": PRESET_KIND,
        "name": name,
        "description": description,
        "settings": settings.to_dict(),
    }


def encode(doc: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; JSON's \u escapes still carry it faithfully.
        return (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise PresetError("A preset description must be text.")
    description = description.strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise PresetError(f"A preset description can be at most {MAX_DESCRIPTION_LENGTH} characters long.")
    return description


def _as_clause(exc: Exception) -> str:
    """A sentence such as "The setting size must be ..." reshaped to follow "because"."""
    text = one_line(str(exc)).rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text or "its settings are invalid"
