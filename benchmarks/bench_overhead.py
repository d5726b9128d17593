"""Time per optimisation step of the engine against a bare VGG19 forward+backward, same size.

Target (issue): overhead 10% or less.

* engine: ``stylize()`` at one level (``levels=1``), ``--size`` px, ``--steps`` L-BFGS steps;
  an ``on_progress`` callback stamps the clock after every step (its preview conversion is
  switched off after the first); the first ``--skip`` steps are dropped, the rest's median
  is the engine's time per step. Everything a step does is inside: forward, Gram matrices and
  losses, backward, the L-BFGS update, the clamp-free bookkeeping and the progress report.
* bare: our ``VGGFeatures`` up to relu5_1 (the deepest layer the engine needs) on a
  ``requires_grad`` image of the same size, loss = sum of relu5_1, ``backward()``; same number of
  iterations, same skip, median.

Pairs run interleaved (engine, bare, bare, engine, ...), ``--repeats`` times; the overhead
is ``engine / bare - 1`` per pair, and the median over pairs is reported. ``--clock cpu``
times with the process's CPU time instead of the wall clock: on a machine shared with other
jobs, a one-thread process's CPU time does not count the time it waits for a core. ``--profile`` adds a
cProfile of one engine run and a split of one step into its parts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import sys
import time
from typing import Any

import torch
from common import PAIRS, command, machine, median, prepare_pair, save

from nst_desktop.engine import Progress, Settings, StyleImage
from nst_desktop.engine.features import VGGFeatures
from nst_desktop.engine.run import stylize, warm_up
from nst_desktop.engine.weights import load_conv_weights


def clock() -> float:
    """The clock in use: wall (perf_counter) or this process's CPU time (process_time)."""
    return time.process_time() if CLOCK == "cpu" else time.perf_counter()


CLOCK = "wall"


def engine_steps(pair: Any, steps: int) -> list[float]:
    """Seconds of steps 2..N (the clock starts at the end of step 1)."""
    stamps: dict[int, float] = {}

    def on_progress(p: Progress) -> None:
        if p.stage == "painting":
            stamps.setdefault(p.step, clock())

    settings = Settings(size=max(pair.content.shape[:2]), steps=steps, levels=1, seed=0, device="cpu")
    result = stylize(
        pair.content, [StyleImage(pair.style)], settings, on_progress=on_progress, preview_interval=math.inf
    )
    assert result.steps == steps
    return [stamps[k] - stamps[k - 1] for k in range(2, steps + 1)]


def bare_steps(model: VGGFeatures, image: torch.Tensor, steps: int) -> list[float]:
    times = []
    for _ in range(steps):
        t = clock()
        x = image.detach().clone().requires_grad_(True)
        model(x, ["relu5_1"])["relu5_1"].sum().backward()
        times.append(clock() - t)
    return times


def split_one_step(pair: Any) -> dict[str, float]:
    """The parts of one engine step, timed apart (medians of a few), to see where time goes."""
    from nst_desktop.engine.losses import Targets, Weights, gram, total_loss
    from nst_desktop.engine.run import get_model
    from nst_desktop.engine.settings import STYLE_LAYERS

    model = get_model(torch.device("cpu"), "max", "relu5_1")
    img = _tensor(pair.content)
    with torch.no_grad():
        feats = model(img, [*STYLE_LAYERS, "relu4_2"])
        grams = {k: gram(v) for k, v in model(_tensor(pair.style), STYLE_LAYERS).items()}
    targets = Targets.build("relu4_2", feats["relu4_2"], grams, dict.fromkeys(STYLE_LAYERS, 1.0), img)
    weights = Weights.from_artist(1.0, 1.0, 1.0)
    wanted = sorted(targets.layers)
    parts: dict[str, list[float]] = {"forward": [], "losses": [], "backward": [], "bare_fwd_bwd": []}
    for _ in range(5):
        x = img.clone().requires_grad_(True)
        t0 = clock()
        f = model(x, wanted)
        t1 = clock()
        loss, _terms = total_loss(x, f, targets, weights)
        t2 = clock()
        loss.backward()
        t3 = clock()
        parts["forward"].append(t1 - t0)
        parts["losses"].append(t2 - t1)
        parts["backward"].append(t3 - t2)
        parts["bare_fwd_bwd"].append(median(bare_steps(model, img, 1)))
    return {k: median(v) for k, v in parts.items()}


def _tensor(rgb: Any) -> torch.Tensor:
    from measure import to_caffe

    return to_caffe(rgb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke check: 128 px, 8 steps, 2 pairs")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--skip", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: perf_counter; cpu: process CPU time (robust on a shared machine with --threads 1)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one engine run, split a step")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.steps, args.skip, args.repeats = 128, 8, 2, 2
    if args.threads:
        torch.set_num_threads(args.threads)
    global CLOCK
    CLOCK = args.clock
    info = {"machine": machine(), "command": command(), "args": vars(args)}
    print(f"{info['machine']['cpu']}, {info['machine']['cores']} cores, torch {info['machine']['torch']}")

    pair = prepare_pair(*PAIRS[0], size=args.size)
    warm_up("cpu")
    model = VGGFeatures(load_conv_weights(), "relu5_1", "max")
    image = _tensor(pair.content)
    engine_steps(pair, 3)
    bare_steps(model, image, 3)

    pairs = []
    for r in range(args.repeats):
        row: dict[str, Any] = {}
        for who in ("engine", "bare") if r % 2 == 0 else ("bare", "engine"):
            if who == "engine":
                times = engine_steps(pair, args.steps)
            else:
                times = bare_steps(model, image, args.steps)
            kept = times[args.skip :]
            row[who] = {"median": median(kept), "times": kept}
        row["overhead"] = row["engine"]["median"] / row["bare"]["median"] - 1.0
        pairs.append(row)
        print(
            f"  [{r + 1}] engine {row['engine']['median'] * 1000:7.1f} ms/step,"
            f" bare {row['bare']['median'] * 1000:7.1f} ms, overhead {row['overhead'] * 100:+.1f}%",
            flush=True,
        )
    summary = {
        "size": f"{pair.content.shape[1]}x{pair.content.shape[0]}",
        "engine_ms_median": 1000 * median([p["engine"]["median"] for p in pairs]),
        "bare_ms_median": 1000 * median([p["bare"]["median"] for p in pairs]),
        "overhead_median": median([p["overhead"] for p in pairs]),
        "overheads": [p["overhead"] for p in pairs],
    }
    print(
        f"median over {len(pairs)} pairs: engine {summary['engine_ms_median']:.1f} ms/step,"
        f" bare {summary['bare_ms_median']:.1f} ms, overhead {summary['overhead_median'] * 100:+.1f}%"
    )
    data: dict[str, Any] = {**info, "summary": summary, "pairs": pairs}
    if args.profile:
        data["split_ms"] = {k: 1000 * v for k, v in split_one_step(pair).items()}
        print("one step, split (ms):", {k: round(v, 1) for k, v in data["split_ms"].items()})
        prof = cProfile.Profile()
        prof.enable()
        engine_steps(pair, args.steps)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        data["profile_top"] = out.getvalue()
        print(data["profile_top"])
    save("overhead" + ("_quick" if args.quick else "") + ("_cpu_clock" if args.clock == "cpu" else ""), data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
