"""Whether a 16-bit format really pays on this machine: measured once, then remembered.

The CPU's flags (or a GPU's compute capability) say which 16-bit format the hardware computes
natively, not whether it pays here and now. On the 2-core AVX-512 BF16 machine of issue 17,
bfloat16 made a 512 px optimiser step 1.28x faster on one thread, but with two threads on a
loaded machine 0.99x and once 1.33x *slower*: the gain depends on the thread count and on how
the machine is shared. So for ``precision: auto`` the hardware only names a *candidate*
(:func:`precision.fastest`); :class:`Probe` times a few optimiser-like steps in float32 and in
the candidate, under the thread count the job runs with, and keeps the candidate only when it
is faster by :data:`MARGIN` (:func:`decide`).

The steps are the real thing, not a stand-in: VGG19 from ``run.get_model`` (the network every
optimiser run loads anyway, so an optimiser job pays nothing to load it), forward to
``relu5_1`` and backward to the picture, at :data:`SIDE` px, where the 16-bit gain is already
that of a run's fine levels (benchmarks/README.md, "Precision that pays where it runs").

The verdict is cached in a JSON file in the app's data folder (:func:`cache_path`), keyed by
the machine (CPU model, a hash of its flags, its cores; or the GPU's name), the torch version,
the device, the thread count and whether other programs compete for those threads' cores
(:func:`contended`), so it is measured once per machine, torch and conditions, not per job;
a new torch, another thread count or a busy machine where it was quiet measures again. The file is written
atomically; a damaged or foreign one is ignored and measured over, never a crash. Within a
process each fingerprint is measured at most once, whatever happens to the file.

Callers run it where the job runs (the pipeline's worker thread), never on the GUI thread:
a first measurement takes a second or two.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import torch

from . import threads
from .atomic import atomic_write_bytes
from .paths import user_data_dir

log = logging.getLogger(__name__)

#: The candidate is kept only when float32's step takes at least this much longer: a format
#: that is only about as fast gains the artist nothing and costs a little quality.
MARGIN: Final = 1.10

#: The probe picture's side: a 256 px run's fine levels are 128-256 px. On one thread here
#: bfloat16 was 1.71x faster at 128 px, 1.88x at 160 and 1.92x at 256: the same verdict, and
#: 128 px keeps the probe near a second.
SIDE: Final = 128

#: Timed steps of each format, alternating (after one untimed step of each).
ROUNDS: Final = 3

#: The cache file's format; an entry of another format is measured again.
FORMAT: Final = 1

_WORDS: Final[dict[torch.dtype, str]] = {
    torch.float32: "float32",
    torch.bfloat16: "bfloat16",
    torch.float16: "float16",
}
_DTYPES: Final = {word: dtype for dtype, word in _WORDS.items()}


@dataclass(frozen=True)
class Timings:
    """Median seconds of one probe step in each format."""

    float32_s: float
    candidate_s: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Timings:
        """Raises ValueError unless ``data`` holds two positive finite numbers."""
        if not isinstance(data, Mapping):
            raise ValueError("timings are not an object")
        values = [data.get("float32_s"), data.get("candidate_s")]
        if not all(_positive(v) for v in values):
            raise ValueError("timings are not positive numbers")
        return cls(float(values[0]), float(values[1]))  # type: ignore[arg-type]


def decide(candidate: torch.dtype, timings: Timings, margin: float = MARGIN) -> torch.dtype:
    """``candidate`` when its step is faster than float32's by ``margin``, else float32."""
    if candidate != torch.float32 and timings.float32_s >= margin * timings.candidate_s:
        return candidate
    return torch.float32


@dataclass(frozen=True)
class Fingerprint:
    """What a measurement holds for: the same machine, torch, device, thread count and
    whether other programs compete for those threads' cores."""

    machine: str
    """CPU model, a hash of its flags and its cores; for a GPU its name and capability too."""
    torch: str
    device: str
    threads: int
    contended: bool = False
    """Other programs' load left fewer free cores than ``threads`` (:func:`contended`): two
    threads sharing their cores measured bfloat16 slower, two with the cores to themselves
    1.6x faster, so a verdict taken in one state says nothing about the other."""

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def contended(count: int, facts: threads.Machine) -> bool:
    """Whether ``count`` threads must share their cores with other programs: the cores free
    of others' load (the 1-minute load average less this process's own part) are fewer than
    ``count`` by half a core or more (the rounding of :func:`threads.choose`)."""
    others = facts.others
    if others is None:
        return False
    return facts.cores - others < count - 0.5


def fingerprint(device: torch.device, facts: threads.Machine | None = None) -> Fingerprint:
    """This process's fingerprint for ``device``, with torch's current thread count and, on
    a CPU, whether the machine (``facts``, by default as it is now) is busy around them."""
    machine = _cpu_fingerprint()
    count = torch.get_num_threads()
    busy = False
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        major, minor = torch.cuda.get_device_capability(index)
        machine += f"; {torch.cuda.get_device_name(index)} sm{major}{minor}"
    elif device.type == "cpu":
        busy = contended(count, facts if facts is not None else threads.machine())
    return Fingerprint(machine, torch.__version__, device.type, count, busy)


@functools.cache
def _cpu_fingerprint() -> str:
    from .precision import cpu_flags  # precision imports this module lazily, so no cycle

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                    break
    except OSError:
        pass
    flags = hashlib.sha256(" ".join(sorted(cpu_flags())).encode()).hexdigest()[:12]
    return f"{model}; flags {flags}; {os.cpu_count()} cores"


@dataclass(frozen=True)
class Entry:
    """One cached verdict: the candidate measured, the choice and the timings behind it."""

    candidate: str
    choice: str
    timings: Timings
    measured: float
    """When, in seconds since the epoch (for a reader of the file)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "candidate": self.candidate,
            "choice": self.choice,
            "timings": self.timings.to_dict(),
            "measured": self.measured,
        }

    @classmethod
    def from_dict(cls, data: object) -> Entry:
        """Raises ValueError for anything but an entry this version wrote."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError("not a probe entry of this format")
        candidate, choice, measured = data.get("candidate"), data.get("choice"), data.get("measured")
        if candidate not in _DTYPES or choice not in (candidate, "float32") or not _positive(measured):
            raise ValueError("damaged probe entry")
        return cls(str(candidate), str(choice), Timings.from_dict(data.get("timings")), float(measured))  # type: ignore[arg-type]


def cache_path() -> Path:
    """The probe's cache file, in the app's data folder (``NST_DESKTOP_DATA_DIR`` moves it)."""
    return user_data_dir() / "cache" / "precision-probe.json"


class ProbeCache:
    """The verdicts on disk, one per fingerprint; a damaged file reads as empty."""

    def __init__(self, path: Path | Callable[[], Path] = cache_path) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path if isinstance(self._path, Path) else self._path()

    def get(self, fp: Fingerprint) -> Entry | None:
        raw = self._read().get(fp.key())
        if raw is None:
            return None
        try:
            return Entry.from_dict(raw)
        except ValueError:
            log.info("Ignoring a damaged precision probe entry in %s", self.path)
            return None

    def put(self, fp: Fingerprint, entry: Entry) -> None:
        """Add ``entry``, keeping the others; a file that cannot be written is only logged
        (the verdict then holds for this process and is measured again next time)."""
        entries = self._read()
        entries[fp.key()] = entry.to_dict()
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, (json.dumps(entries, indent=1, sort_keys=True) + "\n").encode())
        except OSError as e:
            log.warning("Could not write the precision probe's cache %s: %s", path, e)

    def _read(self) -> dict[str, Any]:
        path = self.path
        try:
            with path.open("rb") as f:
                data = json.loads(f.read(1 << 20))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:  # unreadable, not JSON, not UTF-8: measured over
            log.info("Ignoring the precision probe's cache %s: %s", path, e)
            return {}
        return data if isinstance(data, dict) else {}


Measure = Callable[[torch.device, torch.dtype], Timings]


class Probe:
    """``probe(device, candidate)``: the candidate or float32, whichever pays here (cached)."""

    def __init__(
        self,
        cache: ProbeCache,
        measure: Measure,
        fingerprint: Callable[[torch.device], Fingerprint] = fingerprint,
        margin: float = MARGIN,
    ) -> None:
        self._cache = cache
        self._measure = measure
        self._fingerprint = fingerprint
        self._margin = margin
        self._memo: dict[tuple[Fingerprint, torch.dtype], torch.dtype] = {}
        self._lock = threading.Lock()  # two jobs starting at once measure once

    def __call__(self, device: torch.device, candidate: torch.dtype) -> torch.dtype:
        if candidate == torch.float32:
            return candidate
        fp = self._fingerprint(device)
        with self._lock:
            known = self._memo.get((fp, candidate))
            if known is not None:
                return known
            entry = self._cache.get(fp)
            if entry is not None and entry.candidate == _WORDS[candidate]:
                choice = _DTYPES[entry.choice]
            else:
                choice = self._measure_and_keep(fp, device, candidate)
            self._memo[(fp, candidate)] = choice
            return choice

    def _measure_and_keep(self, fp: Fingerprint, device: torch.device, candidate: torch.dtype) -> torch.dtype:
        try:
            timings = self._measure(device, candidate)
        except Exception as e:  # no weights, out of memory: stay with the format that surely works
            log.warning(
                "Could not measure %s on %s (%s); computing in float32.", _WORDS[candidate], device, e
            )
            return torch.float32
        choice = decide(candidate, timings, self._margin)
        log.info(
            "Precision probe on %s, %d threads: float32 %.4f s, %s %.4f s a step -> %s",
            device,
            fp.threads,
            timings.float32_s,
            _WORDS[candidate],
            timings.candidate_s,
            _WORDS[choice],
        )
        self._cache.put(fp, Entry(_WORDS[candidate], _WORDS[choice], timings, time.time()))
        return choice


def measure(device: torch.device, candidate: torch.dtype, side: int = SIDE, rounds: int = ROUNDS) -> Timings:
    """Median seconds of one optimiser-like step (VGG19 forward to relu5_1 and backward to a
    ``side`` px picture) in float32 and in ``candidate``, alternating so that a change in the
    machine's load falls on both alike."""
    from .features import deepest
    from .run import get_model
    from .settings import STYLE_LAYERS

    layers = [*STYLE_LAYERS, "relu4_2"]
    model = get_model(device, "max", deepest(layers))
    generator = torch.Generator().manual_seed(0)
    picture = (torch.rand(1, 3, side, side, generator=generator) * 255.0 - 120.0).to(device)
    if model.channels_last:
        picture = picture.contiguous(memory_format=torch.channels_last)

    def step(dtype: torch.dtype) -> float:
        net = model.in_precision(dtype)
        image = picture.clone().requires_grad_(True)
        _sync(device)
        start = time.perf_counter()
        features = net(image, layers)
        loss = torch.stack([(f * f).mean() for f in features.values()]).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        _sync(device)
        return time.perf_counter() - start

    formats = (torch.float32, candidate)
    for dtype in formats:
        step(dtype)  # oneDNN / cuDNN pick and build their kernels on the first call
    times: dict[torch.dtype, list[float]] = {dtype: [] for dtype in formats}
    for _ in range(rounds):
        for dtype in formats:
            times[dtype].append(step(dtype))
    return Timings(statistics.median(times[torch.float32]), statistics.median(times[candidate]))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < float(value) < float("inf")


_default: Probe | None = None
_default_lock = threading.Lock()


def default_probe() -> Probe:
    """The process's probe: the cache in the data folder, the real measurement."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Probe(ProbeCache(), measure)
        return _default
