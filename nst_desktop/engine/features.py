"""VGG19 cut after the deepest layer a run needs, returning the activations the losses read."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable

import torch
from torch import nn

from . import precision
from .settings import Pooling
from .weights import CONV_LAYERS, ConvWeights

#: Layer names in network order: conv/relu pairs and a pool after each block.
LAYER_NAMES: tuple[str, ...] = tuple(
    name
    for conv, _, _, _ in CONV_LAYERS
    for name in (
        (conv, "relu" + conv[4:])
        + ((f"pool{conv[4]}",) if conv in ("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4") else ())
    )
)


log = logging.getLogger(__name__)

#: Layers (in :data:`LAYER_NAMES` order) that compute in float32 whatever the precision: the
#: first convolution, which reads the picture itself (see :meth:`VGGFeatures._forward`). Keeping
#: all of block 1 in float32 too (4) changed nothing measurable (benchmarks/README.md).
FULL_PRECISION_LAYERS = 1


class VGGFeatures(nn.Module):
    """The truncated network; weights are frozen buffers-in-spirit (``requires_grad=False``).

    ``compute_dtype`` is the format its convolutions run in (see :mod:`.precision`); the
    activations it returns are float32 whatever it is, so Gram matrices and losses never are.
    """

    def __init__(self, weights: ConvWeights, last_layer: str, pooling: Pooling = "max") -> None:
        super().__init__()
        if last_layer not in LAYER_NAMES:
            raise ValueError(f"unknown VGG19 layer {last_layer!r}")
        self.names: list[str] = list(LAYER_NAMES[: LAYER_NAMES.index(last_layer) + 1])
        layers: list[nn.Module] = []
        for name in self.names:
            if name.startswith("conv"):
                weight, bias = weights[name]
                conv = nn.Conv2d(weight.shape[1], weight.shape[0], kernel_size=3, padding=1)
                with torch.no_grad():
                    conv.weight.copy_(weight)
                    assert conv.bias is not None
                    conv.bias.copy_(bias)
                layers.append(conv)
            elif name.startswith("relu"):
                # In place is safe: a conv's backward needs its input, not its output.
                layers.append(nn.ReLU(inplace=True))
            elif pooling == "max":
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            else:
                layers.append(nn.AvgPool2d(2, 2, ceil_mode=True))
        self.layers = nn.ModuleList(layers)
        self.requires_grad_(False)
        self.eval()
        self.channels_last = False
        self.compute_dtype = torch.float32

    def in_precision(self, dtype: torch.dtype) -> VGGFeatures:
        """This network computing in ``dtype``, sharing its weights (no second copy in memory).

        A shallow copy shares the layers (``_modules``) but has its own ``compute_dtype``, so
        runs at different precisions can use the one cached network side by side.
        """
        if dtype == self.compute_dtype:
            return self
        view = copy.copy(self)
        view.compute_dtype = dtype
        return view

    def place(self, device: torch.device) -> VGGFeatures:
        """Move to ``device`` in the memory layout its convolutions run fastest in.

        Channels-last (NHWC) makes oneDNN's CPU convolutions about 1.5x faster here and suits
        cuDNN; Apple's MPS gains nothing from it, so it keeps the default layout.
        """
        self.channels_last = device.type in ("cpu", "cuda")
        self.to(device)
        if self.channels_last:
            self.to(memory_format=torch.channels_last)
        return self

    def forward(
        self, x: torch.Tensor, wanted: Iterable[str], poll: Callable[[], None] | None = None
    ) -> dict[str, torch.Tensor]:
        """Activations of the ``wanted`` layers.

        ``poll`` is called between layers, forwards and (through gradient hooks) backwards,
        so a cancel request raised from it interrupts even a multi-second evaluation of a
        large picture instead of waiting for it to end.
        """
        wanted = set(wanted)
        if self.compute_dtype == torch.float32:
            return self._forward(x, wanted, poll, torch.float32)
        out = {
            name: value.float()
            for name, value in self._forward(x, wanted, poll, self.compute_dtype).items()
        }
        if self.compute_dtype == torch.float16 and not precision.finite(out.values()):
            # float16 tops out at 65504 and VGG19's raw activations can pass it on bright,
            # busy pictures: this network computes in float32 from now on (said once).
            log.warning("float16 overflowed in VGG19; computing in float32 from now on.")
            self.compute_dtype = torch.float32
            return self._forward(x, wanted, poll, torch.float32)
        return out

    def _forward(
        self, x: torch.Tensor, wanted: set[str], poll: Callable[[], None] | None, dtype: torch.dtype
    ) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        if self.channels_last:
            # The caller's image stays NCHW (L-BFGS needs a flat view of its gradient).
            x = x.contiguous(memory_format=torch.channels_last)
        for index, (name, layer) in enumerate(zip(self.names, self.layers, strict=True)):
            if poll is not None and name.startswith("conv"):
                poll()
                if x.requires_grad:
                    x.register_hook(_polling_hook(poll))  # type: ignore[no-untyped-call]
            # The first convolution reads the picture itself and stays float32: rounded to
            # bfloat16 (a step of 1 of 255 near the extremes), the picture's small L-BFGS
            # updates would not change the loss, and the optimiser wandered (measured at 64 px,
            # 30 steps: loss 16 % above float32's, roughness 1.8x; 0.4 % and 1 % with this
            # layer in float32, which costs under 1 % of the network's work).
            if index < FULL_PRECISION_LAYERS and dtype != torch.float32:
                with precision.full_precision(x.device):
                    x = layer(x.float())
            else:
                with precision.autocast(x.device, dtype):
                    x = layer(x)
            if name in wanted:
                out[name] = x
                if len(out) == len(wanted):
                    break
        return out


def deepest(layers: Iterable[str]) -> str:
    return max(layers, key=LAYER_NAMES.index)


def _polling_hook(poll: Callable[[], None]) -> Callable[[torch.Tensor], None]:
    def hook(grad: torch.Tensor) -> None:
        poll()

    return hook
