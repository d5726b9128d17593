"""The style-transfer engine: Gatys et al. 2016 on the original VGG19, with no Qt anywhere.

Importing this package is cheap (no torch): the heavy modules load when first used, so the GUI
can start before torch is imported. Use::

    from nst_desktop.engine import Settings, StyleImage, stylize, load_image
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    Cancelled,
    DeviceError,
    EngineError,
    ImageError,
    OutOfMemory,
    OutputError,
    PresetError,
    SettingsError,
    WeightsError,
)
from .settings import SCHEMA_VERSION, STYLE_LAYERS, Settings
from .types import CancelToken, Progress, Result, StyleImage

if TYPE_CHECKING:
    from .run import stylize

__all__ = [
    "SCHEMA_VERSION",
    "STYLE_LAYERS",
    "CancelToken",
    "Cancelled",
    "DeviceError",
    "EngineError",
    "ImageError",
    "OutOfMemory",
    "OutputError",
    "PresetError",
    "Progress",
    "Result",
    "Settings",
    "SettingsError",
    "StyleImage",
    "WeightsError",
    "stylize",
]


def __getattr__(name: str) -> Any:
    if name == "stylize":
        from .run import stylize

        return stylize
    raise AttributeError(name)
