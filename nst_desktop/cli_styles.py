"""``nst-desktop train`` and ``nst-desktop styles``: making fast styles and keeping them.

Same rules as ``stylize`` (see :mod:`.cli`): one-line errors with exit status 2, nothing
half-written. Ctrl-C during ``train`` stops through the cancel token; the trainer then keeps
its last checkpoint beside the output, and the same command with ``--resume`` continues it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli import (
    EXIT_OK,
    ProgressBar,
    UsageError,
    ctrl_c_cancels,
    interrupt_status,
    parse_style,
    whole_or_auto,
)
from .engine.errors import Cancelled, FastStyleError, ImageError
from .engine.text import show_path

if TYPE_CHECKING:
    from .engine.fast.train import TrainSettings

STYLE_SUFFIX = ".nststyle"  # the fast engine's SUFFIX, repeated so that --help needs no torch

# Flags of `train` that override TrainSettings' defaults when given; named after its fields.
_TRAIN_FIELDS = (
    "size",
    "steps",
    "batch",
    "seed",
    "device",
    "style_strength",
    "keep_content",
    "smoothness",
    "brush_scale",
    "precision",
    "network",
)


def add_train_parser(sub: Any) -> None:
    tr = sub.add_parser("train", help="train a fast style from one or more paintings on a folder of photos")
    tr.add_argument("paintings", nargs="+", metavar="PAINTING[:WEIGHT]", help="the paintings to learn from")
    tr.add_argument("--photos", type=Path, required=True, metavar="DIR", help="folder of photos to train on")
    tr.add_argument("-o", "--output", type=Path, required=True, help=f"the style file ({STYLE_SUFFIX})")
    tr.add_argument("--size", type=int, help="side of the training crops in pixels (default 256)")
    tr.add_argument("--steps", type=int, help="training steps (or --minutes)")
    tr.add_argument(
        "--minutes",
        type=_minutes,
        metavar="M",
        help="train for this long, as many steps as fit on this computer (instead of --steps)",
    )
    tr.add_argument("--batch", type=int, help="photos per step")
    tr.add_argument("--seed", type=int, help="seed for a reproducible training")
    tr.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    tr.add_argument(
        "--precision",
        choices=["auto", "float32", "bfloat16", "float16"],
        help="number format of the networks: auto = 16-bit where the hardware computes it natively",
    )
    tr.add_argument(
        "--threads",
        type=whole_or_auto,
        default=0,
        metavar="N|auto",
        help="CPU threads: auto (the default) takes the cores other programs leave free",
    )
    tr.add_argument(
        "--network",
        choices=["instant", "johnson"],
        help="instant (default): fine-tune the instant model's network, good in minutes on a CPU; "
        "johnson: Johnson et al.'s network from scratch (needs hours, or a GPU)",
    )
    tr.add_argument("--style-strength", type=float, help="0 none .. 1 balanced .. 10 very bold")
    tr.add_argument("--keep-content", type=float, help="0 ignore the photo .. 1 balanced .. 10 very close")
    tr.add_argument("--smoothness", type=float, help="0 none .. 1 light .. 10 very smooth")
    tr.add_argument(
        "--brush-scale", type=float, help="stroke size against the training crops (1 = the painting's own)"
    )
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint beside the output")
    tr.add_argument("--name", help="the style's name (default: from the output file)")
    tr.add_argument("--json", action="store_true", help="print a JSON summary on stdout when done")
    tr.add_argument("-q", "--quiet", action="store_true", help="no progress line")


def add_styles_parser(sub: Any) -> None:
    sp = sub.add_parser("styles", help="list, show, import, export or delete fast styles")
    ssub = sp.add_subparsers(dest="action", required=True, parser_class=type(sp))
    ssub.add_parser("list", help="list the fast styles")
    show = ssub.add_parser("show", help="print a style's name, training settings and file")
    show.add_argument("name", help="a name from 'styles list', or a .nststyle file")
    imp = ssub.add_parser("import", help="add a style from a .nststyle file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="name to give it (default: the name in the file)")
    imp.add_argument(
        "--overwrite", action="store_true", help="replace a style of the same name (a built-in too)"
    )
    exp = ssub.add_parser("export", help="write a style to a file")
    exp.add_argument("name")
    exp.add_argument("file", type=Path)
    delete = ssub.add_parser("delete", help="delete one of your styles")
    delete.add_argument("name")


def cmd_train(args: argparse.Namespace) -> int:
    from .engine import threads
    from .engine.fast.checkpoint import checkpoint_path
    from .engine.fast.train import train_fast_style
    from .engine.images import load_image
    from .engine.pipeline import check_output
    from .engine.schedule import style_side_for
    from .engine.types import StyleImage

    output: Path = args.output
    settings = train_settings(args)
    specs = [parse_style(p) for p in args.paintings]
    check_output(output, (STYLE_SUFFIX,), inputs=[p for p, _ in specs])
    if not _is_folder(args.photos):
        raise ImageError(
            f"The photos folder {show_path(args.photos)} does not exist, is not a folder "
            "or may not be entered."
        )
    # The trainer shrinks paintings to this side itself; reading them at it saves the memory.
    side = style_side_for(settings.size, settings.brush_scale)
    paintings = [StyleImage(load_image(p, max_side=side), w, p.name) for p, w in specs]
    bar = None if args.quiet else ProgressBar(sys.stderr)
    count = threads.choose(args.threads, threads.machine(sample=args.threads <= 0))  # the free cores
    threads.set_torch_threads(count)
    with ctrl_c_cancels() as cancel:
        try:
            result = train_fast_style(
                paintings,
                args.photos,
                output,
                settings,
                name=args.name or "",
                resume=args.resume,
                on_progress=bar,
                cancel=cancel,
            )
        except (Cancelled, FastStyleError) as exc:
            if not (isinstance(exc, Cancelled) or cancel.is_set()):
                raise
            # Stopped; the checkpoint written on the way out may have failed (a full disk): the
            # previous one, if any, is still there (checkpoints are replaced only when complete).
            failed = "" if isinstance(exc, Cancelled) else f", but {_lower_first(str(exc)).rstrip('.')}"
            if bar is not None:
                bar.close()
                bar = None
            if checkpoint_path(output).is_file():
                which = "the previous checkpoint" if failed else "the last checkpoint"
                sys.stderr.write(
                    f"nst-desktop: interrupted{failed}; {which} is kept: run the same command "
                    "with --resume to continue.\n"
                )
            else:
                sys.stderr.write(f"nst-desktop: interrupted{failed}; nothing was written.\n")
            return interrupt_status()
        finally:
            if bar is not None:
                bar.close()
    if args.json:
        summary = {
            "output": str(result.output),
            "seconds": round(result.seconds, 3),
            "steps": result.steps,
            "seconds_trained": round(result.trained_seconds, 3),
            "steps_trained": result.trained_steps,
            "device": result.device,
            "threads": count,
            "losses": {k: round(v, 6) for k, v in result.losses.items()},
            "skipped": result.skipped,
            "resumed_from": result.resumed_from,
            "settings": settings.to_dict(),
            "quality": result.quality.to_dict() if result.quality is not None else None,
        }
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        sys.stderr.write(
            f"Saved {result.output} ({result.trained_steps} steps, {result.trained_seconds:.1f} s of "
            f"training on {result.device}). "
            f"Paint with it: nst-desktop stylize PHOTO --fast-style {result.output} -o OUT.png\n"
        )
        if result.quality is not None:
            sys.stderr.write(result.quality.sentence() + "\n")
    return EXIT_OK


def train_settings(args: argparse.Namespace) -> TrainSettings:
    """The ``TrainSettings`` the flags ask for: ``--minutes`` is a time budget, its steps
    open-ended; it cannot be combined with ``--steps`` (which would win is no one's guess)."""
    from .engine.fast.budget import STEP_CAP
    from .engine.fast.train import TrainSettings

    given = {f: getattr(args, f) for f in _TRAIN_FIELDS if getattr(args, f) is not None}
    if args.minutes is not None:
        if "steps" in given:
            raise UsageError("--minutes and --steps cannot be used together; give one of them")
        given |= {"seconds": args.minutes * 60.0, "steps": STEP_CAP}
    return TrainSettings(**given)


def _minutes(text: str) -> float:
    """``--minutes``: a positive number up to the longest budget (argparse reports the rest)."""
    from .engine.fast.budget import MAX_SECONDS

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {text[:40]!r}") from None
    if not (math.isfinite(value) and 1 / 60 <= value <= MAX_SECONDS / 60):
        raise argparse.ArgumentTypeError(
            f"the minutes must be between {1 / 60:.3g} (one second) and {MAX_SECONDS / 60:g}"
        )
    return value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _absolute(path: Path) -> Path:
    """``path`` with its links resolved where possible; as given when it cannot be (a link to
    itself: Python before 3.13 raises RuntimeError), so that reading it says what is wrong."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _is_file(path: Path) -> bool:
    """False as well for a path that cannot be examined (too long, in a closed folder)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def cmd_styles(args: argparse.Namespace) -> int:
    from .engine.fast.store import FastStyleStore

    store = FastStyleStore()
    if args.action == "list":
        styles = store.list()
        width = max((len(s.name) for s in styles), default=0)
        for s in styles:
            kind = "built-in" if s.builtin else "yours"
            sys.stdout.write(f"{s.name.ljust(width)}  {kind:<8}  {s.description}".rstrip() + "\n")
        if len(store.problems) > 1:  # one line names them all; `styles show FILE` tells why
            summary = store.problem_summary()
            sys.stderr.write(f"warning: {summary} ('nst-desktop styles show FILE' says why)\n")
        elif store.problems:
            sys.stderr.write(f"warning: {store.problem_summary()}\n")
        if not styles:
            sys.stderr.write("No fast styles yet: make one with 'nst-desktop train' or 'styles import'.\n")
    elif args.action == "show":
        sys.stdout.write(json.dumps(_describe(store, args.name), indent=2) + "\n")
    elif args.action == "import":
        info = store.import_file(args.file, name=args.name, overwrite=args.overwrite)
        sys.stderr.write(f"Imported '{info.name}' into {info.path.parent}.\n")
    elif args.action == "export":
        path = store.export(args.name, args.file)
        sys.stderr.write(f"Exported '{args.name}' to {path}.\n")
    elif args.action == "delete":
        store.delete(args.name)
        sys.stderr.write(f"Deleted '{args.name}'.\n")
    return EXIT_OK


def _describe(store: Any, name: str) -> dict[str, Any]:
    """What ``styles show`` prints: everything about a style except its weights."""
    from .engine.fast.style_file import read_fast_style

    info = store.find(name)
    if info is not None:
        path, builtin = info.path, info.builtin
    else:
        path, builtin = _absolute(Path(name)), False
        if path.suffix.lower() != STYLE_SUFFIX and not _is_file(path):
            store.get(name)  # not a name and not a file: the store's "no such style" sentence
    style = read_fast_style(path)
    from .engine.fast.quality import Quality

    quality = Quality.from_dict(style.training.get("quality") or {})
    return {
        "name": style.name,
        "description": style.description,
        "builtin": builtin,
        "path": str(path),
        "network": style.kind,
        "paintings": style.training.get("paintings", []),
        "quality": quality.sentence() if quality is not None else "not measured",
        "training": dict(style.training),
    }
