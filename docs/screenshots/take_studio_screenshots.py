"""Re-take the studio screenshots (history strip, A/B compare, batch review) of the real window
under Xvfb, at 1220x800 and 1024x700:

    Xvfb :79 -screen 0 1600x1000x24 & DISPLAY=:79 .venv/bin/python docs/screenshots/take_studio_screenshots.py

It uses a private data folder and the real engine with the built-in fast styles (a fraction of
a second per picture on a CPU), so every picture is a real one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "resources" / "samples"


sys.path.insert(0, str(HERE))
from take_screenshots_fast import wait, wait_until  # noqa: E402 - the same helpers


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nst-shots-"))
    os.environ["NST_DESKTOP_DATA_DIR"] = str(tmp / "data")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nst_desktop.gui.main_window import MainWindow

    app = QApplication(sys.argv)
    window = MainWindow(qsettings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1220, 800)
    window.show()
    window.inputs.set_photo(SAMPLES / "content" / "chelsea.jpg")
    window.inputs.add_style(SAMPLES / "style" / "autumn.jpg")
    window.inputs.add_style(SAMPLES / "style" / "string.jpg")
    window.controls.set_settings(window.controls.settings().replace(size=512))
    for name in ("Autumn", "String", "Cluster"):
        window.apply_fast_style(name)
        wait_until(lambda: not window.controller.busy, 120)
        wait(300)
    ids = window.history.ids()
    window.history.select(ids[-1], notify=True)
    wait(500)
    window.grab().save(str(ROOT / "docs" / "studio-history-1220x800.png"))
    window.compare_versions(ids[0], ids[-1])
    wait(500)
    window.grab().save(str(ROOT / "docs" / "studio-compare-ab-1220x800.png"))
    window.preview.end_compare()
    window.resize(1024, 700)
    wait(500)
    window.grab().save(str(ROOT / "docs" / "studio-1024x700.png"))
    photos = sorted((SAMPLES / "content").glob("*.jpg"))
    window.batch.add(photos)
    window.batch.set_output_dir(tmp)
    window.batch.set_paint_with("fast", "Autumn")
    window.tabs.setCurrentWidget(window.batch)
    window.start_batch()
    wait_until(lambda: not window.batch_running and not window.controller.busy, 120)
    wait(800)
    window.grab().save(str(ROOT / "docs" / "studio-batch-1024x700.png"))
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
