"""One optimiser level in overlapping tiles, for pictures too large to optimise whole.

A Gatys level keeps every VGG19 activation of the picture for its backward pass, so a
4096 px level needs tens of gigabytes whole. Here the picture (the *canvas*) stays as one
full-size tensor, and tiles are optimised one after another, a few steps at a time:

- each tile is optimised inside a *window* that adds :data:`memory.MARGIN` px of its
  neighbours' current pixels on every side; those pixels are context only (the optimised
  variable is masked so their gradient is zero), so a tile's features, its smoothness and its
  strokes continue its neighbours' instead of meeting a picture edge;
- the style target stays the level's global Gram matrices (from the paintings at this level's
  brush scale, as a whole level has them); Gram matrices are averaged over pixels, so a
  window's style loss is already normalised by its area and means the same in every tile;
- the content target is the photo's features over the same window, computed per visit (the
  full-size relu4_2 activations alone would cost 32 bytes a pixel);
- a finished tile is cross-faded into the canvas over :data:`OVERLAP` px where it overlaps a
  neighbour, so the canvas is always a complete picture: a cancel between tiles leaves the
  previous level's picture with every finished tile pasted in;
- odd sweeps use a grid shifted by half a tile, so no tile border stays a border for long;
- regions (engine/regions.py) are cut with the tiles: each region's guided Gram sums and its
  mask's area are the whole canvas's, and a window reads its part of each mask taken down to
  every layer's size on the whole level (ALIGN puts a window's features exactly on the
  whole picture's), so a tiled level weighs every position as the whole level would.

The per-pixel gradient is scaled by the window's pixels as a whole level scales by its own,
so L-BFGS sees the same magnitudes tiled or not (see ``run.py``'s closure).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import torch

from .features import VGGFeatures
from .losses import StyleTarget, Targets, Weights, relative_error
from .memory import ALIGN, MARGIN, release_freed
from .schedule import VISIT_STEPS, sweep_steps

__all__ = [
    "FADE",
    "HISTORY",
    "OVERLAP",
    "VISIT_STEPS",
    "Tile",
    "TileProgress",
    "TiledLevel",
    "grid",
    "ramp",
    "starts",
    "sweep_steps",
    "tiled_grams",
]

#: L-BFGS history per visit: a visit is a few steps long, so a longer memory would be unused.
HISTORY: Final = 10
#: Timed visits (the first is never timed) before a tiled level's own time left is given.
TIMED_VISITS: Final = 3
#: The latest visits whose median gives a visit's time.
RECENT_VISITS: Final = 9
#: Neighbouring tiles overlap by this many pixels.
OVERLAP: Final = 32
#: A finished tile cross-fades into the canvas over this many pixels at its inner edges. Its
#: edges already continue the context it was optimised against, so the fade only hides what
#: changed there since; a wider fade would throw away more of the tile's own work.
FADE: Final = 8


@dataclass(frozen=True)
class Tile:
    """A tile's own rectangle (top, left, bottom, right) and its window with context."""

    top: int
    left: int
    bottom: int
    right: int
    window: tuple[int, int, int, int]

    @property
    def pixels(self) -> int:
        return (self.bottom - self.top) * (self.right - self.left)


@dataclass
class TileProgress:
    """Where a tiled level is: ``visit`` of ``visits`` (1-based; ``visit_done`` once it is
    finished), the seconds a visit takes, the seconds the level's first pass over the whole
    picture took (``measure_seconds``) and when its last pass began (``final_pass_since``,
    ``time.perf_counter()``; ``None`` before it)."""

    visit: int
    visits: int
    sweep: int
    sweeps: int
    seconds_per_visit: float | None
    measure_seconds: float = 0.0
    visit_done: bool = False
    final_pass_since: float | None = None

    def level_eta(self, now: float) -> float | None:
        """Seconds left in this level at ``now``, from the visits so far and the passes due.

        Each later sweep starts with a pass over the whole picture (half the first one's
        work: the photo's features are not needed again) and the level ends with one as
        costly as the first (the picture's and the photo's features, for its losses). With
        one step a visit those passes are nearly half the level: counting visits alone, the
        figure after the first tile was half the truth (issue 18, flow 3). The last pass
        counts down as it runs; it used to stand still for its whole minute at 4096 px.
        """
        if self.seconds_per_visit is None:
            return None
        visits_left = self.visits - self.visit + (0 if self.visit_done else 1)
        passes = self.measure_seconds * 0.5 * (self.sweeps - self.sweep)
        if self.final_pass_since is None:
            passes += self.measure_seconds
        else:
            passes += max(0.0, self.measure_seconds - (now - self.final_pass_since))
        return self.seconds_per_visit * visits_left + passes


def _per_visit(timed: list[float]) -> float | None:
    """A visit's seconds from the timed ones: their recent median, once there are enough."""
    if len(timed) < TIMED_VISITS:
        return None
    return statistics.median(timed[-RECENT_VISITS:])


def starts(length: int, tile: int, shifted: bool = False) -> list[int]:
    """Tile starts along one side, spread evenly so every neighbour overlaps by >= OVERLAP.

    ``shifted`` puts the borders half-way between the unshifted grid's, for odd sweeps; a
    side shorter than two tiles keeps the unshifted starts (its shifted tiles would nearly
    coincide, each redoing the same few rows).
    """
    if length <= tile:
        return [0]
    count = math.ceil((length - tile) / (tile - OVERLAP)) + 1
    if shifted and length >= 2 * tile:
        count += 1
        # Half-tiles at both ends, full tiles between, so the borders land mid-tile.
        bounds = [0] + [round((i + 0.5) * (length - tile) / (count - 2)) for i in range(count - 2)]
        bounds.append(length - tile)
        return sorted(set(max(0, min(length - tile, b)) for b in bounds))
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def grid(height: int, width: int, tile: int, shifted: bool = False, cells: bool = False) -> list[Tile]:
    """The tiles of one sweep, row by row, each with its context window (aligned to ALIGN).

    ``cells`` gives non-overlapping tiles on the ALIGN grid instead, which cover each pixel
    once (to sum statistics over the whole picture).
    """
    tiles = []
    if cells:
        tops, lefts = list(range(0, height, tile)), list(range(0, width, tile))
    else:
        tops, lefts = starts(height, tile, shifted), starts(width, tile, shifted)
    for top in tops:
        for left in lefts:
            bottom, right = min(height, top + tile), min(width, left + tile)
            t0 = max(0, (top - MARGIN) // ALIGN * ALIGN)
            l0 = max(0, (left - MARGIN) // ALIGN * ALIGN)
            window = (t0, l0, min(height, bottom + MARGIN), min(width, right + MARGIN))
            tiles.append(Tile(top, left, bottom, right, window))
    return tiles


def ramp(length: int, fade_in: bool, fade_out: bool, device: torch.device) -> torch.Tensor:
    """1 inside, rising linearly over FADE at the ends that meet a neighbour's tile."""
    out = torch.ones(length, device=device)
    n = min(FADE, length // 4)
    if n > 0:
        edge = (torch.arange(n, device=device, dtype=torch.float32) + 0.5) / n
        if fade_in:
            out[:n] = torch.minimum(out[:n], edge)
        if fade_out:
            out[length - n :] = torch.minimum(out[length - n :], edge.flip(0))
    return out


class TiledLevel:
    """Optimises a canvas tile by tile; see the module's docstring for the method."""

    def __init__(
        self,
        model: VGGFeatures,
        targets: Targets,
        weights: Weights,
        content: torch.Tensor,
        tile: int,
        *,
        optimizer: str,
        learning_rate: float,
        bounds: tuple[torch.Tensor, torch.Tensor],
        poll: Callable[[], None],
        on_statistics: Callable[[int, int], None] | None = None,
    ) -> None:
        self.model = model
        self.targets = targets
        self.weights = weights
        self.content = content
        self.tile = tile
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.low, self.high = bounds
        self.poll = poll
        #: Hears each part (1-based) of a pass over the whole picture and their number:
        #: at 4096 px a pass takes minutes, which must not look like a hung program.
        self.on_statistics = on_statistics
        self.terms: dict[str, float] = {}
        self.wanted = sorted(targets.layers)
        _, _, self.height, self.width = content.shape
        self.pixels = self.height * self.width
        #: Per style target (a region, or the whole picture) and layer: the whole picture's Gram
        #: sums (not yet divided by positions) and its positions (a region's: its mask's area).
        self.style_targets = targets.style_targets
        self.gram_sums: dict[tuple[int, str], torch.Tensor] = {}
        self.positions: dict[tuple[int, str], float] = {}
        self.content_norm2 = torch.ones((), device=content.device)
        #: L-BFGS's scale of the inverse Hessian, carried from visit to visit (see :func:`_lbfgs`).
        self.scale: float | None = None

    def run(
        self,
        canvas: torch.Tensor,
        steps: int,
        *,
        on_visit: Callable[[TileProgress], None],
        on_tile_done: Callable[[TileProgress, torch.Tensor], None],
        on_sweep_done: Callable[[int], None],
    ) -> torch.Tensor:
        """Run ``steps`` steps on every pixel, in sweeps; ``canvas`` is updated in place.

        ``on_visit`` hears each visit's start, ``on_tile_done`` each finished tile (with the
        canvas, complete at that moment), ``on_sweep_done`` the steps each sweep gave.
        """
        plan = sweep_steps(steps)
        layouts = [grid(self.height, self.width, self.tile, shifted=k % 2 == 1) for k in range(len(plan))]
        visits = sum(len(layout) for layout in layouts)
        visit = 0
        # The first visits are slower than the rest (allocations the later ones reuse): at 4096
        # px the first took 1.6x a later one on one thread and the second 1.7x on two, and a
        # figure from them said 1.42x the time left. The first is not timed, and the figure
        # waits for TIMED_VISITS timed ones and takes their median.
        timed: list[float] = []
        measured = 0.0
        progress: TileProgress | None = None
        for k, (layout, n) in enumerate(zip(layouts, plan, strict=True)):
            # Each sweep starts from the exact statistics of the whole canvas; tiles then keep
            # them current, so small drifts (the cross-fades) never add up.
            began = time.perf_counter()
            self.measure(canvas, with_content=k == 0)
            if k == 0:
                measured = time.perf_counter() - began
            for tile in layout:
                visit += 1
                progress = TileProgress(visit, visits, k + 1, len(plan), _per_visit(timed), measured)
                on_visit(progress)
                began = time.perf_counter()
                self.visit(canvas, tile, n)
                if canvas.device.type == "cpu":
                    # Each visit's activations go back to the system, not to glibc's heap, where
                    # they would fragment and raise the resident size visit after visit.
                    release_freed()
                if visit > 1:
                    timed.append(time.perf_counter() - began)
                    progress.seconds_per_visit = _per_visit(timed)
                progress.visit_done = True
                on_tile_done(progress, canvas)
            on_sweep_done(n)
        if progress is not None:
            progress.final_pass_since = time.perf_counter()
        self.measure(canvas, with_content=True)
        return canvas

    def measure(self, canvas: torch.Tensor, *, with_content: bool) -> None:
        """The whole canvas's Gram sums, from non-overlapping cells seen through context windows.

        With ``with_content`` also the photo's feature norm and the content and smoothness
        terms, so that :attr:`terms` are the whole picture's (one more forward per cell).
        """
        grams: dict[tuple[int, str], torch.Tensor] = {}
        positions: dict[tuple[int, str], float] = {}
        content_err = torch.zeros((), device=self.content.device)
        content_norm2 = torch.zeros((), device=self.content.device)
        rough = torch.zeros((), device=self.content.device)
        layer = self.targets.content_layer
        cells = grid(self.height, self.width, self.tile, cells=True)
        for part, tile in enumerate(cells, 1):
            self.poll()
            if self.on_statistics is not None:
                self.on_statistics(part, len(cells))
            t0, l0, b0, r0 = tile.window
            with torch.no_grad():
                window = canvas[:, :, t0:b0, l0:r0].to(self.content.device)
                feats: dict[str, torch.Tensor] = self.model(window, self.wanted, poll=self.poll)
                for i, target in enumerate(self.style_targets):
                    masks = {
                        n: self.window_mask(target, tile, n, feats[n]) for n in self.targets.layer_weights
                    }
                    _add_cell_grams(grams, positions, feats, tile, self.targets.layer_weights, i, masks)
                if with_content:
                    seen = self.content[:, :, t0:b0, l0:r0]
                    photo: torch.Tensor = self.model(seen, [layer], poll=self.poll)[layer]
                    mine, theirs = _crop(feats[layer], tile, layer), _crop(photo, tile, layer)
                    error = (mine - theirs).pow(2)
                    weight = self.content_weight(tile, layer, feats[layer])
                    if weight is not None:
                        error = error * _crop(weight, tile, layer)
                    content_err += error.sum()
                    content_norm2 += theirs.pow(2).sum()
                    # Pixel pairs from this cell to the next right and down, each pair once.
                    near = canvas[
                        :,
                        :,
                        tile.top : min(self.height, tile.bottom + 1),
                        tile.left : min(self.width, tile.right + 1),
                    ].to(self.content.device)
                    dx = near[..., : tile.bottom - tile.top, 1:] - near[..., : tile.bottom - tile.top, :-1]
                    dy = near[..., 1:, : tile.right - tile.left] - near[..., :-1, : tile.right - tile.left]
                    rough += dx.pow(2).sum() / self.dx_count + dy.pow(2).sum() / self.dy_count
        self.gram_sums, self.positions = grams, positions
        style = sum(
            (
                target.share
                * w
                * relative_error(
                    grams[i, name] / max(positions[i, name], 1e-6),
                    target.grams[name],
                    target.gram_norm2[name],
                )
                for i, target in enumerate(self.style_targets)
                for name, w in self.targets.layer_weights.items()
            ),
            torch.zeros((), device=self.content.device),
        )
        self.terms["style"] = float(style)
        if with_content:
            self.content_norm2 = content_norm2
            self.terms["content"] = float(content_err / (content_norm2 + 1e-8))
            self.terms["tv"] = float(rough / self.targets.roughness_ref)
        w = self.weights
        self.terms["total"] = (
            w.style * self.terms["style"]
            + w.content * self.terms.get("content", 0.0)
            + w.tv * self.terms.get("tv", 0.0)
        )

    def window_mask(
        self, target: StyleTarget, tile: Tile, layer: str, features: torch.Tensor
    ) -> torch.Tensor | None:
        """``target``'s mask over ``tile``'s window at ``layer`` (``features``' size): cut from
        the mask taken down to the whole level's size at that layer, so that it is the whole
        run's, position for position; ``None`` for a target of the whole picture."""
        if target.mask is None:
            return None
        scale = 2 ** (int(layer[4]) - 1)
        whole, _ = target.mask_at(-(-self.height // scale), -(-self.width // scale))
        return _window_part(whole, tile, scale, features)

    def content_weight(self, tile: Tile, layer: str, features: torch.Tensor) -> torch.Tensor | None:
        """The content term's weights (the keep mask's, ``Targets.content_weight``) over the window."""
        scale = 2 ** (int(layer[4]) - 1)
        whole = self.targets.content_weight(-(-self.height // scale), -(-self.width // scale))
        return None if whole is None else _window_part(whole, tile, scale, features)

    @property
    def dx_count(self) -> int:
        """Elements :func:`losses.roughness` averages its horizontal differences over."""
        return 3 * self.height * max(1, self.width - 1)

    @property
    def dy_count(self) -> int:
        return 3 * max(1, self.height - 1) * self.width

    def visit(self, canvas: torch.Tensor, tile: Tile, steps: int) -> None:
        """``steps`` steps on one tile with its neighbours as fixed context, then a cross-fade.

        The loss is the whole picture's, as a function of this tile's pixels with every other
        pixel held: the Gram matrices are the whole canvas's with this window's share swapped
        for its current one, the content error is this window's over the whole photo's norm,
        and the smoothness sums this window's differences over the whole picture's count.
        """
        t0, l0, b0, r0 = tile.window
        device = self.content.device
        fixed = canvas[:, :, t0:b0, l0:r0].to(device, copy=True)
        mask = torch.zeros((1, 1, b0 - t0, r0 - l0), device=device)
        rows = slice(tile.top - t0, tile.bottom - t0)
        cols = slice(tile.left - l0, tile.right - l0)
        inner = (slice(None), slice(None), rows, cols)
        mask[inner] = 1.0
        layer = self.targets.content_layer
        with torch.no_grad():
            photo: torch.Tensor = self.model(self.content[:, :, t0:b0, l0:r0], [layer], poll=self.poll)[layer]
        param = fixed.clone().contiguous().requires_grad_(True)
        adam = torch.optim.Adam([param], lr=self.learning_rate) if self.optimizer == "adam" else None
        before: dict[tuple[int, str], torch.Tensor] = {}  # this window's Gram sums at the visit's start
        last: dict[tuple[int, str], torch.Tensor] = {}
        t = self.targets
        w = self.weights
        masks: dict[tuple[int, str], torch.Tensor | None] = {}
        content_weight: torch.Tensor | None = None

        def closure() -> torch.Tensor:
            nonlocal content_weight
            self.poll()
            param.grad = None
            # Context pixels enter the loss but not the gradient: the mask zeroes theirs.
            image = fixed + mask * (param - fixed)
            out: dict[str, torch.Tensor] = self.model(image, self.wanted, poll=self.poll)
            style = torch.zeros((), device=device)
            for i, target in enumerate(self.style_targets):
                for name, weight in t.layer_weights.items():
                    key = (i, name)
                    if key not in masks:
                        masks[key] = self.window_mask(target, tile, name, out[name])
                    region = masks[key]
                    feats = out[name] if region is None else out[name] * region
                    flat = feats.reshape(feats.shape[1], -1)
                    sums = flat @ flat.t()
                    if key not in before:
                        before[key] = sums.detach()
                    last[key] = sums.detach()
                    whole = (self.gram_sums[key] + (sums - before[key])) / max(self.positions[key], 1e-6)
                    error = relative_error(whole, target.grams[name], target.gram_norm2[name])
                    style = style + target.share * weight * error
            error = (out[layer] - photo).pow(2)
            if content_weight is None:
                content_weight = self.content_weight(tile, layer, out[layer])
            if content_weight is not None:
                error = error * content_weight
            content = error.sum() / (self.content_norm2 + 1e-8)
            dx = image[..., :, 1:] - image[..., :, :-1]
            dy = image[..., 1:, :] - image[..., :-1, :]
            tv = (dx.pow(2).sum() / self.dx_count + dy.pow(2).sum() / self.dy_count) / t.roughness_ref
            loss = w.style * style + w.content * content + w.tv * tv
            # Scaled like a whole level's loss, so L-BFGS sees the same per-pixel gradients.
            (loss * self.pixels).backward()  # type: ignore[no-untyped-call]
            self.terms["style"] = float(style.detach())
            return loss

        if adam is None:
            self.scale = _lbfgs(closure, param, steps, self.scale)
        else:
            for _ in range(steps):
                adam.step(closure)
                with torch.no_grad():
                    param.copy_(torch.maximum(torch.minimum(param, self.high), self.low))
        for name in last:
            self.gram_sums[name] = self.gram_sums[name] + last[name] - before[name]
        with torch.no_grad():
            new = torch.maximum(torch.minimum(param.detach(), self.high), self.low)[inner].to(canvas.device)
            down = ramp(tile.bottom - tile.top, tile.top > 0, tile.bottom < self.height, canvas.device)
            across = ramp(tile.right - tile.left, tile.left > 0, tile.right < self.width, canvas.device)
            weight = (down[:, None] * across[None, :])[None, None]
            region = canvas[:, :, tile.top : tile.bottom, tile.left : tile.right]
            region.add_(weight * (new - region))


def _lbfgs(
    closure: Callable[[], torch.Tensor], param: torch.Tensor, steps: int, scale: float | None
) -> float | None:
    """``steps`` L-BFGS steps (unit step length, like ``run.py``'s), one evaluation each.

    torch's L-BFGS starts every run with a step of ``1 / |gradient|_1``, a near-zero step
    that only measures the curvature; with a fresh optimiser per visit that wasted one step
    in five. Here the inverse Hessian's scale learnt on earlier tiles (``scale``, the same
    loss on similar pixels) starts the next at once; the history itself stays per visit.
    Returns the scale to carry on.
    """
    if steps <= 0:
        return scale
    history: list[tuple[torch.Tensor, torch.Tensor, float]] = []  # (s, y, 1 / y.s)
    closure()
    assert param.grad is not None
    grad = param.grad.detach().flatten().clone()
    flat = param.data.view(-1)
    for i in range(steps):
        q = grad.neg()
        alphas = []
        for s, y, rho in reversed(history):
            a = rho * float(s.dot(q))
            q.add_(y, alpha=-a)
            alphas.append(a)
        if scale is None:
            direction = q.mul_(min(1.0, 1.0 / max(float(grad.abs().sum()), 1e-12)))
        else:
            direction = q.mul_(scale)
            for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
                b = rho * float(y.dot(direction))
                direction.add_(s, alpha=a - b)
        flat.add_(direction)
        if i == steps - 1 and scale is not None:
            break
        # (Without a scale yet, the first visit evaluates once more after its last step, so a
        # level of one step per visit still learns one instead of creeping at 1 / |gradient|.)
        closure()
        new = param.grad.detach().flatten()
        y = new - grad
        ys = float(y.dot(direction))
        if ys > 1e-10:
            if len(history) == HISTORY:
                history.pop(0)
            history.append((direction, y, 1.0 / ys))
            scale = ys / float(y.dot(y))
        grad = new.clone()
    return scale


def _crop(features: torch.Tensor, tile: Tile, layer: str) -> torch.Tensor:
    """The part of a window's features that lies over ``tile`` (a cell on the ALIGN grid)."""
    scale = 2 ** (int(layer[4]) - 1)  # relu1_x is full size; each block after a pooling halves
    t0, l0, _, _ = tile.window
    top, left = (tile.top - t0) // scale, (tile.left - l0) // scale
    bottom, right = -(-(tile.bottom - t0) // scale), -(-(tile.right - l0) // scale)
    return features[:, :, top:bottom, left:right]


def _window_part(whole: torch.Tensor, tile: Tile, scale: int, features: torch.Tensor) -> torch.Tensor:
    """The part of a whole level's map at a layer (``scale`` px a position) that ``tile``'s
    window's ``features`` cover; windows start on the ALIGN grid, so positions match exactly."""
    t0, l0, _, _ = tile.window
    top, left = t0 // scale, l0 // scale
    return whole[:, :, top : top + features.shape[2], left : left + features.shape[3]]


def _add_cell_grams(
    sums: dict[tuple[int, str], torch.Tensor],
    counts: dict[tuple[int, str], float],
    feats: dict[str, torch.Tensor],
    cell: Tile,
    layers: Iterable[str],
    target: int = 0,
    masks: Mapping[str, torch.Tensor | None] | None = None,
) -> None:
    """Add the Gram sums and positions of ``cell``'s part of a window's features, for style
    target ``target``: under its ``masks`` (per layer, over the window) when it has them, the
    mask's area then counting as the positions."""
    for name in layers:
        part = _crop(feats[name], cell, name)
        region = None if masks is None else masks.get(name)
        if region is not None:
            weight = _crop(region, cell, name)
            part = part * weight
            count = float(weight.pow(2).sum())
        else:
            count = float(part.shape[2] * part.shape[3])
        flat = part.reshape(part.shape[1], -1)
        product = flat @ flat.t()
        key = (target, name)
        sums[key] = sums[key] + product if key in sums else product
        counts[key] = counts.get(key, 0.0) + count


def tiled_grams(
    model: VGGFeatures,
    image: torch.Tensor,
    layers: Sequence[str],
    tile: int,
    poll: Callable[[], None],
    on_part: Callable[[int, int], None] | None = None,
) -> dict[str, torch.Tensor]:
    """Gram matrices (averaged over positions, as :func:`losses.gram`) of a picture too large to
    pass through VGG19 whole: a 2048 px painting's forward pass alone holds over a gigabyte of
    activations. Sums over non-overlapping cells, each seen through its context window;
    ``on_part`` hears each cell (1-based) and their number."""
    _, _, height, width = image.shape
    sums: dict[tuple[int, str], torch.Tensor] = {}
    counts: dict[tuple[int, str], float] = {}
    cells = grid(height, width, tile, cells=True)
    for part, cell in enumerate(cells, 1):
        poll()
        if on_part is not None:
            on_part(part, len(cells))
        t0, l0, b0, r0 = cell.window
        with torch.no_grad():
            feats: dict[str, torch.Tensor] = model(image[:, :, t0:b0, l0:r0], layers, poll=poll)
            _add_cell_grams(sums, counts, feats, cell, layers)
    return {name: sums[0, name] / counts[0, name] for name in layers}
