"""Conversions between NumPy images and Qt images, and the engine's image I/O.

Images cross threads as NumPy arrays (or deep-copied QImages) because a QPixmap may only be
made and used on the GUI thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

RGB8 = npt.NDArray[np.uint8]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")
SAVE_FILTERS = {
    ".png": "PNG image (*.png)",
    ".jpg": "JPEG image (*.jpg *.jpeg)",
    ".tif": "TIFF image, 16-bit (*.tif *.tiff)",
}


def array_to_qimage(image: RGB8) -> QImage:
    """A QImage owning its own copy, safe to keep after ``image`` is gone."""
    array = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    height, width = array.shape[:2]
    qimage = QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return qimage.copy()


def qimage_to_array(qimage: QImage) -> RGB8:
    converted = qimage.convertToFormat(QImage.Format.Format_RGB888)
    width, height = converted.width(), converted.height()
    stride = converted.bytesPerLine()
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def load_image(path: str | Path, *, max_side: int | None = None) -> RGB8:
    from nst_desktop.engine import images

    return images.load_image(Path(path), max_side=max_side)


def load_image_bytes(data: bytes, *, name: str = "image", max_side: int | None = None) -> RGB8:
    from nst_desktop.engine import images

    return images.load_image_bytes(data, name=name, max_side=max_side)


def save_image(path: str | Path, image: Any, *, metadata: Mapping[str, Any] | None = None) -> Path:
    from nst_desktop.engine import images

    return images.save_image(Path(path), image, metadata=metadata)


def read_metadata(path: str | Path) -> dict[str, Any] | None:
    """The settings document embedded in one of our results, or ``None`` for any other file."""
    from nst_desktop.engine import images

    try:
        meta = images.read_metadata(Path(path))
    except Exception:  # noqa: BLE001 - an unreadable file simply carries no settings
        return None
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return None
    if not isinstance(meta, dict) or not isinstance(meta.get("settings"), dict):
        return None
    return meta


def looks_like_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES
