"""The progress bar's words for the time left, and the question before a long run."""

from __future__ import annotations

import pytest

from nst_desktop.engine import Progress
from nst_desktop.gui.progress_text import describe_progress, rough_duration


def painting(step: int, eta: float | None, total: int = 300) -> Progress:
    return Progress("painting", step, total, level=2, levels=7, size=(91, 91), eta=eta)


def test_a_run_without_a_figure_yet_says_it_is_estimating() -> None:
    assert describe_progress(painting(12, None)) == "Level 2/7 · step 12/300 · estimating…"


def test_a_figure_replaces_estimating() -> None:
    text = describe_progress(painting(120, 95.0))
    assert text.endswith("about 1 min 35 s left") and "estimating" not in text


def test_a_finished_run_does_not_estimate() -> None:
    assert "estimating" not in describe_progress(painting(300, None))


def test_training_without_a_figure_says_it_is_estimating() -> None:
    p = Progress("training", 3, 2000, level=1, levels=1, size=(256, 256), eta=None)
    assert describe_progress(p) == "Training · step 3/2000 · estimating…"


def test_loading_and_preparing_do_not_estimate() -> None:
    assert "estimating" not in describe_progress(Progress("loading", 0, 300, 1, 7, (64, 64)))
    assert "estimating" not in describe_progress(Progress("preparing", 0, 300, 1, 7, (64, 64)))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (50.0, "1 minute"),
        (720.0, "12 minutes"),
        (5400.0, "1 hour 30 minutes"),
        (7300.0, "2 hours"),
    ],
)
def test_a_forecast_reads_as_a_rough_duration(seconds: float, text: str) -> None:
    assert rough_duration(seconds) == text


def test_a_tiled_level_shows_its_tile_and_the_level_time_left() -> None:
    text = describe_progress(
        Progress("painting", 120, 300, 4, 5, (2896, 1931), tile=7, tiles=48, level_eta=3600.0, eta=4000.0)
    )
    assert "tile 7/48" in text and "level: 1 h 00 min left" in text and "about 1 h 06 min left" in text
    # On the last level the level's time left is the run's: said once.
    last = describe_progress(
        Progress("painting", 290, 300, 5, 5, (4096, 2731), tile=7, tiles=48, level_eta=900.0, eta=900.0)
    )
    assert last == "Level 5/5 · step 290/300 · tile 7/48 · about 15 min 00 s left"


def test_a_pass_over_a_print_size_picture_counts_its_parts() -> None:
    """Issue 17: "preparing 3508x2192 px…" showed for 2 min 10 s with nothing else."""
    text = describe_progress(
        Progress("preparing", 297, 300, 10, 10, (3508, 2192), tile=12, tiles=40, eta=400.0)
    )
    assert text == "Level 10/10 · 3508×2192 px · statistics 12/40 · about 6 min 40 s left"
    assert "statistics" not in describe_progress(Progress("preparing", 0, 300, 1, 7, (64, 64)))
