"""The measured half of ``precision: auto`` (engine/precision_probe.py): the decision from
timings, the cache on disk (written, reused, damaged, another torch or thread count), and what
``choose`` and ``resolve`` make of the verdict. No test times anything: the timings are
injected; one test runs the real measurement at a tiny size only to see it works."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from nst_desktop.engine import precision, precision_probe
from nst_desktop.engine.precision import Hardware
from nst_desktop.engine.precision_probe import (
    MARGIN,
    Fingerprint,
    Probe,
    ProbeCache,
    Timings,
    contended,
    decide,
    fingerprint,
    measure,
)
from nst_desktop.engine.threads import Machine

CPU = torch.device("cpu")
BF16 = Hardware(cpu_flags=frozenset({"avx2", "avx512f", "avx512_bf16"}))
HERE = Fingerprint("Test CPU; flags 0123456789ab; 2 cores", "2.14.1", "cpu", 2)


class FakeMeasure:
    """Timings as given, counting the calls (a real measurement is what the counts stand for)."""

    def __init__(self, float32_s: float = 1.0, candidate_s: float = 0.5) -> None:
        self.timings = Timings(float32_s, candidate_s)
        self.calls = 0

    def __call__(self, device: torch.device, candidate: torch.dtype) -> Timings:
        self.calls += 1
        return self.timings


def probe_at(
    path: Path, measure: Callable[[torch.device, torch.dtype], Timings], fp: Fingerprint = HERE
) -> Probe:
    return Probe(ProbeCache(path), measure, fingerprint=lambda device: fp)


# -- the decision -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("float32_s", "candidate_s", "expected"),
    [
        (1.0, 0.5, torch.bfloat16),  # twice as fast: worth it
        (MARGIN * 1.0, 1.0, torch.bfloat16),  # exactly the margin
        (1.05, 1.0, torch.float32),  # faster, but by less than the margin
        (1.0, 1.0, torch.float32),
        (1.0, 1.33, torch.float32),  # slower (two threads on a busy machine, issue 17)
    ],
)
def test_the_candidate_is_kept_only_when_faster_by_the_margin(
    float32_s: float, candidate_s: float, expected: torch.dtype
) -> None:
    assert decide(torch.bfloat16, Timings(float32_s, candidate_s)) == expected


def test_float32_as_the_candidate_is_never_measured(tmp_path: Path) -> None:
    fake = FakeMeasure()
    probe = probe_at(tmp_path / "probe.json", fake)
    assert probe(CPU, torch.float32) == torch.float32
    assert fake.calls == 0 and not (tmp_path / "probe.json").exists()


# -- the cache --------------------------------------------------------------------------------


def test_a_verdict_is_measured_once_then_read_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "probe.json"
    fake = FakeMeasure(1.0, 0.6)
    assert probe_at(path, fake)(CPU, torch.bfloat16) == torch.bfloat16
    assert probe_at(path, fake)(CPU, torch.bfloat16) == torch.bfloat16  # a new process, same file
    assert fake.calls == 1
    stored = json.loads(path.read_text())
    (entry,) = stored.values()
    assert entry["choice"] == "bfloat16" and entry["candidate"] == "bfloat16"
    assert entry["timings"] == {"float32_s": 1.0, "candidate_s": 0.6}
    # The file is what decides: an entry that says float32 makes the next process run float32.
    entry["choice"] = "float32"
    path.write_text(json.dumps(stored))
    assert probe_at(path, FakeMeasure())(CPU, torch.bfloat16) == torch.float32


def test_within_a_process_a_fingerprint_is_measured_once_whatever_the_file(tmp_path: Path) -> None:
    path = tmp_path / "probe.json"
    fake = FakeMeasure()
    probe = probe_at(path, fake)
    probe(CPU, torch.bfloat16)
    path.unlink()
    assert probe(CPU, torch.bfloat16) == torch.bfloat16
    assert fake.calls == 1


def test_another_torch_version_or_thread_count_measures_again_and_keeps_both(tmp_path: Path) -> None:
    path = tmp_path / "probe.json"
    fake = FakeMeasure(1.0, 0.5)
    probe_at(path, fake)(CPU, torch.bfloat16)
    slower = FakeMeasure(1.0, 1.2)
    newer = Fingerprint(HERE.machine, "2.15.0", "cpu", 2)
    assert probe_at(path, slower, newer)(CPU, torch.bfloat16) == torch.float32
    one_thread = Fingerprint(HERE.machine, HERE.torch, "cpu", 1)
    assert probe_at(path, slower, one_thread)(CPU, torch.bfloat16) == torch.float32
    assert slower.calls == 2
    assert len(json.loads(path.read_text())) == 3
    # The first verdict is still there for the first fingerprint.
    untouched = FakeMeasure()
    assert probe_at(path, untouched)(CPU, torch.bfloat16) == torch.bfloat16 and untouched.calls == 0


def test_another_candidate_measures_again(tmp_path: Path) -> None:
    """A cached bfloat16 verdict says nothing about float16 (another GPU in the same slot)."""
    path = tmp_path / "probe.json"
    probe_at(path, FakeMeasure())(CPU, torch.bfloat16)
    fake = FakeMeasure(1.0, 0.5)
    assert probe_at(path, fake)(CPU, torch.float16) == torch.float16
    assert fake.calls == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe not json",
        b"[1, 2, 3]",
        b'{"x": 1',
        json.dumps(
            {
                HERE.key(): {
                    "format": 1,
                    "candidate": "bfloat16",
                    "choice": "float8",
                    "timings": {"float32_s": 1, "candidate_s": 1},
                    "measured": 1,
                }
            }
        ).encode(),
        json.dumps(
            {
                HERE.key(): {
                    "format": 1,
                    "candidate": "bfloat16",
                    "choice": "bfloat16",
                    "timings": {"float32_s": -1, "candidate_s": "x"},
                    "measured": 1,
                }
            }
        ).encode(),
        json.dumps({HERE.key(): {"format": 99, "candidate": "bfloat16", "choice": "bfloat16"}}).encode(),
        json.dumps({HERE.key(): "bfloat16"}).encode(),
    ],
)
def test_a_damaged_cache_is_measured_over_and_rewritten(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "probe.json"
    path.write_bytes(content)
    fake = FakeMeasure(1.0, 0.5)
    assert probe_at(path, fake)(CPU, torch.bfloat16) == torch.bfloat16
    assert fake.calls == 1
    again = FakeMeasure()
    assert probe_at(path, again)(CPU, torch.bfloat16) == torch.bfloat16 and again.calls == 0


def test_a_cache_that_cannot_be_written_still_gives_a_verdict(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    fake = FakeMeasure(1.0, 2.0)
    assert probe_at(blocked / "probe.json", fake)(CPU, torch.bfloat16) == torch.float32
    assert fake.calls == 1


def test_a_measurement_that_fails_means_float32_and_is_tried_again_next_time(tmp_path: Path) -> None:
    path = tmp_path / "probe.json"

    def broken(device: torch.device, candidate: torch.dtype) -> Timings:
        raise RuntimeError("out of memory")

    assert probe_at(path, broken)(CPU, torch.bfloat16) == torch.float32
    assert not path.exists()
    fake = FakeMeasure()
    assert probe_at(path, fake)(CPU, torch.bfloat16) == torch.bfloat16 and fake.calls == 1


def test_the_default_cache_lives_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path))
    assert ProbeCache().path == tmp_path / "cache" / "precision-probe.json"


def test_the_fingerprint_names_this_torch_and_thread_count() -> None:
    quiet = Machine(cores=2, load=0.1)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = fingerprint(CPU, quiet)
        torch.set_num_threads(2)
        two = fingerprint(CPU, quiet)
        busy = fingerprint(CPU, Machine(cores=2, load=3.0, own=0.5))
    finally:
        torch.set_num_threads(before)
    assert one.torch == two.torch == torch.__version__
    assert (one.threads, two.threads) == (1, 2) and one.key() != two.key()
    assert one.machine == two.machine and "cores" in one.machine
    assert not two.contended and busy.contended and busy.key() != two.key()


@pytest.mark.parametrize(
    ("count", "facts", "expected"),
    [
        (2, Machine(cores=2, load=0.3), False),  # a quiet machine
        (2, Machine(cores=2, load=2.5, own=0.2), True),  # two busy loops beside the job
        (2, Machine(cores=2, load=2.0, own=2.0), False),  # the load is this process's own
        (1, Machine(cores=2, load=1.2), False),  # one thread, one core free
        (1, Machine(cores=2, load=1.8), True),  # not even one core free
        (2, Machine(cores=2, load=None), False),  # no load average (Windows): as if quiet
    ],
)
def test_threads_are_contended_when_others_leave_them_too_few_cores(
    count: int, facts: Machine, expected: bool
) -> None:
    assert contended(count, facts) is expected


def test_a_verdict_taken_on_a_busy_machine_is_not_used_on_a_quiet_one(tmp_path: Path) -> None:
    path = tmp_path / "probe.json"
    busy = Fingerprint(HERE.machine, HERE.torch, "cpu", 2, contended=True)
    assert probe_at(path, FakeMeasure(1.0, 1.2), busy)(CPU, torch.bfloat16) == torch.float32
    quiet = FakeMeasure(1.0, 0.6)
    assert probe_at(path, quiet, HERE)(CPU, torch.bfloat16) == torch.bfloat16 and quiet.calls == 1


def test_the_real_measurement_runs_both_formats() -> None:
    """At a tiny size, only that it works and gives times (which are not judged)."""
    timings = measure(CPU, torch.bfloat16, side=32, rounds=1)
    assert timings.float32_s > 0 and timings.candidate_s > 0


# -- what auto becomes ------------------------------------------------------------------------


def test_auto_is_the_hardware_candidate_only_where_the_probe_finds_it_faster(tmp_path: Path) -> None:
    fast = probe_at(tmp_path / "fast.json", FakeMeasure(1.0, 0.6))
    slow = probe_at(tmp_path / "slow.json", FakeMeasure(1.0, 1.3))
    assert precision.choose("auto", CPU, BF16, fast) == torch.bfloat16
    assert precision.choose("auto", CPU, BF16, slow) == torch.float32
    assert precision.resolve("auto", "optimise", CPU, BF16, slow) == "float32"
    assert precision.resolve("auto", "fast", CPU, BF16, fast) == "bfloat16"
    # No native 16-bit format: float32 without measuring anything.
    never = FakeMeasure()
    assert precision.choose("auto", CPU, Hardware(), probe_at(tmp_path / "n.json", never)) == torch.float32
    assert never.calls == 0


def test_an_explicit_format_is_never_second_guessed(tmp_path: Path) -> None:
    slow = FakeMeasure(1.0, 3.0)
    probe = probe_at(tmp_path / "p.json", slow)
    for method in ("optimise", "fast", "instant"):
        assert precision.resolve("bfloat16", method, CPU, BF16, probe) == "bfloat16"
    assert slow.calls == 0


def test_the_instant_network_has_the_same_rule_as_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """instant/api.py asks precision.resolve: float32 under auto on a CPU, whatever the probe."""
    from nst_desktop.engine.instant.api import instant_dtype
    from nst_desktop.engine.settings import Settings

    fake = FakeMeasure(1.0, 0.5)
    monkeypatch.setattr(precision, "detect", lambda device: BF16)
    monkeypatch.setattr(precision_probe, "default_probe", lambda: probe_at(tmp_path / "p.json", fake))
    assert instant_dtype(Settings(precision="auto"), CPU) == torch.float32
    assert instant_dtype(Settings(precision="bfloat16"), CPU) == torch.bfloat16
    assert fake.calls == 0
    assert precision.resolve("auto", "optimise", CPU) == "bfloat16" and fake.calls == 1
