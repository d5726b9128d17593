"""Issue 18: one record of a run, from the painter through the pipeline to the file and back.

The pipeline's record carries the picture before the fade and the inputs it read; its fade is
the one fade; the file it writes carries its document, and reading the file gives the record
(settings, inputs, regions) back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nst_desktop.engine import Result, Settings, SettingsError
from nst_desktop.engine.fade import fade, to_8bit
from nst_desktop.engine.images import read_metadata, save_image
from nst_desktop.engine.metadata import regions_from_metadata, settings_from_metadata
from nst_desktop.engine.pipeline import ImageInput, Job, run_job, stopped_record
from nst_desktop.engine.record import Record, SourceRef, read_record, stopped_percent


def _paint_white(content: Any, styles: Any, settings: Settings, **kwargs: Any) -> Result:
    h, w = content.shape[:2]
    white = np.ones((h, w, 3), np.float32)
    return Result(to_8bit(white), white, settings.replace(seed=5), "test device", 1.25, settings.steps)


def _job(tmp_path: Path, **changes: Any) -> Job:
    photo = np.full((24, 32, 3), 100, np.uint8)
    save_image(tmp_path / "photo.png", photo)
    save_image(tmp_path / "style.png", np.zeros((24, 32, 3), np.uint8))
    region = np.zeros((24, 32, 3), np.uint8)
    region[:, :16] = 255
    save_image(tmp_path / "left.png", region)
    style = ImageInput(
        "style.png", tmp_path / "style.png", weight=0.5, mask=ImageInput("left.png", tmp_path / "left.png")
    )
    settings = Settings(size=32, steps=2, strength=0.5)
    return Job(ImageInput("photo.png", tmp_path / "photo.png"), (style,), settings.replace(**changes))


def test_the_pipeline_record_carries_the_picture_before_the_fade_and_its_inputs(tmp_path: Path) -> None:
    job = _job(tmp_path)
    record = run_job(job, paint=_paint_white)
    assert isinstance(record, Record) and record.can_fade
    assert record.unfaded is not None and np.allclose(record.unfaded, 1.0), "painted at full strength"
    assert record.settings.strength == 0.5 and record.settings.seed == 5
    assert np.allclose(record.image_float, 0.5 + 0.5 * 100 / 255, atol=1e-6), "faded once, halfway"
    assert record.image[0, 0, 0] == 178
    assert record.photo == SourceRef("photo.png", str(tmp_path / "photo.png"))
    (painting,) = record.paintings
    assert painting.name == "style.png" and painting.weight == 0.5 and painting.mask is not None
    assert record.threads is not None and record.threads >= 1
    # Fade moved on the finished picture: the same fade, the same run, recorded with its strength.
    photo = job.content.load(32)
    moved = record.faded(0.25, photo)
    assert moved.settings.strength == 0.25 and moved.settings.seed == 5 and moved.unfaded is record.unfaded
    assert np.array_equal(moved.image_float, fade(record.unfaded, photo, 0.25))
    assert not moved.image.flags.writeable, "a record's pixels cannot be repainted in place"
    assert moved.faded(0.5, photo).metadata() == record.metadata()


def test_the_file_a_record_writes_reads_back_as_the_record(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    record = run_job(replace(_job(tmp_path), output_path=out), paint=_paint_white)
    meta = read_metadata(out)
    assert meta == record.metadata(), "the file carries the record's own document"
    assert settings_from_metadata(meta) == record.settings
    back = read_record(out)
    assert back.settings == settings_from_metadata(meta)
    assert np.array_equal(back.image, record.image), "what was on show is what was saved"
    assert back.photo == SourceRef("photo.png") and back.paintings[0].mask == record.paintings[0].mask
    assert back.device == "test device" and back.seconds == pytest.approx(1.25)
    assert back.threads == record.threads and back.complete and not back.can_fade
    masks, keep = regions_from_metadata(back.metadata())
    assert masks[0] is not None and keep is None and float(masks[0][:, :8].mean()) > 0.99
    save_image(tmp_path / "foreign.png", record.image)
    with pytest.raises(SettingsError, match="carries no nst-desktop settings"):
        read_record(tmp_path / "foreign.png")


def test_an_instant_picture_is_faded_by_its_network_and_cannot_be_moved(tmp_path: Path) -> None:
    record = run_job(_job(tmp_path, method="instant"), paint=_paint_white)
    assert record.unfaded is None and not record.can_fade
    assert np.allclose(record.image_float, 1.0) and record.faded(0.1, record.image) is record


def test_a_stopped_run_records_its_preview_unfaded_with_the_job_inputs(tmp_path: Path) -> None:
    job = _job(tmp_path)
    preview = np.full((12, 16, 3), 7, np.uint8)
    record = stopped_record(job, preview, progress=0.4, device="cpu", seconds=3.0)
    assert not record.complete and record.progress == 0.4 and not record.can_fade
    assert record.settings.strength == 1.0, "the preview was painted at full strength"
    assert record.photo is not None and record.photo.name == "photo.png"
    assert [p.name for p in record.paintings] == ["style.png"]
    assert record.metadata()["stopped_early"] is True
    assert record.summary() == "Painted: 16×12 px, seed None, stopped at 40%"
    assert np.array_equal(to_8bit(record.image_float), preview)


def test_a_stopped_run_keeps_the_regions_it_was_painted_with(tmp_path: Path) -> None:
    """A stopped version restores its regions as a finished one does; a mask gone is left out."""
    job = _job(tmp_path)
    left = np.zeros((24, 32, 3), np.uint8)
    left[:, :16] = 255
    painting = replace(job.styles[0], mask=ImageInput("left.png", pixels=left))
    job = replace(job, styles=(painting,), keep=ImageInput("keep.png", pixels=255 - left))
    preview = np.full((12, 16, 3), 7, np.uint8)
    record = stopped_record(job, preview, progress=0.4, device="cpu", seconds=3.0)
    (mask,), keep = regions_from_metadata(record.metadata())
    assert keep is not None and keep[:, :8].mean() < 0.05 and keep[:, 8:].mean() > 0.95
    assert mask is not None and mask[:, :8].mean() > 0.95 and mask[:, 8:].mean() < 0.05
    gone = replace(job, keep=ImageInput("gone.png", tmp_path / "gone.png"))
    record = stopped_record(gone, preview, progress=0.4, device="cpu", seconds=3.0)
    assert record.keep is None and record.paintings[0].name == "style.png"


def test_one_rule_says_how_far_a_stopped_run_got() -> None:
    """The progress line, the history badge, the summary and the file name floor the same way."""
    assert [stopped_percent(p) for p in (0.0, 0.174, 0.176, 0.998, 1.0, -0.1)] == [0, 17, 17, 99, 99, 0]
