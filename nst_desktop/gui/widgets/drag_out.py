"""A handle to drag the picture on show out of the window, into a file manager, a mail or
an image editor: it carries the picture both as image data and as a PNG file (with its
settings inside), because some programs take only one of the two.

Dragging on the picture itself pans it, so the handle is a separate small button.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

Provider = Callable[[], "tuple[QImage, Path] | None"]
"""Returns the picture and a file holding it (written on demand), or None when there is none."""


class DragOutButton(QToolButton):
    def __init__(self, provider: Provider | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = provider
        self.setText("⇱ Drag")
        self.setToolTip("Drag the picture from here into another program or a folder")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: QPoint | None = None
        self.last_mime: QMimeData | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        press = self._press
        if press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        self.setDown(False)
        mime = self.mime_data()
        if mime is not None:
            drag = QDrag(self)
            drag.setMimeData(mime)
            drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._press = None
        super().mouseReleaseEvent(event)

    def mime_data(self) -> QMimeData | None:
        """What a drag carries now (also used by tests, which cannot run a real drag)."""
        got = self.provider() if self.provider is not None else None
        if got is None:
            return None
        image, path = got
        mime = QMimeData()
        mime.setImageData(image)
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        self.last_mime = mime
        return mime
