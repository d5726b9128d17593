"""Check a finished print-size picture: seams along the tile borders, and views for docs/.

The engine decides a tiled level's tile side at the level's start from the budget and what
the process holds then (``memory.plan_level``), which this script cannot know exactly; so it
measures the seams along the borders of every tile side the planner could have chosen within
``--spread`` px of its estimate and reports the worst. The last level is the one that counts:
earlier levels' borders were upsampled and painted over.

Run: ``python benchmarks/print_check.py docs/print-size/kite-4096.png --budget-mb 4096``
(``--tiles`` measures given tile sides instead: those whose visit count matches the run's
"tile N/M" progress).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from common import command, machine, save
from PIL import Image

from nst_desktop.engine import memory, seams, tiles
from nst_desktop.engine.schedule import PRINT_FINAL_STEPS

Image.MAX_IMAGE_PIXELS = 80_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("picture", type=Path)
    parser.add_argument("--budget-mb", type=int, default=4096)
    parser.add_argument("--used-mb", type=int, default=900, help="the process at the level's start")
    parser.add_argument("--spread", type=int, default=64)
    parser.add_argument("--tiles", type=int, nargs="+", help="measure these tile sides instead of the plan's")
    parser.add_argument("--steps", type=int, default=PRINT_FINAL_STEPS, help="the last level's steps")
    parser.add_argument("--views", type=Path, help="write a small full view and 1:1 crops here")
    parser.add_argument("--name", default="print_check")
    args = parser.parse_args()
    rgb = np.asarray(Image.open(args.picture).convert("RGB"))
    h, w = rgb.shape[:2]
    plan = memory.plan_level(w, h, args.budget_mb * memory.MB, args.used_mb * memory.MB)
    sweeps = len(tiles.sweep_steps(args.steps))
    rows = []
    low = max(memory.MIN_TILE, plan.tile - args.spread)
    for tile in args.tiles or range(low, plan.tile + args.spread + 1, memory.ALIGN):
        pooled, worst = seams.seam_energy(rgb, tile, sweeps)
        rows.append({"tile": tile, "pooled": round(pooled, 3), "worst": round(worst, 3)})
        print(json.dumps(rows[-1]), flush=True)
    # The same measure along a grid no run used: what borders of this picture look like anyway.
    control = [seams.seam_energy(rgb, t, sweeps) for t in (333, 517)]
    result = {
        "machine": machine(),
        "command": command(),
        "picture": str(args.picture),
        "size": [w, h],
        "planned_tile": plan.tile,
        "rows": rows,
        "worst_pooled": max(r["pooled"] for r in rows),
        "control_grids_pooled": [round(c[0], 3) for c in control],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}))
    save(args.name, result)
    if args.views:
        args.views.mkdir(parents=True, exist_ok=True)
        stem = args.picture.stem
        image = Image.fromarray(rgb)
        small = image.copy()
        small.thumbnail((1600, 1600), Image.Resampling.LANCZOS)
        small.save(args.views / f"{stem}-view.jpg", quality=90)
        # 1:1 crops: the middle, and one centred on a border of the planned grid.
        cy, cx = h // 2, w // 2
        image.crop((cx - 400, cy - 250, cx + 400, cy + 250)).save(args.views / f"{stem}-crop-1to1.png")
        border = tiles.grid(h, w, args.tiles[0] if args.tiles else plan.tile)[1].left
        image.crop((border - 400, cy - 250, border + 400, cy + 250)).save(
            args.views / f"{stem}-crop-1to1-tile-border.png"
        )


if __name__ == "__main__":
    main()
