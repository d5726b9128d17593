"""Small real images for engine tests: the real VGG19 runs on them in a second or two."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def _sample(kind: str, name: str, side: int) -> np.ndarray:
    img = Image.open(SAMPLES / kind / name).convert("RGB")
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    return _sample("content", "astronaut.jpg", 64)


@pytest.fixture(scope="session")
def painting() -> np.ndarray:
    return _sample("style", "autumn.jpg", 64)


@pytest.fixture(scope="session")
def painting2() -> np.ndarray:
    return _sample("style", "string.jpg", 64)
