"""Training a fast style from the window: the dialog, a real tiny training, Stop/Resume, closing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.gui import training
from nst_desktop.gui.train_dialog import TrainDialog
from nst_desktop.gui.training import TrainRequest

from .conftest import write_image
from .test_fast_styles import make_photos


@pytest.fixture
def painting_input(painting: Path) -> ImageInput:
    return ImageInput(name=painting.name, path=painting)


def test_budget_maps_to_steps_by_the_seconds_a_step_takes() -> None:
    assert training.steps_for_budget(600, 6.0) == 100
    assert training.steps_for_budget(3600, 0.05) == 72_000
    assert training.steps_for_budget(60, 100.0) == training.MIN_STEPS


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
    assert "1800 training steps" in estimate and "measured on this computer" in estimate
    dialog.accept()
    request = dialog.request()
    assert request is not None and dialog.result() == QDialog.DialogCode.Accepted
    assert request.name == "My style" and request.steps == 1800 and request.photos == photos
    assert request.output.parent == training.styles_dir() and request.output.suffix == ".nststyle"
    assert request.paintings == (painting_input,) and not request.resume


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
    with qtbot.waitSignal(window.fast_styles.listed, timeout=180_000):
        assert window.start_training(request)
        assert window.stop_button.isEnabled() and not window.fast_styles.train_button.isEnabled()
    assert window.banner.text().startswith("The fast style 'Tiny trained' is ready"), window.banner.text()
    assert steps and steps[-1] == 3
    assert window.fast_styles.selected_name() == "Tiny trained"
    assert window.tabs.currentWidget() is window.fast_styles
    assert request.output.is_file() and not request.checkpoint.exists() and not request.record.exists()
    assert window.picture() is None, "a training leaves nothing to save as a picture"


def test_stop_then_resume_continues_from_the_checkpoint(
    qtbot, window, painting_input: ImageInput, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    request = tiny_request(tmp_path, painting_input, "Long one", steps=5000)
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step) if p.stage == "training" else None)
    window.start_training(request)
    qtbot.waitUntil(lambda: len(steps) >= 2, timeout=180_000)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.stop_button.click()
    stopped_at = steps[-1]
    assert request.checkpoint.is_file() and request.record.is_file()
    assert window.stopped_training == request
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
    window.start_training(request)
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=180_000)
    window.close()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    assert request.checkpoint.is_file() and request.record.is_file()

    again = make_window()
    assert again.stopped_training is not None and again.stopped_training.output == request.output
    assert again.fast_styles.resume_button.isVisibleTo(again.fast_styles)
