"""The image-transformation network of Johnson et al. 2016, as refined in pytorch/examples.

Reflection padding, instance normalisation, five residual blocks and upsample-then-convolve
(instead of transposed convolutions, which leave checkerboard artefacts). ``width`` scales
every layer's channel count: the reference is 32; a slimmer network is what makes a 512 px
picture cost a fraction of a second on a laptop CPU (see benchmarks/README.md for the
measurement that chose the default). Fully convolutional, so any output size works.

The normalisation layers can *freeze* their statistics (engine/conv_tiles.py, shared with
the instant model): tiled application of a large picture first records them on the whole
picture at a bounded size, then every tile uses the same numbers, so tiles agree with each
other instead of each normalising itself.
"""

from __future__ import annotations

from typing import Final

import torch
import torch.nn.functional as F
from torch import nn

from .. import conv_tiles

DEFAULT_WIDTH: Final = 16
DEFAULT_BLOCKS: Final = 5
_EPS: Final = 1e-5


class FreezableInstanceNorm(conv_tiles.SharedStatistics, nn.Module):
    """Instance normalisation with an affine part, whose statistics can be recorded and reused."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Float32 also under a 16-bit autocast (engine/precision.py; see shared_statistics).
        x = x.float()
        shared = self.shared_statistics(x)
        if shared is None:
            return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=_EPS)
        mean, var = shared
        scale = self.weight.view(1, -1, 1, 1) * torch.rsqrt(var + _EPS)
        return (x - mean) * scale + self.bias.view(1, -1, 1, 1)


class _Conv(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, upsample: bool = False) -> None:
        layers: list[nn.Module] = []
        if upsample:
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        layers += [nn.ReflectionPad2d(kernel // 2), nn.Conv2d(cin, cout, kernel, stride)]
        super().__init__(*layers)


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = _Conv(channels, channels, 3)
        self.norm1 = FreezableInstanceNorm(channels)
        self.conv2 = _Conv(channels, channels, 3)
        self.norm2 = FreezableInstanceNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        out: torch.Tensor = x + self.norm2(self.conv2(y))
        return out


class TransformerNet(nn.Module):
    """Photo in, painting out: RGB in 0..1 both ways (the output is clamped by the caller)."""

    def __init__(self, width: int = DEFAULT_WIDTH, blocks: int = DEFAULT_BLOCKS) -> None:
        super().__init__()
        if not 4 <= width <= 128 or not 1 <= blocks <= 16:
            raise ValueError("unsupported network shape")
        self.width = width
        self.blocks = blocks
        w1, w2, w3 = width, 2 * width, 4 * width
        self.down = nn.ModuleList(
            [_Conv(3, w1, 9), _Conv(w1, w2, 3, stride=2), _Conv(w2, w3, 3, stride=2)]
        )
        self.down_norms = nn.ModuleList([FreezableInstanceNorm(c) for c in (w1, w2, w3)])
        self.residuals = nn.Sequential(*[_Residual(w3) for _ in range(blocks)])
        self.up = nn.ModuleList([_Conv(w3, w2, 3, upsample=True), _Conv(w2, w1, 3, upsample=True)])
        self.up_norms = nn.ModuleList([FreezableInstanceNorm(c) for c in (w2, w1)])
        self.out = _Conv(w1, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` is Nx3xHxW, H and W multiples of 4 (the two stride-2 layers and the upsamples)."""
        for conv, norm in zip(self.down, self.down_norms, strict=True):
            x = F.relu(norm(conv(x)))
        x = self.residuals(x)
        assert isinstance(x, torch.Tensor)
        for conv, norm in zip(self.up, self.up_norms, strict=True):
            x = F.relu(norm(conv(x)))
        # The photo's own pixels are the natural starting point: the network learns a change.
        out: torch.Tensor = self.out(x)
        return out
