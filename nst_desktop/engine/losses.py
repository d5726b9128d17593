"""Content, style and smoothness terms, normalised so an artist's numbers mean the same everywhere.

Raw Gatys losses scale with the image size, the layer's width and the style image's contrast,
which is why other tools' weights look like ``1e6`` and must be re-tuned for every picture.
Here every term is a *relative* squared error against its own target (dimensionless, about 1
when the picture has nothing of the target, 0 when it matches), Gram matrices are averaged over
pixels, and smoothness is measured against the photo's own smoothness. The three calibration
constants below then set what "1.0" means for each control.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

# What "1.0" of each artist control means, chosen by eye on the sample images (see README).
STYLE_SCALE = 1.0
CONTENT_SCALE = 0.4
TV_SCALE = 0.005
_EPS = 1e-8


def gram(features: torch.Tensor) -> torch.Tensor:
    """Channel correlations averaged over pixels, so the target does not depend on image size."""
    _, c, h, w = features.shape
    flat = features.reshape(c, h * w)
    return (flat @ flat.t()) / (h * w)


def blend_grams(
    per_style: Sequence[Mapping[str, torch.Tensor]], weights: Sequence[float]
) -> dict[str, torch.Tensor]:
    """One Gram target per layer from several styles (as neural-style blends them)."""
    total = float(sum(weights))
    layers = per_style[0].keys()
    return {
        layer: sum(
            (g[layer] * (w / total) for g, w in zip(per_style, weights, strict=True)),
            torch.zeros_like(per_style[0][layer]),
        )
        for layer in layers
    }


def relative_error(value: torch.Tensor, target: torch.Tensor, target_norm2: torch.Tensor) -> torch.Tensor:
    return (value - target).pow(2).sum() / (target_norm2 + _EPS)


def roughness(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels."""
    dx = image[..., :, 1:] - image[..., :, :-1]
    dy = image[..., 1:, :] - image[..., :-1, :]
    return dx.pow(2).mean() + dy.pow(2).mean()


@dataclass
class Targets:
    """What one level's picture is pulled towards; computed once per level, not per step."""

    content_layer: str
    content: torch.Tensor
    content_norm2: torch.Tensor
    grams: dict[str, torch.Tensor]
    gram_norm2: dict[str, torch.Tensor]
    layer_weights: dict[str, float]
    roughness_ref: torch.Tensor

    @classmethod
    def build(
        cls,
        content_layer: str,
        content_features: torch.Tensor,
        grams: dict[str, torch.Tensor],
        layer_weights: Mapping[str, float],
        content_image: torch.Tensor,
    ) -> Targets:
        total = sum(layer_weights.values())
        # A floor keeps a flat photo (roughness ~0) from making smoothness explode.
        ref = torch.clamp(roughness(content_image), min=25.0)
        return cls(
            content_layer=content_layer,
            content=content_features,
            content_norm2=content_features.pow(2).sum(),
            grams=grams,
            gram_norm2={k: g.pow(2).sum() for k, g in grams.items()},
            layer_weights={k: w / total for k, w in layer_weights.items() if w > 0},
            roughness_ref=ref,
        )

    @property
    def layers(self) -> set[str]:
        return set(self.layer_weights) | {self.content_layer}


@dataclass(frozen=True)
class Weights:
    style: float
    content: float
    tv: float

    @classmethod
    def from_artist(cls, style_strength: float, keep_content: float, smoothness: float) -> Weights:
        return cls(style_strength * STYLE_SCALE, keep_content * CONTENT_SCALE, smoothness * TV_SCALE)


def total_loss(
    image: torch.Tensor, features: Mapping[str, torch.Tensor], targets: Targets, weights: Weights
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The weighted sum to minimise, and its terms (unweighted) for progress reports."""
    style = sum(
        (
            w * relative_error(gram(features[layer]), targets.grams[layer], targets.gram_norm2[layer])
            for layer, w in targets.layer_weights.items()
        ),
        torch.zeros((), device=image.device),
    )
    content = relative_error(features[targets.content_layer], targets.content, targets.content_norm2)
    tv = roughness(image) / targets.roughness_ref
    total = weights.style * style + weights.content * content + weights.tv * tv
    return total, {"style": style, "content": content, "tv": tv}
