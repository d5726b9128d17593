"""Issue 8 ("Trust") in the window: crafted pictures and presets never crash or flood it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from PySide6.QtCore import Qt

from nst_desktop.engine.images import METADATA_KEY
from nst_desktop.gui.widgets.message_banner import MAX_CHARS, MessageBanner, banner_text

HUGE = "x" * 1_000_000


def crafted_png(path: Path, meta: dict[str, object]) -> Path:
    info = PngInfo()
    info.add_itxt(METADATA_KEY, json.dumps(meta), zip=True)
    Image.new("RGB", (32, 32), (10, 20, 30)).save(path, pnginfo=info)
    return path


def test_a_picture_with_a_megabyte_setting_gives_a_short_message(window, tmp_path: Path) -> None:
    # Just under Pillow's 1 MB limit for one text chunk (above it the picture reads as damaged).
    meta = {"app": "nst-desktop", "settings": {"schema_version": 1, "keep_colors": HUGE[:900_000]}}
    window.inputs.open_paths([crafted_png(tmp_path / "crafted.png", meta)])
    text = window.banner.text()
    assert text.startswith("Could not restore the settings from 'crafted.png'")
    assert len(text) < 400 and "\n" not in text


def test_a_megabyte_preset_in_the_user_folder_does_not_break_the_launch(make_window) -> None:
    folder = Path(os.environ["NST_DESKTOP_DATA_DIR"]) / "presets"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": 1, "kind": "nst-desktop-preset", "name": "Crafted",
           "description": HUGE[:900_000], "settings": {"keep_colors": HUGE[:900_000]}}  # fmt: skip
    (folder / "crafted.json").write_text(json.dumps(doc))
    window = make_window()
    assert window.isVisible()
    assert len(window.banner.text()) < 600


def test_the_banner_is_plain_text_and_capped(qtbot) -> None:
    banner = MessageBanner()
    qtbot.addWidget(banner)
    banner.show_message("'<h1>big</h1><img src=x>.png' is not an image nst-desktop can read.", True)
    assert banner.label.textFormat() == Qt.TextFormat.PlainText
    assert banner.text().startswith("'<h1>big</h1><img src=x>.png'")
    banner.show_message("a\nb\x1b[31m" + HUGE, True)
    assert len(banner.text()) == MAX_CHARS and "\n" not in banner.text() and "\x1b" not in banner.text()
    assert banner_text("short") == "short"


def test_importing_a_file_named_like_a_builtin_asks_first(window, tmp_path: Path) -> None:
    from nst_desktop.engine.presets import PresetStore

    bar = window.preset_bar
    builtin = next(p for p in PresetStore().list() if p.builtin)
    source = tmp_path / "mine.json"
    doc = {"schema_version": 1, "kind": "nst-desktop-preset", "name": builtin.name, "settings": {"size": 123}}
    source.write_text(json.dumps(doc))
    questions: list[str] = []
    bar.ask_open_path = lambda: source
    bar.confirm = lambda question: questions.append(question) or False
    bar.import_file()
    assert questions and "built-in" in questions[0]
    assert PresetStore().get(builtin.name).builtin  # declined: the built-in stays
    bar.confirm = lambda question: True
    bar.import_file()
    assert PresetStore().get(builtin.name).settings.size == 123
