"""Re-take the README screenshots of the instant picture, the fast styles and training, under Xvfb:

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/take_screenshots_fast.py

It uses a private data folder, trains three small fast styles from the built-in sample paintings
first (a minute or two on a CPU; the real built-in styles are trained by
packaging/train_builtin_styles.py), then opens the real app on the built-in samples and grabs:
the instant picture after start, the fast-style gallery after a click, the train dialog, and a
training in progress.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PHOTOS = ROOT.parent / "shared" / "images" / "content"


def say(text: str) -> None:
    sys.stderr.write(f"{text}\n")


def wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        wait(100)
    return bool(condition())


def photo_folder(tmp: Path) -> Path:
    from PIL import Image

    folder = tmp / "photos"
    folder.mkdir(exist_ok=True)
    sources = sorted(PHOTOS.glob("*.jpg")) or sorted((ROOT / "resources/samples/content").glob("*.jpg"))
    for path in sources:
        image = Image.open(path).convert("RGB")
        image.thumbnail((320, 320))
        image.save(folder / path.name)
    return folder


def train_samples(photos: Path) -> None:
    from nst_desktop.engine import StyleImage
    from nst_desktop.engine.fast.store import FastStyleStore
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
    from nst_desktop.engine.images import load_image

    store = FastStyleStore()
    for path in sorted((ROOT / "resources/samples/style").glob("*.jpg")):
        name = path.stem.title()
        if store.find(name) is not None:
            continue
        painting = load_image(path, max_side=256)
        settings = TrainSettings(size=96, steps=int(os.environ.get("SHOT_STEPS", "40")), batch=2, seed=1)
        output = store.new_path(name)
        train_fast_style([StyleImage(painting, 1.0, path.name)], photos, output, settings, name=name)
        say(f"trained {name}")


def main() -> int:
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    # SHOT_DIR keeps the styles and photos between runs (a fresh temporary folder otherwise).
    tmp = Path(os.environ.get("SHOT_DIR") or tempfile.mkdtemp(prefix="nst-shots-"))
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ["NST_DESKTOP_DATA_DIR"] = str(tmp / "data")
    photos = photo_folder(tmp)
    train_samples(photos)

    from nst_desktop.gui.app import open_initial_images
    from nst_desktop.gui.main_window import MainWindow
    from nst_desktop.gui.train_dialog import TrainDialog
    from nst_desktop.gui.training import TrainRequest, new_output

    QCoreApplication.setOrganizationName("nst-desktop-screenshots")
    QCoreApplication.setApplicationName("nst-desktop")
    app = QApplication(sys.argv)
    window = MainWindow(qsettings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 820)
    window.show()
    window.controls.set_settings(window.controls.settings().replace(size=512))
    open_initial_images(window, None, [])
    window.warm_up()
    assert window.instant is not None
    wait_until(lambda: window.instant_image is not None and not window.instant.pending, 120)
    wait(500)
    window.grab().save(str(HERE / "instant.png"))
    say("instant")

    window.tabs.setCurrentWidget(window.fast_styles)
    wait_until(lambda: bool(window.fast_styles.names()), 60)
    wait_until(lambda: not window.controller.busy, 120)  # the warm-up
    names = window.fast_styles.names()
    window.fast_styles.click(names[-1])
    wait(300)
    wait_until(lambda: not window.controller.busy, 120)
    wait(500)
    window.grab().save(str(HERE / "fast-styles.png"))
    say("fast styles")

    dialog = TrainDialog(window.gallery.styles(), taken_names=names, photos_dir=str(photos), parent=window)
    dialog.name_edit.setText("Autumn oils")
    dialog.budget_buttons["good"].setChecked(True)
    dialog._update_estimate()
    dialog.show()
    wait(500)
    dialog.grab().save(str(HERE / "train-dialog.png"))
    dialog.reject()
    say("dialog")

    request = TrainRequest(
        name="Autumn oils",
        photos=photos,
        paintings=window.gallery.styles(),
        output=new_output("Autumn oils"),
        steps=400,
        seed=1,
        size=96,
        batch=2,
        brush_scale=1.0,
    )
    window.start_training(request)
    wait_until(lambda: window.loss_plot.points() >= 25 and window.last_preview is not None, 400)
    wait(1200)
    window.grab().save(str(HERE / "training.png"))
    say("training")
    window.stop()
    wait_until(lambda: not window.controller.busy, 120)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
