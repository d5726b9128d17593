"""How long a training runs: a number of steps, or a time to spend whatever the steps cost.

A step's cost varies a hundredfold between computers (and with what else they run), so a
budget in time cannot be turned into steps beforehand: :class:`Budget` watches the clock while
the training runs and says when to stop. It knows nothing of networks or losses, so every kind
of training loop can use it; the loop calls :meth:`Budget.lap` after each step and asks
:meth:`Budget.done` before the next. The clock is injectable so tests can drive it.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Final

STEP_CAP: Final = 1_000_000
"""The most steps a training may run; a time budget's step count is open-ended up to it."""

MAX_SECONDS: Final = 30 * 24 * 3600.0
"""The longest time budget accepted (30 days): anything longer is a typing mistake."""

_RECENT: Final = 50  # laps the step rate is the median of: recent enough to follow a change of load


class Budget:
    """A training's budget: ``steps`` at most and, when ``seconds`` is given, that much time.

    ``spent`` is the training time earlier sessions of the same training used (read from its
    checkpoint), so a resumed training continues the same budget rather than starting it anew.
    The time counted is the trainer's whole wall time from the budget's creation, loading and
    checkpoints included: it is what the artist waits for.
    """

    def __init__(
        self,
        *,
        steps: int,
        seconds: float | None = None,
        spent: float = 0.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if steps < 0:
            raise ValueError("steps must not be negative")
        if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
            raise ValueError("seconds must be a positive number")
        self.steps = steps
        self.seconds = seconds
        self.spent = max(0.0, spent) if math.isfinite(spent) else 0.0
        self.clock = clock
        self.started = clock()
        self._last_lap: float | None = None
        self._laps: list[float] = []

    @property
    def elapsed(self) -> float:
        """Training time so far, earlier sessions included."""
        return self.spent + max(0.0, self.clock() - self.started)

    def lap(self) -> None:
        """Mark the end of a step (the first call marks the start of the first one)."""
        now = self.clock()
        if self._last_lap is not None:
            self._laps.append(max(0.0, now - self._last_lap))
            del self._laps[:-_RECENT]
        self._last_lap = now

    @property
    def laps(self) -> int:
        """Steps timed in this session (the number of recent ones kept, at most 50)."""
        return len(self._laps)

    @property
    def seconds_per_step(self) -> float | None:
        """The median of the recent steps' wall times, ``None`` before the first."""
        return statistics.median(self._laps) if self._laps else None

    def done(self, step: int) -> bool:
        """Whether to stop before starting step ``step + 1`` (``step`` steps being done).

        With a time budget it stops at the step boundary nearest the budget: when the next
        step would end more than half a step past it. A training thus ends within half a step
        of its time, however slow or fast the steps are. It runs one step at least, though:
        a network that never learnt is no style, whatever the loading took.
        """
        if step >= self.steps:
            return True
        if self.seconds is None or step == 0:
            return False
        left = self.seconds - self.elapsed
        rate = self.seconds_per_step
        return left <= 0 or (rate is not None and left < rate / 2)

    def fraction(self, step: int) -> float:
        """How much of the budget is used, 0..1 (1 once it is :meth:`done`)."""
        if self.done(step):
            return 1.0
        by_steps = step / self.steps
        return by_steps if self.seconds is None else min(1.0, max(self.elapsed / self.seconds, by_steps))

    def eta(self, step: int) -> float | None:
        """Seconds left; ``None`` while a step budget has too few steps timed to tell."""
        rate = self.seconds_per_step
        by_steps = None
        if rate and (self.seconds is not None or len(self._laps) >= 3):
            by_steps = max(0, self.steps - step) * rate
        if self.seconds is None:
            return by_steps
        if self.done(step):
            return 0.0
        by_time = max(0.0, self.seconds - self.elapsed)
        return by_time if by_steps is None else min(by_time, by_steps)

    def total(self, step: int) -> int:
        """The steps the training will have run when it ends: exact for a step budget, a
        running estimate from the step rate for a time budget."""
        if self.seconds is None or self.done(step):
            return self.steps if self.seconds is None else step
        rate = self.seconds_per_step
        if not rate:
            return min(self.steps, step + 1)
        left = max(0.0, self.seconds - self.elapsed)
        return min(self.steps, step + max(1, round(left / rate)))
