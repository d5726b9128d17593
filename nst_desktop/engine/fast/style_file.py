"""The ``.nststyle`` file: one trained fast style, safe to open whatever its origin.

It is a safetensors file: a length-prefixed JSON header and raw little-endian arrays, so
opening it never executes code (unlike a pickle). Besides the network's weights (float16,
which halves the file at no visible cost) it holds the painting's thumbnail, the training
recipe and a schema version in the header's string metadata. Every way a file can be wrong
(damaged, truncated, oversized, foreign, a pickle, weights of another shape) ends in one
:class:`FastStyleError` sentence.

A style holds one of two networks, named by the ``kind`` in its ``network`` description:

- ``instant``: the instant model's transformer (Ghiasi et al.) fine-tuned on the painting, with
  its 100-number style vector. Starting from a network that has seen thousands of paintings is
  what makes a good style affordable on a CPU (benchmarks/README.md, "Training recipes").
- ``johnson``: Johnson et al.'s network trained from scratch, at a chosen width. Schema 1 files
  (before the instant kind existed) are all of this kind and still load.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import torch

from ..atomic import atomic_path
from ..errors import FastStyleError
from ..files import FileProblem, read_regular
from ..text import clip, quote
from ..types import RGB8
from .network import DEFAULT_BLOCKS, DEFAULT_WIDTH, TransformerNet

if TYPE_CHECKING:
    from ..instant.network import StyleTransformer

NetworkKind = Literal["johnson", "instant"]
NETWORK_KINDS: Final = ("instant", "johnson")

SUFFIX: Final = ".nststyle"
FORMAT: Final = "nst-desktop fast style"
#: 2 added the ``instant`` kind (``network.kind`` and the ``style_vector`` tensor).
SCHEMA_VERSION: Final = 2
#: A schema version is a small whole number; longer digit strings are not ours.
_MAX_VERSION_DIGITS: Final = 4
#: A real style is 1-3 MB; anything far larger is not one of ours and is not read into memory.
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
MAX_HEADER_BYTES: Final = 1024 * 1024
MAX_NAME: Final = 80
THUMBNAIL_SIDE: Final = 160
_THUMB_KEY: Final = "thumbnail"
_VECTOR_KEY: Final = "style_vector"


@dataclass(frozen=True)
class FastStyle:
    """A trained style: the network's weights, what it looks like and how it was made."""

    name: str
    state: Mapping[str, torch.Tensor]
    thumbnail: RGB8
    width: int = DEFAULT_WIDTH
    blocks: int = DEFAULT_BLOCKS
    training: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    kind: NetworkKind = "johnson"
    #: The instant kind's style vector (100 numbers); None for the johnson kind.
    vector: torch.Tensor | None = None

    def build(self, device: torch.device | None = None) -> TransformerNet | StyleTransformer:
        """The network with these weights, in float32, ready for inference."""
        net = empty_network(self.kind, self.width, self.blocks)
        net.load_state_dict({k: v.float() for k, v in self.state.items()})
        net.eval().requires_grad_(False)
        if device is not None:
            net.to(device)
        return net


def empty_network(
    kind: NetworkKind, width: int = DEFAULT_WIDTH, blocks: int = DEFAULT_BLOCKS
) -> TransformerNet | StyleTransformer:
    """A network of ``kind`` with untrained weights (the shape a file's weights must fit)."""
    if kind == "instant":
        from ..instant.network import StyleTransformer

        return StyleTransformer()
    return TransformerNet(width, blocks)


def write_fast_style(path: str | os.PathLike[str], style: FastStyle) -> Path:
    """Write ``style`` atomically; the weights are stored as float16."""
    from safetensors.torch import save

    final = Path(path)
    tensors = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in style.state.items()}
    tensors[_THUMB_KEY] = torch.from_numpy(np.ascontiguousarray(style.thumbnail, dtype=np.uint8))
    network: dict[str, Any] = {"kind": style.kind}
    if style.kind == "instant":
        if style.vector is None:
            raise ValueError("an instant-kind style needs its style vector")
        tensors[_VECTOR_KEY] = style.vector.detach().to("cpu", torch.float32).reshape(-1).contiguous()
    else:
        network |= {"width": style.width, "blocks": style.blocks}
    meta = {
        "format": FORMAT,
        "schema_version": str(SCHEMA_VERSION),
        "name": style.name,
        "description": style.description,
        "network": json.dumps(network),
        "training": json.dumps(dict(style.training), sort_keys=True),
    }
    data = save(tensors, metadata=meta)
    with atomic_path(final) as temp, open(temp, "wb") as f:
        f.write(data)
    return final


def read_fast_style(path: str | os.PathLike[str]) -> FastStyle:
    """Read and check a fast style; any problem is a :class:`FastStyleError` sentence."""
    p = Path(path)
    label = quote(p.name)
    data = _read_bytes(p, label)
    return parse_fast_style(data, label)


def parse_fast_style(data: bytes, label: str = "The file") -> FastStyle:
    if len(data) < 8:
        raise FastStyleError(f"{label} is not a fast style (it is empty or cut short).")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(data):
        raise FastStyleError(f"{label} is not a fast style, or it is damaged or cut short.")
    try:
        header = json.loads(data[8 : 8 + header_len])
    except (ValueError, UnicodeDecodeError):
        raise FastStyleError(f"{label} is not a fast style, or it is damaged.") from None
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise FastStyleError(f"{label} is not an nst-desktop fast style.")
    version = meta.get("schema_version", "")
    # isdigit() alone admits '²' and other digits int() refuses, and any length.
    if (
        not isinstance(version, str)
        or not version.isascii()
        or not version.isdigit()
        or len(version) > _MAX_VERSION_DIGITS
    ):
        raise FastStyleError(f"{label} has an invalid schema version.")
    if int(version) > SCHEMA_VERSION:
        raise FastStyleError(
            f"{label} comes from a newer version of nst-desktop (style schema {int(version)}); "
            "please update nst-desktop."
        )
    kind, width, blocks = _network_shape(meta.get("network"), label)
    training = _json_object(meta.get("training", "{}"), label)
    name = _text(meta.get("name"), label, MAX_NAME) or "Untitled"
    description = _text(meta.get("description", ""), label, 1000)
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        tensors = load(data)
    except (SafetensorError, ValueError, RuntimeError, OverflowError):
        raise FastStyleError(f"{label} is damaged (its weights cannot be read).") from None
    thumbnail = tensors.pop(_THUMB_KEY, None)
    vector = tensors.pop(_VECTOR_KEY, None)
    if kind == "instant":
        vector = _style_vector(vector, label)
    elif vector is not None:
        raise FastStyleError(f"{label} holds weights for a different network.")
    expected = empty_network(kind, width, blocks).state_dict()
    if set(tensors) != set(expected):
        raise FastStyleError(f"{label} holds weights for a different network.")
    for key, tensor in tensors.items():
        if tensor.shape != expected[key].shape or tensor.dtype not in (torch.float16, torch.float32):
            raise FastStyleError(f"{label} holds weights of the wrong shape or type.")
        if not bool(torch.isfinite(tensor).all()):
            raise FastStyleError(f"{label} holds invalid weights (not finite numbers).")
    return FastStyle(
        name=name,
        state=tensors,
        thumbnail=_thumbnail(thumbnail, label),
        width=width,
        blocks=blocks,
        training=training,
        description=description,
        kind=kind,
        vector=vector,
    )


def _style_vector(value: torch.Tensor | None, label: str) -> torch.Tensor:
    from ..instant.network import STYLE_DIM

    if value is None or value.dtype != torch.float32 or tuple(value.shape) != (STYLE_DIM,):
        raise FastStyleError(f"{label} holds weights for a different network.")
    if not bool(torch.isfinite(value).all()):
        raise FastStyleError(f"{label} holds invalid weights (not finite numbers).")
    return value


def make_thumbnail(image: RGB8, side: int = THUMBNAIL_SIDE) -> RGB8:
    """A small copy of the painting for galleries (no larger than ``side``)."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8))
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    thumb: RGB8 = np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
    return thumb


def _read_bytes(p: Path, label: str) -> bytes:
    try:
        data = read_regular(p, MAX_FILE_BYTES)
    except FileProblem as problem:
        raise FastStyleError(_unreadable(problem, label)) from None
    if len(data) > MAX_FILE_BYTES:
        raise FastStyleError(f"{label} is too large to be a fast style (over {MAX_FILE_BYTES // 2**20} MB).")
    return data


def _unreadable(problem: FileProblem, label: str) -> str:
    return {
        "missing": f"{label} does not exist.",
        "folder": f"{label} is a folder, not a fast style.",
        "denied": f"nst-desktop is not allowed to read {label}.",
        "special": f"{label} is not a regular file.",
        "unreadable": f"{label} cannot be read ({clip(problem.reason or 'error')}).",
    }[problem.kind]


def _network_shape(value: object, label: str) -> tuple[NetworkKind, int, int]:
    """The network's kind and, for the johnson kind, its width and blocks (no kind: schema 1)."""
    doc = _json_object(value, label)
    kind = doc.get("kind", "johnson")
    if kind == "instant":
        return "instant", DEFAULT_WIDTH, DEFAULT_BLOCKS
    if kind != "johnson":
        raise FastStyleError(f"{label} describes a network nst-desktop does not know.")
    width, blocks = doc.get("width"), doc.get("blocks")
    if (
        not isinstance(width, int)
        or not isinstance(blocks, int)
        or isinstance(width, bool)
        or isinstance(blocks, bool)
        or not 4 <= width <= 128
        or not 1 <= blocks <= 16
    ):
        raise FastStyleError(f"{label} describes a network nst-desktop does not know.")
    return "johnson", width, blocks


def _json_object(value: object, label: str) -> dict[str, Any]:
    if not isinstance(value, str):
        raise FastStyleError(f"{label} is damaged (its description is missing).")
    try:
        doc = json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise FastStyleError(f"{label} is damaged (its description is not valid).") from None
    if not isinstance(doc, dict):
        raise FastStyleError(f"{label} is damaged (its description is not valid).")
    return doc


def _no_constant(name: str) -> float:
    raise ValueError(name)


def _text(value: object, label: str, limit: int) -> str:
    if not isinstance(value, str):
        raise FastStyleError(f"{label} is damaged (its name is missing).")
    clean = "".join(ch if ch.isprintable() else " " for ch in value).strip()
    return clean[:limit]


def _thumbnail(value: torch.Tensor | None, label: str) -> RGB8:
    if value is None:
        return np.zeros((1, 1, 3), np.uint8)
    if (
        value.dtype != torch.uint8
        or value.ndim != 3
        or value.shape[2] != 3
        or not 1 <= value.shape[0] <= 1024
        or not 1 <= value.shape[1] <= 1024
    ):
        raise FastStyleError(f"{label} has a damaged thumbnail.")
    thumb: RGB8 = value.numpy().copy()
    return thumb

