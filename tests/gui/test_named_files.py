"""The shared import/export/rename/delete flow of named files (issue 18), built alone over the real
stores: presets and fast styles ask the same questions and say the same things."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from nst_desktop.engine.fast.store import FastStyleStore
from nst_desktop.engine.library.preset_file import document, encode
from nst_desktop.engine.presets import PresetStore
from nst_desktop.engine.settings import Settings
from nst_desktop.gui.widgets.named_files import Dialogs, NamedFileActions, Words, run_now
from nst_desktop.gui.widgets.preset_bar import PresetBar

KINDS = {"preset": ".json", "fast style": ".nststyle"}


def shared_file(kind: str, folder: Path, name: str) -> Path:
    """A file of ``kind`` holding ``name``, as an artist would receive it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{KINDS[kind]}"
    if kind == "preset":
        path.write_bytes(encode(document(name, "", Settings(size=300))))
        return path
    from nst_desktop.engine.fast.style_file import FastStyle, empty_network, write_fast_style

    net = empty_network("johnson", 8, 1)
    thumb = np.full((16, 16, 3), 40, np.uint8)
    return write_fast_style(path, FastStyle(name, net.state_dict(), thumb, width=8, blocks=1, kind="johnson"))


@dataclass
class Artist:
    """Answers the dialogs and remembers what was asked and said."""

    open_path: Path | None = None
    save_path: Path | None = None
    text: str | None = None
    yes: bool = True
    asked: list[str] = field(default_factory=list)
    said: list[tuple[str, bool]] = field(default_factory=list)

    def dialogs(self) -> Dialogs:
        return Dialogs(
            ask_open=lambda: self.open_path,
            ask_save=lambda suggested: self.save_path,
            ask_text=lambda title, label, text: self.text,
            confirm=self.confirm,
        )

    def confirm(self, question: str) -> bool:
        self.asked.append(question)
        return self.yes


def make(qtbot, kind: str, folder: Path) -> tuple[NamedFileActions, Artist, PresetStore | FastStyleStore]:  # type: ignore[no-untyped-def]
    owner = QWidget()
    qtbot.addWidget(owner)
    builtin = folder / "builtin"
    store = (
        PresetStore(folder / "mine", builtin)
        if kind == "preset"
        else FastStyleStore(folder / "mine", builtin)
    )
    artist = Artist()
    words = Words(kind, "files (*)", KINDS[kind])
    actions = NamedFileActions(words, lambda: store, run_now, artist.dialogs(), owner)
    actions.message.connect(lambda text, error: artist.said.append((text, error)))
    return actions, artist, store


def generic(texts: list[str], kind: str, folder: Path) -> list[str]:
    return [
        t.replace(str(folder), "FOLDER").replace(KINDS[kind], ".EXT").replace(kind, "KIND") for t in texts
    ]


def test_both_kinds_import_export_rename_delete_with_the_same_words(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    heard: list[list[str]] = []
    for kind in KINDS:
        folder = tmp_path / kind.replace(" ", "-")
        actions, artist, store = make(qtbot, kind, folder)
        changed: list[str] = []
        actions.changed.connect(changed.append)

        artist.open_path = shared_file(kind, folder / "shared", "Shared")
        actions.import_file()
        assert store.names() == ["Shared"] and changed[-1] == "Shared"
        actions.import_file()  # the same name again: asked, then replaced in place
        assert store.names() == ["Shared"]

        (folder / "out").mkdir()
        artist.save_path = folder / "out" / "sent"  # no suffix typed: the kind's is added
        actions.export("Shared")
        assert (folder / "out" / f"sent{KINDS[kind]}").is_file()

        artist.text = "Renamed"
        actions.rename("Shared")
        assert store.names() == ["Renamed"] and changed[-1] == "Renamed"

        artist.yes = False
        actions.delete("Renamed")
        assert store.names() == ["Renamed"], "declined: kept"
        artist.yes = True
        actions.delete("Renamed")
        assert store.names() == [] and changed[-1] == ""

        assert not any(error for _, error in artist.said), artist.said
        heard.append(generic(artist.asked + [text for text, _ in artist.said], kind, folder))
    assert heard[0] == heard[1]
    assert heard[0][0] == "There is already a KIND called 'Shared'. Replace it?"
    assert "Imported the KIND 'Shared'." in heard[0]


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_name_taken_by_a_builtin_is_asked_about_and_declining_keeps_it(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, kind: str
) -> None:
    actions, artist, store = make(qtbot, kind, tmp_path)
    shipped = shared_file(kind, tmp_path / "shared", "Shipped")
    maker = PresetStore if kind == "preset" else FastStyleStore
    maker(tmp_path / "builtin", tmp_path / "none").import_file(shipped)
    artist.open_path, artist.yes = shipped, False
    actions.import_file()
    assert len(artist.asked) == 1 and f"is a built-in {kind}" in artist.asked[0]
    assert not (tmp_path / "mine").exists() or not any((tmp_path / "mine").glob(f"*{KINDS[kind]}"))
    assert artist.said == []
    artist.yes = True
    actions.import_file()
    assert artist.said == [(f"Imported the {kind} 'Shipped'.", False)]
    assert any((tmp_path / "mine").glob(f"*{KINDS[kind]}")), "the artist's own stands in for it"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_bad_path_or_file_is_one_plain_error(qtbot, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    actions, artist, store = make(qtbot, kind, tmp_path)
    artist.open_path = tmp_path  # a folder, not a file
    actions.import_file()
    damaged = tmp_path / f"damaged{KINDS[kind]}"
    damaged.write_bytes(b"\x00 not a file of this kind")
    artist.open_path = damaged
    actions.import_file()
    assert len(artist.said) == 2 and all(error for _, error in artist.said)
    assert all("\n" not in text and "Traceback" not in text for text, _ in artist.said)
    assert store.names() == []


def test_the_preset_bar_runs_the_shared_flow(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = PresetStore(tmp_path / "mine", tmp_path / "builtin")
    bar = PresetBar(Settings, store)
    qtbot.addWidget(bar)
    said: list[tuple[str, bool]] = []
    bar.message.connect(lambda text, error: said.append((text, error)))
    bar.ask_open_path = lambda: shared_file("preset", tmp_path / "shared", "Shared")  # type: ignore[method-assign]
    bar.import_file()
    assert isinstance(bar.files, NamedFileActions)
    assert said == [("Imported the preset 'Shared'.", False)] and bar.current_name() == "Shared"
    bar.last_dir = str(tmp_path)
    assert bar.files.last_dir == str(tmp_path), "the window keeps the folder between sessions"
