"""The number widgets the controls are made of: a number box that keeps the exact number it
was given, a whole-number box past Qt's 32 bits, and a slider with a number box beside it.

Each is built from a setting's :class:`~nst_desktop.engine.setting_specs.FieldSpec` (range,
step, decimals, help), never from a setting's name.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from nst_desktop.engine.setting_specs import FieldSpec

from ..plain_text import plain_tooltip


class ExactSpinBox(QDoubleSpinBox):
    """A number box that gives back the exact number it was set to until it is edited.

    It shows a preset's 0.3333 as 0.33, but saving the preset again, or comparing the controls
    with it, must not quietly turn it into 0.33.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exact: float | None = None
        self._shown = 0.0

    @classmethod
    def for_spec(cls, spec: FieldSpec) -> ExactSpinBox:
        box = cls()
        box.setDecimals(spec.decimals if spec.decimals is not None else 2)
        box.setRange(*spec.bounds())
        if spec.step is not None:
            box.setSingleStep(spec.step)
        box.setKeyboardTracking(False)
        box.setToolTip(plain_tooltip(spec.help))
        return box

    def set_exact(self, value: float) -> None:
        self._exact = float(value)
        self.setValue(value)
        self._shown = float(self.value())

    def exact_value(self) -> float:
        shown = float(self.value())
        return self._exact if self._exact is not None and shown == self._shown else shown


class WholeNumberBox(QAbstractSpinBox):
    """A spin box for whole numbers past Qt's 32 bits: the seed goes up to 2**63 - 1, and a
    QSpinBox would quietly clamp a recorded seed and paint another picture."""

    valueChanged = Signal(object)  # int; "object" because a Qt int signal is 32-bit
    _DIGITS = re.compile(r"[0-9]*")

    def __init__(self, low: int, high: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._low, self._high, self._value = low, high, low
        self.lineEdit().setText(str(low))
        self.editingFinished.connect(self._commit)

    def minimum(self) -> int:
        return self._low

    def maximum(self) -> int:
        return self._high

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        value = min(max(int(value), self._low), self._high)
        self.lineEdit().setText(str(value))
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)

    def stepBy(self, steps: int) -> None:
        self._commit()  # step from what was typed, as a QSpinBox does
        self.setValue(self._value + steps)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self._value > self._low:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if self._value < self._high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        # PySide6 takes the state alone or (state, text, pos); the tuple, with the text and
        # cursor unchanged, is the form its stubs declare.
        return self._state(text), text, pos

    def _state(self, text: str) -> QValidator.State:
        if not self._DIGITS.fullmatch(text) or len(text) > len(str(self._high)):
            return QValidator.State.Invalid
        if not text or not self._low <= int(text) <= self._high:
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable

    def fixup(self, text: str) -> str:
        return str(self._value)

    def interpretText(self) -> None:  # noqa: N802 - Qt's name
        """Take what was typed as the value now, as Enter would (the window's undo calls it)."""
        self._commit()

    def _commit(self) -> None:
        text = self.lineEdit().text()
        if self._state(text) == QValidator.State.Acceptable:
            self.setValue(int(text))
        else:
            self.lineEdit().setText(str(self._value))


class SliderRow(QWidget):
    """A slider and a number box showing the same number.

    The slider covers the useful range (the spec's ``slider``), the box every valid value. A
    curved slider puts the neutral value 1 in the middle: the useful range of these weights is
    around 1, and a linear 0..10 slider would crowd it into the first tenth.
    """

    value_changed = Signal(float)
    drag_finished = Signal()
    STEPS = 1000

    def __init__(
        self,
        low: float,
        high: float,
        step: float,
        decimals: int = 2,
        tip: str = "",
        linear: bool = False,
        slider: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        self._low, self._high = slider if slider is not None else (low, high)
        self._linear = linear
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.setPageStep(self.STEPS // 20)
        self.spin = ExactSpinBox()
        self.spin.setRange(low, high)
        self.spin.setSingleStep(step)
        self.spin.setDecimals(decimals)
        self.spin.setKeyboardTracking(False)
        self.spin.setFixedWidth(72)
        for widget in (self, self.slider, self.spin):
            widget.setToolTip(tip)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.slider.sliderReleased.connect(self.drag_finished)
        self.spin.valueChanged.connect(self._from_spin)

    @classmethod
    def for_spec(cls, spec: FieldSpec) -> SliderRow:
        """The slider is curved when its range holds the neutral 1 inside it (the weights),
        linear otherwise (Fade's 0..1)."""
        low, high = spec.bounds()
        slider_low, slider_high = spec.slider_range()
        return cls(
            low,
            high,
            spec.step if spec.step is not None else 0.1,
            spec.decimals if spec.decimals is not None else 2,
            plain_tooltip(spec.help),
            linear=not slider_low < 1.0 < slider_high,
            slider=spec.slider,
        )

    def slider_range(self) -> tuple[float, float]:
        return self._low, self._high

    def dragging(self) -> bool:
        """The artist holds the slider's handle."""
        return self.slider.isSliderDown()

    def _to_value(self, position: int) -> float:
        t = position / self.STEPS
        if self._linear:
            return float(self._low + t * (self._high - self._low))
        if self._low > 0:  # geometric: low .. 1 .. high
            return float(self._low * (self._high / self._low) ** t)
        exponent = math.log(self._high) / math.log(2.0)  # t = 0.5 gives 1
        return float(self._high * t**exponent)

    def _to_position(self, value: float) -> int:
        value = min(max(value, self._low), self._high)
        if self._linear:
            t = (value - self._low) / (self._high - self._low)
        elif self._low > 0:
            t = math.log(value / self._low) / math.log(self._high / self._low)
        else:
            exponent = math.log(self._high) / math.log(2.0)
            t = (value / self._high) ** (1.0 / exponent) if value > 0 else 0.0
        return round(t * self.STEPS)

    def value(self) -> float:
        """The number shown, or exactly the one set if the artist has not changed it."""
        return self.spin.exact_value()

    def set_value(self, value: float) -> None:
        self.spin.set_exact(value)

    def _from_slider(self, position: int) -> None:
        self.spin.setValue(self._to_value(position))

    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_position(value))
        self.slider.blockSignals(False)
        self.value_changed.emit(float(value))
