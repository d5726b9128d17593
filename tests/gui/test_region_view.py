"""The picture view while regions are painted: a left drag paints (in fractions of the canvas),
a middle drag pans, the overlay is drawn over the picture, and without the brush a drag pans."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from nst_desktop.gui.imaging import array_to_qimage, qimage_to_array
from nst_desktop.gui.widgets.preview import PreviewView


def shown_view(qtbot) -> PreviewView:  # type: ignore[no-untyped-def]
    view = PreviewView()
    qtbot.addWidget(view)
    view.resize(300, 240)
    view.set_canvas_size(200, 100)
    view.set_image(array_to_qimage(np.full((100, 200, 3), 40, np.uint8)))
    view.show()
    qtbot.waitExposed(view)
    view.set_zoom(1.0)
    return view


def test_a_left_drag_paints_in_canvas_fractions_only_with_the_brush_on(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = shown_view(qtbot)
    got: list[tuple[str, float, float]] = []
    view.brush_pressed.connect(lambda p: got.append(("press", p.x(), p.y())))
    view.brush_moved.connect(lambda p: got.append(("move", p.x(), p.y())))
    view.brush_released.connect(lambda: got.append(("release", 0.0, 0.0)))
    port = view.viewport()
    view.set_brush_input(True, radius=0.05)
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(50, 25)))
    qtbot.mouseMove(port, pos=view.mapFromScene(QPointF(150, 75)))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(150, 75)))
    assert [g[0] for g in got] == ["press", "move", "release"]
    assert abs(got[0][1] - 0.25) < 0.02 and abs(got[0][2] - 0.25) < 0.03
    assert abs(got[1][1] - 0.75) < 0.02 and abs(got[1][2] - 0.75) < 0.03
    got.clear()
    view.set_comparing(True)  # the before/after divider takes the drag back
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(50, 25)))
    assert got == [] and view.item.split < 0.3
    view.set_comparing(False)
    view.set_brush_input(False)  # the brush off: a drag pans as before
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(50, 25)))
    assert got == []


def test_a_middle_drag_pans_while_the_brush_paints(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = shown_view(qtbot)
    view.set_brush_input(True, radius=0.05)
    view.set_zoom(4.0)
    bar = view.horizontalScrollBar()
    bar.setValue(bar.maximum() // 2)
    before = bar.value()
    port = view.viewport()
    qtbot.mousePress(port, Qt.MouseButton.MiddleButton, pos=port.rect().center())
    qtbot.mouseMove(port, pos=port.rect().center() + QPoint(-60, 0))
    qtbot.mouseRelease(port, Qt.MouseButton.MiddleButton, pos=port.rect().center() + QPoint(-60, 0))
    assert bar.value() == before + 60


def test_the_overlay_is_drawn_over_the_picture(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = shown_view(qtbot)
    overlay = np.zeros((50, 100, 4), np.uint8)
    overlay[:, :50] = (255, 0, 0, 255)  # the left half opaque red, the right half clear
    image = QImage(overlay.data, 100, 50, 400, QImage.Format.Format_RGBA8888).copy()
    view.set_overlay(image)
    view.fit()
    grab = qimage_to_array(view.grab().toImage())
    left = view.mapFromScene(QPointF(50, 50))
    right = view.mapFromScene(QPointF(150, 50))
    assert tuple(grab[left.y(), left.x()]) == (255, 0, 0)
    assert tuple(grab[right.y(), right.x()]) == (40, 40, 40)
    view.set_overlay(None)
    assert not view.has_overlay()
