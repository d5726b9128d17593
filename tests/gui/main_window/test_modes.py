"""The painting modes part alone: fast styles through a recording session, the fast style asked
for during a run, and the instant picture painted on the side thread into a bare view."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from nst_desktop.engine import Settings
from nst_desktop.gui.main_window.modes import FAST_REGIONS_NOTE, Modes
from nst_desktop.gui.threads import ThreadRegistry
from nst_desktop.gui.widgets.controls import ControlsPanel
from nst_desktop.gui.widgets.preview import PreviewView
from nst_desktop.gui.widgets.progress_line import ProgressLine
from nst_desktop.gui.widgets.style_gallery import StyleGallery
from nst_desktop.gui.worker import ImageInput, Job

from ..conftest import write_image


class FakeSession:
    """Records what the part starts; ``job`` is the job that runs, if any."""

    def __init__(self) -> None:
        self.job: Job | None = None
        self.started: list[tuple[Job, Any]] = []

    def start(self, job: Job, before: Any = None) -> None:
        self.started.append((job, before))


def _paint(content: np.ndarray, styles: Sequence[Any], settings: Settings) -> np.ndarray:
    return np.full_like(content, 7)


class Rig:
    def __init__(self, qtbot, tmp_path: Path, paint: Any = None, regions: Any = None) -> None:  # type: ignore[no-untyped-def]
        self.controls = ControlsPanel()
        self.gallery = StyleGallery()
        self.view = PreviewView()
        self.progress = ProgressLine()
        for widget in (self.controls, self.gallery, self.view, self.progress):
            qtbot.addWidget(widget)
        self.controls.set_settings(Settings(size=32, seed=1, device="cpu"))
        self.session = FakeSession()
        self.threads = ThreadRegistry()
        self.running = self.busy = self.batch = False
        self.shown: Any = None
        self.photo: ImageInput | None = None
        self.before = np.zeros((4, 4, 3), np.uint8)
        self.modes = Modes(
            self.threads,
            paint,
            None,
            controls=self.controls,
            gallery=self.gallery,
            view=self.view,
            progress=self.progress,
            session=self.session,  # type: ignore[arg-type]
            running=lambda: self.running,
            busy=lambda: self.busy,
            batch_running=lambda: self.batch,
            shown=lambda: self.shown,
            photo=lambda: self.photo,
            before=lambda: self.before,
            settings=self.controls.settings,
            dpi=lambda: 150.0,
            regions=regions,
        )
        qtbot.addWidget(self.modes.fast_styles)
        self.messages: list[tuple[str, bool]] = []
        self.status: list[str] = []
        self.cleared: list[bool] = []
        self.modes.message.connect(lambda text, error: self.messages.append((text, error)))
        self.modes.status.connect(lambda text, _ms: self.status.append(text))
        self.modes.cleared.connect(lambda: self.cleared.append(True))
        self.tmp_path = tmp_path

    def add_photo(self) -> None:
        path = write_image(self.tmp_path / "photo.png", 40, 30)
        self.photo = ImageInput("photo.png", path)

    def close(self) -> None:
        self.modes.side_tasks.shutdown()


def test_a_fast_style_needs_a_photo(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.modes.apply_fast_style("Autumn")
    assert rig.session.started == []
    assert rig.messages == [("Add a photo first: drop it on the photo area or click there to browse.", True)]
    rig.close()


def test_a_fast_style_paints_the_photo_through_the_session(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.modes.apply_fast_style("Autumn")
    [(job, before)] = rig.session.started
    assert job.content is rig.photo and job.styles == () and job.dpi == 150.0
    assert job.settings.method == "fast" and job.settings.fast_style == "Autumn" and job.settings.size == 32
    assert before is rig.before and rig.cleared == [True] and rig.messages == []
    rig.close()


def test_the_latest_fast_style_chosen_during_a_fast_run_paints_when_it_ends(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.running = rig.busy = True
    assert rig.photo is not None
    rig.session.job = Job(rig.photo, (), Settings(method="fast", fast_style="First"))
    rig.modes.apply_fast_style("Second")
    rig.modes.apply_fast_style("Third")
    assert rig.session.started == [] and rig.messages == []
    rig.running = rig.busy = False
    rig.modes.job_ended()
    assert [job.settings.fast_style for job, _ in rig.session.started] == ["Third"]
    rig.modes.job_ended()
    assert len(rig.session.started) == 1, "asked once, painted once"
    rig.close()


def test_a_closing_window_forgets_the_fast_style_queued(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.running = rig.busy = True
    assert rig.photo is not None
    rig.session.job = Job(rig.photo, (), Settings(method="fast", fast_style="First"))
    rig.modes.apply_fast_style("Second")
    rig.modes.forget_queued()
    rig.running = rig.busy = False
    rig.modes.job_ended()
    assert rig.session.started == []
    rig.close()


def test_a_fast_style_waits_for_a_painting_or_a_batch_to_end(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.batch = True
    rig.modes.apply_fast_style("Autumn")
    rig.modes.job_ended()
    assert rig.session.started == []
    assert rig.messages == [
        ("Wait for the current run to end (or stop it) to paint with a fast style.", True)
    ]
    rig.close()


def test_keep_colours_repaints_a_fast_picture_and_not_a_painted_one(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.shown = SimpleNamespace(
        settings=Settings(size=32, seed=1, device="cpu", method="fast", fast_style="Autumn")
    )
    rig.modes.look_changed()
    assert rig.session.started == [], "nothing the fast style uses changed"
    rig.controls.set_settings(rig.controls.settings().replace(keep_colors="luminance"))
    rig.modes.look_changed()
    assert [job.settings.fast_style for job, _ in rig.session.started] == ["Autumn"]
    rig.shown = SimpleNamespace(settings=Settings(size=32, seed=1, device="cpu", method="optimise"))
    rig.controls.set_settings(rig.controls.settings().replace(keep_colors="none"))
    rig.modes.look_changed()
    assert len(rig.session.started) == 1
    rig.close()


def test_the_run_state_locks_training_in_the_gallery(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.modes.set_running(True)
    assert not rig.modes.fast_styles.train_button.isEnabled()
    rig.modes.set_running(False)
    assert rig.modes.fast_styles.train_button.isEnabled()
    rig.batch = True
    rig.modes.set_running(False)
    assert not rig.modes.fast_styles.train_button.isEnabled()
    rig.close()


def test_the_instant_picture_is_shown_while_nothing_else_is(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path, paint=_paint)
    assert rig.modes.instant is not None
    rig.add_photo()
    painting = write_image(tmp_path / "painting.png", 20, 20, seed=2)
    rig.gallery.add(ImageInput("painting.png", painting), rig.view.grab().toImage())
    rig.progress.setFormat("Ready")
    with qtbot.waitSignal(rig.modes.instant.ready, timeout=20_000):
        rig.modes.refresh_instant()
    assert rig.modes.instant_image is not None and int(rig.modes.instant_image.max()) == 7
    assert rig.progress.format().startswith("Instant picture")
    assert rig.status == []
    rig.close()


def test_no_instant_picture_without_an_engine_that_paints_one(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path)
    rig.add_photo()
    rig.modes.refresh_instant()
    assert rig.modes.instant is None and rig.modes.instant_image is None
    rig.close()


def test_a_fast_style_takes_the_keep_mask_and_names_the_regions_it_ignores(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keep = ImageInput("the kept part", pixels=np.ones((30, 40), np.float32))
    region = ImageInput("region of painting.png", pixels=np.ones((30, 40), np.float32))
    painted_regions = False

    def regions(styles: Sequence[ImageInput]) -> tuple[tuple[ImageInput, ...], ImageInput | None]:
        mask = region if painted_regions else None
        return tuple(ImageInput(s.name, s.path, weight=s.weight, mask=mask) for s in styles), keep

    rig = Rig(qtbot, tmp_path, regions=regions)
    rig.add_photo()
    painting = write_image(tmp_path / "painting.png", 20, 20, seed=2)
    rig.gallery.add(ImageInput("painting.png", painting), rig.view.grab().toImage())
    rig.modes.apply_fast_style("Autumn")
    [(job, _)] = rig.session.started
    assert job.keep is keep and job.styles == ()
    assert rig.messages == [], "only the keep mask: nothing is left out"
    painted_regions = True
    rig.modes.apply_fast_style("Autumn")
    assert rig.session.started[-1][0].keep is keep
    assert rig.messages == [(FAST_REGIONS_NOTE, False)] and rig.cleared == [True, True]
    rig.close()


def test_without_regions_a_fast_style_keeps_nothing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = Rig(qtbot, tmp_path, regions=lambda styles: (tuple(styles), None))
    rig.add_photo()
    rig.modes.apply_fast_style("Autumn")
    [(job, _)] = rig.session.started
    assert job.keep is None and rig.messages == []
    rig.close()
