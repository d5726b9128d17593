"""Presets: the same files and folder as the command line, managed from one row of controls.

A preset is a look: choosing one sets the look fields only and keeps the output size, seed,
device and network the artist chose (see :meth:`Preset.apply_to`). When the controls no longer
show the chosen preset's look, its name says "(modified)"; it clears when they match again.

Dialogs go through small ``ask_*`` methods so tests can answer them without a modal loop;
import, export, rename and delete are the flows every named-file panel shares
(:class:`~.named_files.NamedFileActions`), with the same questions and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from nst_desktop.engine import EngineError, Settings
from nst_desktop.engine.presets import Preset, PresetStore

from ..plain_text import plain_tooltip
from .named_files import Dialogs, NamedFileActions, Words, run_now

PRESET_FILTER = "nst-desktop presets (*.json);;All files (*)"
WORDS = Words("preset", PRESET_FILTER, ".json")
MODIFIED = "(modified)"


class PresetBar(QWidget):
    """Choosing a preset applies its look; the menu saves, renames, deletes, imports, exports,
    resets.

    ``preset_applied`` carries the whole settings to show: the preset's look on the current
    output and machine fields. Connect the controls' change signal to :meth:`update_modified`
    so the "(modified)" mark follows every edit.
    """

    preset_applied = Signal(object, str)  # Settings, name
    message = Signal(str, bool)  # text, is_error

    def __init__(
        self,
        current_settings: Callable[[], Settings],
        store: PresetStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._current_settings = current_settings
        self.store = store if store is not None else PresetStore()
        self._presets: list[Preset] = []
        self._labels: list[str] = []
        self._modified = False
        dialogs = Dialogs(
            ask_open=lambda: self.ask_open_path(),
            ask_save=lambda suggested: self.ask_save_path(suggested),
            ask_text=lambda title, label, text: self.ask_text(title, label, text),
            confirm=lambda question: self.confirm(question),
        )
        self.files = NamedFileActions(WORDS, lambda: self.store, run_now, dialogs, self)
        self.files.message.connect(self.message)
        self.files.changed.connect(lambda name: self.refresh(select=name or None))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip(
            "Choose a preset to set the look; the output size, seed, device and network stay as they are"
        )
        self.combo.activated.connect(self._on_activated)
        layout.addWidget(self.combo, 1)
        self.save_button = QPushButton("Save preset…")
        self.save_button.setToolTip("Save the current controls as a new preset")
        self.save_button.clicked.connect(self.save_as_new)
        layout.addWidget(self.save_button)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋯")
        self.menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.menu_button.setToolTip("Manage presets")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.update_action = menu.addAction(
            "Update this preset with the current controls", self.update_current
        )
        self.rename_action = menu.addAction("Rename…", self.rename_current)
        self.delete_action = menu.addAction("Delete", self.delete_current)
        menu.addSeparator()
        menu.addAction("Import…", self.import_file)
        self.export_action = menu.addAction("Export…", self.export_current)
        menu.addSeparator()
        menu.addAction("Reset the built-in presets", self.reset_builtins)
        menu.aboutToShow.connect(self._update_actions)
        self.menu_button.setMenu(menu)
        layout.addWidget(self.menu_button)
        self.refresh()

    # Dialog hooks (replaced in tests) --------------------------------------------------------

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        return self.files.text_dialog(title, label, text)

    def ask_open_path(self) -> Path | None:
        return self.files.open_dialog()

    def ask_save_path(self, suggested: str) -> Path | None:
        return self.files.save_dialog(suggested)

    def confirm(self, text: str) -> bool:
        return self.files.confirm_dialog(text)

    @property
    def last_dir(self) -> str:
        """The folder of the last import or export (kept between sessions by the window)."""
        return self.files.last_dir

    @last_dir.setter
    def last_dir(self, folder: str) -> None:
        self.files.last_dir = folder

    # State -----------------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        current = select if select is not None else self.current_name()
        try:
            self._presets = self.store.list()
        except EngineError as exc:
            self._presets = []
            self.message.emit(str(exc), True)
        blocker = QSignalBlocker(self.combo)
        self.combo.clear()
        self.combo.addItem("Choose a preset…", None)
        self._labels = ["Choose a preset…"]
        for preset in self._presets:
            label = preset.name
            if preset.builtin:
                label += "  (built-in)"
            elif preset.customised:
                label += "  (customised)"
            self.combo.addItem(label, preset.name)
            self._labels.append(label)
            if preset.description:
                tip = plain_tooltip(preset.description)
                self.combo.setItemData(self.combo.count() - 1, tip, 3)  # ToolTipRole
        index = self.combo.findData(current) if current else 0
        self.combo.setCurrentIndex(max(0, index))
        del blocker
        self.update_modified()
        problems = self.store.problems
        if problems:
            self.message.emit(" ".join(p.message for p in problems[:3]), True)

    def names(self) -> list[str]:
        return [p.name for p in self._presets]

    def current_name(self) -> str | None:
        data = self.combo.currentData()
        return str(data) if data else None

    def current_preset(self) -> Preset | None:
        name = self.current_name()
        return next((p for p in self._presets if p.name == name), None)

    def is_modified(self) -> bool:
        """Whether the controls differ from the chosen preset's look."""
        return self._modified

    def update_modified(self) -> None:
        """Mark the chosen preset "(modified)" when the controls' look differs from it, and
        clear the mark when it matches again. Cheap (no file is read): call it on every edit."""
        preset = self.current_preset()
        modified = False
        if preset is not None:
            try:
                modified = not preset.matches(self._current_settings())
            except EngineError:
                modified = True  # the controls hold no valid settings, so not this preset's
        self._modified = modified
        current = self.combo.currentIndex()
        for index, label in enumerate(self._labels):
            text = f"{label}  {MODIFIED}" if modified and index == current else label
            if self.combo.itemText(index) != text:
                self.combo.setItemText(index, text)

    def _update_actions(self) -> None:
        preset = self.current_preset()
        user = preset is not None and not preset.builtin
        customised = preset is not None and preset.customised
        self.update_action.setEnabled(preset is not None)
        self.rename_action.setEnabled(user and not customised)
        self.delete_action.setEnabled(user)
        self.delete_action.setText("Restore the built-in version" if customised else "Delete")
        self.export_action.setEnabled(preset is not None)

    # Actions -----------------------------------------------------------------------------------

    def select(self, name: str) -> bool:
        """Choose ``name`` as if the artist had picked it."""
        index = self.combo.findData(name)
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        self._on_activated(index)
        return True

    def show_chosen(self, name: str) -> bool:
        """Show ``name`` as the chosen preset without applying it (the controls as they were
        left at the last session stay; "(modified)" says whether they still match it)."""
        index = self.combo.findData(name)
        if index < 0:
            return False
        blocker = QSignalBlocker(self.combo)
        self.combo.setCurrentIndex(index)
        del blocker
        self.update_modified()
        return True

    def _on_activated(self, index: int) -> None:
        name = self.combo.itemData(index)
        if not name:
            return
        try:
            preset = self.store.get(str(name))
        except EngineError as exc:
            self.message.emit(str(exc), True)
            self.refresh()
            return
        try:
            current = self._current_settings()
        except EngineError:
            # The controls hold an invalid combination; the preset's look is a way out of it,
            # on the defaults' output fields since the current ones cannot be read.
            current = Settings()
        self.preset_applied.emit(preset.apply_to(current), preset.name)
        self.update_modified()

    def _settings(self) -> Settings | None:
        try:
            return self._current_settings()
        except EngineError as exc:
            self.message.emit(str(exc), True)
            return None

    def save_as_new(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        name = self.ask_text("Save preset", "Name for the new preset:")
        if name is None:
            return
        overwrite = False
        if name.casefold() in (n.casefold() for n in self.names()):
            if not self.confirm(f"There is already a preset called '{name}'. Replace it?"):
                return
            overwrite = True
        self._do(
            lambda: self.store.save(name, settings, overwrite=overwrite), f"Saved the preset '{name}'.", name
        )

    def update_current(self) -> None:
        preset = self.current_preset()
        settings = self._settings()
        if preset is None or settings is None:
            return
        self._do(
            lambda: self.store.save(preset.name, settings, description=preset.description, overwrite=True),
            f"Updated the preset '{preset.name}'.",
            preset.name,
        )

    def rename_current(self) -> None:
        preset = self.current_preset()
        if preset is not None:
            self.files.rename(preset.name)

    def delete_current(self) -> None:
        preset = self.current_preset()
        if preset is not None:
            self.files.delete(preset.name, restores_builtin=preset.customised)

    def import_file(self) -> None:
        self.files.import_file()

    def export_current(self) -> None:
        preset = self.current_preset()
        if preset is None:
            self.message.emit("Choose a preset to export first.", True)
            return
        self.files.export(preset.name)

    def reset_builtins(self) -> None:
        if not self.confirm("Reset every built-in preset to how it shipped? Your own presets are kept."):
            return
        try:
            reset = self.store.reset_builtins()
        except EngineError as exc:
            self.message.emit(str(exc), True)
            return
        self.refresh()
        self.message.emit(
            f"Reset {len(reset)} built-in preset{'s' if len(reset) != 1 else ''}."
            if reset
            else "The built-in presets were already as shipped.",
            False,
        )

    def _do(self, action: Callable[[], object], done: str, select: str) -> None:
        try:
            action()
        except EngineError as exc:
            self.message.emit(str(exc), True)
            return
        self.refresh(select=select or None)
        self.message.emit(done, False)
