"""The region layers alone: brush, eraser, one painting per pixel, commands, snapshots, overlay."""

from __future__ import annotations

import numpy as np

from nst_desktop.gui.widgets.region_layers import KEEP, MASK_SIDE, RegionLayers


def layers(width: int = 120, height: int = 80) -> RegionLayers:
    out = RegionLayers()
    out.reset(width, height)
    return out


def test_the_layers_take_the_photos_shape_at_most_mask_side_long() -> None:
    big = layers(3000, 2000)
    assert (big.width, big.height) == (MASK_SIDE, round(MASK_SIDE * 2 / 3))
    small = layers(120, 80)
    assert (small.width, small.height) == (120, 80)
    assert not small.has_regions() and small.frozen(KEEP) is None


def test_a_brush_stroke_paints_a_band_with_a_soft_edge_and_the_eraser_rubs_it_out() -> None:
    regions = layers()
    regions.stroke("a", [(20.0, 40.0), (100.0, 40.0)], radius=10.0, softness=0.5)
    mask = regions.mask("a")
    assert mask is not None
    assert mask[40, 60] == 1.0  # on the line
    assert 0.0 < mask[40 + 8, 60] < 1.0  # in the soft outer half of the brush
    assert mask[40 + 12, 60] == 0.0 and mask[40, 5] == 0.0  # beyond it
    regions.stroke("a", [(60.0, 40.0)], radius=6.0, softness=0.0, erase=True)
    after = regions.mask("a")
    assert after is not None and after[40, 60] == 0.0 and after[40, 30] == 1.0


def test_painting_one_paintings_region_takes_it_from_the_others_not_from_keep() -> None:
    regions = layers()
    regions.fill("a")
    regions.fill(KEEP)
    regions.stroke("b", [(60.0, 40.0)], radius=10.0, softness=0.0, exclusive=["a", "b"])
    a, b, keep = regions.mask("a"), regions.mask("b"), regions.mask(KEEP)
    assert a is not None and b is not None and keep is not None
    assert b[40, 60] == 1.0 and a[40, 60] == 0.0 and a[5, 5] == 1.0
    assert keep.min() == 1.0


def test_fill_takes_what_the_other_paintings_leave() -> None:
    regions = layers()
    regions.stroke("sky", [(0.0, 10.0), (120.0, 10.0)], radius=15.0, softness=0.0)
    regions.fill("ground", ["sky", "ground"])
    sky, ground = regions.mask("sky"), regions.mask("ground")
    assert sky is not None and ground is not None
    assert ground[10, 60] == 0.0 and ground[70, 60] == 1.0
    assert np.allclose(sky + ground, 1.0, atol=1 / 255)  # every pixel belongs to one of them
    regions.fill(KEEP)
    keep = regions.mask(KEEP)
    assert keep is not None and keep.min() == 1.0


def test_invert_clear_and_feather() -> None:
    regions = layers()
    regions.stroke("a", [(0.0, 40.0), (120.0, 40.0)], radius=20.0, softness=0.0)
    regions.invert("a")
    mask = regions.mask("a")
    assert mask is not None and mask[40, 60] == 0.0 and mask[2, 60] == 1.0
    regions.feather("a", 8)
    soft = regions.mask("a")
    assert soft is not None and 0.0 < soft[40 - 20, 60] < 1.0  # the hard edge is now a ramp
    regions.clear("a")
    assert regions.mask("a") is None and not regions.has_regions()


def test_a_snapshot_keeps_the_layers_as_they_were_and_shares_what_did_not_change() -> None:
    regions = layers()
    regions.stroke("a", [(30.0, 30.0)], radius=5.0, softness=0.0)
    regions.fill(KEEP)
    first = regions.snapshot()
    assert regions.snapshot() is first  # nothing changed: the same snapshot object
    regions.stroke("a", [(90.0, 50.0)], radius=5.0, softness=0.0)
    second = regions.snapshot()
    assert second is not first
    assert dict(second.layers)[KEEP] is dict(first.layers)[KEEP]  # unchanged: shared, not copied
    regions.restore(first)
    mask = regions.mask("a")
    assert mask is not None and mask[30, 30] == 1.0 and mask[50, 90] == 0.0


def test_a_frozen_layer_stays_as_it_was_given() -> None:
    regions = layers()
    regions.stroke("a", [(30.0, 30.0)], radius=5.0, softness=0.0)
    given = regions.frozen("a")
    assert given is not None and not given.flags.writeable
    regions.stroke("a", [(90.0, 50.0)], radius=5.0, softness=0.0)
    assert given[50, 90] == 0  # the job's copy did not move under it
    assert regions.frozen("a") is not given


def test_the_overlay_tints_each_layer_in_its_colour_and_leaves_the_rest_clear() -> None:
    regions = layers()
    regions.stroke("a", [(20.0, 20.0)], radius=6.0, softness=0.0)
    regions.stroke(KEEP, [(100.0, 60.0)], radius=6.0, softness=0.0)
    rgba = regions.overlay([("a", (255, 0, 0)), (KEEP, (0, 0, 255))])
    assert rgba is not None and rgba.shape == (80, 120, 4)
    assert tuple(rgba[20, 20]) == (255, 0, 0, 102)
    assert tuple(rgba[60, 100, :3]) == (0, 0, 255)
    assert rgba[40, 60, 3] == 0
    assert layers().overlay([("a", (255, 0, 0))]) is None
