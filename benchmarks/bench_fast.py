"""Fast styles (Johnson et al. 2016): speed, memory, training throughput and quality.

Parts (``--parts``, default all):

- ``speed``: applying a fast style at 512x512 and 1024x1024 (median of ``--repeats`` after one
  warm-up), beside the reference network's width (32, ~150k multiply-adds per pixel) in the
  same go. Target: 512x512 <= 0.3 s on 2 cores.
- ``memory``: peak resident memory of a fresh process applying a style to a 4096x4096 picture
  (tiled), minus a baseline process that does everything but the apply. Target <= 2 GB.
- ``train``: training throughput (photos per second) at 256 px, batch 4, bfloat16 autocast and
  float32, over ``--train-steps`` steps after one warm-up step.
- ``quality``: for each built-in style on photos it never saw in training (rocket, chelsea),
  the shared measure (``measure.py``) of the fast picture beside a 300-step optimisation of the
  same pair at the same size (target: style and content distance each within 1.5x), and the
  optimiser's time to reach the fast picture's combined score (smallest of ``--budgets``), as a
  ratio to the fast style's time (target >= 100x).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from child_peak import run_child
from common import IMAGES, ROOT, command, machine, median, save
from PIL import Image

sys.path.insert(0, str(ROOT))

STYLES = ROOT / "resources" / "styles"
PAINTINGS = ROOT / "resources" / "samples" / "style"
HELD_OUT = ("content/rocket.jpg", "content/chelsea.jpg")


def _photo(name: str, side: int, square: bool = False) -> np.ndarray:
    img = Image.open(IMAGES / name).convert("RGB")
    if square:
        return np.asarray(img.resize((side, side), Image.Resampling.LANCZOS)).copy()
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


def _style(width: int) -> Any:
    from nst_desktop.engine.fast.network import TransformerNet
    from nst_desktop.engine.fast.style_file import FastStyle, read_fast_style

    files = sorted(STYLES.glob("*.nststyle"))
    if files and width == read_fast_style(files[0]).width:
        return read_fast_style(files[0])
    net = TransformerNet(width)
    return FastStyle(f"width {width}", net.state_dict(), np.zeros((4, 4, 3), np.uint8), width=width)


def part_speed(repeats: int) -> dict[str, Any]:
    from nst_desktop.engine import Settings
    from nst_desktop.engine.fast.apply import apply_fast_style

    out: dict[str, Any] = {}
    settings = Settings(device="cpu")
    for side in (512, 1024):
        photo = _photo("content/astronaut.jpg", side, square=True)
        row: dict[str, Any] = {}
        styles = {"ours": _style(16), "reference_width_32": _style(32)}
        for style in styles.values():
            apply_fast_style(photo, style, settings)  # warm-up (and the network's build)
        times: dict[str, list[float]] = {name: [] for name in styles}
        for _ in range(repeats):  # interleaved so both see the same load
            for name, style in styles.items():
                t0 = time.perf_counter()
                apply_fast_style(photo, style, settings)
                times[name].append(time.perf_counter() - t0)
        for name in styles:
            row[name] = {"median_s": median(times[name]), "runs": times[name], "width": styles[name].width}
        row["ratio_reference_over_ours"] = row["reference_width_32"]["median_s"] / row["ours"]["median_s"]
        out[f"{side}x{side}"] = row
        print(side, {k: round(v["median_s"], 3) for k, v in row.items() if isinstance(v, dict)})
    return out


def memory_child(side: int) -> dict[str, Any]:
    from nst_desktop.engine import Settings
    from nst_desktop.engine.fast.apply import apply_fast_style

    style = _style(16)
    small = _photo("content/astronaut.jpg", 512, square=True)
    apply_fast_style(small, style, Settings(device="cpu"))  # everything but the big picture
    out: dict[str, Any] = {"side": side}
    if side:
        photo = np.asarray(Image.fromarray(small).resize((side, side), Image.Resampling.BICUBIC))
        t0 = time.perf_counter()
        result = apply_fast_style(photo, style, Settings(device="cpu"))
        out |= {"seconds": time.perf_counter() - t0, "shape": list(result.image.shape)}
    return out


def _run_child(side: int) -> dict[str, Any]:
    return run_child([sys.executable, __file__, "--memory-child", str(side)])


def part_memory(side: int) -> dict[str, Any]:
    base = _run_child(0)
    run = _run_child(side)
    added = run["peak_rss_mib"] - base["peak_rss_mib"]
    print(f"{side}px: peak {run['peak_rss_mib']:.0f} MiB, baseline {base['peak_rss_mib']:.0f} MiB")
    return {"baseline": base, "run": run, "added_mib": added, "peak_mib": run["peak_rss_mib"]}


def part_train(steps: int) -> dict[str, Any]:
    import tempfile

    from nst_desktop.engine import StyleImage
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style

    painting = _photo("style/autumn.jpg", 256)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        photos = Path(tmp) / "photos"
        photos.mkdir()
        for p in sorted((IMAGES / "content").glob("*.jpg")):
            Image.open(p).convert("RGB").save(photos / f"{p.stem}.png")
        for precision in ("bfloat16", "float32"):
            stamps: list[float] = []
            settings = TrainSettings(size=256, steps=steps + 1, batch=4, seed=0, precision=precision)
            train_fast_style(
                [StyleImage(painting)], photos, Path(tmp) / f"{precision}.nststyle", settings,
                on_progress=lambda p, s=stamps: s.append(time.perf_counter()) if p.stage == "training" else 0,
                preview_interval=1e9,
            )
            per_step = median(list(np.diff(stamps)))
            out[precision] = {"seconds_per_step": per_step, "photos_per_second": 4 / per_step}
            print(precision, f"{4 / per_step:.2f} photos/s")
    out["speedup_bfloat16"] = out["float32"]["seconds_per_step"] / out["bfloat16"]["seconds_per_step"]
    return out


def part_quality(budgets: list[int]) -> dict[str, Any]:
    from measure import Measure

    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.style_file import read_fast_style
    from nst_desktop.engine.run import stylize, warm_up

    warm_up("cpu")
    rows = []
    files = sorted(STYLES.glob("*.nststyle"))
    for i, path in enumerate(files):
        style = read_fast_style(path)
        photo_name = HELD_OUT[i % len(HELD_OUT)]
        photo = _photo(photo_name, 256)
        painting_path = PAINTINGS / f"{path.stem}.jpg"
        # The painting at the size the optimiser uses it for a 256 px picture (brush scale 1).
        painting = _photo(str(painting_path), 256) if painting_path.exists() else None
        if painting is None:
            continue
        m = Measure(photo, painting)
        apply_fast_style(photo, style, Settings(device="cpu"))
        t0 = time.perf_counter()
        fast = apply_fast_style(photo, style, Settings(device="cpu"))
        fast_s = time.perf_counter() - t0
        fast_score = m(fast.image)
        base = Settings(size=256, seed=0, device="cpu")
        opt = stylize(photo, [StyleImage(painting)], base.replace(steps=300))
        opt_score = m(opt.image)
        reach = None
        for budget in budgets:
            run = stylize(photo, [StyleImage(painting)], base.replace(steps=budget))
            score = m(run.image)
            combined = (
                score["style_distance"] / fast_score["style_distance"]
                + score["content_distance"] / fast_score["content_distance"]
            ) / 2
            if combined <= 1.0:
                reach = {"steps": budget, "seconds": run.seconds, "score": score, "combined": combined}
                break
        row = {
            "style": path.stem,
            "photo": photo_name,
            "size": list(fast.size),
            "fast": {"seconds": fast_s, **fast_score},
            "optimiser_300": {"seconds": opt.seconds, **opt_score},
            "style_ratio": fast_score["style_distance"] / opt_score["style_distance"],
            "content_ratio": fast_score["content_distance"] / opt_score["content_distance"],
            "optimiser_reaches_fast_score": reach,
            "speed_ratio": (reach["seconds"] / fast_s) if reach else None,
        }
        images = ROOT / "benchmarks" / "results" / "images"
        images.mkdir(parents=True, exist_ok=True)
        Image.fromarray(fast.image).save(images / f"fast-{path.stem}-{Path(photo_name).stem}.png")
        Image.fromarray(opt.image).save(images / f"opt300-{path.stem}-{Path(photo_name).stem}.png")
        rows.append(row)
        print(
            path.stem, photo_name,
            f"fast style {fast_score['style_distance']:.3f} content {fast_score['content_distance']:.3f}",
            f"opt300 style {opt_score['style_distance']:.3f} content {opt_score['content_distance']:.3f}",
            f"reach {reach and reach['steps']}",
        )
    return {"rows": rows, "budgets": budgets}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parts", default="speed,memory,train,quality")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--memory-side", type=int, default=4096)
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--budgets", default="5,10,20,40,80")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory-child", type=int, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.memory_child is not None:
        print(json.dumps(memory_child(args.memory_child)))
        return 0
    parts = args.parts.split(",")
    if args.quick:
        args.repeats, args.memory_side, args.train_steps, args.budgets = 2, 1024, 2, "5"
    result: dict[str, Any] = {"machine": machine(), "command": command()}
    if "speed" in parts:
        result["speed"] = part_speed(args.repeats)
    if "memory" in parts:
        result["memory"] = part_memory(args.memory_side)
    if "train" in parts:
        result["train"] = part_train(args.train_steps)
    if "quality" in parts:
        result["quality"] = part_quality([int(b) for b in args.budgets.split(",")])
    tag = "_".join(parts) if len(parts) < 4 else "all"
    save(f"fast_{tag}" + ("_quick" if args.quick else ""), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
