"""Train the built-in fast styles: ``python packaging/train_builtin_styles.py [--minutes M]``.

The exact recipe of the files in ``resources/styles/``: each built-in sample painting, the
instant model's transformer fine-tuned from the painting's own style vector (the ``instant``
network kind, benchmarks/README.md "Training recipes"), on the photos of
``packaging/training-photos`` (none of them among the held-out photos the quality benchmark
scores), seed 1, for ``--minutes`` of training each. Training crops of 128 px with the painting
at 256 px (brush scale 2) keep this CPU's budget to minutes per style while the strokes stay as
large, relative to the picture, as a 256 px training would make them. Equivalent to
``nst-desktop train PAINTING --photos packaging/training-photos -o resources/styles/NAME.nststyle
--size 128 --batch 4 --brush-scale 2 --keep-content K --seed 1 --minutes M`` for each painting.

Each style is then measured on the app's first photo (``astronaut.jpg``, never trained on)
against the instant picture and short optimiser runs, and the record is kept in the file, so
the gallery shows how good each built-in is. ``--resume`` continues after a stop.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "packaging" / "training-photos"
MEASURE_PHOTO = ROOT / "resources" / "samples" / "content" / "astronaut.jpg"
PAINTINGS = ROOT / "resources" / "samples" / "style"
STYLES = {
    "autumn": ("Autumn", "After the painting 'Autumn' by RJ Quiralta (KDE Plasma wallpaper, LGPL-3.0)."),
    "cluster": ("Cluster", "After 'Cluster' by Ken Vermette (KDE Plasma wallpaper, LGPL-3.0)."),
    "string": ("String", "After 'string' by the UKUI team (UKUI wallpaper, CC-BY-SA-3.0)."),
}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.quality import measure_style
    from nst_desktop.engine.fast.style_file import read_fast_style, write_fast_style
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
    from nst_desktop.engine.images import load_image
    from nst_desktop.engine.schedule import style_side_for
    from nst_desktop.engine.settings import Settings
    from nst_desktop.engine.types import StyleImage

    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=12.0, help="training time per style")
    parser.add_argument(
        "--steps", type=int, default=0, help="train this many steps instead (load-independent)"
    )
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--brush-scale", type=float, default=2.0)
    parser.add_argument("--keep-content", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", default=list(STYLES))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "styles")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = TrainSettings(
        size=args.size,
        seconds=None if args.steps else args.minutes * 60,
        steps=args.steps or 1_000_000,
        batch=args.batch,
        brush_scale=args.brush_scale,
        keep_content=args.keep_content,
        seed=1,
        device=args.device,
        network="instant",
        measure=False,
    )
    for stem in args.only:
        name, description = STYLES[stem]
        painting = PAINTINGS / f"{stem}.jpg"
        image = load_image(painting, max_side=style_side_for(args.size, settings.brush_scale))
        start = time.perf_counter()
        last = [0.0]

        def report(p: Any, start: float = start, last: list[float] = last, stem: str = stem) -> None:
            now = time.perf_counter()
            if getattr(p, "stage", "") == "training" and now - last[0] > 30:
                last[0] = now
                losses = {k: round(v, 3) for k, v in getattr(p, "losses", {}).items()}
                logging.info("%s step %d %s %.0f s", stem, p.step, losses, now - start)

        out = args.out / f"{stem}.nststyle"
        paintings = [StyleImage(image, 1.0, painting.name)]
        result = train_fast_style(
            paintings,
            PHOTOS,
            out,
            settings,
            name=name,
            resume=args.resume and (args.out / f"{stem}.nststyle.checkpoint").exists(),
            on_progress=report,
        )
        logging.info(
            "%s: %d steps in %.0f s on %s, losses %s",
            stem, result.trained_steps, result.trained_seconds, result.device,
            {k: round(v, 4) for k, v in result.losses.items()},
        )  # fmt: skip
        style = read_fast_style(out)

        def picture_of(photo: Any, style: Any = style) -> Any:
            return apply_fast_style(photo, style, Settings(device="cpu", precision="float32")).image

        measured = load_image(MEASURE_PHOTO, max_side=1024)
        quality = measure_style(picture_of, measured, MEASURE_PHOTO.name, paintings, "cpu")
        logging.info("%s: %s", stem, quality.sentence())
        training = dict(style.training) | {"quality": quality.to_dict()}
        write_fast_style(out, dataclasses.replace(style, description=description, training=training))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
