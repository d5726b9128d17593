"""A stopped picture's share is one number wherever it shows: the line under the picture and
the history badge floored it differently (seen under Xvfb: "Stopped at 18%" beside a badge
"stopped at 17%"), and a stop just before the end said "Stopped at 100%"."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from nst_desktop.engine import Cancelled, Progress

from .conftest import FakeEngine


class AlmostDoneEngine(FakeEngine):
    """Holds at 99.8 % of the time (599 of 600 s spent, 1 s left) until stopped."""

    def stylize(self, content, styles, settings, *, on_progress=None, cancel=None, **kwargs):  # type: ignore[no-untyped-def]
        self.started.set()
        preview = np.zeros((48, 64, 3), np.uint8)
        assert on_progress is not None and cancel is not None
        while not cancel.is_set():
            on_progress(Progress("painting", 29, 30, 1, 1, (64, 48), elapsed=599.0, eta=1.0, preview=preview))
            time.sleep(0.01)
        raise Cancelled()


def test_a_stop_just_before_the_end_is_99_percent_on_the_line_and_the_badge(  # type: ignore[no-untyped-def]
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    window = make_window(AlmostDoneEngine())
    assert window.inputs.set_photo(photo) and window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=30))
    window.stylize_button.click()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=5000)
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop_button.click()
    assert window.shown is not None and not window.shown.complete
    assert window.progress.format().startswith("Stopped at 99%:"), window.progress.format()
    strip = window.history.strip
    version = strip.version(strip.ids()[-1])
    assert version is not None and version.status_text() == "stopped at 99%"
