"""The session's history as a strip of thumbnails: pick one, star, save, delete or compare two.

The strip only shows :class:`~nst_desktop.engine.versions.Version` records and asks for things
through signals; the window owns the :class:`~nst_desktop.engine.versions.VersionStore` and
does the work, then tells the strip (:meth:`HistoryStrip.update_version`,
:meth:`HistoryStrip.remove_version`). So the strip never touches the disk except in
:meth:`HistoryStrip.load_from`, which reads the small thumbnails once.

Newest at the right, like a film strip that grows as you work. Every action is reachable three
ways: the buttons beside the strip, the context menu (right-click or the Menu key) and keys on
the focused strip (S stars, Delete deletes, C marks or compares, Esc forgets the mark).
Comparing: Ctrl+click another version, or mark one with C (an "A" badge) and press C on another.

Two windows may share one history folder. :meth:`HistoryStrip.watch` makes the strip follow
the folder (a :class:`QFileSystemWatcher`, debounced, since one version is several files
written in turn): versions another window adds, stars or deletes show here too. A version this
window shows before its files are written is left alone until the folder has had it once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QFileSystemWatcher,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
)

from nst_desktop.engine.versions import DEFAULT_LIMIT, Version, VersionStore

from ..imaging import array_to_qimage
from ..plain_text import capped, plain_tooltip

__all__ = ["HistoryStrip"]

CELL = QSize(100, 80)
"""One version's cell: the thumbnail above, its time below."""
THUMB_BOX = QSize(92, 56)
Thumbnail = QImage | npt.NDArray[np.uint8]
"""A thumbnail as the store reads it (an array) or as Qt holds it."""
ID_ROLE = Qt.ItemDataRole.UserRole
VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
MARKED_ROLE = Qt.ItemDataRole.UserRole + 2
PIXMAP_ROLE = Qt.ItemDataRole.UserRole + 3

_STAR = QColor(255, 196, 0)
_STOPPED = QColor(196, 82, 20, 225)
_MARK = QColor(40, 120, 220)


def _empty_text(limit: int) -> str:
    return (
        "No versions yet. Each finished or stopped picture appears here, newest on the right; "
        f"the history keeps the last {limit} (star one to keep it for good)."
    )


def accessible_text(version: Version) -> str:
    """What a screen reader says for one cell (and what keyboard search matches)."""
    parts = [version.time_text(), version.status_text()]
    if version.starred:
        parts.append("starred")
    if version.saved:
        parts.append("saved")
    return ", ".join(parts)


class _Delegate(QStyledItemDelegate):
    """Draws a cell: thumbnail, the stopped band, the star, the compare mark and the time."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return CELL

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        version = index.data(VERSION_ROLE)
        if not isinstance(version, Version):
            return
        rect: QRect = option.rect
        state = option.state
        palette: QPalette = option.palette
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if selected:
            painter.fillRect(rect.adjusted(1, 1, -1, -1), palette.color(QPalette.ColorRole.Highlight))
        box = QRect(
            rect.x() + (rect.width() - THUMB_BOX.width()) // 2,
            rect.y() + 4,
            THUMB_BOX.width(),
            THUMB_BOX.height(),
        )
        painter.fillRect(box, QColor(40, 40, 44))
        pixmap = index.data(PIXMAP_ROLE)
        picture = box
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            picture = QRect(
                box.x() + (box.width() - scaled.width()) // 2,
                box.y() + (box.height() - scaled.height()) // 2,
                scaled.width(),
                scaled.height(),
            )
            painter.drawPixmap(picture, pixmap)
        else:
            painter.setPen(QColor(170, 170, 175))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "no preview")
        small = QFont(option.font)
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.82))
        painter.setFont(small)
        if not version.complete:
            band = QRect(box.x(), box.bottom() - 15, box.width(), 16)
            painter.fillRect(band, _STOPPED)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, version.status_text())
        if version.starred:
            self._star(painter, QRect(box.right() - 20, box.y() + 2, 19, 19))
        if index.data(MARKED_ROLE):
            corner = QRect(box.x() + 2, box.y() + 2, 19, 19)
            self._badge(painter, corner, _MARK, QColor(255, 255, 255), "A")
        caption = QRect(rect.x() + 4, box.bottom() + 3, rect.width() - 8, rect.bottom() - box.bottom() - 4)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(caption, left, version.time_text())
        if version.saved:
            painter.drawText(caption, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "saved")
        if state & QStyle.StateFlag.State_HasFocus:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight).lighter(150))
            pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()

    @staticmethod
    def _star(painter: QPainter, rect: QRect) -> None:
        """A gold five-pointed star on a dark disc, drawn as a shape: no font needs the glyph."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawEllipse(rect)
        centre = QPointF(rect.center())
        outer, inner = rect.width() * 0.45, rect.width() * 0.19
        points = [
            centre
            + QPointF(
                (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
                -(outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5),
            )
            for i in range(10)
        ]
        painter.setBrush(_STAR)
        painter.drawPolygon(QPolygonF(points))

    @staticmethod
    def _badge(painter: QPainter, rect: QRect, back: QColor, fore: QColor, text: str) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(back)
        painter.drawEllipse(rect)
        painter.setPen(fore)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        font.setBold(False)
        painter.setFont(font)


class _StripList(QListWidget):
    """The list itself: a right-click never moves the selection, Ctrl+click compares."""

    ctrl_clicked = Signal(QListWidgetItem)
    current_clicked = Signal()
    context_requested = Signal(QListWidgetItem, QPoint)
    key_action = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setGridSize(QSize(CELL.width() + 4, CELL.height() + 2))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setItemDelegate(_Delegate(self))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(CELL.height() + scroll + 2 * self.frameWidth() + 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("History of versions")
        self.follow_end = False
        """Keep the newest version (the right end) in view while the strip is laid out, until
        the artist scrolls or clicks: a strip filled before it is shown has no width yet."""
        bar = self.horizontalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.actionTriggered.connect(self._stop_following)

    def scroll_to_end(self) -> None:
        """Show the newest versions now and whenever the strip's width changes, until the
        artist moves it (see :attr:`follow_end`)."""
        self.follow_end = True
        bar = self.horizontalScrollBar()
        bar.setValue(bar.maximum())

    def _on_range_changed(self, _low: int, high: int) -> None:
        if self.follow_end:
            self.horizontalScrollBar().setValue(high)

    def _stop_following(self, _action: int = 0) -> None:
        self.follow_end = False

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space:
            event.ignore()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._stop_following()
        item = self.itemAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()  # the context menu follows; the selection stays where it was
            return
        if (
            event.button() == Qt.MouseButton.LeftButton
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and item is not None
        ):
            self.ctrl_clicked.emit(item)
            event.accept()
            return
        was_current = item is not None and item is self.currentItem()
        super().mousePressEvent(event)
        if was_current and event.button() == Qt.MouseButton.LeftButton:
            self.current_clicked.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        """An ordinary (vertical) mouse wheel scrolls the strip sideways: it has no other way."""
        self._stop_following()
        delta = event.angleDelta()
        if delta.x() == 0 and delta.y() != 0:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - delta.y() * CELL.width() // 120)
            event.accept()
            return
        super().wheelEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        point = event.globalPos()
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            item = self.itemAt(event.pos())
        else:  # the Menu key or Shift+F10: the focused version
            item = self.currentItem()
            if item is not None:
                point = self.viewport().mapToGlobal(self.visualItemRect(item).center())
        if item is not None:
            self.context_requested.emit(item, point)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Space:
            event.ignore()  # for the window: held, it shows the other version of a comparison
            return
        self._stop_following()
        keys = {
            Qt.Key.Key_S: "star",
            Qt.Key.Key_Delete: "delete",
            Qt.Key.Key_C: "compare",
            Qt.Key.Key_Escape: "unmark",
        }
        action = keys.get(Qt.Key(event.key()))
        if action is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.key_action.emit(action)
            event.accept()
            return
        super().keyPressEvent(event)


class HistoryStrip(QWidget):
    """The session's versions, newest at the right, with star, compare, save and delete.

    The strip asks, the window acts: ``star_toggled`` carries the wanted state, and the window
    answers with :meth:`update_version` (or :meth:`remove_version` after ``delete_requested``).
    """

    selected = Signal(str)
    star_toggled = Signal(str, bool)
    delete_requested = Signal(str)
    save_requested = Signal(str)
    compare_requested = Signal(str, str)
    settings_requested = Signal(str)
    """The artist wants this version's settings in the controls, as the start of the next try."""

    def __init__(self, parent: QWidget | None = None, *, limit: int = DEFAULT_LIMIT) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryStrip")
        self._items: dict[str, QListWidgetItem] = {}
        self._mark: str | None = None
        self._quiet = False
        # Following the folder (watch()): the store, the watcher, the debounce, and the ids the
        # folder has held (only those can have been deleted elsewhere; others are still pending).
        self._store: VersionStore | None = None
        self._watcher: QFileSystemWatcher | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.timeout.connect(self.sync)
        self._on_disk: set[str] = set()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        buttons = QGridLayout()
        buttons.setSpacing(2)
        self.title = QLabel("History")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        buttons.addWidget(self.title, 0, 0, 1, 2)
        self.star_button = _button("☆ Star", "Star the selected version: it is kept for good (S)")
        self.star_button.setCheckable(True)
        self.star_button.clicked.connect(self._on_star_button)
        self.compare_button = _button(
            "Compare",
            "Mark the selected version as A, then pick another and press Compare again (C); "
            "or Ctrl+click another version",
        )
        self.compare_button.clicked.connect(self._compare_key)
        self.save_button = _button("Save…", "Save the selected version as a file, with its settings")
        self.save_button.clicked.connect(self._on_save_button)
        self.delete_button = _button("Delete", "Delete the selected version from the history (Delete)")
        self.delete_button.clicked.connect(self._on_delete_button)
        # Two by two, so the strip stays as low as its thumbnails and the picture keeps the height.
        grid = (self.star_button, self.compare_button, self.save_button, self.delete_button)
        # Wide enough for their longest texts ("★ Starred", "Compare with A"), so the strip
        # does not move under the pointer when they change.
        metrics = self.star_button.fontMetrics()
        width = max(metrics.horizontalAdvance(t) for t in ("★ Starred", "Compare with A", "Delete")) + 16
        for i, button in enumerate(grid):
            button.setFixedWidth(width)
            buttons.addWidget(button, 1 + i // 2, i % 2)
        buttons.setRowStretch(3, 1)
        layout.addLayout(buttons)

        self.stack = QStackedWidget()
        self.list = _StripList()
        self.empty_label = QLabel(_empty_text(limit))
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)
        self.empty_label.setFixedHeight(self.list.height())
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.list)
        self.stack.setFixedHeight(self.list.height())
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.stack, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.current_clicked.connect(self._on_current_clicked)
        self.list.ctrl_clicked.connect(self._on_ctrl_click)
        self.list.context_requested.connect(self._show_menu)
        self.list.key_action.connect(self._on_key)
        self._refresh_state()

    # Content -------------------------------------------------------------------------------

    def set_versions(
        self,
        versions: Sequence[Version],
        thumbnails: Mapping[str, Thumbnail | None] | None = None,
    ) -> None:
        """Show exactly these versions (in the order given: oldest first), keeping the selection
        in view, else the newest (at the right end)."""
        keep = self.selected_id()
        self._quiet = True
        try:
            self.list.clear()
            self._items.clear()
            for version in versions:
                self._append(version, (thumbnails or {}).get(version.id))
            if keep is not None and keep in self._items:
                self.list.setCurrentItem(self._items[keep])
                self.list.scrollToItem(self._items[keep])
            else:
                self.list.scroll_to_end()
        finally:
            self._quiet = False
        if self._mark not in self._items:
            self._mark = None
        self._refresh_state()

    def load_from(self, store: VersionStore) -> None:
        """Show the store's versions with their thumbnails (read here: small files)."""
        versions = store.versions()
        self.set_versions(versions, {v.id: store.thumbnail(v.id) for v in versions})
        self._on_disk.update(v.id for v in versions)

    # Following the folder ------------------------------------------------------------------

    def watch(self, store: VersionStore, delay_ms: int = 400) -> None:
        """Follow ``store``'s folder: ``delay_ms`` after the last change there, :meth:`sync`.

        The folder may not exist yet (no version written so far): its parent is watched until
        it appears. The strip reads only sidecars that changed and the thumbnails of versions
        new to it (small files), as :meth:`load_from` does.
        """
        self._store = store
        self._on_disk.update(self.ids())  # what the window listed from the store when it filled the strip
        self._debounce.setInterval(max(0, delay_ms))
        if self._watcher is None:
            self._watcher = QFileSystemWatcher(self)
            self._watcher.directoryChanged.connect(self._on_folder_changed)
        self._watch_folder()

    def _watch_folder(self) -> None:
        if self._store is None or self._watcher is None:
            return
        folder = self._store.folder
        target = folder
        while not target.is_dir() and target.parent != target:
            target = target.parent  # not made yet: the nearest folder that is there
        wanted = str(target)
        current = self._watcher.directories()
        if wanted not in current:
            if current:
                self._watcher.removePaths(current)
            if target.is_dir():
                self._watcher.addPath(wanted)

    @Slot(str)
    def _on_folder_changed(self, _path: str) -> None:
        self._debounce.start()

    def sync(self) -> None:
        """Show what the watched folder holds now: versions added, changed (starred, saved) or
        deleted by another window. A version shown here that the folder never held (being
        written by this window) stays; the window removes it if its write fails."""
        store = self._store
        if store is None:
            return
        self._watch_folder()  # the folder may have been made (or removed) meanwhile
        versions = store.versions()
        on_disk = {v.id: v for v in versions}
        for version_id in [i for i in self._items if i not in on_disk and i in self._on_disk]:
            self.remove_version(version_id)
            self._on_disk.discard(version_id)
        for version in versions:
            self._on_disk.add(version.id)
            shown = self.version(version.id)
            if shown is None:
                self._insert(version, store.thumbnail(version.id))
            elif shown != version:
                self.update_version(version)

    def add_version(
        self, version: Version, thumbnail: Thumbnail | None = None, *, select: bool = True
    ) -> None:
        """Add a new version at the right (or replace one with the same id) and scroll to it.

        ``select`` makes it the selected version without emitting ``selected``: the window
        already shows the picture it has just made.
        """
        if version.id in self._items:
            self.update_version(version, thumbnail)
        else:
            self._append(version, thumbnail)
        item = self._items[version.id]
        if select:
            self.select(version.id)
        self.list.scrollToItem(item)
        self._refresh_state()

    def update_version(self, version: Version, thumbnail: Thumbnail | None = None) -> None:
        """Show a changed record (starred, saved) in place; unknown ids are ignored."""
        item = self._items.get(version.id)
        if item is None:
            return
        self._fill(item, version)
        if thumbnail is not None:
            item.setData(PIXMAP_ROLE, _pixmap(thumbnail))
        self._refresh_state()

    def remove_version(self, version_id: str) -> None:
        """Take a version out; if it was the selected one, none is selected afterwards (the
        window decides what the preview shows instead), and nothing is emitted."""
        item = self._items.pop(version_id, None)
        if item is None:
            return
        if self._mark == version_id:
            self._mark = None
        was_selected = item is self.list.currentItem()
        self._quiet = True
        try:
            self.list.takeItem(self.list.row(item))
            if was_selected:
                self.list.setCurrentRow(-1)
                self.list.clearSelection()
        finally:
            self._quiet = False
        self._refresh_state()

    def clear(self) -> None:
        self.set_versions([])

    def ids(self) -> list[str]:
        """The shown versions' ids, left (oldest) to right (newest)."""
        return [str(self.list.item(row).data(ID_ROLE)) for row in range(self.list.count())]

    def version(self, version_id: str) -> Version | None:
        item = self._items.get(version_id)
        value = item.data(VERSION_ROLE) if item is not None else None
        return value if isinstance(value, Version) else None

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(ID_ROLE))

    def select(self, version_id: str | None, *, notify: bool = False) -> None:
        """Make a version the selected one (``None``: none); ``notify`` emits ``selected``."""
        item = self._items.get(version_id) if version_id is not None else None
        self._quiet = not notify
        try:
            if item is None:
                self.list.setCurrentRow(-1)
                self.list.clearSelection()
            else:
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
        finally:
            self._quiet = False
        self._refresh_state()

    def compare_mark(self) -> str | None:
        """The version marked "A" for comparing, if any."""
        return self._mark

    def mark_for_compare(self, version_id: str | None) -> None:
        if self._mark is not None and self._mark in self._items:
            self._items[self._mark].setData(MARKED_ROLE, False)
        self._mark = version_id if version_id in self._items else None
        if self._mark is not None:
            self._items[self._mark].setData(MARKED_ROLE, True)
        self._refresh_state()

    # Internals -----------------------------------------------------------------------------

    def _insert(self, version: Version, thumbnail: Thumbnail | None) -> None:
        """Add a version where its time puts it (the strip runs oldest to newest)."""
        key = (version.created, version.id)
        row = 0
        for row in range(self.list.count(), 0, -1):
            shown = self.list.item(row - 1).data(VERSION_ROLE)
            if not isinstance(shown, Version) or (shown.created, shown.id) < key:
                break
        else:
            row = 0
        item = QListWidgetItem()
        item.setSizeHint(CELL)
        self._fill(item, version)
        if thumbnail is not None:
            item.setData(PIXMAP_ROLE, _pixmap(thumbnail))
        self._quiet = True
        try:
            self.list.insertItem(row, item)
        finally:
            self._quiet = False
        self._items[version.id] = item
        self._refresh_state()

    def _append(self, version: Version, thumbnail: Thumbnail | None) -> None:
        item = QListWidgetItem()
        item.setSizeHint(CELL)
        self._fill(item, version)
        if thumbnail is not None:
            item.setData(PIXMAP_ROLE, _pixmap(thumbnail))
        self.list.addItem(item)
        self._items[version.id] = item

    def _fill(self, item: QListWidgetItem, version: Version) -> None:
        item.setData(ID_ROLE, version.id)
        item.setData(VERSION_ROLE, version)
        item.setData(MARKED_ROLE, version.id == self._mark)
        item.setText(accessible_text(version))
        item.setToolTip(plain_tooltip(version.summary(), 800))

    def _refresh_state(self) -> None:
        count = self.list.count()
        self.stack.setCurrentWidget(self.list if count else self.empty_label)
        self.title.setText(f"History ({count})" if count else "History")
        current = self.version(self.selected_id() or "")
        for button in (self.star_button, self.compare_button, self.save_button, self.delete_button):
            button.setEnabled(current is not None)
        starred = current is not None and current.starred
        self.star_button.setChecked(starred)
        self.star_button.setText("★ Starred" if starred else "☆ Star")
        if self._mark is None:
            self.compare_button.setText("Compare")
        else:
            self.compare_button.setText("Compare with A")
            self.compare_button.setEnabled(current is not None and current.id != self._mark)

    def _emit_compare(self, first: str, second: str) -> None:
        self.mark_for_compare(None)
        self.compare_requested.emit(first, second)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_current_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        self._refresh_state()
        if current is not None and not self._quiet:
            self.selected.emit(str(current.data(ID_ROLE)))

    @Slot()
    def _on_current_clicked(self) -> None:
        """A click on the selected version shows it again (say, after the live preview)."""
        current = self.selected_id()
        if current is not None:
            self.selected.emit(current)

    @Slot(QListWidgetItem)
    def _on_ctrl_click(self, item: QListWidgetItem) -> None:
        other = str(item.data(ID_ROLE))
        base = self._mark or self.selected_id()
        if base is None:
            self.select(other, notify=True)
        elif base != other:
            self._emit_compare(base, other)

    @Slot(str)
    def _on_key(self, action: str) -> None:
        current = self.selected_id()
        if action == "unmark":
            self.mark_for_compare(None)
        elif current is None:
            return
        elif action == "star":
            self._toggle_star(current)
        elif action == "delete":
            self.delete_requested.emit(current)
        elif action == "compare":
            self._compare_key()

    @Slot()
    def _compare_key(self) -> None:
        current = self.selected_id()
        if current is None:
            return
        if self._mark is None:
            self.mark_for_compare(current)
        elif self._mark == current:
            self.mark_for_compare(None)
        else:
            self._emit_compare(self._mark, current)

    def _toggle_star(self, version_id: str) -> None:
        version = self.version(version_id)
        if version is not None:
            self.star_toggled.emit(version_id, not version.starred)

    @Slot()
    def _on_star_button(self) -> None:
        current = self.selected_id()
        if current is not None:
            self._toggle_star(current)
        self._refresh_state()  # the check follows the record, not the click

    @Slot()
    def _on_save_button(self) -> None:
        current = self.selected_id()
        if current is not None:
            self.save_requested.emit(current)

    @Slot()
    def _on_delete_button(self) -> None:
        current = self.selected_id()
        if current is not None:
            self.delete_requested.emit(current)

    def build_menu(self, version_id: str) -> QMenu:
        """The context menu for one version (separate from showing it, so tests can use it)."""
        menu = QMenu(self)
        version = self.version(version_id)
        if version is None:
            return menu
        current = self.selected_id()
        menu.addAction("Show this version", lambda: self.select(version_id, notify=True))
        menu.addAction("Use these settings", lambda: self.settings_requested.emit(version_id))
        menu.addAction(
            "Unstar" if version.starred else "Star (keep for good)",
            lambda: self.star_toggled.emit(version_id, not version.starred),
        )
        menu.addAction("Save as…", lambda: self.save_requested.emit(version_id))
        menu.addSeparator()
        with_selected = menu.addAction(
            "Compare with the selected version", lambda: self._emit_compare(current or "", version_id)
        )
        with_selected.setEnabled(current is not None and current != version_id)
        if self._mark is not None and self._mark != version_id:
            mark = self._mark
            menu.addAction("Compare with the version marked A", lambda: self._emit_compare(mark, version_id))
        elif self._mark == version_id:
            menu.addAction("Forget the A mark", lambda: self.mark_for_compare(None))
        else:
            menu.addAction("Mark as A for comparing", lambda: self.mark_for_compare(version_id))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete_requested.emit(version_id))
        return menu

    @Slot(QListWidgetItem, QPoint)
    def _show_menu(self, item: QListWidgetItem, point: QPoint) -> None:
        menu = self.build_menu(str(item.data(ID_ROLE)))
        menu.exec(point)
        menu.deleteLater()


def _button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(capped(text, 40))
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button


def _pixmap(image: Thumbnail) -> QPixmap:
    qimage = image if isinstance(image, QImage) else array_to_qimage(image)
    return QPixmap.fromImage(qimage)
