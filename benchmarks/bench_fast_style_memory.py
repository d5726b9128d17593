"""Peak memory of applying a fast style: a Johnson network of a given width (random weights:
memory and time do not depend on the values) on a random photo of a given size, in this
process alone, under an optional memory budget.

    python benchmarks/bench_fast_style_memory.py --width 128 --size 1024 --budget-mb 2048

Prints one JSON line: the size, the plan's tiles, peak RSS (VmHWM) before and after the run,
process CPU seconds and wall seconds, or the one sentence a refusal gave. Run each case in its
own process: the peak is the process's.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--size", type=int, default=1024, help="the photo's long side (square)")
    parser.add_argument("--budget-mb", type=int, default=0, help="memory_budget_mb (0: automatic)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    from nst_desktop.engine import memory
    from nst_desktop.engine.errors import EngineError
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.network import TransformerNet
    from nst_desktop.engine.fast.style_file import FastStyle
    from nst_desktop.engine.settings import Settings
    from nst_desktop.engine.types import Progress

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = TransformerNet(args.width, args.blocks)
    style = FastStyle("bench", net.state_dict(), np.zeros((16, 16, 3), np.uint8), args.width, args.blocks)
    photo = np.random.default_rng(0).integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    settings = Settings(method="fast", device="cpu", precision="float32", memory_budget_mb=args.budget_mb)
    before = memory.process_peak_rss()
    stamps: list[float] = []
    start_wall, start_cpu = time.perf_counter(), time.process_time()

    def on_progress(p: Progress) -> None:
        stamps.append(time.perf_counter() - start_wall)

    record: dict[str, object] = {"width": args.width, "size": args.size, "budget_mb": args.budget_mb}
    try:
        apply_fast_style(photo, style, settings, on_progress=on_progress)
        record["result"] = "painted"
    except EngineError as exc:
        record["result"] = str(exc)
    gaps = np.diff([0.0, *stamps]) if stamps else np.array([0.0])
    record |= {
        "peak_mib_before": before >> 20,
        "peak_mib": memory.process_peak_rss() >> 20,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10,
        "cpu_s": round(time.process_time() - start_cpu, 1),
        "wall_s": round(time.perf_counter() - start_wall, 1),
        "progress_calls": len(stamps),
        "longest_gap_s": round(float(gaps.max()), 1),
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
