"""Fast styles on the real VGG19 at tiny sizes: training, the file, applying, tiles, the store."""

from __future__ import annotations

import json
import os
import pickle
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from nst_desktop.engine import Cancelled, Settings, StyleImage
from nst_desktop.engine.errors import FastStyleError, SettingsError
from nst_desktop.engine.fast.apply import apply_fast_style
from nst_desktop.engine.fast.budget import STEP_CAP
from nst_desktop.engine.fast.network import TransformerNet
from nst_desktop.engine.fast.store import FastStyleStore
from nst_desktop.engine.fast.style_file import (
    MAX_FILE_BYTES,
    FastStyle,
    make_thumbnail,
    read_fast_style,
    write_fast_style,
)
from nst_desktop.engine.fast.train import TrainSettings, checkpoint_path, train_fast_style
from nst_desktop.engine.types import Progress

#: These tests exercise the training loop, budgets and checkpoints: Johnson's tiny network from
#: scratch is the cheapest to train, and measuring is tested in test_fast_kinds.py.
JOHNSON: dict[str, Any] = {"network": "johnson", "measure": False}
SHARED = Path(__file__).resolve().parents[3] / "shared" / "images" / "content"
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples" / "content"
ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def _make_photos(folder: Path, count: int = 6, side: int = 80) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(SHARED.glob("*.jpg")) if SHARED.is_dir() else sorted(SAMPLES.glob("*.jpg"))
    for i in range(count):
        img = Image.open(sources[i % len(sources)]).convert("RGB")
        img.thumbnail((side + 7 * i, side + 7 * i))
        img.save(folder / f"photo{i}.png")
    return folder


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_photos(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, photos: Path, painting: np.ndarray) -> Path:
    out = tmp_path_factory.mktemp("style") / "tiny.nststyle"
    settings = TrainSettings(size=32, steps=3, batch=2, seed=3, width=8, **JOHNSON)
    train_fast_style([StyleImage(painting, 1.0, "autumn.jpg")], photos, out, settings, name="Tiny")
    return out


def test_a_few_training_steps_lower_the_loss(photos: Path, painting: np.ndarray, tmp_path: Path) -> None:
    seen: list[float] = []
    settings = TrainSettings(size=64, steps=12, batch=2, seed=1, width=8, learning_rate=5e-3, **JOHNSON)
    result = train_fast_style(
        [StyleImage(painting, 1.0, "autumn.jpg")],
        photos,
        tmp_path / "s.nststyle",
        settings,
        on_progress=lambda p: seen.append(p.losses["total"]) if p.stage == "training" else None,
    )
    assert len(seen) == 12 and result.steps == 12
    assert np.mean(seen[-3:]) < 0.5 * np.mean(seen[:3])
    assert (tmp_path / "s.nststyle").is_file() and not checkpoint_path(tmp_path / "s.nststyle").exists()


def test_training_reports_a_preview_of_a_photo_it_does_not_train_on(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    previews = []
    train_fast_style(
        [StyleImage(painting)],
        photos,
        tmp_path / "s.nststyle",
        TrainSettings(size=32, steps=2, batch=1, seed=1, width=8, **JOHNSON),
        on_progress=lambda p: previews.append(p) if p.preview is not None else None,
        preview_interval=0.0,
    )
    assert previews and previews[-1].preview is not None and previews[-1].preview.dtype == np.uint8
    style = read_fast_style(tmp_path / "s.nststyle")
    assert style.training["preview_photo"] == "photo0.png"
    assert style.training["photos"] == 5


def test_saved_style_reloads_bit_exactly_and_paints_the_same(
    trained: Path, photo: np.ndarray, tmp_path: Path
) -> None:
    style = read_fast_style(trained)
    copy = tmp_path / "copy.nststyle"
    write_fast_style(copy, style)
    again = read_fast_style(copy)
    assert again.name == "Tiny" and again.width == 8
    for key, tensor in style.state.items():
        assert torch.equal(tensor, again.state[key])
    assert np.array_equal(again.thumbnail, style.thumbnail)
    a = apply_fast_style(photo, style, Settings(device="cpu"))
    b = apply_fast_style(photo, again, Settings(device="cpu"))
    assert np.array_equal(a.image, b.image)
    assert a.image.shape == photo.shape and a.settings.method == "fast"


def test_cancel_stops_training_and_resume_continues(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "r.nststyle"
    cancel = threading.Event()
    settings = TrainSettings(size=32, steps=6, batch=1, seed=5, width=8, **JOHNSON)

    def stop_after_two(p: object) -> None:
        if getattr(p, "stage", "") == "training" and getattr(p, "step", 0) >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)], photos, out, settings, on_progress=stop_after_two, cancel=cancel
        )
    assert not out.exists() and checkpoint_path(out).is_file()
    steps: list[int] = []
    result = train_fast_style(
        [StyleImage(painting)],
        photos,
        out,
        settings,
        resume=True,
        on_progress=lambda p: steps.append(p.step) if p.stage == "training" else None,
    )
    assert result.resumed_from == 2 and result.steps == 4
    assert steps[0] == 3 and steps[-1] == 6
    assert out.is_file() and not checkpoint_path(out).exists()


class FakeClock:
    """Training time the test controls: each new step's report moves it on by ``per_step``."""

    def __init__(self, per_step: float, now: float = 0.0) -> None:
        self.per_step = per_step
        self.now = now
        self.last_step = -1

    def __call__(self) -> float:
        return self.now

    def step(self, p: Progress) -> None:
        if p.stage == "training" and p.step > self.last_step:
            self.now += self.per_step
            self.last_step = p.step


@pytest.mark.parametrize(("per_step", "expected_steps"), [(1.0, 10), (2.5, 4)])
def test_a_time_budget_stops_at_its_time_whatever_a_step_takes(
    photos: Path, painting: np.ndarray, tmp_path: Path, per_step: float, expected_steps: int
) -> None:
    clock = FakeClock(per_step)
    seen: list[Progress] = []

    def on_progress(p: Progress) -> None:
        seen.append(p)
        clock.step(p)

    settings = TrainSettings(size=32, steps=STEP_CAP, seconds=10.0, batch=1, seed=2, width=8, **JOHNSON)
    result = train_fast_style(
        [StyleImage(painting)],
        photos,
        tmp_path / "t.nststyle",
        settings,
        on_progress=on_progress,
        clock=clock,
    )
    assert result.steps == result.trained_steps == expected_steps
    assert abs(result.trained_seconds - 10.0) <= min(1.0, per_step / 2), result.trained_seconds
    training = [p for p in seen if p.stage == "training"]
    # Progress follows the time: a quarter of the budget spent reads as a quarter done.
    for p in training[:-1]:
        assert p.fraction == pytest.approx(p.elapsed / 10.0, abs=1e-5)
        assert p.eta == pytest.approx(10.0 - p.elapsed)
    last = training[-1]
    assert last.step == last.total == expected_steps and last.fraction == 1.0 and last.eta == 0.0
    style = read_fast_style(tmp_path / "t.nststyle")
    assert style.training["trained_steps"] == expected_steps
    assert style.training["settings"]["seconds"] == 10.0


def test_a_stopped_time_budget_resumes_with_the_time_left(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "r.nststyle"
    cancel = threading.Event()
    clock = FakeClock(1.0)
    settings = TrainSettings(size=32, steps=STEP_CAP, seconds=10.0, batch=1, seed=5, width=8, **JOHNSON)

    def stop_after_four(p: Progress) -> None:
        clock.step(p)
        if p.stage == "training" and p.step >= 4:
            cancel.set()

    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)],
            photos,
            out,
            settings,
            on_progress=stop_after_four,
            cancel=cancel,
            clock=clock,
        )
    assert checkpoint_path(out).is_file()
    # A later session: its clock starts anywhere; the checkpoint carries the 4 s spent.
    later = FakeClock(1.0, now=5000.0)
    result = train_fast_style(
        [StyleImage(painting)], photos, out, settings, resume=True, on_progress=later.step, clock=later
    )
    assert result.resumed_from == 4 and result.steps == 6 and result.trained_steps == 10
    assert result.trained_seconds == pytest.approx(10.0) and result.seconds == pytest.approx(6.0)


def _to_schema_1(path: Path) -> None:
    """Rewrite a checkpoint as the trainer wrote it before it kept the training time."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    recipe = json.loads(state["recipe"])
    del recipe["settings"]["seconds"]
    state = {"recipe": json.dumps(recipe, sort_keys=True), "step": state["step"], "net": state["net"],
             "optimizer": state["optimizer"]}  # fmt: skip
    torch.save(state, path)


def test_a_checkpoint_from_before_time_budgets_still_resumes(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "old.nststyle"
    cancel = threading.Event()
    settings = TrainSettings(size=32, steps=5, batch=1, seed=5, width=8, **JOHNSON)
    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)], photos, out, settings,
            on_progress=lambda p: cancel.set() if p.step >= 2 else None, cancel=cancel,
        )  # fmt: skip
    _to_schema_1(checkpoint_path(out))
    state = torch.load(checkpoint_path(out), weights_only=True)
    assert "schema" not in state and "seconds" not in state
    clock = FakeClock(1.0, now=50.0)
    result = train_fast_style(
        [StyleImage(painting)], photos, out, settings, resume=True, on_progress=clock.step, clock=clock
    )
    assert result.resumed_from == 2 and result.trained_steps == 5
    # Its earlier time is unknown: only this session's is counted.
    assert result.trained_seconds == pytest.approx(3.0) == result.seconds


def test_a_checkpoint_from_a_newer_version_is_refused(
    photos: Path, painting: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "new.nststyle"
    cancel = threading.Event()
    settings = TrainSettings(size=32, steps=5, batch=1, seed=5, width=8, **JOHNSON)
    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)], photos, out, settings,
            on_progress=lambda p: cancel.set() if p.step >= 1 else None, cancel=cancel,
        )  # fmt: skip
    state = torch.load(checkpoint_path(out), weights_only=True)
    assert state["schema"] == 2 and state["step"] == 1 and state["seconds"] > 0
    torch.save(state | {"schema": 3}, checkpoint_path(out))
    with pytest.raises(FastStyleError, match="newer nst-desktop"):
        train_fast_style([StyleImage(painting)], photos, out, settings, resume=True)


@pytest.mark.parametrize("seconds", [0.0, 0.5, -1.0, float("nan"), 1e9, True])
def test_a_training_time_out_of_range_is_one_sentence(seconds: float) -> None:
    with pytest.raises(SettingsError, match="training time"):
        TrainSettings(seconds=seconds)


def test_resume_refuses_a_checkpoint_of_another_training(
    photos: Path, painting: np.ndarray, painting2: np.ndarray, tmp_path: Path
) -> None:
    out = tmp_path / "r.nststyle"
    cancel = threading.Event()
    settings = TrainSettings(size=32, steps=4, batch=1, seed=5, width=8, **JOHNSON)
    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)],
            photos,
            out,
            settings,
            on_progress=lambda p: cancel.set() if p.step >= 1 else None,
            cancel=cancel,
        )
    with pytest.raises(FastStyleError, match="other paintings"):
        train_fast_style([StyleImage(painting2)], photos, out, settings, resume=True)


def test_too_few_photos_is_one_clear_sentence(painting: np.ndarray, tmp_path: Path) -> None:
    folder = _make_photos(tmp_path / "few", count=3)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(FastStyleError, match=r"3 usable photos \(1 could not be read\)"):
        train_fast_style(
            [StyleImage(painting)], folder, tmp_path / "x.nststyle",
            TrainSettings(size=32, steps=1, **JOHNSON),
        )


def test_broken_photos_are_skipped_and_counted(painting: np.ndarray, tmp_path: Path) -> None:
    folder = _make_photos(tmp_path / "p", count=5)
    sub = folder / "deeper"
    sub.mkdir()
    _make_photos(sub, count=1)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    result = train_fast_style(
        [StyleImage(painting)],
        folder,
        tmp_path / "x.nststyle",
        TrainSettings(size=32, steps=1, batch=1, width=8, **JOHNSON),
    )
    assert result.skipped == 1
    assert read_fast_style(tmp_path / "x.nststyle").training["photos"] == 5  # 6 found, one held back


# -- the file -------------------------------------------------------------------------------


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch /tmp/nst-desktop-pwned",))


def _bad_files(tmp_path: Path, trained: Path) -> dict[str, Path]:
    good = trained.read_bytes()
    files = {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "foreign": (ICONS / "nst-desktop-16.png").read_bytes(),
        "pickle": pickle.dumps({"weights": _Payload()}),
        "json": b"\x10\x00\x00\x00\x00\x00\x00\x00" + b'{"a": 1}        ',
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.nststyle"
        paths[name].write_bytes(data)
    torch_pickle = tmp_path / "torch.nststyle"
    torch.save({"x": _Payload()}, torch_pickle)
    paths["torch pickle"] = torch_pickle
    wrong = FastStyle("W", TransformerNet(12).state_dict(), np.zeros((4, 4, 3), np.uint8), width=8)
    paths["wrong shape"] = tmp_path / "wrong.nststyle"
    _write_unchecked(paths["wrong shape"], wrong)
    huge = tmp_path / "huge.nststyle"
    with open(huge, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 10)
    paths["oversized"] = huge
    newer = read_fast_style(trained)
    paths["newer"] = tmp_path / "newer.nststyle"
    write_fast_style(paths["newer"], newer)
    _rewrite_meta(paths["newer"], schema_version="99")
    paths["folder"] = tmp_path / "dir.nststyle"
    paths["folder"].mkdir()
    paths["missing"] = tmp_path / "missing.nststyle"
    if hasattr(os, "mkfifo"):
        paths["fifo"] = tmp_path / "fifo.nststyle"
        os.mkfifo(paths["fifo"])
    nan = read_fast_style(trained)
    state = dict(nan.state)
    key = next(iter(state))
    state[key] = torch.full_like(state[key], float("nan"))
    paths["nan"] = tmp_path / "nan.nststyle"
    write_fast_style(paths["nan"], FastStyle("N", state, nan.thumbnail, nan.width))
    return paths


def _write_unchecked(path: Path, style: FastStyle) -> None:
    # Writing does not check shapes against ``width``: a file of the wrong shape can exist.
    write_fast_style(path, style)


def _rewrite_meta(path: Path, **changes: str) -> None:
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    header["__metadata__"].update(changes)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n :])


def test_every_kind_of_bad_style_file_is_one_sentence_and_runs_nothing(tmp_path: Path, trained: Path) -> None:
    marker = Path("/tmp/nst-desktop-pwned")
    marker.unlink(missing_ok=True)
    for kind, path in _bad_files(tmp_path, trained).items():
        with pytest.raises(FastStyleError) as info:
            read_fast_style(path)
        message = str(info.value)
        assert "\n" not in message and message.endswith("."), (kind, message)
        assert len(message) < 300, kind
    assert not marker.exists()


def test_messages_quote_names_capped_and_printable(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 200 + "\x1b[31m.nststyle")
    path.write_bytes(b"junk")
    with pytest.raises(FastStyleError) as info:
        read_fast_style(path)
    assert "\x1b" not in str(info.value) and len(str(info.value)) < 160


# -- applying -------------------------------------------------------------------------------


def test_tiles_match_the_whole_picture_and_show_no_seam(trained: Path) -> None:
    style = read_fast_style(trained)
    img = Image.open(SAMPLES / "astronaut.jpg").convert("RGB").resize((230, 190))
    photo = np.asarray(img).copy()
    # float32: the match is exact there; in bfloat16 (test_precision.py) rounding differs.
    exact = Settings(device="cpu", precision="float32")
    whole = apply_fast_style(photo, style, exact)
    tiled = apply_fast_style(photo, style, exact, tile=96)
    diff = np.abs(whole.image_float - tiled.image_float)
    # Tiles share the whole picture's statistics and sample on its grid: they match it.
    assert diff.max() < 1e-3
    # No seam: the jump between neighbouring columns is no larger near tile borders than elsewhere.
    cols = np.abs(np.diff(tiled.image_float, axis=1)).mean(axis=(0, 2))
    assert cols.max() < 3 * np.median(cols) + 0.05


def test_strength_and_keep_colours(trained: Path, photo: np.ndarray) -> None:
    style = read_fast_style(trained)
    none = apply_fast_style(photo, style, Settings(device="cpu", strength=0.0))
    assert np.abs(none.image.astype(int) - photo.astype(int)).max() <= 1
    full = apply_fast_style(photo, style, Settings(device="cpu"))
    half = apply_fast_style(photo, style, Settings(device="cpu", strength=0.5))
    expected = 0.5 * full.image_float + 0.5 * photo / 255.0
    assert np.abs(half.image_float - expected).max() < 1e-3
    keep = apply_fast_style(photo, style, Settings(device="cpu", keep_colors="luminance"))
    from nst_desktop.engine import colour

    chroma = colour.to_yiq(keep.image_float * 255.0)[..., 1:]
    assert np.abs(chroma - colour.to_yiq(photo.astype(np.float32))[..., 1:]).mean() < 2.0


def test_any_size_and_cancel(trained: Path) -> None:
    style = read_fast_style(trained)
    odd = np.zeros((37, 53, 3), np.uint8)
    assert apply_fast_style(odd, style, Settings(device="cpu")).image.shape == (37, 53, 3)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        apply_fast_style(odd, style, Settings(device="cpu"), cancel=cancel)


# -- the store ------------------------------------------------------------------------------


def test_store_import_list_export_delete(tmp_path: Path, trained: Path) -> None:
    store = FastStyleStore(tmp_path / "mine", tmp_path / "builtin")
    info = store.import_file(trained)
    assert info.name == "Tiny" and not info.builtin and info.thumbnail.ndim == 3
    assert store.names() == ["Tiny"]
    with pytest.raises(FastStyleError, match="already"):
        store.import_file(trained)
    store.import_file(trained, name="Tiny two")
    assert store.names() == ["Tiny", "Tiny two"]
    out = store.export("tiny two", tmp_path)
    assert read_fast_style(out).name == "Tiny two"
    assert store.get("Tiny").name == "Tiny" and store.get(str(out)).name == "Tiny two"
    store.delete("Tiny")
    assert store.names() == ["Tiny two"]
    with pytest.raises(FastStyleError, match="no fast style"):
        store.get("Nope")


def test_store_builtins_are_shadowed_only_on_request(tmp_path: Path, trained: Path) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    write_fast_style(builtin / "tiny.nststyle", read_fast_style(trained))
    (builtin / "broken.nststyle").write_bytes(b"junk")
    store = FastStyleStore(tmp_path / "mine", builtin)
    assert [(s.name, s.builtin) for s in store.list()] == [("Tiny", True)]
    assert len(store.problems) == 1
    with pytest.raises(FastStyleError, match="built-in"):
        store.import_file(trained)
    store.import_file(trained, overwrite=True)
    assert [(s.name, s.builtin) for s in store.list()] == [("Tiny", False)]
    with pytest.raises(FastStyleError, match="cannot be deleted"):
        FastStyleStore(tmp_path / "other", builtin).delete("Tiny")


def test_export_refuses_special_files(tmp_path: Path, trained: Path) -> None:
    store = FastStyleStore(tmp_path / "mine", tmp_path / "builtin")
    store.import_file(trained)
    link = tmp_path / "link.nststyle"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FastStyleError, match="not a regular file"):
        store.export("Tiny", link)
    assert make_thumbnail(np.zeros((300, 100, 3), np.uint8)).shape[0] <= 160
