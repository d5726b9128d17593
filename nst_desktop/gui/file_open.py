"""Files the operating system hands to the running app (macOS Dock and Finder).

macOS does not pass a file dropped on the Dock icon, or opened with "Open with", as a
command-line argument: it arrives as a ``QFileOpenEvent`` on the application object. A
``.nststyle`` goes to the fast-style importer (style_open.py), anything else to the window's inputs
(:class:`~.main_window.inputs.Inputs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

from .style_open import is_style_file


class OpensPaths(Protocol):
    def open_paths(self, paths: list[Path]) -> None: ...


class OpensStyles(Protocol):
    def open(self, path: Path) -> str | None: ...


class FileOpenFilter(QObject):
    """An application event filter that routes file-open events to the main window's inputs."""

    def __init__(self, inputs: OpensPaths, styles: OpensStyles | None = None) -> None:
        super().__init__()
        self._inputs = inputs
        self._styles = styles

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            path = Path(event.file())
            if self._styles is not None and is_style_file(path):
                self._styles.open(path)
            else:
                self._inputs.open_paths([path])
            return True
        return False
