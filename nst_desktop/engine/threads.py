"""How many CPU threads a job computes with, and how idle threads wait.

PyTorch's CPU work runs on an OpenMP pool with one thread per core, and by default an idle
pool thread spins for a while before it sleeps. On an artist's machine other programs run
too (a browser, a compiler, another painting), and there both defaults cost: a pool thread
that spins takes a core another program needs, and a pool as large as the machine waits at
every barrier for its slowest thread, which shares its core with someone else. Measured on a
shared 2-core machine (benchmarks/README.md, "Threads"): a 256 px, 10-step painting took 48 s
with torch's defaults and 16.5 s with this policy at a load average of 9-13, and 97 s against
56 s beside two more busy loops; the defaults also spent 12 s more CPU spinning.

So the policy has two halves:

* **Waiting.** :func:`prepare_process` asks the OpenMP runtime for threads that sleep when
  idle (``OMP_WAIT_POLICY=PASSIVE``; ``KMP_BLOCKTIME=0`` for Intel's runtime), after a short
  spin in GNU's (``GOMP_SPINCOUNT``, see :data:`WAIT_ENV`). The runtime
  reads these once, when torch loads it, so the entry point calls this before anything
  imports torch. A value the user set in the environment is kept.
* **Count.** :func:`choose` takes as many threads as the cores other programs leave free,
  judged at the start of each job (:func:`machine`: the cores this process may use and the
  1-minute load average, less this process's own part of that load, so a finished painting's
  threads are not mistaken for someone else's), and at least one. The average lags by a
  minute: a program that has just ended still counts as running. So a job also looks at the
  processors' use over the last tenth of a second (:func:`busy_now`) and believes the lower
  of the two; without it a script calling the command line in a loop on an idle 2-core
  machine ran every painting after the first on one thread, its predecessor's load still in
  the average. A burst seen now does not lower the count (the average says more of it).
  An explicit count is used as given. :func:`job` applies it to torch for a job;
  :func:`use_side_threads` gives a side task (the window's instant picture) one thread while
  a job runs, so that it does not take the job's cores.

No torch at import: the entry point imports this module before torch may be loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: What :func:`prepare_process` puts in the environment unless the user set it: idle OpenMP
#: threads sleep (GNU and LLVM/Intel runtimes read the first, Intel's also the second) after a
#: short spin in GNU's (the third, a tenth of its own default of 300,000 spins). Sleeping at
#: once cost 6-28 % on an idle 2-core machine (training 1.21x, tiles 1.07x torch's defaults,
#: which spin long); the short spin gave 0.93-1.04x on the optimiser, tiles, the instant
#: picture and training, the same as sleeping at once when busy (benchmarks/README.md,
#: "Threads across every kind of work").
WAIT_ENV: Final[Mapping[str, str]] = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "KMP_BLOCKTIME": "0",
    "GOMP_SPINCOUNT": "30000",
}

#: The load average's time constant in seconds (Linux's 1-minute average).
LOAD_WINDOW: Final = 60.0

#: How long this process's CPU samples are kept: after five time constants a burst's weight
#: in the load average is under 1 %.
_KEEP_SECONDS: Final = 5 * LOAD_WINDOW


def prepare_process(environ: MutableMapping[str, str] | None = None) -> None:
    """Ask for sleeping idle threads; call before torch is imported (it is too late after).

    Kept: any value already in the environment, so ``OMP_WAIT_POLICY=ACTIVE`` still works
    for someone who measured that it suits their machine.
    """
    env = os.environ if environ is None else environ
    for key, value in WAIT_ENV.items():
        env.setdefault(key, value)


@dataclass(frozen=True)
class Machine:
    """The facts a thread count is chosen from (tests build their own)."""

    cores: int
    """The cores this process may run on (its affinity, within a container's CPU quota)."""
    load: float | None
    """The 1-minute load average (runnable threads, all programs); None where the system
    keeps none (Windows), and then the count is the cores."""
    own: float = 0.0
    """This process's own part of ``load``: its recent CPU use, weighted the same way."""
    limit: int | None = None
    """``OMP_NUM_THREADS`` when the user set it: the most threads ``auto`` takes."""
    busy_now: float | None = None
    """Cores other programs kept busy over the last tenth of a second (:func:`busy_now`);
    None when not sampled."""

    @property
    def others(self) -> float | None:
        """The cores other programs use: their part of the load average, or what they use now
        if that is less (the average still counts a program that has ended); None without a
        load average."""
        if self.load is None or not math.isfinite(self.load):
            return None
        others = max(0.0, self.load - max(0.0, self.own))
        if self.busy_now is not None and math.isfinite(self.busy_now):
            others = min(others, max(0.0, self.busy_now))
        return others


def choose(requested: int, facts: Machine) -> int:
    """The thread count for a job: ``requested`` when above 0, else the free cores.

    Free is the cores less what other programs keep busy (``load - own``), rounded to the
    nearest whole core, at least 1 and at most the cores (and ``limit``). Rounding rather than
    flooring keeps every core on a machine whose background uses a third of one.
    """
    if requested > 0:
        return requested
    ceiling = max(1, facts.cores)
    if facts.limit is not None:
        ceiling = max(1, min(ceiling, facts.limit))
    others = facts.others
    if others is None:
        return ceiling
    free = math.floor(facts.cores - others + 0.5)
    return max(1, min(ceiling, free))


def usable_cores(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The cores this process may run on: its CPU affinity, within a cgroup v2 CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(cpu_max)
    if quota is not None:
        cores = min(cores, quota)
    return max(1, cores)


def _cgroup_quota(cpu_max: Path) -> int | None:
    """A container's CPU quota in whole cores (rounded up), or None when there is none."""
    try:
        text = cpu_max.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(text) != 2 or text[0] == "max":
        return None
    try:
        quota, period = int(text[0]), int(text[1])
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))


def own_share(samples: Sequence[tuple[float, float]], now: float, cpu: float) -> float:
    """This process's part of the 1-minute load average, from its CPU-time ``samples``.

    ``samples`` are ``(monotonic seconds, process CPU seconds)`` pairs, oldest first; ``now``
    and ``cpu`` the current pair. Each interval's mean CPU use (threads busy) is weighted as
    the kernel's exponential average weighs that stretch of time now.
    """
    points = [*samples, (now, cpu)]
    share = 0.0
    for (t0, c0), (t1, c1) in itertools.pairwise(points):
        if t1 <= t0:
            continue
        rate = max(0.0, c1 - c0) / (t1 - t0)
        share += rate * (math.exp(-(now - t1) / LOAD_WINDOW) - math.exp(-(now - t0) / LOAD_WINDOW))
    return share


class _Usage:
    """This process's CPU time, sampled at each job's start and end (and each side task)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float]] = [(time.monotonic(), time.process_time())]
        self.jobs = 0

    def own(self) -> float:
        """This process's part of the load now; records the sample it took."""
        now, cpu = time.monotonic(), time.process_time()
        with self.lock:
            share = own_share(self.samples, now, cpu)
            self.samples.append((now, cpu))
            old = [s for s in self.samples if now - s[0] > _KEEP_SECONDS]
            # The newest old sample stays: it opens the oldest interval still counted.
            self.samples = old[-1:] + [s for s in self.samples if now - s[0] <= _KEEP_SECONDS]
        return share


_usage = _Usage()


def machine(*, sample: bool = False) -> Machine:
    """This machine's facts now; with ``sample``, also what other programs use at this moment
    (:func:`busy_now`, a tenth of a second: for a job, not for every preview). The sample can
    only raise :func:`choose`'s count, so it is taken only when the load average leaves fewer
    threads than the cores: a fast style on an idle machine does not wait for it."""
    try:
        load: float | None = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = None
    facts = Machine(cores=usable_cores(), load=load, own=_usage.own(), limit=_env_limit(os.environ))
    if sample and load is not None and choose(0, facts) < choose(0, dataclasses.replace(facts, load=None)):
        facts = dataclasses.replace(facts, busy_now=busy_now())
    return facts


def busy_now(window: float = 0.1, stat: Path = Path("/proc/stat")) -> float | None:
    """Cores other programs kept busy during ``window`` seconds from now: the system's busy
    time in that window (``/proc/stat``; niced programs' time counts as free) less this
    process's own; None where the system does not say (no ``/proc/stat``, as on macOS and
    Windows)."""
    first = _cpu_times(stat)
    if first is None:
        return None
    own0 = time.process_time()
    time.sleep(window)
    second = _cpu_times(stat)
    own1 = time.process_time()
    if second is None:
        return None
    busy = second[0] - first[0]
    total = busy + second[1] - first[1]
    if total <= 0:
        return None
    # /proc/stat counts in clock ticks of all cores; busy/total is the busy share of them.
    cores = os.cpu_count() or 1
    elapsed_cores = total / _ticks_per_second()
    used = busy / total * cores
    mine = (own1 - own0) * cores / elapsed_cores if elapsed_cores > 0 else 0.0
    return max(0.0, used - mine)


def _cpu_times(stat: Path) -> tuple[int, int] | None:
    """(busy, free) clock ticks of all processors together, from the first line of ``stat``:
    busy at normal priority or above, free when idle or running niced programs."""
    try:
        with open(stat, encoding="ascii") as f:
            fields = f.readline().split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(fields) < 5 or fields[0] != "cpu":
        return None
    try:
        ticks = [int(v) for v in fields[1:9]]
    except ValueError:
        return None
    # user nice system idle iowait irq softirq steal (guest time is inside user already).
    # Time of niced programs counts as free: they yield their core to a job at normal priority
    # (a nice-19 test run beside a painting made auto take one thread of two for nothing).
    free = ticks[1] + ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return sum(ticks) - free, free


def _ticks_per_second() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (AttributeError, ValueError, OSError):
        return 100


def _env_limit(environ: Mapping[str, str]) -> int | None:
    try:
        value = int(environ.get("OMP_NUM_THREADS", "").split(",")[0])
    except ValueError:
        return None
    return value if value > 0 else None


@contextlib.contextmanager
def job(requested: int) -> Iterator[int]:
    """Compute a job's torch work with :func:`choose`'s count (yielded, for the record).

    Counts the job as running meanwhile (:func:`use_side_threads` reads that).
    """
    count = choose(requested, machine(sample=requested <= 0))
    set_torch_threads(count)
    with _usage.lock:
        _usage.jobs += 1
    try:
        yield count
    finally:
        with _usage.lock:
            _usage.jobs -= 1
        _usage.own()  # the job's end: its busy stretch is then weighed truly afterwards


def jobs_running() -> int:
    return _usage.jobs


def use_side_threads() -> int | None:
    """Give the calling thread's torch work one thread while a job runs, else the free cores.

    Does nothing (None) until torch is loaded: no job can be running before then, and a side
    task that loads torch itself starts with torch's own count.
    """
    if "torch" not in sys.modules:
        return None
    count = 1 if jobs_running() else choose(0, machine())
    set_torch_threads(count)
    return count


def set_torch_threads(count: int) -> None:
    """``torch.set_num_threads(count)`` for the calling thread.

    With OpenMP the count is per thread, but a thread first takes the process-wide count
    when it first asks for its own: asking first (``get_num_threads``) keeps a later call in
    another thread from overriding this one's.
    """
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
