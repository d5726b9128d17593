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
``whole`` or ``tiled``).
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


def child(size: int, steps: int, budget: int, tile: int) -> dict[str, Any]:
    """Runs in the subprocess: one level at ``size`` with ``budget`` MB (0 = whole)."""
    import numpy as np
    from PIL import Image

    from nst_desktop.engine import Settings, StyleImage, memory
    from nst_desktop.engine.run import stylize, warm_up

    warm_up("cpu")
    content = np.asarray(Image.open(IMAGES / CONTENT).convert("RGB"))
    style = np.asarray(Image.open(IMAGES / STYLE).convert("RGB"))
    baseline = memory.process_rss()
    tiles: list[int] = []
    settings = Settings(size=size, steps=steps, levels=1, seed=0, device="cpu", memory_budget_mb=budget)
    result = stylize(
        content,
        [StyleImage(style)],
        settings,
        on_progress=lambda p: tiles.append(p.tiles),
        tile=tile or None,
    )
    w, h = result.size
    return {
        "size": size,
        "output": [w, h],
        "budget_mb": budget,
        "tiled": max(tiles, default=0) > 0,
        "visits": max(tiles, default=0),
        "steps": steps,
        "seconds": round(result.seconds, 1),
        "seconds_per_mp_step": round(result.seconds / steps / (w * h / 1e6), 2),
        "baseline_mib": round(baseline / 2**20),
        "peak_mib": round(memory.process_peak_rss() / 2**20),
        "losses": {k: round(v, 4) for k, v in result.losses.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--budget", type=int, default=3072, help="MB for the tiled runs")
    parser.add_argument("--tile", type=int, default=0, help="force this tile size instead")
    parser.add_argument("--only", choices=["whole", "tiled"])
    parser.add_argument("--child", nargs=4, type=int, help=argparse.SUPPRESS)
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
            out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
            if out.returncode != 0:
                row: dict[str, Any] = {"size": size, "kind": kind, "error": out.stderr.strip()[-400:]}
            else:
                row = {"kind": kind} | json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows.append(row)
    save("tiles", {"machine": machine(), "command": command(), "rows": rows})


if __name__ == "__main__":
    main()
