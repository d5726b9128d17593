import sys
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PIL import Image

app = QGuiApplication(["x"])
root = Path(sys.argv[1])
r = QSvgRenderer(str(root / "nst-desktop.svg"))
assert r.isValid()
for s in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
    img = QImage(s, s, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img); p.setRenderHint(QPainter.RenderHint.Antialiasing); r.render(p); p.end()
    out = root / f"nst-desktop-{s}.png"
    img.save(str(out))
big = Image.open(root / "nst-desktop-1024.png").convert("RGBA")
big.save(root / "nst-desktop.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
big.save(root / "nst-desktop.icns")
(root / "nst-desktop-1024.png").unlink()
