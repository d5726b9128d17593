"""Fast-style training recipes: quality per CPU minute on photos never seen in training.

Issue 16 asks which way of training a per-painting network gets closest to the optimiser on an
artist's CPU. Every recipe trains on ``packaging/training-photos`` (photos that none of the
held-out ones are) and is scored with the shared measure (``measure.py``) on the held-out photos
of ``../shared/images/content`` at 256 px, the painting at 256 px long side (brush scale 1), as
a ratio to a 300-step optimisation of the same pair from the photo (the engine's defaults, seed 0),
and as "matches N optimiser steps" (the largest of 10/20/50/100/300 steps whose style *and*
content distances it is no worse than).

Commands:

- ``reference``: the optimiser's distances at 10, 20, 50, 100 and 300 steps and the instant
  picture's, for every held-out photo and painting (cached in results/fast_recipes_reference.json).
- ``train --recipe R --painting NAME --minutes M``: train recipe R for M CPU minutes of this
  process (one thread), scoring a snapshot at each of ``--marks`` (minutes); results are
  appended to results/fast_recipes.json.
- ``table``: the summary table of every recorded run.
- ``refine``: the optimiser started from the instant picture at ``--budgets`` steps against the
  reference (results/refine_reference.json), for the default Paint of issue 17.
- ``builtins``: the built-in styles (``--styles-folder``) on every held-out photo, as ratios to
  the reference (results/fast_builtins.json), beside the instant picture's.

Recipes:

- ``johnson``: Johnson et al.'s network (width 16) from scratch, the recipe of the old built-ins.
- ``vector``: the pretrained instant network with only the painting's 100-number vector tuned.
- ``norms``: the vector and the conditional normalisation's scale/shift layers.
- ``whole``: the whole instant transformer (and the vector), from its pretrained weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import IMAGES, ROOT, command, machine
from PIL import Image

sys.path.insert(0, str(ROOT))

PAINTINGS = ROOT / "resources" / "samples" / "style"
TRAIN_PHOTOS = ROOT / "packaging" / "training-photos"
HELD_OUT = tuple(sorted(p.name for p in (IMAGES / "content").glob("*.jpg")))
BUDGETS = (10, 20, 50, 100, 300)
SIDE = 256
RESULTS = ROOT / "benchmarks" / "results"
REFERENCE = RESULTS / "fast_recipes_reference.json"
RUNS = RESULTS / "fast_recipes.json"


def _image(path: Path, side: int) -> np.ndarray:
    img = Image.open(path).convert("RGB")
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


def _paintings(names: list[str]) -> dict[str, np.ndarray]:
    return {n: _image(PAINTINGS / f"{n}.jpg", SIDE) for n in names}


def cmd_reference(paintings: list[str]) -> None:
    from measure import Measure

    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.instant.api import stylize_instant
    from nst_desktop.engine.run import stylize, warm_up

    warm_up("cpu")
    doc: dict[str, Any] = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    doc.setdefault("rows", {})
    for name, painting in _paintings(paintings).items():
        for photo_name in HELD_OUT:
            key = f"{name}/{photo_name}"
            if key in doc["rows"]:
                continue
            photo = _image(IMAGES / "content" / photo_name, SIDE)
            m = Measure(photo, painting)
            row: dict[str, Any] = {}
            for steps in BUDGETS:
                t0 = time.process_time()
                run = stylize(
                    photo, [StyleImage(painting)], Settings(size=SIDE, seed=0, device="cpu", steps=steps)
                )
                score = m(run.image)
                row[str(steps)] = {
                    "style": score["style_distance"],
                    "content": score["content_distance"],
                    "cpu_s": time.process_time() - t0,
                }
            inst = stylize_instant(photo, [StyleImage(painting)], Settings(size=SIDE, device="cpu"))
            score = m(inst.image)
            row["instant"] = {"style": score["style_distance"], "content": score["content_distance"]}
            doc["rows"][key] = row
            print(
                key, {k: (round(v["style"], 3), round(v["content"], 3)) for k, v in row.items()}, flush=True
            )
            doc["machine"], doc["command"] = machine(), command()
            REFERENCE.write_text(json.dumps(doc, indent=1))


class Recipe:
    """A trainable painter: photo batch (Nx3xHxW, 0..1) -> picture batch, and its parameters."""

    def __init__(self, kind: str, painting: np.ndarray) -> None:
        import torch

        self.kind = kind
        if kind == "johnson":
            from nst_desktop.engine.fast.network import TransformerNet

            torch.manual_seed(0)
            self.net: Any = TransformerNet(16)
            self.params = list(self.net.parameters())
            self.vector = None
            return
        from nst_desktop.engine.instant.model import load_state
        from nst_desktop.engine.instant.network import InstantNetwork
        from nst_desktop.engine.instant.vectors import at_predictor_scale, style_vector

        full = InstantNetwork()
        full.load_state_dict(load_state())
        full.eval()
        with torch.no_grad():
            vec = style_vector(full.predictor, at_predictor_scale(painting), torch.device("cpu")).clone()
        self.net = full.transformer
        self.net.train()
        self.vector = torch.nn.Parameter(vec.view(1, -1))
        for p in self.net.parameters():
            p.requires_grad_(kind == "whole")
        params = [self.vector]
        if kind == "norms":
            for mod in self.net.modules():
                if hasattr(mod, "gamma") and hasattr(mod, "beta"):
                    for p in (*mod.gamma.parameters(), *mod.beta.parameters()):
                        p.requires_grad_(True)
                        params.append(p)
        elif kind == "whole":
            params += list(self.net.parameters())
        self.params = params

    def __call__(self, x: Any) -> Any:
        if self.vector is None:
            return self.net(x)
        return self.net(x, self.vector.expand(x.shape[0], -1))


def cmd_train(recipe_name: str, painting_name: str, minutes: float, marks: list[float], args: Any) -> None:
    import torch
    from measure import Measure

    from nst_desktop.engine.fast.photos import load_photos, random_crops
    from nst_desktop.engine.fast.train import _batch_gram, _roughness
    from nst_desktop.engine.losses import Weights, gram
    from nst_desktop.engine.run import get_model
    from nst_desktop.engine.settings import STYLE_LAYERS
    from nst_desktop.engine.weights import CAFFE_MEAN_BGR

    torch.set_num_threads(1)
    device = torch.device("cpu")
    painting = _image(PAINTINGS / f"{painting_name}.jpg", SIDE)
    recipe = Recipe(recipe_name, painting)
    model = get_model(device, "max", "relu5_1")
    dtype = torch.bfloat16 if args.bf16 else None
    mean = torch.tensor(CAFFE_MEAN_BGR, dtype=torch.float32).view(1, 3, 1, 1)

    def to_vgg(rgb01: Any) -> Any:
        return rgb01.flip(1) * 255.0 - mean

    with torch.no_grad():
        t = torch.from_numpy(painting.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
        targets = {k: gram(v) for k, v in model(to_vgg(t), STYLE_LAYERS).items()}
    photos = load_photos(TRAIN_PHOTOS, long_side=args.photo_side)
    weights = Weights.from_artist(args.style, args.content, 1.0)
    opt = torch.optim.Adam(recipe.params, lr=args.lr)
    held = {n: _image(IMAGES / "content" / n, SIDE) for n in HELD_OUT}
    measures = {n: Measure(photo, painting) for n, photo in held.items()}

    def score(cpu: float, step: int) -> dict[str, Any]:
        ref = json.loads(REFERENCE.read_text())["rows"] if REFERENCE.exists() else {}
        rows = []
        with torch.no_grad():
            for n, photo in held.items():
                h, w = photo.shape[:2]
                ph, pw = (h + 3) // 4 * 4, (w + 3) // 4 * 4
                x = torch.from_numpy(photo.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
                x = torch.nn.functional.pad(x, (0, pw - w, 0, ph - h), mode="reflect")
                y = recipe(x).clamp(0, 1)[0, :, :h, :w].permute(1, 2, 0).numpy()
                img = np.clip(np.rint(y * 255), 0, 255).astype(np.uint8)
                s = measures[n](img)
                rows.append({"photo": n, "style": s["style_distance"], "content": s["content_distance"]})
                rows[-1] |= _against(rows[-1], ref.get(f"{painting_name}/{n}"))
                if args.save_images:
                    out = RESULTS / "images" / "recipes"
                    out.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(img).save(
                        out / f"{recipe_name}-{painting_name}-{Path(n).stem}-{cpu / 60:.0f}m.png"
                    )
        med = _medians(rows)
        print(
            f"{recipe_name} {painting_name} step {step} cpu {cpu / 60:.1f} min: "
            f"style x{med['style_ratio']:.2f} content x{med['content_ratio']:.2f} "
            f"matches {med['matches_steps']:.0f}",
            flush=True,
        )
        return {"cpu_minutes": cpu / 60, "step": step, "median": med, "rows": rows}

    snapshots = [] if recipe_name == "johnson" else [score(0.0, 0)]
    cpu0 = time.process_time()
    step = 0
    pending = sorted(marks)
    rng = np.random.default_rng(0)
    while pending:
        batch = torch.from_numpy(random_crops(photos.train + (photos.preview,), args.crop, args.batch, rng))
        opt.zero_grad(set_to_none=True)
        ctx = (
            torch.autocast("cpu", dtype=dtype) if dtype is not None else torch.autocast("cpu", enabled=False)
        )
        with ctx:
            out = recipe(batch)
            with torch.no_grad():
                content = model(to_vgg(batch), ["relu4_2"])["relu4_2"].float()
            feats = model(to_vgg(out), [*STYLE_LAYERS, "relu4_2"])
        style = sum(
            ((_batch_gram(feats[k].float()) - targets[k]).pow(2).sum((1, 2)) / targets[k].pow(2).sum()).mean()
            for k in STYLE_LAYERS
        ) / len(STYLE_LAYERS)
        f = feats["relu4_2"].float()
        content_err = ((f - content).pow(2).sum((1, 2, 3)) / content.pow(2).sum((1, 2, 3))).mean()
        tv = (_roughness(out.float() * 255) / torch.clamp(_roughness(batch * 255), min=25.0)).mean()
        spill = (out.float() - out.float().clamp(0, 1)).pow(2).mean()
        loss = weights.style * style + weights.content * content_err + weights.tv * tv + spill
        loss.backward()
        opt.step()
        step += 1
        cpu = time.process_time() - cpu0
        if step % 20 == 0:
            print(
                f"  step {step} cpu {cpu:.0f}s style {float(style):.3f} content {float(content_err):.3f}",
                flush=True,
            )
        if cpu >= pending[0] * 60:
            pending.pop(0)
            snapshots.append(score(cpu, step))
    doc = json.loads(RUNS.read_text()) if RUNS.exists() else {"runs": []}
    doc["runs"].append(
        {
            "recipe": recipe_name,
            "painting": painting_name,
            "crop": args.crop,
            "batch": args.batch,
            "lr": args.lr,
            "style_strength": args.style,
            "keep_content": args.content,
            "bf16": args.bf16,
            "photo_side": args.photo_side,
            "machine": machine(),
            "command": command(),
            "snapshots": snapshots,
        }
    )
    RUNS.write_text(json.dumps(doc, indent=1))
    if args.save_state:
        import torch as _t

        state = {
            "vector": recipe.vector.detach() if recipe.vector is not None else None,
            "net": recipe.net.state_dict(),
        }
        _t.save(state, args.save_state)


def _against(row: dict[str, Any], ref: dict[str, Any] | None) -> dict[str, Any]:
    """Ratios to the 300-step optimisation and the largest budget matched (style and content)."""
    if ref is None:
        return {}
    matches = 0
    for b in BUDGETS:
        if row["style"] <= ref[str(b)]["style"] and row["content"] <= ref[str(b)]["content"]:
            matches = b
    return {
        "style_ratio": row["style"] / ref["300"]["style"],
        "content_ratio": row["content"] / ref["300"]["content"],
        "matches_steps": matches,
    }


def _medians(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("style_ratio", "content_ratio", "matches_steps")
    return {
        k: float(np.median([r[k] for r in rows])) if all(k in r for r in rows) else float("nan") for k in keys
    }


def cmd_builtins(folder: Path, paintings: list[str]) -> None:
    """Score the built-in style files on every held-out photo against the cached reference."""
    from measure import Measure

    from nst_desktop.engine import Settings
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.style_file import read_fast_style

    ref = json.loads(REFERENCE.read_text())["rows"]
    doc: dict[str, Any] = {"machine": machine(), "command": command(), "styles": {}}
    print(
        "| style | photos | style ratio, median (mean; range) | content ratio, median (range) "
        "| matches steps, median |"
    )
    print("|---|---|---|---|---|")
    for name in paintings:
        style = read_fast_style(folder / f"{name}.nststyle")
        painting = _image(PAINTINGS / f"{name}.jpg", SIDE)
        rows = []
        for photo_name in HELD_OUT:
            photo = _image(IMAGES / "content" / photo_name, SIDE)
            image = apply_fast_style(photo, style, Settings(device="cpu", precision="float32")).image
            s = Measure(photo, painting)(image)
            row = {"photo": photo_name, "style": s["style_distance"], "content": s["content_distance"]}
            row |= _against(row, ref.get(f"{name}/{photo_name}"))
            inst = ref.get(f"{name}/{photo_name}", {}).get("instant")
            if inst:
                row["instant_style_ratio"] = inst["style"] / ref[f"{name}/{photo_name}"]["300"]["style"]
                row["instant_content_ratio"] = inst["content"] / ref[f"{name}/{photo_name}"]["300"]["content"]
            rows.append(row)
            out = RESULTS / "images" / "builtins"
            out.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(out / f"{name}-{Path(photo_name).stem}.png")
        sr = [r["style_ratio"] for r in rows]
        cr = [r["content_ratio"] for r in rows]
        ms = [r["matches_steps"] for r in rows]
        print(
            f"| {name} | {len(rows)} | {np.median(sr):.2f} "
            f"({np.mean(sr):.2f}; {min(sr):.2f}-{max(sr):.2f}) | "
            f"{np.median(cr):.2f} ({min(cr):.2f}-{max(cr):.2f}) | {np.median(ms):.0f} |"
        )
        doc["styles"][name] = {"rows": rows, "training": dict(style.training)}
    all_rows = [r for v in doc["styles"].values() for r in v["rows"]]
    for key in ("style_ratio", "content_ratio", "instant_style_ratio", "instant_content_ratio"):
        vals = [r[key] for r in all_rows if key in r]
        doc[f"median_{key}"] = float(np.median(vals)) if vals else None
        print(key, "median", doc[f"median_{key}"])
    (RESULTS / "fast_builtins.json").write_text(json.dumps(doc, indent=1))


def cmd_refine(paintings: list[str], budgets: list[int]) -> None:
    """The optimiser started from the instant picture (``init="instant"``), against the reference.

    For issue 17's question: which start and step budget reach the 300-step photo-start
    distances within 10 % in at most 0.4x of its time.
    """
    from measure import Measure

    from nst_desktop.engine import Settings, StyleImage
    from nst_desktop.engine.run import stylize, warm_up

    warm_up("cpu")
    ref = json.loads(REFERENCE.read_text())["rows"]
    path = RESULTS / "refine_reference.json"
    doc: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"rows": {}}
    for name, painting in _paintings(paintings).items():
        for photo_name in HELD_OUT:
            key = f"{name}/{photo_name}"
            row = doc["rows"].setdefault(key, {})
            photo = _image(IMAGES / "content" / photo_name, SIDE)
            m = Measure(photo, painting)
            for steps in budgets:
                if str(steps) in row:
                    continue
                t0 = time.process_time()
                settings = Settings(size=SIDE, seed=0, device="cpu", steps=steps, init="instant")
                score = m(stylize(photo, [StyleImage(painting)], settings).image)
                r300 = ref[key]["300"]
                row[str(steps)] = {
                    "style": score["style_distance"],
                    "content": score["content_distance"],
                    "cpu_s": time.process_time() - t0,
                    "style_ratio": score["style_distance"] / r300["style"],
                    "content_ratio": score["content_distance"] / r300["content"],
                    "time_ratio": (time.process_time() - t0) / r300["cpu_s"],
                }
                print(key, steps, {k: round(v, 3) for k, v in row[str(steps)].items()}, flush=True)
                doc["machine"], doc["command"] = machine(), command()
                path.write_text(json.dumps(doc, indent=1))
    for steps in budgets:
        rows = [r[str(steps)] for r in doc["rows"].values() if str(steps) in r]
        keys = ("style_ratio", "content_ratio", "time_ratio")
        med = {k: float(np.median([r[k] for r in rows])) for k in keys}
        print(f"instant + {steps} steps over {len(rows)} pairs:", {k: round(v, 3) for k, v in med.items()})


def cmd_table() -> None:
    doc = json.loads(RUNS.read_text())
    ref = json.loads(REFERENCE.read_text())["rows"]
    for run in doc["runs"]:
        for snap in run["snapshots"]:
            for row in snap["rows"]:
                row |= _against(row, ref.get(f"{run['painting']}/{row['photo']}"))
            snap["median"] = _medians(snap["rows"])
    print(
        "| recipe | painting | crop x batch | lr | content | CPU min | step | style ratio | content ratio "
        "| matches steps |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in doc["runs"]:
        for snap in run["snapshots"]:
            m = snap["median"]
            print(
                f"| {run['recipe']} | {run['painting']} | {run['crop']}x{run['batch']} | {run['lr']:g} | "
                f"{run.get('keep_content', 1.0):g} | "
                f"{snap['cpu_minutes']:.1f} | {snap['step']} | {m['style_ratio']:.2f} | "
                f"{m['content_ratio']:.2f} | {m['matches_steps']:.0f} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("command", choices=("reference", "train", "table", "builtins", "refine"))
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--styles-folder", type=Path, default=ROOT / "resources" / "styles")
    parser.add_argument("--recipe", default="whole", choices=("johnson", "vector", "norms", "whole"))
    parser.add_argument("--painting", default="autumn")
    parser.add_argument("--paintings", default="autumn,cluster,string")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--marks", default="")
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--photo-side", type=int, default=320)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--style", type=float, default=1.0, help="style strength while training")
    parser.add_argument("--content", type=float, default=1.0, help="keep content while training")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--save-images", action="store_true")
    parser.add_argument("--save-state", default="")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.command == "reference":
        cmd_reference(args.paintings.split(","))
    elif args.command == "train":
        marks = [float(m) for m in args.marks.split(",")] if args.marks else [args.minutes]
        cmd_train(args.recipe, args.painting, args.minutes, marks, args)
    elif args.command == "refine":
        cmd_refine(args.paintings.split(","), [int(b) for b in args.budgets.split(",")])
    elif args.command == "builtins":
        cmd_builtins(args.styles_folder, args.paintings.split(","))
    else:
        cmd_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
