"""``stylize_instant()``: any painting's style in one pass (Ghiasi et al. 2017).

The painting becomes a 100-number style vector (see ``vectors.py``) and a small transformer
paints the photo with it. Everything the optimiser's settings mean and that this network can
honour is honoured the optimiser's way: several paintings blend by their weights (here in the
vector space, the network's own way to mix styles), ``strength`` (Fade) slides from the photo's
own vector (0) to the paintings' (1), style strength reaches short of or past the paintings'
vector along the same line (:func:`style_reach`), brush scale sizes the strokes by the size the
transformer paints at (:func:`brush_size`), and keep-colours works as in ``run.py``: luminance-only
transfer with the photo's chroma put back, or the paintings recoloured to the photo's colour
statistics first. Keep content, smoothness, the losses' other weights, steps, levels and seed
have no meaning for it.

Pictures over ``conv_tiles.WHOLE_PIXELS`` (about 1.5 MP) run in tiles whose style norms share
the whole picture's exact statistics (engine/conv_tiles.py, summed over the tiles layer by
layer), so a 4096 or 8192 px print needs one tile's activations instead of the whole picture's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .. import colour, conv_tiles, precision, regions
from ..checks import check_paint_inputs, raise_if_cancelled
from ..devices import describe_device, is_out_of_memory, release_memory, resolve_device
from ..errors import Cancelled, EngineError, ImageError, OutOfMemory
from ..settings import Settings
from ..types import RGB8, RGBF, CancelToken, Mask, Progress, Result, StyleImage
from . import regional
from .model import get_network, prefers_channels_last
from .network import StyleTransformer
from .vectors import at_predictor_scale, blend, style_vector

ProgressCallback = Callable[[Progress], None]

#: The transformer halves twice and reflects a 1 px border at a quarter size.
MIN_SIDE = 16
#: Pixels of the photo that keep-colours takes its colour statistics from.
REFERENCE_PIXELS = 256 * 256
#: How far past the paintings' vector the strongest style strength reaches (see :func:`style_reach`).
MAX_REACH = 1.6
#: Brush scale below 1 paints the photo enlarged by at most this much: the cost grows with its square.
MAX_ENLARGE = 2.0


def style_reach(style_strength: float) -> float:
    """Where style strength puts the instant picture's vector on the line from the photo's own
    vector (0) through the paintings' (1): ``MAX_REACH * s / (s + MAX_REACH - 1)``.

    For the optimiser style strength weighs the style loss (0 = none, 1 = balanced, 10 = very
    bold with little of the photo showing through, 100 at the most), and this mapping keeps
    those meanings: 0 is the photo's own look, 1 exactly the paintings' vector (the network's
    own picture), and it rises monotonically past 1 but levels off towards ``MAX_REACH``
    (3 -> 1.33, 10 -> 1.51, 100 -> 1.59) instead of growing with the weight. The style norms'
    scales and shifts are linear in the vector, so reaching past the trained vectors
    exaggerates the painting's colour and texture. On the built-in paintings and photos, 1.5
    leaves little of the photo showing through, and at 2 the photo is gone (flat fields of the
    painting's colour, or noise), so the bound sits just past 1.5.
    """
    s = max(0.0, float(style_strength))
    return MAX_REACH * s / (s + MAX_REACH - 1.0)


def brush_size(height: int, width: int, brush_scale: float) -> tuple[int, int]:
    """The size the transformer paints an ``height`` x ``width`` photo at for ``brush_scale``.

    The transformer's strokes have a fixed size in its own pixels, so painting the photo at
    ``1 / brush_scale`` of its size and resampling the picture back makes them ``brush_scale``
    times as large against the picture, as the optimiser's brush scale does. (Showing the
    predictor the painting zoomed in, the other candidate, does not: on the built-in paintings a
    zoomed-in painting gives a fainter, smoother texture and a zoomed-out one bolder patches,
    because the vector describes texture, not its size.) Enlargement stops at
    :data:`MAX_ENLARGE`, and shrinking at :data:`MIN_SIDE` pixels on the short side.
    """
    factor = min(MAX_ENLARGE, 1.0 / max(brush_scale, 1e-6))
    factor = max(factor, min(1.0, MIN_SIDE / min(height, width)))
    return max(1, round(height * factor)), max(1, round(width * factor))


def _resample(rgb: RGBF, height: int, width: int) -> RGBF:
    """Antialiased bicubic resize of HxWx3 float RGB 0..255."""
    if rgb.shape[:2] == (height, width):
        return rgb
    t = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)
    out = F.interpolate(t, size=(height, width), mode="bicubic", antialias=True, align_corners=False)
    resized: RGBF = out[0].permute(1, 2, 0).clamp(0.0, 255.0).contiguous().numpy()
    return resized


def stylize_instant(
    content: RGB8,
    styles: Sequence[StyleImage],
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    tile: int | None = None,
    keep: Mask | None = None,
) -> Result:
    """Paint ``content`` (already at the output size) in the blended manner of ``styles``, in one pass.

    Paintings with a mask paint their regions (see :mod:`.regional`); ``keep`` puts the
    photo back where it is white.

    ``tile`` forces tiling at that tile size (tests use it); by default only large pictures tile.
    Raises :class:`Cancelled` when ``cancel`` is set before or after the pass, and an
    :class:`EngineError` subclass with one sentence for anything the user can fix.
    """
    start = time.perf_counter()
    check_paint_inputs(content, styles)
    h, w = content.shape[:2]

    def report(stage: str, step: int, preview: RGB8 | None = None) -> None:
        if on_progress is not None:
            now = time.perf_counter() - start
            on_progress(
                Progress(
                    stage=stage,  # type: ignore[arg-type]
                    step=step,
                    total=1,
                    level=1,
                    levels=1,
                    size=(w, h),
                    elapsed=now,
                    eta=0.0 if step else None,
                    preview=preview,
                )
            )

    raise_if_cancelled(cancel)
    device = resolve_device(settings.device)
    report("loading", 0)
    try:
        rgb = paint(
            content.astype(np.float32),
            styles,
            settings,
            device,
            cancel=cancel,
            on_stage=report,
            tile=tile,
            keep=keep,
        )
    except (Cancelled, EngineError):
        raise
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        release_memory(device)
        where = "The GPU" if device.type != "cpu" else "This computer"
        raise OutOfMemory(
            f"{where} ran out of memory painting at {w}x{h} px; try a smaller output size."
        ) from None
    raise_if_cancelled(cancel)
    image: RGB8 = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    report("painting", 1, image)
    return Result(
        image=image,
        image_float=(rgb / 255.0).astype(np.float32),
        settings=settings.replace(method="instant"),
        device=describe_device(device),
        seconds=time.perf_counter() - start,
        steps=0,
        losses={},
    )


def paint(
    content: RGBF,
    styles: Sequence[StyleImage],
    settings: Settings,
    device: torch.device,
    *,
    cancel: CancelToken | None = None,
    on_stage: Callable[[str, int], None] | None = None,
    tile: int | None = None,
    keep: Mask | None = None,
) -> RGBF:
    """The instant picture of an HxWx3 float photo in 0..255, as float RGB 0..255 of the same size.

    The optimiser's ``init="instant"`` calls this too, at its first level's size. ``tile``: see
    :func:`transform`. Masks on ``styles`` (any size, fitted to the photo) and ``keep``: see
    :mod:`.regional` and :func:`regions.keep_photo`.
    """
    h, w = content.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise ImageError(
            f"The photo is too small for instant style ({w}x{h} px); use at least {MIN_SIDE} px."
        )
    net = get_network(device)
    raise_if_cancelled(cancel)
    if on_stage is not None:
        on_stage("preparing", 0)
    mode = settings.keep_colors
    photo = colour.luminance_rgb(content) if mode == "luminance" else content
    # Colour statistics of a large photo need not every pixel: a regular sample will do.
    step = max(1, int((h * w / REFERENCE_PIXELS) ** 0.5))
    reference = np.ascontiguousarray(content[::step, ::step])
    vectors, weights, used = [], [], []
    for style in styles:
        if style.weight <= 0:
            continue
        used.append(style)
        painting = at_predictor_scale(style.image)
        if mode == "luminance":
            painting = colour.match_luminance(colour.luminance_rgb(painting), colour.luminance_rgb(reference))
        elif mode == "histogram":
            painting = colour.match_colour_statistics(painting, reference)
        vectors.append(style_vector(net.predictor, painting, device))
        weights.append(style.weight)
        raise_if_cancelled(cancel)
    # Fade and style strength both move along the line from the photo's own vector, so they
    # compose as a product: fade 0 is the photo's own look whatever the style strength.
    reach = settings.strength * style_reach(settings.style_strength)
    bh, bw = brush_size(h, w, settings.brush_scale)
    dtype = instant_dtype(settings, device)
    small = _resample(photo, bh, bw)
    if any(style.mask is not None for style in used):
        own = style_vector(net.predictor, photo, device)
        masks = [style.mask for style in used]
        groups = [v for v, m in zip(vectors, masks, strict=True) if m is not None]
        shared = [(v, wt) for v, wt, m in zip(vectors, weights, masks, strict=True) if m is None]
        if shared:
            groups.append(blend([v for v, _ in shared], [wt for _, wt in shared]))
        reached = [own + reach * (v - own) for v in groups] + [own]
        layout = regional.layout(masks, bh, bw)
        layout.append(regional.own(layout))
        raise_if_cancelled(cancel)
        if on_stage is not None:
            on_stage("painting", 0)
        out = paint_regions(net.transformer, small, reached, layout, dtype, tile=tile, cancel=cancel)
    else:
        vector = blend(vectors, weights)
        if reach != 1.0:
            own = style_vector(net.predictor, photo, device)
            vector = own + reach * (vector - own)
        raise_if_cancelled(cancel)
        if on_stage is not None:
            on_stage("painting", 0)
        out = transform(net.transformer, small, vector, dtype, tile=tile, cancel=cancel)
    out = _resample(out, h, w)
    if mode == "luminance":
        out = colour.with_chroma_of(out, content)
    else:  # the transformer tints grey; its picture gets no more chroma than the paintings allow
        paintings = [s.image for s in styles if s.weight > 0]
        limit = colour.result_chroma_limit(paintings, reference, mode, settings.strength)
        out = colour.limit_chroma(out, limit)
    return regions.keep_photo(out, content, keep)


def paint_regions(
    transformer: StyleTransformer,
    rgb: RGBF,
    vectors: Sequence[torch.Tensor],
    layout: Sequence[Mask],
    dtype: torch.dtype,
    *,
    tile: int | None = None,
    cancel: CancelToken | None = None,
) -> RGBF:
    """The transformer's picture of ``rgb`` with each of ``vectors``, blended by ``layout``
    (weights at ``rgb``'s size, summing to 1 at every position; see :mod:`.regional`)."""
    h, w = rgb.shape[:2]
    out = np.zeros((h, w, 3), np.float32)
    for vector, weight in zip(vectors, layout, strict=True):
        if float(weight.max(initial=0.0)) <= 0.0:
            continue  # a vector nothing is painted with (no part of the photo left uncovered)
        raise_if_cancelled(cancel)
        out += weight[..., None] * transform(transformer, rgb, vector, dtype, tile=tile, cancel=cancel)
    return out


def transform(
    transformer: StyleTransformer,
    rgb: RGBF,
    vector: torch.Tensor,
    dtype: torch.dtype = torch.float32,
    *,
    tile: int | None = None,
    cancel: CancelToken | None = None,
) -> RGBF:
    """The transformer on float RGB 0..255 of any size (reflection-padded to a multiple of 4),
    its convolutions in ``dtype`` (see :func:`instant_dtype`).

    Over ``conv_tiles.WHOLE_PIXELS``, or whenever ``tile`` is given, it runs in tiles of that
    size (default ``conv_tiles.TILE``) sharing the whole picture's exact norm statistics, so
    memory stays bounded and the pixels are the untiled ones; ``cancel`` is checked between tiles.
    """
    device = vector.device
    h, w = rgb.shape[:2]
    style = vector.view(1, -1)
    channels_last = prefers_channels_last(device)

    def to_tensor(part: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32)).to(device)
        x = x.permute(2, 0, 1).unsqueeze(0) / 255.0
        return x.contiguous(memory_format=torch.channels_last) if channels_last else x

    def forward(x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = transformer(x, style)
        return out

    m = StyleTransformer.MULTIPLE
    with torch.no_grad(), precision.autocast(device, dtype):
        if tile is None and h * w <= conv_tiles.WHOLE_PIXELS:
            y = conv_tiles.padded_forward(forward, to_tensor(rgb), m)[0] * 255.0
            out: RGBF = y.permute(1, 2, 0).float().cpu().numpy()
            return out
        tiled: RGBF = conv_tiles.run_tiled(
            transformer.stages(style),
            to_tensor,
            rgb,
            tile=tile or conv_tiles.TILE,
            multiple=m,
            exact=True,
            cancel=cancel,
        )
    tiled *= 255.0
    return tiled


def instant_dtype(settings: Settings, device: torch.device) -> torch.dtype:
    """The transformer's precision: :func:`precision.resolve`'s rule for the instant network
    (``auto`` keeps a CPU in float32; that function says why)."""
    return precision.DTYPES[precision.resolve(settings.precision, "instant", device)]
