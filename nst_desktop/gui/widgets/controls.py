"""The artist's controls, in plain words, mapped one-to-one onto :class:`Settings`.

Every control only edits values here; the window decides what a change repaints (the instant
preview off the GUI thread, the optimiser only on Paint), so a change never blocks.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
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
from nst_desktop.engine.settings import CONTENT_LAYERS

QUALITY_LEVELS: tuple[tuple[str, int], ...] = (
    ("Sketch", 60),
    ("Quick", 150),
    ("Balanced", 300),
    ("Fine", 600),
    ("Best", 1200),
)

KEEP_COLORS = (
    ("none", "Off: use the painting's colours"),
    ("luminance", "Keep the photo's colours"),
    ("histogram", "Recolour the painting to the photo"),
)

TIPS = {
    "style_strength": "How boldly the painting's brushwork and texture are laid over the photo.\n"
    "0 = none, 1 = balanced, higher = bolder, with less of the photo showing through.",
    "keep_content": "How faithfully the shapes and edges of the photo are kept.\n"
    "0 = ignore the photo, 1 = balanced, higher = closer to the photo.",
    "smoothness": "Smooths away fine speckle and noise.\n"
    "0 = crisp but grainy, higher = calmer, softer surfaces.",
    "strength": "How much of the painting's style the instant picture and the fast styles lay over\n"
    "the photo: 0 = the photo, 1 = all style. (The optimiser uses Style strength instead.)",
    "brush_scale": "Size of the painted strokes and texture relative to the picture.\n"
    "Below 1 = finer, smaller strokes; above 1 = bigger, bolder strokes.",
    "keep_colors": "Keep the colours of the photo and take only the painting's brushwork,\n"
    "or use the painting's colours too.",
    "size": "Long side of the finished picture, in pixels. Bigger is sharper and much slower.",
    "quality": "More steps give cleaner, more finished strokes; fewer give a faster result.",
    "steps": "Optimisation steps over all levels (set by Quality; fine-tune it here).",
    "seed": "The same seed with the same settings paints the same picture again.",
    "optimizer": "L-BFGS converges in fewer steps; Adam uses less memory on very large pictures.",
    "init": "What the painting starts from: the photo, random noise, or noise in the painting's colours.",
    "pooling": "Average pooling gives smoother, softer textures than max pooling.",
    "levels": "Coarse-to-fine passes: big shapes first, then detail. 0 chooses from the size.",
    "content_layer": "Which network layer defines 'the photo's content': lower keeps fine detail, "
    "higher only the layout.",
    "style_layers": "Weight of each texture scale, from fine (1) to coarse (5).",
    "learning_rate": "Step size for Adam (ignored by L-BFGS).",
    "device": "Where to compute. Auto picks a GPU when there is one.",
    "weights": "Which trained network judges content and style. The original VGG19 ships with the app;\n"
    "torchvision's retrained VGG19 paints a different texture and is downloaded once (548 MB) when you\n"
    "first paint with it.",
}


class SliderRow(QWidget):
    """A slider and a spin box showing the same number.

    The slider is curved so the neutral value 1 sits in the middle: the useful range of these
    weights is around 1, and a linear 0..10 slider would crowd it into the first tenth.
    """

    value_changed = Signal(float)
    STEPS = 1000

    def __init__(
        self, low: float, high: float, step: float, decimals: int = 2, tip: str = "", linear: bool = False
    ) -> None:
        super().__init__()
        self._low, self._high, self._linear = low, high, linear
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.setPageStep(self.STEPS // 20)
        self.spin = QDoubleSpinBox()
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
        self.spin.valueChanged.connect(self._from_spin)

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
        return float(self.spin.value())

    def set_value(self, value: float) -> None:
        self.spin.setValue(value)

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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(form)

        self.style_strength = SliderRow(0.0, 10.0, 0.1, 2, TIPS["style_strength"])
        self.keep_content = SliderRow(0.0, 10.0, 0.1, 2, TIPS["keep_content"])
        self.smoothness = SliderRow(0.0, 10.0, 0.1, 2, TIPS["smoothness"])
        self.brush_scale = SliderRow(0.25, 4.0, 0.05, 2, TIPS["brush_scale"])
        self.strength = SliderRow(0.0, 1.0, 0.05, 2, TIPS["strength"], linear=True)
        self.keep_colors = QComboBox()
        for key, label in KEEP_COLORS:
            self.keep_colors.addItem(label, key)
        self.keep_colors.setToolTip(TIPS["keep_colors"])
        self.size = QSpinBox()
        self.size.setRange(32, 8192)
        self.size.setSingleStep(64)
        self.size.setSuffix(" px")
        self.size.setKeyboardTracking(False)
        self.size.setToolTip(TIPS["size"])
        self.quality = QSlider(Qt.Orientation.Horizontal)
        self.quality.setRange(0, len(QUALITY_LEVELS) - 1)
        self.quality.setPageStep(1)
        self.quality.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.quality.setToolTip(TIPS["quality"])
        self.quality_label = QLabel()
        self.quality_label.setMinimumWidth(120)
        self.quality_label.setToolTip(TIPS["quality"])
        quality_row = QHBoxLayout()
        quality_row.addWidget(self.quality, 1)
        quality_row.addWidget(self.quality_label)

        for label, field, widget in (
            ("Style strength", "style_strength", self.style_strength),
            ("Keep content", "keep_content", self.keep_content),
            ("Smoothness", "smoothness", self.smoothness),
            ("Brush scale", "brush_scale", self.brush_scale),
            ("Keep colours", "keep_colors", self.keep_colors),
            ("Instant strength", "strength", self.strength),
            ("Output size", "size", self.size),
        ):
            caption = QLabel(label)
            caption.setToolTip(TIPS[field])
            form.addRow(caption, widget)
        quality_caption = QLabel("Quality")
        quality_caption.setToolTip(TIPS["quality"])
        form.addRow(quality_caption, quality_row)

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
        self.steps = QSpinBox()
        self.steps.setRange(1, 100_000)
        self.steps.setSingleStep(10)
        self.steps.setKeyboardTracking(False)
        self.random_seed = QCheckBox("Random")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.seed, 1)
        self.optimizer = _combo((("lbfgs", "L-BFGS"), ("adam", "Adam")))
        self.init = _combo(
            (
                ("content", "The photo"),
                ("noise", "Random noise"),
                ("style_colors", "Noise in the painting's colours"),
                ("instant", "The instant picture (a quick refine)"),
            )
        )
        self.pooling = _combo((("max", "Max"), ("avg", "Average")))
        self.levels = QSpinBox()
        self.levels.setRange(0, 12)
        self.levels.setSpecialValueText("Auto")
        self.content_layer = _combo(tuple((name, name) for name in CONTENT_LAYERS))
        self.layer_weights: list[QDoubleSpinBox] = []
        layers_row = QHBoxLayout()
        layers_row.setSpacing(2)
        for name in STYLE_LAYERS:
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 1000.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.25)
            spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            spin.setToolTip(f"{name}: {TIPS['style_layers']}")
            spin.setKeyboardTracking(False)
            self.layer_weights.append(spin)
            layers_row.addWidget(spin)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setRange(0.0001, 1000.0)
        self.learning_rate.setDecimals(4)
        self.learning_rate.setKeyboardTracking(False)
        self.device = _combo(
            (("auto", "Auto"), ("cpu", "CPU"), ("cuda", "NVIDIA GPU (CUDA)"), ("mps", "Apple GPU (MPS)"))
        )
        self.weights = _combo(
            (
                ("original", "Original VGG19 (built in)"),
                ("torchvision", "torchvision VGG19 (548 MB download)"),
            )
        )
        for label, field, widget_or_layout in (
            ("Steps", "steps", self.steps),
            ("Seed", "seed", seed_row),
            ("Optimiser", "optimizer", self.optimizer),
            ("Start from", "init", self.init),
            ("Pooling", "pooling", self.pooling),
            ("Levels", "levels", self.levels),
            ("Content layer", "content_layer", self.content_layer),
            ("Texture scales", "style_layers", layers_row),
            ("Learning rate", "learning_rate", self.learning_rate),
            ("Device", "device", self.device),
            ("Network", "weights", self.weights),
        ):
            caption = QLabel(label)
            caption.setToolTip(TIPS[field])
            if isinstance(widget_or_layout, QWidget):
                widget_or_layout.setToolTip(TIPS[field])
            adv.addRow(caption, widget_or_layout)
        self.seed.setToolTip(TIPS["seed"])
        self.random_seed.setToolTip(TIPS["seed"])
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
        for combo in (
            self.keep_colors,
            self.optimizer,
            self.init,
            self.pooling,
            self.content_layer,
            self.device,
            self.weights,
        ):
            combo.currentIndexChanged.connect(self._emit_changed)
        for spin in (self.size, self.levels, self.seed):
            spin.valueChanged.connect(self._emit_changed)
        for dspin in (*self.layer_weights, self.learning_rate):
            dspin.valueChanged.connect(self._emit_changed)
        self.steps.valueChanged.connect(self._on_steps)
        self.quality.valueChanged.connect(self._on_quality)
        self.random_seed.toggled.connect(self._on_random_seed)

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
        name, level_steps = QUALITY_LEVELS[index]
        self.quality_label.setText(f"{name} · {steps} steps")

    def _on_random_seed(self, random: bool) -> None:
        self.seed.setEnabled(not random)
        self._emit_changed()

    def set_settings(self, settings: Settings) -> None:
        """Show ``settings`` without emitting a change per control."""
        self._updating = True
        try:
            self.style_strength.set_value(min(settings.style_strength, 10.0))
            self.keep_content.set_value(min(settings.keep_content, 10.0))
            self.smoothness.set_value(min(settings.smoothness, 10.0))
            self.brush_scale.set_value(min(max(settings.brush_scale, 0.25), 4.0))
            self.strength.set_value(settings.strength)
            _select(self.keep_colors, settings.keep_colors)
            self.size.setValue(settings.size)
            self.steps.setValue(settings.steps)
            self._sync_quality(settings.steps)
            self.random_seed.setChecked(settings.seed is None)
            if settings.seed is not None:
                self.seed.setValue(min(settings.seed, self.seed.maximum()))
            self.seed.setEnabled(settings.seed is not None)
            _select(self.optimizer, settings.optimizer)
            _select(self.init, settings.init)
            _select(self.pooling, settings.pooling)
            self.levels.setValue(settings.levels)
            _select(self.content_layer, settings.content_layer)
            for spin, weight in zip(self.layer_weights, settings.style_layer_weights, strict=False):
                spin.setValue(weight)
            self.learning_rate.setValue(settings.learning_rate)
            _select(self.device, settings.device)
            _select(self.weights, settings.weights)
            # Values outside the sliders' ranges (from a preset or a file) are kept as they are.
            self._exact = settings
        finally:
            self._updating = False
        self.changed.emit()

    def settings(self) -> Settings:
        """The settings shown; raises SettingsError when the combination is invalid."""
        exact = getattr(self, "_exact", Settings())

        def slider(row: SliderRow, value: float) -> float:
            # Keep a preset's 20.0 as 20.0 unless the artist moved the slider.
            return value if abs(row.value() - min(value, row.spin.maximum())) < 1e-9 else row.value()

        return Settings(
            style_strength=slider(self.style_strength, exact.style_strength),
            keep_content=slider(self.keep_content, exact.keep_content),
            smoothness=slider(self.smoothness, exact.smoothness),
            brush_scale=slider(self.brush_scale, exact.brush_scale),
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
            style_layer_weights=tuple(spin.value() for spin in self.layer_weights),
            learning_rate=self.learning_rate.value(),
            device=self.device.currentData(),
            weights=self.weights.currentData(),
        )


def _combo(items: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    # Long item texts must not widen the whole panel past its scroll area (they would be cut
    # off at the right edge); the popup still shows them in full.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for key, label in items:
        combo.addItem(label, key)
    return combo


def _select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)
