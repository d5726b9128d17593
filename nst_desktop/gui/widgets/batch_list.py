"""Several photos stylized one after another with the same settings, each with its status.

Each row is a photo and what became of it: waiting, painting, done (with a thumbnail of the
result; a click on it asks the window to show it beside its own photo) or failed (with the
reason written in the row, since a batch runs unattended and a tooltip is easy to miss).
The list also holds the batch's own output options (format, naming pattern, folder); while a
batch runs they are locked, because the batch took them once at its start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine import EngineError
from nst_desktop.engine.images import load_image
from nst_desktop.engine.output_names import DEFAULT_PATTERN, OUTPUT_FORMATS, PATTERN_CHARS, free_batch_path

from .. import imaging
from ..plain_text import capped, plain_tooltip
from ..side_tasks import TaskRunner
from ..threads import ThreadRegistry
from .image_drop import paths_from_mime

log = logging.getLogger(__name__)

WAITING = "Waiting"
FAILED = "Failed"
THUMB = 40
"""Side of a result's thumbnail in the list, in device-independent pixels."""
REASON_CHARS = 300
"""A failure's reason as shown in the row (one line, elided to the column); the tooltip has more."""
RUNNING_NOTE = "Settings are fixed for this batch; changes apply to the next one."

_PHOTO_ROLE = Qt.ItemDataRole.UserRole
_STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
_OUTPUT_ROLE = Qt.ItemDataRole.UserRole + 2
_THUMB_ROLE = Qt.ItemDataRole.UserRole + 3


def _read_thumbnail(path: Path, side: int) -> QImage | None:
    """A small QImage of a result file, read off the GUI thread by the safe reader (regular
    files only, large JPEGs decoded at a reduced size); ``None`` if it cannot be read."""
    try:
        return imaging.array_to_qimage(load_image(path, max_side=side))
    except (EngineError, OSError, MemoryError) as exc:
        log.info("No thumbnail for a batch result: %s", exc)
        return None


class BatchList(QWidget):
    """The queue; the window runs it through the same controller as single runs."""

    files_dropped = Signal(list)  # list[Path]
    add_requested = Signal()
    folder_requested = Signal()
    start_requested = Signal()
    folder_open_failed = Signal(str)  # the folder; no file manager took it
    result_activated = Signal(object, object)  # (result Path, the row's photo Path)
    output_options_changed = Signal()  # the format or naming pattern changed (to persist them)

    def __init__(self, parent: QWidget | None = None, threads: ThreadRegistry | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.output_dir: Path | None = None
        self._running = False
        # Thumbnails are read on a side thread of the app's registry (started on first use);
        # a thumbnail finishing after the list is gone lands nowhere: the runner goes with it.
        self._thumbnails = TaskRunner(self, "nst-thumbnails", threads)
        self._thumbnails.finished.connect(self._on_thumbnail_loaded)
        self._blank = QPixmap(THUMB, THUMB)
        self._blank.fill(Qt.GlobalColor.transparent)
        self._warning: QIcon | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Photo", "Result"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)  # every row has a thumbnail's room, done or not
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.setAcceptDrops(False)
        self.tree.itemClicked.connect(self._on_item_activated)
        self.tree.itemActivated.connect(self._on_item_activated)
        layout.addWidget(self.tree, 1)

        self.running_note = QLabel(RUNNING_NOTE)
        self.running_note.setTextFormat(Qt.TextFormat.PlainText)
        self.running_note.setVisible(False)
        layout.addWidget(self.running_note)

        options = QHBoxLayout()
        self.add_button = QPushButton("Add photos…")
        self.add_button.setToolTip("Add photos to the batch (or drop several photos on the photo area)")
        self.add_button.clicked.connect(self.add_requested)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Empty the list (the pictures already written stay)")
        self.clear_button.clicked.connect(self.clear)
        self.method_combo = QComboBox()
        self.method_combo.setToolTip(
            "How to paint each photo: the optimiser (slow, best), the instant network, or a fast style"
        )
        self.set_fast_styles([])
        self.format_combo = QComboBox()
        for key, (label, _) in OUTPUT_FORMATS.items():
            self.format_combo.addItem(label, key)
        self.format_combo.setToolTip("The file format of every result of the batch")
        self.format_combo.currentIndexChanged.connect(self._on_options_changed)
        self.naming_edit = QLineEdit(DEFAULT_PATTERN)
        self.naming_edit.setMaxLength(PATTERN_CHARS)
        self.naming_edit.setPlaceholderText(DEFAULT_PATTERN)
        pattern_width = self.naming_edit.fontMetrics().horizontalAdvance(DEFAULT_PATTERN)
        self.naming_edit.setMinimumWidth(pattern_width + 16)
        self.naming_edit.setToolTip(
            "How the results are named: {photo} is the photo's name, {style} the painting's or "
            "fast style's, {n} the photo's place in the list. A file already in the folder is "
            "never replaced: -2, -3, … is added instead."
        )
        self.naming_edit.textChanged.connect(self._on_options_changed)
        # Two rows, so the tab fits beside the left panel in a 1024 px wide window.
        options.addWidget(self.add_button)
        options.addWidget(self.clear_button)
        options.addSpacing(8)
        options.addWidget(self._caption("Paint with", self.method_combo))
        options.addWidget(self.method_combo, 1)
        layout.addLayout(options)
        naming = QHBoxLayout()
        naming.addWidget(self._caption("Save as", self.format_combo))
        naming.addWidget(self.format_combo)
        naming.addSpacing(8)
        naming.addWidget(self._caption("Names", self.naming_edit))
        naming.addWidget(self.naming_edit, 1)
        layout.addLayout(naming)
        self.method_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.method_combo.setMinimumContentsLength(18)

        output = QHBoxLayout()
        self.folder_button = QPushButton("Output folder…")
        self.folder_button.setToolTip("Where the finished pictures are written")
        self.folder_button.clicked.connect(self.folder_requested)
        self.folder_label = QLabel("No output folder chosen")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setMinimumWidth(40)
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setToolTip("Show the output folder in the file manager")
        self.open_folder_button.clicked.connect(self.open_output_folder)
        self.start_button = QPushButton("Paint all")
        self.start_button.setToolTip("Paint every waiting photo with the current settings and styles")
        self.start_button.clicked.connect(self.start_requested)
        output.addWidget(self.folder_button)
        output.addWidget(self.folder_label, 1)
        output.addWidget(self.open_folder_button)
        output.addWidget(self.start_button)
        layout.addLayout(output)
        self._update_buttons()

    @staticmethod
    def _caption(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setBuddy(buddy)
        return label

    # Paint with ------------------------------------------------------------------------------

    def set_fast_styles(self, names: list[str]) -> None:
        """Offer these fast styles besides the optimiser and the instant network."""
        current = self.method_combo.currentData()
        self.method_combo.blockSignals(True)
        self.method_combo.clear()
        self.method_combo.addItem("The optimiser", "optimise:")
        self.method_combo.addItem("Instant", "instant:")
        for name in names:
            self.method_combo.addItem(f"Fast style: {capped(name, 80)}", f"fast:{name}")
        index = self.method_combo.findData(current) if current is not None else 0
        self.method_combo.setCurrentIndex(max(0, index))
        self.method_combo.blockSignals(False)

    def paint_with(self) -> tuple[str, str]:
        """(method, fast style name) the batch paints with."""
        method, _, style = str(self.method_combo.currentData() or "optimise:").partition(":")
        return method, style

    def set_paint_with(self, method: str, style: str = "") -> bool:
        index = self.method_combo.findData(f"{method}:{style}")
        if index >= 0:
            self.method_combo.setCurrentIndex(index)
        return index >= 0

    # Output options --------------------------------------------------------------------------

    def output_format(self) -> str:
        """The format key of every result (``png``, ``jpeg`` or ``tiff``)."""
        return str(self.format_combo.currentData() or "png")

    def set_output_format(self, fmt: str) -> bool:
        """Choose a format by key; an unknown key (an old saved setting) changes nothing."""
        index = self.format_combo.findData(fmt)
        if index >= 0:
            self.format_combo.setCurrentIndex(index)
        return index >= 0

    def naming_pattern(self) -> str:
        """The naming pattern; an emptied field means the default, so names are never blank."""
        return self.naming_edit.text().strip() or DEFAULT_PATTERN

    def set_naming_pattern(self, pattern: str) -> None:
        self.naming_edit.setText(capped(pattern, PATTERN_CHARS).replace("\n", " ").strip() or DEFAULT_PATTERN)

    def output_path_for(self, index: int, style: str, avoid: list[Path] | None = None) -> Path | None:
        """Where row ``index``'s result goes with the current format and pattern: a free name in
        the output folder that is none of the batch's photos (``None`` without a folder).

        ``style`` is what ``{style}`` stands for; ``avoid`` adds paths already handed out."""
        if self.output_dir is None:
            return None
        photos = self.paths()
        return free_batch_path(
            self.output_dir,
            self.naming_pattern(),
            photo=photos[index],
            style=style,
            n=index + 1,
            fmt=self.output_format(),
            avoid=[*photos, *(avoid or [])],
        )

    @Slot()
    def _on_options_changed(self) -> None:
        self.output_options_changed.emit()

    # Rows ------------------------------------------------------------------------------------

    def add(self, paths: list[Path]) -> int:
        known = set(self.paths())
        added = 0
        for path in paths:
            if path in known:
                continue
            item = QTreeWidgetItem([capped(path.name, 120), WAITING])
            item.setToolTip(0, plain_tooltip(str(path)))
            item.setData(0, _PHOTO_ROLE, str(path))
            item.setData(1, _STATUS_ROLE, WAITING)
            item.setIcon(1, QIcon(self._blank))
            self.tree.addTopLevelItem(item)
            known.add(path)
            added += 1
        self._update_buttons()
        return added

    @Slot()
    def clear(self) -> None:
        self.tree.clear()
        self._update_buttons()

    def paths(self) -> list[Path]:
        return [Path(self._row(i).data(0, _PHOTO_ROLE)) for i in range(self.count())]

    def count(self) -> int:
        return self.tree.topLevelItemCount()

    def _row(self, index: int) -> QTreeWidgetItem:
        """Row ``index``; Qt answers None past the end, which is a caller's mistake here."""
        item = self.tree.topLevelItem(index)
        if item is None:
            raise IndexError(f"no row {index} in a batch of {self.count()}")
        return item

    def status(self, index: int) -> str:
        """The row's status (``Waiting``, ``Painting 40%``, ``Done: NAME``, ``Failed``, ...),
        without the failure's reason shown under it."""
        return str(self._row(index).data(1, _STATUS_ROLE) or "")

    def set_status(self, index: int, text: str, tooltip: str = "") -> None:
        """Show ``text`` as the row's status. For ``Failed`` the tooltip is the reason and is
        shown in the row too (:meth:`set_failed`); any status but ``Done…`` drops the row's
        earlier result, which it no longer describes."""
        if text == FAILED and tooltip:
            self.set_failed(index, tooltip)
            return
        self._show(index, text, "", tooltip or text)
        if not text.startswith("Done"):
            self._set_output(index, None)

    def set_failed(self, index: int, reason: str) -> None:
        """Mark the row failed with ``reason`` written under the status (one line, capped,
        elided to the column) and in full in the tooltip."""
        line = capped(" ".join(reason[: REASON_CHARS * 2].split()), REASON_CHARS)
        self._show(index, FAILED, line or "The photo could not be painted.", reason or FAILED)
        self._set_output(index, None)
        self._row(index).setIcon(1, self._failed_icon())

    def set_result(self, index: int, output: Path, thumbnail: QImage | None = None) -> None:
        """Mark the row done with ``output`` as its result, clickable, with a thumbnail.

        Pass the result as a QImage when it is at hand (the window has it in memory); without
        one, a small thumbnail is read from ``output`` on a side thread, never on this one."""
        self._show(index, f"Done: {capped(output.name, 120)}", "", str(output))
        self._set_output(index, output)
        if thumbnail is not None and not thumbnail.isNull():
            self._set_thumbnail(index, thumbnail)
        else:
            self._load_thumbnail(output)

    def result_path(self, index: int) -> Path | None:
        """The result written for row ``index``, if it is done."""
        value = self._row(index).data(1, _OUTPUT_ROLE)
        return Path(value) if value else None

    def has_thumbnail(self, index: int) -> bool:
        """Whether row ``index`` shows its result's thumbnail (rather than the blank space)."""
        return bool(self._row(index).data(1, _THUMB_ROLE))

    def next_waiting(self) -> int | None:
        return next((i for i in range(self.count()) if self.status(i) == WAITING), None)

    def reset_unfinished(self) -> None:
        for i in range(self.count()):
            if not self.status(i).startswith("Done"):
                self.set_status(i, WAITING)

    def _show(self, index: int, status: str, detail: str, tooltip: str) -> None:
        item = self._row(index)
        status = capped(status, 200)
        item.setData(1, _STATUS_ROLE, status)
        item.setText(1, f"{status}\n{detail}" if detail else status)
        item.setToolTip(1, plain_tooltip(tooltip))

    def _set_output(self, index: int, output: Path | None) -> None:
        item = self._row(index)
        item.setData(1, _OUTPUT_ROLE, str(output) if output is not None else None)
        if output is None:
            item.setData(1, _THUMB_ROLE, False)
            item.setIcon(1, QIcon(self._blank))

    def _failed_icon(self) -> QIcon:
        """The style's warning sign, small, in the thumbnail's place: a failed row stands out
        in a long list without reading every line."""
        if self._warning is None:
            ratio = max(1.0, self.devicePixelRatioF())
            canvas = QPixmap(round(THUMB * ratio), round(THUMB * ratio))
            canvas.setDevicePixelRatio(ratio)
            canvas.fill(Qt.GlobalColor.transparent)
            sign = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(24, 24)
            painter = QPainter(canvas)
            painter.drawPixmap((THUMB - 24) // 2, (THUMB - 24) // 2, sign)
            painter.end()
            self._warning = QIcon(canvas)
        return self._warning

    def _set_thumbnail(self, index: int, image: QImage) -> None:
        ratio = max(1.0, self.devicePixelRatioF())
        side = round(THUMB * ratio)
        scaled = image.scaled(
            side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)
        item = self._row(index)
        item.setIcon(1, QIcon(pixmap))
        item.setData(1, _THUMB_ROLE, True)

    def _load_thumbnail(self, output: Path) -> None:
        side = round(THUMB * max(1.0, self.devicePixelRatioF()))
        self._thumbnails.submit(str(output), lambda _cancel: _read_thumbnail(output, side))

    @Slot(str, int, object)
    def _on_thumbnail_loaded(self, output: str, _generation: int, image: object) -> None:
        if not isinstance(image, QImage):
            return  # unreadable: the row keeps its blank icon
        # The row may have been cleared, repainted or given another result in the meantime.
        for i in range(self.count()):
            if self._row(i).data(1, _OUTPUT_ROLE) == output:
                self._set_thumbnail(i, image)

    @Slot(QTreeWidgetItem, int)
    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        output = item.data(1, _OUTPUT_ROLE)
        if output:
            self.result_activated.emit(Path(output), Path(item.data(0, _PHOTO_ROLE)))

    # Output folder ---------------------------------------------------------------------------

    def set_output_dir(self, folder: Path | None) -> None:
        self.output_dir = folder
        self.folder_label.setText(capped(folder, 200) if folder else "No output folder chosen")
        self.folder_label.setToolTip(plain_tooltip(folder) if folder else "")
        self._update_buttons()

    @Slot()
    def open_output_folder(self) -> bool:
        """Show the output folder in the system's file manager."""
        if self.output_dir is None:
            return False
        opened = self.open_url(QUrl.fromLocalFile(str(self.output_dir)))
        if not opened:
            self.folder_open_failed.emit(str(self.output_dir))
        return opened

    def open_url(self, url: QUrl) -> bool:
        """The one place that hands a URL to the desktop; tests replace it."""
        return bool(QDesktopServices.openUrl(url))

    # Running ---------------------------------------------------------------------------------

    def set_running(self, running: bool, *, batch: bool = True) -> None:
        """Lock the batch's controls while something paints. With ``batch`` (it is this list's
        batch that runs, not a single picture) a note says that its settings were taken at the
        start, so a change made now is for the next batch."""
        self._running = running
        for widget in (
            self.add_button,
            self.clear_button,
            self.folder_button,
            self.method_combo,
            self.format_combo,
            self.naming_edit,
        ):
            widget.setEnabled(not running)
        self.running_note.setVisible(running and batch)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_rows = self.count() > 0
        self.start_button.setEnabled(has_rows and not self._running)
        self.clear_button.setEnabled(has_rows and not self._running)
        self.open_folder_button.setEnabled(self.output_dir is not None)

    # Drops -----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        self._answer_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        self._answer_drag(event)

    def _answer_drag(self, event: QDragMoveEvent) -> None:
        """Take photos dragged over the list (an enter event is also a move event)."""
        # Like the Add button: a running batch took its list at the start.
        if not self._running and paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [] if self._running else paths_from_mime(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()
