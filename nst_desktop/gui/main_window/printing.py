"""The Print… helper's part of the window: the dialog opened on the last choice, with the
photo's shape and this computer's estimates, and the print resolution saved files record.

The resolution lives on the window (``print_dpi``), goes into every job the window starts
(``Job.dpi``), so a picture knows the dpi it was made for and Save writes that one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nst_desktop.engine import EngineError

from ..widgets.print_size import PrintSizeDialog, RunEstimate, button_tooltip
from . import state

if TYPE_CHECKING:
    from .window import MainWindow


def photo_size(window: MainWindow) -> tuple[int, int] | None:
    """(width, height) of the photo (its shape is what matters), None before one is open."""
    image = window.content_image
    if image is None or image.isNull():
        return None
    return image.width(), image.height()


def run_estimate(window: MainWindow, long_side: int) -> RunEstimate | None:
    """How a run of the current controls at ``long_side`` px goes here (None: nothing known)."""
    from . import estimate

    try:
        settings = window.controls.settings().replace(size=long_side)
    except EngineError:
        return None
    memory = estimate.memory_estimate(window, settings)
    seconds = estimate.expected_seconds(window, settings)
    if memory is None and seconds is None:
        return None
    if memory is None:
        return RunEstimate(seconds=seconds)
    peak, tiled, budget = memory
    return RunEstimate(tiled=tiled, peak=peak, budget=budget, seconds=seconds)


def set_print_dpi(window: MainWindow, dpi: float) -> None:
    """The resolution the next runs' files record, shown on the Print… button."""
    window.print_dpi = float(dpi)
    window.controls.print_button.setToolTip(button_tooltip(dpi))


def choose_print_size(window: MainWindow) -> None:
    """Open the dialog; after OK set the output size and the print resolution, and say so."""
    dialog = PrintSizeDialog(
        window.controls.size.maximum(),
        window,
        photo=photo_size(window),
        choice=window.print_choice,
        estimate=lambda side: run_estimate(window, side),
    )
    if dialog.exec() != PrintSizeDialog.DialogCode.Accepted:
        return
    window.print_choice = dialog.choice()
    set_print_dpi(window, dialog.print_dpi())
    window.controls.size.setValue(dialog.pixels())
    state.save_print(window)
    window.statusBar().showMessage(
        f"Output size set to {dialog.pixels()} px for {dialog.description()}.", 8000
    )
