"""What the window remembers between sessions, with every key in one place."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from nst_desktop.engine import EngineError, Settings
from nst_desktop.engine.images import DEFAULT_DPI, MAX_DPI

from .. import user_paths
from ..widgets.print_size import PrintChoice, button_tooltip

if TYPE_CHECKING:
    from .window import MainWindow

log = logging.getLogger(__name__)

GEOMETRY = "window/geometry"
SPLITTER = "window/splitter"
CENTRE = "window/centre"
DETAILS = "window/details"
CONTROLS = "controls"
PRESET_DIR = "preset_dir"
PRESET_CHOSEN = "preset/chosen"
"""The preset last chosen in the box, shown again at the next start (not applied again)."""
BATCH_DIR = "batch_dir"
BATCH_FORMAT = "batch/format"
BATCH_PATTERN = "batch/pattern"
OPEN_DIR = "last_open_dir"
STYLE_DIR = "last_style_dir"
SAVE_DIR = "last_save_dir"
RECENT = "recent_images"
TRAIN_PHOTOS_DIR = "train_photos_dir"
TRAIN_RATE = "training/seconds_per_step"
PAINT_RATE = "run/seconds_per_unit"
INPUT_PHOTO = "inputs/photo"
INPUT_PAINTINGS = "inputs/paintings"
PRINT_CHOICE = "print/choice"
"""The Print… dialog's last paper and resolution, which it reopens on."""
PRINT_DPI = "print/dpi"
"""The print resolution saved pictures record (the chosen one, lower where the size is capped)."""
MAX_RECENT = 10
MAX_REMEMBERED_PAINTINGS = 16


def positive_float(qsettings: QSettings, key: str) -> float | None:
    """A stored measurement (seconds per step or per unit of work): None unless a positive number."""
    value = qsettings.value(key)
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and number > 0 else None


def start_folder(qsettings: QSettings, key: str) -> str:
    """Where an Open or Save dialog starts: the last folder used, else the user's Pictures
    (never the app's own samples folder, which is not where an artist keeps photos)."""
    folder = str(qsettings.value(key, "") or "")
    if folder and user_paths.is_dir(folder):
        return folder
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    if pictures and user_paths.is_dir(pictures):
        return pictures
    return str(Path.home())


def recent_images(qsettings: QSettings) -> list[str]:
    value = qsettings.value(RECENT, [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def remember(qsettings: QSettings, path: Path, folder_key: str) -> None:
    qsettings.setValue(folder_key, str(path.parent))
    recent = [p for p in recent_images(qsettings) if p != str(path)]
    qsettings.setValue(RECENT, [str(path), *recent][:MAX_RECENT])


def restore(window: MainWindow) -> None:
    q = window.qsettings
    geometry = q.value(GEOMETRY)
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    for key, splitter in ((SPLITTER, window.splitter), (CENTRE, window.centre_splitter)):
        state = q.value(key)
        if isinstance(state, QByteArray):
            splitter.restoreState(state)
    text = q.value(CONTROLS)
    if isinstance(text, str) and text:
        try:
            window.controls.set_settings(Settings.from_json(text))
        except EngineError:
            log.info("Ignoring unreadable saved controls")
    batch_dir = q.value(BATCH_DIR)
    if isinstance(batch_dir, str) and user_paths.is_dir(batch_dir):
        window.batch.set_output_dir(Path(batch_dir))
    window.batch.set_output_format(str(q.value(BATCH_FORMAT, "png")))
    window.batch.set_naming_pattern(str(q.value(BATCH_PATTERN, "") or ""))
    window.preset_bar.last_dir = str(q.value(PRESET_DIR, ""))
    chosen = str(q.value(PRESET_CHOSEN, "") or "")
    if chosen:
        window.preset_bar.show_chosen(chosen)
    window.view.set_details_visible(str(q.value(DETAILS, "false")).lower() == "true")
    restore_print(window)


def restore_print(window: MainWindow) -> None:
    q = window.qsettings
    window.print_choice = PrintChoice.from_json(str(q.value(PRINT_CHOICE, "") or ""))
    dpi = positive_float(q, PRINT_DPI)
    window.print_dpi = dpi if dpi is not None and 1.0 <= dpi <= MAX_DPI else DEFAULT_DPI
    window.controls.print_button.setToolTip(button_tooltip(window.print_dpi))


def save_print(window: MainWindow) -> None:
    q = window.qsettings
    if window.print_choice is not None:
        q.setValue(PRINT_CHOICE, window.print_choice.to_json())
    q.setValue(PRINT_DPI, window.print_dpi)


def save(window: MainWindow) -> None:
    q = window.qsettings
    q.setValue(GEOMETRY, window.saveGeometry())
    q.setValue(SPLITTER, window.splitter.saveState())
    q.setValue(CENTRE, window.centre_splitter.saveState())
    q.setValue(PRESET_DIR, window.preset_bar.last_dir)
    q.setValue(PRESET_CHOSEN, window.preset_bar.current_name() or "")
    q.setValue(DETAILS, "true" if window.run_bar.details_button.isChecked() else "false")
    with contextlib.suppress(EngineError):
        q.setValue(CONTROLS, window.controls.settings().to_json(indent=None))
    photo = window.content.path if window.content is not None else None
    q.setValue(INPUT_PHOTO, str(photo) if photo is not None else "")
    paintings = [
        {"path": str(s.path), "weight": s.weight} for s in window.gallery.styles() if s.path is not None
    ]
    q.setValue(INPUT_PAINTINGS, json.dumps(paintings[:MAX_REMEMBERED_PAINTINGS]))
    save_print(window)
    q.sync()


def restore_inputs(window: MainWindow) -> bool:
    """Open the photo and paintings of the last session (those still there); False when there
    was nothing to bring back, so the caller opens the samples instead."""
    q = window.qsettings
    photo = str(q.value(INPUT_PHOTO, "") or "")
    try:
        paintings = json.loads(str(q.value(INPUT_PAINTINGS, "[]") or "[]"))
    except ValueError:
        paintings = []
    restored = False
    if photo and user_paths.is_file(photo):
        restored = window.inputs.set_photo(Path(photo)) or restored
    if isinstance(paintings, list):
        for item in paintings[:MAX_REMEMBERED_PAINTINGS]:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                continue
            weight = item.get("weight", 1.0)
            weight = float(weight) if isinstance(weight, (int, float)) and 0 <= weight <= 10 else 1.0
            if user_paths.is_file(item["path"]):
                restored = window.inputs.add_style(Path(item["path"]), weight) or restored
    return restored
