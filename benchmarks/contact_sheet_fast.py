"""A contact sheet of the three ways to paint, for looking at rather than measuring.

One row per built-in style, on a held-out photo it never saw: the photo, the painting, the
built-in fast style, the instant picture, the instant picture refined by 20 optimiser steps and
the optimiser's 300 steps from the photo (256 px, seed 0, the engine's defaults). Writes
``docs/fast-styles/contact-sheet.png`` and each picture beside it; the distances of every
picture (the shared measure) go in the picture's caption.

``python benchmarks/contact_sheet_fast.py`` (about 5 CPU minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from common import IMAGES, ROOT
from PIL import Image, ImageDraw

sys.path.insert(0, str(ROOT))

ROWS = (("autumn", "content/rocket.jpg"), ("cluster", "content/chelsea.jpg"), ("string", "content/kite.jpg"))
OUT = ROOT / "docs" / "fast-styles"
SIDE = 256


def _image(path: Path) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    img.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


def main() -> int:
    import torch
    from measure import Measure

    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.style_file import read_fast_style
    from nst_desktop.engine.instant.api import stylize_instant
    from nst_desktop.engine.run import stylize

    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    cells: list[list[tuple[np.ndarray, str]]] = []
    for name, photo_name in ROWS:
        photo = _image(IMAGES / photo_name)
        painting = _image(ROOT / "resources" / "samples" / "style" / f"{name}.jpg")
        style = read_fast_style(ROOT / "resources" / "styles" / f"{name}.nststyle")
        base = Settings(size=SIDE, seed=0, device="cpu", precision="float32")
        m = Measure(photo, painting)
        paintings = [StyleImage(painting)]
        pictures = {
            "fast style": apply_fast_style(photo, style, base).image,
            "instant": stylize_instant(photo, paintings, base).image,
            "instant + 20 steps": stylize(photo, paintings, base.replace(steps=20, init="instant")).image,
            "optimiser 300": stylize(photo, paintings, base.replace(steps=300)).image,
        }
        row = [(photo, Path(photo_name).name), (painting, f"{name}.jpg")]
        for label, image in pictures.items():
            s = m(image)
            Image.fromarray(image).save(OUT / f"{name}-{label.replace(' ', '-').replace('+', 'plus')}.png")
            words = f"{label}: style {s['style_distance']:.3f}, content {s['content_distance']:.2f}"
            row.append((image, words))
            print(name, label, f"{s['style_distance']:.4f}", f"{s['content_distance']:.4f}", flush=True)
        cells.append(row)
    layout(cells)
    return 0


def layout(cells: list[list[tuple[np.ndarray, str]]]) -> None:
    """Rows as tall as their tallest picture, a caption under each."""
    cell_w, caption = SIDE + 8, 22
    heights = [max(image.shape[0] for image, _ in row) + 8 + caption for row in cells]
    sheet = Image.new("RGB", (cell_w * 6, sum(heights)), "white")
    draw = ImageDraw.Draw(sheet)
    top = 0
    for row, height in zip(cells, heights, strict=True):
        for c, (image, text) in enumerate(row):
            x = c * cell_w + 4
            sheet.paste(Image.fromarray(image), (x, top + 4))
            draw.text((x, top + height - caption), text[:48], fill="black")
        top += height
    sheet.save(OUT / "contact-sheet.png")


if __name__ == "__main__":
    raise SystemExit(main())
