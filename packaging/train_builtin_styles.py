"""Train the built-in fast styles: ``python packaging/train_builtin_styles.py [--steps N]``.

The exact recipe of the files in ``resources/styles/``: each built-in sample painting, the
freely licensed photos in ``../shared/images/content`` less ``rocket.jpg`` and ``chelsea.jpg``
(held out so the quality benchmark measures photos the styles never saw), seed 1. The photos
are copied into a temporary folder so the held-out ones cannot leak in. Equivalent to
``nst-desktop train PAINTING --photos DIR -o resources/styles/NAME.nststyle --size 128
--steps 2000 --batch 4 --brush-scale 2 --seed 1`` for each painting. Training crops of 128 px
with the painting at 256 px (brush scale 2) keep this CPU's budget to minutes per style while
the strokes stay as large, relative to the picture, as a 256 px training would make them.
``--resume`` continues after a stop.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "images" / "content"
HELD_OUT = {"rocket.jpg", "chelsea.jpg"}
STYLES = {"autumn": "Autumn", "cluster": "Cluster", "string": "String"}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
    from nst_desktop.engine.images import load_image
    from nst_desktop.engine.schedule import style_side_for
    from nst_desktop.engine.types import StyleImage

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--brush-scale", type=float, default=2.0)
    parser.add_argument("--only", nargs="*", default=list(STYLES))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "styles")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = TrainSettings(
        size=args.size, steps=args.steps, batch=args.batch, brush_scale=args.brush_scale, seed=1
    )
    with tempfile.TemporaryDirectory() as tmp:
        photos = Path(tmp)
        for photo in sorted(PHOTOS.glob("*.jpg")):
            if photo.name not in HELD_OUT:
                shutil.copy(photo, photos / photo.name)
        for stem in args.only:
            painting = ROOT / "resources" / "samples" / "style" / f"{stem}.jpg"
            image = load_image(painting, max_side=style_side_for(args.size, settings.brush_scale))
            start = time.perf_counter()
            last = [0.0]

            def report(p: Any, start: float = start, last: list[float] = last, stem: str = stem) -> None:
                now = time.perf_counter()
                if getattr(p, "stage", "") == "training" and now - last[0] > 30:
                    last[0] = now
                    losses = {k: round(v, 3) for k, v in getattr(p, "losses", {}).items()}
                    logging.info("%s step %d/%d %s %.0f s", stem, p.step, p.total, losses, now - start)

            result = train_fast_style(
                [StyleImage(image, 1.0, painting.name)],
                photos,
                args.out / f"{stem}.nststyle",
                settings,
                name=STYLES[stem],
                resume=args.resume and (args.out / f"{stem}.nststyle.checkpoint").exists(),
                on_progress=report,
            )
            logging.info("%s: %d steps in %.0f s on %s, losses %s", stem, result.steps, result.seconds,
                         result.device, {k: round(v, 4) for k, v in result.losses.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
