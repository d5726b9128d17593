"""Print size: peak memory and time of an optimiser level whole and in tiles (issue: print size).

Each configuration runs in a fresh Python process that reports its own resident-set
high-water mark (``VmHWM``, which counts what PyTorch's allocator freed again) and the
resident memory after loading the model and the images (the baseline). The run is one level
at the output size (``levels=1``, ``init=content``): a coarse-to-fine run peaks at its last
level, which is this one, and each step at a level needs the same tensors, so a few steps
measure the peak. Tiled runs get a memory budget (``memory_budget_mb``) and the engine picks
the tile size from it; ``seconds_per_mp_step`` is the level's time divided by its
steps and megapixels (a tiled level's time includes its context margins and the two
whole-picture measuring passes).

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_tiles.py --sizes 1024 2048 --steps 5``
(``--budget 0`` for whole levels, the default ``--budget 3072`` for tiles; ``--only`` picks
``whole`` or ``tiled``; ``--visits N`` stops a tiled level after N tiles, for its peak).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from common import IMAGES, PAIRS, command, machine, save

CONTENT, STYLE = PAIRS[0]
#: ``--print-pair``: the 1024x640 photo of the print-size sample (docs/print-size/).
PRINT_PAIR = ("content/kite.jpg", "style/autumn.jpg")


def child(size: int, steps: int, budget: int, tile: int, visits: int = 0, pair: int = 0) -> dict[str, Any]:
    """Runs in the subprocess: one level at ``size`` with ``budget`` MB (0 = whole).

    ``visits`` above 0 stops the run once that many tiles are finished: the peak of a tiled
    level is reached in its first visits (the full-size arrays, the whole-picture statistics,
    one tile's window), so an 8192 px level's memory can be measured without its hours.
    """
    import logging
    import threading
    import time

    import numpy as np
    from PIL import Image

    from nst_desktop.engine import Settings, StyleImage, memory
    from nst_desktop.engine.errors import Cancelled
    from nst_desktop.engine.run import stylize, warm_up

    plans: list[str] = []

    class Plans(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            plans.append(record.getMessage())

    logging.getLogger("nst_desktop.engine.run").addHandler(Plans())
    logging.getLogger("nst_desktop.engine.run").setLevel(logging.INFO)
    warm_up("cpu")
    photo, painting = (CONTENT, STYLE) if pair == 0 else PRINT_PAIR
    content = np.asarray(Image.open(IMAGES / photo).convert("RGB"))
    style = np.asarray(Image.open(IMAGES / painting).convert("RGB"))
    baseline = memory.process_rss()
    tiles: list[int] = []
    done: list[int] = []
    stop = threading.Event()

    def on_progress(p: Any) -> None:
        tiles.append(p.tiles)
        if p.tile:
            done.append(p.tile - 1)
        if visits and p.tile > visits:
            stop.set()

    settings = Settings(size=size, steps=steps, levels=1, seed=0, device="cpu", memory_budget_mb=budget)
    began = time.perf_counter()
    try:
        result = stylize(
            content, [StyleImage(style)], settings, on_progress=on_progress, tile=tile or None, cancel=stop
        )
    except Cancelled:
        result = None
    seconds = time.perf_counter() - began
    from nst_desktop.engine.schedule import fit

    w, h = result.size if result is not None else fit(content.shape[1], content.shape[0], size)
    row = {
        "size": size,
        "output": [w, h],
        "budget_mb": budget,
        "tiled": max(tiles, default=0) > 0,
        "visits": max(tiles, default=0),
        "plan": plans[-1] if plans else "",
        "steps": steps,
        "seconds": round(seconds, 1),
        "baseline_mib": round(baseline / 2**20),
        "peak_mib": round(memory.process_peak_rss() / 2**20),
    }
    if result is None:
        row["stopped_after_visits"] = max(done, default=0)
    else:
        row["seconds_per_mp_step"] = round(result.seconds / steps / (w * h / 1e6), 2)
        row["losses"] = {k: round(v, 4) for k, v in result.losses.items()}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--budget", type=int, default=3072, help="MB for the tiled runs")
    parser.add_argument("--tile", type=int, default=0, help="force this tile size instead")
    parser.add_argument("--only", choices=["whole", "tiled"])
    parser.add_argument("--visits", type=int, default=0, help="stop after this many finished tiles")
    parser.add_argument("--name", default="tiles", help="results/<name>.json")
    parser.add_argument("--print-pair", action="store_true", help="paint " + " with ".join(PRINT_PAIR))
    parser.add_argument("--child", nargs=6, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    rows = []
    for size in args.sizes:
        for kind in ("whole", "tiled"):
            if args.only and kind != args.only:
                continue
            budget = 0 if kind == "whole" else args.budget
            tile = 0 if kind == "whole" else args.tile
            if kind == "whole":
                budget = 1024 * 1024  # "unlimited": never tile
            cmd = [sys.executable, __file__, "--child", str(size), str(args.steps), str(budget), str(tile)]
            cmd += [str(args.visits), str(int(args.print_pair))]
            out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
            if out.returncode != 0:
                row: dict[str, Any] = {"size": size, "kind": kind, "error": out.stderr.strip()[-400:]}
            else:
                row = {"kind": kind} | json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows.append(row)
    save(args.name, {"machine": machine(), "command": command(), "rows": rows})


if __name__ == "__main__":
    main()
