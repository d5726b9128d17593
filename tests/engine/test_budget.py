"""The training budget (engine/fast/budget.py) on a clock the test drives: no timing here."""

from __future__ import annotations

import pytest

from nst_desktop.engine.fast.budget import STEP_CAP, Budget


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(budget: Budget, clock: FakeClock, per_step: float, first: int = 0) -> int:
    """Drive ``budget`` as the trainer does, each step taking ``per_step`` seconds."""
    step = first
    budget.lap()
    while not budget.done(step):
        clock.now += per_step
        step += 1
        budget.lap()
        assert step < 10 * STEP_CAP
    return step


@pytest.mark.parametrize("per_step", [0.01, 0.3, 1.0, 6.5, 45.0])
def test_a_time_budget_ends_within_half_a_step_whatever_the_rate(per_step: float) -> None:
    clock = FakeClock()
    budget = Budget(steps=STEP_CAP, seconds=600.0, clock=clock)
    steps = run(budget, clock, per_step)
    assert abs(budget.elapsed - 600.0) <= per_step / 2 + 1e-9, (steps, budget.elapsed)
    assert abs(budget.elapsed - 600.0) <= 0.1 * 600
    assert steps == round(600.0 / per_step)
    assert budget.fraction(steps) == 1.0 and budget.eta(steps) == 0.0 and budget.total(steps) == steps


def test_the_step_cap_still_bounds_a_time_budget() -> None:
    clock = FakeClock()
    budget = Budget(steps=7, seconds=600.0, clock=clock)
    assert run(budget, clock, 1.0) == 7 and budget.elapsed == 7.0


def test_a_step_budget_ignores_the_clock() -> None:
    clock = FakeClock()
    budget = Budget(steps=12, clock=clock)
    assert run(budget, clock, 500.0) == 12
    assert budget.fraction(6) == 0.5 and budget.total(3) == 12


def test_time_spent_before_a_resumption_counts() -> None:
    clock = FakeClock()
    budget = Budget(steps=STEP_CAP, seconds=600.0, spent=240.0, clock=clock)
    assert budget.elapsed == 240.0 and budget.fraction(0) == pytest.approx(0.4)
    steps = run(budget, clock, 2.0, first=120)
    assert steps - 120 == 180, "a 10-minute training stopped at 4 minutes trains 6 more"
    assert budget.elapsed == pytest.approx(600.0)


def test_a_budget_already_spent_runs_no_step() -> None:
    clock = FakeClock()
    budget = Budget(steps=STEP_CAP, seconds=600.0, spent=601.0, clock=clock)
    assert budget.done(50) and run(budget, clock, 1.0, first=50) == 50


def test_a_training_runs_one_step_however_long_the_loading_took() -> None:
    clock = FakeClock()
    budget = Budget(steps=STEP_CAP, seconds=1.0, clock=clock)
    clock.now += 30.0
    assert not budget.done(0) and run(budget, clock, 5.0) == 1


def test_progress_figures_follow_the_time_not_the_steps() -> None:
    clock = FakeClock()
    budget = Budget(steps=STEP_CAP, seconds=100.0, clock=clock)
    assert budget.eta(0) == 100.0 and budget.total(0) == 1 and budget.seconds_per_step is None
    budget.lap()
    for _ in range(10):
        clock.now += 2.0
        budget.lap()
    assert budget.seconds_per_step == 2.0
    assert budget.fraction(10) == pytest.approx(0.2)
    assert budget.eta(10) == pytest.approx(80.0)
    assert budget.total(10) == 50
    # The rate follows a change of load: the recent steps' median, not the mean since the start.
    for _ in range(60):
        clock.now += 0.5
        budget.lap()
    assert budget.seconds_per_step == 0.5
    assert budget.total(70) == 70 + round((100.0 - 50.0) / 0.5)


def test_a_step_budget_says_nothing_of_the_time_left_until_three_steps_are_timed() -> None:
    clock = FakeClock()
    budget = Budget(steps=10, clock=clock)
    budget.lap()
    for step in range(1, 4):
        assert budget.eta(step - 1) is None
        clock.now += 3.0
        budget.lap()
    assert budget.eta(3) == pytest.approx(21.0)


@pytest.mark.parametrize("seconds", [0.0, -5.0, float("nan"), float("inf")])
def test_a_budget_of_no_time_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError):
        Budget(steps=10, seconds=seconds)
