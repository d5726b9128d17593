"""Re-take the screenshots of regions painted in the window, under Xvfb at 1220x800:

    xvfb-run -a -s "-screen 0 1240x820x24" .venv/bin/python docs/regions/take_window_screenshots.py [IMAGES]

IMAGES is the folder with content/cold_ripple.jpg (default /work/shared/images; see its
SOURCES.md). A private data folder and the real engine: the regions are made as an artist
makes them, with one smart-selection stroke each (the part's own press/move/release), and the
picture under them is the real instant picture, which follows the regions.

- ``window-portrait.png``: the astronaut's face and hair kept (one stroke over the face), the
  rest after string.jpg; the Regions tab open, the overlay hidden to judge the picture.
- ``window-portrait-overlay.png``: the same with the kept region's tint shown.
- ``window-landscape.png``: a pier under a sky, the sky after autumn.jpg (one stroke) and the
  rest after string.jpg (its layer chosen, Fill: what the sky leaves); the overlay hidden.
- ``window-landscape-overlay.png``: the same with the two regions' tints shown.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "resources" / "samples"
sys.path.insert(0, str(ROOT / "docs" / "screenshots"))
from take_screenshots_fast import wait, wait_until  # noqa: E402 - the same helpers


def stroke(window, key: str, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    """One smart-selection stroke (points as fractions of the picture) into layer ``key``."""
    from PySide6.QtCore import QPointF

    regions = window.regions
    window.region_tools.choose_layer(key)
    window.region_tools.choose_tool("smart")
    regions.press(QPointF(*points[0]))
    for point in points[1:]:
        regions.move(QPointF(*point))
    steps: list[bool] = []
    regions.stepped.connect(lambda: steps.append(True))
    regions.release()
    wait_until(lambda: bool(steps), 60)


def settle(window) -> None:  # type: ignore[no-untyped-def]
    """Until the instant picture of the regions as they are is on show."""
    wait(400)
    instant = window.modes.instant
    wait_until(lambda: not instant.pending, 120)
    wait(600)


def main() -> None:
    images = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/images")
    tmp = Path(tempfile.mkdtemp(prefix="nst-regions-"))
    os.environ["NST_DESKTOP_DATA_DIR"] = str(tmp / "data")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nst_desktop.gui.main_window import MainWindow
    from nst_desktop.gui.main_window.regions import painting_key
    from nst_desktop.gui.widgets.region_layers import KEEP

    app = QApplication(sys.argv)
    window = MainWindow(qsettings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1220, 800)
    window.show()
    window.inputs.set_photo(SAMPLES / "content" / "astronaut.jpg")
    window.inputs.add_style(SAMPLES / "style" / "string.jpg")
    window.tabs.setCurrentWidget(window.region_tools)
    window.region_tools.size_slider.setValue(24)
    settle(window)
    stroke(window, KEEP, [(0.42, 0.25), (0.46, 0.35), (0.5, 0.45)])  # cheek to chin
    settle(window)
    window.region_tools.show_overlay.setChecked(False)
    wait(300)
    window.grab().save(str(HERE / "window-portrait.png"))
    window.region_tools.show_overlay.setChecked(True)
    wait(300)
    window.grab().save(str(HERE / "window-portrait-overlay.png"))

    window.inputs.set_photo(images / "content" / "cold_ripple.jpg")
    window.gallery.clear()
    window.inputs.add_style(SAMPLES / "style" / "autumn.jpg")
    window.inputs.add_style(SAMPLES / "style" / "string.jpg")
    sky, ground = (painting_key(s) for s in window.gallery.styles())
    settle(window)
    stroke(window, sky, [(0.15, 0.2), (0.5, 0.25), (0.85, 0.2)])
    window.region_tools.choose_layer(ground)
    window.region_tools.command_buttons["fill"].click()
    settle(window)
    window.region_tools.show_overlay.setChecked(False)
    wait(300)
    window.grab().save(str(HERE / "window-landscape.png"))
    window.region_tools.show_overlay.setChecked(True)
    wait(300)
    window.grab().save(str(HERE / "window-landscape-overlay.png"))
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
