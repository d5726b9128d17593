"""Scrolling must not change the slider, spin box or list the pointer passes.

An application event filter (so cards added later are covered too) hands a wheel turn over an
unfocused control inside the panel to the panel's scroll bar; once the artist clicks or tabs
into a control, the wheel adjusts it as usual. Elsewhere in the same window (the batch tab's
lists, the before/after slider) a wheel turn over an unfocused control goes to the nearest
scrolling area around it, or nowhere.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QScrollArea,
    QScrollBar,
    QWidget,
)

GUARDED = (QAbstractSlider, QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    def __init__(self, scroll: QScrollArea, window: QWidget | None = None) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        self._window = window
        self.protect_children()
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def protect_children(self) -> None:
        """Controls take the focus by click or Tab only, never by a passing wheel turn."""
        for root in (self._scroll.widget(), self._window):
            if root is not None:
                self._protect(root)

    @staticmethod
    def _protect(root: QWidget) -> None:
        # Qt's default for combo boxes and spin boxes is WheelFocus: the wheel would give them
        # the focus before this filter sees the turn, and then change them.
        for kind in GUARDED:
            for widget in root.findChildren(kind):
                if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, GUARDED):
            return False
        assert isinstance(watched, QWidget)
        if isinstance(watched, QScrollBar) or watched.hasFocus():
            return False  # a scroll bar is for scrolling; a focused control was chosen
        panel = self._scroll.widget()
        if panel is None or not panel.isAncestorOf(watched):
            return self._elsewhere(watched, event)
        if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        QCoreApplication.sendEvent(self._scroll.verticalScrollBar(), event)
        return True

    def _elsewhere(self, watched: QWidget, event: QEvent) -> bool:
        """A control in the rest of the window: scroll what holds it, never change it."""
        window = self._window
        if window is None or not window.isAncestorOf(watched):
            return False
        if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        parent = watched.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QComboBox):
                QCoreApplication.sendEvent(parent.verticalScrollBar(), event)
                return True
            parent = parent.parentWidget()
        return True
