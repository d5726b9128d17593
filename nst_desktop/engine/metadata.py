"""The document embedded in every result, so a picture can be reopened with its settings.

One builder, called from the run's record (engine/record.py) for every file of it (Save, drag
out, a version's picture, the CLI and the batch), keeps them from drifting apart;
reading it back goes through :meth:`Settings.from_dict`, so old results migrate like presets do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .. import __version__
from . import regions
from .errors import SettingsError
from .settings import Settings
from .types import Mask

APP = "nst-desktop"


class NamedWeight(Protocol):
    """A style as the metadata records it (a ``StyleImage``, or the GUI's picked image)."""

    @property
    def name(self) -> str: ...

    @property
    def weight(self) -> float: ...


def build_metadata(
    settings: Settings,
    *,
    content_name: str,
    styles: Sequence[NamedWeight],
    device: str,
    seconds: float | None = None,
    complete: bool = True,
    fast_style: str | None = None,
    keep: Mask | str | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """``complete=False`` marks a picture saved from a stopped run (its last preview).

    Regions are recorded as small greyscale PNGs (regions.encode): a painting's ``mask`` in its
    entry of ``styles`` (a style object may carry one, as an array or already encoded, as a
    record's ``SourceRef`` does), the photo's ``keep`` mask beside them;
    :func:`regions_from_metadata` reads them back.

    ``threads``, the CPU threads a finished job computed with, is a fact about that run on
    that machine, recorded beside the settings and never restored from them (the count that
    suited one machine's load would be wrong on another).

    ``fast_style`` names the fast style that painted it: the settings may hold a file path
    that means nothing on another computer, the name still tells the viewer which look it is.
    ``precision`` is recorded beside the settings once it is a concrete format (the pipeline
    resolves ``auto`` before painting), so a reader sees what ran without reading the
    settings.
    """
    meta: dict[str, Any] = {
        "app": APP,
        "version": __version__,
        "settings": settings.to_dict(),
        "content": content_name,
        "styles": [_style_entry(s) for s in styles],
        "device": device,
    }
    if keep is not None:
        meta["keep"] = keep if isinstance(keep, str) else regions.encode(keep)
    if seconds is not None:
        meta["seconds"] = round(seconds, 3)
    if not complete:
        meta["stopped_early"] = True
    if fast_style is not None:
        meta["fast_style"] = fast_style
    if settings.precision != "auto":
        meta["precision"] = settings.precision
    if threads is not None:
        meta["threads"] = threads
    return meta


def settings_from_metadata(meta: Mapping[str, Any]) -> Settings:
    """The settings a result was made with; ``SettingsError`` if it was not made by us."""
    if meta.get("app") != APP or not isinstance(meta.get("settings"), Mapping):
        raise SettingsError("This picture carries no nst-desktop settings.")
    return Settings.from_dict(meta["settings"])


def regions_from_metadata(meta: Mapping[str, Any]) -> tuple[list[Mask | None], Mask | None]:
    """The masks a result was painted with: one per recorded painting (``None`` for a painting
    without one) and the keep mask; at the recorded copy's size (the painters fit them to the
    photo). A damaged record is a :class:`SettingsError` sentence."""
    styles = meta.get("styles")
    entries = styles if isinstance(styles, list) else []
    masks = [
        regions.decode(e["mask"]) if isinstance(e, Mapping) and e.get("mask") is not None else None
        for e in entries
    ]
    keep = regions.decode(meta["keep"]) if meta.get("keep") is not None else None
    return masks, keep


def _style_entry(style: NamedWeight) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": style.name, "weight": style.weight}
    mask = getattr(style, "mask", None)
    if mask is not None:
        entry["mask"] = mask if isinstance(mask, str) else regions.encode(mask)
    return entry
