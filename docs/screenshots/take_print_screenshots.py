"""Re-take the print-size screenshots of the real window under Xvfb, at 1220x800:

    Xvfb :91 -screen 0 1600x1000x24 &
    DISPLAY=:91 OMP_NUM_THREADS=1 .venv/bin/python docs/screenshots/take_print_screenshots.py

It writes into docs/print-size/:

- ``window-print-dialog.png``: the Print… helper beside Output size, open on A3 at 300 dpi;
- ``window-long-run-question.png``: the question asked before a 4096 px run (with the time,
  from the speed of a short real run painted first, and the memory);
- ``window-tiles-1to1.png``: a real optimiser run of the built-in coffee photo in the autumn
  painting at 1024 px under a small memory budget, so its last levels are painted in tiles,
  caught during the last level with the preview at 1:1 and the progress line on "tile N/M";
- ``window-stopped-keeps-tiles.png``: the same run after Stop, the finished tiles kept.

It uses a private data folder and settings file; nothing of the user's is read or written.
The real run comes first, then the two dialogs over its stopped picture (a stopped run
teaches no speed, so the question's time is the short run's). About 4 minutes on one core
(``OMP_NUM_THREADS=1``): the tiled last level starts 75-105 s after Paint.
PRINT_SHOT_SIZE, PRINT_SHOT_STEPS and PRINT_SHOT_BUDGET_MB change the real run (1024 px, 40
steps, 1800 MB); PRINT_SHOT_TILE (20) is the tile of the last level the 1:1 picture waits for.
Dialogs are drawn onto the window's grab where they lie on the screen, with a thin frame
(Xvfb has no window manager to draw one); a dialog that sticks out of the window is reported.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "resources" / "samples"
OUT = ROOT / "docs" / "print-size"
WIDTH, HEIGHT = 1220, 800

sys.path.insert(0, str(HERE))
from take_screenshots_fast import say, wait, wait_until  # noqa: E402 - the same helpers


def grab_with(window, dialog=None):  # type: ignore[no-untyped-def]
    """The window's grab with ``dialog`` (a top-level over it) painted where it is on screen."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QColor, QPainter

    shot = window.grab()
    if dialog is not None:
        offset = dialog.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
        inside = QRect(QPoint(0, 0), window.size()).contains(QRect(offset, dialog.size()))
        if not inside:
            say(f"warning: the dialog at {offset.x()},{offset.y()} sticks out of the window")
        painter = QPainter(shot)
        painter.drawPixmap(offset, dialog.grab())
        # Xvfb has no window manager to draw a frame: a thin one shows where the dialog ends.
        painter.setPen(QColor(90, 90, 90))
        painter.drawRect(QRect(offset, dialog.size()).adjusted(0, 0, -1, -1))
        painter.end()
    return shot


def with_modal(open_it: Callable[[], object], handle: Callable[[object], None]) -> None:
    """Call ``open_it`` (which runs a modal dialog) and ``handle`` the dialog once it is up;
    ``handle`` must close it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(100, poll)
            return
        wait(400)  # laid out and painted
        handle(dialog)

    QTimer.singleShot(100, poll)
    open_it()


def answer(box, yes: bool) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    box.button(QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No).click()


def open_window(tmp: Path):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from nst_desktop.gui.main_window import MainWindow

    window = MainWindow(qsettings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(WIDTH, HEIGHT)
    window.move(0, 0)
    window.show()
    window.inputs.set_photo(SAMPLES / "content" / "coffee.jpg")
    window.inputs.add_style(SAMPLES / "style" / "autumn.jpg")
    window.warm_up()
    wait_until(lambda: not window.controller.busy, 300)
    return window


def learn_speed(window) -> None:  # type: ignore[no-untyped-def]
    """A short real run, so the long-run question knows this computer's speed."""
    settings = window.controls.settings().replace(size=256, steps=30, seed=1, device="cpu")
    window.controls.set_settings(settings)
    started = time.monotonic()
    window.stylize()
    wait(500)
    wait_until(lambda: not window.controller.busy, 300)
    wait(500)
    say(f"learnt the speed in {time.monotonic() - started:.0f} s")


def print_dialog_shot(window, paper: str = "A3", dpi: int = 300) -> str:  # type: ignore[no-untyped-def]
    """The Print… helper open on ``paper`` at ``dpi``; returns its summary text."""
    seen: list[str] = []

    def handle(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.paper.setCurrentIndex(dialog.paper.findText(paper, flags=_starts_with()))
        dialog.dpi.setValue(dpi)
        wait(300)
        seen.append(dialog.summary.text())
        grab_with(window, dialog).save(str(OUT / "window-print-dialog.png"))
        dialog.reject()

    with_modal(window.controls.print_button.click, handle)
    return seen[0]


def _starts_with():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchStartsWith


def question_shot(window, size: int = 4096) -> str:  # type: ignore[no-untyped-def]
    """The question before a ``size`` px run, answered No; returns its text."""
    window.controls.set_settings(window.controls.settings().replace(size=size, steps=300, memory_budget_mb=0))
    seen: list[str] = []

    def handle(box) -> None:  # type: ignore[no-untyped-def]
        seen.append(box.text())
        grab_with(window, box).save(str(OUT / "window-long-run-question.png"))
        answer(box, yes=False)

    with_modal(window.stylize, handle)
    wait(300)
    return seen[0] if seen else ""


def tiled_run_shots(window, size: int, steps: int, budget_mb: int, tile: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """A real run painted in tiles: 1:1 during the last level, then Stop. Returns timings."""
    settings = window.controls.settings().replace(
        size=size, steps=steps, seed=1, device="cpu", memory_budget_mb=budget_mb
    )
    window.controls.set_settings(settings)
    times: dict[str, float] = {}
    asked: list[str] = []

    def handle(box) -> None:  # type: ignore[no-untyped-def]
        asked.append(box.text())
        answer(box, yes=True)

    started = time.monotonic()
    with_modal(window.stylize, handle)
    if asked:
        say(f"asked: {asked[0]!r}")

    def last_level() -> bool:
        text = window.progress.format()
        return "tile " in text and text.startswith("Level ") and _level(text)[0] == _level(text)[1]

    if not wait_until(last_level, 900):
        raise SystemExit(f"no tiled last level; the progress reads {window.progress.format()!r}")
    times["last level"] = time.monotonic() - started
    from nst_desktop.engine import memory

    times["rss at last level MB"] = memory.process_rss() / memory.MB
    window.zoom_actual()
    view = window.preview.view
    # Tiles are painted row by row from the top left: look at the top third, where the
    # finished rows meet the previous level's (softer, upsampled) picture.
    box = view.item.boundingRect()
    view.centerOn(box.center().x(), box.height() * 0.3)
    wait_until(lambda: _tile(window.progress.format()) >= tile, 900)
    wait(1500)  # the finished tile's preview drawn, and the time left shown
    times["1:1"] = time.monotonic() - started
    say(f"1:1 at {window.progress.format()!r}")
    window.grab().save(str(OUT / "window-tiles-1to1.png"))
    window.stop()
    wait_until(lambda: not window.controller.busy, 600)
    times["stopped"] = time.monotonic() - started
    times["peak rss MB"] = memory.process_peak_rss() / memory.MB
    wait(800)
    window.zoom_fit()
    wait(500)
    say(f"stopped: {window.progress.format()!r}; {window.statusBar().currentMessage()!r}")
    window.grab().save(str(OUT / "window-stopped-keeps-tiles.png"))
    return times


def _level(text: str) -> tuple[int, int]:
    part = text.split(" · ")[0].removeprefix("Level ")
    now, _, of = part.partition("/")
    return int(now), int(of)


def _tile(text: str) -> int:
    for part in text.split(" · "):
        if part.startswith("tile "):
            return int(part.removeprefix("tile ").split("/")[0])
    return 0


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="nst-print-shots-"))
    os.environ["NST_DESKTOP_DATA_DIR"] = str(tmp / "data")
    OUT.mkdir(parents=True, exist_ok=True)
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    window = open_window(tmp)
    learn_speed(window)
    times = tiled_run_shots(
        window,
        size=int(os.environ.get("PRINT_SHOT_SIZE", "1024")),
        steps=int(os.environ.get("PRINT_SHOT_STEPS", "40")),
        budget_mb=int(os.environ.get("PRINT_SHOT_BUDGET_MB", "1800")),
        tile=int(os.environ.get("PRINT_SHOT_TILE", "20")),
    )
    say("timings (s from Paint) and memory: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()))
    # The dialogs last, over the stopped picture; a stopped run teaches no speed, so the
    # question's time is still the short run's.
    say(f"print dialog: {print_dialog_shot(window)}")
    say(f"question: {question_shot(window)!r}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
