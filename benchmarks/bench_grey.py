"""Grey stays grey: how much colour each way of painting adds when the painting has none.

A real photo and a real painting from the shared images are converted to grey (PIL's "L",
BT.601 luma, back to RGB), and every method paints at a small size: the optimiser whole and
in forced tiles (a quarter of the steps: each step visits every tile), the instant network
whole and in forced tiles, and a fast style trained for a few steps on the painting (grey or
colour), whole and in forced tiles. Three pairs each:

* **grey/grey**: grey photo, grey painting. The picture should be grey.
* **colour/grey**: the colour photo, grey painting. The picture should be in the painting's
  (grey) palette.
* **colour/colour**: the colour photo and painting, to see that colourful results keep colour;
  ``--keep DIR`` writes these pictures as PNGs so two runs (before and after a change) can be
  compared with ``--compare DIR``.

Chroma is measured per pixel on the 8-bit picture as ``hypot(Cb - 128, Cr - 128)`` in
full-range BT.601 YCbCr (JPEG's), in 0..255 units: 0 is grey, pure red is about 135. The table
gives the mean and the maximum over pixels, and the grey input's own figures for reference.
One JSON file, ``results/grey.json`` (``grey_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import IMAGES, ROOT, command, machine, save
from PIL import Image

sys.path.insert(0, str(ROOT))

from nst_desktop.engine import Settings, StyleImage  # noqa: E402
from nst_desktop.engine.fast.apply import apply_fast_style  # noqa: E402
from nst_desktop.engine.fast.style_file import read_fast_style  # noqa: E402
from nst_desktop.engine.fast.train import TrainSettings, train_fast_style  # noqa: E402
from nst_desktop.engine.instant import stylize_instant  # noqa: E402
from nst_desktop.engine.run import stylize  # noqa: E402

PHOTO = "content/astronaut.jpg"
PAINTING = "style/autumn.jpg"


def chroma(rgb: np.ndarray) -> np.ndarray:
    """Per-pixel hypot(Cb - 128, Cr - 128), full-range BT.601 YCbCr, 0..255 units."""
    x = rgb.astype(np.float64)
    y = x @ np.array([0.299, 0.587, 0.114])
    cb = 0.564 * (x[..., 2] - y)
    cr = 0.713 * (x[..., 0] - y)
    out: np.ndarray = np.hypot(cb, cr)
    return out


def summary(rgb: np.ndarray) -> dict[str, float]:
    c = chroma(rgb)
    return {"mean": round(float(c.mean()), 2), "max": round(float(c.max()), 2)}


def load(name: str, side: int, grey: bool) -> np.ndarray:
    img = Image.open(IMAGES / name).convert("RGB")
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    if grey:
        img = img.convert("L").convert("RGB")
    return np.asarray(img).copy()


def train_style(painting: np.ndarray, steps: int, folder: Path) -> Path:
    """A small fast style trained on ``painting`` (its networks start with colour of their own)."""
    photos = folder / "photos"
    photos.mkdir()
    for i, path in enumerate(sorted((IMAGES / "content").glob("*.jpg"))):
        img = Image.open(path).convert("RGB")
        img.thumbnail((96, 96))
        img.save(photos / f"photo{i}.png")
    out = folder / "grey.nststyle"
    settings = TrainSettings(size=64, steps=steps, batch=2, seed=0, width=8, learning_rate=5e-3, device="cpu")
    train_fast_style([StyleImage(painting, 1.0, "grey")], photos, out, settings, name="Grey")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--steps", type=int, default=40, help="optimiser steps")
    parser.add_argument("--train-steps", type=int, default=60, help="steps of the grey fast style")
    parser.add_argument("--tile", type=int, default=128, help="forced tile side for the tiled rows")
    parser.add_argument("--keep", type=Path, help="write the colour/colour pictures here")
    parser.add_argument("--compare", type=Path, help="compare the colour/colour pictures with these")
    parser.add_argument("--quick", action="store_true", help="128 px, 12 optimiser steps")
    args = parser.parse_args()
    if args.quick:
        args.size, args.steps, args.train_steps, args.tile = 128, 12, 20, 64
    size = args.size
    photos = {g: load(PHOTO, size, g) for g in (True, False)}
    paintings = {g: load(PAINTING, 256, g) for g in (True, False)}
    base = Settings(size=size, steps=args.steps, seed=0, device="cpu")
    workdir = Path(tempfile.mkdtemp(prefix="nst-grey-"))
    start = time.perf_counter()
    fast_grey = read_fast_style(train_style(paintings[True], args.train_steps, workdir))
    fast_colour = read_fast_style(train_style(paintings[False], args.train_steps, Path(tempfile.mkdtemp())))
    print(f"trained two fast styles in {time.perf_counter() - start:.1f} s")

    def run(method: str, photo: np.ndarray, painting: np.ndarray, grey_painting: bool) -> np.ndarray:
        styles = [StyleImage(painting, 1.0, "painting")]
        tile = args.tile if method.endswith("tiled") else None
        if method.startswith("optimise"):
            # A tiled level's step visits every tile: a quarter of the steps keeps the row short.
            steps = max(1, args.steps // 4) if tile else args.steps
            return stylize(photo, styles, base.replace(steps=steps), tile=tile).image
        if method.startswith("instant"):
            return stylize_instant(photo, styles, base.replace(method="instant"), tile=tile).image
        style = fast_grey if grey_painting else fast_colour
        return apply_fast_style(photo, style, base.replace(method="fast"), tile=tile).image

    methods = ("optimise", "optimise tiled", "instant", "instant tiled", "fast", "fast tiled")
    pairs = {"grey/grey": (True, True), "colour/grey": (False, True), "colour/colour": (False, False)}
    rows: list[dict[str, Any]] = []
    for pair, (grey_photo, grey_painting) in pairs.items():
        for method in methods:
            t0 = time.perf_counter()
            image = run(method, photos[grey_photo], paintings[grey_painting], grey_painting)
            row: dict[str, Any] = {"pair": pair, "method": method, **summary(image)}
            row["seconds"] = round(time.perf_counter() - t0, 2)
            if pair == "colour/colour":
                name = method.replace(" ", "-") + ".png"
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(image).save(args.keep / name)
                if args.compare:
                    before = np.asarray(Image.open(args.compare / name).convert("RGB")).astype(np.int16)
                    diff = np.abs(before - image.astype(np.int16))
                    row["vs_before"] = {"mean": round(float(diff.mean()), 3), "max": int(diff.max())}
            rows.append(row)
            print(row, flush=True)
    inputs = {
        "grey photo": summary(photos[True]),
        "grey painting": summary(paintings[True]),
        "colour photo": summary(photos[False]),
        "colour painting": summary(paintings[False]),
    }
    print("inputs:", inputs)
    print("\n| pair | method | mean chroma | max chroma |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['pair']} | {r['method']} | {r['mean']} | {r['max']} |")
    result = {
        "command": command(),
        "machine": machine(),
        "settings": {"size": size, "steps": args.steps, "train_steps": args.train_steps, "tile": args.tile},
        "inputs": inputs,
        "rows": rows,
    }
    save("grey" + ("_quick" if args.quick else ""), result)


if __name__ == "__main__":
    main()
