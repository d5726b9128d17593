"""Coarse-to-fine: the sizes a run goes through and the steps each one gets.

Big structure forms cheaply at a small size; each larger level starts from the previous one
upsampled, so it only refines. Sizes grow by sqrt(2) (a doubling of pixels) as in
crowsonkb/style-transfer-pytorch, from about 64 px on the long side.

At print size the work would pile up on the last levels: a 4096 px level has 256 times the
pixels of a 256 px one, and every step there costs minutes on a CPU. Those levels start from a
picture already painted (the level below, upsampled), and at their size the brush strokes are
set: what is left is detail. So a level over :data:`REFINE_ABOVE` px on the long side gets a
short, fixed refinement of :data:`REFINE_STEPS` steps, and the steps it would have had go to
the levels below, where they decide the picture.

A print (an automatic plan over :data:`REFINE_ABOVE` px) goes further (issue 17: 71 min for
4096 px on two cores, 35 of them on the 1448 and 2048 px levels' 48 tiled steps): the levels
up to :data:`PRINT_WHOLE` px run whole and take the steps, and above that the size only
doubles, each level a short refinement in tiles (:data:`PRINT_MID_STEPS`, one sweep) and the
full size :data:`PRINT_FINAL_STEPS`. A tiled step costs 15-20 s a megapixel here against 11 s
whole, and at those sizes a step sharpens strokes the whole levels already placed; the
measurements are in benchmarks/README.md ("Print size in minutes").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ImageError

COARSEST = 64
GROWTH = math.sqrt(2.0)
#: VGG19 halves the picture four times before relu5_1; less than this leaves nothing to see.
MIN_SHORT_SIDE = 16
#: Long-side bounds for a style image at one level: below, Gram matrices carry no texture;
#: above, memory grows for little gain.
STYLE_MIN_SIDE = 32
STYLE_MAX_SIDE = 2048
#: Levels longer than this (print sizes) only refine: see the module's docstring.
REFINE_ABOVE = 2048
#: Steps a print-size level gets: two sweeps of tiles (one on a grid shifted by half a tile,
#: so no tile border stays one) of three L-BFGS steps each, when the level runs in tiles.
REFINE_STEPS = 6
#: Steps a tile gets per visit before the next tile takes over (engine/tiles.py).
VISIT_STEPS = 5
#: A print's levels up to this long side run whole (they fit any budget over 1 GB) and decide
#: the picture; they share the run's steps.
PRINT_WHOLE = 1024
#: Steps of a print's levels between :data:`PRINT_WHOLE` and the full size: one sweep of tiles.
PRINT_MID_STEPS = 3
#: Steps at a print's full size: one evaluation per tile sharpens the upsampled strokes.
PRINT_FINAL_STEPS = 1


@dataclass(frozen=True)
class Level:
    index: int
    width: int
    height: int
    steps: int
    #: A step's work per pixel against a whole level's: above 1 where the level runs in
    #: tiles (context, overlaps and the per-sweep statistics; see ``eta.tiled_cost``).
    cost: float = 1.0

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def work(self) -> float:
        """Pixels a step of this level costs, as if it ran whole (what the time model counts)."""
        return self.pixels * self.cost


def fit(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(w, h) with the given long side and the same aspect ratio."""
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def plan(
    width: int, height: int, size: int, steps: int, levels: int = 0, *, painted_start: bool = False
) -> list[Level]:
    """Levels from coarse to fine, ending exactly at ``size`` on the long side.

    ``levels=0`` picks as many as fit above :data:`COARSEST`; steps are shared with a double
    portion for the first level, where the composition is decided. Levels over
    :data:`REFINE_ABOVE` px get at most :data:`REFINE_STEPS` steps when they start from a
    painted picture: every level but the first does, and the first when ``painted_start``
    (the instant picture). Their other steps go to the levels below; with none below, the
    run is that much shorter. An automatic plan over :data:`REFINE_ABOVE` px is a print
    (:func:`print_plan`).
    """
    final_w, final_h = fit(width, height, size)
    if min(final_w, final_h) < MIN_SHORT_SIDE:
        raise ImageError(
            f"The photo is too thin for this output size ({final_w}x{final_h} px); "
            f"choose a larger size or a less elongated photo."
        )
    if levels == 0 and size > REFINE_ABOVE:
        printed = print_plan(width, height, size, steps)
        if printed is not None:
            return printed
    if levels == 0:
        levels = 1 + max(0, math.floor(math.log(size / COARSEST) / math.log(GROWTH) + 1e-9))
    levels = max(1, min(levels, steps))
    sides = [round(size / GROWTH**k) for k in reversed(range(levels))]
    dims = [fit(width, height, s) for s in sides]
    dims = [d for d in dims if min(d) >= MIN_SHORT_SIDE] or [(final_w, final_h)]
    shares = [2.0] + [1.0] * (len(dims) - 1)
    counts = _split(steps, shares)
    refine = [
        i
        for i, (w, h) in enumerate(dims)
        if max(w, h) > REFINE_ABOVE and (i > 0 or painted_start) and counts[i] > REFINE_STEPS
    ]
    if refine:
        rest = [i for i in range(len(dims)) if i not in refine]
        spare = sum(counts[i] - REFINE_STEPS for i in refine)
        for i in refine:
            counts[i] = REFINE_STEPS
        if rest:
            more = _split(sum(counts[i] for i in rest) + spare, [shares[i] for i in rest])
            for i, n in zip(rest, more, strict=True):
                counts[i] = n
    return [Level(i, w, h, n) for i, ((w, h), n) in enumerate(zip(dims, counts, strict=True))]


def print_plan(width: int, height: int, size: int, steps: int) -> list[Level] | None:
    """A print's levels (see the module's docstring): the coarse-to-fine ladder up to
    :data:`PRINT_WHOLE` px sharing the steps, then sizes doubling up to ``size``, each a short
    refinement. ``None`` when ``steps`` are too few to give every whole level one."""
    count = 1 + max(0, math.floor(math.log(size / COARSEST) / math.log(GROWTH) + 1e-9))
    ladder = [round(size / GROWTH**k) for k in reversed(range(count))]
    # A side within rounding of PRINT_WHOLE (1050 px of a 2100 px print) still runs whole.
    whole = [fit(width, height, s) for s in ladder if s <= PRINT_WHOLE * 1.05]
    whole = [d for d in whole if min(d) >= MIN_SHORT_SIDE]
    # Above it every other side of the ladder from the top: the size doubles.
    refine = [s for s in ladder if s > PRINT_WHOLE * 1.05][::-2][::-1]
    counts = [PRINT_MID_STEPS] * (len(refine) - 1) + [PRINT_FINAL_STEPS]
    left = steps - sum(counts)
    if not whole or left < len(whole):
        return None
    dims = whole + [fit(width, height, s) for s in refine]
    counts = _split(left, [2.0] + [1.0] * (len(whole) - 1)) + counts
    return [Level(i, w, h, n) for i, ((w, h), n) in enumerate(zip(dims, counts, strict=True))]


def sweep_steps(steps: int) -> list[int]:
    """A tiled level's steps cut into as few sweeps of at most :data:`VISIT_STEPS` as hold
    them, as even as can be: 6 steps are two sweeps of 3 (the second on the shifted grid), not
    a sweep of 5 and one of 1 that would visit every tile again for a single step.

    Here, not in the torch-bound tiles module, because the time model counts the sweeps too.
    """
    count = -(-max(1, steps) // VISIT_STEPS)
    base, extra = divmod(max(1, steps), count)
    return [base + 1] * extra + [base] * (count - extra)


def _split(total: int, shares: list[float]) -> list[int]:
    """Whole numbers proportional to ``shares``, each at least 1, adding up to ``total``."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [max(1, math.floor(r)) for r in raw]
    # Hand out what rounding left to the levels that lost the most, finest first on ties.
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], i), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(len(counts)), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


def style_side_for(long_side: int, brush_scale: float) -> int:
    """Long side the style images take at a level (or output) of ``long_side`` pixels.

    The CLI and the GUI load style files at the output's value, so nothing larger than
    the engine will use is ever decoded.
    """
    return int(min(STYLE_MAX_SIDE, max(STYLE_MIN_SIDE, round(brush_scale * long_side))))
