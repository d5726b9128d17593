"""The inputs part alone: photos and paintings opened and dropped, settings restored, on a real
gallery and real files, with no window; what it says is read from its signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from nst_desktop.engine import Settings
from nst_desktop.gui.main_window.inputs import Inputs
from nst_desktop.gui.widgets.style_gallery import StyleGallery
from nst_desktop.gui.worker import ImageInput

from ..conftest import write_image


class FakeControls:
    def __init__(self) -> None:
        self.set: list[Settings] = []

    def set_settings(self, settings: Settings) -> None:
        self.set.append(settings)


class Rig:
    def __init__(self, qtbot, qsettings: QSettings) -> None:  # type: ignore[no-untyped-def]
        self.gallery = StyleGallery()
        qtbot.addWidget(self.gallery)
        self.controls = FakeControls()
        self.batch: list[Path] = []
        self.batch_shown = 0
        self.photos: list[ImageInput] = []
        self.messages: list[tuple[str, bool]] = []
        self.solved = 0
        self.inputs = Inputs(
            qsettings,
            self.gallery,
            self.controls,
            add_to_batch=self._add,
            show_batch=self._show_batch,
            has_photo=lambda: bool(self.photos),
        )
        self.inputs.photo.connect(lambda source, pixels, image: self.photos.append(source))
        self.inputs.message.connect(lambda text, error: self.messages.append((text, error)))
        self.inputs.solved.connect(self._solved)

    def _add(self, paths: list[Path]) -> int:
        self.batch.extend(paths)
        return len(paths)

    def _show_batch(self) -> None:
        self.batch_shown += 1

    def _solved(self) -> None:
        self.solved += 1


def test_a_photo_opened_is_on_show_and_remembered_a_missing_one_is_one_sentence(
    qtbot, qsettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, qsettings)
    photo = write_image(tmp_path / "photo.png")
    assert rig.inputs.set_photo(photo)
    assert [p.path for p in rig.photos] == [photo] and rig.messages == []
    assert rig.inputs.recent_images()[0] == str(photo)
    assert not rig.inputs.set_photo(tmp_path / "gone.png")
    ((text, error),) = rig.messages
    assert error and "\n" not in text and "gone.png" in text
    assert len(rig.photos) == 1


def test_several_photos_dropped_go_to_the_batch_and_the_first_is_the_photo(
    qtbot, qsettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, qsettings)
    files = [write_image(tmp_path / f"p{i}.png", seed=i) for i in range(2)]
    rig.inputs.on_photo_files(files)
    assert rig.batch == files and rig.batch_shown == 1
    assert [p.path for p in rig.photos] == [files[0]]
    ((text, error),) = rig.messages
    assert text.startswith("Added 2 photos to the batch.") and not error


def test_a_painting_added_is_in_the_gallery_and_solves_the_problem_on_show(
    qtbot, qsettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, qsettings)
    painting = write_image(tmp_path / "painting.png", seed=3)
    assert rig.inputs.add_style(painting, 0.5)
    ((source,),) = [rig.gallery.styles()]
    assert (source.path, source.weight) == (painting, 0.5) and rig.solved == 1


def test_settings_are_restored_from_a_picture_s_metadata_and_foreign_metadata_is_refused(
    qtbot, qsettings
) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, qsettings)
    assert not rig.inputs.restore_settings({"app": "someone else"}, "foreign.png")
    ((text, error),) = rig.messages
    assert error and text.startswith("Could not restore the settings from 'foreign.png'")
    assert rig.controls.set == []


def test_restored_settings_reach_the_controls_and_name_the_paintings_used(qtbot, qsettings) -> None:  # type: ignore[no-untyped-def]
    from nst_desktop.engine.metadata import build_metadata

    rig = Rig(qtbot, qsettings)
    settings = Settings(size=96, seed=7)
    meta = build_metadata(settings, content_name="photo.png", styles=[ImageInput("starry.jpg")], device="cpu")
    assert rig.inputs.restore_settings(meta, "painted.png")
    assert [s.seed for s in rig.controls.set] == [7] and rig.controls.set[0].size == 96
    ((text, error),) = rig.messages
    assert not error and text.startswith("Restored the settings used to paint 'painted.png'.")
    assert "starry.jpg" in text, "the gallery here has other paintings"


def test_using_a_versions_settings_says_how_to_paint_again(qtbot, qsettings) -> None:  # type: ignore[no-untyped-def]
    """Paint runs the optimiser: a fast-style version is painted again from its card."""
    rig = Rig(qtbot, qsettings)
    rig.inputs.use_settings(Settings(size=96, seed=3), "version 12:00:01")
    rig.inputs.use_settings(Settings(size=96, method="fast", fast_style="Autumn"), "version 12:00:02")
    assert [s.seed for s in rig.controls.set][:1] == [3]
    (first, _), (second, _) = rig.messages
    assert first.endswith("Paint to try again.")
    assert "Click 'Autumn' in Fast styles to paint with it again" in second
