"""``stylize()``: one plain function from photo, paintings and settings to a picture.

Progress goes out through a callback, cancellation comes in through a token polled between
the layers of every forward and backward pass (so neither L-BFGS's inner evaluations nor one
slow evaluation of a large picture can hide a cancel), and nothing
here knows about Qt, files or the terminal. The CLI, the GUI's worker and the tests all call it.
"""

from __future__ import annotations

import gc
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import colour, fade, memory, precision, regions
from .checks import check_paint_inputs
from .devices import describe_device, is_out_of_memory, release_memory, resolve_device
from .errors import Cancelled, EngineError, OutOfMemory
from .eta import EtaEstimator, planned_levels, with_tiling
from .features import VGGFeatures, deepest
from .losses import StyleTarget, Targets, Weights, blend_grams, gram, total_loss
from .schedule import PRINT_WHOLE, REFINE_ABOVE, Level, style_side_for
from .settings import STYLE_LAYERS, Settings
from .tiles import TiledLevel, TileProgress, tiled_grams
from .types import RGB8, RGBF, CancelToken, Mask, Progress, Result, StyleImage
from .weights import CAFFE_MEAN_BGR, load_weight_set

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]
#: Rows converted at a time from the optimised tensor to a picture (:meth:`_Painter.pictures`).
STRIP_ROWS = 256


_models: dict[tuple[str, str, str, str], VGGFeatures] = {}
_models_lock = threading.Lock()


def get_model(
    device: torch.device, pooling: str, last_layer: str, weight_set: str = "original"
) -> VGGFeatures:
    """The truncated VGG19 for this device, built once per process and reused across runs.

    Never downloads: a weight set that is not cached yet raises a :class:`WeightsError` saying
    how to ask for it, because a 548 MB download must be the user's explicit choice.
    """
    key = (str(device), pooling, last_layer, weight_set)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            weights = load_weight_set(weight_set)
            model = VGGFeatures(weights, last_layer, pooling)  # type: ignore[arg-type]
            model.place(device)
            _models[key] = model
        return model


def warm_up(device: str = "auto") -> str:
    """Load the weights and the default model now (the GUI does this off its thread at start)."""
    dev = resolve_device(device)
    get_model(dev, "max", deepest([*STYLE_LAYERS, "relu4_2"]))
    return describe_device(dev)


def stylize(
    content: RGB8,
    styles: Sequence[StyleImage],
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    preview_interval: float = 0.5,
    tile: int | None = None,
    keep: Mask | None = None,
) -> Result:
    """Paint ``content`` in the blended manner of ``styles``.

    Regions (engine/regions.py): a painting with a ``mask`` is matched by guided Gram matrices
    under its mask only, the paintings without one share the rest, and ``keep`` raises the
    content weight where it is white and puts the photo's pixels back there (previews too).

    Levels larger than the memory budget (``settings.memory_budget_mb``, or the device's
    free memory) run in tiles (see :mod:`.tiles`); ``tile`` forces tiles of that size on
    every level larger than one tile (tests and benchmarks use it).

    Raises :class:`Cancelled` when ``cancel`` is set, and an :class:`EngineError` subclass
    (with a sentence for the user) for anything the user can fix, out-of-memory included.
    A run cancelled inside a tiled level first reports, as its last preview, the complete
    picture so far: the previous level upsampled with every finished tile pasted in.
    """
    check_paint_inputs(content, styles)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
    settings = settings.replace(seed=seed)
    device = resolve_device(settings.device)
    painter = _Painter(content, styles, settings, device, on_progress, cancel, preview_interval, keep)
    painter.force_tile = tile or 0
    try:
        return painter.run()
    except (Cancelled, EngineError):
        raise
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        size = painter.current_size
    # Only outside the except block does the traceback let go of the failed run's tensors,
    # so the memory can really be handed back before the next, smaller run.
    del painter
    gc.collect()
    release_memory(device)
    where = "the GPU" if device.type != "cpu" else "this computer"
    hint = "a smaller output size" + (" or the CPU" if device.type != "cpu" else "")
    raise OutOfMemory(
        f"{where.capitalize()} ran out of memory painting at {size[0]}x{size[1]} px; try {hint}."
    )


class _Painter:
    def __init__(
        self,
        content: RGB8,
        styles: Sequence[StyleImage],
        settings: Settings,
        device: torch.device,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        preview_interval: float,
        keep: Mask | None = None,
    ) -> None:
        self.content = content
        self.styles = list(styles)
        height, width = content.shape[:2]
        self.keep = None if keep is None else regions.fit_mask(keep, width, height)
        self.with_regions = keep is not None or any(st.mask is not None for st in self.styles)
        #: The photo and the keep mask at the level's size, for the composite (with ``keep``).
        self.level_photo: RGB8 = np.zeros((0, 0, 3), np.uint8)  # 8-bit: 3 bytes a pixel, not 12
        self.level_keep: Mask = np.zeros((0, 0), np.float32)
        self.settings = settings
        self.device = device
        self.on_progress = on_progress
        self.cancel = cancel
        self.preview_interval = preview_interval
        self.start = time.perf_counter()
        self.levels = planned_levels(settings, content.shape[1], content.shape[0])
        self.total = sum(level.steps for level in self.levels)
        self.current_size = (self.levels[0].width, self.levels[0].height)
        self.done = 0
        self.level_done = 0
        self.level_content: RGBF = np.zeros((0, 0, 3), np.float32)  # the photo at this level's size
        self.estimator = EtaEstimator(self.levels)
        self.last_preview = -math.inf
        self.terms: dict[str, float] = {}
        self.mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.generator = torch.Generator(device="cpu").manual_seed(settings.seed or 0)
        self.rng = np.random.default_rng(settings.seed)
        self.force_tile = 0
        self.tile_progress: TileProgress | None = None
        #: (part, parts) of a pass over a whole print-size picture or painting, while one runs:
        #: reported as stage "preparing" with the parts as its tiles (``Progress.tile``).
        self.statistics: tuple[int, int] | None = None
        self.warned_budget = False
        # Fixed for the run, so previews and the finished picture share one palette.
        self.chroma_limit = colour.result_chroma_limit(
            [st.image for st in self.styles if st.weight > 0], content, settings.keep_colors
        )

    # -- reporting -------------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def report(
        self,
        level: Level,
        stage: str,
        image: torch.Tensor | None = None,
        force: bool = False,
        preview: RGB8 | None = None,
    ) -> None:
        """Tell ``on_progress`` where the run is; ``image`` becomes the preview when one is due
        (or ``force``), unless the caller already has it converted (``preview``)."""
        if self.on_progress is None:
            return
        now = time.perf_counter()
        due = force or now - self.last_preview >= self.preview_interval
        if preview is None and image is not None and due:
            preview = self.pictures(image, with_float=False)[0]
            self.last_preview = now
        eta = self.estimator.remaining(now)
        level_eta = self.tile_progress.level_eta(now) if self.tile_progress else None
        if eta is not None and level_eta is not None:
            # The estimator hears of a tiled level once a sweep; between sweeps its figure
            # would run down to 0 while the level's own figure, from its visits, knows better.
            eta = max(eta, level_eta)
        elif level_eta is not None and level.index == len(self.levels) - 1:
            # A last level that is the first in tiles is too far from the measured ones for the
            # estimator to say anything; its own visits tell the rest of the run exactly.
            eta = level_eta
        if self.statistics is not None:
            # A pass over the whole picture: "preparing", its parts counted as the tiles.
            stage = "preparing"
            tile, tiles = self.statistics
        elif self.tile_progress is not None:
            tile, tiles = self.tile_progress.visit, self.tile_progress.visits
        else:
            tile = tiles = 0
        self.on_progress(
            Progress(
                stage=stage,  # type: ignore[arg-type]
                step=self.done,
                total=self.total,
                level=level.index + 1,
                levels=len(self.levels),
                size=(level.width, level.height),
                losses=dict(self.terms),
                elapsed=now - self.start,
                eta=eta,
                preview=preview,
                tile=tile,
                tiles=tiles,
                level_eta=level_eta,
            )
        )

    def report_statistics(self, level: Level, stage: str, part: int, parts: int) -> None:
        """A pass over a whole print-size picture takes minutes: say which part it is at."""
        self.statistics = (part, parts)
        self.report(level, stage)

    # -- image conversions -----------------------------------------------------------------

    def to_tensor(self, rgb: RGBF) -> torch.Tensor:
        """HxWx3 RGB 0..255 -> 1x3xHxW in Caffe's BGR, mean-subtracted space, on the device."""
        t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1])).to(self.device)
        return t.permute(2, 0, 1).unsqueeze(0) - self.mean

    def to_rgb(self, image: torch.Tensor, rows: slice = slice(None)) -> RGBF:
        """Back to HxWx3 RGB 0..255, with the photo's chroma put back in luminance mode and
        otherwise no more chroma than the paintings allow (``colour.result_chroma_limit``)
        (``rows`` of the picture: a strip, see :meth:`pictures`)."""
        bgr = (image.detach()[:, :, rows] + self.mean).clamp(0.0, 255.0)[0]
        rgb: RGBF = bgr.flip(0).permute(1, 2, 0).float().cpu().numpy()
        if self.settings.keep_colors == "luminance":
            rgb = colour.with_chroma_of(rgb, self.level_content[rows])
        else:
            rgb = colour.limit_chroma(rgb, self.chroma_limit)
        if self.keep is not None:
            rgb = regions.keep_photo(rgb, self.level_photo[rows].astype(np.float32), self.level_keep[rows])
        return rgb

    def pictures(self, image: torch.Tensor, *, with_float: bool) -> tuple[RGB8, RGBF | None]:
        """The picture as 8-bit RGB (and 0..1 float RGB), converted a strip of rows at a time.

        Converted whole, a print-size picture's float copies (the sum, the clamp, the flip,
        the rounding) would each take 12 bytes a pixel at once: 2 GB for 8192 px, more than
        a tiled level itself keeps. A strip's are a few megabytes.
        """
        height, width = image.shape[2], image.shape[3]
        out8: RGB8 = np.empty((height, width, 3), np.uint8)
        outf: RGBF | None = np.empty((height, width, 3), np.float32) if with_float else None
        for top in range(0, height, STRIP_ROWS):
            rows = slice(top, min(height, top + STRIP_ROWS))
            rgb = self.to_rgb(image, rows)
            out8[rows] = _to_uint8(rgb)
            if outf is not None:
                np.divide(rgb, np.float32(255.0), out=outf[rows])
        return out8, outf

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Result:
        s = self.settings
        first = self.levels[0]
        self.report(first, "loading")
        layers = {s.content_layer, *STYLE_LAYERS}
        # VGG19 computes in the run's precision; the picture, Gram matrices, losses and L-BFGS
        # stay float32 (engine/precision.py says why).
        model = get_model(self.device, s.pooling, deepest(layers), s.weights).in_precision(
            precision.choose(s.precision, self.device)
        )
        weights = Weights.from_artist(s.style_strength, s.keep_content, s.smoothness)
        image: torch.Tensor | None = None
        budget = memory.device_budget(self.device, s.memory_budget_mb)
        # The time model counts a tiled level's steps at their cost (as the window's estimate
        # before the run did); the estimator has heard of no event yet.
        cpu_threads = torch.get_num_threads() if self.device.type == "cpu" else 1
        self.levels = with_tiling(
            self.levels, lambda lv: self.tile_for(lv, budget, quiet=True) > 0, cpu_threads
        )
        self.estimator = EtaEstimator(self.levels)
        for level in self.levels:
            self.current_size = (level.width, level.height)
            self.level_done = 0
            self.check_cancel()
            self.estimator.level_started(level.index, time.perf_counter())
            self.report(level, "preparing")
            tile = self.tile_for(level, budget)
            # Only the fine levels' steps compute in reduced precision (precision.level_dtype); the
            # targets are float32, but a tiled level's stay with its tiles' (which compute the
            # photo's features tile by tile in the level's format).
            net = model.in_precision(
                precision.level_dtype(model.compute_dtype, level, precision_reference(self.levels, level))
            )
            targets, content_t = self.targets(net if tile else model.in_precision(torch.float32), level, tile)
            image = self.start_image(level, content_t) if image is None else _upsample(image, level)
            if self.settings.keep_colors != "luminance":
                self.level_content = np.zeros((0, 0, 3), np.float32)  # used up: 12 bytes a pixel
            if tile:
                image = self.optimise_tiled(net, level, image, targets, weights, content_t, tile)
            else:
                image = self.optimise(net, level, image, targets, weights)
            del targets, content_t
        assert image is not None
        last = self.levels[-1]
        # Converted once: at print size a conversion of the whole picture takes seconds.
        image8, image_float = self.pictures(image, with_float=True)
        assert image_float is not None
        self.report(last, "painting", preview=image8)
        return Result(
            image=image8,
            image_float=image_float,
            settings=s,
            device=describe_device(self.device),
            seconds=time.perf_counter() - self.start,
            seconds_per_unit=self.estimator.seconds_per_unit,
            steps=self.done,
            losses=dict(self.terms),
        )

    def tile_for(self, level: Level, budget: int, *, quiet: bool = False) -> int:
        """The tile side for this level, or 0 to run it whole (it fits the budget, or is one tile)."""
        if self.force_tile:
            tile = self.force_tile
        else:
            decided = memory.plan_level(level.width, level.height, budget, memory.in_use(self.device))
            if not quiet:
                log.info("Level %dx%d: %s", level.width, level.height, decided)
                if memory.overrun(decided.peak, budget) and not self.warned_budget:
                    # Even the smallest tiles need the full-size picture and photo: say so once.
                    self.warned_budget = True
                    log.warning(
                        "At %dx%d px even the smallest tiles need about %s, %s more than the "
                        "%s memory budget; painting anyway.",
                        level.width,
                        level.height,
                        memory.amount(decided.peak),
                        memory.amount(decided.peak - budget),
                        memory.amount(budget),
                    )
            tile = decided.tile if decided.tiled else 0
        return tile if tile and max(level.width, level.height) > tile else 0

    def targets(self, model: VGGFeatures, level: Level, tile: int = 0) -> tuple[Targets, torch.Tensor]:
        """The level's style (global Gram) targets and its photo; for a level in ``tile`` px
        tiles the paintings' Grams are summed over tiles too, and the photo's features are left
        to each tile, as neither pass would fit whole."""
        s = self.settings
        content_t = self.photo_at(level)
        content_rgb = self.level_content
        if s.keep_colors == "luminance":
            content_rgb = colour.luminance_rgb(content_rgb)
        style_side = style_side_for(max(level.width, level.height), s.brush_scale)
        with torch.no_grad():
            if not tile:
                content_features = model(content_t, [s.content_layer])[s.content_layer]
            else:
                content_features = torch.zeros((1, 1, 1, 1), device=self.device)
            per_style: list[dict[str, torch.Tensor]] = []
            for style in self.styles:
                if style.weight <= 0:
                    continue
                self.check_cancel()
                h, w = style.image.shape[:2]
                scale = style_side / max(w, h)
                rgb = _resize(
                    style.image.astype(np.float32), max(1, round(w * scale)), max(1, round(h * scale))
                )
                if s.keep_colors == "luminance":
                    rgb = colour.match_luminance(colour.luminance_rgb(rgb), content_rgb)
                elif s.keep_colors == "histogram":
                    rgb = colour.match_colour_statistics(rgb, content_rgb)
                if tile:
                    painting = self.to_tensor(rgb)
                    per_style.append(
                        tiled_grams(
                            model,
                            painting,
                            STYLE_LAYERS,
                            tile,
                            self.check_cancel,
                            lambda part, parts: self.report_statistics(level, "preparing", part, parts),
                        )
                    )
                    self.statistics = None
                else:
                    feats = model(self.to_tensor(rgb), STYLE_LAYERS)
                    per_style.append({k: gram(v) for k, v in feats.items()})
            used = [st for st in self.styles if st.weight > 0]
            grams = blend_grams(per_style, [st.weight for st in used])
        layer_weights = dict(zip(STYLE_LAYERS, s.style_layer_weights, strict=True))
        if not self.with_regions:
            return Targets.build(
                s.content_layer, content_features, grams, layer_weights, content_t
            ), content_t
        region_targets, keep = self.region_targets(level, used, per_style)
        targets = Targets.build(
            s.content_layer, content_features, grams, layer_weights, content_t, region_targets, keep
        )
        return targets, content_t

    def region_targets(
        self, level: Level, used: Sequence[StyleImage], per_style: Sequence[dict[str, torch.Tensor]]
    ) -> tuple[list[StyleTarget], torch.Tensor | None]:
        """The level's targets per region (regions.style_masks) and its keep mask, as tensors.

        A painting with a mask is its region's only painting, its weight scaling its style
        there; the paintings without one blend by their weights over the rest. A region's share
        is also its area, so the style term weighs as much in all as one painting's over the
        whole picture would.
        """
        w, h = level.width, level.height
        masks, rest = regions.style_masks([st.mask for st in used], self.keep, w, h)

        def tensor(mask: Mask) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(mask))[None, None].to(self.device)

        out = [
            StyleTarget.of(grams, tensor(mask), st.weight * float(mask.mean()))
            for st, grams, mask in zip(used, per_style, masks, strict=True)
            if mask is not None
        ]
        shared = [
            (st.weight, grams) for st, grams, mask in zip(used, per_style, masks, strict=True) if mask is None
        ]
        if shared and rest is not None:
            blend = blend_grams([g for _, g in shared], [wt for wt, _ in shared])
            out.append(StyleTarget.of(blend, tensor(rest), float(rest.mean())))
        if not out:  # every painting's region lies under the keep mask: no style anywhere
            out.append(StyleTarget.of(per_style[0], tensor(np.zeros((h, w), np.float32)), 0.0))
        keep = None
        if self.keep is not None:
            level_keep = regions.fit_mask(self.keep, w, h)
            keep = tensor(level_keep)
            self.level_keep = level_keep
            self.level_photo = fade.photo_at(self.content, w, h)
        return out, keep

    def photo_at(self, level: Level) -> torch.Tensor:
        """The photo at ``level``'s size as the network's input (BGR, mean subtracted), built
        in place: at print size each full-size copy is 12 bytes a pixel (0.5 GB at 8192 px),
        and this runs while the level below's picture is still held.

        The photo as float RGB (:attr:`level_content`) is kept only where something needs
        it: the previews' chroma (keep colours by luminance), the paintings' recolouring
        (luminance, histogram) and the instant picture of the first level.
        """
        s = self.settings
        photo = torch.from_numpy(self.content).permute(2, 0, 1).unsqueeze(0).float()
        t = F.interpolate(
            photo, size=(level.height, level.width), mode="bicubic", antialias=True, align_corners=False
        ).clamp_(0.0, 255.0)
        needs_rgb = s.keep_colors != "none" or (s.init == "instant" and level.index == 0)
        self.level_content = (
            t[0].permute(1, 2, 0).contiguous().numpy() if needs_rgb else np.zeros((0, 0, 3), np.float32)
        )
        if s.keep_colors == "luminance":
            del t
            return self.to_tensor(colour.luminance_rgb(self.level_content))
        red = t[:, 0].clone()  # RGB to BGR by swapping two planes, not copying all three
        t[:, 0] = t[:, 2]
        t[:, 2] = red
        del red
        return t.sub_(self.mean.cpu()).to(self.device)

    def start_image(self, level: Level, content_t: torch.Tensor) -> torch.Tensor:
        init = self.settings.init
        if init == "content":
            return content_t.clone()
        if init == "instant":
            # Imported here: the instant network loads only for runs that ask for it.
            from .instant.api import paint

            rgb = paint(
                self.level_content,
                self.styles,
                self.settings,
                self.device,
                cancel=self.cancel,
                keep=self.keep,
            )
            if self.settings.keep_colors == "luminance":
                rgb = colour.luminance_rgb(rgb)  # the optimiser paints the luma only
            return self.to_tensor(rgb)
        if init == "noise":
            noise = torch.rand((1, 3, level.height, level.width), generator=self.generator) * 255.0
            return noise.to(self.device) - self.mean
        # "style_colors": noise in the palette of the (blended) styles.
        palette = np.concatenate([st.image.reshape(-1, 3) for st in self.styles if st.weight > 0]).astype(
            np.float32
        )
        if self.settings.keep_colors == "luminance":
            palette = colour.luminance_rgb(palette[None])[0]
        noise_rgb = colour.colour_noise(palette, (level.height, level.width), self.rng)
        return self.to_tensor(noise_rgb)

    def optimise(
        self, model: VGGFeatures, level: Level, image: torch.Tensor, targets: Targets, weights: Weights
    ) -> torch.Tensor:
        s = self.settings
        image = image.detach().contiguous().clone().requires_grad_(True)
        optimizer: torch.optim.Optimizer
        if s.optimizer == "lbfgs":
            optimizer = torch.optim.LBFGS(
                [image], lr=1.0, max_iter=1, history_size=50, tolerance_grad=0.0, tolerance_change=0.0
            )
        else:
            optimizer = torch.optim.Adam([image], lr=s.learning_rate)
        wanted = sorted(targets.layers)
        low, high = -self.mean, 255.0 - self.mean

        def closure() -> torch.Tensor:
            self.check_cancel()
            optimizer.zero_grad(set_to_none=True)
            feats = model(image, wanted, poll=self.check_cancel)
            loss, terms = total_loss(image, feats, targets, weights)
            # The normalised loss spreads over every pixel, so its gradient per pixel shrinks as
            # 1/pixels; L-BFGS then skips its curvature updates (y.s < 1e-10) and crawls. Scaling
            # by the pixel count keeps per-pixel gradients the same at every size.
            (loss * level.pixels).backward()  # type: ignore[no-untyped-call]
            self.terms = {k: float(v.detach()) for k, v in terms.items()} | {"total": float(loss.detach())}
            return loss

        for _ in range(level.steps):
            optimizer.step(closure)  # type: ignore[no-untyped-call]
            if s.optimizer == "adam":
                with torch.no_grad():
                    image.copy_(torch.maximum(torch.minimum(image, high), low))
            self.done += 1
            self.level_done += 1
            self.estimator.step_done(level.index, time.perf_counter())
            self.report(level, "painting", image)
        with torch.no_grad():
            return torch.maximum(torch.minimum(image.detach(), high), low)

    def optimise_tiled(
        self,
        model: VGGFeatures,
        level: Level,
        image: torch.Tensor,
        targets: Targets,
        weights: Weights,
        content_t: torch.Tensor,
        tile: int,
    ) -> torch.Tensor:
        """The level in tiles (:mod:`.tiles`); ``self.done`` advances a sweep at a time.

        A cancel keeps the last complete picture: the level's start (the level below,
        upsampled) or the canvas after its last finished sweep. A sweep half done is not
        one: its first tiles carry the whole picture's statistics error alone (each tile's
        loss is the whole picture's Gram matrices), so a tile painted on the instant picture
        came out green-tinted with a hard edge (issue 18, flow 3). Kept as 8-bit, which is
        also the level's first preview: 31 MB at 4096 px, and Stop answers at once instead
        of converting the canvas after the cancel.
        """
        s = self.settings
        # Painted in place: the caller's upsampled picture is not used again, and a copy would
        # cost a full-size array at the largest level.
        canvas = image.detach().contiguous()
        del image
        kept, _ = self.pictures(canvas, with_float=False)
        self.report(level, "preparing", preview=kept)
        stage = "preparing"  # until the first visit: the passes over the whole picture
        worker = TiledLevel(
            model,
            targets,
            weights,
            content_t,
            tile,
            optimizer=s.optimizer,
            learning_rate=s.learning_rate,
            bounds=(-self.mean, 255.0 - self.mean),
            poll=self.check_cancel,
            on_statistics=lambda part, parts: self.report_statistics(level, stage, part, parts),
        )

        def on_visit(progress: TileProgress) -> None:
            nonlocal stage
            stage = "painting"
            self.statistics = None
            self.tile_progress = progress
            self.report(level, "painting")

        def on_tile_done(progress: TileProgress, picture: torch.Tensor) -> None:
            self.tile_progress = progress
            self.terms = dict(worker.terms)
            self.report(level, "painting", picture)

        def on_sweep_done(steps: int) -> None:
            nonlocal kept
            self.done += steps
            self.level_done += steps
            self.estimator.step_done(level.index, time.perf_counter(), steps)
            if self.done < sum(lv.steps for lv in self.levels[: level.index + 1]):
                kept, _ = self.pictures(canvas, with_float=False)  # another sweep follows

        try:
            worker.run(
                canvas, level.steps, on_visit=on_visit, on_tile_done=on_tile_done, on_sweep_done=on_sweep_done
            )
        except Cancelled:
            self.statistics = None
            self.report(level, "painting", preview=kept, force=True)
            raise
        finally:
            self.tile_progress = None
            self.statistics = None
        self.terms = dict(worker.terms)  # the whole picture's, measured after the last sweep
        return canvas


def precision_reference(levels: Sequence[Level], level: Level) -> Level:
    """The level against which ``level`` counts as coarse (``precision.level_dtype``): the last
    one, except for a print's whole levels, which are judged against the last whole level.

    Judged against 4096 px, every whole level of a print (up to 1474 px) counted as coarse and
    computed in float32: 5.8 s of CPU a step at 724 px against 3.3 s in bfloat16 (one core of
    this EPYC), 13 of a print's 26 min of CPU. Against the 1024 px level they are computed as a
    1024 px picture's are, which is how the composition rule was measured.
    """
    last = levels[-1]
    if max(last.width, last.height) <= REFINE_ABOVE:
        return last
    whole = [lv for lv in levels if max(lv.width, lv.height) <= PRINT_WHOLE * 1.05]
    if not whole or whole[-1].index == last.index or level.index > whole[-1].index:
        return last
    return whole[-1]


def _resize(rgb: RGBF, width: int, height: int) -> RGBF:
    """Antialiased bicubic resize of an HxWx3 float image (shrinking or enlarging)."""
    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    t = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).unsqueeze(0)
    out = F.interpolate(t, size=(height, width), mode="bicubic", antialias=True, align_corners=False)
    result: RGBF = out[0].permute(1, 2, 0).clamp(0.0, 255.0).contiguous().numpy()
    return result


def _upsample(image: torch.Tensor, level: Level) -> torch.Tensor:
    return F.interpolate(
        image.detach(), size=(level.height, level.width), mode="bicubic", align_corners=False
    )


def _to_uint8(rgb: RGBF) -> RGB8:
    out: RGB8 = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return out
