"""The print-size helper: paper, dpi and the photo's shape to the output size."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Progress
from nst_desktop.engine.errors import Cancelled
from nst_desktop.engine.images import read_dpi
from nst_desktop.gui.main_window import state
from nst_desktop.gui.widgets import print_size
from nst_desktop.gui.widgets.print_size import (
    PrintChoice,
    PrintSizeDialog,
    RunEstimate,
    fit_on_sheet,
    long_side_pixels,
)

from .conftest import FakeEngine, write_image

A4 = (210.0, 297.0)
A3 = (297.0, 420.0)
LETTER = (215.9, 279.4)


def test_a3_at_300_dpi_is_4961_px() -> None:
    assert long_side_pixels(420.0, 300) == 4961
    assert long_side_pixels(297.0, 300) == 3508


@pytest.mark.parametrize(
    ("photo", "sheet", "expected"),
    [
        # Square: the sheet's short edge limits both sides.
        ((1000, 1000), A4, (2480, 2480)),
        ((1000, 1000), A3, (3508, 3508)),
        ((1000, 1000), LETTER, (2550, 2550)),
        # 4:3 landscape: on A3 the short edge limits it (4677 x 3508, not 4961 x 3721).
        ((4000, 3000), A4, (3306, 2480)),
        ((4000, 3000), A3, (4677, 3508)),
        ((4000, 3000), LETTER, (3300, 2475)),
        # 3:4 portrait: the same picture turned, the sheet upright.
        ((3000, 4000), A4, (2480, 3306)),
        ((3000, 4000), A3, (3508, 4677)),
        ((3000, 4000), LETTER, (2475, 3300)),
        # 3:2: on A3 the long edge limits it.
        ((6000, 4000), A3, (4961, 3307)),
    ],
)
def test_the_picture_keeps_the_photo_shape_and_fits_the_sheet(photo, sheet, expected) -> None:  # type: ignore[no-untyped-def]
    width, height = fit_on_sheet(photo, sheet, 300)
    assert (width, height) == expected
    short_px, long_px = (long_side_pixels(mm, 300) for mm in sheet)
    assert min(width, height) <= short_px and max(width, height) <= long_px
    # Either orientation of the sheet fits the same picture (the larger one is chosen).
    assert fit_on_sheet(photo, (sheet[1], sheet[0]), 300) == expected


def test_no_photo_assumes_the_sheet_shape() -> None:
    assert fit_on_sheet(None, A3, 300) == (3508, 4961)


def test_dialog_shows_both_sides_and_caps_at_the_largest_size(qtbot) -> None:
    dialog = PrintSizeDialog(max_pixels=8192, photo=(6000, 4000))
    qtbot.addWidget(dialog)
    assert dialog.picture_size() == (4961, 3307) and dialog.pixels() == 4961  # A3 by default
    assert dialog.summary.text().startswith("4961 × 3307 px · 420 × 280 mm at 300 dpi")
    assert dialog.description() == "A3 at 300 dpi (4961 × 3307 px)"
    dialog.paper.setCurrentIndex(3)  # A2: 7016 x 4677
    assert dialog.picture_size() == (7016, 4677)
    dialog.dpi.setValue(600)  # 14031 px wanted; 8192 painted, which fills A2 at 351 dpi
    assert dialog.wanted_pixels() == 14031 and dialog.pixels() == 8192
    assert dialog.print_dpi() == 351
    assert "8192" in dialog.summary.text() and "351 dpi" in dialog.summary.text()
    mm_w, mm_h = dialog.print_mm()
    assert mm_w <= 594 and mm_h <= 420
    dialog.paper.setCurrentIndex(dialog.paper.count() - 1)  # custom
    dialog.custom_short.setValue(200.0)
    dialog.custom_long.setValue(254.0)
    dialog.dpi.setValue(100)
    assert dialog.picture_size() == (1000, 667) and dialog.print_dpi() == 100
    assert dialog.choice() == PrintChoice("Custom", (200.0, 254.0), 100)
    assert dialog.description().startswith("a 200 × 254 mm sheet at 100 dpi")


def test_dialog_without_a_photo_says_it_assumes_the_sheet(qtbot) -> None:
    dialog = PrintSizeDialog(max_pixels=8192)
    qtbot.addWidget(dialog)
    assert dialog.picture_size() == (3508, 4961)
    assert "No photo yet" in dialog.summary.text()


def test_the_run_note_follows_the_memory_plan(qtbot) -> None:
    asked: list[int] = []
    plans = {True: RunEstimate(tiled=True, peak=3 * 1024**3, budget=4 * 1024**3, seconds=1500.0)}

    def estimate(side: int) -> RunEstimate | None:
        asked.append(side)
        if side > 4000:
            return plans[True]
        return RunEstimate(tiled=False, peak=600 * 1024**2, budget=4 * 1024**3)

    dialog = PrintSizeDialog(max_pixels=8192, photo=(6000, 4000), estimate=estimate)
    qtbot.addWidget(dialog)
    assert asked[-1] == 4961
    assert "painted in tiles" in dialog.run_note.text() and "3.0 GB" in dialog.run_note.text()
    assert "25 minutes" in dialog.run_note.text()
    dialog.paper.setCurrentIndex(1)  # A4: 3508 px, painted whole
    assert asked[-1] == 3508
    assert "tiles" not in dialog.run_note.text() and "whole" in dialog.run_note.text()
    plans[True] = RunEstimate(tiled=True, peak=5 * 1024**3, budget=4 * 1024**3)
    dialog.paper.setCurrentIndex(2)
    assert "more than the 4.0 GB" in dialog.run_note.text()
    # Nothing known (a graphics card, no speed yet): no note at all, whatever the size.
    quiet = PrintSizeDialog(max_pixels=8192, estimate=lambda side: None)
    qtbot.addWidget(quiet)
    assert quiet.run_note.text() == "" and "tiles" not in quiet.summary.text()


def test_a_stored_choice_is_read_back_or_ignored() -> None:
    choice = PrintChoice("Custom", (300.0, 400.0), 150)
    assert PrintChoice.from_json(choice.to_json()) == choice
    for bad in ("", "nonsense", '{"paper": "A9", "custom_mm": [1, 2], "dpi": 300}', '{"paper": "A3"}'):
        assert PrintChoice.from_json(bad) is None
    assert PrintChoice.from_json('{"paper": "A3", "custom_mm": [297, 420], "dpi": 5}') is None


def accept_with(monkeypatch, paper: str | None = None, dpi: int | None = None) -> list[PrintSizeDialog]:  # type: ignore[no-untyped-def]
    """Make the dialog answer OK at once, after picking ``paper`` and ``dpi``; returns it."""
    opened: list[PrintSizeDialog] = []

    def exec_(self: PrintSizeDialog) -> int:
        opened.append(self)
        if paper is not None:
            self.paper.setCurrentIndex([p[0] for p in print_size.PAPERS].index(paper))
        if dpi is not None:
            self.dpi.setValue(dpi)
        return PrintSizeDialog.DialogCode.Accepted

    monkeypatch.setattr(PrintSizeDialog, "exec", exec_)
    return opened


def test_the_window_sets_the_output_size_from_the_photo_shape(
    qtbot, window, tmp_path: Path, monkeypatch
) -> None:
    accept_with(monkeypatch)
    window.controls.print_button.click()  # no photo: the sheet's shape, A3 upright
    assert window.controls.size.value() == 4961
    assert window.inputs.set_photo(write_image(tmp_path / "wide.png", 80, 60))  # 4:3
    window.controls.print_button.click()
    assert window.controls.size.value() == 4677
    assert (
        "Output size set to 4677 px for A3 at 300 dpi (4677 × 3508 px)" in window.statusBar().currentMessage()
    )


def test_the_dialog_reopens_on_the_last_choice_and_the_dpi_is_remembered(
    qtbot, make_window, monkeypatch
) -> None:
    window = make_window()
    assert window.print_dpi == 300.0 and "300 dpi" in window.controls.print_button.toolTip()
    opened = accept_with(monkeypatch, paper="A2", dpi=150)
    window.controls.print_button.click()
    assert window.print_dpi == 150.0 and "150 dpi" in window.controls.print_button.toolTip()
    assert window.controls.size.value() == 3508  # A2 upright at 150 dpi
    assert "A2 at 150 dpi" in window.statusBar().currentMessage()
    opened = accept_with(monkeypatch)
    window.controls.print_button.click()
    assert opened[0].paper.currentText().startswith("A2") and opened[0].dpi.value() == 150
    window.save_state()
    later = make_window()
    assert later.print_dpi == 150.0 and "150 dpi" in later.controls.print_button.toolTip()
    opened = accept_with(monkeypatch)
    later.controls.print_button.click()
    assert opened[0].choice() == PrintChoice("A2", (297.0, 420.0), 150)


def test_a_cancelled_dialog_changes_nothing(qtbot, window, monkeypatch) -> None:
    size = window.controls.size.value()
    monkeypatch.setattr(PrintSizeDialog, "exec", lambda self: PrintSizeDialog.DialogCode.Rejected)
    window.controls.print_button.click()
    assert window.controls.size.value() == size and window.print_dpi == 300.0
    assert window.qsettings.value(state.PRINT_CHOICE) is None


def test_an_unreadable_stored_dpi_falls_back_to_300(qtbot, qsettings, make_window) -> None:
    qsettings.setValue(state.PRINT_DPI, "lots")
    qsettings.setValue(state.PRINT_CHOICE, "{broken")
    window = make_window()
    assert window.print_dpi == 300.0 and window.print_choice is None


def test_a_run_carries_the_print_dpi_into_its_picture(qtbot, ready_window, tmp_path: Path) -> None:
    window = ready_window
    window.print_dpi = 150.0
    window.stylize()
    qtbot.waitUntil(lambda: window.shown is not None and not window.controller.busy, timeout=5000)
    assert window.shown.job.dpi == 150.0
    # ...and what the window writes of it says 150 dpi: Save, and the file a drag hands over.
    saved = window.output.save_to(tmp_path / "print.png")
    assert saved is not None and read_dpi(saved) == pytest.approx(150.0, abs=0.02)  # PNG: whole dots a metre
    payload = window.output.drag_payload()
    assert payload is not None and read_dpi(payload[1]) == pytest.approx(150.0, abs=0.02)


def test_a_version_reloaded_by_a_new_window_keeps_its_print_dpi(
    qtbot, ready_window, make_window, tmp_path: Path
) -> None:
    first = ready_window
    first.print_dpi = 150.0
    first.stylize()
    qtbot.waitUntil(lambda: first.shown is not None and not first.controller.busy, timeout=5000)
    qtbot.waitUntil(lambda: not first.history.writer.busy, timeout=10_000)
    (version_id,) = first.history.strip.ids()
    first.close()
    second = make_window()  # a later session: the version comes from its record on disk
    second.print_dpi = 600.0  # what Print… says now is for new runs, not for kept versions
    assert second.history.strip.ids() == [version_id]
    second.history.show(version_id)
    assert second.shown is not None and second.shown.id == version_id
    assert second.shown.job.dpi == 150.0
    saved = second.output.save_to(tmp_path / "again.png")
    assert saved is not None and read_dpi(saved) == pytest.approx(150.0, abs=0.02)


def test_a_batch_records_the_print_dpi_in_its_files(qtbot, window, tmp_path: Path, painting: Path) -> None:
    photos = [write_image(tmp_path / f"photo{i}.png", 40 + i * 8, 32, seed=i) for i in range(2)]
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=40, steps=10, seed=1))
    window.inputs.on_photo_files(photos)
    out = tmp_path / "out"
    out.mkdir()
    window.inputs.ask_folder = lambda title: out
    window.print_dpi = 150.0
    window.batch.start_button.click()
    window.print_dpi = 600.0  # changed during the batch: the batch keeps what it started with
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    written = sorted(out.iterdir())
    assert len(written) == 2
    assert all(read_dpi(p) == pytest.approx(150.0, abs=0.5) for p in written)


def test_the_window_note_comes_from_its_memory_plan(qtbot, ready_window, monkeypatch) -> None:
    from nst_desktop.engine import memory

    window = ready_window
    # 1.5 GB above what the test process already holds (which the plan counts as in use).
    budget = memory.process_rss() // memory.MB + 1536
    settings = window.controls.settings().replace(method="optimise", memory_budget_mb=budget)
    window.controls.set_settings(settings)
    opened = accept_with(monkeypatch)
    window.controls.print_button.click()  # A3 at 300 dpi: 4961 px, tens of GB whole
    assert "painted in tiles" in opened[0].run_note.text()
    opened = accept_with(monkeypatch, paper="10 × 15 cm photo", dpi=72)  # 425 px
    window.controls.print_button.click()
    assert "fits in memory whole" in opened[0].run_note.text()
    assert "minutes" not in opened[0].run_note.text()  # no speed measured yet: nothing said of time


def test_the_dialog_the_question_and_the_engine_give_one_estimate(qtbot, ready_window, monkeypatch) -> None:
    """Issue 18, flow 3: one print was estimated at 53 min in Print… and 23 min in the question.
    Both come from the engine's work model (``eta.expected_seconds``) with this computer's
    stored rate, its memory budget and what the process holds; the run's own figure counts
    the same work (tests/engine/test_eta.py)."""
    from nst_desktop.engine import eta, memory
    from nst_desktop.gui.main_window import estimate
    from nst_desktop.gui.progress_text import rough_duration

    window = ready_window
    # Two threads, as set (auto would depend on the load at each call): tiles cost more on two.
    settings = window.controls.settings().replace(memory_budget_mb=4096, threads=2)
    window.controls.set_settings(settings)
    window.qsettings.setValue(f"{state.PAINT_RATE}/{settings.device}", 11.0)  # one core, s/MP-step
    opened = accept_with(monkeypatch)  # A3 at 300 dpi
    window.controls.print_button.click()
    settings = window.controls.settings()
    assert settings.size > 4000
    photo = window.content_image
    engine = eta.expected_seconds(
        settings,
        photo.width(),
        photo.height(),
        11.0,
        budget=memory.cpu_budget(4096),
        used=memory.process_rss(),
        threads=2,
    )
    assert engine is not None and engine > estimate.WARN_SECONDS
    budget, used = memory.cpu_budget(4096), memory.process_rss()
    one = eta.expected_seconds(settings, photo.width(), photo.height(), 11.0, budget=budget, used=used)
    assert one is not None and one < engine, "a tiled step costs more on two threads"
    words = rough_duration(engine)
    assert f"About {words} on this computer." in opened[0].run_note.text()
    asked: list[str] = []
    window.ask_yes_no = lambda text: asked.append(text) or False
    window.stylize()
    assert asked and f"take about {words} on this computer" in asked[0]


class LastLevelEngine(FakeEngine):
    """A print in its last level: 299 of 300 steps done (that level has one, the longest),
    half the time spent; it holds there until stopped."""

    def stylize(self, content, styles, settings, *, on_progress=None, cancel=None, **kwargs):  # type: ignore[no-untyped-def]
        self.started.set()
        preview = np.zeros((48, 64, 3), np.uint8)
        assert on_progress is not None and cancel is not None
        while not cancel.is_set():
            on_progress(
                Progress("painting", 299, 300, 11, 11, (64, 48), elapsed=600.0, eta=600.0, preview=preview)
            )
            time.sleep(0.01)
        raise Cancelled()


def test_a_print_stopped_in_its_last_level_says_how_far_it_was_in_time(
    qtbot, make_window, photo: Path, painting: Path
) -> None:
    """Issue 18, flow 3: the stopped picture's label counted steps ("Stopped at 0 %" from the
    instant picture; a print's last level is one step, so 100 % there). It says what the bar said."""
    window = make_window(LastLevelEngine())
    assert window.inputs.set_photo(photo) and window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=20))
    window.stylize_button.click()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=5000)
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop_button.click()
    assert window.shown is not None and not window.shown.complete
    assert window.progress.format().startswith("Stopped at 50%")  # not 100%: 299 of 300 steps
