"""A drop target for images: files from the file manager, a click to browse, or a paste."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

from ..plain_text import capped, plain_tooltip


def paths_from_mime(mime: QMimeData) -> list[Path]:
    """Local files among the dragged URLs, in the order they were dragged."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def mime_has_image(mime: QMimeData) -> bool:
    return bool(paths_from_mime(mime)) or mime.hasImage()


class DropArea(QFrame):
    """A framed area that accepts dropped files or image data and opens a browser when clicked.

    It only reports what arrived; the window decides whether the file is a usable image, so
    one place shows the plain error message.
    """

    files_dropped = Signal(list)  # list[Path]
    image_pasted = Signal(QImage)
    browse_requested = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None, *, min_height: int = 140) -> None:
        super().__init__(parent)
        self.setObjectName("DropArea")
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._placeholder = placeholder
        self._pixmap: QPixmap | None = None
        self._caption = ""
        self._hovering = False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(260, self.minimumHeight())

    def set_image(self, image: QImage | None, caption: str = "") -> None:
        self._pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        self._caption = capped(caption, 120)
        self.setToolTip(plain_tooltip(caption))
        self.update()

    def has_image(self) -> bool:
        return self._pixmap is not None

    def text(self) -> str:
        return self._placeholder

    def set_prompt(self, text: str, *, min_height: int) -> None:
        """Change the placeholder text and the height it needs (the gallery shrinks its area
        to one line once it has paintings)."""
        self._placeholder = text
        self.setMinimumHeight(min_height)
        self.updateGeometry()
        self.update()

    def paste_from_clipboard(self) -> None:
        from PySide6.QtGui import QGuiApplication

        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None:
            self._deliver(mime)

    # Drag and drop -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()
            self._hovering = True
            self.update()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._hovering = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self._hovering = False
        self.update()
        if self._deliver(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def _deliver(self, mime: QMimeData) -> bool:
        paths = paths_from_mime(mime)
        if paths:
            self.files_dropped.emit(paths)
            return True
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter or Space opens the file browser, as a click does, for keyboard users."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not event.modifiers():
            self.browse_requested.emit()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.browse_requested.emit()
        super().mouseReleaseEvent(event)

    # Painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = self.palette()
        area = self.rect().adjusted(8, 4, -8, -4)
        if self._hovering or self.hasFocus():
            # Dashed while something is dragged over it, solid while it has the keyboard focus.
            pen = painter.pen()
            pen.setColor(palette.highlight().color())
            pen.setWidth(2)
            pen.setStyle(Qt.PenStyle.DashLine if self._hovering else Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.drawRoundedRect(self.rect().adjusted(2, 2, -3, -3), 6, 6)
        if self._pixmap is not None:
            caption_h = painter.fontMetrics().height() + 4 if self._caption else 0
            image_area = area.adjusted(0, 0, 0, -caption_h)
            scaled = self._pixmap.size().scaled(image_area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = image_area.x() + (image_area.width() - scaled.width()) // 2
            y = image_area.y() + (image_area.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled.width(), scaled.height(), self._pixmap)
            if self._caption:
                painter.setPen(palette.text().color())
                caption = painter.fontMetrics().elidedText(
                    self._caption, Qt.TextElideMode.ElideMiddle, area.width()
                )
                painter.drawText(
                    area.adjusted(0, area.height() - caption_h + 4, 0, 0),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    caption,
                )
        else:
            painter.setPen(palette.placeholderText().color())
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
        painter.end()
