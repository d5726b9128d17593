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
from types import MappingProxyType
from typing import Any, Final, Literal

from .errors import SettingsError
from .schedule import PRINT_WHOLE, REFINE_ABOVE
from .setting_specs import SPEC_KEY, FieldSpec, Kind, labelled, spec
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
PrecisionChoice = Literal["auto", "float32", "bfloat16", "float16"]

#: The layers whose Gram matrices describe a style (Gatys et al. 2016).
STYLE_LAYERS: Final = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: Layers an advanced user may pick for the content term.
CONTENT_LAYERS: Final = ("relu1_2", "relu2_2", "relu3_2", "relu4_2", "relu5_2")

MIN_SIZE: Final = 32
MAX_SIZE: Final = 8192
MAX_STEPS: Final = 100_000
MAX_LEVELS: Final = 12
MAX_TEXT: Final = 4096
#: The one upper bound of a seed, for the checks, the flags and the controls alike: a signed
#: 64-bit number, which torch.manual_seed takes and the fast-style training's check allows.
MAX_SEED: Final = 2**63 - 1
#: The largest memory budget one may set, in MB (1 TB): anything above is a typing slip.
MAX_MEMORY_MB: Final = 1024 * 1024
#: The most CPU threads one may ask for: more than any desktop has cores.
MAX_THREADS: Final = 1024


@dataclass(frozen=True)
class Settings:
    """One run's settings. Build with keywords; derive variants with :meth:`replace`.

    Each field's range, choices, label, help and kind are in its :class:`FieldSpec` (see
    :data:`SPECS`); the checks below, the command line's flags and the window's controls read
    them from there.
    """

    # What an artist sees.
    style_strength: float = field(
        default=1.0,
        metadata=spec(
            FieldSpec(
                "Style strength",
                "How boldly the painting's brushwork and texture are laid over the photo: 0 = none, "
                "1 = balanced, 10 = very bold, with little of the photo showing through.",
                "look", "number", 0.0, 100.0, slider=(0.0, 10.0), step=0.1, decimals=2,
            )
        ),
    )
    keep_content: float = field(
        default=1.0,
        metadata=spec(
            FieldSpec(
                "Keep content",
                "How faithfully the shapes and edges of the photo are kept: 0 = ignore the photo, "
                "1 = balanced, 10 = very close to the photo.",
                "look", "number", 0.0, 100.0, slider=(0.0, 10.0), step=0.1, decimals=2,
            )
        ),
    )
    smoothness: float = field(
        default=1.0,
        metadata=spec(
            FieldSpec(
                "Smoothness",
                "Smooths away fine speckle and noise: 0 = crisp but grainy, 1 = light, "
                "10 = calm, soft surfaces.",
                "look", "number", 0.0, 100.0, slider=(0.0, 10.0), step=0.1, decimals=2,
            )
        ),
    )
    brush_scale: float = field(
        default=1.0,
        metadata=spec(
            FieldSpec(
                "Brush scale",
                "Size of the painted strokes against the picture (the painting is scaled by it): "
                "1 = the painting's own, below 1 finer strokes, above 1 bigger, bolder ones.",
                "look", "number", 0.1, 8.0, slider=(0.25, 4.0), step=0.05, decimals=2,
            )
        ),
    )
    keep_colors: KeepColors = field(
        default="none",
        metadata=spec(
            FieldSpec(
                "Keep colours",
                "Keep the photo's colours and take only the painting's brushwork (luminance), "
                "recolour the painting to the photo first (histogram), or use the painting's "
                "colours too (none).",
                "look", "choice",
                choices=labelled(
                    KeepColors,
                    {
                        "none": "Off: use the painting's colours",
                        "luminance": "Keep the photo's colours",
                        "histogram": "Recolour the painting to the photo",
                    },
                ),
            )
        ),
    )
    size: int = field(
        default=512,
        metadata=spec(
            FieldSpec(
                "Output size",
                "Long side of the finished picture, in pixels. Bigger is sharper and much slower.",
                "output", "whole", MIN_SIZE, MAX_SIZE, step=64, unit="px",
            )
        ),
    )
    steps: int = field(
        default=300,
        metadata=spec(
            FieldSpec(
                "Steps",
                "Optimisation steps over all levels: more are slower and give cleaner, more "
                f"finished strokes. A print (over {REFINE_ABOVE} px) spends them up to {PRINT_WHOLE} px "
                "and only refines above, a few steps at each larger size.",
                "look", "whole", 1, MAX_STEPS, step=10,
            )
        ),
    )
    seed: int | None = field(
        default=None,
        metadata=spec(
            FieldSpec(
                "Seed",
                "The same seed with the same settings paints the same picture again; without one "
                "a seed is picked and recorded with the result.",
                "output", "whole", 0, MAX_SEED, optional=True, none_label="Random",
            )
        ),
    )
    # Older documents lack method, fast_style and strength (and weights, below); their defaults
    # mean what those documents did, which is why adding them kept the schema at 1.
    method: Method = field(
        default="optimise",
        metadata=spec(
            FieldSpec(
                "Painter",
                "Which system paints: the optimiser (Gatys et al.: slow, best), a trained fast "
                "style (one pass) or the instant network (Ghiasi et al.: one pass, any painting).",
                "output", "choice",
                choices=labelled(
                    Method,
                    {"optimise": "The optimiser", "fast": "A fast style", "instant": "The instant network"},
                ),
                flag=False,
            )
        ),
    )
    fast_style: str = field(
        default="",
        metadata=spec(
            FieldSpec(
                "Fast style",
                "For a fast style: its name (built-in or your own) or its file.",
                "output", "text", 0, MAX_TEXT, flag=False,
            )
        ),
    )
    strength: float = field(
        default=1.0,
        metadata=spec(
            FieldSpec(
                "Fade",
                "How much of the painted picture shows over the photo: 0 = the photo, 1 = all "
                "painting. It fades a finished picture at once, without painting again (the "
                "instant picture mixes the styles instead). Style strength changes the painting.",
                "look", "number", 0.0, 1.0, slider=(0.0, 1.0), step=0.05, decimals=2,
            )
        ),
    )

    # Advanced.
    optimizer: Optimizer = field(
        default="lbfgs",
        metadata=spec(
            FieldSpec(
                "Optimiser",
                "L-BFGS converges in fewer steps; Adam uses less memory on very large pictures.",
                "look", "choice", choices=labelled(Optimizer, {"lbfgs": "L-BFGS", "adam": "Adam"}),
            )
        ),
    )
    init: Init = field(
        default="content",
        metadata=spec(
            FieldSpec(
                "Start from",
                "What the optimiser starts from: the photo, random noise, noise in the painting's "
                "colours, or the instant picture (a quick refine).",
                "look", "choice",
                choices=labelled(
                    Init,
                    {
                        "content": "The photo",
                        "noise": "Random noise",
                        "style_colors": "Noise in the painting's colours",
                        "instant": "The instant picture (a quick refine)",
                    },
                ),
            )
        ),
    )
    pooling: Pooling = field(
        default="max",
        metadata=spec(
            FieldSpec(
                "Pooling",
                "Average pooling gives smoother, softer textures than max pooling.",
                "look", "choice", choices=labelled(Pooling, {"max": "Max", "avg": "Average"}),
            )
        ),
    )
    levels: int = field(
        default=0,
        metadata=spec(
            FieldSpec(
                "Levels",
                "Coarse-to-fine passes, big shapes first and then detail: 0 chooses from the size, "
                "1 paints at full size only.",
                "look", "whole", 0, MAX_LEVELS, auto_zero=True,
            )
        ),
    )
    content_layer: str = field(
        default="relu4_2",
        metadata=spec(
            FieldSpec(
                "Content layer",
                "Which network layer defines the photo's content: a lower one keeps fine detail, "
                "a higher one only the layout.",
                "look", "choice", choices=tuple((name, name) for name in CONTENT_LAYERS),
            )
        ),
    )
    style_layer_weights: tuple[float, ...] = field(
        default=(1.0, 1.0, 1.0, 1.0, 1.0),
        metadata=spec(
            FieldSpec(
                "Texture scales",
                "Weight of each texture scale (the layers " + ", ".join(STYLE_LAYERS) + "), "
                "from fine (1) to coarse (5).",
                "look", "weights", 0.0, 1000.0, step=0.25, decimals=2, flag=False, items=STYLE_LAYERS,
            )
        ),
    )
    learning_rate: float = field(
        default=2.0,
        metadata=spec(
            FieldSpec(
                "Learning rate",
                "Adam's step size, in 0-255 pixel units (L-BFGS ignores it).",
                "look", "number", 1e-4, 1000.0, step=0.5, decimals=4,
            )
        ),
    )
    device: DeviceChoice = field(
        default="auto",
        metadata=spec(
            FieldSpec(
                "Device",
                "Where to compute: auto picks a GPU when there is one.",
                "machine", "choice",
                choices=labelled(
                    DeviceChoice,
                    {"auto": "Auto", "cpu": "CPU", "cuda": "NVIDIA GPU (CUDA)", "mps": "Apple GPU (MPS)"},
                ),
            )
        ),
    )
    weights: WeightsChoice = field(
        default="original",
        metadata=spec(
            FieldSpec(
                "Network",
                "Which trained network judges content and style: the original VGG19 ships with "
                "the app; torchvision's retrained VGG19 paints a different texture and is "
                "downloaded once (548 MB) when first used.",
                "machine", "choice",
                choices=labelled(
                    WeightsChoice,
                    {
                        "original": "Original VGG19 (built in)",
                        "torchvision": "torchvision VGG19 (548 MB download)",
                    },
                ),
            )
        ),
    )
    # Older documents lack it and mean automatic (0), so adding it kept the schema at 1.
    memory_budget_mb: int = field(
        default=0,
        metadata=spec(
            FieldSpec(
                "Memory budget",
                "Most memory a painting may use, in MB; 0 uses three quarters of the free memory "
                "(of the GPU when painting on one). Larger pictures paint in tiles to stay under it.",
                "machine", "whole", 0, MAX_MEMORY_MB, step=256, unit="MB", auto_zero=True,
            )
        ),
    )
    # Older documents lack it and mean automatic, which paints the same picture (see
    # engine/precision.py), so adding it kept the schema at 1.
    precision: PrecisionChoice = field(
        default="auto",
        metadata=spec(
            FieldSpec(
                "Precision",
                "The number format the networks compute in: auto uses a 16-bit format where this "
                "computer's processor or GPU computes it natively (often about twice as fast, the "
                "same picture) and full 32-bit precision elsewhere.",
                "machine", "choice",
                choices=labelled(
                    PrecisionChoice,
                    {
                        "auto": "Auto (fastest this computer has)",
                        "float32": "32-bit (float32)",
                        "bfloat16": "16-bit (bfloat16)",
                        "float16": "16-bit (float16)",
                    },
                ),
            )
        ),
    )
    # Older documents lack it and mean automatic (0), so adding it kept the schema at 1.
    threads: int = field(
        default=0,
        metadata=spec(
            FieldSpec(
                "CPU threads",
                "How many processor threads compute (the work a GPU does is not affected): "
                "0 = auto, the cores other programs leave free when the painting starts.",
                "machine", "whole", 0, MAX_THREADS, auto_zero=True,
            )
        ),
    )

    def __post_init__(self) -> None:
        for name, field_spec in SPECS.items():
            value = _check(name, field_spec, getattr(self, name))
            if value is not getattr(self, name):
                object.__setattr__(self, name, value)
        if len(self.style_layer_weights) != len(STYLE_LAYERS):
            raise SettingsError(
                f"The style layer weights need {len(STYLE_LAYERS)} numbers, one per layer "
                f"({', '.join(STYLE_LAYERS)}), not {len(self.style_layer_weights)}."
            )
        if sum(self.style_layer_weights) <= 0.0:
            raise SettingsError("At least one style layer weight must be above zero.")

    def look(self) -> dict[str, Any]:
        """The fields a preset carries (kind "look"), by name."""
        return {name: getattr(self, name) for name in LOOK_FIELDS}

    def with_look(self, other: Settings) -> Settings:
        """``other``'s look on this run: the look fields from ``other``, the output size,
        seed, painter, device and network kept from ``self`` (how a preset is applied)."""
        return self.replace(**other.look())

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


#: Every field's :class:`FieldSpec`, in the fields' order.
SPECS: Final[Mapping[str, FieldSpec]] = MappingProxyType(
    {f.name: f.metadata[SPEC_KEY] for f in dataclasses.fields(Settings) if SPEC_KEY in f.metadata}
)


def fields_of_kind(kind: Kind) -> tuple[str, ...]:
    """The names of the fields of one kind, in the fields' order."""
    return tuple(name for name, field_spec in SPECS.items() if field_spec.kind == kind)


#: What a preset carries and compares (see :meth:`Settings.with_look`).
LOOK_FIELDS: Final = fields_of_kind("look")


def _check(name: str, field_spec: FieldSpec, value: Any) -> Any:
    """``value`` checked against its spec, as it should be stored (JSON's 512.0 becomes 512,
    a list of weights a tuple); raises SettingsError with one plain sentence otherwise."""
    if value is None and field_spec.optional:
        return value
    if field_spec.type == "number":
        _check_number(name, value, *field_spec.bounds())
        return value
    if field_spec.type == "whole":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        _check_int(name, value, *field_spec.whole_bounds())
        return value
    if field_spec.type == "choice":
        if value not in field_spec.values:
            raise SettingsError(
                f"The setting {name} must be one of {', '.join(field_spec.values)}, not {quote(value)}."
            )
        return value
    if field_spec.type == "text":
        if not isinstance(value, str):
            raise SettingsError(f"The setting {name} must be text, not {quote(value)}.")
        _, longest = field_spec.whole_bounds()
        if len(value) > longest:
            raise SettingsError(f"The setting {name} is longer than {longest} characters.")
        return value
    # "weights": a list of numbers (JSON hands over a list for the tuple).
    if not isinstance(value, (list, tuple)):
        raise SettingsError(f"The setting {name} must be a list of numbers.")
    low, high = field_spec.bounds()
    for number in value:
        _check_number(f"each of {name}", number, low, high)
    return tuple(float(number) for number in value)


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
