"""VGG19 cut after the deepest layer a run needs, returning the activations the losses read."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

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


class VGGFeatures(nn.Module):
    """The truncated network; weights are frozen buffers-in-spirit (``requires_grad=False``)."""

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
        out: dict[str, torch.Tensor] = {}
        if self.channels_last:
            # The caller's image stays NCHW (L-BFGS needs a flat view of its gradient).
            x = x.contiguous(memory_format=torch.channels_last)
        for name, layer in zip(self.names, self.layers, strict=True):
            if poll is not None and name.startswith("conv"):
                poll()
                if x.requires_grad:
                    x.register_hook(_polling_hook(poll))  # type: ignore[no-untyped-call]
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
