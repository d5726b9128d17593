"""The preset store: round trips, built-in protection, and never losing a user's file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from nst_desktop.engine.errors import PresetError
from nst_desktop.engine.library import named_files as named_files_module
from nst_desktop.engine.presets import PRESET_KIND, Preset, PresetStore
from nst_desktop.engine.settings import SCHEMA_VERSION, Settings

REAL_BUILTINS = Path(__file__).resolve().parents[2] / "resources" / "presets"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "user"


@pytest.fixture
def builtin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "builtin"
    folder.mkdir()
    write_preset(folder / "balanced.json", "Balanced", Settings(), order=1, description="Even.")
    write_preset(folder / "fast.json", "Fast draft", Settings(size=256, steps=80, levels=3), order=2)
    write_preset(folder / "bold.json", "Bold", Settings(style_strength=4.0, keep_content=0.5), order=3)
    # No order: comes after the ordered ones, by name.
    write_preset(folder / "zz.json", "Another", Settings(brush_scale=1.8))
    return folder


@pytest.fixture
def store(user_dir: Path, builtin_dir: Path) -> PresetStore:
    return PresetStore(user_dir, builtin_dir)


def write_preset(
    path: Path, name: str, settings: Settings, *, order: int | None = None, **extra: Any
) -> None:
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": PRESET_KIND,
        "name": name,
        "description": extra.pop("description", ""),
        "settings": settings.to_dict(),
    }
    if order is not None:
        doc["order"] = order
    doc.update(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message and "\r" not in message
    assert message.endswith("."), message
    assert message[0].isupper(), message


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# Round trips.


def test_save_then_get_round_trips_the_settings(store: PresetStore, user_dir: Path) -> None:
    settings = Settings(style_strength=2.5, keep_colors="histogram", size=768, seed=42, device="cpu")
    assert not user_dir.exists()

    saved = store.save("Bold oil", settings, description="Thick paint.")

    assert saved.path == user_dir / "bold-oil.json"
    loaded = store.get("bold OIL")
    assert loaded == saved
    assert loaded.settings == settings
    assert loaded.description == "Thick paint."
    assert loaded.builtin is False
    doc = json.loads((user_dir / "bold-oil.json").read_text(encoding="utf-8"))
    assert doc["name"] == "Bold oil"
    assert doc["kind"] == PRESET_KIND
    assert doc["schema_version"] == SCHEMA_VERSION
    assert Settings.from_dict(doc["settings"]) == settings


def test_default_folders_follow_the_data_dir(tmp_path: Path) -> None:
    store = PresetStore()
    assert store.directory == tmp_path / "data" / "presets"
    store.save("Mine", Settings())
    assert (tmp_path / "data" / "presets" / "mine.json").is_file()


def test_names_are_trimmed(store: PresetStore) -> None:
    saved = store.save("  Bold oil \t", Settings())
    assert saved.name == "Bold oil"
    assert store.names()[-1] == "Bold oil"


def test_get_missing_preset(store: PresetStore) -> None:
    with pytest.raises(PresetError) as info:
        store.get("Nope")
    assert str(info.value) == "There is no preset called 'Nope'."


def test_save_refuses_an_existing_name_unless_overwriting(store: PresetStore, user_dir: Path) -> None:
    first = store.save("Mine", Settings(size=300))
    with pytest.raises(PresetError) as info:
        store.save("MINE", Settings(size=400))
    assert_one_sentence(str(info.value))
    assert store.get("mine").settings.size == 300

    second = store.save("Mine", Settings(size=400), overwrite=True)
    assert second.path == first.path
    assert store.get("mine").settings.size == 400
    assert files_in(user_dir) == ["mine.json"]


# Listing, ordering and shadowing.


def test_list_orders_builtins_then_user_presets(store: PresetStore) -> None:
    store.save("zebra", Settings())
    store.save("Apple", Settings())
    store.save("banana", Settings())

    presets = store.list()

    assert [p.name for p in presets] == [
        "Balanced",
        "Fast draft",
        "Bold",
        "Another",
        "Apple",
        "banana",
        "zebra",
    ]
    assert [p.builtin for p in presets] == [True] * 4 + [False] * 3
    assert store.problems == []
    assert store.names() == [p.name for p in presets]


def test_saving_under_a_builtin_name_customises_it_in_place(store: PresetStore, builtin_dir: Path) -> None:
    original = store.get("Bold")
    before = (builtin_dir / "bold.json").read_bytes()

    custom = store.save("bold", Settings(style_strength=6.0))

    assert custom.name == "Bold"  # The built-in's spelling.
    assert custom.builtin is False
    assert store.is_customised("Bold")
    assert not store.is_customised("Balanced")
    names = store.names()
    assert names == ["Balanced", "Fast draft", "Bold", "Another"]
    assert store.list()[2] == custom
    assert store.get("Bold").settings.style_strength == 6.0
    assert (builtin_dir / "bold.json").read_bytes() == before

    store.delete("Bold")
    assert not store.is_customised("Bold")
    assert store.get("Bold") == original


def test_customising_twice_needs_overwrite(store: PresetStore) -> None:
    store.save("Bold", Settings(style_strength=6.0))
    with pytest.raises(PresetError):
        store.save("Bold", Settings(style_strength=7.0))
    store.save("Bold", Settings(style_strength=7.0), overwrite=True)
    assert store.get("Bold").settings.style_strength == 7.0


def test_reset_builtins_only_removes_customisations(store: PresetStore, user_dir: Path) -> None:
    store.save("Bold", Settings(style_strength=6.0))
    store.save("balanced", Settings(size=1024))
    store.save("Mine", Settings())

    assert sorted(store.reset_builtins()) == ["Balanced", "Bold"]

    assert files_in(user_dir) == ["mine.json"]
    assert store.get("Bold").builtin
    assert store.get("Balanced").settings == Settings()
    assert store.reset_builtins() == []


# Rename and delete.


def test_rename_moves_the_file_and_keeps_the_look(store: PresetStore, user_dir: Path) -> None:
    settings = Settings(smoothness=3.0)
    store.save("Old name", settings, description="Kept.")

    renamed = store.rename("old NAME", "New name")

    assert renamed.name == "New name"
    assert renamed.path == user_dir / "new-name.json"
    assert files_in(user_dir) == ["new-name.json"]
    assert store.get("New name") == renamed
    assert renamed.settings == settings
    assert renamed.description == "Kept."
    with pytest.raises(PresetError, match="no preset called 'Old name'"):
        store.get("Old name")


def test_rename_can_change_only_the_case(store: PresetStore, user_dir: Path) -> None:
    store.save("my look", Settings())
    renamed = store.rename("my look", "My Look")
    assert renamed.name == "My Look"
    assert files_in(user_dir) == ["my-look.json"]
    assert store.names()[-1] == "My Look"


def test_rename_refuses_existing_targets(store: PresetStore) -> None:
    store.save("One", Settings())
    store.save("Two", Settings())
    with pytest.raises(PresetError, match="already a preset called 'Two'"):
        store.rename("One", "two")
    with pytest.raises(PresetError, match="already a preset called 'Bold'"):
        store.rename("One", "Bold")
    with pytest.raises(PresetError, match="no preset called 'Three'"):
        store.rename("Three", "Four")
    assert store.names()[-2:] == ["One", "Two"]


def test_builtins_cannot_be_renamed_or_deleted(store: PresetStore, builtin_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in builtin_dir.iterdir()}
    with pytest.raises(PresetError) as info:
        store.rename("Bold", "Mine")
    assert str(info.value) == "Built-in presets cannot be renamed; save a copy under a new name instead."
    store.save("Bold", Settings(style_strength=5.0))
    with pytest.raises(PresetError, match="cannot be renamed"):
        store.rename("Bold", "Mine")
    store.delete("Bold")  # Removes the customisation...
    with pytest.raises(PresetError) as info:
        store.delete("Bold")  # ...but never the built-in itself.
    assert_one_sentence(str(info.value))
    assert "Built-in" in str(info.value)
    assert {p.name: p.read_bytes() for p in builtin_dir.iterdir()} == before


def test_delete_user_preset(store: PresetStore, user_dir: Path) -> None:
    store.save("Mine", Settings())
    store.delete("MINE")
    assert files_in(user_dir) == []
    with pytest.raises(PresetError, match="no preset called 'Mine'"):
        store.delete("Mine")


# Import and export.


def test_import_a_preset_file(store: PresetStore, tmp_path: Path) -> None:
    source = tmp_path / "shared" / "whatever.json"
    write_preset(source, "Shared look", Settings(brush_scale=2.0), description="From a friend.")
    before = source.read_bytes()

    imported = store.import_file(source)

    assert imported.name == "Shared look"
    assert imported.description == "From a friend."
    assert store.get("shared look").settings == Settings(brush_scale=2.0)
    assert source.read_bytes() == before
    renamed = store.import_file(source, name="Friend's look")
    assert renamed.name == "Friend's look"


def test_import_a_bare_settings_file(store: PresetStore, tmp_path: Path) -> None:
    source = tmp_path / "Night sky.json"
    settings = Settings(keep_colors="luminance", steps=120)
    source.write_text(settings.to_json(), encoding="utf-8")

    assert store.import_file(source).name == "Night sky"
    assert store.get("Night sky").settings == settings
    assert store.import_file(source, name="Other").settings == settings


def test_import_conflict_needs_overwrite(store: PresetStore, tmp_path: Path) -> None:
    store.save("Shared look", Settings(size=300))
    source = tmp_path / "shared.json"
    write_preset(source, "Shared look", Settings(size=600))
    with pytest.raises(PresetError, match="already a preset"):
        store.import_file(source)
    assert store.get("Shared look").settings.size == 300
    store.import_file(source, overwrite=True)
    assert store.get("Shared look").settings.size == 600


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b'{"kind": "something-else", "name": "x"}',
        b'{"schema_version": 1, "size": 5}',
        json.dumps({"schema_version": 99, "kind": PRESET_KIND, "name": "x", "settings": {}}).encode(),
    ],
)
def test_import_validates_before_writing(
    store: PresetStore, user_dir: Path, tmp_path: Path, content: bytes
) -> None:
    source = tmp_path / "bad.json"
    source.write_bytes(content)
    with pytest.raises(PresetError) as info:
        store.import_file(source)
    assert_one_sentence(str(info.value))
    assert str(source) in str(info.value)
    assert not user_dir.exists()
    assert source.read_bytes() == content


def test_import_rejects_a_bad_name_before_writing(store: PresetStore, user_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "look.json"
    source.write_text(Settings().to_json(), encoding="utf-8")
    with pytest.raises(PresetError):
        store.import_file(source, name="x" * 61)
    assert not user_dir.exists()


def test_import_missing_file(store: PresetStore, tmp_path: Path) -> None:
    with pytest.raises(PresetError) as info:
        store.import_file(tmp_path / "missing.json")
    assert_one_sentence(str(info.value))
    assert "missing.json" in str(info.value)


def test_export_then_import_round_trips(store: PresetStore, tmp_path: Path) -> None:
    settings = Settings(style_strength=3.0, pooling="avg", style_layer_weights=(1, 2, 3, 2, 1))
    store.save("Round trip", settings, description="There and back.")

    exported = store.export("round trip", tmp_path / "out.json")
    assert exported == tmp_path / "out.json"
    store.delete("Round trip")
    imported = store.import_file(exported)

    assert imported.name == "Round trip"
    assert imported.settings == settings
    assert imported.description == "There and back."


def test_export_into_a_folder_and_export_builtins(store: PresetStore, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    exported = store.export("Fast draft", folder)
    assert exported == folder / "fast-draft.json"
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["name"] == "Fast draft"
    assert "order" not in doc
    assert Settings.from_dict(doc["settings"]) == Settings(size=256, steps=80, levels=3)


def test_export_failure_is_a_preset_error(store: PresetStore, tmp_path: Path) -> None:
    with pytest.raises(PresetError) as info:
        store.export("Bold", tmp_path / "no" / "such" / "folder" / "bold.json")
    assert_one_sentence(str(info.value))
    with pytest.raises(PresetError, match="no preset called"):
        store.export("Nope", tmp_path / "x.json")


# Broken files.

_NEWER = SCHEMA_VERSION + 1
_VALID_SETTINGS = Settings().to_dict()

BROKEN_FILES: dict[str, tuple[bytes, str]] = {
    "invalid-json": (b'{"kind": "nst-desktop-preset", "name": ', "not valid JSON"),
    "not-an-object": (b'["a", "list"]', "JSON object"),
    "wrong-kind": (
        json.dumps({"kind": "photo-album", "name": "Holiday", "settings": _VALID_SETTINGS}).encode(),
        "not an nst-desktop preset",
    ),
    "missing-name": (
        json.dumps({"schema_version": 1, "kind": PRESET_KIND, "settings": _VALID_SETTINGS}).encode(),
        "no name",
    ),
    "newer-top": (
        json.dumps(
            {"schema_version": _NEWER, "kind": PRESET_KIND, "name": "Future", "settings": _VALID_SETTINGS}
        ).encode(),
        "newer version of nst-desktop",
    ),
    "newer-settings": (
        json.dumps(
            {
                "schema_version": 1,
                "kind": PRESET_KIND,
                "name": "Future settings",
                "settings": {**_VALID_SETTINGS, "schema_version": _NEWER},
            }
        ).encode(),
        "newer version of nst-desktop",
    ),
    "bad-value": (
        json.dumps(
            {"schema_version": 1, "kind": PRESET_KIND, "name": "Huge", "settings": {"size": 999_999}}
        ).encode(),
        "the setting size must be between",
    ),
    "wrong-type": (
        json.dumps(
            {"schema_version": 1, "kind": PRESET_KIND, "name": "Typed", "settings": {"steps": "many"}}
        ).encode(),
        "the setting steps must be a whole number",
    ),
    "no-settings": (
        json.dumps({"schema_version": 1, "kind": PRESET_KIND, "name": "Empty"}).encode(),
        "settings",
    ),
    "not-utf8": (b"\xff\xfe\x00\x01garbage", "UTF-8"),
    "huge": (b'{"kind": "nst-desktop-preset", "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}', "1 MB"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_file_is_reported_and_left_alone(
    store: PresetStore, user_dir: Path, builtin_dir: Path, case: str
) -> None:
    content, expected = BROKEN_FILES[case]
    store.save("Good one", Settings(size=300))
    broken = user_dir / f"{case}.json"
    broken.write_bytes(content)

    presets = store.list()

    assert [p.name for p in presets] == ["Balanced", "Fast draft", "Bold", "Another", "Good one"]
    [problem] = store.problems
    assert problem.path == broken
    assert_one_sentence(problem.message)
    assert str(broken) in problem.message
    assert expected in problem.message
    # Other operations work and never touch the broken file.
    store.save("Another good one", Settings())
    store.save("Good one", Settings(size=400), overwrite=True)
    store.rename("Another good one", "Renamed")
    store.delete("Renamed")
    assert store.reset_builtins() == []
    assert store.get("Good one").settings.size == 400
    assert broken.read_bytes() == content
    assert sorted(files_in(user_dir)) == sorted(["good-one.json", broken.name])


def test_broken_builtin_does_not_stop_the_others(store: PresetStore, builtin_dir: Path) -> None:
    (builtin_dir / "oops.json").write_text("{", encoding="utf-8")
    assert store.names() == ["Balanced", "Fast draft", "Bold", "Another"]
    assert [p.path.name for p in store.problems] == ["oops.json"]


def test_newer_preset_explains_itself_and_is_not_shadowed(store: PresetStore, user_dir: Path) -> None:
    content, _ = BROKEN_FILES["newer-top"]
    future = user_dir / "future.json"
    future.parent.mkdir()
    future.write_bytes(content)

    with pytest.raises(PresetError) as info:
        store.get("future")
    message = str(info.value)
    assert_one_sentence(message)
    assert "newer version of nst-desktop" in message
    assert str(future) in message
    for overwrite in (False, True):
        with pytest.raises(PresetError) as info:
            store.save("Future", Settings(), overwrite=overwrite)
        assert_one_sentence(str(info.value))
    with pytest.raises(PresetError):
        store.delete("Future")
    assert future.read_bytes() == content
    assert files_in(user_dir) == ["future.json"]


def test_get_names_the_broken_file_that_matches_by_slug(store: PresetStore, user_dir: Path) -> None:
    user_dir.mkdir()
    (user_dir / "bold-oil.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(PresetError, match="bold-oil.json' is not valid JSON"):
        store.get("Bold oil")
    # Saving picks a fresh file instead of overwriting the broken one.
    saved = store.save("Bold oil", Settings())
    assert saved.path == user_dir / "bold-oil-2.json"
    assert (user_dir / "bold-oil.json").read_text(encoding="utf-8") == "{oops"


def test_duplicate_names_in_the_folder_keep_the_first(store: PresetStore, user_dir: Path) -> None:
    write_preset(user_dir / "a.json", "Twin", Settings(size=300))
    write_preset(user_dir / "b.json", "twin", Settings(size=400))
    assert store.names()[-1] == "Twin"
    assert store.get("TWIN").settings.size == 300
    [problem] = store.problems
    assert problem.path == user_dir / "b.json"
    assert_one_sentence(problem.message)


def test_other_files_in_the_folder_are_ignored(store: PresetStore, user_dir: Path) -> None:
    user_dir.mkdir()
    (user_dir / "notes.txt").write_text("hello", encoding="utf-8")
    (user_dir / ".hidden.json").write_text("{", encoding="utf-8")
    (user_dir / "folder.json").mkdir()
    assert store.names() == ["Balanced", "Fast draft", "Bold", "Another"]
    assert store.problems == []


def test_missing_builtin_folder_is_not_fatal(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "user", tmp_path / "nowhere")
    assert store.list() == []
    store.save("Mine", Settings())
    assert store.names() == ["Mine"]


# Failed writes.


def test_failed_replace_keeps_the_old_file_and_leaves_no_temp_files(
    store: PresetStore, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save("Mine", Settings(size=300))
    before = (user_dir / "mine.json").read_bytes()

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "link", refuse)  # new files are created by link-or-fail
    with pytest.raises(PresetError) as info:
        store.save("Mine", Settings(size=400), overwrite=True)
    assert_one_sentence(str(info.value))
    assert "no space left on device" in str(info.value)
    with pytest.raises(PresetError):
        store.save("New", Settings())
    with pytest.raises(PresetError):
        store.rename("Mine", "Renamed")
    monkeypatch.undo()

    assert files_in(user_dir) == ["mine.json"]
    assert (user_dir / "mine.json").read_bytes() == before
    assert store.get("Mine").settings.size == 300


def test_failed_atomic_write_is_a_preset_error(
    store: PresetStore, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save("Mine", Settings(size=300))
    before = (user_dir / "mine.json").read_bytes()

    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(named_files_module, "atomic_write_bytes", refuse)
    with pytest.raises(PresetError, match="permission denied"):
        store.save("Mine", Settings(size=400), overwrite=True)
    with pytest.raises(PresetError, match="permission denied"):
        store.export("Mine", user_dir.parent / "out.json")
    assert (user_dir / "mine.json").read_bytes() == before


# Names and file names.


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("Bold oil", "bold-oil.json"),
        ("a/b\\c:d", "a-b-c-d.json"),
        ("../../etc/passwd", "etc-passwd.json"),
        ("Été à Paris", "ete-a-paris.json"),
        ("秋の夕暮れ", "preset.json"),
        ("🎨🔥", "preset.json"),
        ("Sunset 🌅 glow", "sunset-glow.json"),
        ("👩‍🎨 artist", "artist.json"),
        ("CON", "con-preset.json"),
        ("...", "preset.json"),
        ("x" * 60, "x" * 48 + ".json"),
    ],
)
def test_names_become_safe_file_names_and_round_trip(
    store: PresetStore, user_dir: Path, name: str, file_name: str
) -> None:
    saved = store.save(name, Settings(seed=7))
    assert saved.path is not None
    assert saved.path.parent == user_dir
    assert saved.path.name == file_name
    assert files_in(user_dir) == [file_name]
    assert store.get(name) == saved
    assert saved.name == name
    assert store.names()[-1] == name


def test_duplicate_slugs_get_suffixes(store: PresetStore, user_dir: Path) -> None:
    names = ["Bold oil", "bold-oil", "BOLD_OIL!", "Bold oil 2"]
    saved = [store.save(n, Settings(size=300 + i)) for i, n in enumerate(names)]
    assert [p.path.name for p in saved if p.path] == [
        "bold-oil.json",
        "bold-oil-2.json",
        "bold-oil-3.json",
        "bold-oil-2-2.json",
    ]
    for i, n in enumerate(names):
        assert store.get(n).settings.size == 300 + i
    store.delete("bold-oil")
    assert store.save("Bold oil!", Settings()).path == user_dir / "bold-oil-2.json"


def test_unicode_names_compare_regardless_of_normal_form(store: PresetStore) -> None:
    store.save("Cafe\u0301", Settings())  # Decomposed, as macOS types it.
    assert store.get("Caf\u00e9").name == "Caf\u00e9"
    with pytest.raises(PresetError):
        store.save("CAF\u00c9", Settings())


@pytest.mark.parametrize("name", ["", "   ", "x" * 61, "two\nlines", "tab\there", "nul\x00", "bell\x07"])
def test_invalid_names_are_refused(store: PresetStore, user_dir: Path, name: str) -> None:
    with pytest.raises(PresetError) as info:
        store.save(name, Settings())
    assert_one_sentence(str(info.value))
    assert not user_dir.exists()
    store.save("Valid", Settings())
    with pytest.raises(PresetError):
        store.rename("Valid", name)
    assert store.names()[-1] == "Valid"


# The shipped presets.


def test_shipped_presets_are_valid_and_distinct(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "user", REAL_BUILTINS)
    shipped = store.list()

    assert store.problems == []
    names = [p.name for p in shipped]
    for required in ("Balanced", "Subtle", "Bold", "Keep colours", "Fast draft", "Big brush", "Fine detail"):
        assert required in names
    assert names[:2] == ["Balanced", "Fast draft"]
    assert len({n.casefold() for n in names}) == len(names)
    assert len({p.settings for p in shipped}) == len(shipped)
    assert len({p.path.name for p in shipped if p.path}) == len(shipped)
    for preset in shipped:
        assert isinstance(preset, Preset)
        assert preset.builtin
        assert preset.settings.seed is None
        assert preset.settings.device == "auto"
        assert_one_sentence(preset.description)
        doc = json.loads(preset.path.read_text(encoding="utf-8")) if preset.path else {}
        assert isinstance(doc.get("order"), int)
    by_name = {p.name: p.settings for p in shipped}
    assert by_name["Balanced"] == Settings()
    assert by_name["Keep colours"].keep_colors == "luminance"
    assert by_name["Fast draft"].size == 256
    assert by_name["Fast draft"].steps == 80
    assert by_name["Fast draft"].levels == 3
    assert by_name["Subtle"].style_strength < 1 < by_name["Bold"].style_strength
    assert by_name["Fine detail"].brush_scale < 1 < by_name["Big brush"].brush_scale
