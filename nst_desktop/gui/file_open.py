"""Files the operating system hands to the running app (macOS Dock and Finder).

macOS does not pass a file dropped on the Dock icon, or opened with "Open with", as a
command-line argument: it arrives as a ``QFileOpenEvent`` on the application object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent


class OpensPaths(Protocol):
    def open_paths(self, paths: list[Path]) -> None: ...


class FileOpenFilter(QObject):
    """An application event filter that routes file-open events to the main window."""

    def __init__(self, window: OpensPaths) -> None:
        super().__init__()
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            self._window.open_paths([Path(event.file())])
            return True
        return False
