"""The live picture: zoom, pan, and a before/after split against the photo.

Previews from coarse levels are smaller than the final picture; they are drawn stretched
onto one fixed canvas so the view neither jumps nor re-zooms while a run proceeds.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
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


class CompareItem(QGraphicsItem):
    """Paints the picture, and the photo on the left of a movable divider when comparing."""

    def __init__(self) -> None:
        super().__init__()
        self.after: QPixmap | None = None
        self.before: QPixmap | None = None
        self.canvas = QSize(0, 0)
        self.split = 0.5
        self.comparing = False

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self.canvas.width(), self.canvas.height())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        rect = self.boundingRect()
        if rect.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
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


class PreviewView(QGraphicsView):
    zoom_changed = Signal(float)
    split_changed = Signal(float)

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
        self.setMinimumSize(240, 200)
        self._fit = True
        self._placeholder = ""
        self._dragging_split = False

    # Content -------------------------------------------------------------------------------

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def set_canvas_size(self, width: int, height: int) -> None:
        """Fix the picture's on-screen size (the run's output size) so previews don't jump."""
        size = QSize(max(1, width), max(1, height))
        if size != self.item.canvas:
            self.item.prepareGeometryChange()
            self.item.canvas = size
            self._scene.setSceneRect(self.item.boundingRect())
            self._fit = True
        self._refit()

    def set_image(self, image: QImage | QPixmap | None) -> None:
        pixmap = QPixmap.fromImage(image) if isinstance(image, QImage) else image
        self.item.after = pixmap
        if pixmap is not None and self.item.canvas.isEmpty():
            self.set_canvas_size(pixmap.width(), pixmap.height())
        self.item.update()
        self.viewport().update()

    def set_before(self, image: QImage | None) -> None:
        self.item.before = QPixmap.fromImage(image) if image is not None else None
        self.item.update()

    def has_image(self) -> bool:
        return self.item.after is not None

    def clear(self) -> None:
        self.item.after = None
        self.item.update()
        self.viewport().update()

    # Compare -------------------------------------------------------------------------------

    def set_comparing(self, on: bool) -> None:
        self.item.comparing = on
        self.setDragMode(QGraphicsView.DragMode.NoDrag if on else QGraphicsView.DragMode.ScrollHandDrag)
        self.item.update()

    def set_split(self, fraction: float) -> None:
        self.item.split = min(1.0, max(0.0, fraction))
        self.item.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.item.comparing and event.button() == Qt.MouseButton.LeftButton:
            self._dragging_split = True
            self._split_from(event)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._dragging_split:
            self._split_from(event)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._dragging_split = False
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
        if self._fit and not self.item.canvas.isEmpty():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._refit()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt override
        if self.item.after is None and self._placeholder:
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(200, 200, 205))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            painter.restore()


class PreviewPanel(QWidget):
    """The view with its zoom and before/after controls underneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.view = PreviewView()
        layout.addWidget(self.view, 1)
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

    def _pixel_ratio(self) -> float:
        return float(self.devicePixelRatioF()) or 1.0

    def _show_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"{factor * self._pixel_ratio() * 100:.0f}%")

    def _toggle_compare(self, on: bool) -> None:
        self.split.setEnabled(on)
        self.view.set_comparing(on)

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
