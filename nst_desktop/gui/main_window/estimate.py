"""The warning before a long run: how long Paint will take here, from earlier runs' speed.

The engine's work model (:mod:`nst_desktop.engine.eta`) turns settings into units of work; the
seconds per unit come from the runs this computer finished before, remembered per device
choice, so the figure is this machine's and not a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nst_desktop.engine import Settings
from nst_desktop.engine.eta import expected_seconds as engine_expected
from nst_desktop.engine.eta import updated_rate

from . import state
from .picture import Picture

if TYPE_CHECKING:
    from .window import MainWindow

WARN_SECONDS = 180.0
"""Runs expected to take longer than this are confirmed first."""


def _key(device: str) -> str:
    return f"{state.PAINT_RATE}/{device}"


def stored_rate(window: MainWindow, device: str) -> float | None:
    value = window.qsettings.value(_key(device))
    try:
        rate = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return rate if rate is not None and rate > 0 else None


def expected_seconds(window: MainWindow, settings: Settings) -> float | None:
    image = window.content_image
    if image is None:
        return None
    return engine_expected(settings, image.width(), image.height(), stored_rate(window, settings.device))


def remember(window: MainWindow, picture: Picture) -> None:
    """After a finished optimiser run: blend its measured speed into the stored one."""
    if picture.settings.method != "optimise" or picture.seconds_per_unit is None:
        return
    device = picture.job.settings.device
    rate = updated_rate(stored_rate(window, device), picture.seconds_per_unit)
    if rate is not None:
        window.qsettings.setValue(_key(device), rate)
