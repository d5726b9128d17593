"""Where the app's shipped resources and the user's own data live.

Resources sit inside the package when installed from a wheel or frozen by PyInstaller, and at
the top of the checkout during development; one function hides the difference.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "nst-desktop"


def resources_dir() -> Path:
    """The folder holding ``presets/``, ``samples/`` and ``icons/``."""
    override = os.environ.get("NST_DESKTOP_RESOURCES")
    if override:
        return Path(override)
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "nst_desktop" / "resources")
    package = Path(__file__).resolve().parent.parent
    candidates += [package / "resources", package.parent / "resources"]
    for candidate in candidates:
        if (candidate / "presets").is_dir():
            return candidate
    return candidates[-1]


def user_data_dir() -> Path:
    """Per-user data folder shared by the CLI and the GUI (presets, downloaded weights).

    ``NST_DESKTOP_DATA_DIR`` overrides it, which the tests use to stay out of the real one.
    """
    override = os.environ.get("NST_DESKTOP_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_presets_dir() -> Path:
    return user_data_dir() / "presets"


def builtin_presets_dir() -> Path:
    return resources_dir() / "presets"


def samples_dir() -> Path:
    return resources_dir() / "samples"
