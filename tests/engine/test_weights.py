from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from nst_desktop.engine import weights
from nst_desktop.engine.errors import WeightsError
from nst_desktop.engine.features import VGGFeatures


def test_weights_are_found_checked_and_dequantised() -> None:
    path = weights.locate_weights()
    assert weights.file_sha256(path) == weights.WEIGHTS_SHA256
    conv = weights.load_conv_weights()
    assert [name for name, *_ in weights.CONV_LAYERS] == list(conv)
    w, b = conv["conv1_1"]
    assert w.shape == (64, 3, 3, 3) and b.shape == (64,) and w.dtype == torch.float32
    # 8-bit quantisation: at most 256 distinct values per layer.
    assert torch.unique(conv["conv4_2"][0]).numel() <= 256
    assert weights.load_conv_weights() is conv  # loaded once per process


def test_damaged_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / weights.WEIGHTS_FILENAME
    shutil.copyfile(weights.locate_weights(), copy)
    with copy.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setenv("NST_DESKTOP_WEIGHTS", str(copy))
    with pytest.raises(WeightsError, match="damaged"):
        weights.load_conv_weights(weights.locate_weights())


def test_missing_override_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NST_DESKTOP_WEIGHTS", str(tmp_path / "nope.bin"))
    monkeypatch.setenv("NST_DESKTOP_RESOURCES", str(tmp_path))
    monkeypatch.setattr(weights.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WeightsError, match="NST_DESKTOP_WEIGHTS"):
        weights.locate_weights()


def test_network_is_cut_after_the_deepest_layer_and_frozen() -> None:
    model = VGGFeatures(weights.load_conv_weights(), "relu4_2")
    assert model.names[-1] == "relu4_2"
    assert not any(p.requires_grad for p in model.parameters())
    out = model(torch.zeros(1, 3, 32, 32), ["relu1_1", "relu4_2"])
    assert out["relu1_1"].shape == (1, 64, 32, 32)
    assert out["relu4_2"].shape == (1, 512, 4, 4)


def test_features_respond_to_image_content() -> None:
    # Real weights: a structured image excites relu1_1 far more than a flat one.
    model = VGGFeatures(weights.load_conv_weights(), "relu1_1")
    flat = torch.zeros(1, 3, 32, 32)
    stripes = torch.zeros(1, 3, 32, 32)
    stripes[..., ::2, :] = 100.0
    assert model(stripes, ["relu1_1"])["relu1_1"].mean() > 5 * model(flat, ["relu1_1"])["relu1_1"].mean()
