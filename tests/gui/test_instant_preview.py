"""The live instant picture: off the GUI thread, every newer picture shown, drafts while a slider
is dragged, the controls it ignores marked."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.gui import instant_preview
from nst_desktop.gui.instant_preview import DRAFT_SIDE, PREVIEW_SIDE, TASK_KEY, InstantPreview
from nst_desktop.gui.side_tasks import TaskFn, TaskRunner
from nst_desktop.gui.widgets.controls import PAINT_ONLY, PAINT_ONLY_TIP

from .conftest import FakeEngine
from .test_left_panel_width import assert_fits


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

        # A drag asks for a draft at the draft size; style strength and brush scale repaint too.
        drafting = InstantPreview(runner, side=64, draft_side=32)
        with qtbot.waitSignal(drafting.ready, timeout=60_000) as draft:
            assert drafting.update(content, styles, settings.replace(style_strength=3.0), draft=True)
        assert draft.args[0].shape == (24, 32, 3)
        drafting.enabled = False
        with qtbot.waitSignal(preview.ready, timeout=60_000) as bolder:
            assert preview.update(content, styles, settings.replace(strength=0.3, brush_scale=2.0))
        assert not np.array_equal(bolder.args[0], second.args[0]), "brush scale 2 paints a different picture"
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
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.inputs.add_style(painting)
    assert shown_colour(window) == 220
    assert "Instant picture" in window.progress.format()
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.controls.strength.set_value(0.5)
    assert shown_colour(window) == 120
    assert engine.instant_calls[-1].method == "instant" and engine.instant_calls[-1].strength == 0.5
    # Dragging the slider through many values paints far fewer pictures than ticks.
    before = len(engine.instant_calls)
    for value in np.linspace(0.0, 1.0, 40):
        window.controls.strength.set_value(float(value))
    qtbot.waitUntil(lambda: not window.modes.instant.pending, timeout=10_000)
    assert len(engine.instant_calls) - before < 10
    assert shown_colour(window) == 220


def test_a_running_paint_takes_precedence_over_the_instant_picture(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine(block=True, step_seconds=0.01)
    window = make_window(engine)
    window.controls.set_settings(Settings(size=48, strength=1.0, steps=5))
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.inputs.add_style(painting)
    window.stylize()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=10_000)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
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
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=120_000) as ready:
        window.inputs.add_style(painting)
    image = ready.args[0]
    assert image.shape == (48, 64, 3)
    shown = window.preview.view.item.after.toImage()
    assert (shown.width(), shown.height()) == (64, 48)
    assert window.stylize_button.text() == "Paint" and window.stylize_button.isEnabled()
    with Heartbeat() as beat, qtbot.waitSignal(window.modes.instant.ready, timeout=60_000):
        window.controls.keep_colors.setCurrentIndex(1)
    assert max(beat.gaps) < 0.3, f"the GUI thread stalled {max(beat.gaps) * 1000:.0f} ms"


class FakeRunner(QObject):
    """Takes tasks without running them, so a test decides when (and in which order) they end."""

    finished = Signal(str, int, object)
    failed = Signal(str, int, object)

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[tuple[int, TaskFn]] = []

    def submit(self, key: str, fn: TaskFn, *, essential: bool = False) -> int:
        self.tasks.append((len(self.tasks) + 1, fn))
        return len(self.tasks)

    def finish(self, generation: int, value: object) -> None:
        self.finished.emit(TASK_KEY, generation, value)


@pytest.fixture
def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request goes to the runner at once (the pace between requests is not under test)."""
    monkeypatch.setattr(instant_preview, "MIN_INTERVAL_MS", 0)


def test_a_newer_picture_replaces_the_one_shown_an_older_is_dropped(qtbot, inputs, unpaced) -> None:  # type: ignore[no-untyped-def]
    content, styles = inputs
    runner = FakeRunner()
    preview = InstantPreview(runner, paint=lambda c, s, st: c)  # type: ignore[arg-type]
    shown: list[object] = []
    preview.ready.connect(shown.append)
    for strength in (0.2, 0.4, 0.6):
        assert preview.update(content, styles, Settings(strength=strength))
    assert [g for g, _ in runner.tasks] == [1, 2, 3]
    # The first request's picture arrives while two newer ones are asked for: it is shown (the
    # screen follows the hand instead of waiting for the drag to end).
    runner.finish(1, "first")
    runner.finish(3, "third")
    runner.finish(2, "second")  # older than the one on show: dropped
    assert shown == ["first", "third"]
    assert not preview.pending
    # Inputs gone: what was still coming is not shown.
    assert preview.update(content, styles, Settings(strength=0.8))
    assert not preview.update(content, (), Settings())
    runner.finish(4, "late")
    assert shown == ["first", "third"] and not preview.pending


def test_a_failure_is_reported_only_for_the_latest_request(qtbot, inputs, unpaced) -> None:  # type: ignore[no-untyped-def]
    content, styles = inputs
    runner = FakeRunner()
    preview = InstantPreview(runner, paint=lambda c, s, st: c)  # type: ignore[arg-type]
    messages: list[str] = []
    preview.failed.connect(messages.append)
    preview.update(content, styles, Settings(strength=0.2))
    preview.update(content, styles, Settings(strength=0.4))
    runner.failed.emit(TASK_KEY, 1, ValueError("old"))
    assert messages == [] and preview.pending
    runner.failed.emit(TASK_KEY, 2, ValueError("the latest"))
    assert len(messages) == 1 and not preview.pending
    assert preview.update(content, styles, Settings(strength=0.4)), "after a failure, the same inputs again"


def drag(row, value: float) -> None:  # type: ignore[no-untyped-def]
    """Move a slider row's handle as a held mouse does (pressed, moved; not released)."""
    row.slider.setSliderDown(True)
    row.slider.setValue(row._to_position(value))


def test_a_drag_paints_drafts_and_the_full_picture_when_let_go(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine()
    window = make_window(engine)
    window.controls.set_settings(Settings(size=1024))
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000) as first:
        window.inputs.add_style(painting)
    assert max(first.args[0].shape[:2]) == PREVIEW_SIDE
    row = window.controls.strength
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000) as draft:
        drag(row, 0.5)
    assert max(draft.args[0].shape[:2]) == DRAFT_SIDE
    assert engine.instant_calls[-1].strength == pytest.approx(0.5, abs=0.01)
    shown = window.preview.view.item.after.toImage()
    assert max(shown.width(), shown.height()) == DRAFT_SIDE, "the draft is put on show"
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000) as full:
        row.slider.setSliderDown(False)  # let go: sliderReleased
    assert max(full.args[0].shape[:2]) == PREVIEW_SIDE
    assert engine.instant_calls[-1].strength == pytest.approx(0.5, abs=0.01)
    shown = window.preview.view.item.after.toImage()
    assert max(shown.width(), shown.height()) == PREVIEW_SIDE


def test_a_held_slider_gets_the_full_picture_once_it_rests(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine()
    window = make_window(engine)
    window.controls.set_settings(Settings(size=1024))
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.inputs.add_style(painting)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000) as draft:
        drag(window.controls.style_strength, 3.0)
    assert max(draft.args[0].shape[:2]) == DRAFT_SIDE
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000) as full:
        pass  # no move, no release: the pause alone brings the full picture
    assert max(full.args[0].shape[:2]) == PREVIEW_SIDE
    assert engine.instant_calls[-1].style_strength == pytest.approx(3.0, abs=0.05)
    assert window.controls.style_strength.dragging(), "still held"
    window.controls.style_strength.slider.setSliderDown(False)


def test_style_strength_and_brush_scale_reach_the_instant_picture(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine()
    window = make_window(engine)
    window.controls.set_settings(Settings(size=48))
    window.inputs.set_photo(photo)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.inputs.add_style(painting)
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.controls.style_strength.set_value(4.0)
    assert engine.instant_calls[-1].style_strength == 4.0
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.controls.brush_scale.set_value(2.0)
    assert engine.instant_calls[-1].brush_scale == 2.0 and engine.instant_calls[-1].style_strength == 4.0


def test_controls_the_instant_picture_ignores_are_marked_while_it_is_on_show(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    engine = InstantFakeEngine(block=True, step_seconds=0.01)
    window = make_window(engine)
    window.resize(1024, 700)
    controls = window.controls
    window.controls.set_settings(Settings(size=48, steps=5))
    window.inputs.set_photo(photo)
    assert not controls.paint_only_note.isVisible(), "no instant picture yet"
    with qtbot.waitSignal(window.modes.instant.ready, timeout=10_000):
        window.inputs.add_style(painting)
    assert controls.paint_only_note.isVisible()
    assert "apply when you Paint" in controls.paint_only_note.text()
    for name in PAINT_ONLY:
        assert not controls.captions[name].isEnabled()
        assert controls.captions[name].toolTip().startswith(PAINT_ONLY_TIP)
    for name in ("style_strength", "brush_scale", "strength", "keep_colors"):
        assert controls.captions[name].isEnabled(), f"{name} acts on the instant picture"
    assert controls.keep_content.isEnabled(), "the control itself stays usable for the next Paint"
    qtbot.wait(50)
    assert_fits(window)
    # A Paint puts the optimiser's picture on show: nothing is marked.
    window.stylize()
    qtbot.waitUntil(lambda: not controls.paint_only_note.isVisible(), timeout=10_000)
    assert all(controls.captions[name].isEnabled() for name in PAINT_ONLY)
    assert not controls.captions["keep_content"].toolTip().startswith(PAINT_ONLY_TIP)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stop()
