"""A training's loss curve survives a restart: the checkpoint carries it, bounded, and a
damaged curve costs only the curve, never the resumption."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from nst_desktop.engine import Cancelled, StyleImage
from nst_desktop.engine.fast.loss_history import MAX_POINTS, LossHistory
from nst_desktop.engine.fast.train import TrainSettings, checkpoint_path, train_fast_style
from nst_desktop.engine.types import Progress

JOHNSON: dict[str, Any] = {"network": "johnson", "measure": False}
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples" / "content"


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six small photos from the built-in samples (a training needs a few)."""
    folder = tmp_path_factory.mktemp("photos")
    sources = sorted(SAMPLES.glob("*.jpg"))
    for i in range(6):
        img = Image.open(sources[i % len(sources)]).convert("RGB")
        img.thumbnail((80 + 7 * i, 80 + 7 * i))
        img.save(folder / f"photo{i}.png")
    return folder


def _stopped_after(step: int, photos: Path, painting: np.ndarray, out: Path) -> list[Progress]:
    """Train until ``step`` and stop there, as the artist's Stop does; its reports."""
    cancel = threading.Event()
    seen: list[Progress] = []

    def report(p: Progress) -> None:
        seen.append(p)
        if p.step >= step:
            cancel.set()

    settings = TrainSettings(size=32, steps=6, batch=1, seed=5, width=8, **JOHNSON)
    with pytest.raises(Cancelled):
        train_fast_style([StyleImage(painting)], photos, out, settings, on_progress=report, cancel=cancel)
    return seen


def _resume(photos: Path, painting: np.ndarray, out: Path) -> list[Progress]:
    seen: list[Progress] = []
    settings = TrainSettings(size=32, steps=6, batch=1, seed=5, width=8, **JOHNSON)
    train_fast_style([StyleImage(painting)], photos, out, settings, resume=True, on_progress=seen.append)
    return seen


def test_a_resumed_training_reports_its_curve_before_the_stop_once(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "mine.nststyle"
    first = _stopped_after(3, photos, painting, out)
    before = [(p.step, p.losses["total"]) for p in first if p.stage == "training"]
    assert all(not p.history for p in first), "a fresh training has no earlier curve"
    # A new process would read the same file: nothing but the checkpoint carries the curve.
    later = _resume(photos, painting, out)
    carrying = [p for p in later if p.history]
    assert len(carrying) == 1 and carrying[0].stage == "training" and carrying[0].step == 4
    assert [(step, losses["total"]) for step, losses in carrying[0].history] == before
    assert set(carrying[0].history[0][1]) == {"style", "content", "tv", "total"}


def test_a_damaged_curve_resumes_the_training_without_it(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "mine.nststyle"
    _stopped_after(2, photos, painting, out)
    state = torch.load(checkpoint_path(out), weights_only=True)
    assert isinstance(state["history"], str) and state["history"].startswith("[[1,")
    torch.save(state | {"history": "[[1, {\"total\": NaN}]]"}, checkpoint_path(out))
    later = _resume(photos, painting, out)
    assert later[-1].step == 6 and not any(p.history for p in later)
    assert out.is_file()


@pytest.mark.parametrize(
    "damage",
    [
        "not json",
        '[[1, {"total": NaN}]]',
        '[[1, {"total": Infinity}]]',
        '[[2, {"total": 1.0}], [1, {"total": 1.0}]]',
        '[[1, {"total": 1.0}], [1, {"total": 1.0}]]',
        '[[99, {"total": 1.0}]]',
        '[[-1, {"total": 1.0}]]',
        '[[true, {"total": 1.0}]]',
        '[[1, {"total": "x"}]]',
        '[[1, {"mystery": 1.0}]]',
        '[[1, {}]]',
        "[[1]]",
        "{}",
        "[" * 100_000,
        "[]" + " " * (2 << 20),
        12,
        None,
    ],
)
def test_a_damaged_curve_reads_as_none(damage: object) -> None:
    assert LossHistory.from_json(damage, last_step=10).points() == ()


def test_a_checkpoint_without_a_curve_resumes_without_one(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "old.nststyle"
    _stopped_after(2, photos, painting, out)
    state = torch.load(checkpoint_path(out), weights_only=True)
    del state["history"]  # written before the curve was kept
    torch.save(state, checkpoint_path(out))
    later = _resume(photos, painting, out)
    assert not any(p.history for p in later) and out.is_file()


def test_the_curve_stays_bounded_however_long_the_training() -> None:
    history = LossHistory()
    for step in range(1, 20 * MAX_POINTS + 1):
        history.add(step, {"total": 1.0 / step, "style": 0.5})
    points = history.points()
    assert MAX_POINTS // 2 <= len(points) <= MAX_POINTS
    steps = [step for step, _ in points]
    assert steps == sorted(steps) and steps[-1] >= 20 * MAX_POINTS - 32, "it reaches the present"
    gaps = {b - a for a, b in itertools.pairwise(steps)}
    assert len(gaps) == 1, "evenly thinned"
    again = LossHistory.from_json(history.to_json(), steps[-1])
    assert again.points() == points
    assert len(history.to_json()) < 200_000


def test_steps_only_go_forward_and_foreign_terms_are_not_kept() -> None:
    history = LossHistory()
    history.add(2, {"total": 1.0, "mystery": 3.0})
    history.add(2, {"total": 0.5})
    history.add(1, {"total": 0.5})
    history.add(3, {"total": float("inf")})
    assert history.points() == ((2, {"total": 1.0}),)


def test_a_thinned_curve_read_back_goes_on_at_its_stride() -> None:
    history = LossHistory()
    for step in range(1, 3 * MAX_POINTS):
        history.add(step, {"total": 1.0})
    last = history.points()[-1][0]
    again = LossHistory.from_json(history.to_json(), last)
    for step in range(last + 1, last + 9):
        again.add(step, {"total": 1.0})
    steps = [step for step, _ in again.points()]
    assert len({b - a for a, b in itertools.pairwise(steps)}) == 1
