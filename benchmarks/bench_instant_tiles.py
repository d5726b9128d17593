"""Instant style at print size: peak memory and time of a large picture, whole against tiled.

Each row runs in a fresh child process that loads the network, paints a 512 px picture (so
everything but the big picture is resident), then paints one ``side`` x ``side`` picture,
either whole (``conv_tiles.WHOLE_PIXELS`` raised past it) or tiled (the default above
1.5 MP: exact statistics summed over the tiles layer by layer, then the tiles). The parent
reads the child's peak resident size (``ru_maxrss``) from ``wait4``; a child that paints
nothing gives the baseline. With ``--compare SIDE`` one process paints a picture both ways and
records the largest pixel difference (both must fit). Results: ``results/instant_tiles.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np
import torch
from child_peak import run_child
from common import ROOT, command, machine, save
from PIL import Image

from nst_desktop.engine import Settings, StyleImage, conv_tiles
from nst_desktop.engine.instant import stylize_instant

SAMPLES = ROOT / "resources" / "samples"


def _pictures(side: int) -> tuple[np.ndarray, np.ndarray]:
    photo = Image.open(SAMPLES / "content" / "astronaut.jpg").convert("RGB")
    painting = Image.open(SAMPLES / "style" / "autumn.jpg").convert("RGB")
    painting.thumbnail((512, 512))
    big = photo.resize((side, side), Image.Resampling.BICUBIC) if side else photo.resize((512, 512))
    return np.asarray(big).copy(), np.asarray(painting).copy()


def child(side: int, mode: str, threads: int) -> dict[str, Any]:
    torch.set_num_threads(threads)
    settings = Settings(device="cpu")
    small, painting = _pictures(0)
    styles = [StyleImage(painting)]
    stylize_instant(small, styles, settings)  # everything but the big picture
    out: dict[str, Any] = {"side": side, "mode": mode, "threads": threads}
    if side:
        photo, _ = _pictures(side)
        if mode == "whole":
            conv_tiles.WHOLE_PIXELS = side * side  # type: ignore[misc]
        t0 = time.perf_counter()
        result = stylize_instant(photo, styles, settings)
        out |= {"seconds": time.perf_counter() - t0, "shape": list(result.image.shape)}
    return out


def _run_child(side: int, mode: str, threads: int) -> dict[str, Any]:
    return run_child([sys.executable, __file__, "--child", str(side), mode, "--threads", str(threads)])


def compare(side: int, threads: int) -> dict[str, Any]:
    torch.set_num_threads(threads)
    photo, painting = _pictures(side)
    settings = Settings(device="cpu")
    tiled = stylize_instant(photo, [StyleImage(painting)], settings).image_float
    conv_tiles.WHOLE_PIXELS = side * side  # type: ignore[misc]
    whole = stylize_instant(photo, [StyleImage(painting)], settings).image_float
    diff = np.abs(tiled - whole)
    return {"side": side, "max_diff": float(diff.max()), "mean_diff": float(diff.mean())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096])
    parser.add_argument("--modes", default="tiled,whole")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compare", type=int, default=0, help="also compare whole and tiled at this side")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.threads)))
        return 0
    base = _run_child(0, "none", args.threads)
    print(f"baseline: {base['peak_rss_mib']:.0f} MiB", file=sys.stderr)
    rows = []
    for side in args.sizes:
        for mode in args.modes.split(","):
            row = _run_child(side, mode, args.threads)
            row["added_mib"] = row["peak_rss_mib"] - base["peak_rss_mib"]
            peak, seconds = row["peak_rss_mib"], row["seconds"]
            print(f"{side} px {mode}: peak {peak:.0f} MiB, {seconds:.1f} s", file=sys.stderr)
            rows.append(row)
    data: dict[str, Any] = {"machine": machine(), "command": command(), "baseline": base, "rows": rows}
    if args.compare:
        data["compare"] = compare(args.compare, args.threads)
        print(data["compare"], file=sys.stderr)
    save("instant_tiles", data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
