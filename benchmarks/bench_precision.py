"""float32 against ``precision=auto`` (what engine/precision.py picks on this machine).

Parts (``--parts``, comma-separated), every one interleaving the two precisions (ABAB...) so a
shared machine's load falls on both alike, and reporting medians and the ratio float32/auto:

- ``step``: one optimiser evaluation (VGG19 forward and backward plus the engine's loss,
  Gram matrices and losses in float32) at 256 and 512 px.
- ``quality``: whole ``stylize`` runs on the benchmark pairs at equal steps: style and content
  distances (benchmarks/measure.py, float64 on the float32 network) and the time to a score,
  the first moment a run's loss on its last level is at or under the worse of the two final
  losses (so both reach it). ``auto`` is the engine's whole policy, its coarse levels and
  targets in float32 included (``precision.level_dtype``).
- ``train``: fast-style training throughput (photos per second; 256 px crops, batch 4).
- ``apply``: one fast-style application and one instant transform at 512 px.

Results go to benchmarks/results/precision.json; the table is in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    IMAGES,
    PAIRS,
    RESULTS,
    brush_scale_for,
    command,
    machine,
    median,
    prepare_pair,
    save,
)
from benchmarks.measure import Measure
from nst_desktop.engine import precision
from nst_desktop.engine.losses import Targets, Weights, gram, total_loss
from nst_desktop.engine.run import get_model, stylize
from nst_desktop.engine.settings import STYLE_LAYERS, Settings
from nst_desktop.engine.types import Progress, StyleImage
from nst_desktop.engine.weights import CAFFE_MEAN_BGR

#: Where everything runs (``--device``); the CPU unless told.
DEVICE = torch.device("cpu")
PRECISIONS = ("float32", "auto")


def interleaved(run: Callable[[str], float], repeats: int) -> dict[str, Any]:
    """``run(precision)`` -> seconds, ABAB... after one untimed warm-up of each."""
    for p in PRECISIONS:
        run(p)
    times: dict[str, list[float]] = {p: [] for p in PRECISIONS}
    for _ in range(repeats):
        for p in PRECISIONS:
            times[p].append(run(p))
    out: dict[str, Any] = {p: {"median_s": median(t), "all_s": t} for p, t in times.items()}
    out["ratio_float32_over_auto"] = out["float32"]["median_s"] / out["auto"]["median_s"]
    return out


def _caffe(rgb: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)).permute(2, 0, 1)[None]
    return t - torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)


def part_step(sides: list[int], repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in sides:
        pair = prepare_pair(*PAIRS[0], side)
        base = get_model(DEVICE, "max", "relu5_1")
        content = _caffe(pair.content)
        with torch.no_grad():
            c = base(content, ["relu4_2"])["relu4_2"]
            grams = {k: gram(v) for k, v in base(_caffe(pair.style), STYLE_LAYERS).items()}
        targets = Targets.build("relu4_2", c, grams, dict.fromkeys(STYLE_LAYERS, 1.0), content)
        out[str(side)] = result = interleaved(_step_timer(base, content, targets), repeats)
        print(f"step {side}px: float32 {result['float32']['median_s']:.3f} s, "
              f"auto {result['auto']['median_s']:.3f} s, x{result['ratio_float32_over_auto']:.2f}",
              flush=True)
    return out


def _step_timer(base: Any, content: torch.Tensor, targets: Targets) -> Callable[[str], float]:
    """One optimiser evaluation as run.py makes it: loss times pixels, backward to the image."""
    weights = Weights.from_artist(1.0, 1.0, 1.0)
    wanted = sorted(targets.layers)
    pixels = content.shape[2] * content.shape[3]

    def step(p: str) -> float:
        model = base.in_precision(precision.choose(p, DEVICE))
        image = content.clone().requires_grad_(True)
        t0 = time.perf_counter()
        loss, _ = total_loss(image, model(image, wanted), targets, weights)
        (loss * pixels).backward()  # type: ignore[no-untyped-call]
        return time.perf_counter() - t0

    return step


def part_quality(sides: list[int], steps: int, pairs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in sides:
        for content_name, style_name in PAIRS[:pairs]:
            pair = prepare_pair(content_name, style_name, side)
            measure = Measure(pair.content, pair.style)
            runs: dict[str, Any] = {}
            pictures: dict[str, np.ndarray] = {}
            for p in PRECISIONS:  # A then B; the pairs and sizes alternate the load between them
                trace: list[tuple[float, int, float]] = []

                def on_progress(progress: Progress, trace: list[tuple[float, int, float]] = trace) -> None:
                    if progress.stage == "painting" and "total" in progress.losses:
                        trace.append((progress.elapsed, progress.level, progress.losses["total"]))

                settings = Settings(size=side, steps=steps, seed=1, device=DEVICE.type, precision=p,
                                    brush_scale=brush_scale_for(pair))
                result = stylize(pair.content, [StyleImage(pair.style)], settings,
                                 on_progress=on_progress, preview_interval=1e9)
                runs[p] = {"seconds": result.seconds, "losses": result.losses, "trace": trace,
                           **measure(result.image)}
                pictures[p] = result.image
            last = max(level for _, level, _ in runs["float32"]["trace"])
            score = max(runs[p]["losses"]["total"] for p in PRECISIONS)
            for p in PRECISIONS:
                runs[p]["time_to_score_s"] = next(
                    t for t, level, loss in runs[p]["trace"] if level == last and loss <= score + 1e-12
                )
            for key in ("style_distance", "content_distance"):
                runs[f"{key}_auto_vs_float32"] = runs["auto"][key] / runs["float32"][key] - 1.0
            runs["score"] = score
            # float32 | auto | their difference times 8, to look for banding or noise.
            diff = np.abs(pictures["auto"].astype(int) - pictures["float32"].astype(int))
            runs["mean_abs_diff_8bit_levels"] = float(diff.mean())
            strip = np.concatenate([pictures["float32"], pictures["auto"], np.clip(diff * 8, 0, 255)], axis=1)
            RESULTS.mkdir(parents=True, exist_ok=True)
            Image.fromarray(strip.astype(np.uint8)).save(RESULTS / f"precision-{pair.name}.jpg", quality=92)
            runs["time_to_score_ratio"] = runs["float32"]["time_to_score_s"] / runs["auto"]["time_to_score_s"]
            out[pair.name] = runs
            print(f"{pair.name}: " + ", ".join(
                f"{p} {runs[p]['seconds']:.1f} s style {runs[p]['style_distance']:.4f} "
                f"content {runs[p]['content_distance']:.4f} to-score {runs[p]['time_to_score_s']:.1f} s"
                for p in PRECISIONS), flush=True)
    return out


def part_train(steps: int, rounds: int) -> dict[str, Any]:
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style

    painting = np.asarray(Image.open(IMAGES / "style/autumn.jpg").convert("RGB"))
    per_step: dict[str, list[float]] = {p: [] for p in PRECISIONS}
    with tempfile.TemporaryDirectory() as tmp:
        photos = Path(tmp) / "photos"
        photos.mkdir()
        for path in sorted((IMAGES / "content").glob("*.jpg")):
            Image.open(path).convert("RGB").save(photos / f"{path.stem}.png")
        for _ in range(rounds):
            for p in PRECISIONS:
                stamps: list[float] = []
                settings = TrainSettings(
                    size=256, steps=steps + 1, batch=4, seed=0, precision=p, device=DEVICE.type  # type: ignore[arg-type]
                )
                train_fast_style(
                    [StyleImage(painting)], photos, Path(tmp) / f"{p}.nststyle", settings,
                    on_progress=lambda g, s=stamps: (
                        s.append(time.perf_counter()) if g.stage == "training" else None
                    ),
                    preview_interval=1e9,
                )
                per_step[p] += list(np.diff(stamps))
    out: dict[str, Any] = {
        p: {"seconds_per_step": median(t), "photos_per_second": 4 / median(t), "all_s": t}
        for p, t in per_step.items()
    }
    out["ratio_float32_over_auto"] = out["float32"]["seconds_per_step"] / out["auto"]["seconds_per_step"]
    print(f"train: float32 {out['float32']['photos_per_second']:.2f} photos/s, "
          f"auto {out['auto']['photos_per_second']:.2f}, x{out['ratio_float32_over_auto']:.2f}", flush=True)
    return out


def part_apply(repeats: int) -> dict[str, Any]:
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.store import FastStyleStore
    from nst_desktop.engine.instant.api import stylize_instant

    pair = prepare_pair(*PAIRS[0], 512)
    store = FastStyleStore()
    style = store.get(store.names()[0])
    out: dict[str, Any] = {}
    images: dict[str, dict[str, np.ndarray]] = {"fast": {}, "instant": {}}

    def fast(p: str) -> float:
        result = apply_fast_style(pair.content, style, Settings(device=DEVICE.type, precision=p))
        images["fast"][p] = result.image_float
        return result.seconds

    def instant(p: str) -> float:
        settings = Settings(device=DEVICE.type, precision=p)  # type: ignore[arg-type]
        result = stylize_instant(pair.content, [StyleImage(pair.style)], settings)
        images["instant"][p] = result.image_float
        return result.seconds

    for name, run in (("fast", fast), ("instant", instant)):
        out[name] = result = interleaved(run, repeats)
        diff = np.abs(images[name]["auto"] - images[name]["float32"]) * 255.0
        result["mean_abs_diff_8bit_levels"] = float(diff.mean())
        result["max_abs_diff_8bit_levels"] = float(diff.max())
        print(f"{name} 512px: float32 {result['float32']['median_s']:.3f} s, "
              f"auto {result['auto']['median_s']:.3f} s, "
              f"x{result['ratio_float32_over_auto']:.2f}, mean diff {diff.mean():.2f} levels", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="step,quality,train,apply")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sides", default="256,512")
    parser.add_argument("--quality-sides", default="256")
    parser.add_argument("--steps", type=int, default=100, help="stylize steps for the quality part")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=6)
    parser.add_argument("--train-rounds", type=int, default=2)
    parser.add_argument("--name", default="precision", help="results file: benchmarks/results/NAME.json")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "mps"])
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    parts = set(args.parts.split(","))
    data: dict[str, Any] = {
        "machine": machine(),
        "command": command(),
        "device": args.device,
        "auto_is": precision.name(precision.choose("auto", DEVICE)),
        "cpu_flags": sorted(
            precision.cpu_flags() & {"amx_bf16", "amx_tile", "avx512_bf16", "avx512f", "avx2"}
        ),
    }
    flags = ", ".join(data["cpu_flags"])
    print(f"auto = {data['auto_is']} on {DEVICE.type} (CPU flags: {flags})", flush=True)
    if "step" in parts:
        data["step"] = part_step([int(s) for s in args.sides.split(",")], args.repeats)
    if "apply" in parts:
        data["apply"] = part_apply(args.repeats)
    if "train" in parts:
        data["train"] = part_train(args.train_steps, args.train_rounds)
    if "quality" in parts:
        sides = [int(s) for s in args.quality_sides.split(",")]
        data["quality"] = part_quality(sides, args.steps, args.pairs)
    save(args.name, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
