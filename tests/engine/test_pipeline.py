"""The job pipeline: inputs read at each method's size, the output checked first, saved last.

The painters are stand-ins here (recording what they are handed); the real optimiser runs
through the pipeline in tests/cli, the real fast and instant networks in their own tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nst_desktop.engine.errors import Cancelled, ImageError, OutputError, SettingsError
from nst_desktop.engine.images import load_image, read_metadata, save_image
from nst_desktop.engine.pipeline import ImageInput, Job, check_output, run_job
from nst_desktop.engine.schedule import style_side_for
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Result, StyleImage


class Recorder:
    """A painter that returns the photo as it was handed over, recording every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[np.ndarray, list[StyleImage], Settings]] = []

    def __call__(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **kwargs: Any
    ) -> Result:
        self.calls.append((content, list(styles), settings))
        return _result(content, settings)


def _result(content: np.ndarray, settings: Settings) -> Result:
    return Result(
        image=content,
        image_float=content.astype(np.float32) / 255.0,
        settings=settings.replace(seed=settings.seed or 5),
        device="Recorder",
        seconds=0.25,
        steps=1,
    )


@pytest.fixture
def files(tmp_path: Path, photo: np.ndarray, painting: np.ndarray) -> tuple[Path, Path]:
    # 64 high, 48 wide photo; 64x64 painting.
    return save_image(tmp_path / "photo.png", photo[:, :48]), save_image(tmp_path / "style.png", painting)


def _job(files: tuple[Path, Path], **changes: Any) -> Job:
    output = changes.pop("output_path", None)
    return Job(
        content=ImageInput("photo.png", path=files[0]),
        styles=(ImageInput("style.png", path=files[1], weight=0.5),),
        settings=Settings(size=32, steps=2, seed=1).replace(**changes),
        output_path=output,
    )


def test_optimise_reads_paintings_at_the_brush_scale_and_saves_with_metadata(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    painter = Recorder()
    statuses: list[str] = []
    out = tmp_path / "out.png"
    job = _job(files, size=40, brush_scale=0.5, output_path=out)
    result = run_job(job, paint=painter, on_status=statuses.append)
    ((content, styles, settings),) = painter.calls
    assert max(content.shape[:2]) == 40  # shrunk to the output size (the optimiser grows its own levels)
    assert max(styles[0].image.shape[:2]) == style_side_for(40, 0.5)
    assert styles[0].weight == 0.5 and styles[0].name == "style.png"
    assert settings == job.settings
    assert statuses == ["Reading images…", "Painting…", "Saving…"]
    meta = read_metadata(out)
    assert meta is not None and meta["content"] == "photo.png" and meta["seconds"] == 0.25
    assert meta["styles"] == [{"name": "style.png", "weight": 0.5}] and "fast_style" not in meta
    assert load_image(out).shape == result.image.shape


def test_pasted_pixels_are_shrunk_like_files(photo: np.ndarray, painting: np.ndarray) -> None:
    painter = Recorder()
    small = painting[:20, :24]
    styles = (ImageInput("p", pixels=painting), ImageInput("small", pixels=small))
    job = Job(ImageInput("pasted", pixels=photo), styles, Settings(size=32))
    run_job(job, paint=painter)
    content, loaded, _ = painter.calls[0]
    assert max(content.shape[:2]) == 32
    assert max(loaded[0].image.shape[:2]) == style_side_for(32, 1.0)
    assert loaded[1].image is small  # never enlarged


@pytest.mark.parametrize(
    ("output", "message"),
    [("out.gif", "must end in"), ("missing/out.png", "does not exist"), ("folder.png", "is a folder")],
)
def test_a_bad_output_is_refused_before_anything_is_read(
    files: tuple[Path, Path], tmp_path: Path, output: str, message: str
) -> None:
    (tmp_path / "folder.png").mkdir()
    painter = Recorder()
    job = _job(files, output_path=tmp_path / output)
    os.remove(files[0])  # would fail as ImageError if it were read first
    with pytest.raises(OutputError, match=message):
        run_job(job, paint=painter)
    assert painter.calls == []


_CHECK_LOCKED = """
import sys
from pathlib import Path
from nst_desktop.engine.errors import OutputError
from nst_desktop.engine.pipeline import check_output
try:
    check_output(Path(sys.argv[1]) / "out.png")
except OutputError as exc:
    print(exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.geteuid() != 0:
            with pytest.raises(OutputError, match="not allowed to write"):
                check_output(folder / "out.png")
            return
        # Root may write anywhere; drop the override capabilities in a child instead of skipping.
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is needed to drop root's override capabilities")
        drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
        done = subprocess.run(
            [*drop, sys.executable, "-c", _CHECK_LOCKED, str(folder)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "not allowed to write" in done.stdout
    finally:
        folder.chmod(0o700)


def test_a_missing_photo_is_an_image_error(files: tuple[Path, Path]) -> None:
    os.remove(files[0])
    with pytest.raises(ImageError, match="photo.png"):
        run_job(_job(files), paint=Recorder())


def test_cancel_before_painting_stops_between_stages(files: tuple[Path, Path], tmp_path: Path) -> None:
    painter = Recorder()
    cancel = threading.Event()
    out = tmp_path / "never.png"

    def on_status(text: str) -> None:
        if text == "Reading images…":
            cancel.set()

    with pytest.raises(Cancelled):
        run_job(_job(files, output_path=out), paint=painter, cancel=cancel, on_status=on_status)
    # Polled before the next stage: nothing painted, nothing written.
    assert painter.calls == [] and not out.exists()


def test_cancel_during_painting_writes_nothing(files: tuple[Path, Path], tmp_path: Path) -> None:
    cancel = threading.Event()
    out = tmp_path / "never.png"

    def painter(content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **kw: Any) -> Result:
        cancel.set()  # the user pressed Stop as the last step finished
        return _result(content, settings)

    with pytest.raises(Cancelled):
        run_job(_job(files, output_path=out), paint=painter, cancel=cancel)
    assert not out.exists()


def test_styles_are_needed_except_for_fast(files: tuple[Path, Path]) -> None:
    job = Job(ImageInput("photo.png", path=files[0]), (), Settings(size=32))
    with pytest.raises(SettingsError, match="painting"):
        run_job(job, paint=Recorder())
    with pytest.raises(SettingsError, match="fast style"):
        run_job(Job(job.content, (), Settings(size=32, method="fast")), paint=Recorder())


def test_instant_gets_the_photo_at_the_output_size_and_paintings_at_its_side(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    painter = Recorder()
    fake = types.ModuleType("nst_desktop.engine.instant")
    fake.STYLE_SIDE = 40  # type: ignore[attr-defined]
    fake.stylize_instant = lambda content, styles, settings, **kw: painter(content, styles, settings)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nst_desktop.engine.instant", fake)
    run_job(_job(files, method="instant", size=96))
    content, styles, _ = painter.calls[0]
    assert content.shape == (96, 72, 3)  # enlarged: one-pass networks paint at the size they get
    assert max(styles[0].image.shape[:2]) == 40


def test_fast_resolves_the_style_through_the_store_and_records_its_name(
    files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    applied: list[tuple[np.ndarray, object]] = []
    style = types.SimpleNamespace(name="Starry")

    class Store:
        def get(self, name: str) -> object:
            looked_up.append(name)
            return style

    def apply_fast_style(content: np.ndarray, fast: object, settings: Settings, **kw: Any) -> Result:
        applied.append((content, fast))
        return _result(content, settings)

    store_mod = types.ModuleType("nst_desktop.engine.fast.store")
    store_mod.FastStyleStore = Store  # type: ignore[attr-defined]
    apply_mod = types.ModuleType("nst_desktop.engine.fast.apply")
    apply_mod.apply_fast_style = apply_fast_style  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nst_desktop.engine.fast.store", store_mod)
    monkeypatch.setitem(sys.modules, "nst_desktop.engine.fast.apply", apply_mod)
    if "nst_desktop.engine.fast" not in sys.modules:
        monkeypatch.setitem(
            sys.modules, "nst_desktop.engine.fast", types.ModuleType("nst_desktop.engine.fast")
        )
    out = tmp_path / "fast.jpg"
    run_job(_job(files, method="fast", fast_style="Starry", size=48, output_path=out))
    assert looked_up == ["Starry"]
    ((content, fast),) = applied
    assert fast is style and content.shape == (48, 36, 3)
    meta = read_metadata(out)
    assert meta is not None and meta["fast_style"] == "Starry" and meta["styles"] == []
    assert meta["settings"]["method"] == "fast"


def test_download_is_only_asked_for_when_allowed(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nst_desktop.engine import weights

    fetched: list[str] = []
    monkeypatch.setattr(weights, "is_cached", lambda name: False)
    monkeypatch.setattr(weights, "download_weight_set", lambda name, **kw: fetched.append(name))
    run_job(_job(files, weights="torchvision"), paint=Recorder())
    assert fetched == []
    job = _job(files, weights="torchvision")
    run_job(Job(job.content, job.styles, job.settings, allow_download=True), paint=Recorder())
    assert fetched == ["torchvision"]


def test_image_input_needs_a_source() -> None:
    with pytest.raises(ValueError):
        ImageInput("nothing").load(64)
