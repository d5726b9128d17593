"""Every knob of a run, in one immutable, validated object.

The GUI's controls, the CLI's flags, the presets and the metadata embedded in a result are all
views of :class:`Settings`, so a look an artist found can be carried anywhere without loss.
The artist-facing numbers are normalised by the engine (see ``losses.py``): the same
``style_strength`` gives the same look at 256 px and at 2048 px and with any style image.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from .errors import SettingsError
from .text import clip, quote

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1

KeepColors = Literal["none", "luminance", "histogram"]
Optimizer = Literal["lbfgs", "adam"]
Init = Literal["content", "noise", "style_colors", "instant"]
Method = Literal["optimise", "fast", "instant"]
Pooling = Literal["max", "avg"]
DeviceChoice = Literal["auto", "cpu", "cuda", "mps"]
WeightsChoice = Literal["original", "torchvision"]

#: The layers whose Gram matrices describe a style (Gatys et al. 2016).
STYLE_LAYERS: Final = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: Layers an advanced user may pick for the content term.
CONTENT_LAYERS: Final = ("relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2")

MIN_SIZE: Final = 32
MAX_SIZE: Final = 8192
MAX_STEPS: Final = 100_000
MAX_LEVELS: Final = 12
MAX_TEXT: Final = 4096


@dataclass(frozen=True)
class Settings:
    """One run's settings. Build with keywords; derive variants with :meth:`replace`."""

    # What an artist sees.
    style_strength: float = 1.0
    """How strongly the painting's texture is imposed (0 = none, 1 = balanced, 10 = very bold)."""
    keep_content: float = 1.0
    """How faithfully the photo's shapes are kept (0 = ignore the photo, 10 = very close)."""
    smoothness: float = 1.0
    """How much fine noise and speckle is smoothed away (0 = none, 10 = very smooth)."""
    brush_scale: float = 1.0
    """Size of the painted strokes: the style image is scaled by this against the output."""
    keep_colors: KeepColors = "none"
    """Keep the photo's colours: by luminance-only transfer or by matching the style's colours."""
    size: int = 512
    """Long side of the output, in pixels."""
    steps: int = 300
    """Optimisation steps over all levels: more is slower and cleaner."""
    seed: int | None = None
    """Seed for reproducible runs; ``None`` picks one (the result records which)."""
    method: Method = "optimise"
    """Which system paints: "optimise" (Gatys: slow, best), "fast" (a trained fast style, one
    pass) or "instant" (Ghiasi et al.'s arbitrary-style network, one pass, any painting)."""
    fast_style: str = ""
    """For method "fast": the fast style's name (built-in or the artist's) or its file."""
    strength: float = 1.0
    """For "fast" and "instant": how much of the style, 1 = all, 0 = the photo as it is."""

    # Advanced.
    optimizer: Optimizer = "lbfgs"
    init: Init = "content"
    """Where the optimiser starts; "instant" starts from the instant picture (a quick refine)."""
    pooling: Pooling = "max"
    levels: int = 0
    """Coarse-to-fine levels; 0 chooses from the size, 1 optimises at full size only."""
    content_layer: str = "relu4_2"
    style_layer_weights: tuple[float, ...] = field(default=(1.0, 1.0, 1.0, 1.0, 1.0))
    """Relative weight of each of :data:`STYLE_LAYERS` (fine to coarse texture)."""
    learning_rate: float = 2.0
    """Adam's step in 0-255 pixel units (unused by L-BFGS)."""
    device: DeviceChoice = "auto"
    weights: WeightsChoice = "original"
    """Which VGG19 paints: "torchvision" gives another look but is a one-time download. Older
    documents lack it and mean "original", so adding it kept the schema at 1 (as did adding
    ``method``, ``fast_style`` and ``strength``, whose defaults mean what older documents did)."""

    def __post_init__(self) -> None:
        # Coerce what JSON hands over: lists for the tuple, 512.0 for 512.
        if not isinstance(self.style_layer_weights, (list, tuple)):
            raise SettingsError("The style layer weights must be a list of numbers.")
        for w in self.style_layer_weights:
            _check_number("each style layer weight", w, 0.0, 1000.0)
        object.__setattr__(self, "style_layer_weights", tuple(float(w) for w in self.style_layer_weights))
        for name in ("size", "steps", "levels", "seed"):
            value = getattr(self, name)
            if isinstance(value, float) and value.is_integer():
                object.__setattr__(self, name, int(value))
        _check_number("style_strength", self.style_strength, 0.0, 100.0)
        _check_number("keep_content", self.keep_content, 0.0, 100.0)
        _check_number("smoothness", self.smoothness, 0.0, 100.0)
        _check_number("brush_scale", self.brush_scale, 0.1, 8.0)
        _check_number("learning_rate", self.learning_rate, 1e-4, 1000.0)
        _check_number("strength", self.strength, 0.0, 1.0)
        if not isinstance(self.fast_style, str):
            raise SettingsError("The setting fast_style must be a name or a file path.")
        if len(self.fast_style) > MAX_TEXT:
            raise SettingsError(f"The setting fast_style is longer than {MAX_TEXT} characters.")
        _check_int("size", self.size, MIN_SIZE, MAX_SIZE)
        _check_int("steps", self.steps, 1, MAX_STEPS)
        _check_int("levels", self.levels, 0, MAX_LEVELS)
        if self.seed is not None:
            _check_int("seed", self.seed, 0, 2**63 - 1)
        _check_choice("keep_colors", self.keep_colors, KeepColors)
        _check_choice("optimizer", self.optimizer, Optimizer)
        _check_choice("init", self.init, Init)
        _check_choice("method", self.method, Method)
        _check_choice("pooling", self.pooling, Pooling)
        _check_choice("device", self.device, DeviceChoice)
        _check_choice("weights", self.weights, WeightsChoice)
        if self.content_layer not in CONTENT_LAYERS:
            raise SettingsError(
                f"The content layer must be one of {', '.join(CONTENT_LAYERS)}, "
                f"not {quote(self.content_layer)}."
            )
        if len(self.style_layer_weights) != len(STYLE_LAYERS):
            raise SettingsError(
                f"The style layer weights need {len(STYLE_LAYERS)} numbers, one per layer "
                f"({', '.join(STYLE_LAYERS)}), not {len(self.style_layer_weights)}."
            )
        if sum(self.style_layer_weights) <= 0.0:
            raise SettingsError("At least one style layer weight must be above zero.")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed, validated like a new object."""
        try:
            return dataclasses.replace(self, **changes)
        except TypeError as exc:
            raise SettingsError(f"Unknown setting: {exc}.") from None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form, carrying ``schema_version``."""
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        """Read a settings document, migrating older schemas; refuse newer ones plainly."""
        if not isinstance(data, Mapping):
            raise SettingsError("The settings are not a JSON object.")
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SettingsError(f"The settings have an invalid schema_version ({quote(version)}).")
        if version > SCHEMA_VERSION:
            raise SettingsError(
                f"These settings come from a newer version of nst-desktop (schema {version}); "
                f"this version reads schema {SCHEMA_VERSION} and older. Please update nst-desktop."
            )
        body = {k: v for k, v in data.items() if k != "schema_version"}
        while version < SCHEMA_VERSION:
            body = MIGRATIONS[version](body)
            version += 1
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(body) - known)
        if unknown:
            shown = ", ".join(quote(k, 40) for k in unknown[:10])
            log.warning("Ignoring unknown settings: %s", clip(shown, 400))
        kwargs = {k: v for k, v in body.items() if k in known}
        try:
            return cls(**kwargs)
        except TypeError as exc:  # e.g. a list where a number belongs
            raise SettingsError(
                f"The settings contain a value of the wrong type ({clip(str(exc))})."
            ) from None

    @classmethod
    def from_json(cls, text: str) -> Settings:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"The settings are not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc})."
            ) from None
        return cls.from_dict(data)


#: ``MIGRATIONS[n]`` turns a schema-``n`` body (without ``schema_version``) into schema ``n + 1``.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _check_number(name: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"The setting {name} must be a number, not {quote(value)}.")
    if not math.isfinite(value) or not low <= value <= high:
        raise SettingsError(f"The setting {name} must be between {low:g} and {high:g}, not {quote(value)}.")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"The setting {name} must be a whole number, not {quote(value)}.")
    if not low <= value <= high:
        raise SettingsError(f"The setting {name} must be between {low} and {high}, not {quote(value)}.")


def _check_choice(name: str, value: object, choices: Any) -> None:
    allowed = get_args(choices)
    if value not in allowed:
        raise SettingsError(f"The setting {name} must be one of {', '.join(allowed)}, not {quote(value)}.")
