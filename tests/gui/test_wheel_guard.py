"""Scrolling the controls panel never changes a control the pointer happens to pass over."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def wheel(widget, steps: int = -3) -> None:  # type: ignore[no-untyped-def]
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_over_an_unfocused_control_scrolls_the_panel(qtbot, window) -> None:
    window.resize(1000, 420)  # short enough for the panel to scroll
    qtbot.wait(50)
    slider = window.controls.strength.slider
    combo = window.controls.keep_colors
    before = (slider.value(), combo.currentIndex())
    bar = window.left.verticalScrollBar()
    start = bar.value()
    wheel(slider)
    wheel(combo)
    assert (slider.value(), combo.currentIndex()) == before
    assert bar.maximum() == 0 or bar.value() != start, "the panel scrolled instead"
    assert slider.focusPolicy() == Qt.FocusPolicy.StrongFocus

    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus, timeout=2000)
    wheel(slider)
    assert slider.value() != before[0], "a focused control still takes the wheel"


def test_wheel_over_unfocused_controls_elsewhere_changes_nothing(qtbot, window) -> None:
    combo = window.batch.format_combo
    split = window.preview.split
    window.tabs.setCurrentWidget(window.batch)
    split.setEnabled(True)
    qtbot.wait(20)
    before = (combo.currentIndex(), split.value())
    # Qt gives a WheelFocus control the focus before any filter sees the turn: none may have it.
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    wheel(combo)
    wheel(split)
    assert (combo.currentIndex(), split.value()) == before
