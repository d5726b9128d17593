"""Fixtures for the GUI tests: a fast fake engine, a window wired to it, and image files."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from nst_desktop.engine import Cancelled, Progress, Result, Settings, StyleImage
from nst_desktop.engine.images import save_image
from nst_desktop.engine.pipeline import Job, run_job
from nst_desktop.engine.types import CancelToken


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Any Qt warning during a GUI test is a bug (the pyproject.toml setting may be absent)."""
    for item in items:
        if "tests/gui" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform's own notice, not something the app does.
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"))


class FakeEngine:
    """Stands in for torch: paints a blend of the inputs over ``steps`` short sleeps.

    ``fail`` raises that exception; ``block`` keeps painting until cancelled, like a long run.
    Jobs go through the real pipeline (reading, saving, metadata); only the painting is fake.
    """

    def __init__(self, step_seconds: float = 0.002, fail: BaseException | None = None, block: bool = False):
        self.step_seconds = step_seconds
        self.fail = fail
        self.block = block
        self.calls: list[Settings] = []
        self.warm_ups = 0
        self.thread_names: list[str] = []
        self.started = threading.Event()

    def warm_up(self, device: str = "auto") -> str:
        self.warm_ups += 1
        return "Fake CPU (test)"

    def run_job(self, job: Job, **kwargs: Any) -> Result:
        return run_job(job, paint=self.stylize, **kwargs)

    def stylize(
        self,
        content: np.ndarray,
        styles: Sequence[StyleImage],
        settings: Settings,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: CancelToken | None = None,
        preview_interval: float = 0.5,
    ) -> Result:
        self.calls.append(settings)
        self.thread_names.append(threading.current_thread().name)
        self.started.set()
        if self.fail is not None:
            raise self.fail
        h, w = content.shape[:2]
        scale = settings.size / max(h, w)
        out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
        ys = np.linspace(0, h - 1, out_h).astype(int)
        xs = np.linspace(0, w - 1, out_w).astype(int)
        image = content[ys][:, xs].astype(np.float32) / 255.0
        start = time.perf_counter()
        last_preview = -1e9
        step = 0
        total = settings.steps
        while step < total or self.block:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            time.sleep(self.step_seconds)
            step = min(step + 1, total)
            now = time.perf_counter()
            preview = None
            if now - last_preview >= preview_interval:
                last_preview = now
                preview = (image * 255).astype(np.uint8)
            if on_progress is not None:
                level = 1 if step < total / 2 else 2
                on_progress(
                    Progress(
                        stage="painting",
                        step=step,
                        total=total,
                        level=level,
                        levels=2,
                        size=(out_w, out_h),
                        losses={
                            "content": 10.0 / step,
                            "style": 100.0 / step,
                            "tv": 1.0,
                            "total": 111.0 / step,
                        },
                        elapsed=now - start,
                        eta=(total - step) * self.step_seconds,
                        preview=preview,
                    )
                )
        seed = settings.seed if settings.seed is not None else 7
        return Result(
            image=(image * 255).astype(np.uint8),
            image_float=image,
            settings=settings.replace(seed=seed),
            device="Fake CPU (test)",
            seconds=time.perf_counter() - start,
            steps=total,
            losses={"content": 1.0, "style": 1.0, "tv": 1.0, "total": 3.0},
        )


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, qsettings: QSettings, fake_engine: FakeEngine):  # type: ignore[no-untyped-def]
    """Build a MainWindow on the fake engine; every window is shut down cleanly afterwards."""
    from nst_desktop.gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(engine: object | None = None) -> MainWindow:
        window = MainWindow(engine or fake_engine, qsettings=qsettings)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    # pytest-qt has closed them by now (qtbot.addWidget); close again in case one was not.
    from shiboken6 import Shiboken

    from nst_desktop.gui.side_tasks import wait_for_stranded

    for window in windows:
        if not Shiboken.isValid(window):
            continue
        window.close()
        window.controller.shutdown(3000)
    wait_for_stranded()  # a side task left running by a close ends here, not in the next test


@pytest.fixture
def window(make_window):  # type: ignore[no-untyped-def]
    return make_window()


def write_image(path: Path, width: int = 64, height: int = 48, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) % 256], axis=-1)
    noise = rng.integers(0, 40, size=(height, width, 3))
    save_image(path, np.clip(base + noise, 0, 255).astype(np.uint8))
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write_image(tmp_path / "photo.png", 64, 48, seed=1)


@pytest.fixture
def painting(tmp_path: Path) -> Path:
    return write_image(tmp_path / "painting.jpg", 40, 40, seed=2)


@pytest.fixture
def ready_window(window, photo: Path, painting: Path):  # type: ignore[no-untyped-def]
    assert window.inputs.set_photo(photo)
    assert window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=20, seed=3))
    return window
