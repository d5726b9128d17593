"""The artist's controls, in plain words: one editor per setting, built from the specs.

Every control only edits values here; the window decides what a change repaints (the instant
preview off the GUI thread, the optimiser only on Paint), so a change never blocks.

The panel names no setting to build, show or read it: it makes one editor per spec
(:data:`nst_desktop.engine.settings.SPECS`, the same ones the engine checks against and the
command line builds its flags from) with :func:`.editors.editor_for`, lays out the
:data:`BASIC` rows in their order and every other setting under Advanced, and loops over the
editors to show and read :class:`Settings`. A new setting gets its control with no change here.
What is named here is what is special: the quality slider that sets the steps, the Print…
button beside the size, and the controls the instant picture cannot follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from nst_desktop.engine import EngineError, Settings
from nst_desktop.engine.setting_specs import FieldSpec
from nst_desktop.engine.settings import SPECS

from ..plain_text import plain_tooltip
from .editors import Editor, OptionalEditor, WeightsEditor, editor_for
from .number_boxes import ExactSpinBox, SliderRow, WholeNumberBox

__all__ = ["ControlsEdit", "ControlsPanel", "ExactSpinBox", "SliderRow", "WholeNumberBox"]

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

#: The rows above Advanced, in this order; every other shown setting is under Advanced, in the
#: settings' own order. The steps show here as the quality slider and under Advanced as a number.
BASIC = (
    "style_strength",
    "keep_content",
    "smoothness",
    "brush_scale",
    "keep_colors",
    "strength",
    "size",
    "steps",
)
QUALITY = "steps"
"""The setting the quality slider sets (:data:`QUALITY_LEVELS`)."""
PRINT_SIZE = "size"
"""The setting the Print… button sets, beside it."""

#: Look controls the instant picture cannot follow (it has no content or smoothness loss and
#: takes no steps); the window marks them while the instant picture is on show.
PAINT_ONLY = ("keep_content", "smoothness", "steps")
PAINT_ONLY_NOTE = "Greyed controls apply when you Paint, not to the instant picture."
PAINT_ONLY_TIP = "Applies when you Paint: the instant picture does not use it."


@dataclass(frozen=True)
class ControlsEdit:
    """What the controls hold after a change: the settings, or the sentence that says why the
    values shown are not valid settings (all texture scales at 0, say)."""

    settings: Settings | None
    error: str | None = None


class ControlsPanel(QWidget):
    """Reads and writes a whole :class:`Settings`; ``changed`` fires on any edit with a
    :class:`ControlsEdit` (the new settings, or the error)."""

    changed = Signal(object)
    drag_finished = Signal()  # a slider's handle was let go

    #: The picture-size box. The name shadows QWidget.size(), which nothing calls on this panel;
    #: it is kept because the window, the presets and the tests read ``controls.size``.
    size: QSpinBox  # type: ignore[assignment]  # deliberately replaces QWidget.size()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        specs: Mapping[str, FieldSpec] = SPECS,
        make: Callable[..., Settings] = Settings,
    ) -> None:
        """``specs`` are the settings shown (all of :data:`SPECS` but :data:`NOT_SHOWN`);
        ``make`` builds the settings from their values by name, and checks them."""
        super().__init__(parent)
        self._make = make
        self._updating = False
        self.editors: dict[str, Editor] = {
            name: editor_for(spec) for name, spec in specs.items() if name not in NOT_SHOWN
        }
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(3)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(form)
        self.print_button = QToolButton()
        self.print_button.setText("Print…")
        self.print_button.setToolTip("Choose the output size from a paper size and a print resolution")
        self.quality = QSlider(Qt.Orientation.Horizontal)
        self.quality.setRange(0, len(QUALITY_LEVELS) - 1)
        self.quality.setPageStep(1)
        self.quality.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.quality.setToolTip(QUALITY_TIP)
        self.quality_label = QLabel()
        self.quality_label.setMinimumWidth(120)
        self.quality_label.setToolTip(QUALITY_TIP)
        self.captions: dict[str, QLabel] = {}
        for name in BASIC:
            if name in self.editors:
                self.captions[name], row = self._basic_row(name)
                form.addRow(self.captions[name], row)
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
        for name, editor in self.editors.items():
            if name not in BASIC or name == QUALITY:
                adv.addRow(_caption(editor.spec), editor.widget)
        outer.addWidget(self.advanced)

        # Each control by its setting's name (controls.size, controls.seed), as the window, the
        # presets and the tests reach them; nothing of the panel's own is shadowed.
        for name, editor in self.editors.items():
            if name not in vars(ControlsPanel):
                setattr(self, name, editor.control)
        self.layer_weights: list[ExactSpinBox] = [
            box for e in self.editors.values() if isinstance(e, WeightsEditor) for box in e.boxes
        ]
        self.random_seed: QCheckBox | None = next(
            (e.none_box for e in self.editors.values() if isinstance(e, OptionalEditor)), None
        )

        self.set_settings(make())
        for name, editor in self.editors.items():
            editor.changed.connect(self._on_steps if name == QUALITY else self._emit_changed)
            editor.drag_finished.connect(self.drag_finished)
        self.quality.valueChanged.connect(self._on_quality)

    def _basic_row(self, name: str) -> tuple[QLabel, QWidget]:
        """A setting's caption and row above Advanced: the steps as the quality slider, the
        size with the Print… button beside it, any other its editor."""
        editor = self.editors[name]
        if name not in (QUALITY, PRINT_SIZE):
            return _caption(editor.spec), editor.widget
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        if name == PRINT_SIZE:
            layout.addWidget(editor.widget, 1)
            layout.addWidget(self.print_button)
            return _caption(editor.spec), row
        layout.addWidget(self.quality, 1)
        layout.addWidget(self.quality_label)
        caption = QLabel("Quality")
        caption.setToolTip(QUALITY_TIP)
        return caption, row

    def dragging(self) -> bool:
        """A slider's handle is held: the window asks for quick drafts until it is let go."""
        return any(editor.dragging() for editor in self.editors.values())

    def mark_paint_only(self, on: bool) -> None:
        """Grey the captions of the :data:`PAINT_ONLY` controls and say why (``on``), or not.

        Only the captions grey: the controls stay usable, for the next Paint."""
        if on == self.paint_only_note.isVisibleTo(self):
            return
        self.paint_only_note.setVisible(on)
        for name in PAINT_ONLY:
            caption = self.captions.get(name)
            if caption is not None:
                caption.setEnabled(not on)
                caption.setToolTip(f"{PAINT_ONLY_TIP}\n\n{self._tips[name]}" if on else self._tips[name])

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def edit(self) -> ControlsEdit:
        """The settings shown, or why they are not valid settings."""
        try:
            return ControlsEdit(self.settings())
        except EngineError as exc:
            return ControlsEdit(None, str(exc))

    def _emit_changed(self) -> None:
        if not self._updating:
            self.changed.emit(self.edit())

    def _on_quality(self, index: int) -> None:
        name, steps = QUALITY_LEVELS[index]
        self.quality_label.setText(f"{name} · {steps} steps")
        if not self._updating:
            self._updating = True
            self.editors[QUALITY].set_value(steps)
            self._updating = False
            self.changed.emit(self.edit())

    def _on_steps(self) -> None:
        if self._updating:
            return
        self._updating = True
        self._sync_quality()
        self._updating = False
        self.changed.emit(self.edit())

    def _sync_quality(self) -> None:
        editor = self.editors.get(QUALITY)
        if editor is None:
            return
        steps = editor.value()
        assert isinstance(steps, int)
        index = min(range(len(QUALITY_LEVELS)), key=lambda i: abs(QUALITY_LEVELS[i][1] - steps))
        self.quality.setValue(index)
        self.quality_label.setText(f"{QUALITY_LEVELS[index][0]} · {steps} steps")

    def set_settings(self, settings: Settings) -> None:
        """Show ``settings``, then emit one change (not one per control).

        Every control takes every value the settings allow (the sliders cover the useful part
        and the number box beside them the rest), so nothing is clamped on the way in.
        """
        self._updating = True
        try:
            for name, editor in self.editors.items():
                editor.set_value(getattr(settings, name))
            self._sync_quality()
        finally:
            self._updating = False
        self.changed.emit(self.edit())

    def settings(self) -> Settings:
        """The settings shown; raises SettingsError when the combination is invalid.

        The fields in :data:`NOT_SHOWN` keep their defaults: the window sets them per run.
        """
        return self._make(**{name: editor.value() for name, editor in self.editors.items()})


def _caption(spec: FieldSpec) -> QLabel:
    caption = QLabel(spec.label)
    caption.setToolTip(plain_tooltip(spec.help))
    return caption
