"""The left panel at the smallest supported window, 1024x700: every control fully visible with
Advanced open or closed, no sideways scrolling, and long texts that do not widen it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLabel, QSlider, QToolButton, QWidget

from .conftest import write_image


def cut_off(window) -> list[str]:  # type: ignore[no-untyped-def]
    """The shown controls of the panel whose right edge lies past the visible viewport."""
    viewport = window.left.viewport()
    wanted = (QAbstractSpinBox, QComboBox, QLabel, QSlider, QToolButton)
    cut = []
    for widget in window.left.panel.findChildren(QWidget):
        if not isinstance(widget, wanted) or not widget.isVisibleTo(window.left.panel):
            continue
        if widget.parentWidget() is not None and isinstance(widget.parentWidget(), QAbstractSpinBox):
            continue  # the box's own line edit
        right = widget.mapTo(viewport, QPoint(widget.width() - 1, 0)).x()
        if right >= viewport.width():
            text = getattr(widget, "text", lambda: "")()
            cut.append(f"{type(widget).__name__} {widget.objectName() or text!r}")
    return cut


def assert_fits(window) -> None:  # type: ignore[no-untyped-def]
    left = window.left
    viewport = left.viewport()
    assert not left.horizontalScrollBar().isVisible()
    assert left.horizontalScrollBar().maximum() == 0, "the panel would scroll sideways"
    assert left.panel.minimumSizeHint().width() <= viewport.width()
    assert left.panel.width() <= viewport.width()
    button = window.controls.print_button
    right = button.mapTo(viewport, QPoint(button.width() - 1, 0)).x()
    assert 0 <= right < viewport.width(), "the Print… button is cut off"
    assert cut_off(window) == []
    assert window.width() <= 1024


def test_advanced_fits_the_panel_at_1024x700(  # type: ignore[no-untyped-def]
    qtbot, window, photo: Path, painting: Path, tmp_path: Path
) -> None:
    window.resize(1024, 700)
    window.inputs.set_photo(photo)
    window.inputs.add_style(painting)
    window.inputs.add_style(
        write_image(tmp_path / ("a painting with a rather long file name" * 2 + ".png"), 50, 50)
    )
    qtbot.wait(50)
    assert_fits(window)
    window.controls.advanced_toggle.setChecked(True)
    qtbot.wait(50)
    assert window.controls.advanced.isVisible()
    assert_fits(window)
    # The texture-scale boxes are all there, under their caption if need be.
    assert all(spin.isVisible() for spin in window.controls.layer_weights)
    window.controls.advanced_toggle.setChecked(False)
    qtbot.wait(50)
    assert_fits(window)


def test_a_long_preset_name_does_not_widen_the_panel(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 700)
    window.controls.advanced_toggle.setChecked(True)
    qtbot.wait(50)
    window.preset_bar.combo.addItem("My favourite watercolour look for portraits in the evening light")
    window.preset_bar.combo.setCurrentIndex(window.preset_bar.combo.count() - 1)
    window.left.fit_width()
    qtbot.wait(50)
    assert_fits(window)
