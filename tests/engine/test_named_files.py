"""The one named-file store: presets and fast styles keep names, clashes, damaged files, OS errors
and the folder lock the same way (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine.errors import EngineError, FastStyleError, PresetError
from nst_desktop.engine.fast.store import FastStyleStore
from nst_desktop.engine.library.folder_lock import FolderLock
from nst_desktop.engine.library.named_files import NameTaken
from nst_desktop.engine.library.names import is_reserved_file_name
from nst_desktop.engine.library.preset_file import document, encode
from nst_desktop.engine.presets import PresetStore
from nst_desktop.engine.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
Store = PresetStore | FastStyleStore


def write_style(path: Path, name: str) -> Path:
    """A real, valid fast style file (a small Johnson network with untrained weights)."""
    from nst_desktop.engine.fast.style_file import FastStyle, empty_network, write_fast_style

    net = empty_network("johnson", 8, 1)
    thumb = np.full((16, 16, 3), 40, np.uint8)
    return write_fast_style(path, FastStyle(name, net.state_dict(), thumb, width=8, blocks=1, kind="johnson"))


def write_preset(path: Path, name: str) -> Path:
    path.write_bytes(encode(document(name, "", Settings(size=300))))
    return path


@pytest.fixture(params=["preset", "fast style"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_store(kind: str, folder: Path, builtin: Path | None = None) -> Store:
    builtin = builtin if builtin is not None else folder.parent / "no-builtins"
    return PresetStore(folder, builtin) if kind == "preset" else FastStyleStore(folder, builtin)


def shared_file(kind: str, folder: Path, name: str) -> Path:
    """A file of ``kind`` holding ``name``, outside any store, as an artist would receive it."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "preset":
        return write_preset(folder / f"{name}.json", name)
    return write_style(folder / f"{name}.nststyle", name)


def add(store: Store, name: str, source_folder: Path) -> Path:
    """Put ``name`` into ``store`` the way its kind is made: a preset saved, a style imported."""
    if isinstance(store, PresetStore):
        path = store.save(name, Settings()).path
    else:
        path = store.import_file(shared_file("fast style", source_folder, "source"), name=name).path
    assert path is not None
    return path


def generic(message: str, kind: str, *words: str) -> str:
    """``message`` with its kind's noun and the given words replaced, to compare two kinds' words."""
    for word in words:
        message = message.replace(word, "WORD")
    return message.replace(kind, "KIND")


# Names.


@pytest.mark.parametrize(
    ("name", "stem"), [("CON", "con"), ("nul", "nul"), ("Com1", "com1"), ("LPT9 ", "lpt9")]
)
def test_both_kinds_keep_windows_device_names_out_of_file_names(
    tmp_path: Path, kind: str, name: str, stem: str
) -> None:
    store = make_store(kind, tmp_path / "mine")
    path = add(store, name, tmp_path / "shared")
    fallback = "preset" if kind == "preset" else "style"
    assert path.name == f"{stem}-{fallback}{'.json' if kind == 'preset' else '.nststyle'}"
    assert not is_reserved_file_name(path.name)
    assert store.names() == [name.strip()]


def test_both_kinds_refuse_to_export_to_a_device_name_in_the_same_words(tmp_path: Path) -> None:
    words: list[str] = []
    for kind, file_name in (("preset", "NUL.json"), ("fast style", "nul.nststyle")):
        store = make_store(kind, tmp_path / kind)
        add(store, "Mine", tmp_path / "shared")
        with pytest.raises(EngineError) as info:
            store.export("Mine", tmp_path / file_name)
        assert not (tmp_path / file_name).exists()
        words.append(generic(str(info.value), kind, file_name))
    assert words[0] == words[1]
    assert "Windows" in words[0]


@pytest.mark.parametrize("bad", ["", "   ", "two\nlines", "tab\there", "bell\x07", "x" * 81])
def test_both_kinds_refuse_a_bad_name_in_the_same_words(tmp_path: Path, bad: str) -> None:
    words: list[str] = []
    for kind in ("preset", "fast style"):
        store = make_store(kind, tmp_path / kind)
        with pytest.raises(EngineError) as info:
            add(store, bad, tmp_path / "shared")
        words.append(generic(str(info.value), kind, "60", "80"))
        assert store.names() == []
    assert words[0] == words[1]


def test_names_compare_whatever_the_spaces_case_and_normal_form(tmp_path: Path, kind: str) -> None:
    store = make_store(kind, tmp_path / "mine")
    add(store, "Cafe\u0301  oil", tmp_path / "shared")
    with pytest.raises(NameTaken):
        add(store, "CAF\u00c9 OIL", tmp_path / "shared")


# Imports.


def test_an_import_clash_is_refused_unless_asked_then_replaced_in_place(tmp_path: Path) -> None:
    words: list[str] = []
    for kind in ("preset", "fast style"):
        store = make_store(kind, tmp_path / kind)
        source = shared_file(kind, tmp_path / "shared", "Shared")
        first = store.import_file(source).path
        assert first is not None
        before = first.read_bytes()
        with pytest.raises(NameTaken) as info:
            store.import_file(source)
        assert isinstance(info.value, PresetError if kind == "preset" else FastStyleError)
        assert (info.value.name, info.value.builtin) == ("Shared", False)
        words.append(generic(str(info.value), kind))
        assert first.read_bytes() == before
        assert [p.name for p in first.parent.iterdir() if not p.name.startswith(".")] == [first.name]
        assert store.import_file(source, overwrite=True).path == first
        assert store.names() == ["Shared"]
    assert words[0] == words[1]


def test_an_import_named_like_a_builtin_says_so_in_the_same_words(tmp_path: Path) -> None:
    words: list[str] = []
    for kind in ("preset", "fast style"):
        builtin = tmp_path / kind / "builtin"
        add(make_store(kind, builtin), "Shipped", tmp_path / "shared")
        store = make_store(kind, tmp_path / kind / "mine", builtin)
        source = shared_file(kind, tmp_path / "shared", "Shipped")
        with pytest.raises(NameTaken) as info:
            store.import_file(source)
        assert info.value.builtin and "--overwrite" in str(info.value)
        words.append(generic(str(info.value), kind))
        store.import_file(source, overwrite=True)  # the artist's own now stands in for it
        assert [n for n in store.names()] == ["Shipped"]
    assert words[0] == words[1]


# Damaged files.


def test_a_damaged_file_is_a_problem_not_a_crash(tmp_path: Path, kind: str) -> None:
    store = make_store(kind, tmp_path / "mine")
    add(store, "Good", tmp_path / "shared")
    suffix = ".json" if kind == "preset" else ".nststyle"
    damaged = tmp_path / "mine" / f"damaged{suffix}"
    damaged.write_bytes(b"\x00\x01 not a file of this kind")
    (tmp_path / "mine" / f"folder{suffix}").mkdir()
    assert store.names() == ["Good"]
    assert [p.path for p in store.problems] == [damaged]
    assert "\n" not in store.problems[0].message and store.problems[0].message.endswith(".")
    assert damaged.read_bytes().startswith(b"\x00\x01"), "never repaired or removed"
    add(store, "Damaged", tmp_path / "shared")  # its name is free: the file stays as it was
    assert damaged.exists() and store.names() == ["Damaged", "Good"]


def test_two_files_of_one_name_are_one_entry_and_a_problem(tmp_path: Path, kind: str) -> None:
    store = make_store(kind, tmp_path / "mine")
    path = add(store, "Twice", tmp_path / "shared")
    twin = path.with_name(f"zz-twin{path.suffix}")
    twin.write_bytes(path.read_bytes())
    assert store.names() == ["Twice"]
    assert [p.path for p in store.problems] == [twin]
    assert "already holds" in store.problems[0].message


# OS errors.


def test_a_full_disk_reads_the_same_for_both_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    reasons = []
    for kind in ("preset", "fast style"):
        store = make_store(kind, tmp_path / kind)
        source = shared_file(kind, tmp_path / "shared", "Full")
        with monkeypatch.context() as patch:
            patch.setattr(os, "link", full)  # new files are created by link-or-fail
            with pytest.raises(EngineError) as info:
                store.import_file(source)
        message = str(info.value)
        assert message.startswith(f"Could not import the {kind} 'Full' to '")
        reasons.append(message[message.index(" (") :])
        assert store.names() == []
        assert [p.name for p in (tmp_path / kind).iterdir() if not p.name.startswith(".")] == []
    assert reasons == [" (no space left on device)."] * 2


# The folder lock.

HOLDER = (
    "import sys, time; from pathlib import Path\n"
    "from nst_desktop.engine.library.folder_lock import FolderLock\n"
    "with FolderLock(Path(sys.argv[1]), lock_name=None):\n"
    "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def hold(folder: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_save_waits_for_another_process_holding_the_folder(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "mine", tmp_path / "none")
    store.files.make_folder()
    holder = hold(store.directory, 600)
    try:
        busy = FolderLock(store.directory, 0.3, lock_name=None, error=PresetError, what="the presets folder")
        with pytest.raises(PresetError, match="Another import into the presets folder did not finish"), busy:
            pass
        holder.kill()
        holder.wait(timeout=30)
        store.save("After", Settings())  # a killed holder leaves no stale lock
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert [p.name for p in store.directory.iterdir()] == ["after.json"], "the lock is the folder itself"

    holder = hold(store.directory, 1.0)
    try:
        started = time.monotonic()
        store.save("Waited", Settings())
        assert time.monotonic() - started > 0.3, "the save waited for the holder"
    finally:
        holder.wait(timeout=30)
    assert store.names() == ["After", "Waited"]
