"""``nst-desktop stylize``, ``presets``, ``train`` and ``styles``: the engine for scripts and batch work.

Exit status: 0 done; 2 bad input or usage (one line on stderr, no traceback, no output file);
130 interrupted (Ctrl-C stops the run through the engine's cancel token, so nothing half
written is left behind). ``train`` and ``styles`` live in :mod:`.cli_styles`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TextIO

from . import __version__
from .engine.errors import Cancelled, EngineError, SettingsError
from .engine.settings import Settings
from .engine.types import Progress

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line mistake; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nst-desktop", description="Neural style transfer on the original VGG19.")
    parser.add_argument("--version", action="version", version=f"nst-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    st = sub.add_parser("stylize", help="paint a photo in the manner of one or more style images")
    st.add_argument("content", type=Path, help="the photo")
    st.add_argument("--style", action="append", metavar="PATH[:WEIGHT]", help="a style image, repeatable")
    st.add_argument(
        "--fast-style",
        metavar="NAME|FILE",
        help="paint in one pass with a trained fast style (a .nststyle file or a name from 'styles list')",
    )
    st.add_argument(
        "--instant", action="store_true", help="paint in one pass with the instant network (any painting)"
    )
    st.add_argument("--strength", type=float, help="fast and instant: how much of the style, 0..1")
    st.add_argument("-o", "--output", type=Path, required=True, help="result file (.png, .jpg or .tif)")
    st.add_argument("--preset", metavar="NAME|FILE", help="start from a preset (by name or a .json file)")
    st.add_argument("--size", type=int, help="long side of the output in pixels")
    st.add_argument("--steps", type=int, help="optimisation steps over all levels")
    st.add_argument("--seed", type=int, help="seed for a reproducible result")
    st.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    st.add_argument("--keep-colors", choices=["none", "luminance", "histogram"])
    st.add_argument("--style-strength", type=float, help="0 none .. 1 balanced .. 10 very bold")
    st.add_argument("--keep-content", type=float, help="0 ignore the photo .. 1 balanced .. 10 very close")
    st.add_argument("--smoothness", type=float, help="0 none .. 1 light .. 10 very smooth")
    st.add_argument("--brush-scale", type=float, help="size of the strokes (1 = the style image's own)")
    st.add_argument("--optimizer", choices=["lbfgs", "adam"])
    st.add_argument(
        "--init",
        choices=["content", "noise", "style_colors", "instant"],
        help="where the optimiser starts (instant: refine the instant picture)",
    )
    st.add_argument("--pooling", choices=["max", "avg"])
    st.add_argument("--levels", type=int, help="coarse-to-fine levels (0 = automatic)")
    st.add_argument("--weights", choices=["original", "torchvision"], help="which VGG19 paints")
    st.add_argument(
        "--download", action="store_true", help="download the chosen weights if not on this computer yet"
    )
    st.add_argument("--json", action="store_true", help="print a JSON summary on stdout when done")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    pr = sub.add_parser("presets", help="list, show, export or import presets")
    psub = pr.add_subparsers(dest="action", required=True, parser_class=_Parser)
    psub.add_parser("list", help="list the presets")
    show = psub.add_parser("show", help="print a preset's settings as JSON")
    show.add_argument("name")
    exp = psub.add_parser("export", help="write a preset to a file")
    exp.add_argument("name")
    exp.add_argument("file", type=Path)
    imp = psub.add_parser("import", help="add a preset from a file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="name to give it (default: the name in the file)")
    imp.add_argument("--overwrite", action="store_true", help="replace a preset of the same name")

    from .cli_styles import add_styles_parser, add_train_parser

    add_train_parser(sub)
    add_styles_parser(sub)
    return parser


# Flags that override a preset when given; each is named after its Settings field.
_OVERRIDES = (
    "size",
    "steps",
    "seed",
    "device",
    "keep_colors",
    "style_strength",
    "keep_content",
    "smoothness",
    "brush_scale",
    "optimizer",
    "init",
    "pooling",
    "levels",
    "weights",
    "strength",
)


def parse_style(spec: str) -> tuple[Path, float]:
    """``PATH[:WEIGHT]``; a colon not followed by a number is part of the path (``C:\\x.jpg``)."""
    head, sep, tail = spec.rpartition(":")
    if sep and head:
        try:
            weight = float(tail)
        except ValueError:
            return Path(spec), 1.0
        if not math.isfinite(weight) or weight < 0:
            raise UsageError(f"the style weight in {spec!r} must be a number of zero or more")
        return Path(head), weight
    return Path(spec), 1.0


def resolve_settings(args: argparse.Namespace) -> Settings:
    """The preset (if any), then the flags; the method follows --fast-style / --instant only."""
    settings = Settings()
    if args.preset:
        from .engine.presets import PresetStore, read_preset_file

        candidate = Path(args.preset)
        if candidate.suffix.lower() == ".json" or candidate.is_file():
            settings = read_preset_file(candidate).settings
        else:
            settings = PresetStore().get(args.preset).settings
    changes = {name: getattr(args, name) for name in _OVERRIDES if getattr(args, name) is not None}
    if args.fast_style is not None:
        changes.update(method="fast", fast_style=_fast_style_reference(args.fast_style))
    else:
        changes.update(method="instant" if args.instant else "optimise", fast_style="")
    return settings.replace(**changes)


def _fast_style_reference(text: str) -> str:
    """A name stays a name; a file becomes an absolute path, so the result's metadata still
    finds it when the picture is reopened from another folder."""
    candidate = Path(text)
    if candidate.suffix.lower() == ".nststyle" or candidate.is_file():
        return str(candidate.resolve())
    return text


def _check_method_flags(args: argparse.Namespace) -> None:
    if args.fast_style is not None and (args.style or args.instant):
        raise UsageError("--fast-style paints without paintings; leave out --style and --instant")
    if args.fast_style is None and not args.style:
        raise UsageError("the following arguments are required: --style (or --fast-style)")


class ProgressBar:
    """A one-line bar on a terminal; occasional plain lines when stderr is a file or a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_line = -1.0
        self.last_step = -1

    def __call__(self, p: Progress) -> None:
        if p.stage not in ("painting", "training"):
            if self.tty:
                self.stream.write(f"\r{p.stage}...".ljust(79))
                self.stream.flush()
            return
        eta = "" if p.eta is None else f" ETA {_duration(p.eta)}"
        if p.stage == "training":
            losses = " ".join(f"{k} {v:.3g}" for k, v in p.losses.items() if k != "total")
            where = f"{losses}  " if losses else ""
            text = f"step {p.step}/{p.total}  {where}{_duration(p.elapsed)}{eta}"
        else:
            level = f"level {p.level}/{p.levels} " if p.levels > 1 else ""
            text = f"{level}{p.size[0]}x{p.size[1]}  step {p.step}/{p.total}  {_duration(p.elapsed)}{eta}"
        if self.tty:
            width = 24
            filled = round(width * p.fraction)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}".ljust(79))
            self.stream.flush()
        elif p.elapsed - self.last_line >= 5.0 or (p.step == p.total and self.last_step != p.step):
            self.stream.write(text + "\n")
            self.last_line = p.elapsed
        self.last_step = p.step

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _download_progress() -> Callable[[int, int | None], None]:
    """A one-line counter on a terminal; a line per tenth when stderr is a file or a pipe."""
    tty = sys.stderr.isatty()
    shown = [-1]

    def report(done: int, total: int | None) -> None:
        mb = f"{done / 1e6:.0f}" + (f"/{total / 1e6:.0f} MB" if total else " MB")
        tenth = done * 10 // total if total else done // 50_000_000
        if tty:
            sys.stderr.write(f"\rDownloading weights: {mb}".ljust(40) + ("\n" if done == total else ""))
        elif tenth != shown[0]:
            sys.stderr.write(f"Downloading weights: {mb}\n")
        sys.stderr.flush()
        shown[0] = tenth

    return report


def cmd_stylize(args: argparse.Namespace) -> int:
    from .engine.pipeline import ImageInput, Job, check_output, run_job

    _check_method_flags(args)
    settings = resolve_settings(args)
    check_output(args.output)
    style_specs = [parse_style(s) for s in args.style or ()]
    job = Job(
        content=ImageInput(args.content.name, path=args.content),
        styles=tuple(ImageInput(p.name, path=p, weight=w) for p, w in style_specs),
        settings=settings,
        output_path=args.output,
        allow_download=args.download,
    )
    bar = None if args.quiet else ProgressBar(sys.stderr)
    on_download = None if args.quiet else _download_progress()
    with ctrl_c_cancels() as cancel:
        try:
            result = run_job(job, on_progress=bar, cancel=cancel, on_download=on_download)
        finally:
            if bar is not None:
                bar.close()
    written = args.output
    if args.json:
        summary: dict[str, Any] = {
            "output": str(written),
            "method": result.settings.method,
            "seconds": round(result.seconds, 3),
            "size": list(result.size),
            "steps": result.steps,
            "device": result.device,
            "seed": result.settings.seed,
            "losses": {k: round(v, 6) for k, v in result.losses.items()},
            "settings": result.settings.to_dict(),
        }
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        sys.stderr.write(f"Saved {written} ({result.size[0]}x{result.size[1]}, {result.seconds:.1f} s).\n")
    return EXIT_OK


@contextlib.contextmanager
def ctrl_c_cancels() -> Iterator[threading.Event]:
    """A cancel token that the first Ctrl-C sets (the engine then stops cleanly, writing nothing);
    a second Ctrl-C falls back to Python's KeyboardInterrupt."""
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        cancel.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    # Leave an ignored SIGINT alone (a background job in a script should not stop on Ctrl-C).
    if previous is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_presets(args: argparse.Namespace) -> int:
    from .engine.presets import PresetStore

    store = PresetStore()
    if args.action == "list":
        presets = store.list()
        width = max((len(p.name) for p in presets), default=0)
        for p in presets:
            kind = "built-in" if p.builtin else ("customised" if p.customised else "yours")
            sys.stdout.write(f"{p.name.ljust(width)}  {kind:<10}  {p.description}\n")
        for problem in store.problems:
            sys.stderr.write(f"warning: {problem.message}\n")
    elif args.action == "show":
        sys.stdout.write(store.get(args.name).settings.to_json() + "\n")
    elif args.action == "export":
        path = store.export(args.name, args.file)
        sys.stderr.write(f"Exported '{args.name}' to {path}.\n")
    elif args.action == "import":
        preset = store.import_file(args.file, name=args.name, overwrite=args.overwrite)
        sys.stderr.write(f"Imported '{preset.name}'.\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="nst-desktop: %(message)s")
    # The CLI reports broken preset files itself (`presets list` as warnings, otherwise as its one
    # error line); the store's own warnings would repeat them and break the one-line rule.
    presets_log = logging.getLogger("nst_desktop.engine.presets")
    presets_level = presets_log.level
    presets_log.setLevel(logging.ERROR)
    try:
        args = build_parser().parse_args(argv)
        if args.command == "stylize":
            return cmd_stylize(args)
        if args.command in ("train", "styles"):
            from . import cli_styles

            return cli_styles.cmd_train(args) if args.command == "train" else cli_styles.cmd_styles(args)
        return cmd_presets(args)
    except UsageError as exc:
        sys.stderr.write(f"nst-desktop: usage error: {exc} (see nst-desktop {_help_for(argv)}--help)\n")
        return EXIT_BAD_INPUT
    except (EngineError, SettingsError) as exc:
        sys.stderr.write(f"nst-desktop: {exc}\n")
        return EXIT_BAD_INPUT
    except (Cancelled, KeyboardInterrupt):
        sys.stderr.write("nst-desktop: interrupted; nothing was written.\n")
        return EXIT_INTERRUPTED
    finally:
        presets_log.setLevel(presets_level)


def _help_for(argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return f"{args[0]} " if args and args[0] in ("stylize", "presets", "train", "styles") else ""
