"""The thread policy: the count chosen from the machine's facts, the idle threads told to
sleep before torch loads, and the count each job (and the window's side task) computes with.

No test here times anything: the policy's speed is measured in benchmarks/bench_threads.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from nst_desktop.engine import threads
from nst_desktop.engine.images import save_image
from nst_desktop.engine.pipeline import ImageInput, Job, run_job
from nst_desktop.engine.settings import SPECS, Settings
from nst_desktop.engine.threads import Machine, choose, own_share
from nst_desktop.engine.types import Result, StyleImage

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"

# -- the count, from injected facts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Machine(cores=2, load=0.0), 2),  # quiet: every core
        (Machine(cores=2, load=0.4), 2),  # a background third of a core keeps both
        (Machine(cores=2, load=0.6), 1),  # more than half a core busy elsewhere
        (Machine(cores=2, load=6.0), 1),  # the busy machine: never below one
        (Machine(cores=8, load=3.0), 5),
        (Machine(cores=8, load=20.0), 1),
        # This process's own busy threads (a painting that just finished) are not others'.
        (Machine(cores=2, load=2.1, own=1.9), 2),
        (Machine(cores=4, load=3.0, own=1.0), 2),
        (Machine(cores=2, load=0.0, own=1.5), 2),  # own above the load: nobody else
        (Machine(cores=4, load=None), 4),  # no load average (Windows): every core
        (Machine(cores=4, load=float("nan")), 4),
        (Machine(cores=8, load=0.0, limit=3), 3),  # OMP_NUM_THREADS caps auto
        (Machine(cores=8, load=7.0, limit=3), 1),
        (Machine(cores=0, load=0.0), 1),
        # The average still counts a program that ended a moment ago; now the cores are idle.
        (Machine(cores=2, load=1.9, busy_now=0.05), 2),
        (Machine(cores=2, load=1.9, busy_now=1.0), 1),
        # A burst seen now does not lower the count: the average says more of it.
        (Machine(cores=2, load=0.1, busy_now=2.0), 2),
        (Machine(cores=2, load=None, busy_now=2.0), 2),
        (Machine(cores=2, load=1.9, busy_now=float("nan")), 1),
    ],
)
def test_auto_takes_the_free_cores(facts: Machine, expected: int) -> None:
    assert choose(0, facts) == expected


def test_an_explicit_count_is_used_as_given() -> None:
    assert choose(3, Machine(cores=2, load=6.0)) == 3
    assert choose(1, Machine(cores=16, load=0.0)) == 1


def test_own_share_follows_the_load_averages_weighting() -> None:
    # Two threads busy for ten minutes: the average has caught up with them.
    assert own_share([(0.0, 0.0)], 600.0, 1200.0) == pytest.approx(2.0, rel=1e-3)
    # Busy for one time constant from idle: 1 - 1/e of it.
    assert own_share([(0.0, 0.0)], 60.0, 60.0) == pytest.approx(1 - np.exp(-1), rel=1e-6)
    # A burst of two threads for a minute, ten minutes ago: forgotten.
    burst = [(0.0, 0.0), (60.0, 120.0)]
    assert own_share(burst, 660.0, 120.0) < 0.01
    # The same burst that just ended counts nearly as the kernel would count it.
    assert own_share(burst, 60.0, 120.0) == pytest.approx(2 * (1 - np.exp(-1)), rel=1e-6)
    # Out-of-order or repeated samples add nothing.
    assert own_share([(5.0, 1.0), (5.0, 1.0)], 5.0, 1.0) == 0.0


def test_usable_cores_respects_a_container_quota(tmp_path: Path) -> None:
    cpu_max = tmp_path / "cpu.max"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert threads.usable_cores(tmp_path / "missing") == affinity
    cpu_max.write_text("max 100000\n")
    assert threads.usable_cores(cpu_max) == affinity
    cpu_max.write_text("50000 100000\n")  # half a core: still one thread
    assert threads.usable_cores(cpu_max) == 1
    cpu_max.write_text("nonsense\n")
    assert threads.usable_cores(cpu_max) == affinity


def test_the_machine_facts_are_read() -> None:
    facts = threads.machine()
    assert facts.cores >= 1 and facts.own >= 0.0
    assert facts.load is None or facts.load >= 0.0


# -- how idle threads wait ----------------------------------------------------------------------


def test_prepare_process_asks_for_sleeping_threads_but_keeps_the_users_choice() -> None:
    env: dict[str, str] = {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "INFINITE"}
    threads.prepare_process(env)
    assert env == {"OMP_WAIT_POLICY": "ACTIVE", "KMP_BLOCKTIME": "0", "GOMP_SPINCOUNT": "INFINITE"}
    env = {}
    threads.prepare_process(env)
    assert env == {"OMP_WAIT_POLICY": "PASSIVE", "KMP_BLOCKTIME": "0", "GOMP_SPINCOUNT": "30000"}


def _child_env() -> dict[str, str]:
    ours = ("OMP_WAIT_POLICY", "KMP_BLOCKTIME", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["OMP_DISPLAY_ENV"] = "VERBOSE"  # the OpenMP runtime prints what it read when it loads
    return env


def test_the_entry_point_tells_torch_before_its_pool_starts(tmp_path: Path) -> None:
    """A real run through ``python -m nst_desktop``: the OpenMP runtime torch loads reads
    the sleeping wait policy, and the job computes with the thread count asked for."""
    output = tmp_path / "out.png"
    proc = subprocess.run(
        [sys.executable, "-m", "nst_desktop", "stylize", str(SAMPLES / "content" / "chelsea.jpg"),
         "--style", str(SAMPLES / "style" / "autumn.jpg"), "--instant", "--size", "32",
         "-o", str(output), "--threads", "1", "--json", "-q"],
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["threads"] == 1
    # The device line is torch's own count, read inside the job.
    assert summary["device"] == "CPU (1 thread)"
    if "GOMP_SPINCOUNT" not in proc.stderr:
        pytest.skip("this torch's OpenMP runtime is not GNU's: it does not show its wait policy")
    # GNU OpenMP spins 300000 times before sleeping by default; ours is a tenth.
    assert "GOMP_SPINCOUNT = '30000'" in proc.stderr, proc.stderr
    assert "OMP_WAIT_POLICY = 'PASSIVE'" in proc.stderr, proc.stderr


def test_without_the_entry_point_torch_spins_so_the_child_test_can_tell() -> None:
    """The check above can fail: a bare ``import torch`` shows the spinning default."""
    proc = subprocess.run(
        [sys.executable, "-c", "import torch"], env=_child_env(), capture_output=True, text=True, timeout=120
    )
    if "GOMP_SPINCOUNT" not in proc.stderr:
        pytest.skip("this torch's OpenMP runtime is not GNU's")
    assert "GOMP_SPINCOUNT = '30000'" not in proc.stderr
    assert "GOMP_SPINCOUNT = '300000'" in proc.stderr


# -- applied per job ----------------------------------------------------------------------------


class ThreadsSeen:
    """A painter that records torch's thread count as the job computes."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **kwargs: Any
    ) -> Result:
        self.seen.append(torch.get_num_threads())
        return Result(
            image=content,
            image_float=content.astype(np.float32) / 255.0,
            settings=settings,
            device="ThreadsSeen",
            seconds=0.1,
            steps=1,
        )


def _job(tmp_path: Path, photo: np.ndarray, **changes: Any) -> Job:
    photo_file = save_image(tmp_path / "photo.png", photo)
    return Job(
        content=ImageInput("photo.png", path=photo_file),
        styles=(ImageInput("style.png", path=photo_file),),
        settings=Settings(size=32, **changes),
    )


def test_a_job_computes_with_its_count_and_records_it(tmp_path: Path, photo: np.ndarray) -> None:
    before = torch.get_num_threads()
    painter = ThreadsSeen()
    try:
        result = run_job(_job(tmp_path, photo, threads=1), paint=painter)
        assert painter.seen == [1] and result.threads == 1
        result = run_job(_job(tmp_path, photo), paint=painter)  # auto
        assert 1 <= painter.seen[-1] == result.threads <= max(1, threads.usable_cores())
    finally:
        torch.set_num_threads(before)
    assert threads.jobs_running() == 0


def test_a_side_task_takes_one_thread_while_a_job_runs_and_leaves_the_jobs_alone(
    tmp_path: Path, photo: np.ndarray
) -> None:
    started, side_done = threading.Event(), threading.Event()
    counts: dict[str, int | None] = {}

    class Waits(ThreadsSeen):
        def __call__(self, *args: Any, **kwargs: Any) -> Result:
            started.set()
            assert side_done.wait(30)
            return super().__call__(*args, **kwargs)

    def side() -> None:
        assert started.wait(30)
        counts["side"] = threads.use_side_threads()
        counts["side torch"] = torch.get_num_threads()
        side_done.set()

    before = torch.get_num_threads()
    painter = Waits()
    helper = threading.Thread(target=side)
    helper.start()
    try:
        run_job(_job(tmp_path, photo, threads=2), paint=painter)
    finally:
        helper.join(30)
        torch.set_num_threads(before)
    assert counts == {"side": 1, "side torch": 1}
    assert painter.seen == [2]  # the side task's count did not reach the job's thread


def test_the_setting_is_a_machine_choice_with_auto_at_zero() -> None:
    field = SPECS["threads"]
    assert field.kind == "machine" and field.flag and field.auto_zero
    assert Settings().threads == 0
    old = Settings().to_dict()
    del old["threads"]  # a document from before the setting: automatic
    assert Settings.from_dict(old).threads == 0


def test_the_cli_takes_auto_or_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nst_desktop.cli import main

    args = [
        "stylize", str(SAMPLES / "content" / "chelsea.jpg"), "--style", str(SAMPLES / "style" / "autumn.jpg"),
        "--instant", "--size", "32", "--json", "-q",
    ]  # fmt: skip
    before = torch.get_num_threads()
    try:
        assert main([*args, "-o", str(tmp_path / "a.png"), "--threads", "auto"]) == 0
        auto = json.loads(capsys.readouterr().out)
        assert auto["settings"]["threads"] == 0 and auto["threads"] >= 1
        assert main([*args, "-o", str(tmp_path / "b.png"), "--threads", "1"]) == 0
        one = json.loads(capsys.readouterr().out)
        assert one["settings"]["threads"] == 1 and one["threads"] == 1
    finally:
        torch.set_num_threads(before)
    assert main([*args, "-o", str(tmp_path / "c.png"), "--threads", "many"]) == 2
    assert "--threads: expected a whole number or auto" in capsys.readouterr().err


def _stat(path: Path, busy: int, idle: int) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n", encoding="ascii")


def test_busy_now_reads_the_processors_use_less_this_process(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.engine import threads as module

    stat = tmp_path / "stat"
    readings = iter([(1000, 1000), (1000 + 150, 1000 + 50)])  # 150 of 200 ticks busy

    def fake_times(_path: Path) -> tuple[int, int] | None:
        return next(readings)

    own = iter([10.0, 10.5])  # this process used half a core-second of them
    monkeypatch.setattr(module, "_cpu_times", fake_times)
    monkeypatch.setattr(module, "_ticks_per_second", lambda: 100)  # 200 ticks: 1 s of 2 cores
    # The module's own names only: the real time and os modules stay as they are.
    monkeypatch.setattr(module, "os", SimpleNamespace(cpu_count=lambda: 2))
    clock = SimpleNamespace(process_time=lambda: next(own), sleep=lambda _s: None)
    monkeypatch.setattr(module, "time", clock)
    assert module.busy_now(stat=stat) == pytest.approx(1.5 - 0.5)


@pytest.mark.parametrize("text", ["", "intr 1 2 3\n", "cpu  a b c d e\n", "cpu 1 2\n"])
def test_an_unreadable_proc_stat_says_nothing(tmp_path: Path, text: str) -> None:
    from nst_desktop.engine import threads as module

    stat = tmp_path / "stat"
    stat.write_text(text, encoding="ascii")
    assert module.busy_now(0.0, stat) is None
    assert module.busy_now(0.0, tmp_path / "missing") is None


def test_busy_now_on_this_machine_is_a_number_of_cores(tmp_path: Path) -> None:
    from nst_desktop.engine import threads as module

    now = module.busy_now(0.05)
    if not Path("/proc/stat").is_file():
        assert now is None
    else:
        assert now is not None and 0.0 <= now <= (os.cpu_count() or 1) + 0.5
    stat = tmp_path / "stat"
    _stat(stat, 100, 100)
    assert module.busy_now(0.0, stat) is None, "no ticks passed: nothing to say"


def test_niced_programs_leave_their_cores_free(tmp_path: Path) -> None:
    from nst_desktop.engine import threads as module

    stat = tmp_path / "stat"
    # user 10, nice 500, system 5, idle 100, iowait 5, irq 0, softirq 0, steal 0
    stat.write_text("cpu  10 500 5 100 5 0 0 0 0 0\n", encoding="ascii")
    assert module._cpu_times(stat) == (15, 605)
