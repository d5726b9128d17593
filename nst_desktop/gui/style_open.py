"""Opening a ``.nststyle`` file with the app: it joins the artist's fast styles and is selected.

A style received from a friend arrives as a file the desktop hands to the app: on the command
line (Linux "Open with", Windows' registry verb, ``nst-desktop friend.nststyle``) or as a macOS
file-open event. Either way it is checked in full, imported into the styles folder and selected
in the Fast styles tab; a name already taken asks whether to replace that style, keep both or
cancel. A damaged file is one sentence in the window and nothing is written.

The file is read on the GUI thread: a style is 1-3 MB, capped by the store's reader.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtWidgets import QMessageBox, QWidget

from nst_desktop.engine.text import os_reason

from . import user_paths

if TYPE_CHECKING:
    from .widgets.fast_styles import FastStylesPanel

SUFFIX = ".nststyle"
Choice = Literal["replace", "both", "cancel"]


def is_style_file(path: Path) -> bool:
    return path.suffix.lower() == SUFFIX


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class StyleFileOpener:
    """Imports ``.nststyle`` files into ``gallery``'s store and selects them there."""

    def __init__(
        self,
        gallery: FastStylesPanel,
        show_message: Callable[[str, bool], None],
        show_gallery: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        self._gallery = gallery
        self._show_message = show_message
        self._show_gallery = show_gallery
        self._parent = parent
        # The style to select once a listing shows it: a listing already under way when the
        # import was asked for arrives first, without it.
        self._pending: str | None = None
        gallery.listed.connect(self._select_pending)

    def open(self, path: Path) -> str | None:
        """Import ``path`` and select it; the name it got, or None (cancelled or refused)."""
        from nst_desktop.engine.errors import FastStyleError
        from nst_desktop.engine.fast.style_file import read_fast_style

        problem = user_paths.problem(path)
        if problem:
            self._show_message(problem, True)
            return None
        store = self._gallery.store()
        try:
            style = read_fast_style(path)
            existing = store.find(style.name)
            name, overwrite = style.name, False
            if existing is not None and _same_file(existing.path, path):
                self._select(str(existing.name))  # opened from the styles folder itself
                return str(existing.name)
            if existing is not None:
                choice = self.ask_clash(existing.name, bool(existing.builtin))
                if choice == "cancel":
                    return None
                if choice == "replace":
                    overwrite = True
                else:
                    name = self._free_name(store, style.name)
            info = store.import_file(path, name=name, overwrite=overwrite)
        except FastStyleError as exc:
            self._show_message(str(exc), True)
            return None
        except OSError as exc:
            shown = user_paths.shown_name(path)
            self._show_message(f"Could not import {shown} ({os_reason(exc)}).", True)
            return None
        self._select(str(info.name))
        self._show_message(f"Imported the fast style '{info.name}'.", False)
        return str(info.name)

    def _select(self, name: str) -> None:
        self._pending = name
        self._show_gallery()
        self._gallery.refresh(select=name)

    def _select_pending(self) -> None:
        if self._pending is not None and self._gallery.select(self._pending):
            self._pending = None

    def open_all(self, paths: list[Path]) -> None:
        for path in paths:
            self.open(path)

    @staticmethod
    def _free_name(store: Any, name: str) -> str:
        for n in range(2, 1000):
            candidate = f"{name} ({n})"
            if store.find(candidate) is None:
                return candidate
        return f"{name} (copy)"

    # Dialog hook (tests replace it) ---------------------------------------------------------------

    def ask_clash(self, name: str, builtin: bool) -> Choice:
        """Replace the style called ``name``, keep both (the new one renamed) or cancel."""
        box = QMessageBox(self._parent)
        box.setWindowTitle("nst-desktop")
        box.setIcon(QMessageBox.Icon.Question)
        kind = "a built-in fast style" if builtin else "a fast style"
        box.setText(f"There is already {kind} called '{name}'.")
        if builtin:
            box.setInformativeText(
                "Replacing it puts yours in its place; the built-in one comes back if you delete yours."
            )
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        both = box.addButton("Keep both", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(both)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is replace:
            return "replace"
        if clicked is both:
            return "both"
        return "cancel"
