"""The live picture: zoom, pan, a before/after split against the photo, and two versions compared.

Previews from coarse levels are smaller than the final picture; they are drawn stretched
onto one fixed canvas so the view neither jumps nor re-zooms while a run proceeds.

Two versions from the history are compared on a canvas of their own, the larger picture's
size, onto which both are drawn at the same scale: in *A/B* mode one view flips between them
(a button toggles, holding Space flips while held) at the same position and zoom, which shows
small changes best; *side by side* shows them in two views whose zoom and pan follow each
other, so the same pixels sit at the same place in both.

While regions are painted (:meth:`PreviewView.set_brush_input`) the picture carries the
region layers as a translucent overlay (:meth:`PreviewView.set_overlay`) and a left drag
paints instead of panning: the view says where, in fractions of the canvas; the regions part
owns the masks.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..imaging import array_to_qimage
from ..plain_text import capped

PairMode = Literal["off", "flip", "side"]
PairImage = QImage | QPixmap | npt.NDArray[np.uint8]
"""A picture to compare: as the store reads it (an HxWx3 uint8 array) or as Qt holds it."""


def _as_pixmap(image: PairImage) -> QPixmap:
    if isinstance(image, QPixmap):
        return image
    return QPixmap.fromImage(image if isinstance(image, QImage) else array_to_qimage(image))


def _fit_rect(size: QSize, box: QRectF) -> QRectF:
    """Where a picture of ``size`` goes in ``box``: as large as fits, centred, shape kept."""
    if size.isEmpty():
        return box
    scaled = size.toSizeF().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRectF(
        box.x() + (box.width() - scaled.width()) / 2,
        box.y() + (box.height() - scaled.height()) / 2,
        scaled.width(),
        scaled.height(),
    )


class CompareItem(QGraphicsItem):
    """Paints the picture, and the photo on the left of a movable divider when comparing.

    With a ``pair`` of versions set it paints one of them instead (``show_b`` says which) on
    the pair's own canvas; the live picture is kept underneath and comes back when it is unset.
    """

    def __init__(self) -> None:
        super().__init__()
        self.after: QPixmap | None = None
        self.before: QPixmap | None = None
        self.canvas = QSize(0, 0)
        self.split = 0.5
        self.comparing = False
        self.pair: tuple[QPixmap, QPixmap] | None = None
        self.pair_canvas = QSize(0, 0)
        self.show_b = False
        self.overlay: QPixmap | None = None
        """The region layers, drawn over the picture (and the photo) at the canvas's size."""

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        canvas = self.pair_canvas if self.pair is not None else self.canvas
        return QRectF(0, 0, canvas.width(), canvas.height())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        rect = self.boundingRect()
        if rect.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.pair is not None:
            shown = self.pair[1] if self.show_b else self.pair[0]
            painter.drawPixmap(_fit_rect(shown.size(), rect), shown, QRectF(shown.rect()))
            return
        if self.after is not None:
            painter.drawPixmap(rect, self.after, QRectF(self.after.rect()))
        if self.comparing and self.before is not None:
            x = rect.width() * self.split
            source = QRectF(self.before.rect())
            painter.drawPixmap(
                QRectF(0, 0, x, rect.height()),
                self.before,
                QRectF(0, 0, source.width() * self.split, source.height()),
            )
            pen = QPen(QColor(255, 255, 255, 220))
            pen.setCosmetic(True)
            pen.setWidth(2)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, 0), QPointF(x, rect.height()))
        if self.overlay is not None:
            painter.drawPixmap(rect, self.overlay, QRectF(self.overlay.rect()))


class PreviewView(QGraphicsView):
    zoom_changed = Signal(float)
    split_changed = Signal(float)
    flipped = Signal(bool)
    """In A/B mode: whether B is shown now (a button or holding Space flips)."""
    brush_pressed = Signal(QPointF)
    """A brush stroke starts here (x and y as fractions of the canvas's width and height)."""
    brush_moved = Signal(QPointF)
    brush_released = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewView")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.item = CompareItem()
        self._scene.addItem(self.item)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QColor(48, 48, 52))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(240, 176)
        self._fit = True
        self._placeholder = ""
        self._dragging_split = False
        self._labels: tuple[str, str] = ("A", "B")
        self._held = False
        self._caption = ""
        self.flip_on_space = True
        self._brush = False
        self._brushing = False
        self._brush_radius = 0.0  # a share of the canvas's width
        self._hover: QPointF | None = None  # the pointer over the viewport, for the brush's ring
        self._pan_from: QPointF | None = None  # a middle-button drag pans while the brush paints

    # Content -------------------------------------------------------------------------------

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def set_canvas_size(self, width: int, height: int) -> None:
        """Fix the picture's on-screen size (the run's output size) so previews don't jump."""
        size = QSize(max(1, width), max(1, height))
        if self.item.pair is not None:
            self.item.canvas = size  # for after the comparison; it keeps its own canvas
            return
        if size != self.item.canvas:
            self.item.prepareGeometryChange()
            self.item.canvas = size
            self._scene.setSceneRect(self.item.boundingRect())
            self._fit = True
        self._refit()

    def set_image(self, image: QImage | QPixmap | None) -> None:
        pixmap = QPixmap.fromImage(image) if isinstance(image, QImage) else image
        self.item.after = pixmap
        self._caption = ""  # it named the picture this one replaces
        if pixmap is not None and self.item.canvas.isEmpty():
            self.set_canvas_size(pixmap.width(), pixmap.height())
        self.item.update()
        self.viewport().update()

    def set_caption(self, text: str) -> None:
        """Name the picture on show in its top-left corner (a training's preview photo); the
        next :meth:`set_image` or :meth:`clear` drops it."""
        self._caption = text
        self.viewport().update()

    def caption(self) -> str:
        return self._caption

    def set_before(self, image: QImage | None) -> None:
        self.item.before = QPixmap.fromImage(image) if image is not None else None
        self.item.update()

    def has_image(self) -> bool:
        return self.item.after is not None

    def clear(self) -> None:
        self.item.after = None
        self._caption = ""
        self.item.update()
        self.viewport().update()

    # Compare -------------------------------------------------------------------------------

    def set_comparing(self, on: bool) -> None:
        self.item.comparing = on
        self._update_drag_mode()
        self.item.update()

    def _splitting(self) -> bool:
        """Whether a drag moves the before/after divider (not while two versions are compared)."""
        return self.item.comparing and self.item.pair is None

    def _update_drag_mode(self) -> None:
        still = self._splitting() or self._brushes()
        self.setDragMode(QGraphicsView.DragMode.NoDrag if still else QGraphicsView.DragMode.ScrollHandDrag)

    # Regions -------------------------------------------------------------------------------

    def set_overlay(self, image: QImage | None) -> None:
        """The region layers over the picture (stretched to the canvas), or none."""
        self.item.overlay = QPixmap.fromImage(image) if image is not None else None
        self.item.update()

    def has_overlay(self) -> bool:
        return self.item.overlay is not None

    def set_brush_input(self, on: bool, radius: float = 0.0) -> None:
        """A left drag paints (``brush_*`` signals) instead of panning (a middle-button drag
        pans then); ``radius``, a share of the canvas's width, is the ring drawn round the
        pointer (so it stays the brush's size when the canvas changes with the output size)."""
        self._brush = on
        self._brush_radius = radius
        self._brushing = self._brushing and on
        self.viewport().setMouseTracking(on)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self._update_drag_mode()
        self.viewport().update()

    def _brushes(self) -> bool:
        return self._brush and self.item.pair is None and not self.item.comparing

    def _canvas_point(self, event: QMouseEvent) -> QPointF:
        point = self.mapToScene(event.position().toPoint())
        canvas = self.item.canvas
        return QPointF(point.x() / max(1, canvas.width()), point.y() / max(1, canvas.height()))

    # Two versions --------------------------------------------------------------------------

    def set_pair(self, a: PairImage, b: PairImage, labels: tuple[str, str] = ("A", "B")) -> None:
        """Compare two pictures: both drawn at one scale on the larger one's canvas, A shown.

        The live picture stays underneath (:meth:`set_image` keeps updating it) and returns
        with :meth:`clear_pair`. ``labels`` (plain text, capped) name them in the corner.
        """
        first, second = _as_pixmap(a), _as_pixmap(b)
        canvas = max((first.size(), second.size()), key=lambda s: s.width() * s.height())
        self.item.prepareGeometryChange()
        self.item.pair = (first, second)
        self.item.pair_canvas = QSize(max(1, canvas.width()), max(1, canvas.height()))
        self.item.show_b = False
        self._labels = (capped(labels[0], 80), capped(labels[1], 80))
        self._pair_changed()

    def clear_pair(self) -> None:
        """Back to the live picture and its own canvas."""
        if self.item.pair is None:
            return
        self.item.prepareGeometryChange()
        self.item.pair = None
        self.item.show_b = False
        self._held = False
        self._pair_changed()

    def _pair_changed(self) -> None:
        """After a pair is set or cleared: the scene takes the canvas shown, and fits the view."""
        self._scene.setSceneRect(self.item.boundingRect())
        self._update_drag_mode()
        self.fit()
        self.item.update()
        self.viewport().update()

    def has_pair(self) -> bool:
        return self.item.pair is not None

    def showing_b(self) -> bool:
        return self.item.pair is not None and self.item.show_b

    def set_showing_b(self, on: bool) -> None:
        """Show B (or A) of the pair, at the same position and zoom."""
        if self.item.pair is None or self.item.show_b == on:
            return
        self.item.show_b = on
        self.item.update()
        self.viewport().update()
        self.flipped.emit(on)

    def flip(self) -> None:
        self.set_showing_b(not self.showing_b())

    def shown_label(self) -> str:
        """The label of the picture shown now ("" without a pair)."""
        if self.item.pair is None:
            return ""
        return self._labels[1] if self.item.show_b else self._labels[0]

    def match_view(self, other: PreviewView) -> None:
        """Take ``other``'s zoom and the scene point at its centre: the same pixels, same place."""
        self._fit = other._fit
        self.setTransform(other.transform())
        self.centerOn(other.mapToScene(other.viewport().rect().center()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if self._holds_space(event):
            if not event.isAutoRepeat() and not self._held:
                self._held = True
                self.flip()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if self._holds_space(event):
            if not event.isAutoRepeat() and self._held:
                self._held = False
                self.flip()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        if self._held:  # the key's release goes elsewhere: flip back now
            self._held = False
            self.flip()
        super().focusOutEvent(event)

    def _holds_space(self, event: QKeyEvent) -> bool:
        return self.flip_on_space and self.item.pair is not None and event.key() == Qt.Key.Key_Space

    def set_split(self, fraction: float) -> None:
        self.item.split = min(1.0, max(0.0, fraction))
        self.item.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._brushes() and event.button() == Qt.MouseButton.LeftButton:
            self._brushing = True
            self.brush_pressed.emit(self._canvas_point(event))
            return
        if self._brush and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            return
        if self._splitting() and event.button() == Qt.MouseButton.LeftButton:
            self._dragging_split = True
            self._split_from(event)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._brush:
            self._hover = event.position()
            self.viewport().update()
        if self._brushing:
            self.brush_moved.emit(self._canvas_point(event))
            return
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            return
        if self._dragging_split:
            self._split_from(event)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._dragging_split = False
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            return
        if self._brushing and event.button() == Qt.MouseButton.LeftButton:
            self._brushing = False
            self.brush_released.emit()
            return
        super().mouseReleaseEvent(event)

    def _split_from(self, event: QMouseEvent) -> None:
        width = self.item.canvas.width()
        if width > 0:
            fraction = self.mapToScene(event.position().toPoint()).x() / width
            self.set_split(fraction)
            self.split_changed.emit(self.item.split)

    # Zoom ----------------------------------------------------------------------------------

    def zoom(self) -> float:
        return float(self.transform().m11())

    def set_zoom(self, factor: float) -> None:
        factor = min(32.0, max(0.02, factor))
        self._fit = False
        self.resetTransform()
        self.scale(factor, factor)
        self.zoom_changed.emit(factor)

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.zoom() * step)

    def fit(self) -> None:
        self._fit = True
        self._refit()

    def _refit(self) -> None:
        if self._fit and not self.item.boundingRect().isEmpty():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._refit()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802 - Qt override
        if self._brushes() and self._hover is not None and self._brush_radius > 0:
            painter.save()
            painter.resetTransform()
            pen = QPen(QColor(255, 255, 255, 200))
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            radius = self._brush_radius * self.item.canvas.width() * self.zoom()
            painter.drawEllipse(self._hover, radius, radius)
            painter.restore()
        if self.item.pair is not None:
            self._draw_label(painter, self.shown_label())
        elif self.item.after is not None:
            # Bottom left: the banner's news comes in over the top of the picture.
            self._draw_label(painter, self._caption, bottom=True)
        elif self._placeholder:
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(200, 200, 205))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.restore()

    def _draw_label(self, painter: QPainter, text: str, bottom: bool = False) -> None:
        """The shown version's name (or the caption) on a dark tag in the top-left (bottom-left)
        corner, as plain text."""
        if not text:
            return
        painter.save()
        painter.resetTransform()
        metrics = painter.fontMetrics()
        width = min(metrics.horizontalAdvance(text) + 20, self.viewport().width() - 12)
        height = metrics.height() + 8
        tag = QRect(6, self.viewport().height() - height - 6 if bottom else 6, max(0, width), height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(tag, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, tag.width() - 16)
        painter.drawText(tag.adjusted(8, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, shown)
        painter.restore()


class PreviewPanel(QWidget):
    """The view with its zoom and before/after controls underneath.

    :meth:`compare_versions` turns it into a comparison of two versions (a second view appears
    for side by side, and a bar of comparison controls); :meth:`end_compare` (or its *Done*
    button, which also emits ``compare_closed``) returns to the live picture.
    """

    compare_closed = Signal()
    pair_mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.view = PreviewView()
        self.view_b = PreviewView()
        self.view_b.setObjectName("PreviewViewB")
        self.view_b.setAcceptDrops(False)
        self.view_b.viewport().setAcceptDrops(False)
        self.view_b.flip_on_space = False
        self.view_b.hide()
        views = QHBoxLayout()
        views.setContentsMargins(0, 0, 0, 0)
        views.setSpacing(4)
        views.addWidget(self.view, 1)
        views.addWidget(self.view_b, 1)
        layout.addLayout(views, 1)
        self._pair_mode: PairMode = "off"
        self._syncing = False
        for source in (self.view, self.view_b):
            source.zoom_changed.connect(lambda _f, v=source: self._sync_from(v))
            source.horizontalScrollBar().valueChanged.connect(lambda _v, v=source: self._sync_from(v))
            source.verticalScrollBar().valueChanged.connect(lambda _v, v=source: self._sync_from(v))

        layout.addWidget(self._build_pair_bar())
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        self.fit_button = _tool("Fit", "Fit the picture in the view (Ctrl+0)")
        self.fit_button.clicked.connect(self.view.fit)
        self.actual_button = _tool("1:1", "Show actual pixels (Ctrl+1)")
        self.actual_button.clicked.connect(lambda: self.view.set_zoom(1.0 / self._pixel_ratio()))
        self.zoom_out_button = _tool("−", "Zoom out (Ctrl+-)")
        self.zoom_out_button.clicked.connect(lambda: self.view.zoom_by(1 / 1.25))
        self.zoom_in_button = _tool("+", "Zoom in (Ctrl++)")
        self.zoom_in_button.clicked.connect(lambda: self.view.zoom_by(1.25))
        self.zoom_label = QLabel("")
        self.zoom_label.setMinimumWidth(44)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_label.setToolTip("Zoom: scroll over the picture to zoom, drag to pan")
        self.view.zoom_changed.connect(self._show_zoom)
        for widget in (
            self.fit_button,
            self.actual_button,
            self.zoom_out_button,
            self.zoom_label,
            self.zoom_in_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.compare = QCheckBox("Before / after")
        self.compare.setToolTip("Show the photo on the left of a divider; drag in the picture to move it")
        self.compare.toggled.connect(self._toggle_compare)
        self.split = QSlider(Qt.Orientation.Horizontal)
        self.split.setRange(0, 100)
        self.split.setValue(50)
        self.split.setFixedWidth(140)
        self.split.setEnabled(False)
        self.split.setToolTip("Where the divider between the photo and the painting sits")
        self.split.valueChanged.connect(lambda v: self.view.set_split(v / 100))
        self.view.split_changed.connect(self._show_split)
        bar.addWidget(self.compare)
        bar.addWidget(self.split)
        layout.addLayout(bar)

    def _build_pair_bar(self) -> QWidget:
        self.pair_bar = QWidget()
        row = QHBoxLayout(self.pair_bar)
        row.setContentsMargins(4, 0, 4, 0)
        self.pair_title = QLabel("Comparing two versions:")
        self.pair_title.setTextFormat(Qt.TextFormat.PlainText)
        row.addWidget(self.pair_title)
        self.flip_mode_button = _tool("A/B", "Show one at a time, flipping between them at the same place")
        self.side_mode_button = _tool(
            "Side by side", "Show both next to each other, zoomed and moved together"
        )
        self.pair_mode_group = QButtonGroup(self.pair_bar)
        self.pair_mode_group.setExclusive(True)
        for button in (self.flip_mode_button, self.side_mode_button):
            button.setCheckable(True)
            self.pair_mode_group.addButton(button)
            row.addWidget(button)
        self.flip_mode_button.clicked.connect(lambda: self.set_pair_mode("flip"))
        self.side_mode_button.clicked.connect(lambda: self.set_pair_mode("side"))
        self.flip_button = _tool("Show B", "Flip between the two versions (or hold Space over the picture)")
        self.flip_button.setCheckable(True)
        self.flip_button.toggled.connect(self.view.set_showing_b)
        self.view.flipped.connect(self._show_flipped)
        row.addWidget(self.flip_button)
        row.addStretch(1)
        self.done_button = _tool("Done", "Stop comparing and show the live picture again")
        self.done_button.clicked.connect(self._on_done)
        row.addWidget(self.done_button)
        self.pair_bar.hide()
        return self.pair_bar

    # Comparing two versions ----------------------------------------------------------------

    def compare_versions(
        self,
        a: PairImage,
        b: PairImage,
        labels: tuple[str, str] = ("A", "B"),
        mode: PairMode = "flip",
    ) -> None:
        """Compare two pictures (any sizes: both are drawn at the larger one's scale)."""
        self.view.set_pair(a, b, labels)
        self.view_b.set_pair(a, b, labels)
        self.view_b.set_showing_b(True)
        self.pair_bar.show()
        self.compare.setEnabled(False)
        self.split.setEnabled(False)
        self._pair_mode = "off"
        self.set_pair_mode("flip" if mode == "off" else mode)

    def set_pair_mode(self, mode: PairMode) -> None:
        """"flip" (one view, A or B), "side" (two views) or "off" (same as :meth:`end_compare`)."""
        if mode == "off":
            self.end_compare()
            return
        if not self.view.has_pair() or mode == self._pair_mode:
            return
        self._pair_mode = mode
        side = mode == "side"
        self.flip_mode_button.setChecked(not side)
        self.side_mode_button.setChecked(side)
        self.flip_button.setEnabled(not side)
        self.view.flip_on_space = not side
        if side:
            self.view.set_showing_b(False)
            self.view_b.show()
            self.view.fit()
            self.view_b.match_view(self.view)
        else:
            self.view_b.hide()
            self.view.fit()
        self.pair_mode_changed.emit(mode)

    def pair_mode(self) -> PairMode:
        return self._pair_mode

    def end_compare(self) -> None:
        """Back to the live picture (and the before/after controls as they were)."""
        if self._pair_mode == "off" and not self.view.has_pair():
            return
        self._pair_mode = "off"
        self.view.flip_on_space = True
        self.view.clear_pair()
        self.view_b.clear_pair()
        self.view_b.hide()
        self.pair_bar.hide()
        self.compare.setEnabled(True)
        self.split.setEnabled(self.compare.isChecked())
        self.pair_mode_changed.emit("off")

    @Slot()
    def _on_done(self) -> None:
        self.end_compare()
        self.compare_closed.emit()

    @Slot(bool)
    def _show_flipped(self, showing_b: bool) -> None:
        self.flip_button.blockSignals(True)
        self.flip_button.setChecked(showing_b)
        self.flip_button.blockSignals(False)
        self.flip_button.setText("Show A" if showing_b else "Show B")

    def _sync_from(self, source: PreviewView) -> None:
        """Side by side: the other view follows this one's zoom and position."""
        if self._syncing or self._pair_mode != "side":
            return
        target = self.view_b if source is self.view else self.view
        self._syncing = True
        try:
            target.match_view(source)
        finally:
            self._syncing = False

    # The live picture ----------------------------------------------------------------------

    def _pixel_ratio(self) -> float:
        return float(self.devicePixelRatioF()) or 1.0

    @Slot(float)
    def _show_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"{factor * self._pixel_ratio() * 100:.0f}%")

    @Slot(bool)
    def _toggle_compare(self, on: bool) -> None:
        self.split.setEnabled(on and self._pair_mode == "off")
        self.view.set_comparing(on)

    @Slot(float)
    def _show_split(self, fraction: float) -> None:
        self.split.blockSignals(True)
        self.split.setValue(round(fraction * 100))
        self.split.blockSignals(False)


def _tool(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
