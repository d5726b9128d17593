"""The time left of an optimiser run, and the time a run will take before it starts.

Artists saw the old figure swing five-fold within seconds (issue 9): it extrapolated the whole
run from the first, tiny level, refitted a line through noisy per-level averages at every
step and showed each result raw. This module replaces it with three rules:

* **A cost model, not a line through whatever was seen.** A step at a level of ``p`` pixels
  costs ``a + b * p`` seconds: ``b`` is the convolutions' work, which grows with the pixels;
  ``a`` is the per-step overhead (Python, the optimiser's bookkeeping, a GPU's kernel launches)
  that dominates the tiny levels. A step is one evaluation of the loss and its gradient for
  both optimisers (L-BFGS runs with ``max_iter=1`` and no line search), so the steps of a
  level cost alike, except the first: a level's first interval (its preparation, the photo's
  and the paintings' features, and a first step that allocates) is modelled separately, as a
  number of extra steps learnt from the levels measured so far. Each level contributes the
  mean of its latest step times with every one clipped to :data:`OUTLIER` times their median:
  a shared machine's slow spells count, a laptop's sleep does not multiply the figure.
* **Silence until the answer is known.** The remaining time is dominated by the last levels.
  Until the run has measured a level within :data:`MAX_LEVER` times the pixels of the largest
  one still to come, any figure is a guess; :meth:`EtaEstimator.remaining` says ``None``
  ("estimating…") instead.
* **A figure that counts down instead of jumping.** What is shown is a predicted *finish
  time*, pulled towards each new estimate with a time constant of :data:`SMOOTHING_SECONDS`,
  and a new estimate more than :data:`MAX_CORRECTION` times off the shown one is clipped to
  that before it is blended in. A real change of speed (another program starting) still comes
  through within half a minute or so, but no single noisy step can multiply the figure.

The same work model gives the estimate before a run (:func:`expected_seconds`), from a rate
(seconds per unit of work, :attr:`EtaEstimator.seconds_per_unit`) that an earlier run on this
computer measured. The engine returns it with every result (``Result.seconds_per_unit``); the
GUI persists it per device (see :func:`updated_rate`) and feeds it back here.

Qt-free and torch-free: the window calls :func:`expected_seconds` before torch is imported.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Sequence

from . import memory
from .schedule import Level, plan, sweep_steps
from .settings import Settings

#: One unit of work: one optimisation step over a million pixels.
MEGAPIXEL = 1_000_000
#: A step's fixed cost in pixel-equivalents, for the pre-run estimate and for the in-run model
#: until two level sizes are measured (``a / b`` of the cost model on one CPU core).
OVERHEAD_PIXELS = 4_000
#: A level's preparation (the photo's and the paintings' features) plus the extra cost of its
#: first step, in steps of that level, until the run has measured its own.
PREPARE_STEPS = 1.0
#: Each doubling of the pixels beyond the largest measured level costs this much more per pixel
#: than the fit says: larger pictures fall out of the processor's caches. Measured on one core
#: of an AMD EPYC (benchmarks/README.md, "Time left"): +3 to +5 % per doubling up to 256 px,
#: +16 to +18 % from 362 to 512 px (partly other programs' load); 8 % is between the two.
SIZE_PENALTY = 1.08
#: A tiled level's work per pixel against a whole level's, for the same passes through VGG19:
#: every tile computes on its context margin too and neighbours overlap; :func:`tiled_cost`
#: counts the passes. From the 4096 px prints (benchmarks/README.md, "Print size in
#: minutes"): 1.13 (2048 px, sweeps of five), 1.19 (4096 px, two sweeps of three) and 1.33
#: (2896 px) against the whole levels of the same quiet run; the print plan's run, whose whole
#: levels ran under twice the load of its tiled ones, gave 0.85-1.0 against them. The flat
#: 2.4x used before was measured at small sizes, where the margins are most of a window.
TILE_CONTEXT = 1.25
#: A tiled step on several CPU threads costs this much more again, against a whole one, than
#: on one thread: its windows and cells keep the threads less busy than a whole level does.
#: Measured on two quiet 4096 px prints of one machine (benchmarks/README.md, "Print size in
#: minutes"): per unit of work against the 1024 px level, 1.10 (2048 px) and 1.07 (4096 px) on
#: one thread, 1.46 and 1.22-1.33 on two: 1.14-1.33 more.
TILED_THREADS = 1.25
#: A tiled level's preparation (the photo at its size, the paintings' statistics), in its
#: steps: its passes over the whole picture are in :func:`tiled_cost` already.
TILED_PREPARE_STEPS = 0.1
#: Step times (after its first) a level needs before it counts.
MIN_STEPS = 5
#: How far (in pixels) the model may extrapolate from the largest measured level before its
#: figure is shown: 4 is two levels of the default schedule (each doubles the pixels).
MAX_LEVER = 4.0
#: A print's time left waits for a measured level of at least this many pixels (512x320), or
#: its largest whole one: from smaller levels, where a step is mostly fixed overhead, the first
#: figures said 1.3-1.9x the truth, and from 512x320 on 0.8-1.0x (benchmarks/README.md, "The
#: print plan on a quiet machine").
RATE_PIXELS = 150_000
#: Time constant of the shown figure, in seconds.
SMOOTHING_SECONDS = 8.0
#: A new estimate is clipped to within this factor of the shown figure before blending.
MAX_CORRECTION = 2.0
#: Only the latest step times of a level describe the machine's current speed.
RECENT_STEPS = 10
#: A step slower than this many times the level's median is counted as this: a laptop that
#: slept or a process stopped for a minute says little about the steps to come, while a
#: shared machine's slow spells (1.5-2x, measured) do and are counted in full.
OUTLIER = 2.0


def typical_step(times: Sequence[float]) -> float:
    """The expected seconds of the next step from a level's recent step times.

    The mean, not the median: on a shared machine the slow steps recur, and the time left is
    the sum of all of them; but each is clipped to :data:`OUTLIER` times the median.
    """
    recent = times[-RECENT_STEPS:]
    cap = OUTLIER * statistics.median(recent)
    return statistics.fmean(min(t, cap) for t in recent)


def step_units(pixels: float) -> float:
    """The work of one step at a level of ``pixels`` pixels (:attr:`Level.work`), in megapixel-steps."""
    return (pixels + OVERHEAD_PIXELS) / MEGAPIXEL


def tiled_cost(steps: int, threads: int = 1) -> float:
    """A step's work at a tiled level of ``steps`` steps against a whole level's step.

    Counted in forward passes through VGG19 (a whole step, forward and backward, is three):
    each sweep's visits evaluate the loss once a step and compute the photo's features of
    their window once, each sweep starts with a pass over the whole picture (the first also
    through the photo) and the level ends with one through both, for its losses. With one
    step a visit the passes are half the level: a print's last level costs a step 3.3 times
    a whole one, a level in sweeps of five 1.5 times; on several CPU ``threads``
    :data:`TILED_THREADS` times more.
    """
    forwards = sum(3 * n + 2 for n in sweep_steps(steps)) + 3
    parallel = TILED_THREADS if threads > 1 else 1.0
    return TILE_CONTEXT * parallel * forwards / (3 * max(1, steps))


def prepare_steps(level: Level) -> float:
    """A level's preparation in its steps, as the time model counts it before measuring."""
    return PREPARE_STEPS if level.cost == 1.0 else TILED_PREPARE_STEPS


def run_units(levels: Sequence[Level]) -> float:
    """The work of a whole run: every level's steps and its preparation."""
    return sum((lv.steps + prepare_steps(lv)) * step_units(lv.work) for lv in levels)


def planned_levels(settings: Settings, content_width: int, content_height: int) -> list[Level]:
    """The levels :func:`~nst_desktop.engine.run.stylize` goes through for these settings
    (it calls this), so the estimate before a run plans the run that follows.

    ``init="instant"`` with automatic levels means one level: the instant picture already
    holds the composition and the broad strokes that the coarse levels exist to find, so
    refining it at the output size is what pays. Measured at 256 px on three held-out pairs
    (benchmarks/README.md, "Instant style"): an instant start with 10 full-size L-BFGS steps
    beat the default 40-step coarse-to-fine run from the photo on style distance, content
    distance and loss (30-43 % lower) in less time, 20 steps by 39-50 %; the same instant
    start sent down the 40-step coarse-to-fine schedule was no reliable gain (17 % worse to
    35 % better than the default): shrinking it blurs away the strokes the coarse levels then
    paint again. An explicit ``levels`` above 1 is still honoured (starting from the instant
    picture at the first level's size). The instant picture is a painted start, so at print
    size its level only refines (:data:`~nst_desktop.engine.schedule.REFINE_STEPS`).
    """
    instant = settings.init == "instant"
    levels = 1 if instant and settings.levels == 0 else settings.levels
    return plan(content_width, content_height, settings.size, settings.steps, levels, painted_start=instant)


def with_tiling(levels: Sequence[Level], tiled: Callable[[Level], bool], threads: int = 1) -> list[Level]:
    """``levels`` with their :func:`tiled_cost` on those that ``tiled`` says run in tiles
    (on ``threads`` CPU threads; 1 for a GPU)."""
    return [dataclasses.replace(lv, cost=tiled_cost(lv.steps, threads)) if tiled(lv) else lv for lv in levels]


def expected_seconds(
    settings: Settings,
    content_width: int,
    content_height: int,
    seconds_per_unit: float | None,
    *,
    budget: int | None = None,
    used: int = 0,
    threads: int = 1,
) -> float | None:
    """How long an optimiser run with these settings will take on a computer whose rate an
    earlier run measured; ``None`` without a usable rate (no run yet on this device).

    ``seconds_per_unit`` is :attr:`EtaEstimator.seconds_per_unit` of an earlier run (the
    engine returns it as ``Result.seconds_per_unit``) on the same device. With the memory
    ``budget`` (bytes) and what the process ``used`` already, levels that will not fit are
    counted as tiled (:func:`tiled_cost`, on ``threads`` CPU threads). The model loading and
    the first-run warm-up are not included: they are seconds, this is for minutes.
    """
    if seconds_per_unit is None or not math.isfinite(seconds_per_unit) or seconds_per_unit <= 0:
        return None
    if settings.method != "optimise":
        return None
    levels = planned_levels(settings, content_width, content_height)
    if budget is not None:
        levels = with_tiling(
            levels, lambda lv: memory.plan_level(lv.width, lv.height, budget, used).tiled, threads
        )
    return seconds_per_unit * run_units(levels)


def updated_rate(previous: float | None, measured: float | None, weight: float = 0.5) -> float | None:
    """The rate to store after a run: a geometric blend of the stored one and the new one.

    One run on a busy machine should not double the next warning, and an outdated rate should
    fade within a few runs; the blend in log space treats "twice as slow" and "twice as fast"
    alike. A missing or unusable value on either side leaves the other.
    """
    ok_prev = previous is not None and math.isfinite(previous) and previous > 0
    ok_new = measured is not None and math.isfinite(measured) and measured > 0
    if not ok_new:
        return previous if ok_prev else None
    assert measured is not None
    if not ok_prev:
        return measured
    assert previous is not None
    return math.exp((1.0 - weight) * math.log(previous) + weight * math.log(measured))


def rate_key(device: str) -> str:
    """Where the window keeps the rate for ``device`` (the status bar's device name, as
    ``warm_up`` and ``Result.device`` give it) in its settings store: one rate per device,
    since a GPU paints a hundred times faster than the CPU beside it."""
    cleaned = "".join(c if c.isalnum() or c in " ()-._" else "_" for c in device)[:120]
    return f"eta/seconds_per_unit/{cleaned or 'unknown'}"


class EtaEstimator:
    """Seconds left of a run over ``levels``, fed with the run's events as they happen.

    The caller passes the clock (``now``, any monotonic seconds) with every event, so the
    estimator can be replayed and tested with synthetic timings. Events:

    * :meth:`level_started` when a level's preparation begins; calling it again for the same
      or an earlier level (a level restarted after a cancel or a retry) forgets the steps done
      there and after, but keeps every step time measured: they still describe the machine;
    * :meth:`step_done` after each optimisation step.
    """

    def __init__(self, levels: Sequence[Level]) -> None:
        self.levels = list(levels)
        n = len(self.levels)
        self._durations: list[list[float]] = [[] for _ in range(n)]  # step times, first excluded
        self._first: list[float | None] = [None] * n  # level start to its first step
        self._done = [0] * n
        self._current = -1
        self._level_start = 0.0
        self._last_event: float | None = None
        self._run_start: float | None = None
        self._finish: float | None = None  # the shown figure, as a predicted finish time
        self._updated = 0.0

    # -- events ----------------------------------------------------------------------------

    def level_started(self, index: int, now: float) -> None:
        if not 0 <= index < len(self.levels):
            raise ValueError(f"level {index} is not one of the {len(self.levels)} planned")
        if self._run_start is None:
            self._run_start = now
        for i in range(index, len(self.levels)):
            self._done[i] = 0
        self._current = index
        self._level_start = now
        self._last_event = now

    def step_done(self, index: int, now: float, steps: int = 1) -> None:
        """``steps`` more steps of level ``index`` are done (a tiled level reports a sweep of
        several at once: each counts as a step of the sweep's mean time, and such a level's
        preparation is not told apart from its steps)."""
        if index != self._current:
            self.level_started(index, self._last_event if self._last_event is not None else now)
        assert self._last_event is not None
        dt = max(0.0, now - self._last_event)
        if steps <= 0:
            return
        if steps == 1 and self._done[index] == 0:
            self._first[index] = dt
        else:
            self._durations[index].extend([dt / steps] * min(steps, RECENT_STEPS))
        self._done[index] += steps
        self._last_event = now
        self._update(now)

    # -- answers ---------------------------------------------------------------------------

    def remaining(self, now: float) -> float | None:
        """Seconds left, or ``None`` while estimating; 0.0 once every step is done."""
        if self.finished:
            return 0.0
        if self._finish is None:
            return None
        return max(0.0, self._finish - now)

    @property
    def finished(self) -> bool:
        return bool(self.levels) and all(self._done[i] >= lv.steps for i, lv in enumerate(self.levels))

    @property
    def seconds_per_unit(self) -> float | None:
        """This run's measured rate: seconds per unit of :func:`run_units`'s work so far.

        Counted like :func:`run_units` (a fixed :func:`prepare_steps` per level), so that
        :func:`expected_seconds` with this rate gives back this run's time for its settings.
        """
        if self._run_start is None or self._last_event is None:
            return None
        units = sum(
            (done + prepare_steps(lv)) * step_units(lv.work)
            for lv, done in zip(self.levels, self._done, strict=True)
            if done > 0
        )
        seconds = self._last_event - self._run_start
        if units <= 0 or seconds <= 0:
            return None
        return seconds / units

    # -- the model -------------------------------------------------------------------------

    def _step_seconds(self) -> tuple[float, float] | None:
        """``(a, b)`` of ``a + b * pixels`` from the measured levels, or ``None``."""
        rows: list[tuple[float, float, float]] = []  # (pixels, median seconds, weight)
        for i, lv in enumerate(self.levels):
            times = self._durations[i]
            if len(times) >= MIN_STEPS:
                rows.append((lv.work, typical_step(times), float(min(len(times), RECENT_STEPS))))
        if not rows:
            return None
        # The largest sizes say most about the levels to come; far smaller ones are dropped.
        rows.sort()
        rows = rows[-3:]
        if len({p for p, _, _ in rows}) < 2:
            p, t, _ = rows[-1]
            b = t / (p + OVERHEAD_PIXELS)
            return b * OVERHEAD_PIXELS, b
        sw = sum(w for _, _, w in rows)
        mp = sum(w * p for p, _, w in rows) / sw
        mt = sum(w * t for _, t, w in rows) / sw
        spp = sum(w * (p - mp) ** 2 for p, _, w in rows)
        b = sum(w * (p - mp) * (t - mt) for p, t, w in rows) / spp
        a = mt - b * mp
        if b <= 0:  # no growth with size seen (noise, or a GPU's overhead): flat
            return mt, 0.0
        if a < 0:  # no overhead seen: through the origin
            b = sum(w * p * t for p, t, w in rows) / sum(w * p * p for p, _, w in rows)
            return 0.0, b
        return a, b

    def _prepare_steps(self) -> float:
        """A level's preparation and first-step surcharge, in its steps, as measured."""
        seen = []
        for i in range(len(self.levels)):
            first, times = self._first[i], self._durations[i]
            if first is not None and len(times) >= MIN_STEPS:
                typical = typical_step(times)
                if typical > 0:
                    seen.append(min(20.0, max(0.0, first / typical - 1.0)))
        return statistics.fmean(seen[-3:]) if seen else PREPARE_STEPS

    def _raw(self, now: float) -> float | None:
        """The model's seconds left, unsmoothed; ``None`` when it would be a guess."""
        k = self._current
        if k < 0:
            return None
        model = self._step_seconds()
        if model is None:
            return None
        # The largest measured level anchors the model: its own recent median is the best
        # figure for its size, and the fit only scales it to the other sizes.
        anchor = max(
            (lv for i, lv in enumerate(self.levels) if len(self._durations[i]) >= MIN_STEPS),
            key=lambda lv: lv.work,
        )
        if anchor.work * MAX_LEVER * 1.05 < max(lv.work for lv in self.levels[k:]):  # sizes are rounded
            return self._by_rate(now)
        a, b = model
        measured = typical_step(self._durations[anchor.index])
        scale = measured / (a + b * anchor.work) if a + b * anchor.work > 0 else 1.0

        def per_step(i: int) -> float:
            times = self._durations[i]
            if len(times) >= MIN_STEPS:
                return typical_step(times)
            pixels = self.levels[i].work
            growth = SIZE_PENALTY ** math.log2(pixels / anchor.work) if pixels > anchor.work else 1.0
            return scale * (a + b * pixels) * growth

        measured_extra = self._prepare_steps()

        def extra(level: Level) -> float:
            # A tiled level's passes are in its cost; a whole level's first step is measured.
            return measured_extra if level.cost == 1.0 else prepare_steps(level)

        current = self.levels[k]
        per = per_step(k)
        left = max(0, current.steps - self._done[k]) * per
        if self._done[k] == 0:  # still preparing
            left += max(0.0, extra(current) * per - (now - self._level_start))
        for lv in self.levels[k + 1 :]:
            left += (lv.steps + extra(lv)) * per_step(lv.index)
        return left

    def _by_rate(self, now: float) -> float | None:
        """Seconds left from this run's rate so far and the work left, as :func:`run_units`
        counts it: the estimate before a run, with this run's own rate. For levels far
        larger than any measured (a print's tiled ones) the fitted line would be a guess,
        while the work model is the one the Print… dialog and the question used; so the
        three figures agree (issue 18, flow 3). Only where tiled levels are still to come."""
        k = self._current
        if all(lv.cost == 1.0 for lv in self.levels[k:]):
            return None  # an ordinary run: silence until a level near the last is measured
        rate = self._level_rate()
        if rate is None:
            return None
        current = self.levels[k]
        units = max(0, current.steps - self._done[k]) * step_units(current.work)
        if self._done[k] == 0:
            prepared = (now - self._level_start) / rate
            units += max(0.0, prepare_steps(current) * step_units(current.work) - prepared)
        units += run_units(self.levels[k + 1 :])
        return rate * units

    def _level_rate(self) -> float | None:
        """Seconds per unit of work at the largest level measured so far, its preparation
        included as this run measured it: the whole run's average (:attr:`seconds_per_unit`)
        counts the tiny levels, where a step is mostly fixed overhead and each level prepares
        the paintings anew, and at a print's start it said 3-5x the time left."""
        # A tiled level counts once a sweep is done: it reports sweeps, its passes inside.
        measured = [
            i
            for i, lv in enumerate(self.levels)
            if len(self._durations[i]) >= MIN_STEPS or (lv.cost != 1.0 and self._durations[i])
        ]
        if not measured:
            return None
        largest = max(measured, key=lambda i: self.levels[i].work)
        level = self.levels[largest]
        whole = [lv.pixels for lv in self.levels if lv.cost == 1.0]
        if level.cost == 1.0 and level.pixels < min(RATE_PIXELS, max(whole)):
            return None  # too small to say what a print's levels cost: "estimating…"
        step = typical_step(self._durations[largest])
        if level.cost != 1.0:  # its preparation is inside its sweeps' times
            return step * level.steps / ((level.steps + prepare_steps(level)) * step_units(level.work))
        # Its preparation as measured, spread over its steps, as run_units counts it.
        spread = (level.steps + self._prepare_steps()) / (level.steps + prepare_steps(level))
        return step * spread / step_units(level.work)

    def _update(self, now: float) -> None:
        raw = self._raw(now)
        if raw is None:
            return
        if self._finish is None:
            self._finish = now + raw
        else:
            shown = max(0.0, self._finish - now)
            if shown > 0:
                raw = min(max(raw, shown / MAX_CORRECTION), shown * MAX_CORRECTION)
            alpha = 1.0 - math.exp(-max(0.0, now - self._updated) / SMOOTHING_SECONDS)
            self._finish = now + shown + alpha * (raw - shown)
        self._updated = now
