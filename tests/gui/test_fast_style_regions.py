"""A fast-style click in the whole window (fake painter through the real pipeline) follows the
Regions tab's keep mask: the photo stays where it is marked and the picture records the mask;
the paintings' regions, which a fast style cannot follow, are named in one sentence on the banner."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nst_desktop.engine import regions
from nst_desktop.gui.main_window.modes import FAST_REGIONS_NOTE
from nst_desktop.gui.main_window.regions import painting_key
from nst_desktop.gui.widgets.region_layers import KEEP

from .test_artist_flows import NegativeEngine


def test_a_fast_style_keeps_the_photo_where_the_regions_tab_says(  # type: ignore[no-untyped-def]
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    window = make_window(NegativeEngine())
    assert window.inputs.set_photo(photo) and window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=64, steps=2, seed=3))
    window.tabs.setCurrentWidget(window.region_tools)
    layers = window.regions.layers
    half = np.zeros((layers.height, layers.width), np.float32)
    half[:, : layers.width // 2] = 1.0  # keep the left half of the photo
    layers.set_mask(KEEP, half)
    window.regions.stepped.emit()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.modes.apply_fast_style("Tiny")
    shown = window.shown
    assert shown is not None and shown.settings.method == "fast"
    picture = shown.pixels.astype(np.int16)
    photo_pixels = window.content_pixels
    assert photo_pixels is not None and picture.shape == photo_pixels.shape  # 64x48 both
    kept = np.abs(picture[:, :24] - photo_pixels[:, :24]).mean()
    painted = np.abs(picture[:, 40:] - photo_pixels[:, 40:]).mean()
    assert kept < 2 and painted > 40, (kept, painted)
    recorded = shown.metadata()["keep"]
    assert regions.decode(recorded).shape[:2] == (48, 64)
    assert window.banner.isHidden() or window.banner.text() != FAST_REGIONS_NOTE

    # A painting's own region cannot be followed by a fast style: one line says so.
    key = painting_key(window.gallery.styles()[0])
    layers.set_mask(key, 1.0 - half)
    window.regions.stepped.emit()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.modes.apply_fast_style("Tiny")
    assert window.banner.isVisible() and window.banner.text() == FAST_REGIONS_NOTE
    assert not window.banner.is_error
