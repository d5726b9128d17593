"""The document embedded in every result, so a picture can be reopened with its settings.

One builder for the CLI and the GUI keeps the two from drifting apart; reading it back goes
through :meth:`Settings.from_dict`, so old results migrate like presets do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from .errors import SettingsError
from .settings import Settings
from .types import Result, StyleImage

APP = "nst-desktop"


def result_metadata(result: Result, *, content_name: str, styles: Sequence[StyleImage]) -> dict[str, Any]:
    return {
        "app": APP,
        "version": __version__,
        "settings": result.settings.to_dict(),
        "content": content_name,
        "styles": [{"name": s.name, "weight": s.weight} for s in styles],
        "device": result.device,
        "seconds": round(result.seconds, 3),
        "size": list(result.size),
    }


def settings_from_metadata(meta: Mapping[str, Any]) -> Settings:
    """The settings a result was made with; ``SettingsError`` if it was not made by us."""
    if meta.get("app") != APP or not isinstance(meta.get("settings"), Mapping):
        raise SettingsError("This picture carries no nst-desktop settings.")
    return Settings.from_dict(meta["settings"])
