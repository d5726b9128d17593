"""Paper size and print resolution to pixels: the output size an artist needs for a print.

An A3 print at 300 dpi is 4961 px on its long side; nobody should have to work that out.
The long side is what the engine's output size means, so only the paper's long edge matters.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MM_PER_INCH = 25.4
PAPERS: tuple[tuple[str, float], ...] = (
    ("A5 (148 × 210 mm)", 210.0),
    ("A4 (210 × 297 mm)", 297.0),
    ("A3 (297 × 420 mm)", 420.0),
    ("A2 (420 × 594 mm)", 594.0),
    ("Letter (8.5 × 11 in)", 11 * MM_PER_INCH),
    ("Tabloid (11 × 17 in)", 17 * MM_PER_INCH),
    ("10 × 15 cm photo", 150.0),
    ("13 × 18 cm photo", 180.0),
    ("Custom long edge", 0.0),
)
"""Paper names and their long edges in millimetres (0: the artist types it)."""


def long_side_pixels(long_edge_mm: float, dpi: int) -> int:
    """Pixels along a paper edge of ``long_edge_mm`` printed at ``dpi`` dots per inch."""
    return max(1, round(long_edge_mm / MM_PER_INCH * dpi))


class PrintSizeDialog(QDialog):
    """Choose a paper and a resolution; :meth:`pixels` is the output size that prints it."""

    def __init__(self, max_pixels: int, dpi: int = 300, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Output size for a print")
        self.max_pixels = max_pixels
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.paper = QComboBox()
        for name, mm in PAPERS:
            self.paper.addItem(name, mm)
        self.paper.setCurrentIndex(2)  # A3, the usual art print
        self.custom_mm = QDoubleSpinBox()
        self.custom_mm.setRange(10.0, 2000.0)
        self.custom_mm.setDecimals(0)
        self.custom_mm.setSuffix(" mm")
        self.custom_mm.setValue(420.0)
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 1200)
        self.dpi.setSingleStep(50)
        self.dpi.setSuffix(" dpi")
        self.dpi.setValue(dpi)
        self.dpi.setToolTip("300 dpi is photo quality up close; 150 is enough for a poster seen from afar.")
        form.addRow("Paper", self.paper)
        form.addRow("Long edge", self.custom_mm)
        form.addRow("Resolution", self.dpi)
        layout.addLayout(form)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.paper.currentIndexChanged.connect(self._update)
        self.custom_mm.valueChanged.connect(self._update)
        self.dpi.valueChanged.connect(self._update)
        self._update()

    def long_edge_mm(self) -> float:
        mm = float(self.paper.currentData() or 0.0)
        return mm if mm > 0 else float(self.custom_mm.value())

    def wanted_pixels(self) -> int:
        return long_side_pixels(self.long_edge_mm(), int(self.dpi.value()))

    def pixels(self) -> int:
        """The output size to set: what the paper needs, at most what the app can paint."""
        return min(self.wanted_pixels(), self.max_pixels)

    def _update(self) -> None:
        self.custom_mm.setEnabled(float(self.paper.currentData() or 0.0) <= 0)
        if not self.custom_mm.isEnabled():
            self.custom_mm.setValue(self.long_edge_mm())
        wanted = self.wanted_pixels()
        text = f"Output size: {wanted} px on the long side."
        if wanted > self.max_pixels:
            dpi = int(self.max_pixels * MM_PER_INCH / self.long_edge_mm())
            text = (
                f"That needs {wanted} px; the largest nst-desktop paints is {self.max_pixels} px, "
                f"which prints at {dpi} dpi on this paper."
            )
        elif wanted > 2048:
            text += " Pictures this large are painted in tiles and take a long time with the optimiser."
        self.summary.setText(text)
