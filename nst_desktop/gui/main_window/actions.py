"""The menus as one table: each action has a name, a menu, a text, a shortcut and the name
of the method it calls on the window or one of its parts ("view.zoom_fit"), so menus,
shortcuts and their enabling live in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from .window import MainWindow

Key = QKeySequence.StandardKey | str | None


@dataclass(frozen=True)
class ActionSpec:
    name: str
    menu: str
    text: str
    slot: str
    shortcuts: tuple[Key, ...] = ()


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&File", "&Open photo…", "inputs.browse_photo", (QKeySequence.StandardKey.Open,)),
    ActionSpec("add_painting", "&File", "Add &painting…", "inputs.browse_styles", ("Ctrl+Shift+O",)),
    ActionSpec("use_settings", "&File", "&Use settings from a picture…", "inputs.browse_settings_picture"),
    ActionSpec("save", "&File", "&Save picture…", "output.save", (QKeySequence.StandardKey.Save,)),
    ActionSpec("quit", "&File", "&Quit", "close", ("Ctrl+Q",)),
    ActionSpec(
        "paste_photo", "&Edit", "&Paste as photo", "inputs.paste_photo", (QKeySequence.StandardKey.Paste,)
    ),
    ActionSpec("paste_painting", "&Edit", "Paste as &painting", "inputs.paste_style", ("Ctrl+Shift+V",)),
    ActionSpec("copy", "&Edit", "&Copy picture", "output.copy", ("Ctrl+C", "Ctrl+Shift+C")),
    ActionSpec("undo", "&Edit", "&Undo", "look.undo_controls", (QKeySequence.StandardKey.Undo,)),
    ActionSpec("redo", "&Edit", "&Redo", "look.redo_controls", ("Ctrl+Shift+Z", "Ctrl+Y")),
    ActionSpec("stylize", "&Run", "&Paint", "stylize", ("Ctrl+Return", "Ctrl+Enter")),
    ActionSpec("stop", "&Run", "S&top", "stop", ("Esc",)),
    ActionSpec("train", "&Run", "&Train a fast style from these paintings…", "training.train"),
    ActionSpec("resume", "&Run", "&Resume training", "training.resume"),
    ActionSpec("fit", "&View", "&Fit", "view.zoom_fit", ("Ctrl+0",)),
    ActionSpec("actual", "&View", "&Actual pixels", "view.zoom_actual", ("Ctrl+1",)),
    ActionSpec("zoom_in", "&View", "Zoom &in", "view.zoom_in", (QKeySequence.StandardKey.ZoomIn,)),
    ActionSpec("zoom_out", "&View", "Zoom &out", "view.zoom_out", (QKeySequence.StandardKey.ZoomOut,)),
    ActionSpec("before_after", "&View", "&Before / after", "view.toggle_before_after", ("Ctrl+B",)),
    ActionSpec("full_screen", "&View", "F&ull-screen picture", "view.toggle_full_screen", ("F11",)),
    ActionSpec("details", "&View", "&Details (loss curves)", "view.toggle_details", ("Ctrl+D",)),
    ActionSpec("shortcuts", "&Help", "&Keyboard shortcuts", "view.show_shortcuts", ("F1",)),
    ActionSpec("about", "&Help", "&About nst-desktop", "show_about"),
)
SEPARATE_AFTER = {"use_settings", "save", "copy", "stop"}
"""A menu separator follows these actions."""


def build(window: MainWindow) -> dict[str, QAction]:
    """Create the menus and actions; the recent-files submenu goes after "Add painting"."""
    menus: dict[str, object] = {}
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        menu = menus.get(spec.menu)
        if menu is None:
            menu = menus[spec.menu] = window.menuBar().addMenu(spec.menu)
        action = QAction(spec.text, window)
        keys = [QKeySequence(k) for k in spec.shortcuts if k is not None]
        if keys:
            action.setShortcuts(keys)
        slot: Callable[[], object] = _resolve(window, spec.slot)
        action.triggered.connect(lambda _checked=False, s=slot: s())
        menu.addAction(action)  # type: ignore[attr-defined]
        # Also on the window: a hidden menu bar (full screen) would switch the shortcuts off.
        window.addAction(action)
        actions[spec.name] = action
        if spec.name == "add_painting":
            window.recent_menu = menu.addMenu("Open &recent")  # type: ignore[attr-defined]
            window.recent_menu.aboutToShow.connect(lambda: window.inputs.fill_recent_menu(window.recent_menu))
        if spec.name in SEPARATE_AFTER:
            menu.addSeparator()  # type: ignore[attr-defined]
    return actions


def _resolve(window: MainWindow, path: str) -> Callable[[], object]:
    """``window.view.zoom_fit`` from ``"view.zoom_fit"``."""
    target: object = window
    for name in path.split("."):
        target = getattr(target, name)
    assert callable(target), path
    return target


EXTRA_KEYS = (
    ("B (hold)", "Show the photo instead of the picture while held"),
    ("Space (hold, comparing)", "Show the other version while held"),
    ("Ctrl+click a version", "Compare it with the selected one"),
    ("Delete (history)", "Delete the selected version"),
)


def shortcuts_text() -> str:
    """Every shortcut, from the same table that makes the menus, as plain text for Help."""
    lines = []
    for spec in ACTIONS:
        keys = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in spec.shortcuts if k]
        keys = [k for k in keys if k]
        if keys:
            lines.append(f"{' or '.join(keys):<28} {spec.text.replace('&', '').rstrip('…')}")
    lines += [f"{key:<28} {what}" for key, what in EXTRA_KEYS]
    return "\n".join(lines)
