"""The paintings to learn from: one card per style, each with its blend weight."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QImage, QPixmap
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine.pipeline import ImageInput

from ..plain_text import capped, plain_tooltip
from .image_drop import DropArea

THUMB = 40
BLEND_TIP = (
    "How much of this painting goes into the mix. The paintings are blended, not placed side by "
    "side: their style statistics (the Gram matrices of each layer) are averaged with these weights "
    "into one target, so 1 and 1 paint one mixed style over the whole picture, 3 and 1 mostly the "
    "first. 0 leaves the painting out."
)


class StyleCard(QFrame):
    """One style image: thumbnail, name, weight, remove."""

    weight_changed = Signal(float)
    remove_requested = Signal()

    def __init__(self, source: ImageInput, thumbnail: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StyleCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(6)
        thumb = QLabel()
        thumb.setFixedSize(THUMB, THUMB)
        thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap.fromImage(thumbnail)
        thumb.setPixmap(
            pixmap.scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        layout.addWidget(thumb)
        self.name_label = QLabel(capped(source.name, 120))
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_label.setToolTip(plain_tooltip(str(source.path) if source.path else source.name))
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.name_label, 1)
        blend = QLabel("Blend")
        blend.setToolTip(BLEND_TIP)
        layout.addWidget(blend)
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0.0, 10.0)
        self.weight.setSingleStep(0.25)
        self.weight.setDecimals(2)
        self.weight.setValue(source.weight)
        self.weight.setToolTip(BLEND_TIP)
        self.weight.valueChanged.connect(self.weight_changed)
        layout.addWidget(self.weight)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip("Remove this painting")
        self.remove_button.setAccessibleName(f"Remove {capped(source.name, 120)}")
        self.remove_button.clicked.connect(self.remove_requested)
        layout.addWidget(self.remove_button)


class StyleGallery(QWidget):
    """Holds the style images; the window validates files and calls :meth:`add`."""

    changed = Signal()
    files_dropped = Signal(list)  # list[Path]
    image_pasted = Signal(QImage)
    browse_requested = Signal()
    sample_requested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[ImageInput] = []
        self.tab_anchor: QWidget | None = None
        """The control before the gallery in the Tab order (the window sets it)."""
        self._cards: list[StyleCard] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._cards_layout = QVBoxLayout()
        self._cards_layout.setSpacing(4)
        layout.addLayout(self._cards_layout)
        self.drop_area = DropArea(
            "Drop paintings here\nor click to browse · Ctrl+Shift+V to paste\n"
            "(several at once to blend them)",
            min_height=84,
        )
        self.drop_area.setToolTip("Add one or more style images (paintings) to learn the look from")
        self.drop_area.files_dropped.connect(self.files_dropped)
        self.drop_area.image_pasted.connect(self.image_pasted)
        self.drop_area.browse_requested.connect(self.browse_requested)
        row = QHBoxLayout()
        row.addWidget(self.drop_area, 1)
        self.samples_button = QToolButton()
        self.samples_button.setText("Samples ▾")
        self.samples_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.samples_button.setToolTip("Add one of the built-in sample paintings")
        self.samples_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.samples_menu = QMenu(self.samples_button)
        self.samples_button.setMenu(self.samples_menu)
        row.addWidget(self.samples_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        self._full_prompt = self.drop_area.text()
        self.changed.connect(self._fit_drop_area)

    def _fit_drop_area(self) -> None:
        """A big target while there is no painting; one line once there are some, so two
        paintings and the look fit the panel without scrolling."""
        if self._entries:
            self.drop_area.set_prompt("Drop or click to add paintings", min_height=34)
        else:
            self.drop_area.set_prompt(self._full_prompt, min_height=84)

    def set_samples(self, paths: list[Path]) -> None:
        self.samples_menu.clear()
        for path in paths:
            action = self.samples_menu.addAction(path.stem.replace("_", " ").replace("-", " ").title())
            action.setData(str(path))
            action.triggered.connect(self._on_sample_action)
        self.samples_button.setEnabled(bool(paths))

    def _on_sample_action(self) -> None:
        action = self.sender()
        data = action.data() if isinstance(action, QAction) else None
        if data:
            self.sample_requested.emit(Path(str(data)))

    def add(self, source: ImageInput, thumbnail: QImage) -> None:
        card = StyleCard(source, thumbnail)
        index = len(self._entries)
        self._entries.append(source)
        self._cards.append(card)
        card.weight_changed.connect(lambda value, c=card: self._set_weight(c, value))
        card.remove_requested.connect(lambda c=card: self._remove_card(c))
        self._cards_layout.insertWidget(index, card)
        # Cards come after the drop area was made: put their controls in the Tab order where
        # they are seen, before the drop area.
        self.order_tabs_after(self.tab_anchor)
        self.changed.emit()

    def order_tabs_after(self, anchor: QWidget | None) -> None:
        """Put the cards' controls, then the drop area, in the Tab order right after ``anchor``
        (a plain control before the gallery, such as the photo area): cards are made after the
        drop area, and Qt would otherwise reach them only after everything else in the window."""
        if anchor is None:
            return
        previous = anchor
        for card in self._cards:
            QWidget.setTabOrder(previous, card.weight)
            QWidget.setTabOrder(card.weight, card.remove_button)
            previous = card.remove_button
        QWidget.setTabOrder(previous, self.drop_area)
        QWidget.setTabOrder(self.drop_area, self.samples_button)

    def _set_weight(self, card: StyleCard, value: float) -> None:
        index = self._cards.index(card)
        self._entries[index] = replace(self._entries[index], weight=float(value))
        self.changed.emit()

    def _remove_card(self, card: StyleCard) -> None:
        self.remove(self._cards.index(card))

    def remove(self, index: int) -> None:
        card = self._cards.pop(index)
        self._entries.pop(index)
        card.hide()
        card.deleteLater()
        self.changed.emit()

    def clear(self) -> None:
        while self._entries:
            self.remove(len(self._entries) - 1)

    def styles(self) -> tuple[ImageInput, ...]:
        return tuple(self._entries)

    def cards(self) -> list[StyleCard]:
        return list(self._cards)

    def set_weight(self, index: int, weight: float) -> None:
        self._cards[index].weight.setValue(weight)
