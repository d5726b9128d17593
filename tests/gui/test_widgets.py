"""The widgets on their own: preview zoom and before/after, controls, loss plot."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from nst_desktop.engine import Settings
from nst_desktop.gui.imaging import array_to_qimage, qimage_to_array
from nst_desktop.gui.widgets.controls import ControlsPanel
from nst_desktop.gui.widgets.loss_plot import LossPlot
from nst_desktop.gui.widgets.preview import PreviewPanel


def test_numpy_qimage_round_trip() -> None:
    pixels = np.random.default_rng(0).integers(0, 255, (7, 13, 3), dtype=np.uint8)
    assert np.array_equal(qimage_to_array(array_to_qimage(pixels)), pixels)


def test_preview_zoom_pan_and_compare(qtbot) -> None:
    panel = PreviewPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 300)
    panel.show()
    after = QImage(200, 100, QImage.Format.Format_RGB32)
    after.fill(Qt.GlobalColor.red)
    before = QImage(400, 200, QImage.Format.Format_RGB32)
    before.fill(Qt.GlobalColor.blue)
    view = panel.view
    view.set_canvas_size(400, 200)
    view.set_image(after)
    view.set_before(before)
    fitted = view.zoom()
    panel.zoom_in_button.click()
    assert view.zoom() == pytest.approx(fitted * 1.25)
    panel.actual_button.click()
    assert view.zoom() * panel.devicePixelRatioF() == pytest.approx(1.0)
    panel.fit_button.click()
    assert view.zoom() == pytest.approx(fitted)
    panel.compare.setChecked(True)
    assert panel.split.isEnabled() and view.item.comparing
    panel.split.setValue(25)
    assert view.item.split == pytest.approx(0.25)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(300, 100)))
    assert view.item.split == pytest.approx(0.75, abs=0.02)
    assert panel.split.value() == pytest.approx(75, abs=2)
    image = view.grab().toImage()
    assert not image.isNull()


def test_controls_round_trip_every_setting(qtbot) -> None:
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    settings = Settings(
        style_strength=3.25,
        keep_content=0.5,
        smoothness=2.0,
        brush_scale=1.5,
        keep_colors="histogram",
        size=768,
        steps=450,
        seed=1234,
        optimizer="adam",
        init="noise",
        pooling="avg",
        levels=3,
        content_layer="relu3_2",
        style_layer_weights=(1.0, 0.5, 0.25, 2.0, 0.0),
        learning_rate=3.5,
        device="cpu",
    )
    panel.set_settings(settings)
    assert panel.settings() == settings


def test_out_of_range_preset_values_survive_untouched_sliders(qtbot) -> None:
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    panel.set_settings(Settings(style_strength=25.0))
    assert panel.settings().style_strength == 25.0
    panel.style_strength.set_value(2.0)
    assert panel.settings().style_strength == 2.0


def test_curved_sliders_put_one_in_the_middle(qtbot) -> None:
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    for row in (panel.style_strength, panel.brush_scale):
        row.set_value(1.0)
        assert row.slider.value() == pytest.approx(row.slider.maximum() / 2, abs=2)
        # The slider's end is the top of the useful range; the number box goes on to the
        # largest valid value (both from the setting's spec).
        row.slider.setValue(row.slider.maximum())
        assert row.value() == pytest.approx(row.slider_range()[1])
        assert row.spin.maximum() >= row.slider_range()[1]


def test_quality_sets_steps_and_changes_emit(qtbot) -> None:
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.changed, timeout=500):
        panel.quality.setValue(0)
    assert panel.settings().steps == 60
    panel.steps.setValue(1100)
    assert panel.quality.value() == 4


def test_loss_plot_coalesces_redraws(qtbot) -> None:
    plot = LossPlot()
    qtbot.addWidget(plot)
    for step in range(1, 200):
        plot.add(
            step,
            {"content": 1e-12 if step == 1 else 1.0 / step, "style": 10.0 / step, "tv": 0.1, "total": 11.0},
        )
    assert plot.points() == 199
    qtbot.waitUntil(lambda: plot._stack.currentWidget() is plot.plot, timeout=1000)
    low, high = plot.plot.getViewBox().viewRange()[1]
    assert low > -6, "a near-zero first value must not stretch the log axis"


def test_opening_advanced_never_clips_the_controls_panel(window) -> None:  # type: ignore[no-untyped-def]
    # With room to spare, the left panel grows to its widest row.
    window.resize(1220, 800)
    window.controls.advanced_toggle.setChecked(True)
    scroll, panel = window.left, window.left_panel
    assert (
        scroll.minimumWidth()
        >= panel.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
    )
