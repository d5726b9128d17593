"""Apply a fast style to a photo of any size, in bounded memory.

A style of the ``instant`` kind (style_file.py) is the instant model's transformer tuned on a
painting, so it paints through the instant model's own pass (engine/instant/api.py
``transform``: whole, or in tiles with exact shared statistics) with the style's vector.

Pictures up to ``conv_tiles.WHOLE_PIXELS`` run in one pass. Larger ones run in overlapping tiles
(engine/conv_tiles.py, shared with the instant model): the network's instance normalisation
would otherwise give every tile its own brightness and contrast, so its statistics are first
recorded on the whole picture shrunk to that size, frozen, and shared by every
tile; each tile also gets a margin of context that is thrown away, and neighbours cross-fade
over their overlap, so no seam shows. Peak memory is then a few full-size float arrays plus
one tile's activations.

Several styles can share a picture, each painting its region (``region_styles=``): every
style paints the whole photo the same way (one pass each), and the pictures are blended by the
instant network's feathered region weights (engine/instant/regional.py ``layout``); what no
region covers takes the first style.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import torch

from .. import colour, conv_tiles, precision, regions
from ..checks import raise_if_cancelled
from ..devices import describe_device, is_out_of_memory, release_memory, resolve_device
from ..errors import Cancelled, OutOfMemory
from ..instant import regional
from ..instant.api import instant_dtype, transform
from ..instant.network import StyleTransformer
from ..settings import Settings
from ..types import RGB8, RGBF, CancelToken, Mask, Progress, Result
from . import apply_memory
from .network import TransformerNet
from .style_file import FastStyle

ProgressCallback = Callable[[Progress], None]

#: Rows recoloured at a time when keeping the photo's colours, to bound temporaries.
_COLOUR_ROWS: Final = 256

_nets: dict[tuple[int, str], tuple[FastStyle, TransformerNet | StyleTransformer]] = {}


def apply_fast_style(
    content: RGB8,
    style: FastStyle,
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    tile: int | None = None,
    keep: Mask | None = None,
    region_styles: Sequence[tuple[FastStyle, Mask]] = (),
) -> Result:
    """Paint ``content`` (already at the output size) with ``style`` in one pass.

    ``settings.strength`` fades the picture against the photo, ``settings.keep_colors`` puts
    the photo's colours back. ``tile`` forces tiling at that tile size (tests use it).
    ``keep`` puts the photo back where it is white: a fast style is one network trained on
    its paintings, so the only region it has is the one it leaves alone. ``region_styles`` are
    more styles, each painting where its mask is white; ``style`` paints the rest.
    """
    start = time.perf_counter()
    device = resolve_device(settings.device)
    h, w = content.shape[:2]
    raise_if_cancelled(cancel)
    if on_progress is not None:
        on_progress(Progress("painting", 0, 1, 1, 1, (w, h), elapsed=0.0))

    def on_tile(done: int, total: int) -> None:  # a long picture says how far it got
        if on_progress is not None:
            elapsed = time.perf_counter() - start
            eta = elapsed / done * (total - done)
            on_progress(
                Progress(
                    "painting", done, total, 1, 1, (w, h), elapsed=elapsed, eta=eta, tile=done, tiles=total
                )
            )

    try:
        styled = _styled(style, content, settings, device, tile, cancel, on_tile)
        if region_styles:
            weights = regional.layout([mask for _, mask in region_styles], h, w)
            styled *= regional.own(weights)[..., None]
            for (other, _), weight in zip(region_styles, weights, strict=True):
                styled += weight[..., None] * _styled(other, content, settings, device, tile, cancel, on_tile)
    except Cancelled:
        raise
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        gc.collect()
        release_memory(device)
        where = "The GPU" if device.type != "cpu" else "This computer"
        raise OutOfMemory(f"{where} ran out of memory applying the fast style at {w}x{h} px.") from None
    raise_if_cancelled(cancel)
    if keep is not None:
        _keep_photo(styled, content, regions.fit_mask(keep, w, h))
    image = apply_memory.to_uint8(styled)
    seconds = time.perf_counter() - start
    if on_progress is not None:
        on_progress(Progress("painting", 1, 1, 1, 1, (w, h), elapsed=seconds, eta=0.0, preview=image))
    return Result(
        image=image,
        image_float=styled,
        settings=settings.replace(method="fast", fast_style=settings.fast_style or style.name),
        device=describe_device(device),
        seconds=seconds,
        steps=0,
    )


def _styled(
    style: FastStyle,
    content: RGB8,
    settings: Settings,
    device: torch.device,
    tile: int | None,
    cancel: CancelToken | None,
    on_tile: Callable[[int, int], None] | None,
) -> RGBF:
    """One style's finished picture of the whole photo (0..1): painted, its colours capped by
    its own painting's (the thumbnail is the painting it was trained on, its first for several),
    faded and recoloured as the settings say."""
    styled = _paint(_network(style, device), style, content, settings, device, tile, cancel, on_tile)
    raise_if_cancelled(cancel)
    limit = colour.result_chroma_limit([style.thumbnail], content, settings.keep_colors)
    finish(styled, content, settings, limit)
    return styled


def _paint(
    net: TransformerNet | StyleTransformer,
    style: FastStyle,
    content: RGB8,
    settings: Settings,
    device: torch.device,
    tile: int | None,
    cancel: CancelToken | None,
    on_tile: Callable[[int, int], None] | None = None,
) -> RGBF:
    """The network's picture of ``content`` as float RGB 0..1, whole or in tiles (as many as
    the memory budget asks for, see apply_memory.py)."""
    h, w = content.shape[:2]
    if isinstance(net, StyleTransformer):
        assert style.vector is not None  # style_file guarantees it for the instant kind
        vector = style.vector.to(device, torch.float32)
        with torch.inference_mode():
            dtype = instant_dtype(settings, device)
            styled = transform(net, content.astype(np.float32), vector, dtype, tile=tile, cancel=cancel)
        styled /= 255.0
        return styled
    # The policy of engine/precision.py (bfloat16 on this 2-core AVX-512 BF16 CPU: 2x
    # faster at 512 px, mean difference a third of one 8-bit level); outputs come back float32.
    dtype = precision.choose(settings.precision, device)
    stats = conv_tiles.WHOLE_PIXELS
    if tile is None:
        plan = apply_memory.plan(net.width, (w, h), settings.memory_budget_mb, device, style.name)
        tile, stats = plan.tile or None, plan.stats_pixels
    with torch.inference_mode(), precision.autocast(device, dtype):
        if tile is None:
            return _run_whole(net, content, device)
        return _run_tiled(net, content, device, tile, cancel, stats, on_tile)


def finish(styled: RGBF, photo: RGB8, settings: Settings, chroma_limit: float | None = None) -> None:
    """Strength and keep-colours, in place, a band of rows at a time (bounded temporaries).

    ``chroma_limit`` (0..255 units, ``colour.result_chroma_limit``) caps the network's colour
    before the fade: a network trained on a grey painting still tints its pictures.
    """
    strength = settings.strength
    if settings.keep_colors == "histogram":
        recoloured = colour.match_colour_statistics(styled * 255.0, photo.astype(np.float32))
        styled[...] = recoloured / 255.0
    for top in range(0, styled.shape[0], _COLOUR_ROWS):
        band = styled[top : top + _COLOUR_ROWS]
        ref = photo[top : top + _COLOUR_ROWS].astype(np.float32)
        if settings.keep_colors == "luminance":
            band[...] = colour.with_chroma_of(colour.luminance_rgb(band * 255.0), ref) / 255.0
        elif chroma_limit is not None:
            band[...] = colour.limit_chroma(band, chroma_limit / 255.0)
        if strength < 1.0:
            band *= strength
            band += (1.0 - strength) / 255.0 * ref
    np.clip(styled, 0.0, 1.0, out=styled)


def _keep_photo(styled: RGBF, photo: RGB8, keep: Mask) -> None:
    """The photo composited over ``styled`` (0..1) by ``keep``, in place, a band at a time."""
    for top in range(0, styled.shape[0], _COLOUR_ROWS):
        rows = slice(top, top + _COLOUR_ROWS)
        regions.keep_photo(styled[rows], photo[rows].astype(np.float32) / 255.0, keep[rows])


def _network(style: FastStyle, device: torch.device) -> TransformerNet | StyleTransformer:
    """The style's network on ``device``, kept for the next picture (a batch reuses it)."""
    key = (id(style), str(device))
    cached = _nets.get(key)
    if cached is not None and cached[0] is style:
        return cached[1]
    _nets.clear()
    net = style.build(device)
    if device.type in ("cpu", "cuda"):
        net = net.to(memory_format=torch.channels_last)
    _nets[key] = (style, net)
    return net


def _to_tensor(rgb: RGB8 | RGBF, device: torch.device) -> torch.Tensor:
    t = torch.from_numpy(np.array(rgb, copy=True, order="C")).to(device)
    t = t.permute(2, 0, 1).unsqueeze(0).float()
    if rgb.dtype == np.uint8:
        t = t / 255.0
    return t.contiguous(memory_format=torch.channels_last) if device.type != "mps" else t


def _forward(net: TransformerNet) -> conv_tiles.Forward:
    """The network's pass, its output clamped to 0..1."""

    def forward(x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = net(x)
        return out.clamp(0.0, 1.0)

    return forward


def _run_whole(net: TransformerNet, content: RGB8, device: torch.device) -> RGBF:
    out = conv_tiles.padded_forward(_forward(net), _to_tensor(content, device))
    rgb: RGBF = out[0].permute(1, 2, 0).float().cpu().numpy().astype(np.float32, copy=True)
    return rgb


def _run_tiled(
    net: TransformerNet,
    content: RGB8,
    device: torch.device,
    tile: int,
    cancel: CancelToken | None,
    stats_pixels: int = conv_tiles.WHOLE_PIXELS,
    on_tile: Callable[[int, int], None] | None = None,
) -> RGBF:
    rgb: RGBF = conv_tiles.run_tiled(
        [(net, _forward(net))],
        lambda part: _to_tensor(part, device),
        content,
        tile=tile,
        cancel=cancel,
        stats_pixels=stats_pixels,
        on_tile=on_tile,
    )
    return rgb
