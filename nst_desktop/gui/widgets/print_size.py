"""Paper size and print resolution to pixels: the output size an artist needs for a print.

An A3 print at 300 dpi is 4961 × 3508 px; nobody should have to work that out. The picture
keeps the photo's shape, so the helper finds the largest picture of that shape that fits on
the sheet (its long side along the sheet's long edge: turning it only makes it smaller) and
sets the output size to that picture's long side, which is what the engine's size means.
With no photo yet it assumes the sheet's own shape and says so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine.memory import amount, overrun
from nst_desktop.engine.schedule import fit

from ..progress_text import rough_duration

MM_PER_INCH = 25.4
CUSTOM = "Custom"
PAPERS: tuple[tuple[str, str, float, float], ...] = (
    ("A5", "A5 (148 × 210 mm)", 148.0, 210.0),
    ("A4", "A4 (210 × 297 mm)", 210.0, 297.0),
    ("A3", "A3 (297 × 420 mm)", 297.0, 420.0),
    ("A2", "A2 (420 × 594 mm)", 420.0, 594.0),
    ("Letter", "Letter (8.5 × 11 in)", 8.5 * MM_PER_INCH, 11 * MM_PER_INCH),
    ("Tabloid", "Tabloid (11 × 17 in)", 11 * MM_PER_INCH, 17 * MM_PER_INCH),
    ("10 × 15 cm photo", "10 × 15 cm photo", 100.0, 150.0),
    ("13 × 18 cm photo", "13 × 18 cm photo", 130.0, 180.0),
    (CUSTOM, "Custom size", 0.0, 0.0),
)
"""(short name, shown name, short edge mm, long edge mm); the custom sheet's edges are typed."""

MIN_DPI, MAX_DPI = 72, 1200
MIN_MM, MAX_MM = 10.0, 2000.0


def long_side_pixels(long_edge_mm: float, dpi: float) -> int:
    """Pixels along a paper edge of ``long_edge_mm`` printed at ``dpi`` dots per inch."""
    return max(1, round(long_edge_mm / MM_PER_INCH * dpi))


def fit_on_sheet(photo: tuple[int, int] | None, sheet_mm: tuple[float, float], dpi: float) -> tuple[int, int]:
    """(width, height) px of the largest picture of the ``photo``'s shape (width, height) that
    fits on a sheet of ``sheet_mm`` (either order) at ``dpi``, as the engine sizes it from its
    long side. The long side goes along the sheet's long edge, which always gives the larger
    picture. No photo: the sheet itself, upright."""
    short_px = long_side_pixels(min(sheet_mm), dpi)
    long_px = long_side_pixels(max(sheet_mm), dpi)
    if photo is None or min(photo) < 1:
        return short_px, long_px
    width, height = photo
    shape = max(width, height) / min(width, height)
    side = max(1, min(long_px, math.floor(short_px * shape + 1e-9)))
    while side > 1 and min(fit(width, height, side)) > short_px:  # the engine's rounding
        side -= 1
    return fit(width, height, side)


@dataclass(frozen=True)
class PrintChoice:
    """What the dialog was left on: the paper, a custom sheet's edges (mm) and the dpi."""

    paper: str = "A3"
    custom_mm: tuple[float, float] = (297.0, 420.0)
    dpi: int = 300

    def to_json(self) -> str:
        return json.dumps({"paper": self.paper, "custom_mm": list(self.custom_mm), "dpi": self.dpi})

    @classmethod
    def from_json(cls, text: str) -> PrintChoice | None:
        """The choice stored by :meth:`to_json`; None when unreadable or out of range."""
        try:
            data = json.loads(text)
            paper, custom, dpi = data["paper"], data["custom_mm"], data["dpi"]
            short, long = (float(v) for v in custom)
        except (ValueError, TypeError, KeyError):
            return None
        if paper not in [p[0] for p in PAPERS] or isinstance(dpi, bool) or not isinstance(dpi, int):
            return None
        if not MIN_DPI <= dpi <= MAX_DPI or not all(MIN_MM <= v <= MAX_MM for v in (short, long)):
            return None
        return cls(paper, (short, long), dpi)


@dataclass(frozen=True)
class RunEstimate:
    """How a run at some output size goes here, from the window's estimates (None: unknown)."""

    tiled: bool | None = None
    """Painted in tiles to fit in memory; None where the window cannot tell (a graphics card)."""
    peak: int | None = None
    """Bytes the run uses at most."""
    budget: int | None = None
    """Bytes it may use."""
    seconds: float | None = None
    """How long it takes on this computer (from earlier runs' speed)."""

    def text(self) -> str:
        parts = []
        if self.tiled is not None and self.peak is not None:
            if self.budget is not None and overrun(self.peak, self.budget):
                parts.append(
                    f"Even painted in tiles it needs about {amount(self.peak)} of memory, more than "
                    f"the {amount(self.budget)} it may use."
                )
            elif self.tiled:
                parts.append(f"It is painted in tiles, to fit in memory (about {amount(self.peak)}).")
            else:
                parts.append(f"It fits in memory whole (about {amount(self.peak)}).")
        if self.seconds is not None:
            parts.append(f"About {rough_duration(self.seconds)} on this computer.")
        return " ".join(parts)


class PrintSizeDialog(QDialog):
    """Choose a paper and a resolution; :meth:`pixels` is the output size that prints it.

    ``photo`` is the photo's (width, height), None before one is open; ``choice`` what the
    dialog opens on; ``estimate`` says how a run at a given long side goes on this computer.
    """

    def __init__(
        self,
        max_pixels: int,
        parent: QWidget | None = None,
        *,
        photo: tuple[int, int] | None = None,
        choice: PrintChoice | None = None,
        estimate: Callable[[int], RunEstimate | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Output size for a print")
        self.setMinimumWidth(400)
        self.max_pixels = max_pixels
        self.photo = photo if photo is not None and min(photo) >= 1 else None
        self.estimate = estimate
        choice = choice or PrintChoice()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.paper = QComboBox()
        for key, name, short, long in PAPERS:
            self.paper.addItem(name, (key, short, long))
        keys = [p[0] for p in PAPERS]
        self.paper.setCurrentIndex(keys.index(choice.paper) if choice.paper in keys else keys.index("A3"))
        self.custom_short = self._mm_box(choice.custom_mm[0])
        self.custom_long = self._mm_box(choice.custom_mm[1])
        custom_row = QHBoxLayout()
        custom_row.addWidget(self.custom_short, 1)
        custom_row.addWidget(QLabel("×"))
        custom_row.addWidget(self.custom_long, 1)
        self.dpi = QSpinBox()
        self.dpi.setRange(MIN_DPI, MAX_DPI)
        self.dpi.setSingleStep(50)
        self.dpi.setSuffix(" dpi")
        self.dpi.setValue(choice.dpi)
        self.dpi.setToolTip("300 dpi is photo quality up close; 150 is enough for a poster seen from afar.")
        form.addRow("Paper", self.paper)
        form.addRow("Sheet", custom_row)
        form.addRow("Resolution", self.dpi)
        layout.addLayout(form)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.run_note = QLabel()
        self.run_note.setTextFormat(Qt.TextFormat.PlainText)
        self.run_note.setWordWrap(True)
        layout.addWidget(self.run_note)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.paper.currentIndexChanged.connect(self._update)
        self.custom_short.valueChanged.connect(self._update)
        self.custom_long.valueChanged.connect(self._update)
        self.dpi.valueChanged.connect(self._update)
        self._custom_mm = choice.custom_mm
        self._update()

    @staticmethod
    def _mm_box(value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(MIN_MM, MAX_MM)
        box.setDecimals(0)
        box.setSuffix(" mm")
        box.setValue(value)
        return box

    # What was chosen --------------------------------------------------------------------------

    def _paper(self) -> tuple[str, float, float]:
        key, short, long = self.paper.currentData()
        return str(key), float(short), float(long)

    def sheet_mm(self) -> tuple[float, float]:
        """(short, long) edges of the sheet in millimetres."""
        key, short, long = self._paper()
        if key != CUSTOM:
            return short, long
        a, b = float(self.custom_short.value()), float(self.custom_long.value())
        return min(a, b), max(a, b)

    def paper_name(self) -> str:
        """The paper as a message names it: "A3", "a 300 × 400 mm sheet"."""
        key = self._paper()[0]
        if key != CUSTOM:
            return key
        short, long = self.sheet_mm()
        return f"a {short:g} × {long:g} mm sheet"

    def choice(self) -> PrintChoice:
        """What to reopen on next time."""
        return PrintChoice(self._paper()[0], self._custom_mm, int(self.dpi.value()))

    def wanted_size(self) -> tuple[int, int]:
        """(width, height) px the print needs at the chosen dpi, before any cap."""
        return fit_on_sheet(self.photo, self.sheet_mm(), int(self.dpi.value()))

    def wanted_pixels(self) -> int:
        return max(self.wanted_size())

    def picture_size(self) -> tuple[int, int]:
        """(width, height) px of the picture: what the print needs, at most what the app paints."""
        width, height = self.wanted_size()
        if max(width, height) <= self.max_pixels:
            return width, height
        return fit(width, height, self.max_pixels)

    def pixels(self) -> int:
        """The output size to set: the picture's long side."""
        return max(self.picture_size())

    def capped(self) -> bool:
        return self.wanted_pixels() > self.pixels()

    def print_dpi(self) -> int:
        """The resolution saved files record so the picture prints at the size shown: the one
        chosen, or where the picture is capped the lower one that still fills that size."""
        dpi = int(self.dpi.value())
        if not self.capped():
            return dpi
        return max(1, math.ceil(self.pixels() * dpi / self.wanted_pixels() - 1e-9))

    def print_mm(self) -> tuple[int, int]:
        """(width, height) of the print in millimetres."""
        dpi = self.print_dpi()
        width, height = self.picture_size()
        return round(width / dpi * MM_PER_INCH), round(height / dpi * MM_PER_INCH)

    def description(self) -> str:
        """ "A3 at 300 dpi (4961 × 3307 px)": for the status bar after OK."""
        width, height = self.picture_size()
        return f"{self.paper_name()} at {self.print_dpi()} dpi ({width} × {height} px)"

    # Showing it -------------------------------------------------------------------------------

    def _update(self) -> None:
        custom = self._paper()[0] == CUSTOM
        if custom:
            self._custom_mm = (float(self.custom_short.value()), float(self.custom_long.value()))
        for box, value in zip((self.custom_short, self.custom_long), self.sheet_mm(), strict=True):
            box.setEnabled(custom)
            if not custom:
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        width, height = self.picture_size()
        mm_w, mm_h = self.print_mm()
        lines = [f"{width} × {height} px · {mm_w} × {mm_h} mm at {self.print_dpi()} dpi"]
        if self.capped():
            lines.append(
                f"{self.dpi.value()} dpi needs {self.wanted_pixels()} px, more than the {self.max_pixels} px "
                f"nst-desktop paints: the picture prints at {self.print_dpi()} dpi."
            )
        if self.photo is None:
            lines.append("No photo yet: this assumes the sheet's own shape.")
        else:
            lines.append("The photo's shape, as large as fits on the sheet.")
        self.summary.setText("\n".join(lines))
        found = self.estimate(self.pixels()) if self.estimate is not None else None
        note = found.text() if found is not None else ""
        self.run_note.setText(note)
        self.run_note.setVisible(bool(note))


def button_tooltip(dpi: float) -> str:
    """The Print… button's tooltip: what it does and the resolution saved files record."""
    return (
        "Choose the output size from a paper size and a print resolution.\n"
        f"Pictures painted now are saved at {dpi:g} dpi."
    )
