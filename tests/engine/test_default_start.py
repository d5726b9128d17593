"""The default Paint's start and budget, and what documents that name neither mean.

Issue 17 asked whether the default Paint should start from the instant picture with fewer
steps; measured in one go (benchmarks/README.md, "The default Paint in one go"), no budget met
the target at the default size, so the default stays the photo with 300 steps. These tests
hold that choice in place, and guard the day it changes: settings documents, presets and
pictures' metadata that name no start or no step count were written meaning the photo and 300
steps, and must keep meaning that (a new default then needs a schema step with a migration).
"""

from __future__ import annotations

import json
from pathlib import Path

from nst_desktop.engine.presets import read_preset_file
from nst_desktop.engine.schedule import plan
from nst_desktop.engine.settings import SPECS, Settings


def test_the_default_paint_starts_from_the_photo_with_300_steps() -> None:
    default = Settings()
    assert (default.init, default.steps, default.size, default.levels) == ("content", 300, 512, 0)
    # What the measurement compared against: 7 levels from 64 to 512 px, 38 steps at full size.
    levels = plan(512, 512, default.size, default.steps, default.levels)
    assert [lv.width for lv in levels] == [64, 91, 128, 181, 256, 362, 512]
    assert levels[-1].steps == 38


def test_the_instant_start_is_one_choice_away() -> None:
    choices = dict(SPECS["init"].choices)
    assert choices["content"] == "The photo" and "instant" in choices
    assert Settings().replace(init="instant").init == "instant"


def test_a_document_that_names_no_start_means_the_photo_and_300_steps() -> None:
    old = Settings.from_dict({"schema_version": 1, "size": 640, "style_strength": 2.0})
    assert (old.init, old.steps) == ("content", 300)
    without_version = Settings.from_json(json.dumps({"keep_content": 3.0}))
    assert (without_version.init, without_version.steps) == ("content", 300)


def test_a_preset_file_that_names_no_start_means_the_photo(tmp_path: Path) -> None:
    path = tmp_path / "hand-made.json"
    doc = {
        "schema_version": 1,
        "kind": "nst-desktop-preset",
        "name": "Hand made",
        "settings": {"schema_version": 1, "style_strength": 3.0},
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    preset = read_preset_file(path)
    assert (preset.settings.init, preset.settings.steps) == ("content", 300)
    # Applied over an instant start (the Quick preset's), it brings the photo start back.
    applied = preset.apply_to(Settings(init="instant", steps=20))
    assert (applied.init, applied.steps, applied.style_strength) == ("content", 300, 3.0)
