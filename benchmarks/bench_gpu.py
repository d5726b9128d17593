"""512x512, 500 L-BFGS steps on one CUDA GPU. Target (issue): 2 s or less on one H100.

Runs ``stylize()`` on the first content/style pair at 512x512 (a square photo), 500 steps,
twice per repeat: at one level (``levels=1``, every step at 512 px) and with the default
coarse-to-fine levels. The clock runs around the whole ``stylize()`` call (targets included)
with ``torch.cuda.synchronize()`` at both ends, after a warm-up run that loads the model and
the CUDA kernels. Reports the median of ``--repeats`` and ``torch.cuda.max_memory_allocated``.
Exits with status 2 and a message where no CUDA device is present.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import torch
from common import PAIRS, command, machine, median, prepare_pair, save


def timed(pair: Any, steps: int, levels: int) -> float:
    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.run import stylize

    settings = Settings(size=max(pair.content.shape[:2]), steps=steps, levels=levels, seed=0, device="cuda")
    torch.cuda.synchronize()
    t = time.perf_counter()
    result = stylize(pair.content, [StyleImage(pair.style)], settings)
    torch.cuda.synchronize()
    assert result.steps == steps
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke check: 50 steps, 1 repeat")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("bench_gpu: no CUDA device here; not measured (run it on a machine with an NVIDIA GPU).")
        return 2
    if args.quick:
        args.steps, args.repeats = 50, 1
    from nst_desktop.engine.run import warm_up

    info = {"machine": machine(), "command": command(), "args": vars(args)}
    print(f"{info['machine']['gpu']}, torch {info['machine']['torch']}")
    pair = prepare_pair(*PAIRS[0], size=args.size)
    warm_up("cuda")
    timed(pair, 20, 1)
    timed(pair, 20, 0)
    torch.cuda.reset_peak_memory_stats()
    rows: dict[str, list[float]] = {"levels=1": [], "levels=default": []}
    for r in range(args.repeats):
        for name, levels in (
            (("levels=1", 1), ("levels=default", 0))
            if r % 2 == 0
            else (
                ("levels=default", 0),
                ("levels=1", 1),
            )
        ):
            rows[name].append(timed(pair, args.steps, levels))
        print(f"  [{r + 1}] " + ", ".join(f"{k}: {v[-1]:.2f} s" for k, v in rows.items()), flush=True)
    summary = {k: {"median_s": median(v), "runs_s": v, "target_s": 2.0} for k, v in rows.items()}
    summary["cuda_max_allocated_mib"] = torch.cuda.max_memory_allocated() / 2**20  # type: ignore[assignment]
    for k in rows:
        met = "met" if summary[k]["median_s"] <= 2.0 else "NOT met"
        seconds = summary[k]["median_s"]
        print(f"{args.size}x{args.size}, {args.steps} steps, {k}: median {seconds:.2f} s ({met})")
    save("gpu" + ("_quick" if args.quick else ""), {**info, "summary": summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
