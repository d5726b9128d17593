"""Conversions between NumPy images and Qt images, and what the GUI asks of result files.

Images cross threads as NumPy arrays (or deep-copied QImages) because a QPixmap may only be
made and used on the GUI thread.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from nst_desktop.engine import EngineError, images

from . import plain_text

RGB8 = npt.NDArray[np.uint8]


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


def read_metadata(path: Path) -> dict[str, Any] | None:
    """The settings document embedded in one of our results; ``None`` for any other file,
    including one that cannot be read (a drop of such a file is then treated as a photo and
    reported by the photo loader)."""
    try:
        meta = images.read_metadata(path)
    except EngineError:
        return None
    if meta is None or not isinstance(meta.get("settings"), dict):
        return None
    return meta


def looks_like_image(path: Path) -> bool:
    return path.suffix.lower() in images.INPUT_SUFFIXES


def load_note(path: Path) -> str:
    """What the artist should know about how an image was read: only the first frame of an
    animation is used, transparency is flattened onto white. "" when nothing was left out.

    Reads the header only (Pillow opens lazily) and never raises: the loader proper has
    already accepted the file or reported it.
    """
    from PIL import Image

    from nst_desktop.engine.files import open_regular

    name = plain_text.capped(path.name, 80)
    try:
        fd, _info = open_regular(path)
        with os.fdopen(fd, "rb") as handle, Image.open(handle) as img:
            frames = int(getattr(img, "n_frames", 1) or 1)
            alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    except Exception:  # noqa: BLE001 - a note is optional; the loader reports real problems
        return ""
    notes = []
    if frames > 1:
        notes.append(f"only the first of its {frames} frames is used")
    if alpha:
        notes.append("its transparent parts are painted as white")
    return f"'{name}': {' and '.join(notes)}." if notes else ""
