"""A run through the real worker thread on the fake engine: previews, stop, save, errors, close."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from nst_desktop.engine import OutOfMemory
from nst_desktop.engine.images import load_image, read_metadata
from nst_desktop.gui.controller import JobController
from nst_desktop.gui.worker import ImageInput, Job, stylize_call

from .conftest import FakeEngine


def run_to_end(qtbot, window, timeout: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controller.finished, timeout=timeout):
        window.stylize_button.click()


def test_stylize_paints_on_a_worker_thread(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    window = ready_window
    run_to_end(qtbot, window)
    assert window.shown is not None and window.shown.complete
    assert window.shown.size == (48, 36)
    assert fake_engine.thread_names and fake_engine.thread_names[0] != threading.main_thread().name
    assert window.loss_plot.points() > 0
    assert window.progress.value() == 1000 and window.progress.format().startswith("Done")
    assert window.device_label.text() == "Device: Fake CPU (test)"
    assert window.save_button.isEnabled() and window.stylize_button.isEnabled()
    assert not window.stop_button.isEnabled()


def test_progress_shows_level_step_and_eta(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    fake_engine.step_seconds = 0.02
    formats: list[str] = []
    ready_window.controller.progress.connect(lambda _p: formats.append(ready_window.progress.format()))
    run_to_end(qtbot, ready_window)
    assert any("Level 1/2" in f and "step" in f and ("left" in f or "almost done" in f) for f in formats)


def test_stylize_without_images_explains_what_is_missing(window, fake_engine: FakeEngine) -> None:
    window.stylize()
    assert not window.controller.busy and "photo" in window.banner.text()


def test_keyboard_shortcuts_start_and_stop(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    fake_engine.block = True
    ready_window.activateWindow()
    with qtbot.waitSignal(ready_window.controller.started, timeout=2000):
        qtbot.keyClick(ready_window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert fake_engine.started.wait(5)
    with qtbot.waitSignal(ready_window.controller.cancelled, timeout=2000):
        qtbot.keyClick(ready_window, Qt.Key.Key_Escape)


def test_stop_mid_run_keeps_the_last_preview_and_it_can_be_saved(
    qtbot, ready_window, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    window = ready_window
    fake_engine.block = True
    window.stylize_button.click()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=5000)
    timer = QElapsedTimer()
    timer.start()
    with qtbot.waitSignal(window.controller.finished, timeout=1000):
        window.stop_button.click()
    assert timer.elapsed() < 1000
    assert window.shown is not None and not window.shown.complete
    assert window.preview.view.has_image()
    assert window.save_button.isEnabled()
    saved = window.output.save_to(tmp_path / "partial.png")
    assert saved is not None and read_metadata(saved)["stopped_early"] is True


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_save_embeds_settings_that_restore(qtbot, ready_window, tmp_path: Path, suffix: str) -> None:
    window = ready_window
    run_to_end(qtbot, window)
    window.output.ask_save_path = lambda suggested: tmp_path / f"out{suffix}"
    task = window.output.save()  # written on the writer thread
    assert task is not None
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)
    saved = task.written
    assert saved is not None and saved.is_file()
    assert load_image(saved).shape[:2] == (36, 48)
    meta = read_metadata(saved)
    assert meta is not None and meta["app"] == "nst-desktop"
    assert meta["settings"]["seed"] == 3 and meta["styles"][0]["name"] == "painting.jpg"
    assert meta["content"] == "photo.png" and meta["device"] == "Fake CPU (test)"
    window.controls.set_settings(window.controls.settings().replace(size=999, steps=7))
    assert window.inputs.restore_settings(meta, saved.name)
    assert window.controls.settings().size == 48


def test_save_failure_is_a_message(qtbot, ready_window, tmp_path: Path) -> None:
    run_to_end(qtbot, ready_window)
    assert ready_window.output.save_to(tmp_path / "missing-folder" / "x" / "out.bmp") is None
    assert ready_window.banner.is_error


def test_copy_puts_the_picture_on_the_clipboard(qtbot, ready_window) -> None:
    run_to_end(qtbot, ready_window)
    ready_window.copy_button.click()
    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == (48, 36)


def test_out_of_memory_is_a_message_and_the_app_keeps_working(
    qtbot, make_window, ready_window, fake_engine: FakeEngine
) -> None:
    fake_engine.fail = OutOfMemory("The computer ran out of memory painting at 4096x3072 px.")
    run_to_end(qtbot, ready_window)
    text = ready_window.banner.text()
    assert "ran out of memory" in text and "smaller" in text and "CPU" in text
    fake_engine.fail = None
    run_to_end(qtbot, ready_window)
    assert ready_window.shown is not None


def test_unexpected_engine_error_is_reported_not_raised(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    fake_engine.fail = RuntimeError("boom")
    run_to_end(qtbot, ready_window)
    assert "boom" in ready_window.banner.text() and ready_window.stylize_button.isEnabled()


def test_photo_that_vanished_before_the_run_is_a_message(
    qtbot, ready_window, photo: Path, fake_engine: FakeEngine
) -> None:
    photo.unlink()
    run_to_end(qtbot, ready_window)
    assert ready_window.banner.is_error and "photo.png" in ready_window.banner.text()
    assert fake_engine.calls == []


def test_controller_runs_one_job_at_a_time(
    qtbot, fake_engine: FakeEngine, photo: Path, painting: Path
) -> None:
    from nst_desktop.engine import Settings

    fake_engine.block = True
    controller = JobController()
    job = stylize_call(
        fake_engine, Job(ImageInput("p", photo), (ImageInput("s", painting),), Settings(size=32, steps=5))
    )
    outcomes: list[str] = []
    controller.succeeded.connect(lambda _r: outcomes.append("succeeded"))
    controller.cancelled.connect(lambda: outcomes.append("cancelled"))
    controller.failed.connect(lambda _m: outcomes.append("failed"))
    assert controller.start(job)
    assert not controller.start(job)
    with qtbot.waitSignal(controller.finished, timeout=3000):
        controller.cancel()
    assert outcomes == ["cancelled"] and not controller.busy
    fake_engine.block = False
    with qtbot.waitSignal(controller.finished, timeout=3000):
        assert controller.start(job)
    assert outcomes == ["cancelled", "succeeded"]


def test_closing_mid_run_stops_the_worker_quickly(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    window = ready_window
    fake_engine.block = True
    window.stylize_button.click()
    assert fake_engine.started.wait(5)
    handle = window.controller.handle
    assert handle is not None and handle.running
    started = time.perf_counter()
    assert not window.close(), "it closes itself once the run has stopped (the GUI never waits)"
    assert time.perf_counter() - started < 0.5
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=2000)
    assert window.controller.handle is None and not handle.running and not window.isVisible()


def test_event_loop_never_stalls_during_a_run(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    """A 10 ms heartbeat must never be late by more than 100 ms while previews stream in."""
    window = ready_window
    fake_engine.step_seconds = 0.001
    window.controls.set_settings(window.controls.settings().replace(size=512, steps=1500))
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    run_to_end(qtbot, window, timeout=30_000)
    heartbeat.stop()
    assert window.shown is not None and len(gaps) > 20
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"


def test_controller_runs_any_job_function(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Status lines and progress share one report channel; previews are copied before crossing."""
    import numpy as np

    from nst_desktop.engine import Progress

    controller = JobController()
    statuses: list[str] = []
    reports: list[Progress] = []
    results: list[object] = []
    controller.status.connect(statuses.append)
    controller.progress.connect(reports.append)
    controller.succeeded.connect(results.append)
    buffer = np.full((4, 4, 3), 200, np.uint8)

    def job(report, cancel):  # type: ignore[no-untyped-def]
        report("Counting…")
        report(Progress(stage="training", step=1, total=2, level=1, levels=1, size=(4, 4), preview=buffer))
        buffer[:] = 0  # the engine reuses its buffer; the GUI must still see the picture it was sent
        return threading.current_thread().name

    with qtbot.waitSignal(controller.finished, timeout=3000):
        assert controller.start(job)
    assert statuses == ["Counting…"]
    assert len(reports) == 1 and reports[0].stage == "training" and reports[0].preview.min() == 200
    assert results and results[0] != threading.main_thread().name


def test_failures_cross_the_thread_as_exceptions(qtbot) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.gui.worker import OOM_ADVICE, failure_message

    controller = JobController()
    errors: list[BaseException] = []
    controller.failed.connect(errors.append)
    boom = ValueError("bad value")

    def job(report, cancel):  # type: ignore[no-untyped-def]
        raise boom

    with qtbot.waitSignal(controller.finished, timeout=3000):
        controller.start(job)
    assert errors == [boom] and boom.__traceback__ is None  # the failed run's frames are let go
    assert failure_message(boom) == "Something went wrong inside nst-desktop (ValueError: bad value)."
    assert failure_message(MemoryError()) == f"The computer ran out of memory. {OOM_ADVICE}"
    assert failure_message(OutOfMemory("Out of memory at 9000 px.")).endswith(OOM_ADVICE)
    assert failure_message(OutOfMemory("Try a smaller size.")) == "Try a smaller size."
