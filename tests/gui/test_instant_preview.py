"""The live instant picture: off the GUI thread, latest request wins, live with the sliders."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.gui.instant_preview import InstantPreview
from nst_desktop.gui.side_tasks import TaskRunner

from .conftest import FakeEngine


class Heartbeat:
    """A 10 ms QTimer that records the longest gap between its ticks."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        self.gaps.append(self.clock.restart() / 1000)

    def __enter__(self) -> Heartbeat:
        self.clock.start()
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def test_runner_runs_the_latest_request_of_a_key_only(qtbot) -> None:
    runner = TaskRunner()
    started: list[int] = []
    results: list[object] = []
    runner.finished.connect(lambda key, gen, value: results.append(value))

    def task(n: int):  # type: ignore[no-untyped-def]
        def run(cancel: threading.Event) -> int:
            started.append(n)
            time.sleep(0.05)
            return n

        return run

    try:
        for n in range(30):  # a burst of slider ticks
            runner.submit("preview", task(n))
        qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    finally:
        assert runner.shutdown()
    assert started[0] == 0 and started[-1] == 29
    assert len(started) <= 3, started  # the one running, then only the latest waiting
    assert results[-1] == 29


def test_runner_reports_failures_and_keeps_going(qtbot) -> None:
    runner = TaskRunner()
    failures: list[object] = []
    runner.failed.connect(lambda key, gen, exc: failures.append(exc))

    def boom(cancel: threading.Event) -> None:
        raise ValueError("boom")

    try:
        with qtbot.waitSignal(runner.failed, timeout=5000):
            runner.submit("a", boom)
        with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
            runner.submit("b", lambda cancel: 42)
    finally:
        runner.shutdown()
    assert isinstance(failures[0], ValueError) and blocker.args[2] == 42


@pytest.fixture
def inputs(photo: Path, painting: Path) -> tuple[ImageInput, tuple[ImageInput, ...]]:
    return ImageInput(name=photo.name, path=photo), (ImageInput(name=painting.name, path=painting),)


def test_instant_preview_through_the_real_worker_and_network(qtbot, inputs) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    content, styles = inputs
    runner = TaskRunner()
    preview = InstantPreview(runner, side=64)
    settings = Settings(size=64, device="cpu")
    try:
        with qtbot.waitSignal(preview.ready, timeout=120_000) as first:
            assert preview.update(content, styles, settings)
        image = first.args[0]
        assert image.dtype == np.uint8 and image.shape == (48, 64, 3)
        assert not preview.update(content, styles, settings), "the same inputs are not painted again"

        # A slider move repaints without a Paint press, and the GUI thread keeps ticking.
        with Heartbeat() as beat, qtbot.waitSignal(preview.ready, timeout=60_000) as second:
            assert preview.update(content, styles, settings.replace(strength=0.3))
        assert not np.array_equal(second.args[0], image), "strength 0.3 paints a different picture"
        assert beat.gaps and max(beat.gaps) < 0.3, f"the GUI thread stalled {max(beat.gaps) * 1000:.0f} ms"
    finally:
        runner.shutdown(10_000)


class InstantFakeEngine(FakeEngine):
    """The fake engine with a quick fake instant picture (a flat colour set by strength)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.instant_calls: list[Settings] = []

    def instant_picture(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings
    ) -> np.ndarray:
        self.instant_calls.append(settings)
        time.sleep(0.02)
        return np.full_like(content, int(settings.strength * 200) + 20)


def shown_colour(window) -> int:  # type: ignore[no-untyped-def]
    image = window.preview.view.item.after.toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2).red()


def test_window_shows_the_instant_picture_and_follows_the_slider(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine()
    window = make_window(engine)
    window.controls.set_settings(Settings(size=48, strength=1.0))
    window.set_photo(photo)
    with qtbot.waitSignal(window.instant.ready, timeout=10_000):
        window.add_style(painting)
    assert shown_colour(window) == 220
    assert "Instant picture" in window.progress.format()
    with qtbot.waitSignal(window.instant.ready, timeout=10_000):
        window.controls.strength.set_value(0.5)
    assert shown_colour(window) == 120
    assert engine.instant_calls[-1].method == "instant" and engine.instant_calls[-1].strength == 0.5
    # Dragging the slider through many values paints far fewer pictures than ticks.
    before = len(engine.instant_calls)
    for value in np.linspace(0.0, 1.0, 40):
        window.controls.strength.set_value(float(value))
    qtbot.waitUntil(lambda: not window.instant.pending, timeout=10_000)
    assert len(engine.instant_calls) - before < 10
    assert shown_colour(window) == 220


def test_a_running_paint_takes_precedence_over_the_instant_picture(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine(block=True, step_seconds=0.01)
    window = make_window(engine)
    window.controls.set_settings(Settings(size=48, strength=1.0, steps=5))
    window.set_photo(photo)
    with qtbot.waitSignal(window.instant.ready, timeout=10_000):
        window.add_style(painting)
    window.stylize()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=10_000)
    with qtbot.waitSignal(window.instant.ready, timeout=10_000):
        window.controls.keep_colors.setCurrentIndex(1)
    qtbot.wait(50)
    assert shown_colour(window) != 220  # the optimiser's preview (the fake's photo) stays on show
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stop()
    assert window.shown is not None and not window.shown.complete


def test_the_window_shows_the_real_instant_picture_at_start(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    pytest.importorskip("torch")
    from nst_desktop.gui.worker import RealEngine

    window = make_window(RealEngine())
    window.controls.set_settings(Settings(size=64, device="cpu"))
    window.set_photo(photo)
    with qtbot.waitSignal(window.instant.ready, timeout=120_000) as ready:
        window.add_style(painting)
    image = ready.args[0]
    assert image.shape == (48, 64, 3)
    shown = window.preview.view.item.after.toImage()
    assert (shown.width(), shown.height()) == (64, 48)
    assert window.stylize_button.text() == "Paint" and window.stylize_button.isEnabled()
    with Heartbeat() as beat, qtbot.waitSignal(window.instant.ready, timeout=60_000):
        window.controls.keep_colors.setCurrentIndex(1)
    assert max(beat.gaps) < 0.3, f"the GUI thread stalled {max(beat.gaps) * 1000:.0f} ms"
