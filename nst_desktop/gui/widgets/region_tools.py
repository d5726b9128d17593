"""The Regions tab: which layer is painted (the photo kept, or a painting's region), the tool
(brush, eraser, smart selection), the brush's size and softness, the whole-layer commands
(fill, invert, clear, feather) and whether the overlay shows.

A widget alone: it says what the artist chose through signals and keeps no masks (the regions
part, :mod:`..main_window.regions`, owns them).
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..plain_text import capped

Tool = Literal["brush", "eraser", "smart"]
Command = Literal["fill", "invert", "clear", "feather"]

HINT = (
    "Paint over the picture where each painting goes, or where the photo stays (a middle-button "
    "drag pans). Smart: one rough stroke over a person or the sky grows to its edges. Ctrl+Z "
    "undoes a stroke. A batch paints without regions."
)
TOOLS: tuple[tuple[Tool, str, str], ...] = (
    ("brush", "Brush", "Paint the region (drag over the picture)"),
    ("eraser", "Eraser", "Rub the region out"),
    ("smart", "Smart", "One rough stroke over an object: the region grows to its edges"),
)
COMMANDS: tuple[tuple[Command, str, str], ...] = (
    ("fill", "Fill", "This region takes everything the other paintings' regions leave"),
    ("invert", "Invert", "This region becomes everything it was not"),
    ("clear", "Clear", "Empty this region"),
    ("feather", "Feather", "Soften this region's edges"),
)


class RegionTools(QWidget):
    """The Regions tab's controls."""

    layer_chosen = Signal(str)
    """The key of the layer to paint ("keep" or a painting's key)."""
    tool_chosen = Signal(str)
    brush_changed = Signal()
    """Size or softness moved."""
    command = Signal(str)
    """A whole-layer command on the chosen layer (see :data:`COMMANDS`)."""
    overlay_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(QLabel("Region of"))
        self.layer = QComboBox()
        self.layer.setMinimumContentsLength(16)
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setToolTip("The layer a stroke paints: the photo kept as it is, or a painting's region")
        self.layer.currentIndexChanged.connect(self._on_layer)
        top.addWidget(self.layer, 1)
        self.tools = QButtonGroup(self)
        self.tool_buttons: dict[Tool, QToolButton] = {}
        for name, text, tip in TOOLS:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            self.tools.addButton(button)
            self.tool_buttons[name] = button
            button.toggled.connect(lambda on, n=name: self._on_tool(on, n))
            top.addWidget(button)
        self.tool_buttons["brush"].setChecked(True)
        self.show_overlay = QCheckBox("Show regions")
        self.show_overlay.setChecked(True)
        self.show_overlay.setToolTip("The regions as tints over the picture (hide them to judge the picture)")
        self.show_overlay.toggled.connect(self.overlay_toggled)
        top.addWidget(self.show_overlay)
        layout.addLayout(top)

        # The sliders on a row of their own: at 1024 px beside the tools they were a few px wide.
        row = QHBoxLayout()
        row.addWidget(QLabel("Size"))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(2, 200)
        self.size_slider.setValue(40)
        self.size_slider.setToolTip("Brush size, in pixels of the photo as the regions hold it")
        self.size_slider.valueChanged.connect(self.brush_changed)
        row.addWidget(self.size_slider, 1)
        row.addWidget(QLabel("Softness"))
        self.softness_slider = QSlider(Qt.Orientation.Horizontal)
        self.softness_slider.setRange(0, 100)
        self.softness_slider.setValue(50)
        self.softness_slider.setToolTip("How far the brush's edge fades out (0: a hard edge)")
        self.softness_slider.valueChanged.connect(self.brush_changed)
        row.addWidget(self.softness_slider, 1)
        self.command_buttons: dict[Command, QPushButton] = {}
        for command, label, about in COMMANDS:
            cmd_button = QPushButton(label)
            cmd_button.setToolTip(about)
            cmd_button.clicked.connect(lambda _=False, c=command: self.command.emit(c))
            self.command_buttons[command] = cmd_button
            row.addWidget(cmd_button)
        layout.addLayout(row)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.hint)
        layout.addStretch(1)

    def set_layers(self, layers: list[tuple[str, str, tuple[int, int, int]]]) -> None:
        """The layers to choose from: (key, label, colour); the choice stays on its key."""
        current = self.current_layer()
        self.layer.blockSignals(True)
        self.layer.clear()
        for key, label, colour in layers:
            self.layer.addItem(_swatch(colour), capped(label, 60), key)
        index = self.layer.findData(current)
        self.layer.setCurrentIndex(index if index >= 0 else 0)
        self.layer.blockSignals(False)
        if self.current_layer() != current:
            self.layer_chosen.emit(self.current_layer())

    def current_layer(self) -> str:
        data = self.layer.currentData()
        return str(data) if data is not None else ""

    def choose_layer(self, key: str) -> None:
        index = self.layer.findData(key)
        if index >= 0:
            self.layer.setCurrentIndex(index)

    def tool(self) -> Tool:
        for name, button in self.tool_buttons.items():
            if button.isChecked():
                return name
        return "brush"

    def choose_tool(self, tool: Tool) -> None:
        self.tool_buttons[tool].setChecked(True)

    def brush_size(self) -> int:
        return self.size_slider.value()

    def brush_softness(self) -> float:
        return self.softness_slider.value() / 100.0

    def _on_tool(self, on: bool, tool: Tool) -> None:
        if on:
            self.tool_chosen.emit(tool)

    @Slot(int)
    def _on_layer(self, _index: int) -> None:
        self.layer_chosen.emit(self.current_layer())


def _swatch(colour: tuple[int, int, int]) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)
