"""Instant style from any painting: Ghiasi et al. (2017)'s arbitrary style network, one pass.

Importing this package is cheap (no torch), like the engine package: the network and its
weights load when :func:`stylize_instant` is first called. Use::

    from nst_desktop.engine.instant import STYLE_SIDE, stylize_instant, notice_text

Modules: ``network`` (the two torch networks), ``model`` (weights: hash check, dequantise,
per-process cache), ``vectors`` (style vectors of whole paintings, cached per painting),
``api`` (``stylize_instant`` and ``paint``, which the optimiser's ``init="instant"`` uses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ..paths import resources_dir

if TYPE_CHECKING:
    from .api import paint, stylize_instant

#: Long side to load paintings at for instant style (see ``vectors.py``); kept equal to
#: ``vectors.STYLE_SIDE`` by a test, so that importing this stays free of torch.
STYLE_SIDE: Final = 1024

__all__ = ["STYLE_SIDE", "notice_text", "paint", "stylize_instant"]


def notice_text() -> str:
    """The instant network's attribution and licence notice, for the About box."""
    folder = resources_dir() / "instant"
    try:
        return (folder / "NOTICE").read_text(encoding="utf-8")
    except OSError:
        return (
            "Instant style: the arbitrary style transfer network of Ghiasi et al. (2017), "
            "Google Magenta, under the Apache License 2.0."
        )


def __getattr__(name: str) -> Any:
    if name in ("stylize_instant", "paint"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
