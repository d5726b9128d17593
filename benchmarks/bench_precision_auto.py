"""``precision: auto`` as the probe decides it (engine/precision_probe.py), quiet and busy.

Parts (``--parts``, comma-separated):

- ``probe``: for each thread count (``--threads``), the probe's own cost (a fresh measurement,
  the cache bypassed) and what it chooses, then the real thing it stands for: 256 px, 20-step
  ``stylize`` runs in float32 and in the low format, alternating (ABAB after one untimed run
  of each), in the same go. Done on the machine as found, then beside two ``while true`` busy
  loops this script starts and kills afterwards. Run it with ``OMP_WAIT_POLICY=PASSIVE`` (what
  the app's entry points set before torch loads).
- ``quality``: style and content distance (benchmarks/measure.py) at equal steps, float32
  against the low format on three pairs, for a few (start, steps) cases. Single runs; on one
  thread the optimiser is deterministic, so a difference is the format's, not noise.
- ``control``: the same cases' float32 on one thread against float32 on two (the sums in
  another order, nothing else changed): how far a run moves from a change that small, the
  yardstick for the ``quality`` part's differences.

Results go to benchmarks/results/NAME.json (``--name``); the table is in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import brush_scale_for, command, machine, median, prepare_pair, save
from benchmarks.measure import Measure
from nst_desktop.engine import precision
from nst_desktop.engine.run import stylize
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import StyleImage

#: Three pairs: the two the other precision benchmarks use and a third of other colours.
PAIRS = (
    ("content/astronaut.jpg", "style/autumn.jpg"),
    ("content/chelsea.jpg", "style/swirl.jpg"),
    ("content/coffee.jpg", "style/brush_marks.jpg"),
)
#: (start, steps) cases for the quality part: the quick refine from the instant picture,
#: few steps from the photo, and the default 300 from the photo.
CASES = (("instant", 20), ("content", 20), ("content", 300))


def cpu_seconds() -> float:
    return time.process_time()


@contextmanager
def busy_loops(count: int) -> Iterator[list[int]]:
    """``count`` shell busy loops beside this process, killed (by their ids) on the way out."""
    procs = [
        subprocess.Popen(["sh", "-c", "while true; do :; done"], start_new_session=True) for _ in range(count)
    ]
    try:
        time.sleep(2.0)  # let them take their cores
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()


def run_once(pair: Any, dtype_word: str, steps: int, init: str, threads: int) -> dict[str, Any]:
    settings = Settings(
        size=max(pair.content.shape[:2]),
        steps=steps,
        seed=1,
        device="cpu",
        precision=dtype_word,  # type: ignore[arg-type]
        brush_scale=brush_scale_for(pair),
        init=init,  # type: ignore[arg-type]
        threads=threads,
    )
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = stylize(pair.content, [StyleImage(pair.style)], settings, preview_interval=1e9)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu, "image": result.image}


def part_probe(condition: str, repeats: int, count: int) -> dict[str, Any]:
    from nst_desktop.engine import precision_probe, threads

    device = torch.device("cpu")
    torch.set_num_threads(count)
    candidate = precision.fastest("cpu", precision.detect(device))
    facts = threads.machine()
    out: dict[str, Any] = {
        "condition": condition,
        "threads": count,
        "load_average_before": os.getloadavg(),
        "contended": precision_probe.contended(count, facts),
        "candidate": precision.name(candidate),
    }
    wall, cpu = time.perf_counter(), cpu_seconds()
    timings = precision_probe.measure(device, candidate)
    out["probe_wall_s"] = time.perf_counter() - wall
    out["probe_cpu_s"] = cpu_seconds() - cpu
    out["probe_timings"] = timings.to_dict()
    out["probe_choice"] = precision.name(precision_probe.decide(candidate, timings))
    print(
        f"[{condition}, {count} threads, contended {out['contended']}] "
        f"probe {out['probe_wall_s']:.2f} s wall, "
        f"{out['probe_cpu_s']:.2f} s CPU: float32 {timings.float32_s:.4f} s, "
        f"{precision.name(candidate)} {timings.candidate_s:.4f} s -> {out['probe_choice']}",
        flush=True,
    )
    pair = prepare_pair(*PAIRS[0], 256)
    words = ("float32", precision.name(candidate))
    for w in words:  # one untimed run of each: model load, oneDNN's first-call set-up
        run_once(pair, w, 20, "content", count)
    times: dict[str, list[dict[str, float]]] = {w: [] for w in words}
    for _ in range(repeats):
        for w in words:
            r = run_once(pair, w, 20, "content", count)
            times[w].append({"wall_s": r["wall_s"], "cpu_s": r["cpu_s"]})
    for w in words:
        out[w] = {
            "median_wall_s": median([t["wall_s"] for t in times[w]]),
            "median_cpu_s": median([t["cpu_s"] for t in times[w]]),
            "all": times[w],
        }
    out["wall_ratio_float32_over_low"] = out["float32"]["median_wall_s"] / out[words[1]]["median_wall_s"]
    out["load_average_after"] = os.getloadavg()
    print(
        f"[{condition}, {count} threads] 256 px 20 steps: float32 {out['float32']['median_wall_s']:.2f} s, "
        f"{words[1]} {out[words[1]]['median_wall_s']:.2f} s wall "
        f"(x{out['wall_ratio_float32_over_low']:.2f})",
        flush=True,
    )
    return out


def part_quality(side: int, low: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for init, steps in CASES:
        case = f"{init}-{steps}"
        out[case] = {}
        for content, style in PAIRS:
            pair = prepare_pair(content, style, side)
            measure = Measure(pair.content, pair.style)
            row: dict[str, Any] = {}
            for w in ("float32", low):
                r = run_once(pair, w, steps, init, 1)
                row[w] = {"wall_s": r["wall_s"], **measure(r["image"])}
            for key in ("style_distance", "content_distance"):
                row[f"{key}_low_vs_float32"] = row[low][key] / row["float32"][key] - 1.0
            out[case][pair.name] = row
            print(
                f"{case} {pair.name}: style {row['float32']['style_distance']:.4f} / "
                f"{row[low]['style_distance']:.4f} ({row['style_distance_low_vs_float32']:+.1%}), content "
                f"{row['float32']['content_distance']:.4f} / {row[low]['content_distance']:.4f} "
                f"({row['content_distance_low_vs_float32']:+.1%})",
                flush=True,
            )
    return out


def part_control(side: int, cases: list[tuple[str, int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for init, steps in cases:
        case = f"{init}-{steps}"
        out[case] = {}
        for content, style in PAIRS:
            pair = prepare_pair(content, style, side)
            measure = Measure(pair.content, pair.style)
            row: dict[str, Any] = {}
            before = torch.get_num_threads()
            for threads in (1, 2):
                torch.set_num_threads(threads)
                try:
                    r = run_once(pair, "float32", steps, init, threads)
                finally:
                    torch.set_num_threads(before)
                row[f"float32_{threads}_threads"] = measure(r["image"])
            for key in ("style_distance", "content_distance"):
                row[f"{key}_2_vs_1_threads"] = (
                    row["float32_2_threads"][key] / row["float32_1_threads"][key] - 1.0
                )
            out[case][pair.name] = row
            print(
                f"control {case} {pair.name}: float32 2 vs 1 threads: style "
                f"{row['style_distance_2_vs_1_threads']:+.1%}, "
                f"content {row['content_distance_2_vs_1_threads']:+.1%}",
                flush=True,
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="probe,quality")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", type=int, default=256, help="quality part's picture size")
    parser.add_argument("--name", default="precision-auto")
    parser.add_argument("--threads", default="1,2", help="thread counts for the probe part")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    low = precision.name(precision.fastest("cpu", precision.detect(torch.device("cpu"))))
    data: dict[str, Any] = {"machine": machine(), "command": command(), "low": low}
    if "probe" in parts:
        counts = [int(n) for n in args.threads.split(",")]
        data["quiet"] = [part_probe("as found", args.repeats, n) for n in counts]
        with busy_loops(2) as pids:
            data["busy"] = [part_probe(f"2 busy loops beside (pids {pids})", args.repeats, n) for n in counts]
    if "quality" in parts:
        if low == "float32":
            print("No low format on this CPU: nothing to compare.")
        else:
            data["quality"] = part_quality(args.side, low)
    if "control" in parts:
        data["control"] = part_control(args.side, [c for c in CASES if c[1] <= 100])
    save(args.name, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
