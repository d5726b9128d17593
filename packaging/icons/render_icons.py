"""Render the app icon's SVG into the PNG sizes, .ico and .icns the installers need.

Usage: python packaging/icons/render_icons.py FOLDER_WITH_nst-desktop.svg
"""

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]

app = QGuiApplication(["render-icons"])
root = Path(sys.argv[1])
renderer = QSvgRenderer(str(root / "nst-desktop.svg"))
assert renderer.isValid()
for size in SIZES:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    image.save(str(root / f"nst-desktop-{size}.png"))
big = Image.open(root / "nst-desktop-1024.png").convert("RGBA")
big.save(root / "nst-desktop.ico", sizes=ICO_SIZES)
big.save(root / "nst-desktop.icns")
(root / "nst-desktop-1024.png").unlink()
