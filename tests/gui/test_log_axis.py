"""The loss plot's log axis: labels that never overprint, in few characters."""

from __future__ import annotations

import math

import pytest

from nst_desktop.gui.widgets.log_axis import MIN_GAP_PX, LogAxis, log_ticks, si_text
from nst_desktop.gui.widgets.loss_plot import LossPlot


@pytest.mark.parametrize("pixels", [60.0, 120.0, 300.0, 900.0])
@pytest.mark.parametrize(
    ("low", "high"), [(-0.7, 0.3), (-0.3, -0.05), (-4.0, 1.0), (2.0, 6.5), (-0.22, -0.2), (0.0, 12.0)]
)
def test_ticks_are_never_closer_than_a_label(low: float, high: float, pixels: float) -> None:
    ticks = log_ticks(low, high, pixels)
    per_decade = pixels / (high - low)
    assert all(low <= t <= high for t in ticks)
    assert all((b - a) * per_decade >= MIN_GAP_PX - 1e-9 for a, b in zip(ticks, ticks[1:], strict=False))
    assert len(ticks) >= 2 or pixels < 2 * MIN_GAP_PX, "an axis with room shows a scale"


def test_the_overprinting_range_now_gets_a_few_round_ticks() -> None:
    # Seen in the training view: losses 0.2 to 2 on a plot about 100 px high labelled every
    # minor tick, 0.6 0.7 0.8 0.9 on top of each other.
    ticks = [round(10**t, 6) for t in log_ticks(math.log10(0.15), math.log10(2.4), 100.0)]
    assert ticks == [0.2, 0.5, 1.0, 2.0]
    assert log_ticks(0.0, 12.0, 120.0) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0], "every other decade"
    assert log_ticks(0.0, 12.0, 40.0) == [0.0, 10.0], "every tenth"


def test_labels_are_short() -> None:
    assert [si_text(v) for v in (0.25, 3.0, 20_000.0, 1.5e6, 2e-5, 0.0, math.nan)] == [
        "0.25", "3", "20k", "1.5M", "2e-05", "", "",
    ]  # fmt: skip


def test_the_plot_uses_it_at_a_fixed_width(qtbot) -> None:  # type: ignore[no-untyped-def]
    plot = LossPlot()
    qtbot.addWidget(plot)
    axis = plot.plot.getAxis("left")
    assert isinstance(axis, LogAxis) and axis.logMode
    assert axis.tickStrings([math.log10(0.5), 0.0, 3.0], 1.0, 1.0) == ["0.5", "1", "1k"]
    levels = axis.tickValues(math.log10(0.15), math.log10(2.4), 100.0)
    assert len(levels) == 1 and len(levels[0][1]) == 4
