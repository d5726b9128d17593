"""The artist's controls, in plain words, mapped one-to-one onto :class:`Settings`.

Every control only edits values here; the window decides what a change repaints (the instant
preview off the GUI thread, the optimiser only on Paint), so a change never blocks.

Ranges, choices, steps, labels and tooltips all come from each setting's spec
(:data:`nst_desktop.engine.settings.SPECS`), the same one the engine checks against and the
command line builds its flags from, so the three never disagree.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine import STYLE_LAYERS, Settings
from nst_desktop.engine.settings import SPECS

from ..plain_text import plain_tooltip

QUALITY_LEVELS: tuple[tuple[str, int], ...] = (
    ("Sketch", 60),
    ("Quick", 150),
    ("Balanced", 300),
    ("Fine", 600),
    ("Best", 1200),
)
QUALITY_TIP = "More steps give cleaner, more finished strokes; fewer give a faster result."

#: Settings with no control here: the painter is chosen by Paint, the instant preview or the
#: fast-style gallery, so :meth:`ControlsPanel.settings` gives the optimiser's defaults for them.
NOT_SHOWN = ("method", "fast_style")

#: Sliders that move evenly; the others are curved around the neutral value 1.
LINEAR_SLIDERS = ("strength",)

#: Look controls the instant picture cannot follow (it has no content or smoothness loss and
#: takes no steps); the window marks them while the instant picture is on show.
PAINT_ONLY = ("keep_content", "smoothness", "steps")
PAINT_ONLY_NOTE = "Greyed controls apply when you Paint, not to the instant picture."
PAINT_ONLY_TIP = "Applies when you Paint: the instant picture does not use it."


def tip(name: str) -> str:
    """The tooltip of a setting's control: its spec's help, as plain text."""
    return plain_tooltip(SPECS[name].help)


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
    def for_setting(cls, name: str) -> ExactSpinBox:
        spec = SPECS[name]
        box = cls()
        box.setDecimals(spec.decimals if spec.decimals is not None else 2)
        box.setRange(*spec.bounds())
        if spec.step is not None:
            box.setSingleStep(spec.step)
        box.setKeyboardTracking(False)
        box.setToolTip(tip(name))
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
    def for_setting(cls, name: str) -> SliderRow:
        spec = SPECS[name]
        low, high = spec.bounds()
        return cls(
            low,
            high,
            spec.step if spec.step is not None else 0.1,
            spec.decimals if spec.decimals is not None else 2,
            tip(name),
            linear=name in LINEAR_SLIDERS,
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


class ControlsPanel(QWidget):
    """Reads and writes a whole :class:`Settings`; ``changed`` fires on any edit."""

    changed = Signal()
    drag_finished = Signal()  # a slider's handle was let go

    #: The picture-size box. The name shadows QWidget.size(), which nothing calls on this panel;
    #: it is kept because the window, the presets and the tests read ``controls.size``.
    size: QSpinBox  # type: ignore[assignment]  # deliberately replaces QWidget.size()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(3)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(form)

        self.style_strength = SliderRow.for_setting("style_strength")
        self.keep_content = SliderRow.for_setting("keep_content")
        self.smoothness = SliderRow.for_setting("smoothness")
        self.brush_scale = SliderRow.for_setting("brush_scale")
        self.strength = SliderRow.for_setting("strength")
        self.keep_colors = _combo("keep_colors")
        self.size = _whole_box("size")
        self.quality = QSlider(Qt.Orientation.Horizontal)
        self.quality.setRange(0, len(QUALITY_LEVELS) - 1)
        self.quality.setPageStep(1)
        self.quality.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.quality.setToolTip(QUALITY_TIP)
        self.quality_label = QLabel()
        self.quality_label.setMinimumWidth(120)
        self.quality_label.setToolTip(QUALITY_TIP)
        quality_row = QHBoxLayout()
        quality_row.addWidget(self.quality, 1)
        quality_row.addWidget(self.quality_label)
        size_row = QHBoxLayout()
        size_row.addWidget(self.size, 1)
        self.print_button = QToolButton()
        self.print_button.setText("Print…")
        self.print_button.setToolTip("Choose the output size from a paper size and a print resolution")
        size_row.addWidget(self.print_button)

        self.captions: dict[str, QLabel] = {}
        for name, widget in (
            ("style_strength", self.style_strength),
            ("keep_content", self.keep_content),
            ("smoothness", self.smoothness),
            ("brush_scale", self.brush_scale),
            ("keep_colors", self.keep_colors),
            ("strength", self.strength),
            ("size", size_row),
        ):
            self.captions[name] = _caption(name)
            form.addRow(self.captions[name], widget)
        quality_caption = QLabel("Quality")
        quality_caption.setToolTip(QUALITY_TIP)
        self.captions["steps"] = quality_caption  # the quality slider sets the steps
        form.addRow(quality_caption, quality_row)
        self.paint_only_note = QLabel(PAINT_ONLY_NOTE)
        self.paint_only_note.setWordWrap(True)
        self.paint_only_note.setEnabled(False)  # greyed, like the captions it explains
        self.paint_only_note.setVisible(False)
        outer.addWidget(self.paint_only_note)
        self._tips = {name: caption.toolTip() for name, caption in self.captions.items()}

        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        outer.addWidget(self.advanced_toggle)
        self.advanced = QFrame()
        self.advanced.setVisible(False)
        adv = QFormLayout(self.advanced)
        adv.setContentsMargins(12, 0, 0, 0)
        adv.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # A row too wide beside its caption (the five texture-scale boxes) goes under it
        # instead of widening the panel past what a 1024 px window leaves it.
        adv.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.steps = _whole_box("steps")
        self.random_seed = QCheckBox("Random")
        self.random_seed.setToolTip(tip("seed"))
        self.seed = WholeNumberBox(*SPECS["seed"].whole_bounds())
        self.seed.setToolTip(tip("seed"))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.seed, 1)
        self.optimizer = _combo("optimizer")
        self.init = _combo("init")
        self.pooling = _combo("pooling")
        self.levels = _whole_box("levels")
        self.levels.setSpecialValueText("Auto")
        self.content_layer = _combo("content_layer")
        self.layer_weights: list[ExactSpinBox] = []
        layers_row = QHBoxLayout()
        layers_row.setSpacing(2)
        for layer in STYLE_LAYERS:
            spin = ExactSpinBox.for_setting("style_layer_weights")
            spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            spin.setToolTip(plain_tooltip(f"{layer}: {SPECS['style_layer_weights'].help}"))
            self.layer_weights.append(spin)
            layers_row.addWidget(spin)
        self.learning_rate = ExactSpinBox.for_setting("learning_rate")
        self.device = _combo("device")
        self.weights = _combo("weights")
        self.precision = _combo("precision")
        self.memory_budget_mb = _whole_box("memory_budget_mb")
        self.memory_budget_mb.setSpecialValueText("Auto")
        self.threads = _whole_box("threads")
        self.threads.setSpecialValueText("Auto")
        for name, widget_or_layout in (
            ("steps", self.steps),
            ("seed", seed_row),
            ("optimizer", self.optimizer),
            ("init", self.init),
            ("pooling", self.pooling),
            ("levels", self.levels),
            ("content_layer", self.content_layer),
            ("style_layer_weights", layers_row),
            ("learning_rate", self.learning_rate),
            ("device", self.device),
            ("weights", self.weights),
            ("precision", self.precision),
            ("memory_budget_mb", self.memory_budget_mb),
            ("threads", self.threads),
        ):
            adv.addRow(_caption(name), widget_or_layout)
        outer.addWidget(self.advanced)

        self.set_settings(Settings())
        for slider_row in (
            self.style_strength,
            self.keep_content,
            self.smoothness,
            self.brush_scale,
            self.strength,
        ):
            slider_row.value_changed.connect(self._emit_changed)
            slider_row.drag_finished.connect(self.drag_finished)
        for combo in (
            self.keep_colors,
            self.optimizer,
            self.init,
            self.pooling,
            self.content_layer,
            self.device,
            self.weights,
            self.precision,
        ):
            combo.currentIndexChanged.connect(self._emit_changed)
        for box in (self.size, self.levels, self.memory_budget_mb, self.threads):
            box.valueChanged.connect(self._emit_changed)
        self.seed.valueChanged.connect(self._emit_changed)
        for dspin in (*self.layer_weights, self.learning_rate):
            dspin.valueChanged.connect(self._emit_changed)
        self.steps.valueChanged.connect(self._on_steps)
        self.quality.valueChanged.connect(self._on_quality)
        self.random_seed.toggled.connect(self._on_random_seed)

    def dragging(self) -> bool:
        """A slider's handle is held: the window asks for quick drafts until it is let go."""
        rows = (self.style_strength, self.keep_content, self.smoothness, self.brush_scale, self.strength)
        return any(row.dragging() for row in rows)

    def mark_paint_only(self, on: bool) -> None:
        """Grey the captions of the :data:`PAINT_ONLY` controls and say why (``on``), or not.

        Only the captions grey: the controls stay usable, for the next Paint."""
        if on == self.paint_only_note.isVisibleTo(self):
            return
        self.paint_only_note.setVisible(on)
        for name in PAINT_ONLY:
            caption = self.captions[name]
            caption.setEnabled(not on)
            caption.setToolTip(f"{PAINT_ONLY_TIP}\n\n{self._tips[name]}" if on else self._tips[name])

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _emit_changed(self, *_: object) -> None:
        if not self._updating:
            self.changed.emit()

    def _on_quality(self, index: int) -> None:
        name, steps = QUALITY_LEVELS[index]
        self.quality_label.setText(f"{name} · {steps} steps")
        if not self._updating:
            self._updating = True
            self.steps.setValue(steps)
            self._updating = False
            self.changed.emit()

    def _on_steps(self, steps: int) -> None:
        if self._updating:
            return
        self._updating = True
        self._sync_quality(steps)
        self._updating = False
        self.changed.emit()

    def _sync_quality(self, steps: int) -> None:
        index = min(range(len(QUALITY_LEVELS)), key=lambda i: abs(QUALITY_LEVELS[i][1] - steps))
        self.quality.setValue(index)
        self.quality_label.setText(f"{QUALITY_LEVELS[index][0]} · {steps} steps")

    def _on_random_seed(self, random: bool) -> None:
        self.seed.setEnabled(not random)
        self._emit_changed()

    def set_settings(self, settings: Settings) -> None:
        """Show ``settings`` without emitting a change per control.

        Every control takes every value the settings allow (the sliders cover the useful part
        and the number box beside them the rest), so nothing is clamped on the way in.
        """
        self._updating = True
        try:
            self.style_strength.set_value(settings.style_strength)
            self.keep_content.set_value(settings.keep_content)
            self.smoothness.set_value(settings.smoothness)
            self.brush_scale.set_value(settings.brush_scale)
            self.strength.set_value(settings.strength)
            _select(self.keep_colors, settings.keep_colors)
            self.size.setValue(settings.size)
            self.steps.setValue(settings.steps)
            self._sync_quality(settings.steps)
            self.random_seed.setChecked(settings.seed is None)
            if settings.seed is not None:
                self.seed.setValue(settings.seed)
            self.seed.setEnabled(settings.seed is not None)
            _select(self.optimizer, settings.optimizer)
            _select(self.init, settings.init)
            _select(self.pooling, settings.pooling)
            self.levels.setValue(settings.levels)
            _select(self.content_layer, settings.content_layer)
            for spin, weight in zip(self.layer_weights, settings.style_layer_weights, strict=False):
                spin.set_exact(weight)
            self.learning_rate.set_exact(settings.learning_rate)
            _select(self.device, settings.device)
            _select(self.weights, settings.weights)
            _select(self.precision, settings.precision)
            self.memory_budget_mb.setValue(settings.memory_budget_mb)
            self.threads.setValue(settings.threads)
        finally:
            self._updating = False
        self.changed.emit()

    def settings(self) -> Settings:
        """The settings shown; raises SettingsError when the combination is invalid.

        The fields in :data:`NOT_SHOWN` keep their defaults: the window sets them per run.
        """
        return Settings(
            style_strength=self.style_strength.value(),
            keep_content=self.keep_content.value(),
            smoothness=self.smoothness.value(),
            brush_scale=self.brush_scale.value(),
            strength=self.strength.value(),
            keep_colors=self.keep_colors.currentData(),
            size=self.size.value(),
            steps=self.steps.value(),
            seed=None if self.random_seed.isChecked() else self.seed.value(),
            optimizer=self.optimizer.currentData(),
            init=self.init.currentData(),
            pooling=self.pooling.currentData(),
            levels=self.levels.value(),
            content_layer=self.content_layer.currentData(),
            style_layer_weights=tuple(spin.exact_value() for spin in self.layer_weights),
            learning_rate=self.learning_rate.exact_value(),
            device=self.device.currentData(),
            weights=self.weights.currentData(),
            precision=self.precision.currentData(),
            memory_budget_mb=self.memory_budget_mb.value(),
            threads=self.threads.value(),
        )


def _caption(name: str) -> QLabel:
    caption = QLabel(SPECS[name].label)
    caption.setToolTip(tip(name))
    return caption


def _whole_box(name: str) -> QSpinBox:
    """A spin box with the setting's range, step, unit and tooltip (the range fits 32 bits;
    the seed, which does not, has a :class:`WholeNumberBox`)."""
    spec = SPECS[name]
    box = QSpinBox()
    box.setRange(*spec.whole_bounds())
    if spec.step is not None:
        box.setSingleStep(int(spec.step))
    if spec.unit:
        box.setSuffix(f" {spec.unit}")
    box.setKeyboardTracking(False)
    box.setToolTip(tip(name))
    return box


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    # Long item texts must not widen the whole panel past its scroll area (they would be cut
    # off at the right edge); the popup still shows them in full.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for key, label in SPECS[name].choices:
        combo.addItem(label, key)
    combo.setToolTip(tip(name))
    return combo


def _select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
