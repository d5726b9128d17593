"""The window's saves record the CPU threads of the run that made the picture, as the command
line's do (engine/record.py's metadata): a fact of that run, never restored as a setting."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nst_desktop.engine import Result, Settings, images
from nst_desktop.engine.metadata import settings_from_metadata
from nst_desktop.engine.pipeline import ImageInput, Job
from nst_desktop.gui.main_window.picture import Picture


def _job() -> Job:
    settings = Settings(size=64, seed=1, precision="bfloat16")
    return Job(
        content=ImageInput(name="photo.png"), styles=(ImageInput(name="painting.jpg"),), settings=settings
    )


def test_a_finished_picture_saves_the_threads_it_ran_with(tmp_path: Path) -> None:
    job = _job()
    full = np.random.default_rng(0).random((48, 64, 3), dtype=np.float32)
    result = Result((full * 255).astype(np.uint8), full, job.settings, "cpu", 1.5, 10, threads=2)
    picture = Picture.finished(job, result, None)
    assert picture.metadata()["threads"] == 2
    assert picture.faded(0.5, (full * 255).astype(np.uint8)).metadata()["threads"] == 2
    out = tmp_path / "saved.png"
    images.save_image(out, picture.image_to_save(), metadata=picture.metadata())
    meta = images.read_metadata(out)
    assert meta is not None and meta["threads"] == 2 and meta["precision"] == "bfloat16"
    assert settings_from_metadata(meta).threads == 0  # not restored: the next machine chooses


def test_a_stopped_picture_names_no_thread_count() -> None:
    job = _job()
    preview = np.zeros((24, 32, 3), np.uint8)
    picture = Picture.stopped(job, preview, None, 0.4, "cpu", 0.5)
    assert "threads" not in picture.metadata()
