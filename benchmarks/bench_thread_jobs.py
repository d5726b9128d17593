"""The thread policy across every kind of work, on a quiet and on a busy machine (issue 17).

``bench_threads.py`` measured the optimiser against the code from before the policy. This one
measures the other kinds of work the issue names (tiles, the instant picture, a fast style's
apply, training) as well, each in a fresh process of this checkout, three ways:

* ``defaults``: torch's own behaviour, emulated: a thread per core that spins a while before
  it sleeps (``GOMP_SPINCOUNT=300000``, GNU OpenMP's count when no wait policy is set; an
  explicit count outlasts the entry point's ``OMP_WAIT_POLICY=PASSIVE``), ``--threads`` = the
  cores;
* ``auto``: the policy (threads that sleep when idle, the cores other programs leave free);
  before 2026-12-08 04:30 UTC its threads slept at once, since then after 30,000 spins;
* ``auto+spin``: the policy with ``GOMP_SPINCOUNT=--spin`` (the same as ``auto`` since then
  with the default ``--spin``);
* ``one``: ``--threads 1``.

"Busy" starts two ``while True: pass`` loops beside each run. The ways alternate within each
repetition. Wall seconds are the whole process; "engine" the work's own seconds from the JSON
summary (for training, its ``seconds``).

    cd benchmarks && ../.venv/bin/python bench_thread_jobs.py                 # every job, 3 reps
    cd benchmarks && ../.venv/bin/python bench_thread_jobs.py --jobs fast,train --reps 1
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench_threads import CLEARED, run_in, timed_process
from common import ROOT, machine, median, save

SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
PHOTOS = ROOT / "packaging" / "training-photos"


def job_args(job: str, out: Path) -> list[str]:
    """The command line (after ``nst-desktop``) of one piece of work of kind ``job``."""
    paint = ["stylize", str(CONTENT), "--style", str(STYLE), "-o", str(out), "--seed", "1", "--device", "cpu"]
    if job == "optimise":
        return [*paint, "--size", "256", "--steps", "10"]
    if job == "tiles":  # 512 px in tiles: a budget the whole level does not fit in
        return [*paint, "--size", "512", "--steps", "4", "--memory-budget-mb", "900"]
    if job == "instant":
        return [*paint, "--instant", "--size", "2048"]
    if job == "fast":
        return ["stylize", str(CONTENT), "--fast-style", "Autumn", "-o", str(out), "--size", "2048",
                "--device", "cpu"]  # fmt: skip
    if job == "train":  # a new file each time (train never overwrites); it measures the style after
        style = out.with_name(f"style-{time.monotonic_ns()}.nststyle")
        return ["train", str(STYLE), "--photos", str(PHOTOS), "-o", str(style), "--size", "64",
                "--batch", "2", "--steps", "8", "--seed", "1", "--device", "cpu"]  # fmt: skip
    raise ValueError(job)


def run_once(job: str, extra: list[str], env_extra: dict[str, str], out: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED} | env_extra
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "nst_desktop", *job_args(job, out), "--json", "-q", *extra]
    return timed_process(cmd, ROOT, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", default="optimise,tiles,instant,fast,train")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2, help="busy loops beside each run in the busy rows")
    parser.add_argument("--only", choices=("quiet", "busy"), help="one of the two conditions")
    parser.add_argument("--out", default="thread_jobs")
    parser.add_argument("--spin", type=int, default=30000, help="GOMP_SPINCOUNT of the auto+spin way")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    ways: dict[str, tuple[list[str], dict[str, str]]] = {
        "defaults": (["--threads", str(cores)], {"GOMP_SPINCOUNT": "300000"}),
        "auto": (["--threads", "auto"], {}),
        "auto+spin": (["--threads", "auto"], {"GOMP_SPINCOUNT": str(args.spin)}),
        "one": (["--threads", "1"], {}),
    }
    info = machine()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "picture.png"
        for job in args.jobs.split(","):
            for condition in ("quiet", "busy"):
                if args.only and condition != args.only:
                    continue
                rows: dict[str, list[dict[str, float]]] = {name: [] for name in ways}
                for rep in range(args.reps):
                    for name, (extra, env_extra) in ways.items():
                        row = run_in(condition, args.busy, partial(run_once, job, extra, env_extra, out))
                        rows[name].append(row)
                        print(
                            f"{job:8s} {condition} rep {rep + 1} {name:8s} wall {row['wall']:6.1f} s  "
                            f"cpu {row['cpu']:6.1f} s  engine {row['engine']:6.2f} s  "
                            f"threads {row['threads']:.0f}  load {row['load']:.1f}",
                            flush=True,
                        )
                results.setdefault(job, {})[condition] = rows
    summary: dict[str, Any] = {"machine": info, "reps": args.reps, "jobs": {}}
    print(f"\n{info['cpu']}, {info['cores']} cores, {info['date']}; median of {args.reps}")
    print("| job | condition | way | wall s | CPU s | engine s | threads | engine / defaults |")
    print("|---|---|---|---|---|---|---|---|")
    for job, conditions in results.items():
        summary["jobs"][job] = {}
        for condition, rows in conditions.items():
            base = median([r["engine"] for r in rows["defaults"]])
            summary["jobs"][job][condition] = {}
            for name, runs in rows.items():
                m = {k: median([r[k] for r in runs]) for k in ("wall", "cpu", "engine", "threads")}
                summary["jobs"][job][condition][name] = {"median": m, "runs": runs}
                print(
                    f"| {job} | {condition} | {name} | {m['wall']:.1f} | {m['cpu']:.1f} | "
                    f"{m['engine']:.2f} | {m['threads']:.0f} | {m['engine'] / base:.2f} |"
                )
    path = save(args.out, summary)
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
