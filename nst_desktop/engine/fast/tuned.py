"""The instant model's transformer as a trainable painter: the start of an ``instant``-kind style.

Training a network from scratch per painting (Johnson et al.) needs tens of thousands of GPU
steps; on an artist's CPU it stalled at 3-4x the optimiser's style distance. The instant
model's transformer has already learned to paint from thousands of paintings; starting from
it, with the painting's own style vector, and fine-tuning it with the optimiser's loss is what
gets close to the optimiser in minutes (benchmarks/README.md, "Training recipes").
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..instant.model import load_state
from ..instant.network import StyleTransformer
from ..instant.vectors import at_predictor_scale, blend, style_vector
from ..types import StyleImage

_PREFIX = "transformer."


class TunedTransformer(nn.Module):
    """The transformer with one style vector of its own: photo (Nx3xHxW, 0..1) in, picture out."""

    def __init__(self, transformer: StyleTransformer, vector: torch.Tensor) -> None:
        super().__init__()
        self.transformer = transformer
        self.vector = nn.Parameter(vector.detach().clone().reshape(1, -1).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.transformer(x, self.vector.expand(x.shape[0], -1))
        return out

    def style_vector(self) -> torch.Tensor:
        return self.vector.detach().reshape(-1).clone()


def pretrained_transformer() -> StyleTransformer:
    """A fresh copy of the shipped instant transformer (float32, CPU, trainable)."""
    net = StyleTransformer()
    state = {k[len(_PREFIX) :]: v.clone() for k, v in load_state().items() if k.startswith(_PREFIX)}
    net.load_state_dict(state, strict=True)
    return net


def paintings_vector(paintings: Sequence[StyleImage], device: torch.device) -> torch.Tensor:
    """The blended style vector of ``paintings`` by their weights (what the instant picture uses)."""
    from ..instant.model import get_network

    predictor = get_network(device).predictor
    used = [p for p in paintings if p.weight > 0]
    vectors = [style_vector(predictor, at_predictor_scale(p.image), device) for p in used]
    return blend(vectors, [p.weight for p in used]).cpu()


def starting_painter(paintings: Sequence[StyleImage], device: torch.device) -> TunedTransformer:
    """The untrained start: the pretrained transformer with the paintings' own vector."""
    return TunedTransformer(pretrained_transformer(), paintings_vector(paintings, device)).to(device)
