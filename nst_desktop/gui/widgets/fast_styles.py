"""The fast-style gallery: built-in and the artist's own styles, one click to paint with one.

Reading style files needs torch (the store parses them), so listing, importing, exporting and
deleting run as side tasks (:class:`~nst_desktop.gui.side_tasks.TaskRunner`); the list is read
the first time the panel is shown. The panel asks the window to paint (``apply_requested``)
and to train (``train_requested``); the questions it asks go through small hook methods that
tests replace. Import, export, rename and delete are the flows every named-file panel shares
(:class:`~.named_files.NamedFileActions`), run here on the side thread.

A fast style is only worth training if it paints better than the free instant picture, so each
card shows what the style measured ("≈ 50 steps": as good as that many optimiser steps) and
marks one that came out worse than the instant picture. The cards are painted by
:class:`StyleCardDelegate` so that any number of styles and names of any length stay inside
their cells: a name is elided on one line, the full one is in the tooltip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPen, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from .. import imaging
from ..plain_text import capped, plain_tooltip
from ..side_tasks import TaskRunner
from .named_files import Dialogs, NamedFileActions, Words

if TYPE_CHECKING:
    from nst_desktop.engine.fast.quality import Quality  # imports torch: never at run time here

THUMB = 56
#: A card: the thumbnail on the left, name, quality and origin on three lines beside it.
CARD_WIDTH = 180
PAD = 4
STYLE_FILTER = "nst-desktop fast style (*.nststyle);;All files (*)"
WORDS = Words("fast style", STYLE_FILTER, ".nststyle")
NAME_ROLE = Qt.ItemDataRole.UserRole
BUILTIN_ROLE = Qt.ItemDataRole.UserRole + 1
CAPTION_ROLE = Qt.ItemDataRole.UserRole + 2
WORSE_ROLE = Qt.ItemDataRole.UserRole + 3
KEY = "fast-styles"
#: The mark of a style worse than the instant picture (frame and caption).
WORSE_COLOUR: Final = "#c0392b"

#: The three ways to paint, from a first look to the best picture (the tab's tooltip).
THREE_WAYS: Final = (
    "Three ways to paint, from a first look to the best picture:\n"
    "• Instant picture: any painting, a first look in a fraction of a second.\n"
    "• Fast style: a network trained once for one painting; then any photo in a moment, "
    "for batches, print size and repeated work. Each shows its measured quality: "
    '"≈ 50 steps" is about as good as 50 optimiser steps.\n'
    "• Paint: the optimiser, the best picture, in minutes on a CPU."
)
INTRO: Final = "Trained once per painting, then any photo in a moment: batches, print size, repeats."
LOADING: Final = "Loading styles…"
EMPTY: Final = "No fast styles yet. Train one from the paintings on the left, or import a .nststyle file."


@dataclass(frozen=True)
class QualityNote:
    """What the window says of a style's measured quality: a caption, a sentence, a mark."""

    caption: str
    sentence: str
    worse_than_instant: bool = False

    @classmethod
    def of(cls, quality: Quality | None) -> QualityNote:
        """The note for ``quality`` (None: the style was never measured)."""
        if quality is None:
            return NOT_MEASURED
        if quality.worse_than_instant:
            return cls("below instant", quality.sentence(), worse_than_instant=True)
        if quality.matches_steps:
            return cls(f"≈ {quality.matches_steps} steps", quality.sentence())
        smallest = min(quality.optimiser, default=10)
        return cls(f"under {smallest} steps", quality.sentence())


NOT_MEASURED: Final = QualityNote("not measured", "Its quality was not measured.")


@dataclass(frozen=True)
class StyleEntry:
    """What the gallery shows of one style (a plain copy of the store's ``FastStyleInfo``)."""

    name: str
    path: Path
    builtin: bool
    description: str
    thumbnail: imaging.RGB8
    quality: QualityNote = NOT_MEASURED


class StyleCardDelegate(QStyledItemDelegate):
    """Paints one style as a card: thumbnail, then its name, quality and origin, each on one
    elided line, so that no text ever leaves its cell whatever the names or the count."""

    @staticmethod
    def caption_font(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * 0.9))
        return small

    @classmethod
    def card_size(cls, font: QFont) -> QSize:
        lines = QFontMetrics(font).height() + 2 * QFontMetrics(cls.caption_font(font)).height()
        return QSize(CARD_WIDTH, max(THUMB, lines) + 2 * PAD)

    def sizeHint(  # noqa: N802 - Qt override
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self.card_size(option.font)

    def layout(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[QRect, list[tuple[QRect, str, QFont]]]:
        """The thumbnail's rectangle and each text line (its rectangle, elided text and font)."""
        rect: QRect = option.rect
        font: QFont = option.font
        thumb = QRect(rect.left() + PAD, rect.top() + (rect.height() - THUMB) // 2, THUMB, THUMB)
        left = thumb.right() + 1 + 2 * PAD
        width = max(0, rect.right() - PAD - left + 1)
        small = self.caption_font(font)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "").split("\n")[0]  # capped, printable
        caption = str(index.data(CAPTION_ROLE) or "")
        origin = "built-in" if bool(index.data(BUILTIN_ROLE)) else "yours"
        lines = []
        top = rect.top() + PAD
        for text, line_font in ((name, font), (caption, small), (origin, small)):
            metrics = QFontMetrics(line_font)
            shown = metrics.elidedText(" ".join(text.split()), Qt.TextElideMode.ElideRight, width)
            lines.append((QRect(left, top, width, metrics.height()), shown, line_font))
            top += metrics.height()
        return thumb, lines

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget: QWidget | None = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        background = QStyleOptionViewItem(opt)
        background.text = ""
        background.icon = QIcon()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        thumb, lines = self.layout(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        worse = bool(index.data(WORSE_ROLE))
        painter.save()
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            icon.paint(painter, thumb)
        if worse:
            painter.setPen(QPen(QColor(WORSE_COLOUR), 3))
            painter.drawRect(thumb.adjusted(1, 1, -2, -2))
        for n, (line_rect, text, font) in enumerate(lines):
            painter.setFont(font)
            colour = QColor(text_colour)
            if n == 1 and worse and not selected:
                colour = QColor(WORSE_COLOUR)
            elif n > 0 and not selected:
                colour.setAlphaF(0.7)
            painter.setPen(colour)
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(line_rect, int(align), text)
        painter.restore()


#: What a side task hands back: the store call's result, then the styles and problems read.
_Outcome: TypeAlias = tuple[Any, list[StyleEntry], list[str]]
#: What to do on the GUI thread when a store call ends: with its result, or with its error.
_Callbacks: TypeAlias = tuple[Callable[[Any], None], Callable[[BaseException], None]]


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
        self._loaded = False  # a listing has arrived (until then the gallery says "Loading…")
        self._count = 0
        self._last_click = ("", -1e9)
        self._pending: dict[str, _Callbacks] = {}
        dialogs = Dialogs(
            ask_open=lambda: self.ask_open_file(),
            ask_save=lambda suggested: self.ask_save_file(suggested),
            ask_text=lambda title, label, text: self.ask_text(title, label, text),
            confirm=lambda question: self.confirm(question),
        )
        self.files = NamedFileActions(WORDS, self.store, self._run, dialogs, self)
        self.files.message.connect(self.message)
        self.files.changed.connect(lambda name: self.select(name) if name else None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.intro = QLabel(INTRO)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setWordWrap(True)
        self.intro.setToolTip(THREE_WAYS)
        layout.addWidget(self.intro)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.ListMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setSpacing(2)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.delegate = StyleCardDelegate(self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setToolTip("Click a style to paint the photo with it at once")
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)  # Enter, or a platform's activation click
        self.list.currentItemChanged.connect(self._update_buttons)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_menu)
        self.empty_label = QLabel(LOADING)
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
        self._submit(lambda: None)

    def _run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        """Run a store call on the side thread, then ``done``/``failed`` here; it writes or
        deletes a file, so a closing app waits for it."""
        self._submit(work, (done, failed))

    def _submit(self, work: Callable[[], Any], callbacks: _Callbacks | None = None) -> None:
        """Run ``work`` on the side thread, then list again (one task, so they keep their order)."""

        def task(cancel: threading.Event) -> _Outcome:
            result = work()
            store = self.store()
            entries = [
                StyleEntry(
                    s.name,
                    s.path,
                    s.builtin,
                    s.description,
                    s.thumbnail.copy(),
                    QualityNote.of(s.quality),
                )
                for s in store.list()
            ]
            # One sentence for all unreadable files, naming each (the first few), not just the first.
            summary = store.problem_summary()
            if len(store.problems) == 1:
                summary = f"A fast style file could not be read: {summary}"
            problems = [summary] if summary else []
            return result, entries, problems

        # Store actions must never replace one another in the queue: each gets its own key.
        self._count += 1
        key = f"{KEY}-{id(self)}-{self._count}"
        if callbacks is not None:
            self._pending[key] = callbacks
        self._generation = self.runner.submit(key, task, essential=callbacks is not None)

    @Slot(str, int, object)
    def _on_task_finished(self, key: str, generation: int, value: object) -> None:
        if not key.startswith(f"{KEY}-{id(self)}-"):
            return
        # The runner's signal carries ``object``; a key of ours means it is what task() returned.
        result, entries, problems = cast(_Outcome, value)
        callbacks = self._pending.pop(key, None)
        self._entries = list(entries)
        self._loaded = True
        self._show_entries()
        if callbacks is not None:
            callbacks[0](result)
        elif problems:
            self.message.emit(problems[0], True)
        if self._want_select is not None:
            self.select(self._want_select)
            self._want_select = None
        self.listed.emit()

    @Slot(str, int, object)
    def _on_task_failed(self, key: str, generation: int, error: object) -> None:
        if not key.startswith(f"{KEY}-{id(self)}-"):
            return
        from ..worker import failure_message

        if not self._loaded:  # no listing will come: say "none", not "loading" for ever
            self._loaded = True
            self._show_entries()
        callbacks = self._pending.pop(key, None)
        if callbacks is not None and isinstance(error, BaseException):
            callbacks[1](error)
            return
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
            note = entry.quality
            item.setData(CAPTION_ROLE, note.caption)
            item.setData(WORSE_ROLE, note.worse_than_instant)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}, {note.caption}")
            about = capped(entry.description, 300)
            where = "Built-in style" if entry.builtin else str(entry.path)
            lines = [name, about, capped(note.sentence, 300), where]
            item.setToolTip(plain_tooltip("\n".join(line for line in lines if line)))
            self.list.addItem(item)
        self.list.setVisible(bool(self._entries))
        self.empty_label.setText(EMPTY if self._loaded else LOADING)
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

    # Import / export / rename / delete -----------------------------------------------------------

    def import_style(self) -> None:
        self.files.import_file()

    def export_style(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.files.export(name)

    def rename_style(self) -> None:
        item = self.list.currentItem()
        if item is not None and not bool(item.data(BUILTIN_ROLE)):
            self.files.rename(str(item.data(NAME_ROLE)))

    def delete_style(self) -> None:
        item = self.list.currentItem()
        if item is not None and not bool(item.data(BUILTIN_ROLE)):
            self.files.delete(str(item.data(NAME_ROLE)))

    def _show_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        own = not bool(item.data(BUILTIN_ROLE))
        menu = QMenu(self)
        menu.addAction("Rename…", self.rename_style).setEnabled(own)
        menu.addAction("Export…", self.export_style)
        menu.addAction("Delete", self.delete_style).setEnabled(own)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    # Dialog hooks (tests replace these) --------------------------------------------------------

    def ask_open_file(self) -> Path | None:
        return self.files.open_dialog()

    def ask_save_file(self, suggested: str) -> Path | None:
        return self.files.save_dialog(suggested)

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        return self.files.text_dialog(title, label, text)

    def confirm(self, text: str) -> bool:
        return self.files.confirm_dialog(text)
