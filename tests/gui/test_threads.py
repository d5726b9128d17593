"""The one thread registry: per-job handles, one place to stop every thread, writes that land."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from nst_desktop.engine import Cancelled, Progress
from nst_desktop.gui import threads
from nst_desktop.gui.controller import JobController
from nst_desktop.gui.main_window.version_writer import Task, VersionWriter
from nst_desktop.gui.side_tasks import TaskRunner

GUI = Path(__file__).resolve().parents[2] / "nst_desktop" / "gui"


def _outcomes(handle: Any) -> list[object]:
    seen: list[object] = []
    handle.succeeded.connect(lambda value: seen.append(("succeeded", value)))
    handle.failed.connect(lambda exc: seen.append(("failed", str(exc))))
    handle.cancelled.connect(lambda: seen.append("cancelled"))
    handle.progress.connect(lambda p: seen.append(("progress", p.step)))
    return seen


def _until_cancelled(report: Any, cancel: threading.Event) -> object:
    report(Progress(stage="painting", step=1, total=9, level=1, levels=1, size=(4, 4)))
    while not cancel.wait(0.005):
        pass
    raise Cancelled()


def test_each_handle_carries_only_its_own_jobs_signals(qtbot) -> None:  # type: ignore[no-untyped-def]
    registry = threads.registry().child()
    gate = threading.Event()

    def answer(value: str) -> Any:
        def job(report: Any, cancel: threading.Event) -> str:
            gate.wait(5)
            return value

        return job

    first = registry.start(answer("first"))
    second = registry.start(answer("second"))
    third = registry.start(_until_cancelled)
    seen = [_outcomes(h) for h in (first, second, third)]
    assert {e.name for e in registry.running()} == {"nst-job"} and len(registry.running()) == 3
    gate.set()
    qtbot.waitUntil(lambda: ("progress", 1) in seen[2], timeout=5000)
    third.cancel()
    for handle in (first, second, third):
        if handle.running:
            qtbot.waitSignal(handle.finished, timeout=5000).wait()
    assert seen[0] == [("succeeded", "first")]
    assert seen[1] == [("succeeded", "second")]
    assert seen[2] == [("progress", 1), "cancelled"]
    qtbot.waitUntil(lambda: not registry.running(), timeout=5000)


def test_the_controller_is_free_before_the_owner_hears_the_end_and_tells_observers_after(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = JobController(threads=threads.registry().child())
    order: list[str] = []
    handle = controller.start(lambda report, cancel: 42)
    assert handle is not None
    assert controller.start(lambda report, cancel: 0) is None, "one job at a time"
    handle.finished.connect(lambda: order.append(f"owner busy={controller.busy}"))
    controller.finished.connect(lambda: order.append("observers"))
    with qtbot.waitSignal(controller.finished, timeout=5000):
        pass
    assert order == ["owner busy=False", "observers"]
    again = controller.start(lambda report, cancel: 1)
    assert again is not None and again is not handle
    with qtbot.waitSignal(controller.finished, timeout=5000):
        pass


def test_shutdown_waits_with_a_bound_and_keeps_a_thread_that_does_not_stop_referenced(qtbot) -> None:  # type: ignore[no-untyped-def]
    registry = threads.registry().child()
    release = threading.Event()
    started = threading.Event()

    def stubborn(report: Any, cancel: threading.Event) -> None:
        started.set()
        release.wait(10)  # ignores cancel, like a torch call in progress

    handle = registry.start(stubborn)
    polite = registry.start(_until_cancelled)
    assert started.wait(5)
    began = time.monotonic()
    assert not registry.shutdown(300)
    assert time.monotonic() - began < 2.0, "the bound is for all threads together"
    assert handle.stopping and polite.stopping
    assert [e.handle for e in registry.stranded()] == [handle], "the polite one ended in time"
    qtbot.waitUntil(lambda: not polite.running, timeout=5000)  # its end is still delivered
    release.set()
    registry.wait_for_stranded(5000)
    QCoreApplication.processEvents()
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert registry.running() == [] and registry.stranded() == []


class _SlowWrite(Task):
    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self) -> None:
        time.sleep(0.3)
        self.path.write_text("landed")


def test_shutdown_lets_pending_writes_land_before_it_quits_the_writer(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry = threads.registry().child()
    writer = VersionWriter(threads=registry)
    files = [tmp_path / f"{i}.txt" for i in range(3)]
    for path in files:
        writer.submit(_SlowWrite(path))
    assert [e.name for e in registry.running()] == ["nst-versions"]
    assert registry.shutdown(10_000)
    assert all(p.read_text() == "landed" for p in files), "a queued write was dropped"
    assert registry.running() == []


def test_a_side_runner_stopped_by_the_registry_drops_its_waiting_tasks(qtbot) -> None:  # type: ignore[no-untyped-def]
    registry = threads.registry().child()
    runner = TaskRunner(threads=registry)
    ran: list[str] = []
    started = threading.Event()

    def first(cancel: threading.Event) -> None:
        started.set()
        cancel.wait(5)
        ran.append("first")

    runner.submit("a", first)
    runner.submit("b", lambda cancel: ran.append("second"))
    assert started.wait(5)
    assert registry.shutdown(5000)
    QCoreApplication.processEvents()
    assert ran == ["first"] and not runner.busy
    assert runner.submit("c", lambda cancel: ran.append("late")) and ran == ["first"]


def test_a_childs_threads_are_known_to_its_parent_and_stopped_alone(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = threads.registry().child()
    one, other = parent.child(), parent.child()
    mine = one.start(_until_cancelled)
    theirs = other.start(_until_cancelled)
    assert {e.handle for e in parent.running()} == {mine, theirs}
    assert one.shutdown(5000)
    assert [e.handle for e in parent.running()] == [theirs], "only the child's own thread ended"
    assert mine.stopping and theirs.running and not theirs.stopping
    assert other.shutdown(5000) and parent.running() == []


def test_the_window_starts_its_threads_through_its_registry(qtbot, ready_window) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize()
    names = {e.name for e in window.threads.running()}
    assert "nst-versions" in names  # the version just made is written on the writer
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)
    window.close()
    assert all(e.stopping for e in window.threads.running()), "closing stopped every thread"
    qtbot.waitUntil(lambda: window.threads.running() == [], timeout=5000)


def test_no_thread_is_started_outside_the_registry() -> None:
    """Static: the GUI makes no QThread, executor or Python thread of its own anywhere else."""
    pattern = re.compile(r"\bQThread\(|ThreadPoolExecutor|threading\.Thread\(|QThreadPool")
    offenders = [
        f"{path.relative_to(GUI)}:{n}"
        for path in GUI.rglob("*.py")
        if path.name != "threads.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
