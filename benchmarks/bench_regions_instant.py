"""Regions in the instant picture: a style map in the norms against one picture per style, blended.

For each pair of paintings on a photo, the left half after the first painting and the right
after the second (a mask with an edge feathered as the engine feathers it), both ways at 384 px:

* ``map``: one pass with a style vector per position in the transformer's conditional norms
  (Dumoulin et al. 2017's spatial blending; implemented here, as the engine does not use it);
* ``pictures``: one pass per painting, the pictures blended by the masks (the engine's way,
  instant/api.py ``paint_regions``).

Scored with benchmarks/measure.py on each half (the style distance of the left half to the
first painting and of the right half to the second; content distance to the photo's half),
and a seam score: the mean gradient magnitude in the 16 px band around the border over the
mean elsewhere (1 = the border is no busier than the rest). Process CPU time per picture.
Sheets (photo | map | pictures) go to ``results/regions_instant_*.png`` for the eye.
Results: ``results/regions_instant.json``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from common import ROOT, machine
from measure import Measure
from PIL import Image

from nst_desktop.engine import conv_tiles
from nst_desktop.engine.instant.api import brush_size, instant_dtype, paint_regions
from nst_desktop.engine.instant.model import get_network
from nst_desktop.engine.instant.network import EPSILON, StyleTransformer
from nst_desktop.engine.instant.regional import layout, own
from nst_desktop.engine.instant.vectors import at_predictor_scale, style_vector
from nst_desktop.engine.regions import fit_mask
from nst_desktop.engine.settings import Settings

IMAGES = (
    ROOT.parent / "shared" / "images" if (ROOT.parent / "shared").is_dir() else ROOT / "resources" / "samples"
)
PAIRS = [
    ("kite.jpg", "autumn.jpg", "string.jpg"),
    ("astronaut.jpg", "swirl.jpg", "cluster.jpg"),
    ("path.jpg", "brush_marks.jpg", "autumn.jpg"),
]
SIDE = 384


def load(kind: str, name: str, side: int) -> np.ndarray:
    for folder in (IMAGES / kind, ROOT / "resources" / "samples" / kind):
        if (folder / name).is_file():
            img = Image.open(folder / name).convert("RGB")
            img.thumbnail((side, side), Image.Resampling.LANCZOS)
            return np.asarray(img).copy()
    raise FileNotFoundError(name)


def _norm(layer: torch.nn.Module, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """A conditional instance norm with a style map: the whole picture's statistics, per-position
    scales and shifts (computed on the quarter-size map, enlarged bilinearly)."""
    x = layer.conv(F.pad(x, [layer.pad] * 4, mode="reflect"))
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = (x - mean).square().mean(dim=(2, 3), keepdim=True)
    size = x.shape[-2:]
    gamma = F.interpolate(layer.gamma(style), size=size, mode="bilinear", align_corners=False)
    beta = F.interpolate(layer.beta(style), size=size, mode="bilinear", align_corners=False)
    scale = torch.rsqrt(var + EPSILON) * gamma
    return x * scale + (beta - mean * scale)


def paint_map(
    t: StyleTransformer, rgb: np.ndarray, vectors: list[torch.Tensor], weights: list[np.ndarray]
) -> np.ndarray:
    """The transformer with a vector per position (the variant the engine does not use)."""
    h, w = rgb.shape[:2]
    qh, qw = -(-h // 4), -(-w // 4)
    style = torch.zeros((1, vectors[0].shape[0], qh, qw))
    for v, m in zip(vectors, weights, strict=True):
        style += v.view(1, -1, 1, 1) * torch.from_numpy(fit_mask(m, qw, qh))[None, None]

    def forward(x: torch.Tensor) -> torch.Tensor:
        x = t.contracted(x)
        for block in t.residual:
            x = x + _norm(block.conv2, F.relu(_norm(block.conv1, x, style)), style)
        x = F.relu(_norm(t.expand[0], F.interpolate(x, scale_factor=2.0, mode="nearest"), style))
        x = F.relu(_norm(t.expand[1], F.interpolate(x, scale_factor=2.0, mode="nearest"), style))
        return torch.sigmoid(_norm(t.expand[2], x, style))

    x = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
    with torch.no_grad():
        y = conv_tiles.padded_forward(forward, x, StyleTransformer.MULTIPLE)[0] * 255.0
    return y.permute(1, 2, 0).numpy()


def seam(rgb: np.ndarray, column: int) -> float:
    grey = rgb.astype(np.float32).mean(axis=2)
    grad = np.abs(np.diff(grey, axis=1))
    band = grad[:, column - 8 : column + 8].mean()
    rest = np.concatenate([grad[:, : column - 24], grad[:, column + 24 :]], axis=1).mean()
    return float(band / rest)


def main() -> None:
    device = torch.device("cpu")
    net = get_network(device)
    settings = Settings(device="cpu")
    rows: list[dict[str, Any]] = []
    for photo_name, first, second in PAIRS:
        photo = load("content", photo_name, SIDE)
        a, b = load("style", first, 1024), load("style", second, 1024)
        h, w = photo.shape[:2]
        left = np.zeros((h, w), np.float32)
        left[:, : w // 2] = 1.0
        vectors = [style_vector(net.predictor, at_predictor_scale(p), device) for p in (a, b)]
        bh, bw = brush_size(h, w, settings.brush_scale)
        weights = layout([left, 1.0 - left], bh, bw)
        weights.append(own(weights))
        vectors.append(style_vector(net.predictor, photo.astype(np.float32), device))
        pictures = {}
        row: dict[str, Any] = {"photo": photo_name, "left": first, "right": second}
        for by in ("map", "pictures"):
            began = time.process_time()
            if by == "map":
                out = paint_map(net.transformer, photo.astype(np.float32), vectors, weights)
            else:
                dtype = instant_dtype(settings, device)
                out = paint_regions(net.transformer, photo.astype(np.float32), vectors, weights, dtype)
            seconds = time.process_time() - began
            rgb = np.clip(np.rint(out), 0, 255).astype(np.uint8)
            pictures[by] = rgb
            half = w // 2
            lm = Measure(photo[:, :half], load("style", first, SIDE))
            rm = Measure(photo[:, half:], load("style", second, SIDE))
            ls, rs = lm(rgb[:, :half]), rm(rgb[:, half:])
            row[by] = {
                "style_left": round(ls["style_distance"], 4),
                "style_right": round(rs["style_distance"], 4),
                "content": round((ls["content_distance"] + rs["content_distance"]) / 2, 4),
                "seam": round(seam(rgb, half), 3),
                "cpu_seconds": round(seconds, 3),
            }
        print(json.dumps(row))
        rows.append(row)
        sheet = np.concatenate([photo, pictures["map"], pictures["pictures"]], axis=1)
        Image.fromarray(sheet).save(
            ROOT / "benchmarks" / "results" / f"regions_instant_{photo_name[:-4]}.png"
        )
    summary = {"machine": machine(), "load": os.getloadavg(), "side": SIDE, "rows": rows}
    (ROOT / "benchmarks" / "results" / "regions_instant.json").write_text(
        json.dumps(summary, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
