"""The two networks of Ghiasi et al. (2017), rebuilt op for op from the released graphs.

* :class:`StylePredictor`: MobileNetV2 (width 1.0, ReLU6, batch norm folded into the
  convolutions) whose globally averaged 1280 features a 1x1 convolution turns into the
  100-number style vector. Input RGB in 0..1.
* :class:`StyleTransformer`: three contracting convolutions (9x9, 3x3/2, 3x3/2, ReLU), five
  residual blocks and three expanding ones (nearest 2x upsampling, 3x3, 3x3, 9x9) whose
  instance norms take their scale and shift from the style vector (conditional instance
  normalisation), ending in a sigmoid. Input and output RGB in 0..1.

Details that matter for equal pixels: the transformer pads by reflection (TensorFlow's
``MirrorPad`` with VALID convolutions), the predictor by zeros with TensorFlow's SAME rule
(the extra row and column of a stride-2 layer go after, not before), the instance norm's
variance is the biased one with epsilon 1e-5 inside the square root, and the contracting
layers have no norm (theirs was folded into the bias). The graphs quantised activations to
8 bits; we do not: the network was trained in float and runs in float here.

The transformer's style norms can freeze their statistics (engine/conv_tiles.py, shared with
fast styles), so a large picture runs in tiles that all normalise with the whole picture's
numbers instead of each with its own (which would give every tile its own tone).
"""

from __future__ import annotations

import math
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from ..conv_tiles import SharedStatistics, Stage

STYLE_DIM = 100
EPSILON = 1e-5

#: MobileNetV2 blocks: (expansion, output channels, stride). Block 0 has no expansion layer.
_BLOCKS = (
    (1, 16, 1),
    (6, 24, 2), (6, 24, 1),
    (6, 32, 2), (6, 32, 1), (6, 32, 1),
    (6, 64, 2), (6, 64, 1), (6, 64, 1), (6, 64, 1),
    (6, 96, 1), (6, 96, 1), (6, 96, 1),
    (6, 160, 2), (6, 160, 1), (6, 160, 1),
    (6, 320, 1),
)  # fmt: skip


def _same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's SAME zero padding: any odd extra row/column goes to the bottom/right."""
    padding = []
    for size in (x.shape[-1], x.shape[-2]):  # F.pad wants the last dimension first
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + kernel - size, 0)
        padding += [total // 2, total - total // 2]
    return F.pad(x, padding)


class _SameConv(nn.Conv2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        out: torch.Tensor = F.relu6(super().forward(_same_pad(x, k, s)))
        return out


class _InvertedResidual(nn.Module):
    def __init__(self, c_in: int, expansion: int, c_out: int, stride: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        self.expand = nn.Conv2d(c_in, hidden, 1) if expansion != 1 else None
        self.depthwise = _SameConv(hidden, hidden, 3, stride=stride, groups=hidden)
        self.project = nn.Conv2d(hidden, c_out, 1)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self.expand(x)) if self.expand is not None else x
        y = self.project(self.depthwise(y))
        out: torch.Tensor = x + y if self.residual else y
        return out


class StylePredictor(nn.Module):
    """RGB 0..1 (N x 3 x H x W, trained at 256x256) -> style vectors (N x 100)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = _SameConv(3, 32, 3, stride=2)
        blocks = []
        c_in = 32
        for expansion, c_out, stride in _BLOCKS:
            blocks.append(_InvertedResidual(c_in, expansion, c_out, stride))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(c_in, 1280, 1)
        self.bottleneck = nn.Conv2d(1280, STYLE_DIM, 1)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        x = self.stem(rgb)
        for block in self.blocks:
            x = block(x)
        x = F.relu6(self.head(x)).mean(dim=(2, 3), keepdim=True)
        out: torch.Tensor = self.bottleneck(x).flatten(1)
        return out


class _StyleNormConv(SharedStatistics, nn.Module):
    """Reflection-padded convolution, then instance norm scaled and shifted by the style."""

    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__()
        self.pad = kernel // 2
        self.conv = nn.Conv2d(c_in, c_out, kernel)
        self.gamma = nn.Conv2d(STYLE_DIM, c_out, 1)
        self.beta = nn.Conv2d(STYLE_DIM, c_out, 1)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.pad(x, [self.pad] * 4, mode="reflect"))
        shared = self.shared_statistics(x)
        if shared is None:
            # The released graph's arithmetic, kept as is for the parity test.
            mean = x.mean(dim=(2, 3), keepdim=True)
            var = (x - mean).square().mean(dim=(2, 3), keepdim=True)
        else:
            mean, var = shared
        s = style.view(style.shape[0], STYLE_DIM, 1, 1)
        scale = torch.rsqrt(var + EPSILON) * self.gamma(s)
        out: torch.Tensor = x * scale + (self.beta(s) - mean * scale)
        return out


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = _StyleNormConv(channels, channels, 3)
        self.conv2 = _StyleNormConv(channels, channels, 3)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.conv2(F.relu(self.conv1(x, style)), style)
        return out


class StyleTransformer(nn.Module):
    """(RGB 0..1 N x 3 x H x W with H, W multiples of 4; style N x 100) -> RGB 0..1, same size."""

    #: Sides must be multiples of this (two stride-2 layers, then two 2x upsamplings).
    MULTIPLE = 4

    def __init__(self) -> None:
        super().__init__()
        self.contract = nn.ModuleList([nn.Conv2d(3, 8, 9), nn.Conv2d(8, 16, 3, 2), nn.Conv2d(16, 32, 3, 2)])
        self.contract_pads = (4, 1, 1)
        self.residual = nn.ModuleList([_Residual(32) for _ in range(5)])
        self.expand = nn.ModuleList(
            [_StyleNormConv(32, 16, 3), _StyleNormConv(16, 8, 3), _StyleNormConv(8, 3, 9)]
        )

    def forward(self, rgb: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        x = self.contracted(rgb)
        for block in self.residual:
            x = block(x, style)
        return self.expanded(x, style)

    def contracted(self, rgb: torch.Tensor) -> torch.Tensor:
        """The contracting layers: a quarter-size 32-channel tensor (they have no norms)."""
        x = rgb
        for conv, pad in zip(self.contract, self.contract_pads, strict=True):
            x = F.relu(conv(F.pad(x, [pad] * 4, mode="reflect")))
        return x

    def expanded(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """The expanding layers, from the residual blocks' output to RGB 0..1."""
        x = F.relu(self.expand[0](F.interpolate(x, scale_factor=2.0, mode="nearest"), style))
        x = F.relu(self.expand[1](F.interpolate(x, scale_factor=2.0, mode="nearest"), style))
        return torch.sigmoid(self.expand[2](x, style))

    def stages(self, style: torch.Tensor) -> list[Stage]:
        """:meth:`forward` for one style as stages, for tiles (engine/conv_tiles.py), which keep
        every tile's activations between them: contracting, each residual block, expanding."""
        out: list[Stage] = [(self.contract, self.contracted)]
        for block in self.residual:
            out.append((block, partial(block, style=style)))
        out.append((self.expand, partial(self.expanded, style=style)))
        return out


class InstantNetwork(nn.Module):
    """Both networks under one state dict, as the weights file names them."""

    def __init__(self) -> None:
        super().__init__()
        self.predictor = StylePredictor()
        self.transformer = StyleTransformer()
