"""What each setting is, said once: its range or choices, its label, its help and its kind.

Before, every setting was described in about ten places in three files (the settings' checks,
the command line's flags, the window's controls and tooltips), and they drifted apart: the
seed had three different upper bounds. Each :class:`~.settings.Settings` field now carries a
:class:`FieldSpec` in its metadata, and the checks, the ``stylize`` flags and the controls are
all built from it, so a range or a sentence changes in exactly one place.

The ``kind`` says what a preset carries: a preset is a *look*, so applying one changes the look
fields only and keeps what the artist chose for this picture (the output size, the seed, which
painter) and for this computer (the device, the network).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

Kind = Literal["look", "output", "machine"]
"""``look``: how the picture looks; a preset carries these. ``output``: what this run makes
(its size, its seed, which painter); ``machine``: what this computer paints with (device,
network). Applying a preset keeps the current ``output`` and ``machine`` fields."""

ValueType = Literal["number", "whole", "choice", "text", "weights"]
"""How a value is checked: a finite number, a whole number, one of ``choices``, a piece of
text of at most ``high`` characters, or a list of numbers each in ``low..high``."""

SPEC_KEY: Final = "nst_desktop.spec"
"""The key of a field's :class:`FieldSpec` in its ``dataclasses.field(metadata=...)``."""


@dataclass(frozen=True)
class FieldSpec:
    """One setting's description, read by the checks, the command line and the controls."""

    label: str
    """A short name in plain words, as the window's controls show it."""
    help: str
    """One or two plain sentences: the command line's ``--help`` and the control's tooltip."""
    kind: Kind
    type: ValueType
    low: float | None = None
    """The smallest valid value (for ``weights``, of each number). Whole-number bounds are
    given as ``int``: the seed's 2**63 - 1 is not exact as a float."""
    high: float | None = None
    """The largest valid value (for ``weights``, of each number; for ``text``, the length)."""
    slider: tuple[float, float] | None = None
    """The range a slider covers when the useful values are far narrower than the valid ones;
    the number box next to it still takes every valid value."""
    step: float | None = None
    """How far one click of a number box's arrows moves."""
    decimals: int | None = None
    """Decimals a number box shows (the exact value is kept until the artist edits it)."""
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    """For ``choice``: every valid value with its label in plain words, in the order shown."""
    optional: bool = False
    """``None`` is valid too (the seed: pick one)."""
    flag: bool = True
    """Whether ``nst-desktop stylize`` has a ``--flag`` for it; the painter (``method``,
    ``fast_style``) has its own flags, and the layer weights are a list."""
    auto_zero: bool = False
    """For a ``whole`` number whose 0 means "choose for me": the command line's flag also takes
    the word ``auto`` for 0, and the window's box shows "Auto" there."""
    none_label: str = ""
    """For an ``optional`` setting: the window's word for ``None`` (the seed's "Random"),
    a check box beside the value; "Auto" when not given."""
    items: tuple[str, ...] = ()
    """For ``weights``: what each number weighs, in order (the style layers); the window
    shows one box per item."""

    @property
    def values(self) -> tuple[str, ...]:
        """The valid values of a ``choice``, without their labels."""
        return tuple(value for value, _ in self.choices)

    def bounds(self) -> tuple[float, float]:
        """``(low, high)``; a spec without both is a programming error, said plainly."""
        if self.low is None or self.high is None:
            raise ValueError(f"The setting '{self.label}' has no range.")
        return self.low, self.high

    def whole_bounds(self) -> tuple[int, int]:
        low, high = self.bounds()
        return int(low), int(high)

    def slider_range(self) -> tuple[float, float]:
        """The slider's range: ``slider`` when set, else the whole valid range."""
        return self.slider if self.slider is not None else self.bounds()

    def range_text(self) -> str:
        """The valid range in words for the command line's help, or "" when there is none."""
        if self.type not in ("number", "whole") or self.low is None or self.high is None:
            return ""
        if self.type == "whole":
            return f"{int(self.low)} to {int(self.high)}"
        return f"{self.low:g} to {self.high:g}"


def spec(field_spec: FieldSpec) -> dict[str, Any]:
    """The metadata mapping that attaches ``field_spec`` to a dataclass field."""
    return {SPEC_KEY: field_spec}


def labelled(literal: Any, labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The values of a ``Literal`` type paired with their labels, in the type's order.

    The type stays the one list of valid values (mypy checks the code against it); a label
    missing or left over after the type changed is a programming error, raised at import so
    it cannot ship.
    """
    values = get_args(literal)
    if set(values) != set(labels):
        raise ValueError(f"The labels {sorted(labels)} do not match the choices {sorted(values)}.")
    return tuple((value, labels[value]) for value in values)
