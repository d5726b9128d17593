"""Re-take the README screenshots: run under Xvfb, e.g.

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_screenshots.py [SIZE [STEPS]]

It opens the real app on the built-in samples, paints with the real engine and grabs the window
at first launch, mid-run, at the end, and after dropping a file that is not an image.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QMimeData, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    from nst_desktop.gui.app import open_initial_images
    from nst_desktop.gui.main_window import MainWindow

    QCoreApplication.setOrganizationName("nst-desktop-screenshots")
    QCoreApplication.setApplicationName("nst-desktop")
    app = QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp())
    window = MainWindow(qsettings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 820)
    window.show()
    open_initial_images(window, None, [])
    window.warm_up()
    wait(1500)
    window.grab().save(str(HERE / "first-launch.png"))

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    window.controls.set_settings(window.controls.settings().replace(size=size, steps=steps, seed=2))
    window.stylize()
    start = time.monotonic()
    while window.controller.busy and window.progress.value() < 450 and time.monotonic() - start < 300:
        wait(200)
    window.grab().save(str(HERE / "painting.png"))
    while window.controller.busy and time.monotonic() - start < 600:
        wait(200)
    wait(300)
    window.grab().save(str(HERE / "result.png"))

    bogus = tmp / "holiday-notes.jpg"
    bogus.write_text("not a picture")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bogus))])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.photo_area.dropEvent(event)
    wait(300)
    window.grab().save(str(HERE / "error.png"))
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
