"""Re-take the history strip and side-by-side compare screenshots: run under Xvfb, e.g.

    Xvfb :77 -screen 0 1280x800x24 &
    DISPLAY=:77 .venv/bin/python docs/screenshots/take_history_screenshots.py

It fills a version store (in a temporary folder) with the README's before/after result and a
few variants of it (a stopped run, kept colours, a softer blend), shows them in the strip and
compares two of them side by side, and saves ``docs/history-strip.png`` and
``docs/compare-side-by-side.png``. No engine run is needed: the pictures are made with NumPy.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from nst_desktop.engine import Settings
from nst_desktop.engine.images import load_image
from nst_desktop.engine.versions import SourceRef, VersionStore
from nst_desktop.gui.widgets.history_strip import HistoryStrip
from nst_desktop.gui.widgets.preview import PreviewPanel

DOCS = Path(__file__).resolve().parents[1]


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def fill(store: VersionStore) -> list[str]:
    photo = load_image(DOCS / "before-after" / "photo.jpg").astype(np.float32) / 255
    result = load_image(DOCS / "before-after" / "result.jpg").astype(np.float32) / 255
    if photo.shape != result.shape:
        ys = np.linspace(0, photo.shape[0] - 1, result.shape[0]).astype(int)
        xs = np.linspace(0, photo.shape[1] - 1, result.shape[1]).astype(int)
        photo = photo[ys][:, xs]
    grey = result.mean(axis=2, keepdims=True)
    kept_colours = np.clip(photo - photo.mean(axis=2, keepdims=True) + grey, 0, 1)
    sources = {
        "photo": SourceRef("photo.jpg", str(DOCS / "before-after" / "photo.jpg")),
        "paintings": [SourceRef("style.jpg", str(DOCS / "before-after" / "style.jpg"), 1.0)],
        "device": "NVIDIA H100",
    }
    stopped = 0.45 * photo + 0.55 * result
    runs = [
        (stopped, dict(settings=Settings(seed=3), complete=False, progress=0.4)),
        (result, dict(settings=Settings(seed=3), seconds=38.2)),
        (kept_colours, dict(settings=Settings(seed=3, keep_colors="luminance"), seconds=37.5)),
        (0.3 * photo + 0.7 * result, dict(settings=Settings(seed=4, style_strength=0.6), seconds=36.9)),
        (np.clip(result * 1.1, 0, 1), dict(settings=Settings(seed=5), complete=False, progress=0.72)),
    ]
    ids = []
    for picture, extra in runs:
        ids.append(store.add(picture, **sources, **extra).version.id)  # type: ignore[arg-type]
    store.star(ids[1])
    store.mark_saved(ids[2], "/home/artist/Pictures/kept-colours.png")
    return ids


def main() -> int:
    app = QApplication(sys.argv)
    store = VersionStore(Path(tempfile.mkdtemp()) / "session")
    ids = fill(store)

    strip = HistoryStrip()
    strip.load_from(store)
    strip.select(ids[3])
    strip.mark_for_compare(ids[1])
    strip.resize(760, strip.sizeHint().height())
    strip.show()
    wait(400)
    strip.grab().save(str(DOCS / "history-strip.png"))

    window = QWidget()
    layout = QVBoxLayout(window)
    panel = PreviewPanel()
    layout.addWidget(panel, 1)
    window.resize(1100, 520)
    window.show()
    a, b = store.versions()[1], store.versions()[2]
    picture_a, picture_b = store.picture8(a.id), store.picture8(b.id)
    assert picture_a is not None and picture_b is not None
    panel.compare_versions(
        picture_a,
        picture_b,
        (f"A · {a.time_text()} · {a.status_text()}", f"B · {b.time_text()} · keep colours: luminance"),
        mode="side",
    )
    wait(400)
    window.grab().save(str(DOCS / "compare-side-by-side.png"))
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
