"""Comparing two versions in the preview: A/B flip and side by side at one scale, then back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from nst_desktop.gui.widgets.preview import PreviewPanel


def _solid(width: int, height: int, colour: Qt.GlobalColor) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(colour)
    return image


def _line_picture(width: int, height: int, column: int) -> np.ndarray:
    """Black with one white vertical line: where it lands shows the scale and the position."""
    picture = np.zeros((height, width, 3), np.uint8)
    picture[:, column] = 255
    return picture


def _centre_colour(panel_view) -> tuple[int, int, int]:
    image = panel_view.viewport().grab().toImage()
    c = image.pixelColor(image.width() // 2, image.height() // 2)
    return c.red(), c.green(), c.blue()


def _bright_columns(view) -> list[int]:
    image = view.viewport().grab().toImage()
    y = image.height() // 2
    return [x for x in range(image.width()) if image.pixelColor(x, y).red() > 128]


@pytest.fixture
def panel(qtbot) -> PreviewPanel:
    widget = PreviewPanel()
    qtbot.addWidget(widget)
    widget.resize(820, 420)
    widget.show()
    qtbot.waitExposed(widget)
    widget.view.set_canvas_size(300, 150)
    widget.view.set_image(_solid(300, 150, Qt.GlobalColor.green))
    widget.view.set_before(_solid(300, 150, Qt.GlobalColor.yellow))
    return widget


def test_flip_shows_b_at_the_same_place_and_zoom(qtbot, panel: PreviewPanel) -> None:
    view = panel.view
    panel.compare_versions(
        _solid(200, 100, Qt.GlobalColor.red), _solid(400, 200, Qt.GlobalColor.blue), ("A: 14:00", "B: 14:05")
    )
    assert panel.pair_mode() == "flip" and panel.pair_bar.isVisible() and not panel.view_b.isVisible()
    # The pair's canvas is the larger picture's; the smaller is drawn at the same scale.
    assert view.sceneRect().width() == 400 and view.sceneRect().height() == 200
    assert _centre_colour(view) == (255, 0, 0)
    assert view.shown_label() == "A: 14:00"
    view.set_zoom(2.0)
    view.centerOn(QPointF(120, 60))
    transform, h, v = view.transform(), view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    with qtbot.waitSignal(view.flipped, timeout=1000) as blocker:
        panel.flip_button.click()
    assert blocker.args == [True]
    assert _centre_colour(view) == (0, 0, 255) and view.shown_label() == "B: 14:05"
    assert panel.flip_button.text() == "Show A"
    assert view.transform() == transform
    assert (view.horizontalScrollBar().value(), view.verticalScrollBar().value()) == (h, v)
    panel.flip_button.click()
    assert _centre_colour(view) == (255, 0, 0)


def test_holding_space_flips_while_held(qtbot, panel: PreviewPanel) -> None:
    view = panel.view
    panel.compare_versions(_solid(200, 100, Qt.GlobalColor.red), _solid(200, 100, Qt.GlobalColor.blue))
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    assert view.showing_b() and panel.flip_button.isChecked()
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert not view.showing_b() and not panel.flip_button.isChecked()


def test_side_by_side_draws_both_at_one_scale_and_follows(qtbot, panel: PreviewPanel) -> None:
    a = _line_picture(400, 200, 100)  # a line a quarter of the way across
    b = _line_picture(200, 100, 50)  # the same place at half the resolution
    panel.compare_versions(a, b, ("A", "B"), mode="side")
    qtbot.waitUntil(lambda: panel.view_b.isVisible() and panel.view_b.viewport().width() > 100)
    qtbot.wait(20)
    assert panel.pair_mode() == "side" and panel.side_mode_button.isChecked()
    assert not panel.flip_button.isEnabled()
    view, view_b = panel.view, panel.view_b
    assert view.shown_label() == "A" and view_b.shown_label() == "B"
    assert view_b.sceneRect() == view.sceneRect()
    # Same scale: the canvas covers the same on-screen rectangle in both views...
    assert view.zoom() == pytest.approx(view_b.zoom())
    rect_a = view.mapFromScene(view.sceneRect()).boundingRect()
    rect_b = view_b.mapFromScene(view_b.sceneRect()).boundingRect()
    assert abs(rect_a.width() - rect_b.width()) <= 1 and abs(rect_a.left() - rect_b.left()) <= 1
    # ...and the same feature lands on the same pixel column in both.
    lines_a, lines_b = _bright_columns(view), _bright_columns(view_b)
    assert lines_a and lines_b
    assert abs(np.mean(lines_a) - np.mean(lines_b)) <= 1.5
    # Zoom and pan in one view: the other follows.
    panel.zoom_in_button.click()
    panel.zoom_in_button.click()
    assert view_b.zoom() == pytest.approx(view.zoom())
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum() // 3)
    centre = view.mapToScene(view.viewport().rect().center())
    centre_b = view_b.mapToScene(view_b.viewport().rect().center())
    assert abs(centre.x() - centre_b.x()) <= 2 and abs(centre.y() - centre_b.y()) <= 2
    view_b.zoom_by(1.5)
    assert view.zoom() == pytest.approx(view_b.zoom())
    lines_a, lines_b = _bright_columns(view), _bright_columns(view_b)
    if lines_a or lines_b:
        assert lines_a and lines_b and abs(np.mean(lines_a) - np.mean(lines_b)) <= 3
    # Space does not flip in side by side.
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert not view.showing_b()
    # Back to one view flipping.
    panel.flip_mode_button.click()
    assert panel.pair_mode() == "flip" and not view_b.isVisible() and panel.flip_button.isEnabled()


def test_live_updates_wait_and_done_returns_to_the_live_picture(qtbot, panel: PreviewPanel) -> None:
    view = panel.view
    panel.compare.setChecked(True)
    panel.compare_versions(_solid(200, 100, Qt.GlobalColor.red), _solid(200, 100, Qt.GlobalColor.blue))
    assert not panel.compare.isEnabled() and not panel.split.isEnabled()
    # A divider drag does not apply to a comparison of versions: dragging pans instead.
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert view.item.split == pytest.approx(0.5)
    # The live picture keeps updating underneath without disturbing the comparison.
    view.set_image(_solid(300, 150, Qt.GlobalColor.cyan))
    view.set_canvas_size(600, 300)
    assert view.sceneRect().width() == 200 and _centre_colour(view) == (255, 0, 0)
    with qtbot.waitSignal(panel.compare_closed, timeout=1000):
        panel.done_button.click()
    assert panel.pair_mode() == "off" and not panel.pair_bar.isVisible() and not view.has_pair()
    assert view.sceneRect().width() == 600
    assert panel.compare.isEnabled() and panel.split.isEnabled()
    # Before/after works as before: the photo (yellow) on the left of the divider.
    image = view.viewport().grab().toImage()
    mid_y = image.height() // 2
    left = image.pixelColor(image.width() // 4, mid_y)
    right = image.pixelColor(3 * image.width() // 4, mid_y)
    assert (left.red(), left.green(), left.blue()) == (255, 255, 0)
    assert (right.red(), right.green(), right.blue()) == (0, 255, 255)


def test_end_compare_without_a_pair_is_harmless(qtbot) -> None:
    panel = PreviewPanel()
    qtbot.addWidget(panel)
    with qtbot.assertNotEmitted(panel.pair_mode_changed):
        panel.end_compare()
        panel.set_pair_mode("side")
    assert panel.pair_mode() == "off"


def test_labels_are_plain_and_capped(qtbot, panel: PreviewPanel) -> None:
    long = "<b>" + "x" * 500
    red, blue = _solid(20, 10, Qt.GlobalColor.red), _solid(20, 10, Qt.GlobalColor.blue)
    panel.compare_versions(red, blue, (long, "B"))
    assert len(panel.view.shown_label()) <= 80
    assert not panel.view.viewport().grab().toImage().isNull()
