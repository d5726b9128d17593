"""The thread policy against the old defaults, on a quiet and on a busy machine.

Each run is a fresh ``python -m nst_desktop stylize`` (the optimiser, 256 px, 10 steps, seed
1): torch's thread pool and its wait policy are set when the process starts, so nothing less
than a new process measures them. Three ways:

* ``before``: the code from before the policy (a git worktree, ``--before``), torch's
  defaults: one spinning thread per core;
* ``auto``: this checkout, ``--threads auto`` (sleeping threads, the free cores);
* ``one``: this checkout, ``--threads 1``.

"Busy" starts two ``while True: pass`` loops beside each run (as many as this machine's two
cores) and stops them after. Wall seconds are the whole process (start, model load, painting);
CPU seconds its user + system time (``wait4``); "engine" the painting's own seconds from the
JSON summary. The ways alternate within each repetition, so a drift in the machine's
background load falls on all three alike.

    cd benchmarks && ../.venv/bin/python bench_threads.py            # 3 repetitions, 256 px
    cd benchmarks && ../.venv/bin/python bench_threads.py --quick    # 1 repetition, 128 px
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from common import ROOT, machine, median, save

SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
#: Variables that would override what is measured; the children run without them.
CLEARED = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "KMP_BLOCKTIME", "GOMP_SPINCOUNT")


def run_once(where: Path, extra: list[str], size: int, steps: int, out: Path) -> dict[str, float]:
    """One painting in a fresh process from the checkout at ``where``: wall, CPU, engine."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["PYTHONPATH"] = str(where)  # the worktree's package, not the installed one
    cmd = [
        sys.executable, "-m", "nst_desktop", "stylize", str(CONTENT), "--style", str(STYLE),
        "-o", str(out), "--size", str(size), "--steps", str(steps), "--seed", "1",
        "--device", "cpu", "--json", "-q", *extra,
    ]  # fmt: skip
    return timed_process(cmd, where, env)


def timed_process(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Run ``cmd`` (a ``--json`` command of nst-desktop) to its end: wall, CPU, engine, threads."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else b""
    stderr = proc.stderr.read() if proc.stderr else b""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {stderr.decode(errors='replace')}")
    summary = json.loads(stdout)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "engine": float(summary["seconds"]),
        "threads": float(summary.get("threads") or 0),
    }


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def stop(loops: list[subprocess.Popen[bytes]]) -> None:
    for loop in loops:
        loop.terminate()
    for loop in loops:
        loop.wait()


def run_in(condition: str, busy: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``run()`` quiet, or beside ``busy`` busy loops when ``condition`` is "busy"; its row,
    with the load average at its start."""
    loops = busy_loops(busy) if condition == "busy" else []
    try:
        time.sleep(0.5 if loops else 0.0)  # let the loops take their cores
        load = os.getloadavg()[0]
        row = run()
    finally:
        stop(loops)
    row["load"] = load
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, default=Path("/tmp/before"), help="worktree of the old code")
    parser.add_argument(
        "--after", type=Path, default=ROOT, help="checkout of the new code (a clean worktree: no one's edits)"
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--busy", type=int, default=2, help="busy loops beside each run in the busy rows")
    parser.add_argument("--quick", action="store_true", help="one repetition at 128 px (a smoke run)")
    parser.add_argument("--only", choices=("quiet", "busy"), help="one of the two conditions")
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="another checkout whose --threads auto runs as one more way (named by its folder)",
    )
    parser.add_argument("--out", default="threads", help="name of the results file (results/NAME.json)")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.size = 1, 128
    if not (args.before / "nst_desktop" / "__main__.py").is_file():
        parser.error(f"{args.before} is not a checkout (git worktree add {args.before} <commit>)")
    ways = {
        "before": (args.before, []),
        "auto": (args.after, ["--threads", "auto"]),
        "one": (args.after, ["--threads", "1"]),
    }
    for other in args.also:
        ways[f"auto@{other.name}"] = (other, ["--threads", "auto"])
    out = Path("/tmp") / f"bench_threads_{os.getpid()}.png"
    info = machine()
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    for condition in ("quiet", "busy"):
        if args.only and condition != args.only:
            continue
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in ways}
        for rep in range(args.reps):
            for name, (where, extra) in ways.items():
                paint = partial(run_once, where, extra, args.size, args.steps, out)
                row = run_in(condition, args.busy, paint)
                rows[name].append(row)
                print(
                    f"{condition} rep {rep + 1} {name:12s} wall {row['wall']:6.1f} s  "
                    f"cpu {row['cpu']:6.1f} s  engine {row['engine']:6.1f} s  "
                    f"threads {row['threads']:.0f}  load {row['load']:.1f}",
                    flush=True,
                )
        results[condition] = rows
    out.unlink(missing_ok=True)
    summary: dict[str, Any] = {"machine": info, "size": args.size, "steps": args.steps, "reps": args.reps}
    print(f"\n{info['cpu']}, {info['cores']} cores, {info['date']}; {args.size} px, {args.steps} steps, "
          f"median of {args.reps}")  # fmt: skip
    print("| condition | way | wall s | CPU s | engine s | threads | wall / before |")
    print("|---|---|---|---|---|---|---|")
    for condition, rows in results.items():
        base = median([r["wall"] for r in rows["before"]])
        summary[condition] = {}
        for name, runs in rows.items():
            m = {k: median([r[k] for r in runs]) for k in ("wall", "cpu", "engine", "threads")}
            summary[condition][name] = {"median": m, "runs": runs}
            print(
                f"| {condition} | {name} | {m['wall']:.1f} | {m['cpu']:.1f} | {m['engine']:.1f} | "
                f"{m['threads']:.0f} | {m['wall'] / base:.2f} |"
            )
    path = save("threads_quick" if args.quick else args.out, summary)
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
