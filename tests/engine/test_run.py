"""The real engine, end to end, on the real VGG19 weights at tiny sizes."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from nst_desktop.engine import colour, run
from nst_desktop.engine.errors import Cancelled, DeviceError, OutOfMemory, SettingsError
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Progress, StyleImage

TINY = Settings(size=48, steps=8, seed=1)


def test_result_has_the_requested_size_and_resolved_settings(photo: np.ndarray, painting: np.ndarray) -> None:
    content = photo[:, :48]  # not square: 64 high, 48 wide
    result = run.stylize(content, [StyleImage(painting)], TINY.replace(seed=None))
    h, w = result.image.shape[:2]
    assert max(h, w) == 48 and result.image.dtype == np.uint8
    assert abs(w / h - content.shape[1] / content.shape[0]) < 0.05
    assert result.settings.seed is not None  # recorded, so the run can be repeated
    assert result.steps == 8 and result.device.startswith("CPU")
    assert (
        result.image_float.dtype == np.float32
        and 0.0 <= result.image_float.min() <= result.image_float.max() <= 1.0
    )


def test_loss_falls_within_a_level(photo: np.ndarray, painting: np.ndarray) -> None:
    seen: list[Progress] = []
    run.stylize(photo, [StyleImage(painting)], TINY.replace(levels=1, steps=12), on_progress=seen.append)
    painting_reports = [p for p in seen if p.stage == "painting" and p.losses]
    first, last = painting_reports[0].losses, painting_reports[-1].losses
    assert last["total"] < 0.7 * first["total"]
    assert last["style"] < first["style"]


def test_more_steps_get_closer_to_the_style(photo: np.ndarray, painting: np.ndarray) -> None:
    few = run.stylize(photo, [StyleImage(painting)], TINY.replace(steps=4))
    many = run.stylize(photo, [StyleImage(painting)], TINY.replace(steps=30))
    assert many.losses["total"] < few.losses["total"]


def test_same_seed_same_picture_other_seed_other_picture(photo: np.ndarray, painting: np.ndarray) -> None:
    s = TINY.replace(init="noise", seed=7, steps=6)
    a = run.stylize(photo, [StyleImage(painting)], s)
    b = run.stylize(photo, [StyleImage(painting)], s)
    c = run.stylize(photo, [StyleImage(painting)], s.replace(seed=8))
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)


def test_progress_reports_are_complete(photo: np.ndarray, painting: np.ndarray) -> None:
    seen: list[Progress] = []
    run.stylize(
        photo,
        [StyleImage(painting)],
        Settings(size=64, steps=12, levels=2, seed=1),
        on_progress=seen.append,
        preview_interval=0.0,
    )
    stages = [p.stage for p in seen]
    assert stages[0] == "loading" and "preparing" in stages and stages[-1] == "painting"
    steps = [p.step for p in seen if p.stage == "painting"]
    assert steps == sorted(steps) and steps[-1] == 12 and seen[-1].total == 12
    assert {p.level for p in seen} == {1, 2} and all(p.levels == 2 for p in seen)
    assert any(p.eta is not None for p in seen) and seen[-1].eta == pytest.approx(0.0, abs=1e-6)
    previews = [p for p in seen if p.preview is not None]
    assert previews and previews[0].level == 1  # the first coarse level already shows a picture
    for p in previews:
        assert p.preview is not None and p.preview.shape == (p.size[1], p.size[0], 3)
    assert set(seen[-1].losses) == {"style", "content", "tv", "total"}


def test_previews_are_throttled_by_time(photo: np.ndarray, painting: np.ndarray) -> None:
    seen: list[Progress] = []
    run.stylize(
        photo, [StyleImage(painting)], TINY.replace(steps=10), on_progress=seen.append, preview_interval=3600
    )
    # One at the very start of painting and the final one: nothing in between.
    assert sum(p.preview is not None for p in seen) == 2


def test_cancel_between_steps(photo: np.ndarray, painting: np.ndarray) -> None:
    cancel = threading.Event()
    steps: list[int] = []

    def on_progress(p: Progress) -> None:
        steps.append(p.step)
        if p.step == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        run.stylize(
            photo, [StyleImage(painting)], TINY.replace(steps=50), on_progress=on_progress, cancel=cancel
        )
    assert max(steps) == 3  # not one more step after the token was set


class _CountingToken:
    """Becomes set after a number of polls, to prove L-BFGS's evaluations poll it."""

    def __init__(self, polls: int) -> None:
        self.left = polls

    def is_set(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_cancel_is_polled_inside_optimiser_evaluations(
    photo: np.ndarray, painting: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluations = 0
    real = run.total_loss

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal evaluations
        evaluations += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "total_loss", counting)
    token = _CountingToken(polls=6)
    with pytest.raises(Cancelled):
        run.stylize(photo, [StyleImage(painting)], TINY.replace(steps=40, levels=1), cancel=token)
    # Every evaluation polls first, so once set no further network evaluation runs.
    assert evaluations < 6


def test_cancel_interrupts_a_single_evaluation_midway(photo: np.ndarray, painting: np.ndarray) -> None:
    # 16 convolutions are polled forwards and again backwards: a token that turns after
    # 20 polls is seen during the first backward pass, long before the evaluation ends.
    polls_left = _CountingToken(polls=20)
    with pytest.raises(Cancelled):
        run.stylize(photo, [StyleImage(painting)], TINY.replace(levels=1), cancel=polls_left)
    assert polls_left.left == -1  # raised at the first poll after it turned


def test_cancel_from_another_thread(photo: np.ndarray, painting: np.ndarray) -> None:
    cancel = threading.Event()
    started = threading.Event()
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            run.stylize(
                photo,
                [StyleImage(painting)],
                TINY.replace(steps=100_000),
                on_progress=lambda p: started.set() if p.stage == "painting" else None,
                cancel=cancel,
            )
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(60)
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_several_styles_blend_and_zero_weight_is_ignored(
    photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray
) -> None:
    only_first = run.stylize(photo, [StyleImage(painting)], TINY)
    with_zero = run.stylize(photo, [StyleImage(painting), StyleImage(painting2, 0.0)], TINY)
    blended = run.stylize(photo, [StyleImage(painting), StyleImage(painting2, 1.0)], TINY)
    assert np.array_equal(only_first.image, with_zero.image)
    assert not np.array_equal(only_first.image, blended.image)
    with pytest.raises(SettingsError):
        run.stylize(photo, [StyleImage(painting, 0.0)], TINY)
    with pytest.raises(SettingsError):
        run.stylize(photo, [], TINY)


def test_keep_colours_by_luminance_keeps_the_photos_chroma(photo: np.ndarray, painting2: np.ndarray) -> None:
    plain = run.stylize(photo, [StyleImage(painting2)], TINY.replace(steps=12))
    kept = run.stylize(photo, [StyleImage(painting2)], TINY.replace(steps=12, keep_colors="luminance"))
    reference = run._resize(photo.astype(np.float32), kept.image.shape[1], kept.image.shape[0])

    def chroma_error(image: np.ndarray) -> float:
        return float(
            np.abs(
                colour.to_yiq(image.astype(np.float32))[..., 1:] - colour.to_yiq(reference)[..., 1:]
            ).mean()
        )

    assert chroma_error(kept.image) < 3.0
    assert chroma_error(kept.image) < chroma_error(plain.image) / 2


def test_histogram_matching_recolours_the_style_to_the_photo(
    photo: np.ndarray, painting2: np.ndarray
) -> None:
    recoloured = colour.match_colour_statistics(painting2.astype(np.float32), photo.astype(np.float32))
    ref = photo.reshape(-1, 3).astype(np.float64)
    out = recoloured.reshape(-1, 3).astype(np.float64)
    # Clipping to 0..255 shifts the statistics a little for a contrasty photo.
    assert np.allclose(out.mean(axis=0), ref.mean(axis=0), atol=8.0)
    assert np.allclose(np.cov(out, rowvar=False), np.cov(ref, rowvar=False), rtol=0.25, atol=60)
    result = run.stylize(photo, [StyleImage(painting2)], TINY.replace(keep_colors="histogram"))
    assert result.image.shape[2] == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": "adam"},
        {"init": "style_colors"},
        {"pooling": "avg"},
        {"brush_scale": 2.0},
        {"content_layer": "relu3_2"},
    ],
)
def test_advanced_settings_run(photo: np.ndarray, painting: np.ndarray, changes: dict[str, object]) -> None:
    result = run.stylize(photo, [StyleImage(painting)], TINY.replace(steps=4, **changes))
    assert result.image.shape[2] == 3 and np.isfinite(result.image_float).all()


def test_unavailable_device_is_a_plain_error(photo: np.ndarray, painting: np.ndarray) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(DeviceError, match="CUDA"):
        run.stylize(photo, [StyleImage(painting)], TINY.replace(device="cuda"))


def test_out_of_memory_is_reported_and_the_engine_stays_usable(
    photo: np.ndarray, painting: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real OOM cannot be provoked safely here; the allocator's exception is raised in its place.
    real = run.total_loss

    def exhausted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(run, "total_loss", exhausted)
    with pytest.raises(OutOfMemory) as info:
        run.stylize(photo, [StyleImage(painting)], TINY)
    assert "smaller output size" in str(info.value)
    monkeypatch.setattr(run, "total_loss", real)
    assert run.stylize(photo, [StyleImage(painting)], TINY).steps == TINY.steps


def test_model_is_built_once_and_warm_up_names_the_device() -> None:
    assert run.warm_up("cpu").startswith("CPU")
    a = run.get_model(torch.device("cpu"), "max", "relu5_1")
    b = run.get_model(torch.device("cpu"), "max", "relu5_1")
    assert a is b


@pytest.mark.parametrize("keep_colors", ["none", "luminance"])
def test_pictures_convert_in_strips_exactly_as_whole(
    monkeypatch: pytest.MonkeyPatch, keep_colors: str
) -> None:
    """Print-size pictures are converted a strip of rows at a time to bound memory; the
    strips (here 7 rows, so the last is short) must give the whole conversion's pixels."""
    rng = np.random.default_rng(4)
    settings = Settings(keep_colors=keep_colors, device="cpu")  # type: ignore[arg-type]
    painter = run._Painter(
        np.zeros((30, 20, 3), np.uint8), [], settings, torch.device("cpu"), None, None, 0.5
    )
    painter.level_content = rng.uniform(0, 255, (30, 20, 3)).astype(np.float32)
    image = torch.from_numpy(rng.uniform(-140, 160, (1, 3, 30, 20)).astype(np.float32))
    whole = painter.to_rgb(image)
    monkeypatch.setattr(run, "STRIP_ROWS", 7)
    image8, image_float = painter.pictures(image, with_float=True)
    assert image_float is not None
    np.testing.assert_array_equal(image8, np.clip(np.rint(whole), 0, 255).astype(np.uint8))
    np.testing.assert_array_equal(image_float, (whole / 255.0).astype(np.float32))
    assert painter.pictures(image, with_float=False)[1] is None


@pytest.mark.parametrize("keep_colors", ["none", "luminance", "histogram"])
def test_the_photo_at_a_level_is_the_resized_photo(keep_colors: str) -> None:
    """``photo_at`` builds the network's input in place (print-size memory); it must be the
    photo resized and converted as the paintings are, and keep the float RGB copy only in
    the modes that read it."""
    from nst_desktop.engine.schedule import Level

    rng = np.random.default_rng(5)
    photo = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    settings = Settings(keep_colors=keep_colors, device="cpu")  # type: ignore[arg-type]
    painter = run._Painter(photo, [], settings, torch.device("cpu"), None, None, 0.5)
    level = Level(1, 72, 54, 1)
    got = painter.photo_at(level)
    rgb = run._resize(photo.astype(np.float32), 72, 54)
    if keep_colors == "luminance":
        rgb = colour.luminance_rgb(rgb)
    torch.testing.assert_close(got, painter.to_tensor(rgb), atol=2e-3, rtol=0)
    assert painter.level_content.shape == ((0, 0, 3) if keep_colors == "none" else (54, 72, 3))
