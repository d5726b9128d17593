"""Smart selection: a rough stroke grown to the edges of the object it was drawn on.

Why this method: the window must turn one rough stroke over a person or the sky into a region
without OpenCV, scikit-image or SciPy (none ships with the app, and each would add tens of
megabytes to the installer), and with one stroke only: GrabCut needs a rectangle and a
max-flow solver, a random walker a background stroke and a sparse solver. What is here is a
GrabCut-like iteration in plain NumPy on a copy of the photo :data:`WORK_SIDE` px long:

1. **Colour models.** The stroke's colours are clustered (k-means, :data:`FG_CLUSTERS`) as the
   object's model, everything else (:data:`BG_CLUSTERS`) as the background's; background
   clusters that are the object's own colours are dropped on the first round (the stroke
   covers only part of the object).
2. **Evidence, smoothed along the photo's edges.** Each pixel's evidence is how much closer
   its colour is to the object's clusters than to the background's, in -1..1; a guided filter
   (He et al. 2010) with the photo as the guide spreads it within areas and stops it at edges,
   which stands in for GrabCut's pairwise term: specks and noise do not split a region.
3. **Connected to the stroke.** The region is the pixels with positive evidence that connect
   to the stroke through such pixels (a flood fill), so a same-coloured object elsewhere is
   not taken. The models are refitted from the region and its outside, :data:`ROUNDS` times.
4. **Edges at full size.** The small region, enlarged, goes through the guided filter with
   the full-size photo as the guide, so its edge follows the photo's at full resolution and
   stays soft where the photo's is soft (hair, a hazy horizon).

Measured on the photos in /work/shared/images (see tests/engine/test_selection.py): one stroke
takes a face with its hair, a row of trees above a forest floor, a clear sky above a pier. A
sky that darkens a lot from the horizon up wants a stroke down through the gradient (the
object's model knows only the colours the stroke touched); the tool adds strokes together.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from .errors import ImageError
from .regions import fit_mask
from .types import RGB8, Mask

WORK_SIDE: Final = 192
"""Long side (px) the models are fitted at: a person or the sky is thousands of pixels there."""
FG_CLUSTERS: Final = 6
BG_CLUSTERS: Final = 10
ROUNDS: Final = 3
SAMPLES: Final = 4000
"""Pixels the clusters are fitted on at most (a random sample, with a fixed seed)."""
DROP_SHARE: Final = 0.5
"""A background cluster this close to an object cluster (in units of the pixels' median
distance to the object's colours) is the object's colour, not the background's."""
EVIDENCE_RADIUS: Final = 3
EVIDENCE_EPS: Final = 4e-3
GUIDE_RADIUS: Final = 2
"""Guided filter radius for the full-size edge, in work-size pixels (scaled to the photo)."""
GUIDE_EPS: Final = 1e-3
"""Guided filter regulariser for the full-size edge: lower follows weaker photo edges."""

Grid = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]


def grow(photo: RGB8, stroke: Mask) -> Mask:
    """The region the rough ``stroke`` (HxW in 0..1, any size of the photo's shape) was drawn
    on, at the photo's size, with soft edges that follow the photo's.

    Raises :class:`ImageError` (one sentence) for a stroke with nothing in it.
    """
    height, width = photo.shape[:2]
    if float(stroke.max(initial=0.0)) < 0.5:
        raise ImageError("The stroke marks nothing: paint over the object to select it.")
    scale = min(1.0, WORK_SIDE / max(height, width))
    ww, wh = max(2, round(width * scale)), max(2, round(height * scale))
    colours = _small_colours(photo, ww, wh)
    small_stroke = fit_mask(stroke, ww, wh)
    seeds = small_stroke >= 0.5
    if not seeds.any():  # a stroke thinner than a work pixel: its strongest points
        seeds = small_stroke >= float(small_stroke.max())
    region = select(colours, seeds)
    flat = colours.reshape(-1, 3)
    fg = _kmeans(flat[region.ravel()], FG_CLUSTERS, seed=0)
    bg = _kmeans(flat[~region.ravel()], BG_CLUSTERS, seed=1) if not region.all() else fg
    return refine(photo, region, fg, bg)


def select(colours: Grid, seeds: Bools) -> Bools:
    """The region grown from ``seeds`` on the HxWx3 ``colours`` (see the module's steps 1-3)."""
    flat = colours.reshape(-1, 3)
    region = seeds.copy()
    for round_ in range(ROUNDS):
        if region.all():
            break
        fg = _kmeans(flat[region.ravel()], FG_CLUSTERS, seed=0)
        bg = _kmeans(flat[~region.ravel()], BG_CLUSTERS, seed=1)
        to_fg = _nearest(colours, fg)
        if round_ == 0:
            own = _nearest(bg, fg) <= DROP_SHARE * float(np.median(to_fg))
            if not own.all():
                bg = bg[~own]
        to_bg = _nearest(colours, bg)
        evidence: Grid = ((to_bg - to_fg) / (to_bg + to_fg + 1e-6)).astype(np.float32)
        guide = _unlikeness(to_fg)
        for _ in range(2):
            evidence = _guided(guide, evidence, EVIDENCE_RADIUS, EVIDENCE_EPS)
        region = flood(seeds, (evidence > 0.0) | seeds)
    return region


def _unlikeness(to_fg: Grid) -> Grid:
    """The guide for the guided filters: how unlike the object's colours each pixel is, in
    0..1. Its edges are the object's outline whatever changes there, hue or lightness (a red
    disc on grey texture of the same lightness has no edge in the photo's grey)."""
    out: Grid = np.clip(to_fg / max(float(np.quantile(to_fg, 0.95)), 1e-4), 0.0, 1.0).astype(np.float32)
    return out


def _small_colours(photo: RGB8, width: int, height: int) -> Grid:
    """The photo at the work size, lightly smoothed (noise and fine texture are not edges)."""
    img = Image.fromarray(np.ascontiguousarray(photo[..., :3])).resize((width, height), Image.Resampling.BOX)
    return _opponent(_box(np.asarray(img, dtype=np.float32) / 255.0, 1))


def _opponent(rgb: Grid) -> Grid:
    """RGB in 0..1 in an opponent space (lightness, red-green, yellow-blue): a cheap stand-in
    for Lab, in which a change of hue counts as much as a change of lightness."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    out: Grid = np.stack([(r + g + b) / 3.0, (r - g) * 0.75, (r + g - 2 * b) * 0.5], axis=-1)
    return out.astype(np.float32)


def _kmeans(points: Grid, k: int, seed: int, iterations: int = 12) -> Grid:
    """``k`` colour clusters of ``points`` (Nx3): k-means++ start, Lloyd's iterations."""
    rng = np.random.default_rng(seed)
    if len(points) > SAMPLES:
        points = points[rng.choice(len(points), SAMPLES, replace=False)]
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, min(k, len(points))):
        d = np.min(((points[:, None] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        total = float(d.sum())
        if total <= 0.0:
            break
        centres.append(points[rng.choice(len(points), p=d / total)])
    c: Grid = np.asarray(centres, dtype=np.float32)
    for _ in range(iterations):
        label = np.argmin(((points[:, None] - c[None]) ** 2).sum(-1), axis=1)
        for j in range(len(c)):
            members = points[label == j]
            if len(members):
                c[j] = members.mean(axis=0)
    return c


def _nearest(points: Grid, centres: Grid) -> Grid:
    """Distance from each point (...x3) to the nearest of ``centres`` (Kx3)."""
    best = np.full(points.shape[:-1], np.inf, np.float32)
    for centre in centres:  # one centre at a time: a full-size photo times k would be large
        np.minimum(best, ((points - centre) ** 2).sum(-1), out=best)
    out: Grid = np.sqrt(best)
    return out


def flood(seeds: Bools, allowed: Bools) -> Bools:
    """The pixels of ``allowed`` 4-connected to ``seeds`` through ``allowed``."""
    region = seeds & allowed
    while True:
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= allowed
        if np.array_equal(grown, region):
            return region
        region = grown


def refine(photo: RGB8, region: Bools, fg: Grid, bg: Grid) -> Mask:
    """``region`` (a small boolean grid) at the photo's size. Within a work pixel or two of
    its edge each full-size pixel decides by its own colour (closer to the object's clusters
    ``fg`` than to the background's ``bg``), so the outline is the photo's, not the work grid's;
    the guided filter then softens it as much as the photo's own edge is soft."""
    height, width = photo.shape[:2]
    scale = max(height, width) / max(region.shape)
    soft = fit_mask(region.astype(np.float32), width, height)
    colours = _opponent(_box(photo[..., :3].astype(np.float32) / 255.0, 1))
    to_fg, to_bg = _nearest(colours, fg), _nearest(colours, bg)
    near_edge = _box(soft, max(1, round(2 * scale)))
    band = (near_edge > 0.02) & (near_edge < 0.98)
    decided = np.where(band, to_fg < to_bg, soft > 0.5).astype(np.float32)
    out = _guided(_unlikeness(to_fg), decided, max(1, round(GUIDE_RADIUS * scale / 2)), GUIDE_EPS)
    mask: Mask = np.clip(out, 0.0, 1.0).astype(np.float32)
    return mask


def _guided(guide: Grid, source: Grid, radius: int, eps: float) -> Grid:
    """He et al.'s guided filter (grey guide): ``source`` smoothed except across ``guide``'s edges."""
    mean_i = _box(guide, radius)
    mean_p = _box(source, radius)
    cov = _box(guide * source, radius) - mean_i * mean_p
    var = _box(guide * guide, radius) - mean_i * mean_i
    a = (cov / (var + eps)).astype(np.float32)
    b = (mean_p - a * mean_i).astype(np.float32)
    out: Grid = (_box(a, radius) * guide + _box(b, radius)).astype(np.float32)
    return out


def _box(image: npt.NDArray[np.float32], radius: int) -> npt.NDArray[np.float32]:
    """Mean over a (2r+1)^2 window, clipped at the borders (summed-area table)."""
    h, w = image.shape[:2]
    pad = np.zeros((h + 1, w + 1, *image.shape[2:]), np.float64)
    pad[1:, 1:] = np.cumsum(np.cumsum(image, axis=0, dtype=np.float64), axis=1)
    ys, xs = np.arange(h), np.arange(w)
    y0, y1 = np.clip(ys - radius, 0, h), np.clip(ys + radius + 1, 0, h)
    x0, x1 = np.clip(xs - radius, 0, w), np.clip(xs + radius + 1, 0, w)
    total = pad[y1][:, x1] - pad[y0][:, x1] - pad[y1][:, x0] + pad[y0][:, x0]
    count = ((y1 - y0)[:, None] * (x1 - x0)[None, :]).astype(np.float64)
    if image.ndim == 3:
        count = count[..., None]
    out: npt.NDArray[np.float32] = (total / count).astype(np.float32)
    return out
