"""One editor per setting, made from its spec by a factory per kind of value.

An :class:`Editor` edits one field: its :attr:`~Editor.widget` goes in the form's row, its
:attr:`~Editor.control` is the widget that holds the value (the one tests and the undo keys
reach), :meth:`~Editor.value` and :meth:`~Editor.set_value` read and show the field's value, and
:attr:`~Editor.changed` fires on every edit by the artist. :func:`editor_for` picks the factory
from the spec alone (its ``type``, ``slider``, ``optional``, ``auto_zero``), so a new setting
gets a control without the panel naming it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from nst_desktop.engine.setting_specs import FieldSpec, ValueType

from ..plain_text import plain_tooltip
from .number_boxes import ExactSpinBox, SliderRow, WholeNumberBox

#: The largest whole number a QSpinBox holds; beyond it a :class:`WholeNumberBox` is used.
QT_INT_MAX = 2**31 - 1


class Editor(QObject):
    """Edits one setting. Subclasses set :attr:`widget` and :attr:`control` and forward their
    widgets' edits to :attr:`changed`."""

    changed = Signal()
    """The artist edited the value (never emitted by :meth:`set_value` alone)."""
    drag_finished = Signal()
    """A slider's handle was let go (sliders only)."""

    widget: QWidget
    """What the form shows in the setting's row."""
    control: QWidget
    """The widget that holds the value (for a row of several, the first)."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__()
        self.spec = spec
        self._silent = False

    def value(self) -> object:
        raise NotImplementedError

    def set_value(self, value: object) -> None:
        """Show ``value`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            self._show(value)
        finally:
            self._silent = False

    def _show(self, value: object) -> None:
        raise NotImplementedError

    def dragging(self) -> bool:
        """Whether the artist holds a slider's handle (quick drafts until it is let go)."""
        return False

    def _edited(self, *_: object) -> None:
        if not self._silent:
            self.changed.emit()


class SliderEditor(Editor):
    """A number with a slider over its useful range and a box for every valid value."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.row = SliderRow.for_spec(spec)
        self.widget = self.control = self.row
        self.row.value_changed.connect(self._edited)
        self.row.drag_finished.connect(self.drag_finished)

    def value(self) -> float:
        return self.row.value()

    def _show(self, value: object) -> None:
        self.row.set_value(_number(value))

    def dragging(self) -> bool:
        return self.row.dragging()


class NumberEditor(Editor):
    """A number in a box that keeps the exact value it was given until it is edited."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.box = ExactSpinBox.for_spec(spec)
        self.widget = self.control = self.box
        self.box.valueChanged.connect(self._edited)

    def value(self) -> float:
        return self.box.exact_value()

    def _show(self, value: object) -> None:
        self.box.set_exact(_number(value))


class WholeEditor(Editor):
    """A whole number: a spin box, or a :class:`WholeNumberBox` past 32 bits (the seed)."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        low, high = spec.whole_bounds()
        self.box: QSpinBox | WholeNumberBox
        if high <= QT_INT_MAX:
            box = QSpinBox()
            box.setRange(low, high)
            if spec.step is not None:
                box.setSingleStep(int(spec.step))
            if spec.unit:
                box.setSuffix(f" {spec.unit}")
            if spec.auto_zero and low == 0:
                box.setSpecialValueText("Auto")
            box.setKeyboardTracking(False)
            self.box = box
        else:
            self.box = WholeNumberBox(low, high)
        self.box.setToolTip(plain_tooltip(spec.help))
        self.widget = self.control = self.box
        self.box.valueChanged.connect(self._edited)

    def value(self) -> int:
        return int(self.box.value())

    def _show(self, value: object) -> None:
        # An int as it is: a seed near 2**63 would change on its way through a float.
        self.box.setValue(value if isinstance(value, int) else round(_number(value)))


class ChoiceEditor(Editor):
    """One of the spec's choices, by its label in plain words."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.combo = QComboBox()
        # Long item texts must not widen the whole panel past its scroll area (they would be
        # cut off at the right edge); the popup still shows them in full.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        for key, label in spec.choices:
            self.combo.addItem(label, key)
        self.combo.setToolTip(plain_tooltip(spec.help))
        self.widget = self.control = self.combo
        self.combo.currentIndexChanged.connect(self._edited)

    def value(self) -> object:
        return self.combo.currentData()

    def _show(self, value: object) -> None:
        index = self.combo.findData(value)
        if index >= 0:
            self.combo.setCurrentIndex(index)


class TextEditor(Editor):
    """A short piece of text (at most the spec's ``high`` characters)."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.edit = QLineEdit()
        if spec.high is not None:
            self.edit.setMaxLength(int(spec.high))
        self.edit.setToolTip(plain_tooltip(spec.help))
        self.widget = self.control = self.edit
        self.edit.editingFinished.connect(self._edited)

    def value(self) -> str:
        return self.edit.text()

    def _show(self, value: object) -> None:
        self.edit.setText(str(value))


class WeightsEditor(Editor):
    """One number box per item the weights weigh (the style layers), side by side."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__(spec)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.boxes: list[ExactSpinBox] = []
        for item in spec.items or ("",):
            box = ExactSpinBox.for_spec(spec)
            box.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            box.setToolTip(plain_tooltip(f"{item}: {spec.help}" if item else spec.help))
            box.valueChanged.connect(self._edited)
            self.boxes.append(box)
            row.addWidget(box)
        self.control = self.boxes[0]

    def value(self) -> tuple[float, ...]:
        return tuple(box.exact_value() for box in self.boxes)

    def _show(self, value: object) -> None:
        values = value if isinstance(value, (tuple, list)) else ()
        for box, weight in zip(self.boxes, values, strict=False):
            box.set_exact(_number(weight))


class OptionalEditor(Editor):
    """A value that may be ``None``: a check box (the spec's ``none_label``, "Random" for the
    seed) beside the editor of the value, which is greyed while the box is ticked."""

    def __init__(self, spec: FieldSpec, inner: Editor) -> None:
        super().__init__(spec)
        self.inner = inner
        self.none_box = QCheckBox(spec.none_label or "Auto")
        self.none_box.setToolTip(plain_tooltip(spec.help))
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.none_box)
        row.addWidget(inner.widget, 1)
        self.control = inner.control
        self.none_box.toggled.connect(self._on_none)
        inner.changed.connect(self._edited)

    def value(self) -> object:
        return None if self.none_box.isChecked() else self.inner.value()

    def _show(self, value: object) -> None:
        self.none_box.setChecked(value is None)
        if value is not None:
            self.inner.set_value(value)
        self.inner.widget.setEnabled(value is not None)

    def _on_none(self, none: bool) -> None:
        self.inner.widget.setEnabled(not none)
        self._edited()


#: The factory of each kind of value (numbers with a slider range take :class:`SliderEditor`).
FACTORIES: dict[ValueType, Callable[[FieldSpec], Editor]] = {
    "number": NumberEditor,
    "whole": WholeEditor,
    "choice": ChoiceEditor,
    "text": TextEditor,
    "weights": WeightsEditor,
}


def editor_for(spec: FieldSpec) -> Editor:
    """The editor of a setting, chosen by its spec alone."""
    editor = (
        SliderEditor(spec)
        if spec.type == "number" and spec.slider is not None
        else FACTORIES[spec.type](spec)
    )
    return OptionalEditor(spec, editor) if spec.optional else editor


def _number(value: object) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"expected a number, not {type(value).__name__}")
