"""Training a fast style from the window: the dialog, a real tiny training, Stop/Resume, closing."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from nst_desktop.engine.errors import Cancelled
from nst_desktop.engine.fast.budget import STEP_CAP
from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.engine.types import Progress
from nst_desktop.gui import training
from nst_desktop.gui.train_dialog import TrainDialog
from nst_desktop.gui.training import TrainRequest

from .conftest import write_image
from .test_fast_styles import make_photos


@pytest.fixture
def painting_input(painting: Path) -> ImageInput:
    return ImageInput(name=painting.name, path=painting)


def test_budgets_are_times_and_their_steps_only_an_estimate() -> None:
    assert [seconds for _, _, seconds in training.BUDGETS] == [600, 3600, 4 * 3600]
    assert training.estimated_steps(600, 6.0) == 100
    assert training.estimated_steps(3600, 0.05) == 72_000
    assert training.estimated_steps(60, 100.0) == 1
    assert [training.duration_text(s) for s in (600, 3600, 4 * 3600, 60, 5400)] == [
        "10 minutes", "1 hour", "4 hours", "1 minute", "1.5 hours",
    ]  # fmt: skip


def test_the_finished_message_counts_the_whole_training(painting_input: ImageInput, tmp_path: Path) -> None:
    request = TrainRequest(
        name="Autumn", photos=tmp_path, paintings=(painting_input,), output=tmp_path / "a.nststyle",
        steps=STEP_CAP, seconds=600.0,
    )  # fmt: skip
    assert request.budget_text == "10 minutes"
    assert replace(request, seconds=None, steps=300).budget_text == "300 steps"
    outcome = training.TrainOutcome(request, request.output, 601.4, 612, "CPU", 0.98)
    assert outcome.summary == "Trained 'Autumn' (612 steps in 10 min 01 s)"
    resumed = replace(outcome, seconds=1801, steps=1200, session_steps=400)
    assert resumed.summary == "Trained 'Autumn' (1,200 steps in all, 400 this time, in 30 min 01 s)"
    long = replace(outcome, seconds=4 * 3600 + 65, steps=1)
    assert long.summary == "Trained 'Autumn' (1 step in 4 h 01 min)"


def test_a_record_keeps_the_time_budget_and_old_records_keep_their_steps(
    painting_input: ImageInput, tmp_path: Path
) -> None:
    request = TrainRequest(
        name="Timed", photos=tmp_path, paintings=(painting_input,), output=tmp_path / "t.nststyle",
        steps=STEP_CAP, seconds=3600.0, seed=4,
    )  # fmt: skip
    request.checkpoint.write_bytes(b"not read here")
    training.save_record(request)
    assert training.load_record(request.record) == request.resumed()
    doc = json.loads(request.record.read_text(encoding="utf-8"))
    del doc["seconds"]
    doc["steps"] = 300
    request.record.write_text(json.dumps(doc), encoding="utf-8")
    old = training.load_record(request.record)
    assert old is not None and old.seconds is None and old.steps == 300


def test_stop_and_resume_report_the_whole_trainings_steps_and_time(
    painting_input: ImageInput, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    request = tiny_request(tmp_path, painting_input, "Twice", steps=6)
    cancel = threading.Event()
    first: list[Progress] = []

    def report(item: object) -> None:
        if isinstance(item, Progress) and item.stage == "training":
            first.append(item)
            if item.step >= 2:
                cancel.set()

    with pytest.raises(Cancelled):
        training.train_job(request)(report, cancel)
    stopped = first[-1]
    assert stopped.step == 2 and request.checkpoint.is_file()
    second: list[Progress] = []
    outcome = training.train_job(request.resumed())(
        lambda item: second.append(item) if isinstance(item, Progress) else None, threading.Event()
    )
    assert isinstance(outcome, training.TrainOutcome)
    assert outcome.steps == 6, "the steps before the stop count"
    assert outcome.seconds >= stopped.elapsed, "the time before the stop counts"
    # The window's time and percentage run on from where the first session left them.
    resumed = [p for p in second if p.stage == "training"]
    assert resumed[0].step == 3 and resumed[0].elapsed >= stopped.elapsed
    assert outcome.summary.startswith("Trained 'Twice' (6 steps in all, 4 this time, in "), outcome.summary
    assert first[0].preview_of == "photo0.png", "the preview names the photo it paints"


def test_a_time_budget_reaches_the_engine(painting_input: ImageInput, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from nst_desktop.engine.fast.style_file import read_fast_style

    request = replace(tiny_request(tmp_path, painting_input, "Timed", steps=STEP_CAP), seconds=1.0)
    outcome = training.train_job(request)(lambda _item: None, threading.Event())
    assert isinstance(outcome, training.TrainOutcome) and outcome.steps >= 1
    recipe = read_fast_style(request.output).training
    assert recipe["settings"]["seconds"] == 1.0 and recipe["settings"]["steps"] == STEP_CAP


def test_dialog_validates_name_and_folder(qtbot, painting_input: ImageInput, tmp_path: Path) -> None:
    dialog = TrainDialog([painting_input], taken_names=["Autumn", "painting"], seconds_per_step=2.0)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.name_edit.text() == "Painting 2", "the suggested name is not taken yet"

    def refused(expected: str) -> None:
        dialog.accept()
        assert dialog.request() is None and dialog.result() != QDialog.DialogCode.Accepted
        assert dialog.error.isVisible() and expected in dialog.error.text(), dialog.error.text()

    dialog.name_edit.setText("   ")
    refused("Give the style a name")
    dialog.name_edit.setText("autumn")
    refused("already a fast style called 'autumn'")
    dialog.name_edit.setText("My style")
    refused("Choose a folder of photos")
    dialog.folder_edit.setText(str(tmp_path / "missing"))
    refused("does not exist")
    assert "does not exist" in dialog.folder_info.text()
    few = tmp_path / "few"
    few.mkdir()
    for i in range(2):
        write_image(few / f"p{i}.png", seed=i)
    dialog.folder_edit.setText(str(few))
    refused("holds 2 photos")

    photos = make_photos(tmp_path / "photos")
    dialog.ask_folder = lambda: photos  # type: ignore[method-assign]
    dialog.browse()
    assert dialog.folder_edit.text() == str(photos) and "6 photos" in dialog.folder_info.text()
    dialog.budget_buttons["good"].setChecked(True)
    dialog._update_estimate()
    estimate = dialog.estimate.text()
    assert "Trains for 1 hour" in estimate, estimate
    assert "about 1800 steps" in estimate and "measured on this computer" in estimate
    dialog.accept()
    request = dialog.request()
    assert request is not None and dialog.result() == QDialog.DialogCode.Accepted
    assert request.name == "My style" and request.photos == photos
    assert request.seconds == 3600 and request.steps == STEP_CAP, "the time is the budget, not steps"
    assert request.output.parent == training.styles_dir() and request.output.suffix == ".nststyle"
    assert request.paintings == (painting_input,) and not request.resume


def test_without_a_measured_rate_the_dialog_guesses_no_steps(qtbot, painting_input: ImageInput) -> None:
    dialog = TrainDialog([painting_input])
    qtbot.addWidget(dialog)
    estimate = dialog.estimate.text()
    assert "Trains for 10 minutes" in estimate and "steps" in estimate
    assert not any(ch.isdigit() for ch in estimate.replace("10 minutes", "")), estimate
    assert dialog.estimated_steps() is None


def tiny_request(tmp_path: Path, painting_input: ImageInput, name: str, steps: int) -> TrainRequest:
    return TrainRequest(
        name=name,
        photos=make_photos(tmp_path / "photos"),
        paintings=(painting_input,),
        output=training.new_output(name),
        steps=steps,
        seed=1,
        size=32,
        batch=1,
        brush_scale=1.0,
    )


def test_a_tiny_training_through_the_worker_ends_in_the_gallery(
    qtbot, window, painting_input: ImageInput, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    request = tiny_request(tmp_path, painting_input, "Tiny trained", steps=3)
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step) if p.stage == "training" else None)

    def ready() -> bool:
        # A fresh window's own first listing may come in while the training starts: not this one.
        return window.banner.text().startswith("The fast style 'Tiny trained' is ready")

    with qtbot.waitSignal(window.fast_styles.listed, timeout=180_000, check_params_cb=ready):
        assert window.training.start(request)
        assert window.stop_button.isEnabled() and not window.fast_styles.train_button.isEnabled()
    summary = window.progress.format()
    assert summary.startswith("Trained 'Tiny trained' (3 steps in "), summary
    assert steps and steps[-1] == 3
    assert window.fast_styles.selected_name() == "Tiny trained"
    assert window.tabs.currentWidget() is window.fast_styles
    assert request.output.is_file() and not request.checkpoint.exists() and not request.record.exists()
    assert window.output.picture() is None, "a training leaves nothing to save as a picture"


def test_stop_then_resume_continues_from_the_checkpoint(
    qtbot, window, painting_input: ImageInput, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    request = tiny_request(tmp_path, painting_input, "Long one", steps=5000)
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step) if p.stage == "training" else None)
    window.training.start(request)
    qtbot.waitUntil(lambda: len(steps) >= 2, timeout=180_000)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.stop_button.click()
    stopped_at = steps[-1]
    assert request.checkpoint.is_file() and request.record.is_file()
    assert window.training.stopped_training == request
    assert window.fast_styles.resume_button.isVisibleTo(window.fast_styles)
    assert window.menu_actions["resume"].isEnabled()
    assert "Resume" in window.banner.text()

    # The train dialog offers the same resumption by name.
    dialog = TrainDialog([painting_input])
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("long one")
    assert dialog.resume_box.isVisibleTo(dialog) and dialog.resumable is not None
    dialog.accept()
    assert dialog.request() == request.resumed()

    steps.clear()
    window.fast_styles.resume_button.click()
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=180_000)
    assert steps[0] >= stopped_at, f"resumed at step {steps[0]}, stopped after {stopped_at}"
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.stop()
    assert request.checkpoint.is_file()


def test_closing_mid_training_leaves_a_checkpoint_to_resume_next_time(
    qtbot, make_window, painting_input: ImageInput, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    window = make_window()
    request = tiny_request(tmp_path, painting_input, "Closed", steps=5000)
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step) if p.stage == "training" else None)
    window.training.start(request)
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=180_000)
    window.close()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    assert request.checkpoint.is_file() and request.record.is_file()

    again = make_window()
    assert (
        again.training.stopped_training is not None
        and again.training.stopped_training.output == request.output
    )
    assert again.fast_styles.resume_button.isVisibleTo(again.fast_styles)
