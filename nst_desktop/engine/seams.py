"""A seam measure for pictures painted in tiles (tests and benchmarks check tiling with it).

A seam is a tile border the eye can find: a step of brightness or of texture where one tile
meets the next. Such a border carries more gradient energy than the parallel lines just
beside it, which see the same part of the picture; a border that cannot be seen carries the
same. So the measure is a ratio, about 1 without seams, and it needs no untiled picture to
compare with (none exists at print size).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .tiles import grid

#: Offsets (px) of the lines beside a border that it is compared with: near enough to see the
#: same part of the picture, past the border's own cross-fade of a few pixels.
BESIDE = (-6, -5, -4, -3, -2, 2, 3, 4, 5, 6)


def seam_energy(rgb: npt.NDArray[np.generic], tile: int, sweeps: int) -> tuple[float, float]:
    """Gradient energy across the tile borders of ``sweeps`` sweeps of ``tile`` px tiles (odd
    sweeps on the shifted grid, as :class:`~.tiles.TiledLevel` paints them), against the lines
    beside them.

    For each border (a vertical one at column c: the squared differences between columns
    c - 1 and c over the tile's rows; a horizontal one likewise), the energy across it over
    the mean energy across the parallel lines 2-6 px to either side. Returns (all borders
    pooled, the worst border): about 1 where borders are invisible, well above 1 along a seam.
    """
    f = np.asarray(rgb, dtype=np.float32)
    dx = ((f[:, 1:] - f[:, :-1]) ** 2).sum(axis=2, dtype=np.float64)  # dx[:, c - 1] is across column c
    dy = ((f[1:] - f[:-1]) ** 2).sum(axis=2, dtype=np.float64).T  # transposed: rows become columns
    del f
    h, w = rgb.shape[:2]
    lines: set[tuple[str, int, int, int]] = set()
    for k in range(sweeps):
        for t in grid(h, w, tile, shifted=k % 2 == 1):
            lines |= {("v", c, t.top, t.bottom) for c in (t.left, t.right) if 0 < c < w}
            lines |= {("h", r, t.left, t.right) for r in (t.top, t.bottom) if 0 < r < h}
    on = beside = 0.0
    worst = 0.0
    for kind, at, lo, hi in sorted(lines):
        d = dx if kind == "v" else dy
        near = [at - 1 + o for o in BESIDE if 0 <= at - 1 + o < d.shape[1]]
        line, around = float(d[lo:hi, at - 1].mean()), float(d[lo:hi][:, near].mean())
        on, beside = on + line, beside + around
        worst = max(worst, line / around)
    return (on / beside if beside else 1.0), worst
