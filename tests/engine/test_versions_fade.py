"""A version read back after a restart can still be faded: at full strength its picture is the
one before the fade, below it that one is kept beside it; nothing else keeps one, and a
damaged one costs only Fade."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Result, Settings
from nst_desktop.engine.fade import fade
from nst_desktop.engine.versions import VersionStore

PHOTO = np.full((20, 30, 3), 128, np.uint8)
HALF_LEVEL = 0.5 / 65535 + 1e-6


def _run(method: str = "optimise", strength: float = 1.0, complete: bool = True) -> Result:
    """A finished run's record as the pipeline makes it: painted, then faded against the photo."""
    painted = np.random.default_rng(3).random((20, 30, 3), dtype=np.float32)
    shown = fade(painted, PHOTO, strength)
    return Result(
        image=np.rint(shown * 255).astype(np.uint8),
        image_float=shown,
        settings=Settings(seed=7, method=method, strength=strength),  # type: ignore[arg-type]
        device="CPU",
        seconds=2.0,
        steps=10,
        complete=complete,
        progress=1.0 if complete else 0.4,
        unfaded=painted if method != "instant" and complete else None,
    )


def _files(folder: Path) -> list[str]:
    return sorted(name.split(".", 1)[1] for name in os.listdir(folder))


@pytest.mark.parametrize("method", ["optimise", "fast"])
def test_a_faded_version_keeps_the_picture_before_its_fade(tmp_path: Path, method: str) -> None:
    record = _run(method, strength=0.4)
    version = VersionStore(tmp_path).add_record(record).version
    assert version.unfaded
    assert _files(tmp_path) == ["json", "thumb.png", "tif", "unfaded.tif"]
    back = VersionStore(tmp_path).record(version.id)  # the next start of the app
    assert back is not None and back.can_fade and back.unfaded is not None
    assert np.abs(back.unfaded - record.unfaded).max() <= HALF_LEVEL  # type: ignore[operator]
    assert np.abs(back.image_float - record.image_float).max() <= HALF_LEVEL
    # Fade moved to full strength after the restart: the painted picture, not the faded one.
    full = back.faded(1.0, PHOTO)
    assert full.settings.strength == 1.0
    assert np.abs(full.image_float - record.unfaded).max() <= HALF_LEVEL  # type: ignore[operator]


def test_at_full_strength_the_picture_is_the_one_before_the_fade(tmp_path: Path) -> None:
    record = _run("optimise", strength=1.0)
    version = VersionStore(tmp_path).add_record(record).version
    assert not version.unfaded and _files(tmp_path) == ["json", "thumb.png", "tif"]
    back = VersionStore(tmp_path).record(version.id)
    assert back is not None and back.can_fade and back.unfaded is back.image_float
    faded = back.faded(0.25, PHOTO)
    assert np.abs(faded.image_float - fade(record.image_float, PHOTO, 0.25)).max() < 1e-4


@pytest.mark.parametrize(("method", "complete"), [("instant", True), ("optimise", False)])
def test_instant_and_stopped_pictures_keep_no_second_picture(
    tmp_path: Path, method: str, complete: bool
) -> None:
    """The instant network mixes its fade into the painting; a stopped run is not faded."""
    version = VersionStore(tmp_path).add_record(_run(method, strength=0.5, complete=complete)).version
    assert not version.unfaded and "unfaded.tif" not in _files(tmp_path)
    back = VersionStore(tmp_path).record(version.id)
    assert back is not None and not back.can_fade


def test_a_damaged_picture_before_the_fade_costs_only_fade(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = store.add_record(_run(strength=0.5)).version
    (tmp_path / f"{version.id}.unfaded.tif").write_bytes(b"II*\0 damaged")
    back = VersionStore(tmp_path).record(version.id)
    assert back is not None and not back.can_fade
    assert back.image.shape == (20, 30, 3)


def test_deleting_and_dropping_take_the_second_picture_too(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, limit=1)
    first = store.add_record(_run(strength=0.5)).version
    second = store.add_record(_run(strength=0.5)).version
    assert store.add_record(_run(strength=0.5)).dropped[0].id in {first.id, second.id}
    names = os.listdir(tmp_path)
    assert len([n for n in names if n.endswith(".unfaded.tif")]) == 1
    [kept] = store.versions()
    assert store.delete(kept.id) and os.listdir(tmp_path) == []


def test_an_old_orphan_picture_before_the_fade_is_swept(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    orphan = tmp_path / "20200101-000000-000-000000aa.unfaded.tif"
    orphan.write_bytes(b"left by a killed writer")
    hour_ago = time.time() - 2 * 3600
    os.utime(orphan, (hour_ago, hour_ago))
    store.add_record(_run())
    assert not orphan.exists()


def test_a_foreign_picture_before_the_fade_costs_no_version(tmp_path: Path) -> None:
    """A 10 GB sparse file in its place counts as nothing against the byte bound."""
    store = VersionStore(tmp_path, max_bytes=1 << 20)
    first = store.add_record(_run(strength=0.5)).version
    with open(tmp_path / f"{first.id}.unfaded.tif", "wb") as f:
        f.truncate(10 << 30)
    added = store.add_record(_run(strength=0.5))
    assert added.dropped == () and len(store.versions()) == 2
