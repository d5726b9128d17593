"""The instant network's weights: find, hash-check, dequantise, build once per process and device.

The file is safetensors (tensors and a JSON header, nothing executable), so loading it can
never run code; its SHA-256 is checked first, so a damaged or substituted file is refused with
one sentence. Weights are stored as int8 with one float32 scale per output channel, exactly
the numbers of the released int8 model (``packaging/convert_instant_weights.py`` makes it).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Final

import torch

from ..errors import WeightsError
from ..files import FileProblem
from ..paths import resources_dir
from ..text import os_reason
from ..weights import read_hashed
from .network import InstantNetwork

log = logging.getLogger(__name__)

WEIGHTS_FILENAME: Final = "arbitrary_style.safetensors"
WEIGHTS_SHA256: Final = "ea5441fd987e42fc165276db26e6e1490a88d84cab262affda1876ce3fa784e1"

_lock = threading.Lock()
_state: dict[Path, dict[str, torch.Tensor]] = {}
_networks: dict[tuple[Path, str], InstantNetwork] = {}


def weights_path() -> Path:
    """The weights file: ``NST_DESKTOP_INSTANT_WEIGHTS`` if set, else the one shipped in resources."""
    override = os.environ.get("NST_DESKTOP_INSTANT_WEIGHTS")
    return Path(override) if override else resources_dir() / "instant" / WEIGHTS_FILENAME


def load_state(path: Path | None = None) -> dict[str, torch.Tensor]:
    """The dequantised float32 state dict of :class:`InstantNetwork`, on the CPU; cached."""
    path = (path or weights_path()).resolve()
    with _lock:
        state = _state.get(path)
        if state is None:
            state = _read(path)
            _state[path] = state
        return state


def get_network(device: torch.device, path: Path | None = None) -> InstantNetwork:
    """The network on ``device`` in inference mode, built once per process, device and file."""
    path = (path or weights_path()).resolve()
    state = load_state(path)
    key = (path, str(device))
    with _lock:
        net = _networks.get(key)
        if net is None:
            net = InstantNetwork()
            try:
                net.load_state_dict(state, strict=True)
            except RuntimeError:
                raise WeightsError(
                    f"The instant style weights file {path} does not fit the network; reinstall nst-desktop."
                ) from None
            net.eval().requires_grad_(False).to(device)
            if prefers_channels_last(device):
                net.to(memory_format=torch.channels_last)
            _networks[key] = net
        return net


def prefers_channels_last(device: torch.device) -> bool:
    """oneDNN and cuDNN run these small convolutions faster channels-last (measured on the CPU:
    0.11 -> 0.077 s for a 512x512 transform on one thread); MPS gets the default layout."""
    return device.type in ("cpu", "cuda")


def _read(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        # The bytes that were hashed are the ones loaded (not the file reopened by name).
        actual, stream = read_hashed(path)
        with stream:
            data = stream.read()
    except (FileNotFoundError, FileProblem) as exc:
        if isinstance(exc, FileProblem) and exc.kind != "missing":
            raise WeightsError(f"The instant style weights file {path} is not a regular file.") from None
        raise WeightsError(
            f"The instant style weights are missing ({path}); reinstall nst-desktop."
        ) from None
    except OSError as exc:
        raise WeightsError(
            f"The instant style weights file {path} cannot be read ({os_reason(exc)})."
        ) from None
    if actual != WEIGHTS_SHA256:
        raise WeightsError(
            f"The instant style weights file {path} is damaged (its checksum does not match); "
            "reinstall nst-desktop."
        )
    try:
        raw = load(data)
    except (SafetensorError, OSError, ValueError) as exc:  # a hash match makes this near impossible
        raise WeightsError(f"The instant style weights file {path} cannot be loaded ({exc}).") from None
    state: dict[str, torch.Tensor] = {}
    for key, tensor in raw.items():
        if key.endswith(".weight_q"):
            name = key[: -len(".weight_q")]
            scale = raw.get(f"{name}.weight_scale")
            if scale is None or scale.numel() != tensor.shape[0]:
                raise WeightsError(f"The instant style weights file {path} lacks the scales of {name}.")
            shape = (-1,) + (1,) * (tensor.dim() - 1)
            state[f"{name}.weight"] = tensor.to(torch.float32) * scale.to(torch.float32).view(shape)
        elif key.endswith(".bias"):
            state[key] = tensor.to(torch.float32)
    log.info("Loaded the instant style weights from %s", path)
    return state
