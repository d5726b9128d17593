"""Train a fast style: a feed-forward network that paints like the given paintings in one pass.

Johnson et al. 2016's recipe with this engine's own normalised perceptual terms on the
original VGG19 (so ``style_strength``, ``keep_content`` and ``smoothness`` mean what they mean
for the optimiser): random crops of the artist's photos, batches, Adam. A plain function with
a progress callback and a cancel token like ``stylize()``. It runs for a number of steps or,
with ``seconds``, for a time whatever a step costs on this computer (engine/fast/budget.py).
It saves a checkpoint beside the output every ``checkpoint_seconds`` and when cancelled, so a
stopped or crashed training resumes where it was (``resume=True``), its time budget included,
and loses at most the steps since the last one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch
from torch import nn

from .. import precision
from ..devices import describe_device, resolve_device
from ..errors import Cancelled, SettingsError
from ..features import VGGFeatures
from ..losses import Weights, blend_grams, gram
from ..run import _resize, get_model
from ..schedule import style_side_for
from ..settings import CONTENT_LAYERS, STYLE_LAYERS, PrecisionChoice
from ..types import RGB8, CancelToken, Progress, StyleImage
from ..weights import CAFFE_MEAN_BGR
from .apply import apply_fast_style
from .budget import MAX_SECONDS, STEP_CAP, Budget
from .checkpoint import Resumed, checkpoint_path, load_checkpoint, save_checkpoint
from .loss_history import LossHistory
from .network import DEFAULT_BLOCKS, DEFAULT_WIDTH, TransformerNet
from .photos import PhotoSet, load_photos, random_crops
from .quality import Quality, measure_style, side_for
from .style_file import NETWORK_KINDS, FastStyle, NetworkKind, make_thumbnail, write_fast_style
from .tuned import TunedTransformer, starting_painter

ProgressCallback = Callable[[Progress], None]

_EPS: Final = 1e-8
_PREVIEW_SIDE: Final = 256


@dataclass(frozen=True)
class TrainSettings:
    """How a fast style is trained.

    ``content_layer`` is relu4_2, the optimiser's, rather than Johnson et al.'s relu2_2: the
    artist controls then mean what they mean for the optimiser, and the network learns the very
    content term the shared quality measure scores. Measured on the built-in recipe: with relu2_2
    at ``keep_content=1`` the relative content error was still 0.93 after 300 steps and the
    pictures were blurred blobs with the photo lost; relu2_2 would need its own calibration.

    With ``seconds`` the training runs for that much time (``Budget``) and ``steps`` is only a
    cap: give :data:`STEP_CAP` for a training bounded by its time alone.
    """

    size: int = 256
    steps: int = 2000
    seconds: float | None = None
    network: NetworkKind = "instant"
    batch: int = 4
    seed: int | None = None
    device: str = "auto"
    style_strength: float = 1.0
    keep_content: float = 1.0
    smoothness: float = 1.0
    brush_scale: float = 1.0
    learning_rate: float = 1e-3
    width: int = DEFAULT_WIDTH
    content_layer: str = "relu4_2"
    precision: PrecisionChoice = "auto"
    checkpoint_seconds: float = 60.0
    measure: bool = True

    def __post_init__(self) -> None:
        _int("size", self.size, 32, 1024)
        _int("steps", self.steps, 1, STEP_CAP)
        if self.seconds is not None:
            value = self.seconds
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise SettingsError("The training time must be a number of seconds.")
            if not 1.0 <= value <= MAX_SECONDS:
                days = MAX_SECONDS / 86400
                raise SettingsError(f"The training time must be between 1 second and {days:g} days.")
        _int("batch", self.batch, 1, 64)
        _int("width", self.width, 4, 128)
        if self.seed is not None:
            _int("seed", self.seed, 0, 2**63 - 1)
        for name, low, high in (
            ("style_strength", 0.0, 100.0),
            ("keep_content", 0.0, 100.0),
            ("smoothness", 0.0, 100.0),
            ("brush_scale", 0.1, 8.0),
            ("learning_rate", 1e-6, 1.0),
            ("checkpoint_seconds", 1.0, 86400.0),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise SettingsError(f"The training setting {name} must be a number.")
            if not low <= value <= high:
                raise SettingsError(f"The training setting {name} must be between {low:g} and {high:g}.")
        if self.device not in ("auto", "cpu", "cuda", "mps"):
            raise SettingsError("The training device must be one of auto, cpu, cuda, mps.")
        if self.content_layer not in CONTENT_LAYERS:
            raise SettingsError(f"The content layer must be one of {', '.join(CONTENT_LAYERS)}.")
        if self.precision not in precision.CHOICES:
            raise SettingsError(f"The precision must be one of {', '.join(precision.CHOICES)}.")
        if self.network not in NETWORK_KINDS:
            raise SettingsError(f"The network must be one of {', '.join(NETWORK_KINDS)}.")

    def replace(self, **changes: Any) -> TrainSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrainResult:
    """A written fast style. ``seconds`` and ``steps`` are this session's; ``trained_seconds``
    and ``trained_steps`` the whole training's, sessions before a resumption included."""

    output: Path
    seconds: float
    steps: int
    device: str
    losses: Mapping[str, float] = field(default_factory=dict)
    skipped: int = 0
    resumed_from: int = 0
    trained_seconds: float = 0.0
    trained_steps: int = 0
    seconds_per_step: float | None = None
    """The median wall time of this session's recent steps; ``None`` when it ran none."""
    quality: Quality | None = None
    """How the style measured on the held-back photo (``None`` when not measured)."""


def train_fast_style(
    paintings: Sequence[StyleImage],
    photos: Path,
    output: Path,
    settings: TrainSettings,
    *,
    name: str = "",
    resume: bool = False,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    preview_interval: float = 2.0,
    clock: Callable[[], float] = time.perf_counter,
) -> TrainResult:
    """Train a fast style from ``paintings`` on the photos under ``photos``; write ``output``.

    Raises :class:`Cancelled` (after saving a checkpoint) when ``cancel`` is set, and
    :class:`FastStyleError` / :class:`SettingsError` sentences for what the artist can fix.
    ``clock`` measures the training time a time budget spends (tests drive their own).
    """
    output = Path(output)
    trainer = _Trainer(
        paintings, Path(photos), output, settings, name, on_progress, cancel, preview_interval, clock
    )
    return trainer.run(resume)


class _Trainer:
    def __init__(
        self,
        paintings: Sequence[StyleImage],
        photos: Path,
        output: Path,
        settings: TrainSettings,
        name: str,
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        preview_interval: float,
        clock: Callable[[], float],
    ) -> None:
        used = [p for p in paintings if p.weight > 0]
        if not used:
            raise SettingsError("Add at least one painting with a blend weight above zero.")
        if not all(math.isfinite(p.weight) for p in paintings) or not math.isfinite(
            sum(p.weight for p in used)
        ):
            raise SettingsError("Each painting's blend weight must be a finite number.")
        self.paintings = used
        self.photos_dir = photos
        self.output = output
        self.seed = settings.seed if settings.seed is not None else secrets.randbelow(2**31)
        self.settings = settings.replace(seed=self.seed)
        self.name = name.strip()[:80] or output.stem[:80] or "Untitled"
        self.on_progress = on_progress
        self.cancel = cancel
        self.preview_interval = preview_interval
        self.device = resolve_device(settings.device)
        self.clock = clock
        self.budget = Budget(steps=settings.steps, seconds=settings.seconds, clock=clock)
        self.last_preview = -math.inf
        self.losses: dict[str, float] = {}
        self.history = LossHistory()
        """The curve so far, kept in the checkpoint so it survives a restart of the app."""
        self.unsent_history: tuple[tuple[int, Mapping[str, float]], ...] = ()
        """A resumed training's curve before this session, for the next report to carry."""
        self.mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)
        # The policy of engine/precision.py: bfloat16 where the processor or GPU computes it
        # natively (AMX/AVX-512 BF16, Ampere on), float16 with a loss scaler on older NVIDIA
        # GPUs and Apple's, float32 elsewhere.
        self.dtype = precision.choose(settings.precision, self.device)
        self.scaler = precision.grad_scaler(self.device, self.dtype)

    # -- helpers -----------------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        return precision.autocast(self.device, self.dtype)

    def to_vgg(self, rgb01: torch.Tensor) -> torch.Tensor:
        """Nx3xHxW RGB 0..1 -> the Caffe BGR, mean-subtracted space VGG19 was trained on."""
        return rgb01.flip(1) * 255.0 - self.mean

    def report(self, step: int, net: nn.Module | None, photos: PhotoSet | None, stage: str) -> None:
        if self.on_progress is None:
            return
        now = time.perf_counter()
        preview = None
        if net is not None and photos is not None and now - self.last_preview >= self.preview_interval:
            preview = self.preview(net, photos.preview)
            self.last_preview = time.perf_counter()
        budget = self.budget
        s = self.settings.size
        self.on_progress(
            Progress(
                stage=stage,  # type: ignore[arg-type]
                step=step,
                total=budget.total(step),
                level=1,
                levels=1,
                size=(s, s),
                losses=dict(self.losses),
                elapsed=budget.elapsed,
                eta=budget.eta(step) if stage == "training" else None,
                preview=preview,
                budget_used=budget.fraction(step) if budget.seconds is not None else None,
                preview_of=photos.preview_name if preview is not None and photos is not None else None,
                history=self.unsent_history,
            )
        )
        self.unsent_history = ()

    def preview(self, net: nn.Module, photo: RGB8) -> RGB8:
        h, w = photo.shape[:2]
        scale = min(1.0, _PREVIEW_SIDE / max(h, w))
        ph, pw = max(4, round(h * scale) // 4 * 4), max(4, round(w * scale) // 4 * 4)
        small = _resize(photo.astype(np.float32), pw, ph) / 255.0
        x = torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1).unsqueeze(0).to(self.device)
        with torch.no_grad():
            y = net(x).clamp(0.0, 1.0)[0].permute(1, 2, 0).float().cpu().numpy()
        out: RGB8 = np.clip(np.rint(y * 255.0), 0, 255).astype(np.uint8)
        return out

    # -- the run -----------------------------------------------------------------------------

    def run(self, resume: bool) -> TrainResult:
        s = self.settings
        self.report(0, None, None, "loading")
        photos = load_photos(self.photos_dir, long_side=2 * s.size)
        self.check_cancel()
        model = get_model(self.device, "max", "relu5_1").in_precision(self.dtype)
        self.report(0, None, None, "preparing")
        targets = self.style_targets(model)
        self.check_cancel()
        torch.manual_seed(self.seed)
        net = self.start_network()
        if self.device.type in ("cpu", "cuda"):
            net = net.to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(net.parameters(), lr=s.learning_rate)
        recipe = self.recipe(photos)
        ckpt = checkpoint_path(self.output)
        earlier = Resumed(0, 0.0)
        if resume:
            earlier = load_checkpoint(ckpt, recipe, net, optimizer, self.device, s.steps, self.output.name)
        first = earlier.step
        if earlier.history is not None:
            self.history = earlier.history
            self.unsent_history = earlier.history.points()
        budget = self.budget
        budget.spent = earlier.seconds
        weights = Weights.from_artist(s.style_strength, s.keep_content, s.smoothness)
        last_save = time.perf_counter()
        step = first
        budget.lap()
        try:
            while not budget.done(step):
                self.check_cancel()
                rng = np.random.default_rng([self.seed, step])
                batch = torch.from_numpy(random_crops(photos.train, s.size, s.batch, rng)).to(self.device)
                if self.device.type in ("cpu", "cuda"):
                    batch = batch.contiguous(memory_format=torch.channels_last)
                optimizer.zero_grad(set_to_none=True)
                loss = self.loss(model, net, batch, targets, weights)
                # The scaler is a pass-through except for float16 (see precision.grad_scaler).
                self.scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
                self.scaler.step(optimizer)
                self.scaler.update()
                step += 1
                budget.lap()
                self.history.add(step, self.losses)
                if time.perf_counter() - last_save >= s.checkpoint_seconds:
                    save_checkpoint(ckpt, recipe, net, optimizer, step, budget.elapsed, self.history)
                    last_save = time.perf_counter()
                self.report(step, net, photos, "training")
        except Cancelled:
            if step > first:
                save_checkpoint(ckpt, recipe, net, optimizer, step, budget.elapsed, self.history)
            raise
        if budget.seconds is not None:
            # The last step's report still estimated more to come; say it is the last.
            self.report(step, None, None, "training")
        style = self.style(net, recipe)
        quality = None
        if s.measure:
            self.report(step, None, None, "measuring")
            try:
                quality = self.measure(style, photos)
            except Cancelled:
                # The training is done: a stop while measuring must not lose it.
                save_checkpoint(ckpt, recipe, net, optimizer, step, budget.elapsed, self.history)
                raise
        style = dataclasses.replace(
            style,
            training=dict(style.training)
            | {
                "seconds": round(budget.elapsed, 1),
                "trained_steps": step,
                "device": describe_device(self.device),
                "final_losses": {k: round(v, 5) for k, v in self.losses.items()},
            }
            | ({"quality": quality.to_dict()} if quality is not None else {}),
        )
        self.check_cancel()
        write_fast_style(self.output, style)
        with contextlib.suppress(OSError):
            ckpt.unlink()
        # One reading of the clock: this session's time and the total must agree when the
        # training ran in one go.
        elapsed = budget.elapsed
        return TrainResult(
            output=self.output,
            seconds=elapsed - budget.spent,
            steps=step - first,
            device=describe_device(self.device),
            losses=dict(self.losses),
            skipped=photos.skipped,
            resumed_from=first,
            trained_seconds=elapsed,
            trained_steps=step,
            seconds_per_step=budget.seconds_per_step,
            quality=quality,
        )

    def start_network(self) -> nn.Module:
        """The network training starts from: the instant model's transformer with the
        paintings' vector (the ``instant`` kind), or Johnson et al.'s from scratch."""
        s = self.settings
        if s.network == "instant":
            return starting_painter(self.paintings, self.device)
        return TransformerNet(s.width, DEFAULT_BLOCKS).to(self.device)

    def style(self, net: nn.Module, recipe: Mapping[str, Any]) -> FastStyle:
        """The trained network as a style (its weights copied to the CPU)."""
        s = self.settings
        common: dict[str, Any] = {"name": self.name, "thumbnail": self.thumbnail(), "training": recipe}
        if isinstance(net, TunedTransformer):
            state = {k: v.detach().cpu() for k, v in net.transformer.state_dict().items()}
            return FastStyle(state=state, kind="instant", vector=net.style_vector().cpu(), **common)
        state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        return FastStyle(state=state, width=s.width, blocks=DEFAULT_BLOCKS, kind="johnson", **common)

    def measure(self, style: FastStyle, photos: PhotoSet) -> Quality:
        """The style beside the instant picture and short optimiser runs on the held-back photo."""
        from ..settings import Settings

        device = self.settings.device
        settings = Settings(device=device, precision="float32")  # type: ignore[arg-type]

        def picture_of(photo: RGB8) -> RGB8:
            return apply_fast_style(photo, style, settings, cancel=self.cancel).image

        return measure_style(
            picture_of,
            photos.preview,
            photos.preview_name,
            self.paintings,
            device,  # type: ignore[arg-type]
            cancel=self.cancel,
            side=side_for(self.settings.size),
        )

    def style_targets(self, model: VGGFeatures) -> dict[str, torch.Tensor]:
        s = self.settings
        side = style_side_for(s.size, s.brush_scale)
        per_style = []
        with torch.no_grad():
            for painting in self.paintings:
                h, w = painting.image.shape[:2]
                scale = side / max(h, w)
                size = (max(1, round(w * scale)), max(1, round(h * scale)))
                rgb = _resize(painting.image.astype(np.float32), *size)
                t = torch.from_numpy(np.ascontiguousarray(rgb / 255.0)).permute(2, 0, 1).unsqueeze(0)
                feats = model(self.to_vgg(t.to(self.device)), STYLE_LAYERS)
                per_style.append({k: gram(v) for k, v in feats.items()})
        return blend_grams(per_style, [p.weight for p in self.paintings])

    def loss(
        self,
        model: VGGFeatures,
        net: nn.Module,
        batch: torch.Tensor,
        targets: Mapping[str, torch.Tensor],
        weights: Weights,
    ) -> torch.Tensor:
        s = self.settings
        wanted = [*STYLE_LAYERS, s.content_layer]
        with self.autocast():
            out = net(batch)
            with torch.no_grad():
                content = model(self.to_vgg(batch), [s.content_layer])[s.content_layer].float()
            feats = model(self.to_vgg(out), wanted, poll=self.check_cancel)
        style = torch.zeros((), device=self.device)
        for layer in STYLE_LAYERS:
            g = _batch_gram(feats[layer].float())
            target = targets[layer]
            style = style + ((g - target).pow(2).sum((1, 2)) / (target.pow(2).sum() + _EPS)).mean()
        style = style / len(STYLE_LAYERS)
        f = feats[s.content_layer].float()
        content_err = ((f - content).pow(2).sum((1, 2, 3)) / (content.pow(2).sum((1, 2, 3)) + _EPS)).mean()
        out255 = out.float() * 255.0
        ref = torch.clamp(_roughness(batch * 255.0), min=25.0)
        tv = (_roughness(out255) / ref).mean()
        # Pixels outside 0..1 cannot be shown; a soft penalty keeps the network inside.
        spill = (out.float() - out.float().clamp(0.0, 1.0)).pow(2).mean()
        total: torch.Tensor = weights.style * style + weights.content * content_err + weights.tv * tv + spill
        self.losses = {
            "style": float(style.detach()),
            "content": float(content_err.detach()),
            "tv": float(tv.detach()),
            "total": float(total.detach()),
        }
        return total

    def recipe(self, photos: PhotoSet) -> dict[str, Any]:
        """What makes this training this training: a checkpoint only resumes the same one."""
        digest = hashlib.sha256()
        for p in self.paintings:
            digest.update(np.ascontiguousarray(p.image).tobytes()[:: max(1, p.image.size // 65536)])
            digest.update(repr(p.weight).encode())
        return {
            "settings": self.settings.to_dict(),
            "paintings": [{"name": p.name[:200], "weight": p.weight} for p in self.paintings],
            "paintings_sha256": digest.hexdigest(),
            "photos": len(photos.train),
            "photos_sha256": hashlib.sha256("\n".join(photos.names).encode()).hexdigest(),
            "preview_photo": photos.preview_name[:200],
            "skipped_photos": photos.skipped,
            "loss": "nst-desktop normalised Gram/content/TV on the original VGG19",
        }

    def thumbnail(self) -> RGB8:
        first = max(self.paintings, key=lambda p: p.weight)
        return make_thumbnail(first.image)


def _batch_gram(features: torch.Tensor) -> torch.Tensor:
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    out: torch.Tensor = flat @ flat.transpose(1, 2) / (h * w)
    return out


def _roughness(image: torch.Tensor) -> torch.Tensor:
    """Per-image mean squared difference between neighbouring pixels."""
    dx = image[..., :, 1:] - image[..., :, :-1]
    dy = image[..., 1:, :] - image[..., :-1, :]
    return dx.pow(2).mean((1, 2, 3)) + dy.pow(2).mean((1, 2, 3))


def _int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"The training setting {name} must be a whole number.")
    if not low <= value <= high:
        raise SettingsError(f"The training setting {name} must be between {low} and {high}.")

