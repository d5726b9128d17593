"""How much memory a run may use, and whether a level fits in it whole or must go in tiles.

A Gatys level keeps every VGG19 activation of the picture for the backward pass, plus
L-BFGS's history, so its memory grows with its pixels: about 3 KB a pixel measured on the
CPU (benchmarks/README.md, "Print size"), which is 2.4 GB at 1024 px and 40 GB at 4096 px.
The budget therefore comes from the device (free RAM, free VRAM), or from the artist's
``memory_budget_mb`` setting, and :func:`plan_level` sends a level that would not fit to
:mod:`.tiles`, whose cost is a tile's activations plus a few full-size arrays.

Torch is imported only where a GPU is asked about, so the window can estimate a job's
memory before anything heavy is loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import torch

MB: Final = 1024 * 1024

#: Bytes per pixel of a whole level: activations kept for the backward pass, the gradient,
#: and L-BFGS's 50-step history (24 bytes a pixel a step). Measured 2.9-3.0 KB per pixel of
#: peak RSS growth over 3 steps at 256-768 px on the CPU (one thread); the history adds up
#: to 1.2 KB more by the 50th step, and 10 % headroom.
WHOLE_BYTES_PER_PIXEL: Final = 4_600
#: Bytes per pixel of a tile window (tile plus context): the same activations, but L-BFGS
#: keeps only :data:`tiles.HISTORY` steps, and the window is rebuilt for every visit. 3,600
#: matched float32 runs; 4,200 leaves room for bfloat16 runs, which keep float32 copies of the
#: layers the losses read (a 1448 px run under a 2048 MB budget then peaked at 1712 MiB).
TILE_BYTES_PER_PIXEL: Final = 4_200
#: Bytes per pixel of the full picture while a level runs in tiles: the canvas and the photo
#: (float32 tensors, 12 bytes each), the level below's picture while it is upsampled (a
#: quarter of that), an 8-bit preview and the window's copies of it. Measured: peak RSS grew
#: 23 bytes a pixel from a 2048 to a 4096 px square level in the same tiles (previews and
#: the photo now built a strip or a plane at a time; 42 before), benchmarks/README.md, "Print
#: size". Keeping colours by luminance holds the photo's float RGB too (12 more).
FULL_BYTES_PER_PIXEL: Final = 40
#: What a level needs besides its pixels: the paintings at the level's brush scale (up to
#: 2048 px, their Gram matrices summed tile by tile when the level is tiled), allocator slack.
LEVEL_OVERHEAD: Final = 256 * MB
#: How far a plan's peak may exceed the budget before anyone is warned: the estimates run
#: high (an 8192x5120 level planned at 4.26 GB peaked at 2.75 GiB; a 1024 px run planned at
#: 1.81 GB at 1.57 GiB), so a plan a few percent over the budget is no reason to alarm anyone.
PLAN_MARGIN: Final = 0.10
#: Share of the free memory a run takes when the budget is automatic: the rest is left to
#: the window, the desktop and whatever else the computer is doing.
FREE_SHARE: Final = 0.75
#: The smallest tile side (before context) worth running: below this the context margin
#: costs more than the tile itself.
MIN_TILE: Final = 128
#: The largest tile side: beyond this a visit takes so long that the preview stalls.
MAX_TILE: Final = 1024
#: Context each tile sees on every side, fixed while it is optimised: VGG19's relu4_2
#: neurons see about 100 px, so 64 px of real neighbours keep the interior's features as
#: they are in the whole picture nearly everywhere that counts.
MARGIN: Final = 64
#: Tile and context positions are multiples of this, so VGG19's four 2x2 poolings cut a
#: window exactly where they cut the whole picture.
ALIGN: Final = 16


@dataclass(frozen=True)
class LevelPlan:
    """How one level runs: whole, or in tiles of ``tile`` px (before their context)."""

    tiled: bool
    tile: int = 0
    #: Estimated peak memory of the process during this level, in bytes.
    peak: int = 0


def overrun(peak: int, budget: int) -> bool:
    """Whether a plan's ``peak`` exceeds ``budget`` by more than :data:`PLAN_MARGIN`: the rule
    for every warning that a picture will not fit (the engine's, the window's question, the
    print-size helper's)."""
    return peak > budget * (1.0 + PLAN_MARGIN)


def amount(size: int) -> str:
    """``size`` bytes as a message says it: "2.3 GB", or "450 MB" under a gigabyte."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{max(0, size) // MB} MB"


def process_rss() -> int:
    """The process's resident memory now, in bytes (0 where /proc is not there)."""
    return _status_field("VmRSS")


def process_peak_rss() -> int:
    """The process's largest resident memory so far, in bytes (0 where /proc is not there)."""
    return _status_field("VmHWM")


def _status_field(name: str) -> int:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{name}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def free_ram() -> int | None:
    """Bytes of RAM this process could still take: MemAvailable, capped by a cgroup limit.

    Containers and systemd slices limit memory below what /proc/meminfo reports, and the
    kernel kills a process that crosses the cgroup's limit, so the smaller of the two counts.
    ``None`` where neither can be read (then the caller needs an explicit budget).
    """
    found: list[int] = []
    try:
        meminfo = Path("/proc/meminfo").read_text()
    except OSError:
        meminfo = ""
    match = re.search(r"^MemAvailable:\s+(\d+)\s+kB", meminfo, re.MULTILINE)
    if match:
        found.append(int(match.group(1)) * 1024)
    cgroup = _cgroup_room()
    if cgroup is not None:
        found.append(cgroup)
    if not found and hasattr(os, "sysconf"):
        with contextlib.suppress(ValueError, OSError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(found) if found else None


def _cgroup_room() -> int | None:
    """Limit minus usage of this process's memory cgroup (v2, then v1); ``None`` if unlimited."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit_text = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text == "max":
            return None
        try:
            limit = int(limit_text)
        except ValueError:
            continue
        if limit >= 1 << 60:  # v1 writes "no limit" as a huge number
            return None
        return max(0, limit - usage)
    return None


def device_budget(device: torch.device, override_mb: int = 0) -> int:
    """The most memory a run on ``device`` should reach, in bytes.

    ``override_mb`` (the ``memory_budget_mb`` setting) wins when above zero. Otherwise, on
    the CPU, the process's resident memory now plus :data:`FREE_SHARE` of the free RAM; on
    CUDA, what torch holds plus that share of the free VRAM; on Apple's MPS, whose memory is
    shared with the system and reports no free figure, half of what Metal recommends.
    """
    if override_mb > 0:
        return override_mb * MB
    if device.type == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info(device)
        return int(torch.cuda.memory_allocated(device) + FREE_SHARE * free)
    if device.type == "mps":
        import torch

        recommended = int(getattr(torch.mps, "recommended_max_memory", lambda: 0)())
        if recommended > 0:
            return recommended // 2
    return cpu_budget()


def cpu_budget(override_mb: int = 0) -> int:
    """The CPU's part of :func:`device_budget`, without torch: what the window estimates with."""
    if override_mb > 0:
        return override_mb * MB
    ram = free_ram()
    if ram is None:
        return 4096 * MB  # the target for a 4096 px picture; the setting can change it
    return process_rss() + int(FREE_SHARE * ram)


def release_freed() -> None:
    """Hand the pages the C allocator keeps after ``free`` back to the system (glibc only).

    Activations of a few tens of megabytes come from glibc's heap, which keeps them after
    they are freed: after a 512 px level the process held 1.23 GB where 0.81 GB was live
    (measured). Counted as in use, that would shrink the next level's tiles for nothing.
    """
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return  # not glibc (macOS, Windows, musl): nothing kept that this could give back
    trim(0)


def in_use(device: torch.device) -> int:
    """What the device already holds for this process before a level starts, in bytes."""
    if device.type == "cuda":
        import torch

        return int(torch.cuda.memory_allocated(device))
    if device.type == "mps":
        import torch

        return int(torch.mps.current_allocated_memory())
    release_freed()
    return process_rss()


def whole_peak(width: int, height: int) -> int:
    """Estimated bytes a level of this size needs beyond what is in use, run whole."""
    return LEVEL_OVERHEAD + WHOLE_BYTES_PER_PIXEL * width * height


def tiled_peak(width: int, height: int, tile: int) -> int:
    """Estimated bytes a level of this size needs beyond what is in use, in ``tile`` px tiles."""
    window = min(tile + 2 * MARGIN + ALIGN, height + ALIGN) * min(tile + 2 * MARGIN + ALIGN, width + ALIGN)
    return LEVEL_OVERHEAD + FULL_BYTES_PER_PIXEL * width * height + TILE_BYTES_PER_PIXEL * window


def plan_level(width: int, height: int, budget: int, used: int, *, force_tile: int = 0) -> LevelPlan:
    """Whole when the level fits in ``budget - used``; else the largest tile that fits.

    Never refuses: when even :data:`MIN_TILE` tiles overrun the budget the level still runs
    in them (the smallest working set there is), and the plan's ``peak`` says by how much.
    ``force_tile`` tiles at that size whatever the budget (tests, benchmarks).
    """
    room = budget - used
    if force_tile > 0:
        tile = max(ALIGN, force_tile // ALIGN * ALIGN)
        return LevelPlan(True, tile, used + tiled_peak(width, height, tile))
    if whole_peak(width, height) <= room:
        return LevelPlan(False, 0, used + whole_peak(width, height))
    spare = room - LEVEL_OVERHEAD - FULL_BYTES_PER_PIXEL * width * height
    side = math.isqrt(max(0, spare) // TILE_BYTES_PER_PIXEL) - 2 * MARGIN - ALIGN
    tile = max(MIN_TILE, min(MAX_TILE, side // ALIGN * ALIGN))
    return LevelPlan(True, tile, used + tiled_peak(width, height, tile))


def estimate_peak(width: int, height: int, budget: int, used: int) -> int:
    """Estimated peak bytes of a run whose final level is ``width`` x ``height`` (for a warning)."""
    return plan_level(width, height, budget, used).peak


# --------------------------------------------------------------------------------------------
# Fast styles (feed-forward networks)

#: Bytes a Johnson network's pass holds at its peak, per input pixel and per unit of the
#: network's width (float32): at full resolution its last layers hold an upsampled
#: 2·width-channel tensor, its padded copy and the width-channel result at once. Measured as
#: peak RSS growth on the CPU (benchmarks/bench_fast_style_memory.py, one thread): a whole
#: 1024 px pass grew 410 bytes a pixel at width 16 and 2,830 at width 128 (21.6 a width
#: unit); tiled under a budget, where the statistics pass and the tiles' passes follow each
#: other and the allocator keeps some of the first, 675 at width 16 (1024 px) and 2,200 at
#: width 64 (768 px): 32 a width unit plus :data:`FAST_BYTES_PER_PIXEL`. The tiled figures
#: are the ones used, so a whole pass is planned high (by half at width 128).
FAST_BYTES_PER_WIDTH: Final = 32
#: Bytes a network's pass holds per input pixel whatever its width (see above).
FAST_BYTES_PER_PIXEL: Final = 192
#: Bytes per pixel of the whole picture while a fast style is applied, whatever the tiles:
#: the photo (3), the tiles' cross-faded sum and its weights (16), the float result (12) and
#: the 8-bit one (3), band temporaries and the caller's copies (64 measured at width 16
#: above the network's share, rounded up).
FAST_FULL_BYTES_PER_PIXEL: Final = 64
#: The smallest tile (before its context) a fast style is applied in; a budget that does not
#: fit it is refused rather than run at a crawl.
FAST_MIN_TILE: Final = 128
#: The statistics pass never shrinks the picture below this many pixels (256 x 256): fewer
#: would give every tile the colours of a thumbnail.
FAST_MIN_STATS_PIXELS: Final = 256 * 256


@dataclass(frozen=True)
class FastPlan:
    """How a fast style's network runs over a picture within a memory budget.

    ``fits`` is False when even :data:`FAST_MIN_TILE` tiles and the smallest statistics pass
    overrun the budget (the caller refuses, saying ``peak``); otherwise ``tile`` is 0 for one
    whole pass, or the tile side, and ``stats_pixels`` the size of the statistics pass.
    """

    fits: bool
    tile: int
    stats_pixels: int
    peak: int


def fast_plan(
    width: int,
    size: tuple[int, int],
    budget: int,
    used: int,
    *,
    whole_pixels: int,
    max_tile: int,
    margin: int,
) -> FastPlan:
    """The plan for a Johnson network ``width`` channels wide over a picture of ``size``
    (width, height) px, with ``budget - used`` bytes to spend.

    Whole when the picture is at most ``whole_pixels`` and fits; else tiles as large as fit
    (up to ``max_tile``, each with ``margin`` px of context on every side), after a statistics
    pass over the picture shrunk to what fits (at most ``whole_pixels``).
    """
    per_pixel = FAST_BYTES_PER_PIXEL + FAST_BYTES_PER_WIDTH * max(1, width)
    pixels = size[0] * size[1]
    full = FAST_FULL_BYTES_PER_PIXEL * pixels
    room = budget - used
    if pixels <= whole_pixels and full + per_pixel * pixels <= room:
        return FastPlan(True, 0, pixels, used + full + per_pixel * pixels)
    net_pixels = max(0, room - full) // per_pixel
    stats = min(whole_pixels, pixels, net_pixels)
    side = min(max_tile, (math.isqrt(net_pixels) - 2 * margin) // ALIGN * ALIGN)
    if side < FAST_MIN_TILE or stats < min(pixels, FAST_MIN_STATS_PIXELS):
        smallest = max(min(pixels, FAST_MIN_STATS_PIXELS), (FAST_MIN_TILE + 2 * margin) ** 2)
        return FastPlan(
            False, FAST_MIN_TILE, min(pixels, FAST_MIN_STATS_PIXELS), used + full + per_pixel * smallest
        )
    window = min(pixels, (side + 2 * margin) ** 2)
    return FastPlan(True, side, stats, used + full + per_pixel * max(stats, window))
