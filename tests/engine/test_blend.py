"""Blending paintings does what the Blend tooltip says: one target mixed by the weights, for
the whole picture (not a painting per region)."""

from __future__ import annotations

import torch

from nst_desktop.engine.losses import blend_grams, gram


def test_equal_weights_average_the_style_statistics_into_one_target() -> None:
    torch.manual_seed(0)
    a = {"relu1_1": gram(torch.rand(1, 4, 8, 8))}
    b = {"relu1_1": gram(torch.rand(1, 4, 8, 8) * 3)}
    mixed = blend_grams([a, b], [1.0, 1.0])["relu1_1"]
    assert torch.allclose(mixed, (a["relu1_1"] + b["relu1_1"]) / 2)
    three_to_one = blend_grams([a, b], [3.0, 1.0])["relu1_1"]
    assert torch.allclose(three_to_one, 0.75 * a["relu1_1"] + 0.25 * b["relu1_1"])
    only_a = blend_grams([a, b], [1.0, 0.0])["relu1_1"]
    assert torch.allclose(only_a, a["relu1_1"])
