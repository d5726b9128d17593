"""Several photos stylized one after another with the same settings, each with its status."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..plain_text import capped, plain_tooltip
from .image_drop import paths_from_mime

WAITING = "Waiting"


class BatchList(QWidget):
    """The queue; the window runs it through the same controller as single runs."""

    files_dropped = Signal(list)  # list[Path]
    add_requested = Signal()
    folder_requested = Signal()
    start_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.output_dir: Path | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Photo", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setAcceptDrops(False)
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add photos…")
        self.add_button.setToolTip("Add photos to the batch (or drop several photos on the photo area)")
        self.add_button.clicked.connect(self.add_requested)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.folder_button = QPushButton("Output folder…")
        self.folder_button.setToolTip("Where the finished pictures are written")
        self.folder_button.clicked.connect(self.folder_requested)
        self.folder_label = QLabel("No output folder chosen")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.method_combo = QComboBox()
        self.method_combo.setToolTip(
            "How to paint each photo: the optimiser (slow, best), the instant network, or a fast style"
        )
        self.set_fast_styles([])
        self.start_button = QPushButton("Paint all")
        self.start_button.setToolTip("Paint every waiting photo with the current settings and styles")
        self.start_button.clicked.connect(self.start_requested)
        for widget in (self.add_button, self.clear_button, self.folder_button):
            row.addWidget(widget)
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.method_combo)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        self._update_buttons()

    def set_fast_styles(self, names: list[str]) -> None:
        """Offer these fast styles besides the optimiser and the instant network."""
        current = self.method_combo.currentData()
        self.method_combo.blockSignals(True)
        self.method_combo.clear()
        self.method_combo.addItem("With the optimiser", "optimise:")
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

    def add(self, paths: list[Path]) -> int:
        known = set(self.paths())
        added = 0
        for path in paths:
            if path in known:
                continue
            item = QTreeWidgetItem([capped(path.name, 120), WAITING])
            item.setToolTip(0, plain_tooltip(str(path)))
            item.setData(0, Qt.ItemDataRole.UserRole, str(path))
            self.tree.addTopLevelItem(item)
            known.add(path)
            added += 1
        self._update_buttons()
        return added

    def clear(self) -> None:
        self.tree.clear()
        self._update_buttons()

    def paths(self) -> list[Path]:
        return [
            Path(self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)) for i in range(self.count())
        ]

    def count(self) -> int:
        return self.tree.topLevelItemCount()

    def status(self, index: int) -> str:
        return self.tree.topLevelItem(index).text(1)

    def set_status(self, index: int, text: str, tooltip: str = "") -> None:
        item = self.tree.topLevelItem(index)
        item.setText(1, capped(text, 200))
        item.setToolTip(1, plain_tooltip(tooltip or text))

    def next_waiting(self) -> int | None:
        return next((i for i in range(self.count()) if self.status(i) == WAITING), None)

    def reset_unfinished(self) -> None:
        for i in range(self.count()):
            if not self.status(i).startswith("Done"):
                self.set_status(i, WAITING)

    def set_output_dir(self, folder: Path | None) -> None:
        self.output_dir = folder
        self.folder_label.setText(capped(folder, 200) if folder else "No output folder chosen")
        self.folder_label.setToolTip(plain_tooltip(folder) if folder else "")
        self._update_buttons()

    def set_running(self, running: bool) -> None:
        for widget in (self.add_button, self.clear_button, self.folder_button, self.method_combo):
            widget.setEnabled(not running)
        self.start_button.setEnabled(not running and self.count() > 0)

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self.count() > 0)
        self.clear_button.setEnabled(self.count() > 0)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        self.dragEnterEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = paths_from_mime(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()
