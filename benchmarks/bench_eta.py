"""How good is the time left? Predicted against actual remaining time in real runs (issue 9).

Runs ``stylize()`` with the engine's defaults (``Settings()``, only ``size`` and ``seed``
set) on pairs from the shared images, one after the other, and records every progress report:
the engine's clock (``elapsed``), stage, level, step and the ``eta`` it showed. Afterwards,
with the run's true end known, it scores the estimates:

* ``silent_until``: the fraction of the run's time during which ``eta`` was ``None``
  ("estimating…");
* ``error@f``: ``eta / true remaining - 1`` at 10, 25, 50 and 75 % of the run's time (the
  last estimate shown by then; ``None`` if still estimating);
* ``max_error_after``: the largest ``|eta / true - 1|`` over every estimate shown while at
  least 10 s were left (the last seconds are noise to nobody);
* ``max_jump_12s``: the largest ratio between two estimates shown within 12 s of each other,
  after allowing for the time that passed between them (``eta_i - dt`` against ``eta_j``),
  both floored at 10 s: what an artist sees as the figure "swinging"; ``max_shown_ratio_12s``
  is the same without the allowance (the raw numbers on screen, also floored at 10 s).

The same trace is also replayed through the current
:class:`~nst_desktop.engine.eta.EtaEstimator` (``replay``), fed exactly the events the engine
feeds it: on a results file recorded before issue 9 (``--tag before``, with the engine of
commit a5fa122) that compares the old figure and the new one on identical step timings; on one
recorded after, it checks the replay against what the engine showed. Each run's measured rate
(seconds per megapixel-step) is fed to :func:`~nst_desktop.engine.eta.expected_seconds` for
the *next* run, which scores the pre-run estimate against that run's real duration.

On a shared machine other programs change the speed mid-run, which no estimate from the run's
own steps can foresee. So each report also carries the process's CPU time, and ``replay_cpu``
replays the estimator on that clock (with one torch thread, CPU time is what the run would
take on a machine of its own): it measures the estimator, where ``engine`` measures the
estimator plus the machine's weather.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_eta.py --runs 4 --size 512 --threads 1
    .venv/bin/python benchmarks/bench_eta.py --from benchmarks/results/eta.json   # re-score only
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from common import IMAGES, command, machine, median, save
from PIL import Image

from nst_desktop.engine import Progress, Settings, StyleImage
from nst_desktop.engine.run import stylize, warm_up
from nst_desktop.engine.schedule import Level, plan, style_side_for

#: (content, style) pairs, relative to IMAGES; the runs cycle through them.
PAIRS = (
    ("content/astronaut.jpg", "style/autumn.jpg"),
    ("content/chelsea.jpg", "style/swirl.jpg"),
    ("content/coffee.jpg", "style/brush_marks.jpg"),
    ("content/rocket.jpg", "style/string.jpg"),
)
FRACTIONS = (0.10, 0.25, 0.50, 0.75)
WINDOW = 12.0
FLOOR = 10.0
#: (seconds into the run, the estimate shown then).
Series = list[tuple[float, float | None]]


def load(path: str, long_side: int | None = None) -> np.ndarray:
    img = Image.open(IMAGES / path).convert("RGB")
    if long_side is not None:
        img.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


def one_run(content: str, style: str, settings: Settings) -> dict[str, Any]:
    """One real run; every report as (elapsed, stage, level, step, eta, process CPU seconds)."""
    photo = load(content)
    painting = load(style, style_side_for(settings.size, settings.brush_scale))
    trace: list[tuple[float, str, int, int, float | None, float]] = []
    cpu_start = time.process_time()

    def record(p: Progress) -> None:
        trace.append((p.elapsed, p.stage, p.level, p.step, p.eta, time.process_time() - cpu_start))

    started = time.perf_counter()
    result = stylize(photo, [StyleImage(painting)], settings, on_progress=record)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_start
    levels = plan(photo.shape[1], photo.shape[0], settings.size, settings.steps, settings.levels)
    return {
        "pair": f"{Path(content).stem}+{Path(style).stem}",
        "content_size": [int(photo.shape[1]), int(photo.shape[0])],
        "levels": [[lv.width, lv.height, lv.steps] for lv in levels],
        "seconds": result.seconds,
        "wall": wall,
        "cpu_seconds": cpu,
        "trace": trace,
    }


# -- replays --------------------------------------------------------------------------------


def replay_new(trace: list[Any], levels: list[Level], clock: int = 0) -> tuple[Series, float | None]:
    """The current estimator fed with exactly the events the engine feeds it, timed by the
    engine's wall clock (``clock=0``) or by the process's CPU time (``clock=5``)."""
    from nst_desktop.engine.eta import EtaEstimator

    est = EtaEstimator(levels)
    out: Series = []
    done = 0
    for row in trace:
        elapsed, stage, level, step = row[clock], row[1], row[2], row[3]
        if stage == "preparing":
            est.level_started(level - 1, elapsed)
        elif stage == "painting" and step > done:
            done = step
            est.step_done(level - 1, elapsed)
        out.append((elapsed, est.remaining(elapsed) if stage != "loading" else None))
    return out, est.seconds_per_unit


# -- scoring --------------------------------------------------------------------------------


def score(series: Series, end: float) -> dict[str, Any]:
    shown = [(t, e) for t, e in series if e is not None]
    first = shown[0][0] if shown else end
    out: dict[str, Any] = {"silent_until": first / end}
    for f in FRACTIONS:
        at = f * end
        last = [e for t, e in series if t <= at]
        eta = last[-1] if last else None
        out[f"error@{int(f * 100)}"] = None if eta is None else eta / (end - at) - 1.0
    errors = [abs(e / (end - t) - 1.0) for t, e in shown if end - t >= FLOOR]
    out["max_error_after"] = max(errors) if errors else None
    out["median_error_after"] = float(np.median(errors)) if errors else None
    jump, raw = 1.0, 1.0
    for i, (ti, ei) in enumerate(shown):
        for tj, ej in shown[i + 1 :]:
            if tj - ti > WINDOW:
                break
            a, b = max(ei - (tj - ti), FLOOR), max(ej, FLOOR)
            jump = max(jump, a / b, b / a)
            a, b = max(ei, FLOOR), max(ej, FLOOR)
            raw = max(raw, a / b, b / a)
    out["max_jump_12s"] = jump
    out["max_shown_ratio_12s"] = raw
    return out


def evaluate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    from nst_desktop.engine.eta import expected_seconds

    per_run = []
    previous_rate: float | None = None
    previous_cpu_rate: float | None = None
    for run in runs:
        trace = run["trace"]
        end = run["seconds"]
        levels = [Level(i, w, h, n) for i, (w, h, n) in enumerate(run["levels"])]
        engine_series = [(row[0], row[4]) for row in trace if row[1] != "loading"]
        new_series, rate = replay_new(trace, levels)
        settings = Settings(**run["settings"])
        w, h = run["content_size"]
        pre = expected_seconds(settings, w, h, previous_rate)
        result = {
            "pair": run["pair"],
            "seconds": end,
            "engine": score(engine_series, end),
            "replay": score(new_series, end),
            "seconds_per_unit": rate,
            "pre_run_estimate": pre,
            "pre_run_error": None if pre is None else pre / end - 1.0,
        }
        if "cpu_seconds" in run:  # the same run timed by CPU time: other programs' load left out
            cpu_series, cpu_rate = replay_new(trace, levels, clock=5)
            result["replay_cpu"] = score(cpu_series, run["cpu_seconds"])
            pre_cpu = expected_seconds(settings, w, h, previous_cpu_rate)
            result["pre_run_error_cpu"] = None if pre_cpu is None else pre_cpu / run["cpu_seconds"] - 1.0
            previous_cpu_rate = cpu_rate
        per_run.append(result)
        previous_rate = rate
    summary: dict[str, Any] = {}
    for which in [w for w in ("engine", "replay", "replay_cpu") if w in per_run[0]]:
        keys = per_run[0][which].keys()
        summary[which] = {}
        for k in keys:
            values = [r[which][k] for r in per_run if r[which][k] is not None]
            shown = [abs(v) if k.startswith("error@") else v for v in values]
            summary[which][k] = {
                "median": median(shown) if values else None,
                "worst": max(values, key=abs) if values else None,
                "missing": len(per_run) - len(values),
            }
    for key in ("pre_run_error", "pre_run_error_cpu"):
        pre = [r[key] for r in per_run if r.get(key) is not None]
        summary[key] = {"median_abs": median([abs(v) for v in pre]) if pre else None, "all": pre}
    return {"runs": per_run, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--size", type=int, default=Settings().size)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    parser.add_argument("--quick", action="store_true", help="two 128 px runs: a smoke check")
    parser.add_argument("--tag", default="", help="suffix for the results file")
    parser.add_argument("--from", dest="source", type=Path, help="re-score a saved results file")
    args = parser.parse_args()

    if args.source is not None:
        data = json.loads(args.source.read_text())
        data["evaluation"] = evaluate(data["runs"])
        print(json.dumps(data["evaluation"]["summary"], indent=2))
        save(args.source.stem, data)
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    size, runs = (128, 2) if args.quick else (args.size, args.runs)
    info = machine()
    warm_up("cpu")
    data: dict[str, Any] = {"machine": info, "command": command(), "size": size, "runs": []}
    name = "eta" + ("_quick" if args.quick else "") + (f"_{args.tag}" if args.tag else "")
    for i in range(runs):
        content, style = PAIRS[i % len(PAIRS)]
        settings = Settings(size=size, seed=i, device="cpu")
        run = one_run(content, style, settings)
        run["settings"] = settings.to_dict()
        run["settings"].pop("schema_version")
        data["runs"].append(run)
        print(f"run {i + 1}/{runs}: {run['pair']} {run['seconds']:.1f} s", flush=True)
        save(name, data)  # after every run, so a long benchmark cut short keeps what it measured
    data["evaluation"] = evaluate(data["runs"])
    print(json.dumps(data["evaluation"]["summary"], indent=2))
    save(name, data)


if __name__ == "__main__":
    main()
