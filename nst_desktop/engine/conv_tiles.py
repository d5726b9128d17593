"""Run a feed-forward painting network (fast styles, the instant model) in tiles, in bounded memory.

Both networks are fully convolutional, so any picture size works, but a whole 4096 px
picture needs gigabytes of activations. Above :data:`WHOLE_PIXELS` they therefore run in
overlapping tiles. Their instance normalisation is what a tile cannot compute alone: each
tile would get its own brightness and contrast. So the statistics of every normalisation
layer are found first, *frozen*, and shared by every tile, in one of two ways:

- *shrunk* (fast styles): recorded in one pass over the whole picture shrunk to
  :data:`WHOLE_PIXELS` (exactly the whole picture when it fits). Cheap, but a 3x shrink moved
  the instant model's pixels by 0.055 on average (14 levels): its statistics depend on scale.
- *exact* (the instant model): layer after layer, each layer's mean and variance summed over
  the tiles, every tile adding only the part of the picture it owns (the tiles' areas split
  at the middle of their overlaps, on the network's grid) and its pass stopping at that layer.
  Every earlier layer is frozen by then, and the margin covers the reach, so the sums are the
  whole picture's: tiled equals untiled to float rounding. A network given as *stages* (the
  instant model: its contracting layers, each residual block, its expanding layers) keeps
  every tile's activations between stages, so a layer's pass reruns only its own stage
  (rerunning the network up to each layer costs about 7 whole passes; with the stages a
  4096 px picture took 24 s tiled against 15 s whole, one thread, benchmarks/README.md). The
  cache holds every tile window's activations at a stage boundary (for the instant model a
  quarter-size 32-channel tensor, 8 bytes a picture pixel plus the margins).

Each tile also gets :data:`MARGIN` px of context, starting on the network's grid, that is
thrown away (it covers the networks' reach, 54 px, so a tile's interior is the whole
picture's pixels), and neighbours cross-fade over :data:`OVERLAP` px. Peak memory is a few
full-size float arrays plus one tile's activations (and the stage cache in exact mode).

A network takes part by giving its normalisation layers the :class:`SharedStatistics` mixin
and asking :meth:`SharedStatistics.shared_statistics` for the numbers to use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checks import raise_if_cancelled
from .types import CancelToken

#: Up to this many pixels a picture runs whole (about 1.5 MP: 1448x1024, < 1 GB of activations).
WHOLE_PIXELS: Final = 1536 * 1024
#: Tiles are this big (before their context margin) when a picture is larger.
TILE: Final = 768
#: Context each tile sees beyond its own area, discarded afterwards (the network's reach is 54 px).
MARGIN: Final = 64
#: Neighbouring tiles cross-fade over this many pixels.
OVERLAP: Final = 64
#: The statistics pass never shrinks a side below this (the networks halve twice and reflect).
_MIN_SIDE: Final = 16

Forward = Callable[[torch.Tensor], torch.Tensor]
#: A part of a network run in order: the module holding its norms, and its pass.
Stage = tuple[nn.Module, Forward]


class _Enough(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the layer being measured: the rest of that pass is not needed."""


class _Sums:
    """Per-channel sums of one layer's activations over the tiles' owned areas."""

    def __init__(self) -> None:
        self.count = 0
        self.total: torch.Tensor | None = None
        self.squares: torch.Tensor | None = None
        #: The area the current tile owns, in its window's input pixels (top, bottom, left,
        #: right), and the window's padded height, from which the layer's scale follows.
        self.owned = (0, 0, 0, 0)
        self.height = 1

    def add(self, x: torch.Tensor) -> None:
        scale = x.shape[-2] / self.height
        top, bottom, left, right = (round(v * scale) for v in self.owned)
        part = x[:, :, top:bottom, left:right].double()
        total, squares = part.sum(dim=(0, 2, 3)), part.square().sum(dim=(0, 2, 3))
        self.total = total if self.total is None else self.total + total
        self.squares = squares if self.squares is None else self.squares + squares
        self.count += part.shape[0] * part.shape[2] * part.shape[3]

    def statistics(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, biased variance), 1 x C x 1 x 1 in float32, as instance norm computes them."""
        assert self.total is not None and self.squares is not None and self.count > 0
        mean = self.total / self.count
        var = (self.squares / self.count - mean.square()).clamp_min(0.0)
        return mean.float().view(1, -1, 1, 1), var.float().view(1, -1, 1, 1)


class SharedStatistics:
    """Mixin for an instance-norm layer whose per-channel mean and variance can be frozen.

    ``recording`` makes the next forward pass store the statistics it sees; after that (and
    until :func:`release_statistics`) every pass uses the stored ones instead of its input's.
    """

    recording: bool = False
    frozen: tuple[torch.Tensor, torch.Tensor] | None = None
    #: Set while this layer's statistics are being summed over tiles (exact mode).
    measuring: _Sums | None = None

    def shared_statistics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The (mean, variance) to normalise ``x`` with, N x C x 1 x 1 in float32; ``None`` when
        the layer should normalise ``x`` by its own statistics in its own way (no tiling).

        Float32 also under a 16-bit autocast: a variance summed in bfloat16 is off by a percent,
        and tiles must share the whole picture's statistics exactly (bfloat16 statistics moved
        tiled fast-style pixels by up to 19 levels).
        """
        if self.measuring is not None:
            self.measuring.add(x)
            raise _Enough
        if self.frozen is None:
            if not self.recording:
                return None
            var, mean = torch.var_mean(x.float(), dim=(2, 3), keepdim=True, correction=0)
            self.frozen = (mean.detach(), var.detach())
        return self.frozen


def norms(net: nn.Module) -> Iterator[SharedStatistics]:
    for module in net.modules():
        if isinstance(module, SharedStatistics):
            yield module


def record_statistics(net: nn.Module, on: bool) -> None:
    """Start recording (clears any frozen statistics) or stop recording (keeps them)."""
    for norm in norms(net):
        norm.recording = on
        if on:
            norm.frozen = None


def release_statistics(net: nn.Module) -> None:
    """Back to ordinary instance normalisation (each input its own statistics)."""
    for norm in norms(net):
        norm.recording = False
        norm.frozen = None
        norm.measuring = None


def padded_forward(forward: Forward, x: torch.Tensor, multiple: int = 4) -> torch.Tensor:
    """Reflect-pad bottom and right to a multiple of ``multiple`` (the network's halvings), run, crop."""
    h, w = x.shape[2:]
    return forward(_pad(x, multiple))[:, :, :h, :w]


def _pad(x: torch.Tensor, multiple: int) -> torch.Tensor:
    h, w = x.shape[2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="reflect" if min(h, w) > multiple else "replicate")
    return x


def run_tiled(
    stages: Sequence[Stage],
    to_tensor: Callable[[np.ndarray], torch.Tensor],
    content: np.ndarray,
    *,
    tile: int = TILE,
    multiple: int = 4,
    exact: bool = False,
    cancel: CancelToken | None = None,
    stats_pixels: int = WHOLE_PIXELS,
    on_tile: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """A network over ``content`` (H x W x C) in tiles with the whole picture's statistics.

    ``to_tensor`` turns a slice of ``content`` into the network's 1 x 3 x h x w input. The
    network is ``stages`` run one after another (one stage is the whole network): the first
    takes such an input (sides multiples of ``multiple``), the last returns 1 x 3 x h x w, and
    each stage's module holds its :class:`SharedStatistics` layers, in calling order.
    ``exact`` chooses how the statistics are found (see the module's notes); ``stats_pixels``
    bounds the shrunk statistics pass (a memory budget may ask for less than
    :data:`WHOLE_PIXELS`). ``on_tile(done, total)`` hears each finished tile. Returns
    H x W x 3 float32 in the output's units. Every statistic is released afterwards, also on error.
    """
    h, w = content.shape[:2]
    plan = list(tiles(h, w, tile))
    windows = [_window(h, w, rect, multiple) for rect in plan]
    cache: list[torch.Tensor | None] = [None] * len(plan)
    try:
        # 1. Statistics of the whole picture.
        if exact:
            cache = _measure(stages, to_tensor, content, plan, windows, multiple, cancel)
            first = len(stages) - 1
        else:
            _record_shrunk(stages, to_tensor, content, multiple, stats_pixels)
            first = 0
        # 2. Tiles with those statistics, cross-faded into one picture.
        total = np.zeros((h, w, 3), np.float32)
        weight = np.zeros((h, w, 1), np.float32)
        for i, ((top, left, bottom, right), (t0, l0, b0, r0)) in enumerate(zip(plan, windows, strict=True)):
            raise_if_cancelled(cancel)
            x = cache[i]
            cache[i] = None
            if x is None:
                x = _padded_input(to_tensor, content, (t0, l0, b0, r0), multiple)
            for _, forward in stages[first:]:
                x = forward(x)
            rgb = x[0, :, : b0 - t0, : r0 - l0].permute(1, 2, 0).float().cpu().numpy()
            del x
            piece = rgb[top - t0 : bottom - t0, left - l0 : right - l0]
            rows = _ramp(bottom - top, top > 0, bottom < h)
            ramp = rows[:, None] * _ramp(right - left, left > 0, right < w)
            total[top:bottom, left:right] += piece * ramp[..., None]
            weight[top:bottom, left:right] += ramp[..., None]
            if on_tile is not None:
                on_tile(i + 1, len(plan))
    finally:
        del cache
        for module, _ in stages:
            release_statistics(module)
    total /= np.maximum(weight, 1e-6)
    return total


def _chain(stages: Sequence[Stage]) -> Forward:
    def forward(x: torch.Tensor) -> torch.Tensor:
        for _, stage in stages:
            x = stage(x)
        return x

    return forward


def _padded_input(
    to_tensor: Callable[[np.ndarray], torch.Tensor], content: np.ndarray,
    window: tuple[int, int, int, int], multiple: int,
) -> torch.Tensor:
    """A window's input, reflect-padded at the bottom and right as :func:`padded_forward` pads."""
    t0, l0, b0, r0 = window
    return _pad(to_tensor(content[t0:b0, l0:r0]), multiple)


def _record_shrunk(
    stages: Sequence[Stage], to_tensor: Callable[[np.ndarray], torch.Tensor],
    content: np.ndarray, multiple: int, stats_pixels: int = WHOLE_PIXELS,
) -> None:
    """Freeze the statistics of one pass over the whole picture, at most ``stats_pixels`` of it.

    An 8-bit photo is shrunk before it becomes a tensor (Pillow's bilinear reduction is the
    filter torch's antialiased one copies): a float copy of an 8192 px photo alone is 0.8 GB.
    """
    h, w = content.shape[:2]
    scale = min(1.0, math.sqrt(stats_pixels / (h * w)))
    size = (max(_MIN_SIDE, round(h * scale)), max(_MIN_SIDE, round(w * scale)))
    if scale < 1.0 and content.dtype == np.uint8 and content.ndim == 3 and content.shape[2] == 3:
        from PIL import Image

        shrunk = Image.fromarray(content).resize((size[1], size[0]), Image.Resampling.BILINEAR)
        small = to_tensor(np.array(shrunk))
    else:
        small = to_tensor(content)
        if scale < 1.0:
            small = F.interpolate(small, size=size, mode="bilinear", antialias=True, align_corners=False)
    for module, _ in stages:
        record_statistics(module, True)
    padded_forward(_chain(stages), small, multiple)
    for module, _ in stages:
        record_statistics(module, False)


def _measure(
    stages: Sequence[Stage], to_tensor: Callable[[np.ndarray], torch.Tensor],
    content: np.ndarray, plan: list[tuple[int, int, int, int]],
    windows: list[tuple[int, int, int, int]], multiple: int, cancel: CancelToken | None,
) -> list[torch.Tensor | None]:
    """Freeze every layer's exact whole-picture statistics, summed over tiles, in network order.

    Returns every tile's input to the last stage (``None`` with a single stage). A layer
    reached before the one being measured must already be frozen, hence calling order.
    """
    h, w = content.shape[:2]
    rows = _owned([(top, bottom) for top, _, bottom, _ in plan], h, multiple)
    cols = _owned([(left, right) for _, left, _, right in plan], w, multiple)
    cache: list[torch.Tensor | None] = [None] * len(plan)

    def stage_input(i: int) -> torch.Tensor:
        x = cache[i]
        return _padded_input(to_tensor, content, windows[i], multiple) if x is None else x

    for s, (module, forward) in enumerate(stages):
        for norm in norms(module):
            sums = _Sums()
            norm.measuring = sums
            for i, (t0, l0, b0, _) in enumerate(windows):
                raise_if_cancelled(cancel)
                sums.owned = (rows[i][0] - t0, rows[i][1] - t0, cols[i][0] - l0, cols[i][1] - l0)
                sums.height = b0 - t0 + (-(b0 - t0)) % multiple
                try:
                    forward(stage_input(i))
                except _Enough:
                    continue
                raise RuntimeError("a normalisation layer was not reached")
            norm.measuring = None
            norm.frozen = sums.statistics()
        if s < len(stages) - 1:
            for i in range(len(plan)):
                raise_if_cancelled(cancel)
                cache[i] = forward(stage_input(i))
    return cache


def _owned(spans: list[tuple[int, int]], length: int, multiple: int) -> list[tuple[int, int]]:
    """For each tile's (start, end) along one axis, the part it owns: neighbours split at the
    middle of their overlap, on the grid; the last one owns the padding to a multiple too."""
    starts = sorted({a for a, _ in spans})
    ends = {a: b for a, b in spans}
    cuts = [0]
    for before, after in zip(starts, starts[1:], strict=False):
        cuts.append(round((after + ends[before]) / 2 / multiple) * multiple)
    cuts.append(length + (-length) % multiple)
    owned = {a: (cuts[i], cuts[i + 1]) for i, a in enumerate(starts)}
    return [owned[a] for a, _ in spans]


def _window(h: int, w: int, rect: tuple[int, int, int, int], multiple: int) -> tuple[int, int, int, int]:
    """A tile with its context margin; the context starts on the network's grid, so a tile
    samples like the whole picture."""
    top, left, bottom, right = rect
    t0 = max(0, (top - MARGIN) // multiple * multiple)
    l0 = max(0, (left - MARGIN) // multiple * multiple)
    return t0, l0, min(h, bottom + MARGIN), min(w, right + MARGIN)


def tiles(h: int, w: int, tile: int) -> Iterator[tuple[int, int, int, int]]:
    """Tile rectangles (top, left, bottom, right) that overlap their neighbours by OVERLAP."""
    overlap = min(OVERLAP, tile // 2)
    step = tile - overlap
    rows = _starts(h, tile, step)
    cols = _starts(w, tile, step)
    for top in rows:
        for left in cols:
            yield top, left, min(h, top + tile), min(w, left + tile)


def _starts(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    count = math.ceil((length - tile) / step) + 1
    # Spread the tiles evenly so the last one is not a sliver.
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def _ramp(length: int, fade_in: bool, fade_out: bool) -> np.ndarray:
    """1 inside, rising linearly over the overlap at edges that have a neighbour."""
    ramp = np.ones(length, np.float32)
    n = min(OVERLAP, length // 2)
    edge = (np.arange(n, dtype=np.float32) + 0.5) / n
    if fade_in:
        ramp[:n] = np.minimum(ramp[:n], edge)
    if fade_out:
        ramp[length - n :] = np.minimum(ramp[length - n :], edge[::-1])
    return ramp
