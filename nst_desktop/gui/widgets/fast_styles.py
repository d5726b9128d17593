"""The fast-style gallery: built-in and the artist's own styles, one click to paint with one.

Reading style files needs torch (the store parses them), so listing, importing, exporting and
deleting run as side tasks (:class:`~nst_desktop.gui.side_tasks.TaskRunner`); the list is read
the first time the panel is shown. The panel asks the window to paint (``apply_requested``)
and to train (``train_requested``); the questions it asks go through small hook methods that
tests replace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, cast

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import imaging, user_paths
from ..plain_text import ask_yes_no, capped, plain_tooltip
from ..side_tasks import TaskRunner

THUMB = 72
STYLE_FILTER = "nst-desktop fast style (*.nststyle);;All files (*)"
NAME_ROLE = Qt.ItemDataRole.UserRole
BUILTIN_ROLE = Qt.ItemDataRole.UserRole + 1
KEY = "fast-styles"


@dataclass(frozen=True)
class StyleEntry:
    """What the gallery shows of one style (a plain copy of the store's ``FastStyleInfo``)."""

    name: str
    path: Path
    builtin: bool
    description: str
    thumbnail: imaging.RGB8


#: A store action run on the side thread: what it did ("list", "import", ...) and its detail.
_Action: TypeAlias = Callable[[threading.Event], tuple[str, Any]]
#: What a side task hands back: the action's (what, detail), then the styles and problems read.
_Outcome: TypeAlias = tuple[str, Any, list[StyleEntry], list[str]]


class FastStylesPanel(QWidget):
    """Thumbnails of the fast styles; click one to paint the photo with it."""

    apply_requested = Signal(str)  # the style's name
    train_requested = Signal()
    resume_requested = Signal()
    message = Signal(str, bool)  # text, is_error
    listed = Signal()  # the list has been (re)read

    def __init__(self, runner: TaskRunner, store: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._store = store  # a FastStyleStore; made on the side thread when None (torch)
        self._store_lock = threading.Lock()
        self._entries: list[StyleEntry] = []
        self._generation = -1
        self._want_select: str | None = None
        self._listed_once = False
        self._count = 0
        self._last_click = ("", -1e9)
        self.last_dir = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 44, THUMB + 40))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)
        self.list.setToolTip("Click a style to paint the photo with it at once")
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)  # Enter, or a platform's activation click
        self.list.currentItemChanged.connect(self._update_buttons)
        self.empty_label = QLabel(
            "No fast styles yet. Train one from the paintings on the left, or import a .nststyle file."
        )
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #9a9aa2;")
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        row = QHBoxLayout()
        self.train_button = QPushButton("Train from these paintings…")
        self.train_button.setToolTip(
            "Teach a new fast style the look of the paintings on the left, from a folder of your photos"
        )
        self.train_button.clicked.connect(self.train_requested)
        self.resume_button = QPushButton("Resume training")
        self.resume_button.setToolTip("Continue the stopped training from its last checkpoint")
        self.resume_button.clicked.connect(self.resume_requested)
        self.resume_button.hide()
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add a .nststyle file to your styles")
        self.import_button.clicked.connect(self.import_style)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the selected style as a file to share or back up")
        self.export_button.clicked.connect(self.export_style)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected style (only your own; built-ins stay)")
        self.delete_button.clicked.connect(self.delete_style)
        for button in (self.train_button, self.resume_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.import_button, self.export_button, self.delete_button):
            row.addWidget(button)
        layout.addLayout(row)
        runner.finished.connect(self._on_task_finished)
        runner.failed.connect(self._on_task_failed)
        self._show_entries()

    # Listing -----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._listed_once:
            self.refresh()

    def store(self) -> Any:
        """The style store (called on the side thread: building one imports torch)."""
        with self._store_lock:
            if self._store is None:
                from nst_desktop.engine.fast.store import FastStyleStore

                self._store = FastStyleStore()
            return self._store

    def refresh(self, select: str | None = None) -> None:
        """Re-read the styles in the background; ``select`` the named one when they arrive."""
        self._listed_once = True
        if select is not None:
            self._want_select = select
        self._submit(lambda cancel: ("list", None))

    def _submit(self, action: _Action, essential: bool = False) -> None:
        """Run ``action`` on the side thread, then list again (one task, so they keep their order).

        ``essential``: it writes or deletes a file, so a closing app waits for it."""

        def task(cancel: threading.Event) -> _Outcome:
            what, detail = action(cancel)
            store = self.store()
            entries = [
                StyleEntry(s.name, s.path, s.builtin, s.description, s.thumbnail.copy()) for s in store.list()
            ]
            problems = [p.message for p in store.problems]
            return what, detail, entries, problems

        # Store actions must never replace one another in the queue: each gets its own key.
        self._count += 1
        self._generation = self.runner.submit(f"{KEY}-{id(self)}-{self._count}", task, essential=essential)

    @Slot(str, int, object)
    def _on_task_finished(self, key: str, generation: int, value: object) -> None:
        if not key.startswith(f"{KEY}-{id(self)}-"):
            return
        # The runner's signal carries ``object``; a key of ours means it is what task() returned.
        what, detail, entries, problems = cast(_Outcome, value)
        self._entries = list(entries)
        self._show_entries()
        if what == "import":
            self._want_select = detail
            self.message.emit(f"Imported the fast style '{detail}'.", False)
        elif what == "export":
            self.message.emit(f"Exported the style to {user_paths.shown_name(detail)}.", False)
        elif what == "delete":
            self.message.emit(f"Deleted the fast style '{detail}'.", False)
        if problems and what == "list":
            self.message.emit(f"Some fast style files could not be read: {problems[0]}", True)
        if self._want_select is not None:
            self.select(self._want_select)
            self._want_select = None
        self.listed.emit()

    @Slot(str, int, object)
    def _on_task_failed(self, key: str, generation: int, error: object) -> None:
        if not key.startswith(f"{KEY}-{id(self)}-"):
            return
        from ..worker import failure_message

        self.message.emit(failure_message(error) if isinstance(error, BaseException) else str(error), True)

    def _show_entries(self) -> None:
        current = self.selected_name()
        self.list.clear()
        for entry in self._entries:
            name = capped(" ".join(entry.name.split()), 80)
            label = f"{name}\n(built-in)" if entry.builtin else name
            item = QListWidgetItem(QIcon(QPixmap.fromImage(imaging.array_to_qimage(entry.thumbnail))), label)
            item.setData(NAME_ROLE, entry.name)
            item.setData(BUILTIN_ROLE, entry.builtin)
            tip = capped(entry.description or entry.name, 300)
            item.setToolTip(plain_tooltip(f"{tip}\n{'Built-in style' if entry.builtin else str(entry.path)}"))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(item)
        self.list.setVisible(bool(self._entries))
        self.empty_label.setVisible(not self._entries)
        if current is not None:
            self.select(current, notify=False)
        self._update_buttons()

    def entries(self) -> list[StyleEntry]:
        return list(self._entries)

    def names(self) -> list[str]:
        return [e.name for e in self._entries]

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(NAME_ROLE)) if item is not None else None

    def select(self, name: str, notify: bool = False) -> bool:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if str(item.data(NAME_ROLE)).casefold() == name.casefold():
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
                if notify:
                    self.apply_requested.emit(str(item.data(NAME_ROLE)))
                return True
        return False

    def click(self, name: str) -> bool:
        """Select ``name`` as a click would, painting with it (for tests and menus)."""
        return self.select(name, notify=True)

    @Slot(QListWidgetItem)
    def _on_clicked(self, item: QListWidgetItem) -> None:
        name = str(item.data(NAME_ROLE))
        now = time.monotonic()
        last_name, last_time = self._last_click
        if name == last_name and now - last_time < 0.4:
            return  # the click and the activation of one click: paint once
        self._last_click = (name, now)
        self.apply_requested.emit(name)

    @Slot()
    def _update_buttons(self, *_: object) -> None:
        item = self.list.currentItem()
        self.export_button.setEnabled(item is not None)
        self.delete_button.setEnabled(item is not None and not bool(item.data(BUILTIN_ROLE)))

    def set_resumable(self, text: str | None) -> None:
        """Show Resume (with ``text`` as its tooltip) while a stopped training can continue."""
        self.resume_button.setVisible(text is not None)
        if text is not None:
            self.resume_button.setToolTip(text)

    def set_busy(self, busy: bool) -> None:
        self.train_button.setEnabled(not busy)
        self.resume_button.setEnabled(not busy)

    # Import / export / delete ------------------------------------------------------------------

    def import_style(self) -> None:
        path = self.ask_open_file()
        if path is None:
            return
        self.last_dir = str(path.parent)
        problem = user_paths.problem(path)
        if problem:
            self.message.emit(problem, True)
            return

        def action(cancel: threading.Event) -> tuple[str, str]:
            return "import", self.store().import_file(path).name

        self._submit(action, essential=True)

    def export_style(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        path = self.ask_save_file(f"{name}.nststyle")
        if path is None:
            return
        self.last_dir = str(path.parent)
        problem = user_paths.save_problem(path)
        if problem:
            self.message.emit(problem, True)
            return
        self._submit(lambda cancel: ("export", str(self.store().export(name, path))), essential=True)

    def delete_style(self) -> None:
        item = self.list.currentItem()
        if item is None or bool(item.data(BUILTIN_ROLE)):
            return
        name = str(item.data(NAME_ROLE))
        if not self.confirm(f"Delete the fast style '{name}'? This cannot be undone."):
            return

        def action(cancel: threading.Event) -> tuple[str, str]:
            self.store().delete(name)
            return "delete", name

        self._submit(action, essential=True)

    # Dialog hooks (tests replace these) --------------------------------------------------------

    def ask_open_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Import a fast style", self.last_dir, STYLE_FILTER)
        return Path(name) if name else None

    def ask_save_file(self, suggested: str) -> Path | None:
        start = str(Path(self.last_dir) / suggested) if self.last_dir else suggested
        name, _ = QFileDialog.getSaveFileName(self, "Export the fast style", start, STYLE_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".nststyle")

    def confirm(self, text: str) -> bool:
        return ask_yes_no(self, text)
