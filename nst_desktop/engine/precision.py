"""Which number format the networks compute in, and how to switch to it.

VGG19's forward and backward passes are nearly all of a step's time, and many machines compute
them several times faster in 16-bit formats: NVIDIA GPUs from Volta on (tensor cores; bfloat16
from Ampere on), Apple GPUs (float16), and x86 CPUs with AMX or AVX-512 BF16. Elsewhere a 16-bit
format is *emulated* and slower than float32 (an AVX2-only CPU converts every number).

So ``auto`` is decided in two halves. The hardware names a *candidate* (:func:`fastest`:
float32 where it computes no 16-bit format natively), and a short measurement on this machine,
with the job's thread count, keeps the candidate only where it really is faster
(engine/precision_probe.py: on a shared 2-core CPU with AVX-512 BF16, two threads under load
made bfloat16 no faster or slower than float32). The measurement is cached per machine, torch
version and thread count, so it runs once, not per job. :func:`resolve` is the one rule of
which format each painter computes in; the pipeline calls it before painting, so the picture
records the format that ran.

What runs reduced is only what pays and what tolerates it: the networks' convolutions, under
:func:`torch.autocast`. The picture being optimised, the Gram matrices, the loss sums and
L-BFGS's state stay float32 (the callers cast the features back with ``.float()`` before
any of them): a Gram matrix sums ``h*w`` products, where bfloat16's 8-bit mantissa would
lose the small differences the optimiser follows, and L-BFGS's curvature pairs ``y.s`` need
every digit of float32 to stay positive. In the optimiser only the fine levels' steps compute
reduced: the coarse levels and every level's targets stay float32 (:func:`level_dtype` says why,
with the numbers).

float16 has a narrow range (largest 65504) that VGG19's raw Caffe activations approach (about
23,000 at ``relu4_1`` on a photo), so :class:`~.features.VGGFeatures` re-runs a forward pass in
float32 if one overflows, and training scales its loss (:func:`grad_scaler`). bfloat16 has
float32's range and needs neither.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, get_args

import torch

from . import precision_probe
from .schedule import Level
from .settings import PrecisionChoice

log = logging.getLogger(__name__)

#: The setting's values, ``auto`` first.
CHOICES: Final[tuple[str, ...]] = get_args(PrecisionChoice)

#: The dtype of each explicit choice.
DTYPES: Final[dict[str, torch.dtype]] = {
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}

_WORDS: Final[dict[torch.dtype, PrecisionChoice]] = {
    torch.float32: "float32",
    torch.bfloat16: "bfloat16",
    torch.float16: "float16",
}

#: CPU flags (Linux ``/proc/cpuinfo`` names) whose presence means bfloat16 convolutions run
#: natively: AMX tiles (Intel Sapphire Rapids on) or AVX-512 BF16 dot products (Intel Cooper
#: Lake, AMD Zen 4 on). Either can make oneDNN's bfloat16 convolutions faster than float32
#: (whether it does with this thread count and load is the probe's to say).
CPU_BF16_FLAGS: Final = frozenset({"amx_bf16", "avx512_bf16"})

#: ``probe(device, candidate)``: the candidate where it pays on ``device``, else float32
#: (:class:`~.precision_probe.Probe`; tests give their own).
Verdict = Callable[[torch.device, torch.dtype], torch.dtype]

#: NVIDIA compute capabilities from which tensor cores compute float16 (Volta, 7.0) and
#: bfloat16 (Ampere, 8.0).
CUDA_FLOAT16: Final = (7, 0)
CUDA_BFLOAT16: Final = (8, 0)


@dataclass(frozen=True)
class Hardware:
    """What the policy looks at, gathered once by :func:`detect` (tests build their own)."""

    cpu_flags: frozenset[str] = frozenset()
    """The CPU's feature flags, lower case, as ``/proc/cpuinfo`` names them."""
    cuda_capability: tuple[int, int] | None = None
    """The CUDA device's compute capability, or None when the device is not CUDA."""
    mps_autocast: bool = False
    """Whether this PyTorch can autocast on Apple's MPS."""


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags: from ``/proc/cpuinfo`` on Linux, else from PyTorch's probes.

    PyTorch's own probes (``torch.cpu._is_avx512_bf16_supported`` and friends) are private,
    so they are only the fallback for systems without ``/proc/cpuinfo`` (Windows, macOS).
    """
    flags: set[str] = set()
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    flags.update(value.lower().split())
                    break
    except OSError:
        pass
    if not flags:
        probes = {
            "avx512_bf16": "_is_avx512_bf16_supported",
            "amx_bf16": "_is_amx_tile_supported",  # every CPU with AMX tiles has AMX-BF16
            "amx_fp16": "_is_amx_fp16_supported",
            "avx2": "_is_avx2_supported",
        }
        for flag, probe in probes.items():
            check = getattr(torch.cpu, probe, None)
            try:
                if check is not None and check():
                    flags.add(flag)
            except Exception:  # a private probe may change or fail; the flag is then absent
                log.debug("CPU probe %s failed", probe, exc_info=True)
    return frozenset(flags)


def detect(device: torch.device) -> Hardware:
    """What ``device`` offers, for :func:`choose`."""
    if device.type == "cpu":
        return Hardware(cpu_flags=_cached_cpu_flags())
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        major, minor = torch.cuda.get_device_capability(index)
        return Hardware(cuda_capability=(major, minor))
    if device.type == "mps":
        return Hardware(mps_autocast=_autocast_available("mps"))
    return Hardware()


def fastest(device_type: str, hardware: Hardware) -> torch.dtype:
    """The fastest format ``hardware`` computes natively on a ``device_type`` device, the
    candidate that ``auto`` measures; float32 when it accelerates none."""
    if device_type == "cpu":
        return torch.bfloat16 if hardware.cpu_flags & CPU_BF16_FLAGS else torch.float32
    if device_type == "cuda" and hardware.cuda_capability is not None:
        if hardware.cuda_capability >= CUDA_BFLOAT16:
            return torch.bfloat16  # float16's speed with float32's range
        if hardware.cuda_capability >= CUDA_FLOAT16:
            return torch.float16
        return torch.float32
    if device_type == "mps" and hardware.mps_autocast:
        return torch.float16  # Apple GPUs compute half precision natively; bfloat16 not everywhere
    return torch.float32


def choose(
    choice: PrecisionChoice | str,
    device: torch.device,
    hardware: Hardware | None = None,
    probe: Verdict | None = None,
) -> torch.dtype:
    """The dtype a run computes its networks in: an explicit choice as given (even where it is
    emulated and slow: the artist asked); for ``auto``, :func:`fastest`'s candidate where the
    ``probe`` (by default the process's cached measurement) finds it faster than float32.

    The painters call this with the concrete format :func:`resolve` chose (the pipeline
    resolves ``auto`` first); ``auto`` reaches it only from direct callers (training, scripts).
    """
    if choice != "auto":
        try:
            return DTYPES[choice]
        except KeyError:
            raise ValueError(f"unknown precision {choice!r}") from None
    candidate = fastest(device.type, hardware if hardware is not None else detect(device))
    dtype = (probe if probe is not None else precision_probe.default_probe())(device, candidate)
    log.info(
        "Precision auto on %s: %s (the hardware's candidate: %s)", device.type, name(dtype), name(candidate)
    )
    return dtype


def resolve(
    choice: PrecisionChoice | str,
    method: str,
    device: torch.device,
    hardware: Hardware | None = None,
    probe: Verdict | None = None,
) -> PrecisionChoice:
    """The concrete format a ``method`` ("optimise", "fast", "instant") computes its networks
    in for ``choice`` on ``device``, as the setting's word: never ``auto``. The one rule.

    The pipeline hands the painter settings with this in place of ``auto``, so the picture's
    record names the format that ran, and settings restored from the picture run it again
    (an explicit format is honoured as given). Under ``auto``:

    * the instant network keeps float32 on a CPU: its convolutions are small (8 to 32
      channels) and its style norms element-wise work, so bfloat16 gained nothing on a 2-core
      AVX-512 BF16 CPU (0.233 s vs 0.223 s at 512 px on one thread, benchmarks/README.md)
      while moving pixels by half a level on average; a GPU follows the measured verdict;
    * every other case is :func:`choose`: the hardware's candidate where the probe measured
      it faster than float32 with this thread count. The optimiser too, at any step count:
      at equal steps on three pairs (256 px) bfloat16 was within 2 % of float32's style and
      content distance from the instant picture (20 steps) and from the photo (300 steps);
      20 steps from the photo are chaotic in either format (float32 on two threads instead
      of one moved a style distance by 54 %, as bfloat16 did), so float32 would buy nothing
      there (benchmarks/README.md, "Precision that pays where it runs").
    """
    if choice == "auto" and method == "instant" and device.type == "cpu":
        return "float32"
    return _WORDS[choose(choice, device, hardware, probe)]


#: Optimiser levels whose long side is at most this share of the last level's run VGG19 in
#: float32 whatever the precision (:func:`level_dtype`): 64 and 91 px of a 256 px run, 64-181 px
#: of a 512 px one, the first four levels of seven; about 12 % of a coarse-to-fine run's work.
FLOAT32_COARSE_SHARE: Final = 0.36


def level_dtype(dtype: torch.dtype, level: Level, last: Level) -> torch.dtype:
    """The format an optimiser ``level``'s steps compute in, in a run whose precision is
    ``dtype``: float32 for the coarse levels (long side at most :data:`FLOAT32_COARSE_SHARE`
    of the ``last`` level's), ``dtype`` for the rest.

    The rule, with its other half in ``run.py``: a reduced-precision run computes everything in
    float32 except the optimisation steps of its fine levels. The other half is the targets (the
    photo's features and the paintings' Gram matrices, one forward pass a level and no backward,
    so nearly free): float32, so every level aims at float32's target (but a tiled level's stay
    in the level's format, as its tiles compute the photo's features tile by tile in it).

    Why: with few steps a level, the coarse levels lay down the composition that the fine
    levels only have the steps to refine, and a bfloat16 start sent the run down a path that
    ended farther from the painting. Measured on this CPU (bfloat16, one thread, style distance
    against float32's at equal steps; benchmarks/README.md, "Precision"): chelsea+swirl at 512
    px and 100 steps +11.1 % with everything else bfloat16; with float32 targets +6.8 %; with
    float32 on the first two, three, four levels +5.7, +3.6, +1.2 %; both halves +0.8 %;
    astronaut+autumn at 512 px and 60 steps +12.0 %, with four float32 levels +5.9 %, with both
    halves +3.1 %. Finishing each level's last quarter of steps in float32 instead changed
    nothing (+11.0 %). The coarse levels are cheap (pixels double a level), so the run keeps
    most of bfloat16's speed-up; at the default 300 steps bfloat16 was within 3 % anyway.
    """
    if dtype == torch.float32:
        return dtype
    coarse = max(level.width, level.height) <= FLOAT32_COARSE_SHARE * max(last.width, last.height)
    return torch.float32 if coarse else dtype


def autocast(device: torch.device, dtype: torch.dtype) -> contextlib.AbstractContextManager[Any]:
    """Autocast to ``dtype`` on ``device``; nothing at all for float32 (no autocast overhead)."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def full_precision(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """Autocast switched off: float32 inside a reduced-precision region."""
    return torch.autocast(device.type, enabled=False)


def grad_scaler(device: torch.device, dtype: torch.dtype) -> torch.amp.GradScaler:
    """A loss scaler for training: on for float16, whose small gradients would underflow to
    zero without it, off (a pass-through) for float32 and bfloat16."""
    enabled = dtype == torch.float16
    if enabled and not _grad_scaler_available(device.type):
        log.warning("No gradient scaler for %s here; training float16 without one.", device.type)
        enabled = False
    return torch.amp.GradScaler(device.type, enabled=enabled)


def name(dtype: torch.dtype) -> str:
    """``torch.bfloat16`` -> ``"bfloat16"``: the setting's own word for a dtype."""
    return str(dtype).removeprefix("torch.")


def finite(tensors: Iterable[torch.Tensor]) -> bool:
    """Whether no value overflowed to inf or NaN (float16's range is 65504)."""
    return all(bool(torch.isfinite(t).all()) for t in tensors)


@functools.cache
def _cached_cpu_flags() -> frozenset[str]:
    return cpu_flags() if sys.platform.startswith("linux") else cpu_flags(Path("/nonexistent"))


def _autocast_available(device_type: str) -> bool:
    check = getattr(torch.amp, "is_autocast_available", None)
    try:
        return bool(check is not None and check(device_type))
    except Exception:
        return False


def _grad_scaler_available(device_type: str) -> bool:
    try:
        torch.amp.GradScaler(device_type, enabled=True)
    except Exception:
        return False
    return True
