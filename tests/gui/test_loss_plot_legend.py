"""The loss plot's key never covers a curve: it is a line above the plotting area, naming
every term in its curve's colour (inside the plot, the bottom right hid the falling curves'
ends and a training's level curves)."""

from __future__ import annotations

from nst_desktop.gui.widgets.loss_plot import TERMS, LossPlot


def test_the_key_sits_above_the_curves_and_names_every_term(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(820, 140)
    plot.show()
    for step in range(1, 50):
        plot.add(step, {"total": 1e5 / step, "style": 9e4 / step, "content": 50.0, "tv": 10.0})
    plot.redraw()
    qtbot.waitExposed(plot)
    item = plot.plot.getPlotItem()
    assert item.legend is None, "no key drawn over the curves"
    key = item.titleLabel
    assert key.isVisible()
    area = item.getViewBox().sceneBoundingRect()
    assert key.sceneBoundingRect().bottom() <= area.top() + 1
    assert area.height() > 60, "the curves keep most of the height"
    text = key.text
    for _, label, colour in TERMS:
        assert label in text and colour in text
