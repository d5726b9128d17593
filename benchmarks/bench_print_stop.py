"""How fast Stop answers inside a print-size tiled level, and what it keeps.

Paints one tiled level of the kite at ``--size`` px from the photo (one step, tiles of
``--tile`` px) and sets the cancel token at moments spread over the level: during the
first pass over the whole picture, inside the first visit, inside a later visit. For each it
records the seconds from the cancel to the ``Cancelled`` exception (wall and this process's
CPU) and the seam measure of the picture the run reported last (engine/seams.py).

Run: ``python benchmarks/bench_print_stop.py [--size 2048] [--tile 512] [--name print_stop]``
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import numpy as np
from common import IMAGES, command, machine, save
from PIL import Image

from nst_desktop.engine import run, seams
from nst_desktop.engine.errors import Cancelled
from nst_desktop.engine.schedule import fit
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Progress, StyleImage


def load(path: str, side: int) -> np.ndarray:
    image = Image.open(IMAGES / path).convert("RGB")
    return np.asarray(image.resize(fit(image.width, image.height, side), Image.Resampling.LANCZOS)).copy()


def one(photo: np.ndarray, painting: np.ndarray, size: int, tile: int, when: str) -> dict[str, Any]:
    """A run cancelled at ``when``: "statistics" (the first pass), "visit 1" or "visit 3"."""
    cancel = threading.Event()
    seen: list[Progress] = []
    marks: dict[str, float] = {}

    def trigger(p: Progress) -> bool:
        if when == "statistics":  # the picture's first pass (after the level's start is shown)
            shown = any(q.preview is not None for q in seen)
            return shown and p.stage == "preparing" and p.tiles > 0 and p.tile >= 2
        return p.stage == "painting" and p.tile == int(when.split()[1]) and p.preview is None

    def on_progress(p: Progress) -> None:
        seen.append(p)
        if not cancel.is_set() and trigger(p):
            # Half a second into the part or visit: inside its convolutions, not between them.
            def later() -> None:
                time.sleep(0.5)
                marks["wall"], marks["cpu"] = time.perf_counter(), time.process_time()
                cancel.set()

            threading.Thread(target=later, daemon=True).start()

    settings = Settings(size=size, steps=1, levels=1, seed=1, device="cpu", precision="float32")
    try:
        run.stylize(
            photo, [StyleImage(painting)], settings, on_progress=on_progress, cancel=cancel, tile=tile
        )
    except Cancelled:
        wall, cpu = time.perf_counter() - marks["wall"], time.process_time() - marks["cpu"]
    else:
        raise SystemExit(f"{when}: the run ended before the cancel")
    last = seen[-1].preview
    assert last is not None
    pooled, worst = seams.seam_energy(last, tile, 1)
    return {
        "cancelled_during": when,
        "answer_wall_s": round(wall, 3),
        "answer_cpu_s": round(cpu, 3),
        "kept_is_level_start": bool(
            np.array_equal(last, next(p.preview for p in seen if p.preview is not None))
        ),
        "kept_seams_pooled": round(pooled, 3),
        "kept_seams_worst": round(worst, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--name", default="print_stop")
    args = parser.parse_args()
    photo = load("content/kite.jpg", args.size)
    painting = load("style/autumn.jpg", args.size)
    rows = []
    for when in ("statistics", "visit 1", "visit 3"):
        rows.append(one(photo, painting, args.size, args.tile, when))
        print(rows[-1], flush=True)
    save(
        args.name,
        {"machine": machine(), "command": command(), "size": args.size, "tile": args.tile, "rows": rows},
    )


if __name__ == "__main__":
    main()
