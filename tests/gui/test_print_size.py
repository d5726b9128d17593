"""The print-size helper: paper and dpi to the output size."""

from __future__ import annotations

from nst_desktop.gui.widgets.print_size import PrintSizeDialog, long_side_pixels


def test_a3_at_300_dpi_is_4961_px() -> None:
    assert long_side_pixels(420.0, 300) == 4961
    assert long_side_pixels(297.0, 300) == 3508


def test_dialog_caps_at_the_largest_size_and_says_what_that_prints(qtbot) -> None:
    dialog = PrintSizeDialog(max_pixels=8192)
    qtbot.addWidget(dialog)
    assert dialog.pixels() == 4961  # A3 by default
    dialog.paper.setCurrentIndex(3)  # A2: 7016 px
    assert dialog.pixels() == 7016
    dialog.dpi.setValue(600)
    assert dialog.wanted_pixels() == 14031 and dialog.pixels() == 8192
    assert "8192" in dialog.summary.text() and "dpi" in dialog.summary.text()
    dialog.paper.setCurrentIndex(dialog.paper.count() - 1)  # custom
    dialog.custom_mm.setValue(254.0)
    dialog.dpi.setValue(100)
    assert dialog.pixels() == 1000


def test_the_window_sets_the_output_size_from_the_dialog(qtbot, window, monkeypatch) -> None:
    from nst_desktop.gui.widgets import print_size

    monkeypatch.setattr(print_size.PrintSizeDialog, "exec", lambda self: PrintSizeDialog.DialogCode.Accepted)
    window.controls.print_button.click()
    assert window.controls.size.value() == 4961
