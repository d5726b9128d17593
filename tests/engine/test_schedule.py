"""Coarse to fine: the steps each level gets, and the short refinement of print-size levels."""

from __future__ import annotations

import numpy as np
import pytest

from nst_desktop.engine import run, schedule, tiles
from nst_desktop.engine.eta import planned_levels
from nst_desktop.engine.schedule import REFINE_STEPS, plan
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Progress, StyleImage


@pytest.mark.parametrize("size", [3508, 4096, 8192])
def test_a_print_paints_whole_up_to_1024_px_then_doubles_with_short_refinements(size: int) -> None:
    levels = plan(1200, 800, size, 300)
    assert sum(lv.steps for lv in levels) == 300
    big = [lv for lv in levels if lv.width > schedule.PRINT_WHOLE]
    small = [lv for lv in levels if lv.width <= schedule.PRINT_WHOLE]
    assert [lv.steps for lv in big] == [schedule.PRINT_MID_STEPS] * (len(big) - 1) + [
        schedule.PRINT_FINAL_STEPS
    ]
    assert big[-1].width == size and big[0].width > schedule.PRINT_WHOLE
    # Above the whole levels the size doubles: no sqrt(2) level in tiles pays for little.
    assert all(b.width == pytest.approx(2 * a.width, abs=1) for a, b in zip(big, big[1:], strict=False))
    assert big[0].width <= 2 * small[-1].width + 1
    # The steps go to the whole levels, which decide the picture, with a double first share.
    assert all(lv.steps >= 29 for lv in small[1:]) and small[0].steps >= 2 * small[1].steps - 1


def test_a_print_just_over_the_whole_size_keeps_that_level_whole() -> None:
    levels = plan(1200, 800, 2100, 300)
    assert [lv.width for lv in levels][-2:] == [1050, 2100]
    assert levels[-2].steps > schedule.PRINT_MID_STEPS and levels[-1].steps == schedule.PRINT_FINAL_STEPS


def test_sizes_up_to_2048_are_planned_as_before() -> None:
    levels = plan(1200, 800, 2048, 300)
    assert [lv.steps for lv in levels] == schedule._split(300, [2.0] + [1.0] * (len(levels) - 1))


def test_a_few_steps_are_never_raised_to_the_refinement() -> None:
    levels = plan(1200, 800, 4096, 20)
    assert sum(lv.steps for lv in levels) == 20
    assert all(1 <= lv.steps <= REFINE_STEPS for lv in levels)
    # Fewer steps than the whole levels need: the ordinary plan, every level at least one.
    few = plan(1200, 800, 4096, 8)
    assert sum(lv.steps for lv in few) == 8 and all(lv.steps >= 1 for lv in few)


def test_a_single_level_refines_only_from_a_painted_start() -> None:
    # The instant picture is painted: at print size it gets the short refinement.
    instant = planned_levels(Settings(size=4096, init="instant"), 1200, 800)
    assert [(lv.width, lv.steps) for lv in instant] == [(4096, REFINE_STEPS)]
    # Asked to paint the photo at full size only, the run keeps every step it was given.
    whole = planned_levels(Settings(size=4096, levels=1), 1200, 800)
    assert [(lv.width, lv.steps) for lv in whole] == [(4096, 300)]


@pytest.mark.parametrize("steps", range(1, 61))
def test_sweeps_hold_every_step_as_evenly_as_they_can(steps: int) -> None:
    sweeps = tiles.sweep_steps(steps)
    assert sum(sweeps) == steps
    assert len(sweeps) == -(-steps // tiles.VISIT_STEPS)
    assert max(sweeps) <= tiles.VISIT_STEPS and max(sweeps) - min(sweeps) <= 1
    assert tiles.sweep_steps(REFINE_STEPS) == [3, 3]  # one grid, then the shifted one


def test_the_engine_runs_the_refinement_it_planned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule scaled down: levels over 48 px refine, in tiles, on the real VGG19."""
    monkeypatch.setattr(schedule, "REFINE_ABOVE", 48)
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (72, 96, 3), dtype=np.uint8)
    painting = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    settings = Settings(size=96, steps=30, levels=3, seed=3, device="cpu")
    planned = planned_levels(settings, 96, 72)
    assert [lv.steps for lv in planned] == [30 - 2 * REFINE_STEPS, REFINE_STEPS, REFINE_STEPS]
    seen: list[Progress] = []
    result = run.stylize(photo, [StyleImage(painting)], settings, on_progress=seen.append, tile=48)
    assert result.steps == 30
    assert {p.total for p in seen} == {30}
    last = [p for p in seen if p.level == 3 and p.tiles and p.stage == "painting"]
    # Two sweeps: 2x2 tiles, then the shifted grid (its 96 px side is two tiles: 3 starts).
    assert last[-1].tiles == len(tiles.grid(72, 96, 48)) + len(tiles.grid(72, 96, 48, shifted=True))
    assert result.image.shape == (72, 96, 3)


def test_a_prints_whole_levels_take_their_precision_as_a_1024_px_picture_would() -> None:
    """precision.level_dtype keeps the coarse levels in float32; judged against 4096 px that
    was every whole level of a print (5.8 s a step at 724 px against 3.3 s in bfloat16)."""
    import torch

    from nst_desktop.engine import precision

    levels = plan(1024, 640, 4096, 300)
    whole = [lv for lv in levels if lv.width <= schedule.PRINT_WHOLE]
    assert all(run.precision_reference(levels, lv) == whole[-1] for lv in whole)
    assert all(run.precision_reference(levels, lv) == levels[-1] for lv in levels[len(whole) :])
    dtypes = [precision.level_dtype(torch.bfloat16, lv, run.precision_reference(levels, lv)) for lv in levels]
    alone = plan(1024, 640, 1024, 300)  # the same whole levels as a 1024 px picture
    assert dtypes[: len(whole)] == [precision.level_dtype(torch.bfloat16, lv, alone[-1]) for lv in alone]
    assert dtypes[-2:] == [torch.bfloat16, torch.bfloat16]
    # Pictures up to 2048 px are judged against their last level, as before.
    small = plan(1024, 640, 2048, 300)
    assert all(run.precision_reference(small, lv) == small[-1] for lv in small)
