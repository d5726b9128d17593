"""The region layers an artist paints over the photo: one mask per painting and one that keeps
the photo, with the brush, the eraser and the whole-layer commands, and their overlay.

No Qt here: the layers are arrays the regions part edits and the painters read. Each layer is
an ``uint8`` HxW array (0 = not in the region, 255 = in it, between = a soft edge) at
:data:`MASK_SIDE` px on the long side at most, a size a brush keeps up with and fine enough
for any output (the painters resize masks to what they compute at).

Undo keeps whole snapshots, but they cost little: a snapshot holds the layers' arrays as they
are, and a layer is copied only when it is next changed (copy on write), so a stroke costs
one layer's copy (0.7 MB at 1024x683) and unchanged layers are shared by every snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from nst_desktop.engine.schedule import fit

MASK_SIDE: Final = 1024
OVERLAY_SIDE: Final = 640
"""Long side of the overlay image: a tint needs no more, and it is redrawn as the brush moves."""
OVERLAY_OPACITY: Final = 0.4
"""The tint lets the picture show through: at 0.5 a saturated colour hid the picture (seen under Xvfb)."""
KEEP: Final = "keep"
"""The key of the layer that keeps the photo."""

Layer = npt.NDArray[np.uint8]
Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Snapshot:
    """The layers at one moment (read-only arrays, shared with the layers until changed)."""

    size: tuple[int, int]
    layers: tuple[tuple[str, Layer], ...]


class RegionLayers:
    """The masks of one photo, by key (:data:`KEEP` or a painting's key)."""

    def __init__(self) -> None:
        self.width = 0
        self.height = 0
        self._layers: dict[str, Layer] = {}
        self._shared: set[str] = set()  # layers whose array a snapshot (or a reader) holds
        self._snapshot: Snapshot | None = None  # the last one, while nothing changed since

    # The photo and its layers ----------------------------------------------------------------

    def reset(self, width: int, height: int) -> None:
        """A new photo of ``width`` x ``height``: no regions, masks at its shape."""
        self.width, self.height = fit(width, height, min(MASK_SIDE, max(width, height)))
        self._layers.clear()
        self._shared.clear()
        self._snapshot = None

    @property
    def ready(self) -> bool:
        """A photo is there to paint regions on."""
        return self.width > 0 and self.height > 0

    def filled(self) -> list[str]:
        """Layers with something in them."""
        return [k for k, layer in self._layers.items() if layer.any()]

    def has_regions(self) -> bool:
        return bool(self.filled())

    def frozen(self, key: str) -> Layer | None:
        """Layer ``key`` as a read-only array that stays as it is (None when it is empty):
        what a job or the instant picture is given, the same object until the layer changes."""
        layer = self._layers.get(key)
        if layer is None or not layer.any():
            return None
        layer.flags.writeable = False
        self._shared.add(key)
        return layer

    def mask(self, key: str) -> npt.NDArray[np.float32] | None:
        """Layer ``key`` in 0..1 (None when empty)."""
        layer = self.frozen(key)
        return None if layer is None else layer.astype(np.float32) / 255.0

    def set_mask(self, key: str, mask: npt.NDArray[np.floating] | None) -> None:
        """Put ``mask`` (0..1, any size of the photo's shape) in layer ``key``; None empties it."""
        self._snapshot = None
        if mask is None:
            self._layers.pop(key, None)
            self._shared.discard(key)
            return
        self._layers[key] = _resized(mask, self.width, self.height)
        self._shared.discard(key)

    def forget_except(self, keys: Iterable[str]) -> None:
        """Drop the layers of paintings no longer there (the keep layer stays)."""
        wanted = set(keys) | {KEEP}
        for key in [k for k in self._layers if k not in wanted]:
            del self._layers[key]
            self._shared.discard(key)
            self._snapshot = None

    def _writable(self, key: str) -> Layer:
        self._snapshot = None
        layer = self._layers.get(key)
        if layer is None:
            layer = np.zeros((self.height, self.width), np.uint8)
        elif key in self._shared or not layer.flags.writeable:
            layer = layer.copy()
        self._shared.discard(key)
        self._layers[key] = layer
        return layer

    # Painting ----------------------------------------------------------------------------------

    def stroke(
        self,
        key: str,
        points: Sequence[tuple[float, float]],
        radius: float,
        softness: float,
        *,
        erase: bool = False,
        exclusive: Iterable[str] = (),
    ) -> None:
        """Paint (or with ``erase`` rub out) along ``points`` (mask pixels) with a round brush
        of ``radius`` px whose outer ``softness`` share (0..1) fades out. Painting a painting's
        region takes it from the ``exclusive`` layers (the other paintings): a pixel belongs to
        one painting, as the artist sees it on the overlay."""
        if not self.ready or not points:
            return
        alpha, (y0, y1, x0, x1) = _brush(points, radius, softness, self.width, self.height)
        if alpha is None:
            return
        layer = self._writable(key)
        part = layer[y0:y1, x0:x1].astype(np.float32)
        if erase:
            part *= 1.0 - alpha
        else:
            np.maximum(part, alpha * 255.0, out=part)
            for other in exclusive:
                if other != key and other in self._layers:
                    target = self._writable(other)
                    rest = target[y0:y1, x0:x1].astype(np.float32) * (1.0 - alpha)
                    target[y0:y1, x0:x1] = np.rint(rest).astype(np.uint8)
        layer[y0:y1, x0:x1] = np.rint(part).astype(np.uint8)

    def add(self, key: str, mask: npt.NDArray[np.floating], exclusive: Iterable[str] = ()) -> None:
        """Add ``mask`` (0..1 at the layers' size) to layer ``key``, as one big brush stroke."""
        alpha = np.clip(_resized(mask, self.width, self.height).astype(np.float32) / 255.0, 0.0, 1.0)
        layer = self._writable(key)
        layer[...] = np.rint(np.maximum(layer.astype(np.float32), alpha * 255.0)).astype(np.uint8)
        for other in exclusive:
            if other != key and other in self._layers:
                target = self._writable(other)
                target[...] = np.rint(target.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)

    def fill(self, key: str, others: Iterable[str] = ()) -> None:
        """Layer ``key`` takes everything the ``others`` (the other paintings) leave: the sky
        selected for one painting, Fill on another paints the ground. With no others, all."""
        taken = np.zeros((self.height, self.width), np.float32)
        for other in others:
            layer = self._layers.get(other)
            if other != key and layer is not None:
                taken += layer.astype(np.float32) / 255.0
        self.add(key, np.clip(1.0 - taken, 0.0, 1.0))

    def invert(self, key: str) -> None:
        layer = self._writable(key)
        np.subtract(255, layer, out=layer)

    def clear(self, key: str) -> None:
        self.set_mask(key, None)

    def feather(self, key: str, radius: int) -> None:
        """Soften layer ``key``'s edges over about ``radius`` px (two box blurs: a smooth ramp)."""
        layer = self._layers.get(key)
        if layer is None or radius < 1:
            return
        soft = layer.astype(np.float32)
        for _ in range(2):
            soft = _box_blur(soft, max(1, radius // 2))
        self._layers[key] = np.rint(soft).astype(np.uint8)
        self._shared.discard(key)
        self._snapshot = None

    # Undo --------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The layers now: the same object again while nothing changed (the undo history
        tells a stroke from a control change by it)."""
        if self._snapshot is None:
            for layer in self._layers.values():
                layer.flags.writeable = False
            self._shared.update(self._layers)
            self._snapshot = Snapshot((self.width, self.height), tuple(self._layers.items()))
        return self._snapshot

    def restore(self, snapshot: Snapshot) -> None:
        self.width, self.height = snapshot.size
        self._layers = dict(snapshot.layers)
        self._shared = set(self._layers)
        self._snapshot = snapshot

    # The overlay -------------------------------------------------------------------------------

    def overlay(self, colours: Sequence[tuple[str, Colour]]) -> npt.NDArray[np.uint8] | None:
        """The layers tinted with their colours over a transparent ground, at most
        :data:`OVERLAY_SIDE` long (RGBA, straight alpha); None when
        no layer has anything in it. ``colours`` also gives the order they are drawn in."""
        step = max(1, -(-max(self.width, self.height) // OVERLAY_SIDE))
        drawn = [(self._layers[k][::step, ::step], c) for k, c in colours if k in self._layers]
        drawn = [(layer, c) for layer, c in drawn if layer.any()]
        if not drawn:
            return None
        h, w = drawn[0][0].shape
        tint = np.zeros((h, w, 3), np.float32)  # premultiplied by the coverage so far
        alpha = np.zeros((h, w), np.float32)
        for layer, colour in drawn:  # each layer over the ones before it
            a = layer.astype(np.float32) * (OVERLAY_OPACITY / 255.0)
            tint += a[..., None] * (np.asarray(colour, np.float32) - tint)
            alpha += a * (1.0 - alpha)
        out = np.empty((h, w, 4), np.uint8)
        out[..., :3] = np.clip(np.rint(tint / np.maximum(alpha, 1e-6)[..., None]), 0, 255)
        out[..., 3] = np.clip(np.rint(alpha * 255.0), 0, 255)
        return out


def _resized(mask: npt.NDArray[np.floating], width: int, height: int) -> Layer:
    """``mask`` (0..1) as a layer at ``width`` x ``height`` (PIL's area-weighted resize)."""
    from PIL import Image

    grey = np.clip(np.rint(np.asarray(mask, np.float32) * 255.0), 0, 255).astype(np.uint8)
    if grey.shape != (height, width):
        grey = np.asarray(Image.fromarray(grey).resize((width, height), Image.Resampling.BOX))
    return np.array(grey, np.uint8, copy=True)


def _brush(
    points: Sequence[tuple[float, float]], radius: float, softness: float, width: int, height: int
) -> tuple[npt.NDArray[np.float32] | None, tuple[int, int, int, int]]:
    """The brush's coverage (0..1) along the polyline ``points`` within its bounding box
    (y0, y1, x0, x1), or None when it misses the layer."""
    radius = max(0.5, float(radius))
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    x0 = max(0, int(np.floor(pts[:, 0].min() - radius)))
    x1 = min(width, int(np.ceil(pts[:, 0].max() + radius)) + 1)
    y0 = max(0, int(np.floor(pts[:, 1].min() - radius)))
    y1 = min(height, int(np.ceil(pts[:, 1].max() + radius)) + 1)
    if x0 >= x1 or y0 >= y1:
        return None, (0, 0, 0, 0)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    distance = np.full(ys.shape, np.inf, np.float32)
    segments = zip(pts[:-1], pts[1:], strict=True) if len(pts) > 1 else [(pts[0], pts[0])]
    for a, b in segments:
        ab = b - a
        length = float(ab @ ab)
        if length > 0:
            t = np.clip(((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / length, 0.0, 1.0)
        else:
            t = np.zeros_like(xs)
        d = np.hypot(xs - (a[0] + t * ab[0]), ys - (a[1] + t * ab[1]))
        np.minimum(distance, d, out=distance)
    hard = radius * (1.0 - min(1.0, max(0.0, softness)))
    ramp = max(radius - hard, 0.5)
    alpha: npt.NDArray[np.float32] = np.clip((radius - distance) / ramp, 0.0, 1.0).astype(np.float32)
    return alpha, (y0, y1, x0, x1)


def _box_blur(image: npt.NDArray[np.float32], radius: int) -> npt.NDArray[np.float32]:
    """Mean over a (2r+1)^2 window, edges clamped (summed-area table)."""
    h, w = image.shape
    pad = np.pad(image, radius, mode="edge").astype(np.float64)
    table = np.zeros((h + 2 * radius + 1, w + 2 * radius + 1), np.float64)
    table[1:, 1:] = pad.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    total = table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k]
    out: npt.NDArray[np.float32] = (total / (k * k)).astype(np.float32)
    return out
