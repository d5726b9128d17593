"""Issue 19, finding 11: a fast style's network runs within the memory budget, tiled as far as
it must be, or is refused in one sentence; the statistics pass of a large photo is shrunk
before it becomes a float tensor."""

from __future__ import annotations

import numpy as np
import torch

from nst_desktop.engine import conv_tiles
from nst_desktop.engine.fast.network import TransformerNet
from nst_desktop.engine.memory import (
    FAST_BYTES_PER_PIXEL,
    FAST_BYTES_PER_WIDTH,
    FAST_FULL_BYTES_PER_PIXEL,
    FAST_MIN_TILE,
    MB,
    fast_plan,
)

PLAN = {"whole_pixels": conv_tiles.WHOLE_PIXELS, "max_tile": conv_tiles.TILE, "margin": conv_tiles.MARGIN}
GB = 1024 * MB


def test_a_default_style_runs_whole_when_it_fits() -> None:
    plan = fast_plan(16, (1024, 1024), 4 * GB, 500 * MB, **PLAN)
    assert plan.fits and plan.tile == 0
    per_pixel = FAST_FULL_BYTES_PER_PIXEL + FAST_BYTES_PER_PIXEL + 16 * FAST_BYTES_PER_WIDTH
    assert plan.peak == 500 * MB + per_pixel * 1024 * 1024


def test_the_probes_oversized_style_is_tiled_within_the_budget() -> None:
    # Width 128 (the probe's 53 MB file) at 1536 px: 4.3 GB measured whole; a 2 GB budget tiles.
    budget, used = 2 * GB, 600 * MB
    plan = fast_plan(128, (1536, 1536), budget, used, **PLAN)
    assert plan.fits and FAST_MIN_TILE <= plan.tile < conv_tiles.TILE
    assert plan.stats_pixels < conv_tiles.WHOLE_PIXELS
    assert plan.peak <= budget
    window = (plan.tile + 2 * conv_tiles.MARGIN) ** 2
    net = FAST_BYTES_PER_PIXEL + 128 * FAST_BYTES_PER_WIDTH
    assert used + FAST_FULL_BYTES_PER_PIXEL * 1536**2 + net * window <= budget


def test_a_budget_too_small_for_the_smallest_tile_is_refused() -> None:
    plan = fast_plan(128, (8192, 8192), 2 * GB, 600 * MB, **PLAN)
    assert not plan.fits
    assert plan.peak > 2 * GB  # what the refusal names


def test_more_room_never_means_smaller_tiles() -> None:
    tiles = [fast_plan(64, (4096, 3072), budget * GB, 0, **PLAN).tile for budget in (1, 2, 4, 8)]
    assert tiles == sorted(tiles)


def test_a_shrunk_statistics_pass_matches_torchs_shrink() -> None:
    torch.manual_seed(0)
    net = TransformerNet(8, 2).eval().requires_grad_(False)
    rng = np.random.default_rng(3)
    photo = np.repeat(np.repeat(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8), 4, 0), 4, 1)  # 160x192

    def forward(x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = net(x)
        return out

    def from_uint8(part: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(part)).permute(2, 0, 1)[None].float() / 255.0

    def from_float(part: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(part)).permute(2, 0, 1)[None]

    done: list[tuple[int, int]] = []
    with torch.inference_mode():
        # 96 x 112 statistics pixels: the 8-bit photo is shrunk by Pillow, the float one by torch.
        kwargs = {"tile": 64, "stats_pixels": 96 * 112}
        pillow = conv_tiles.run_tiled(
            [(net, forward)], from_uint8, photo, on_tile=lambda i, n: done.append((i, n)), **kwargs
        )  # type: ignore[arg-type]
        torchs = conv_tiles.run_tiled(
            [(net, forward)], from_float, photo.astype(np.float32) / 255.0, **kwargs
        )  # type: ignore[arg-type]
    assert np.abs(pillow - torchs).mean() < 2e-3
    assert done and done[-1][0] == done[-1][1] == len(done)
