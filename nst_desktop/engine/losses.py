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
from dataclasses import dataclass, field

import torch

from . import regions

# What "1.0" of each artist control means, chosen by eye on the sample images (see README).
STYLE_SCALE = 1.0
CONTENT_SCALE = 0.4
TV_SCALE = 0.005
#: Where the keep mask is white, the content term weighs this much more (1 + KEEP_CONTENT times):
#: the photo's own structure holds there and along the mask's soft edge, which the composite of
#: the photo over the picture (regions.keep_photo) then joins without a visible seam.
KEEP_CONTENT = 10.0
_EPS = 1e-8


def gram(features: torch.Tensor) -> torch.Tensor:
    """Channel correlations averaged over pixels, so the target does not depend on image size."""
    _, c, h, w = features.shape
    flat = features.reshape(c, h * w)
    return (flat @ flat.t()) / (h * w)


def guided_gram(features: torch.Tensor, mask: torch.Tensor, area: torch.Tensor) -> torch.Tensor:
    """The Gram matrix of the features under ``mask`` (1x1xhxw at the features' size), as in
    Gatys et al. 2017: the features are weighted by the mask and the sum divided by the
    mask's area (``sum(mask**2)``), so a region's Gram is an average over its own positions
    and compares with a whole painting's :func:`gram` whatever the region's size."""
    _, c, h, w = features.shape
    flat = (features * mask).reshape(c, h * w)
    return (flat @ flat.t()) / area


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
class StyleTarget:
    """Gram targets and the region of the picture that must match them.

    ``mask`` (1x1xHxW at the level's size, ``None`` for the whole picture) is taken down to
    each layer's size by area averages (regions.resize), once per size; ``share`` weighs this
    region's style term against the others' (its painting's weight times its area).
    """

    grams: dict[str, torch.Tensor]
    gram_norm2: dict[str, torch.Tensor]
    mask: torch.Tensor | None = None
    share: float = 1.0
    _sized: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, grams: dict[str, torch.Tensor], mask: torch.Tensor | None = None, share: float = 1.0
    ) -> StyleTarget:
        return cls(grams, {k: g.pow(2).sum() for k, g in grams.items()}, mask, share)

    def mask_at(self, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The mask at a layer's size and its area there (``sum(mask**2)``, at least 1e-6)."""
        assert self.mask is not None
        key = (height, width)
        sized = self._sized.get(key)
        if sized is None:
            m = regions.resize(self.mask, height, width)
            sized = (m, m.pow(2).sum().clamp(min=1e-6))
            self._sized[key] = sized
        return sized

    def gram_of(self, features: torch.Tensor) -> torch.Tensor:
        """The Gram matrix this target compares with: plain, or guided by the mask."""
        if self.mask is None:
            return gram(features)
        mask, area = self.mask_at(features.shape[2], features.shape[3])
        return guided_gram(features, mask, area)


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
    regions: tuple[StyleTarget, ...] = ()
    """Per-region targets (regions.py); empty: ``grams`` everywhere."""
    keep: torch.Tensor | None = None
    """The keep mask (1x1xHxW at the level's size), which raises the content weight there."""

    @classmethod
    def build(
        cls,
        content_layer: str,
        content_features: torch.Tensor,
        grams: dict[str, torch.Tensor],
        layer_weights: Mapping[str, float],
        content_image: torch.Tensor,
        regions: Sequence[StyleTarget] = (),
        keep: torch.Tensor | None = None,
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
            regions=tuple(regions),
            keep=keep,
        )

    @property
    def layers(self) -> set[str]:
        return set(self.layer_weights) | {self.content_layer}

    @property
    def style_targets(self) -> tuple[StyleTarget, ...]:
        """What the style term sums over: the regions, or the blend over the whole picture."""
        if self.regions:
            return self.regions
        return (StyleTarget(self.grams, self.gram_norm2),)

    def content_weight(self, height: int, width: int) -> torch.Tensor | None:
        """Per-position weights of the content term at a ``height`` x ``width`` layer (``None``
        without a keep mask): 1, and 1 + :data:`KEEP_CONTENT` where the photo is kept."""
        if self.keep is None:
            return None
        return 1.0 + KEEP_CONTENT * regions.resize(self.keep, height, width)


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
            target.share
            * w
            * relative_error(target.gram_of(features[layer]), target.grams[layer], target.gram_norm2[layer])
            for target in targets.style_targets
            for layer, w in targets.layer_weights.items()
        ),
        torch.zeros((), device=image.device),
    )
    mine = features[targets.content_layer]
    weight = targets.content_weight(mine.shape[2], mine.shape[3])
    if weight is None:
        content = relative_error(mine, targets.content, targets.content_norm2)
    else:
        content = ((mine - targets.content).pow(2) * weight).sum() / (targets.content_norm2 + _EPS)
    tv = roughness(image) / targets.roughness_ref
    total = weights.style * style + weights.content * content + weights.tv * tv
    return total, {"style": style, "content": content, "tv": tv}
