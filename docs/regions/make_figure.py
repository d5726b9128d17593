"""Re-make the regions figures: ``python docs/regions/make_figure.py`` (CPU, a few minutes).

* ``portrait.png``: the astronaut with her face kept (a soft ellipse) and the rest painted,
  by the optimiser and by the instant network;
* ``landscape.png``: a forest path, the trees after one painting and the ground after another
  (a soft horizontal edge), by the optimiser and by the instant network.

Each row: photo | masks over the photo | optimiser | instant. The masks are saved beside
(``*_mask*.png``), so the command line can repeat a run::

    nst-desktop stylize resources/samples/content/astronaut.jpg --style resources/samples/style/string.jpg \\
        --keep docs/regions/portrait_keep.png -o portrait.png --size 320
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.instant import stylize_instant
from nst_desktop.engine.run import stylize

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "resources" / "samples"
SHARED = ROOT.parent / "shared" / "images"
SIDE = 320
SETTINGS = Settings(size=SIDE, steps=160, seed=3, device="cpu")


def load(path: Path, side: int) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


def soft(mask: np.ndarray, radius: int) -> np.ndarray:
    from nst_desktop.engine.instant.regional import feather

    return feather(mask.astype(np.float32), radius)


def overlay(photo: np.ndarray, masks: list[tuple[np.ndarray, tuple[int, int, int]]]) -> np.ndarray:
    out = photo.astype(np.float32) * 0.55
    for mask, colour in masks:
        out += 0.45 * mask[..., None] * np.array(colour, np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def row(
    photo: np.ndarray, shown: np.ndarray, styles: list[StyleImage], keep: np.ndarray | None
) -> np.ndarray:
    began = time.process_time()
    optimised = stylize(photo, styles, SETTINGS, keep=keep).image
    middle = time.process_time()
    instant = stylize_instant(photo, styles, Settings(device="cpu"), keep=keep).image
    sys.stderr.write(
        f"optimiser {middle - began:.0f} s CPU, instant {time.process_time() - middle:.1f} s CPU\n"
    )
    gap = np.full((photo.shape[0], 6, 3), 255, np.uint8)
    return np.concatenate([photo, gap, shown, gap, optimised, gap, instant], axis=1)


def save_mask(mask: np.ndarray, name: str) -> None:
    Image.fromarray(np.clip(np.rint(mask * 255), 0, 255).astype(np.uint8), mode="L").save(HERE / name)


def portrait() -> None:
    photo = load(SAMPLES / "content" / "astronaut.jpg", SIDE)
    h, w = photo.shape[:2]
    face = Image.new("L", (w, h), 0)
    # The face and hair of the 512 px sample, scaled to this size.
    s = w / 512
    ImageDraw.Draw(face).ellipse([150 * s, 14 * s, 300 * s, 186 * s], fill=255)
    keep = soft(np.asarray(face, np.float32) / 255.0, 4)
    save_mask(keep, "portrait_keep.png")
    painting = load(SAMPLES / "style" / "string.jpg", SIDE)
    shown = overlay(photo, [(keep, (255, 255, 255))])
    picture = row(photo, shown, [StyleImage(painting, 1.0, "string")], keep)
    Image.fromarray(picture).save(HERE / "portrait.png")


def landscape() -> None:
    source = SHARED / "content" / "path.jpg"
    photo = load(source if source.is_file() else SAMPLES / "content" / "chelsea.jpg", SIDE)
    h, w = photo.shape[:2]
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    trees = np.clip((0.55 * h - yy) / 6.0 + 0.5, 0.0, 1.0)  # above the edge of the forest floor
    save_mask(trees, "landscape_trees.png")
    save_mask(1.0 - trees, "landscape_ground.png")
    swirl = SHARED / "style" / "swirl.jpg"
    top = load(swirl if swirl.is_file() else SAMPLES / "style" / "cluster.jpg", SIDE)
    ground = load(SAMPLES / "style" / "autumn.jpg", SIDE)
    styles = [StyleImage(top, 1.0, "swirl", trees), StyleImage(ground, 1.0, "autumn", 1.0 - trees)]
    shown = overlay(photo, [(trees, (90, 160, 255)), (1.0 - trees, (255, 170, 60))])
    Image.fromarray(row(photo, shown, styles, None)).save(HERE / "landscape.png")


if __name__ == "__main__":
    portrait()
    landscape()
