"""How good a fast style is, measured rather than assumed: "about as good as N optimiser steps".

A fast style is a bet that one pass of a trained network paints like the optimiser. Whether it
won is a measurement on a photo the network never learned from (the training's held-back
preview photo, or a built-in's held-out photo), at :data:`SIDE` px, with the shared measure of
benchmarks/measure.py: the style distance (Gram matrices of relu1_1..relu5_1, relative to the
painting's own) and the content distance (relu4_2, relative to the photo's). The same photo
and painting are painted by the instant network and by short optimiser runs (:data:`BUDGETS`
steps from the photo, seed 0), and the style "matches" the largest budget whose style *and*
content distances it is no worse than. A style worse than the instant picture, which costs
no training at all, says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import torch

from ..losses import blend_grams, gram
from ..settings import STYLE_LAYERS, DeviceChoice, Settings
from ..types import RGB8, CancelToken, StyleImage
from ..weights import CAFFE_MEAN_BGR

#: The long side the measure paints and scores at (its optimiser runs take ~20 s on a CPU core);
#: a training on small crops is measured smaller (:func:`side_for`).
SIDE: Final = 256
#: Optimiser budgets a style is compared with, smallest first.
BUDGETS: Final = (10, 20, 50, 100)
_CONTENT: Final = "relu4_2"


@dataclass(frozen=True)
class Distances:
    style: float
    content: float

    def no_worse_than(self, other: Distances) -> bool:
        return self.style <= other.style and self.content <= other.content

    def to_dict(self) -> dict[str, float]:
        return {"style": round(self.style, 5), "content": round(self.content, 5)}


@dataclass(frozen=True)
class Quality:
    """A style's distances beside the instant picture's and the optimiser's on one photo."""

    photo: str
    fast: Distances
    instant: Distances
    optimiser: Mapping[int, Distances]
    side: int = SIDE

    @property
    def matches_steps(self) -> int:
        """The largest optimiser budget this style is no worse than (0: not even the smallest)."""
        return max((n for n, d in self.optimiser.items() if self.fast.no_worse_than(d)), default=0)

    @property
    def worse_than_instant(self) -> bool:
        """Worse than the untrained instant picture on the two distances taken together."""
        ratio = (self.fast.style / self.instant.style + self.fast.content / self.instant.content) / 2
        return ratio > 1.0

    def sentence(self) -> str:
        """One plain sentence for the window and ``styles show``."""
        if self.worse_than_instant:
            return (
                f"On a photo it never saw ({self.photo}) it is worse than the instant picture, "
                "which needs no training."
            )
        if self.matches_steps:
            return (
                f"On a photo it never saw ({self.photo}) it is about as good as "
                f"{self.matches_steps} optimiser steps."
            )
        return (
            f"On a photo it never saw ({self.photo}) it is better than the instant picture but not yet "
            f"as good as {BUDGETS[0]} optimiser steps."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "photo": self.photo,
            "side": self.side,
            "fast": self.fast.to_dict(),
            "instant": self.instant.to_dict(),
            "optimiser": {str(n): d.to_dict() for n, d in self.optimiser.items()},
            "matches_steps": self.matches_steps,
            "worse_than_instant": self.worse_than_instant,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Quality | None:
        """The record kept in a style file, or None where it is missing or not of this form."""
        try:
            return cls(
                photo=str(doc["photo"])[:200],
                fast=_distances(doc["fast"]),
                instant=_distances(doc["instant"]),
                optimiser={int(n): _distances(d) for n, d in dict(doc["optimiser"]).items()},
                side=int(doc.get("side", SIDE)),
            )
        except (KeyError, TypeError, ValueError):
            return None


class Scorer:
    """Scores pictures of one photo against blended paintings (the measure of benchmarks/measure.py)."""

    def __init__(
        self, photo: RGB8, paintings: Sequence[StyleImage], device: torch.device, side: int = SIDE
    ) -> None:
        from ..run import get_model

        self.device = device
        self.model = get_model(device, "max", "relu5_1")
        self.mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        used = [p for p in paintings if p.weight > 0]
        with torch.no_grad():
            self.content = self._features(photo, [_CONTENT])[_CONTENT].double()
            per_style = []
            for p in used:
                feats = self._features(_long_side(p.image, side), STYLE_LAYERS)
                per_style.append({k: gram(v).double() for k, v in feats.items()})
        self.grams = blend_grams(per_style, [p.weight for p in used])
        self.shape = photo.shape

    def _features(self, rgb: RGB8, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)).to(self.device)
        x = t.permute(2, 0, 1).unsqueeze(0) - self.mean
        feats: dict[str, torch.Tensor] = self.model(x, list(layers))
        return feats

    @torch.no_grad()
    def __call__(self, picture: RGB8) -> Distances:
        if picture.shape != self.shape:
            raise ValueError("the picture and the photo differ in size")
        feats = self._features(picture, [*STYLE_LAYERS, _CONTENT])
        style = np.mean(
            [
                float((gram(feats[k]).double() - g).pow(2).sum() / g.pow(2).sum())
                for k, g in self.grams.items()
            ]
        )
        c = feats[_CONTENT].double()
        content = float((c - self.content).pow(2).sum() / self.content.pow(2).sum())
        return Distances(float(style), content)


def measure_style(
    picture_of: Any,
    photo: RGB8,
    photo_name: str,
    paintings: Sequence[StyleImage],
    device: DeviceChoice = "cpu",
    cancel: CancelToken | None = None,
    side: int = SIDE,
) -> Quality:
    """Score ``picture_of(photo at side px) -> RGB8`` (the fast style) on ``photo``.

    ``picture_of`` is a callable so this module need not know the network's kind.
    """
    from ..devices import resolve_device
    from ..instant.api import stylize_instant
    from ..run import stylize

    dev = resolve_device(device)
    small = _long_side(photo, side)
    scorer = Scorer(small, paintings, dev, side)
    base = Settings(size=max(small.shape[:2]), seed=0, device=device)
    fast = scorer(picture_of(small))
    instant = scorer(stylize_instant(small, paintings, base, cancel=cancel).image)
    optimiser = {
        n: scorer(stylize(small, paintings, base.replace(steps=n), cancel=cancel).image) for n in BUDGETS
    }
    return Quality(photo=photo_name, fast=fast, instant=instant, optimiser=optimiser, side=side)


def side_for(crop: int) -> int:
    """The measuring size for a training on ``crop`` px crops: twice the crop, 64 to :data:`SIDE`
    (a network trained on small crops paints strokes of its crops' scale)."""
    return int(min(SIDE, max(64, 2 * crop)))


def _long_side(rgb: RGB8, side: int) -> RGB8:
    from ..run import _resize

    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    out: RGB8 = np.clip(np.rint(_resize(rgb.astype(np.float32), *size)), 0, 255).astype(np.uint8)
    return out


def _distances(doc: Any) -> Distances:
    style, content = float(doc["style"]), float(doc["content"])
    if not (np.isfinite(style) and np.isfinite(content)) or style < 0 or content < 0:
        raise ValueError("not a distance")
    return Distances(style, content)
