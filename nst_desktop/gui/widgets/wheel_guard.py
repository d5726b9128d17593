"""Scrolling the controls panel must not change the slider, spin box or list the pointer passes.

An application event filter (so cards added later are covered too) hands a wheel turn over an
unfocused control inside the panel to the panel's scroll bar; once the artist clicks or tabs
into a control, the wheel adjusts it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollArea, QWidget

GUARDED = (QAbstractSlider, QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        self.protect_children()
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def protect_children(self) -> None:
        """Controls take the focus by click or Tab only, never by a passing wheel turn."""
        panel = self._scroll.widget()
        if panel is None:
            return
        for kind in GUARDED:
            for widget in panel.findChildren(kind):
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, GUARDED):
            return False
        assert isinstance(watched, QWidget)
        panel = self._scroll.widget()
        if panel is None or watched.hasFocus() or not panel.isAncestorOf(watched):
            return False
        if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        QCoreApplication.sendEvent(self._scroll.verticalScrollBar(), event)
        return True
