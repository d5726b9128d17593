"""Opening a .nststyle with the app (issue 19): it is imported into the artist's fast styles and
selected in the Fast styles tab; a taken name asks (replace / keep both / cancel); a damaged file
is one sentence and nothing is imported. Also the macOS file-open event and the command line's
split between style files and images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QFileOpenEvent

from nst_desktop.gui.app import split_style_files, style_opener
from nst_desktop.gui.file_open import FileOpenFilter

pytest.importorskip("torch")


def write_style(path: Path, name: str = "Friend", seed: int = 0) -> Path:
    """A real, valid fast style file (a small Johnson network with untrained weights)."""
    import torch

    from nst_desktop.engine.fast.style_file import FastStyle, empty_network, write_fast_style

    torch.manual_seed(seed)
    net = empty_network("johnson", 8, 1)
    thumb = np.full((16, 16, 3), 40 + seed, np.uint8)
    write_fast_style(path, FastStyle(name, net.state_dict(), thumb, width=8, blocks=1, kind="johnson"))
    return path


def user_styles() -> list[Path]:
    from nst_desktop.engine.fast.store import user_styles_dir

    folder = user_styles_dir()
    return sorted(folder.glob("*.nststyle")) if folder.is_dir() else []


def open_and_wait(qtbot, window, opener, path: Path):  # type: ignore[no-untyped-def]
    name = opener.open(path)
    qtbot.waitUntil(lambda: window.fast_styles.selected_name() == name, timeout=60_000)
    return name


def test_opening_a_style_file_imports_and_selects_it(qtbot, window, tmp_path: Path) -> None:
    style = write_style(tmp_path / "from a friend.nststyle")
    opener = style_opener(window)
    assert open_and_wait(qtbot, window, opener, style) == "Friend"
    assert window.fast_styles.selected_name() == "Friend"
    assert window.tabs.currentWidget() is window.fast_styles
    assert [p.name for p in user_styles()] == ["friend.nststyle"]
    assert "Imported the fast style 'Friend'" in window.banner.text()
    assert style.is_file()  # the friend's file is copied, not moved


@pytest.mark.parametrize(
    ("choice", "names", "files"),
    [
        ("cancel", ["Friend"], 1),
        ("both", ["Friend", "Friend (2)"], 2),
        ("replace", ["Friend"], 1),
    ],
)
def test_a_taken_name_asks_replace_keep_both_or_cancel(
    qtbot, window, tmp_path: Path, choice: str, names: list[str], files: int
) -> None:
    from nst_desktop.engine.fast.store import FastStyleStore

    opener = style_opener(window)
    assert open_and_wait(qtbot, window, opener, write_style(tmp_path / "a.nststyle", seed=1)) == "Friend"
    first = user_styles()[0].read_bytes()
    asked: list[tuple[str, bool]] = []
    opener.ask_clash = lambda name, builtin: asked.append((name, builtin)) or choice  # type: ignore[method-assign]
    second = write_style(tmp_path / "b.nststyle", seed=2)
    if choice == "cancel":
        assert opener.open(second) is None
    else:
        open_and_wait(qtbot, window, opener, second)
    assert asked == [("Friend", False)]
    mine = [s.name for s in FastStyleStore().list() if not s.builtin]
    assert mine == names and len(user_styles()) == files
    if choice == "replace":
        assert user_styles()[0].read_bytes() != first  # the new style's weights
        assert window.fast_styles.selected_name() == "Friend"
    if choice == "both":
        assert window.fast_styles.selected_name() == "Friend (2)"
    if choice == "cancel":
        assert user_styles()[0].read_bytes() == first


def test_a_damaged_style_file_is_one_sentence_and_nothing_is_imported(window, tmp_path: Path) -> None:
    good = write_style(tmp_path / "good.nststyle").read_bytes()
    cases = {
        "cut.nststyle": good[: len(good) // 2],
        "noise.nststyle": bytes(range(256)) * 40,
        "empty.nststyle": b"",
    }
    opener = style_opener(window)
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert opener.open(path) is None
        text = window.banner.text()
        assert text and window.banner.is_error, name
        assert "Traceback" not in text and "\n" not in text.strip() and len(text) < 300, text
        assert user_styles() == []
    assert opener.open(tmp_path / "missing.nststyle") is None and window.banner.is_error


def test_a_macos_file_open_event_routes_style_files_to_the_importer(tmp_path: Path) -> None:
    opened: list[tuple[str, Path]] = []

    class Window:
        def open_paths(self, paths: list[Path]) -> None:
            opened.extend(("window", p) for p in paths)

    class Styles:
        def open(self, path: Path) -> str | None:
            opened.append(("styles", path))
            return None

    handler = FileOpenFilter(Window(), Styles())
    assert handler.eventFilter(handler, QFileOpenEvent(str(tmp_path / "x.NSTSTYLE")))
    assert handler.eventFilter(handler, QFileOpenEvent(str(tmp_path / "photo.jpg")))
    assert opened == [("styles", tmp_path / "x.NSTSTYLE"), ("window", tmp_path / "photo.jpg")]


def test_the_command_line_splits_style_files_from_images() -> None:
    styles, images = split_style_files([Path("a.jpg"), Path("s.nststyle"), Path("b.png"), Path("T.NstStyle")])
    assert styles == [Path("s.nststyle"), Path("T.NstStyle")] and images == [Path("a.jpg"), Path("b.png")]
