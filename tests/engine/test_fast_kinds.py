"""Style files of both network kinds: the schema-2 instant kind, old schema-1 files, crafted versions,
and the measured quality record."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.errors import FastStyleError
from nst_desktop.engine.fast.apply import apply_fast_style
from nst_desktop.engine.fast.network import TransformerNet
from nst_desktop.engine.fast.quality import BUDGETS, Distances, Quality, Scorer
from nst_desktop.engine.fast.store import FastStyleStore
from nst_desktop.engine.fast.style_file import FastStyle, make_thumbnail, read_fast_style, write_fast_style
from nst_desktop.engine.fast.tuned import starting_painter
from nst_desktop.engine.instant.api import stylize_instant


def _instant_style(painting: np.ndarray) -> FastStyle:
    painter = starting_painter([StyleImage(painting)], torch.device("cpu"))
    return FastStyle(
        name="Tuned",
        state=painter.transformer.state_dict(),
        thumbnail=make_thumbnail(painting),
        kind="instant",
        vector=painter.style_vector(),
    )


def test_an_untrained_instant_kind_style_paints_the_instant_picture(
    tmp_path: Path, painting: np.ndarray, photo: np.ndarray
) -> None:
    path = write_fast_style(tmp_path / "tuned.nststyle", _instant_style(painting))
    style = read_fast_style(path)
    assert style.kind == "instant" and style.vector is not None and style.vector.shape == (100,)
    fast = apply_fast_style(photo, style, Settings(device="cpu", precision="float32"))
    instant = stylize_instant(photo, [StyleImage(painting)], Settings(device="cpu", precision="float32"))
    # Same network and vector: only the file's float16 weights differ.
    diff = np.abs(fast.image.astype(int) - instant.image.astype(int))
    assert diff.mean() < 2.0 and fast.image.shape == photo.shape


def test_an_instant_kind_style_tiles_like_it_paints_whole(tmp_path: Path, painting: np.ndarray) -> None:
    style = read_fast_style(write_fast_style(tmp_path / "t.nststyle", _instant_style(painting)))
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (96, 136, 3), dtype=np.uint8)
    settings = Settings(device="cpu", precision="float32")
    whole = apply_fast_style(photo, style, settings).image_float
    tiled = apply_fast_style(photo, style, settings, tile=48).image_float
    assert np.abs(whole - tiled).max() < 1e-3


def test_a_schema_1_file_still_loads_as_the_johnson_kind(tmp_path: Path) -> None:
    from safetensors.torch import save

    net = TransformerNet(8, 2)
    tensors = {k: v.to(torch.float16) for k, v in net.state_dict().items()}
    tensors["thumbnail"] = torch.zeros((2, 2, 3), dtype=torch.uint8)
    meta = {
        "format": "nst-desktop fast style",
        "schema_version": "1",
        "name": "Old",
        "description": "",
        "network": json.dumps({"width": 8, "blocks": 2}),
        "training": "{}",
    }
    path = tmp_path / "old.nststyle"
    path.write_bytes(save(tensors, metadata=meta))
    style = read_fast_style(path)
    assert (style.kind, style.width, style.blocks, style.vector) == ("johnson", 8, 2, None)


@pytest.mark.parametrize("version", ["²", "1" * 5000, "٣", "-1", "", "2.0"])
def test_a_crafted_schema_version_is_one_sentence(tmp_path: Path, version: str) -> None:
    header = {"__metadata__": {"format": "nst-desktop fast style", "schema_version": version}}
    raw = json.dumps(header).encode()
    path = tmp_path / "bad.nststyle"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    with pytest.raises(FastStyleError, match="invalid schema version"):
        read_fast_style(path)


def test_an_instant_kind_without_its_vector_or_of_an_unknown_kind_is_refused(
    tmp_path: Path, painting: np.ndarray
) -> None:
    from safetensors.torch import load, save

    good = write_fast_style(tmp_path / "good.nststyle", _instant_style(painting)).read_bytes()
    tensors = load(good)
    header_len = struct.unpack("<Q", good[:8])[0]
    meta = json.loads(good[8 : 8 + header_len])["__metadata__"]
    no_vector = {k: v for k, v in tensors.items() if k != "style_vector"}
    (tmp_path / "a.nststyle").write_bytes(save(no_vector, metadata=meta))
    with pytest.raises(FastStyleError, match="different network"):
        read_fast_style(tmp_path / "a.nststyle")
    (tmp_path / "b.nststyle").write_bytes(save(tensors, metadata=meta | {"network": '{"kind": "vit"}'}))
    with pytest.raises(FastStyleError, match="does not know"):
        read_fast_style(tmp_path / "b.nststyle")
    bad_vector = dict(tensors) | {"style_vector": torch.full((100,), float("nan"))}
    (tmp_path / "c.nststyle").write_bytes(save(bad_vector, metadata=meta))
    with pytest.raises(FastStyleError, match="not finite"):
        read_fast_style(tmp_path / "c.nststyle")


def _quality(fast: tuple[float, float], instant: tuple[float, float] = (0.4, 0.8)) -> Quality:
    optimiser = {n: Distances(0.3 / (1 + i), 0.7 - 0.1 * i) for i, n in enumerate(BUDGETS)}
    return Quality("rocket.jpg", Distances(*fast), Distances(*instant), optimiser)


def test_quality_matches_the_largest_budget_it_is_no_worse_than() -> None:
    # Budgets: 10 -> (0.30, 0.7), 20 -> (0.15, 0.6), 50 -> (0.10, 0.5), 100 -> (0.075, 0.4).
    assert _quality((0.12, 0.55)).matches_steps == 20
    assert "about as good as 20 optimiser steps" in _quality((0.12, 0.55)).sentence()
    assert _quality((0.35, 0.75)).matches_steps == 0
    # Good style but worse content than every budget: no match.
    assert _quality((0.05, 0.9)).matches_steps == 0
    worse = _quality((0.5, 0.9))
    assert worse.worse_than_instant and "worse than the instant picture" in worse.sentence()


def test_quality_round_trips_and_a_crafted_record_reads_as_none() -> None:
    q = _quality((0.12, 0.55))
    again = Quality.from_dict(json.loads(json.dumps(q.to_dict())))
    assert again is not None and again.matches_steps == 20 and again.photo == "rocket.jpg"
    assert Quality.from_dict({}) is None
    assert Quality.from_dict(q.to_dict() | {"fast": {"style": "NaN", "content": 1}}) is None
    assert Quality.from_dict(q.to_dict() | {"optimiser": {"x": {"style": 1, "content": 1}}}) is None


def test_the_store_lists_a_style_with_its_quality(tmp_path: Path, painting: np.ndarray) -> None:
    style = _instant_style(painting)
    q = _quality((0.12, 0.55))
    folder = tmp_path / "styles"
    folder.mkdir()
    with_quality = FastStyle(**{**style.__dict__, "training": {"quality": q.to_dict()}})
    write_fast_style(folder / "t.nststyle", with_quality)
    store = FastStyleStore(folder, tmp_path / "none")
    [info] = store.list()
    assert info.quality is not None and info.quality.matches_steps == 20


def test_the_scorer_is_zero_for_the_photo_itself_and_ranks_noise_far(
    photo: np.ndarray, painting: np.ndarray
) -> None:
    scorer = Scorer(photo, [StyleImage(painting)], torch.device("cpu"))
    own = scorer(photo)
    noise = scorer(np.random.default_rng(0).integers(0, 256, photo.shape, dtype=np.uint8))
    assert own.content == 0.0 and noise.content > 0.5


def test_an_instant_kind_training_writes_its_vector_and_measures_itself(
    tmp_path: Path, painting: np.ndarray
) -> None:
    from PIL import Image

    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style

    photos = tmp_path / "photos"
    photos.mkdir()
    source = Path(__file__).resolve().parents[2] / "packaging" / "training-photos"
    for path in sorted(source.glob("*.jpg"))[:5]:
        img = Image.open(path).convert("RGB")
        img.thumbnail((64, 64))
        img.save(photos / f"{path.stem}.png")
    stages: list[str] = []
    settings = TrainSettings(size=32, steps=3, batch=1, seed=2, device="cpu")
    assert settings.network == "instant" and settings.measure
    result = train_fast_style(
        [StyleImage(painting, 1.0, "autumn.jpg")], photos, tmp_path / "s.nststyle", settings,
        on_progress=lambda p: stages.append(p.stage),
    )  # fmt: skip
    style = read_fast_style(result.output)
    assert style.kind == "instant" and style.vector is not None
    start = starting_painter([StyleImage(painting)], torch.device("cpu"))
    start_state = start.transformer.state_dict()
    moved = max(float((style.state[k].float() - v).abs().max()) for k, v in start_state.items())
    assert moved > 0  # it trained from the pretrained weights rather than copying them
    assert "measuring" in stages and result.quality is not None
    record = Quality.from_dict(style.training["quality"])
    assert record is not None and record.photo == result.quality.photo == "by_the_water.png"
    assert record.side == 64 and set(record.optimiser) == set(BUDGETS)


def test_a_stop_while_measuring_keeps_the_finished_training_as_a_checkpoint(
    tmp_path: Path, painting: np.ndarray
) -> None:
    import threading

    from PIL import Image

    from nst_desktop.engine.errors import Cancelled
    from nst_desktop.engine.fast.checkpoint import checkpoint_path
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(5):
        Image.fromarray(np.full((40, 40, 3), 40 * i, np.uint8)).save(photos / f"p{i}.png")
    cancel = threading.Event()
    out = tmp_path / "s.nststyle"
    settings = TrainSettings(size=32, steps=2, batch=1, seed=2, device="cpu")
    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)], photos, out, settings, cancel=cancel,
            on_progress=lambda p: cancel.set() if p.stage == "measuring" else None,
        )  # fmt: skip
    assert not out.exists() and checkpoint_path(out).is_file()
    unmeasured = settings.replace(measure=False)
    resumed = train_fast_style([StyleImage(painting)], photos, out, unmeasured, resume=True)
    assert resumed.resumed_from == 2 and out.is_file()
