"""``nst-desktop stylize``, ``presets``, ``train`` and ``styles``: the engine for scripts and batch work.

Exit status: 0 done; 1 internal error (a bug: one line on stderr, the traceback goes to
``logs/cli-errors.log`` in the per-user data folder, or to stderr with ``NST_DESKTOP_DEBUG=1``);
2 bad input or usage, including a path that cannot be examined, a standard output closed
early and too little memory (one line on stderr, no traceback, no output file); 130, 143 or
129 interrupted by Ctrl-C (SIGINT), SIGTERM or SIGHUP: each stops the run through the
engine's cancel token, so nothing half written is left behind, and the message says so truly
(if the result was already complete when the signal came, it says it was saved). Once the
work is done, a stop signal no longer stops anything: it is noted and the command ends as it
would have (a "Saved" line is never followed by "nothing was written"), and in a real process
that stays so through the interpreter's teardown, where a KeyboardInterrupt would print a
library's traceback; a second signal then ends the process at once (everything is written).
``train`` and ``styles`` live in :mod:`.cli_styles`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import errno
import io
import json
import logging
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from . import __version__
from .engine.errors import Cancelled, EngineError, SettingsError
from .engine.settings import SPECS, Settings
from .engine.text import os_reason, show_path
from .engine.types import Progress

if TYPE_CHECKING:
    from .cli_regions import FastStyleSpec

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
"""128 + the signal: 130 for Ctrl-C (SIGINT); SIGTERM gives 143 and SIGHUP 129."""

# The stop signals received by this process, first one first (read by interrupt_status()).
_received_signals: list[int] = []


def interrupt_status() -> int:
    """The exit status for an interrupted command: 128 + the first stop signal received."""
    return 128 + _received_signals[0] if _received_signals else EXIT_INTERRUPTED


class Interrupted(Exception):
    """A stop signal arrived; the message says truly what was (or was not) written."""


class StdoutClosed(Exception):
    """Whoever read standard output went away (``... | head -c 1``); exit status 2."""


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
    st.add_argument(
        "--style",
        action="append",
        metavar="PATH[:WEIGHT][@MASK]",
        help="a style image, repeatable; @MASK paints it only where the mask (a greyscale picture "
        "of the photo's shape) is white, and paintings without a mask share the rest",
    )
    st.add_argument(
        "--keep", type=Path, metavar="MASK", help="keep the photo where this mask is white (every method)"
    )
    st.add_argument(
        "--fast-style",
        action="append",
        metavar="NAME|FILE[@MASK]",
        help="paint in one pass with a trained fast style (a .nststyle file or a name from 'styles list'); "
        "repeatable: each later one with @MASK paints where its mask is white, the first paints the rest",
    )
    st.add_argument(
        "--instant", action="store_true", help="paint in one pass with the instant network (any painting)"
    )
    st.add_argument("-o", "--output", type=Path, required=True, help="result file (.png, .jpg or .tif)")
    st.add_argument(
        "--preset",
        metavar="NAME|FILE",
        help="paint with a preset's look (by name or a .json file); like in the window, its output "
        "size, seed, device and network are not used: give those as flags",
    )
    add_setting_flags(st)
    st.add_argument(
        "--dpi",
        type=float,
        default=300.0,
        help="print resolution recorded in the saved file, in dots per inch (default 300: "
        "a 4961x3508 px picture prints as A3)",
    )
    st.add_argument(
        "--download", action="store_true", help="download the chosen weights if not on this computer yet"
    )
    st.add_argument("--json", action="store_true", help="print a JSON summary on stdout when done")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    pr = sub.add_parser("presets", help="list, show, export, import or delete presets")
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
    imp.add_argument(
        "--overwrite", action="store_true", help="replace a preset of the same name (a built-in too)"
    )
    dele = psub.add_parser("delete", help="delete one of your presets (or your change to a built-in)")
    dele.add_argument("name")

    from .cli_styles import add_styles_parser, add_train_parser

    add_train_parser(sub)
    add_styles_parser(sub)
    return parser


def setting_flags() -> tuple[str, ...]:
    """The Settings fields that ``stylize`` has a flag for (``--keep-colors`` for
    ``keep_colors``): every field whose spec asks for one."""
    return tuple(name for name, field_spec in SPECS.items() if field_spec.flag)


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per setting, built from its spec so that the choices and the help are the ones
    the checks and the window use. Ranges are left to Settings, whose message names the
    setting and its range; the help shows the range too."""
    for name in setting_flags():
        field_spec = SPECS[name]
        help_text = field_spec.help
        if field_spec.range_text():
            help_text += f" ({field_spec.range_text()})"
        options: dict[str, Any] = {"help": help_text.replace("%", "%%")}
        if field_spec.type == "choice":
            options["choices"] = list(field_spec.values)
        elif field_spec.type == "whole":
            options["type"] = whole_or_auto if field_spec.auto_zero else int
            if field_spec.auto_zero:
                options["metavar"] = "N|auto"
        elif field_spec.type == "number":
            options["type"] = float
        parser.add_argument("--" + name.replace("_", "-"), **options)


def whole_or_auto(text: str) -> int:
    """A whole number, or ``auto`` for 0 (a setting whose 0 means "choose for me")."""
    if text.strip().lower() == "auto":
        return 0
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, not {text!r}") from None


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
    """The preset's look (if any) on the defaults, then the flags; the method follows
    --fast-style / --instant only.

    Only the look is taken from a preset, as in the window: a preset saved at 256 px or for a
    GPU must not shrink this run or move it to another device behind the flags' back.
    """
    settings = Settings()
    if args.preset is not None:
        from .engine.presets import PresetStore, read_preset_file

        candidate = Path(args.preset)
        if candidate.suffix.lower() == ".json" or _exists(candidate):
            preset = read_preset_file(candidate)
        else:
            preset = PresetStore().get(args.preset)
        settings = preset.apply_to(settings)
    changes = {name: getattr(args, name) for name in setting_flags() if getattr(args, name) is not None}
    if args.fast_style is not None:
        changes.update(method="fast", fast_style=_fast_style_reference(fast_style_specs(args)[0].name))
    else:
        changes.update(method="instant" if args.instant else "optimise", fast_style="")
    return settings.replace(**changes)


def fast_style_specs(args: argparse.Namespace) -> list[FastStyleSpec]:
    """The ``--fast-style`` flags read as ``NAME[@MASK]``; the first may not have a mask."""
    from .cli_regions import parse_fast_style_spec

    specs = [parse_fast_style_spec(s) for s in args.fast_style or ()]
    if specs and specs[0].mask is not None:
        raise UsageError(
            "the first --fast-style paints wherever the others' masks do not, so it takes no @MASK; "
            "give masks to the fast styles after it"
        )
    return specs


def _fast_style_reference(text: str) -> str:
    """A name stays a name; a file becomes an absolute path, so the result's metadata still
    finds it when the picture is reopened from another folder."""
    candidate = Path(text)
    if candidate.suffix.lower() == ".nststyle" or _exists(candidate):
        try:
            return str(candidate.resolve())
        except (OSError, RuntimeError):  # a deleted current folder, a link to itself (Python < 3.13
            return text  # says RuntimeError): the file is reported when it is read
    return text


def _exists(path: Path) -> bool:
    """Whether something is at ``path``; False when it cannot even be examined (a folder the
    user may not enter, a name too long), which the reader of the file then reports plainly."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def _check_method_flags(args: argparse.Namespace) -> None:
    if args.fast_style is not None and (args.style or args.instant):
        raise UsageError("--fast-style paints without paintings; leave out --style and --instant")
    if args.fast_style is None and not args.style:
        raise UsageError("the following arguments are required: --style (or --fast-style)")


#: Seconds without a progress line after which the bar says it is still working: on a terminal
#: the line is rewritten in place, so it may come often; a log or a pipe keeps every line, so it
#: gets one a minute (enough to tell a slow run from a hung one without filling the log).
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_SECONDS_LOG = 60.0


class ProgressBar:
    """A one-line bar on a terminal; occasional plain lines when stderr is a file or a pipe.

    A stage can run long without a report (reading a 100-megapixel photo, a fast style's
    statistics pass over a large picture): a heartbeat thread then writes a "still working"
    line once ``heartbeat`` seconds have passed without any (an 8192 px run printed nothing
    for five minutes), so a log or a watching script can tell a slow run from a hung one.
    """

    def __init__(self, stream: TextIO, heartbeat: float | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        if heartbeat is None:
            heartbeat = HEARTBEAT_SECONDS if self.tty else HEARTBEAT_SECONDS_LOG
        self.last_line = -1.0
        self.last_step = -1
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_write = self._started
        self._stage = "starting"
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        if heartbeat > 0:
            self._beat = threading.Thread(
                target=self._heartbeat, args=(heartbeat,), name="nst-progress-heartbeat", daemon=True
            )
            self._beat.start()

    def __call__(self, p: Progress) -> None:
        with self._lock:
            self._stage = p.stage
            self._report(p)

    def _report(self, p: Progress) -> None:
        counted = p.stage == "preparing" and p.tiles > 0  # a print's pass over the whole picture
        if p.stage not in ("painting", "training") and not counted:
            if self.tty:
                self._write(f"\r{p.stage}...".ljust(79))
            return
        eta = "" if p.eta is None else f" ETA {_duration(p.eta)}"
        if p.stage == "training":
            losses = " ".join(f"{k} {v:.3g}" for k, v in p.losses.items() if k != "total")
            where = f"{losses}  " if losses else ""
            text = f"step {p.step}/{p.total}  {where}{_duration(p.elapsed)}{eta}"
        else:
            level = f"level {p.level}/{p.levels} " if p.levels > 1 else ""
            # A level painted in tiles advances its steps a sweep at a time; the tile shows the motion.
            tile = f"  tile {p.tile}/{p.tiles}" if p.tiles else ""
            if counted:
                tile = f"  statistics {p.tile}/{p.tiles}"
            where = f"{level}{p.size[0]}x{p.size[1]}  step {p.step}/{p.total}{tile}"
            text = f"{where}  {_duration(p.elapsed)}{eta}"
        if self.tty:
            width = 24
            filled = round(width * p.fraction)
            self._write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}".ljust(79))
        elif p.elapsed - self.last_line >= 5.0 or (p.step == p.total and self.last_step != p.step):
            self._write(text + "\n")
            self.last_line = p.elapsed
        self.last_step = p.step

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        self._last_write = time.monotonic()

    def _heartbeat(self, every: float) -> None:
        while not self._stop.wait(min(1.0, every)):
            with self._lock:
                now = time.monotonic()
                if self._stop.is_set() or now - self._last_write < every:
                    continue
                line = f"{self._stage}: still working, {_duration(now - self._started)}"
                with contextlib.suppress(Exception):  # a closed stderr drops it, as every line
                    self._write(f"\r{line}".ljust(79) if self.tty else line + "\n")

    def close(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=2.0)
        with self._lock:
            if self.tty:
                self._write("\n")


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
    from .engine.images import MAX_DPI
    from .engine.pipeline import ImageInput, Job, check_output, job_inputs, run_job

    _check_method_flags(args)
    if not math.isfinite(args.dpi) or not 1.0 <= args.dpi <= MAX_DPI:
        raise UsageError(f"--dpi must be between 1 and {MAX_DPI:g}, not {args.dpi:g}")
    settings = resolve_settings(args)
    from .cli_regions import parse_style_spec

    style_specs = [parse_style_spec(s) for s in args.style or ()]
    job = Job(
        content=ImageInput(args.content.name, path=args.content),
        styles=tuple(spec.image_input() for spec in style_specs),
        settings=settings,
        output_path=args.output,
        allow_download=args.download,
        dpi=args.dpi,
        keep=None if args.keep is None else ImageInput(args.keep.name, path=args.keep),
        fast_regions=tuple(
            ImageInput(_fast_style_reference(spec.name), mask=ImageInput(spec.mask.name, path=spec.mask))
            if spec.mask is not None
            else ImageInput(_fast_style_reference(spec.name))
            for spec in fast_style_specs(args)[1:]
        ),
        # The terminal shows no picture: a preview would convert the whole canvas after every
        # tile (0.4 s of CPU each at 4096 px) for nothing.
        preview_interval=math.inf,
    )
    check_output(args.output, inputs=job_inputs(job))
    bar = None if args.quiet else ProgressBar(sys.stderr)
    on_download = None if args.quiet else _download_progress()
    before = file_identity(args.output)
    with ctrl_c_cancels() as cancel:
        try:
            result = run_job(job, on_progress=bar, cancel=cancel, on_download=on_download)
        except (Cancelled, KeyboardInterrupt):
            now = file_identity(args.output)
            if now is not None and now != before:
                # Stopped during the final rename: the complete result is there, so say so.
                raise Interrupted(
                    f"interrupted, but the result had already been saved to {_shown(args.output)}."
                ) from None
            raise
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
            "precision": result.precision,
            "threads": result.threads,
            "losses": {k: round(v, 6) for k, v in result.losses.items()},
            "settings": result.settings.to_dict(),
        }
        try:
            sys.stdout.write(json.dumps(summary) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
            raise StdoutClosed(
                f"the result was saved to {_shown(written)}, but standard output was closed "
                "before its summary was written."
            ) from None
    else:
        sys.stderr.write(f"Saved {written} ({result.size[0]}x{result.size[1]}, {result.seconds:.1f} s).\n")
    return EXIT_OK


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """Device, inode, size and modification time of ``path``, or None: tells whether a file
    was (re)written meanwhile."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _set_stop_handlers(handler: Callable[[int, FrameType | None], Any]) -> dict[int, Any]:
    """Install ``handler`` for every stop signal that is not ignored; the handlers it replaced.

    A signal that is ignored (a background job in a script, ``nohup``) stays ignored.
    """
    previous: dict[int, Any] = {}
    for signum in _STOP_SIGNALS:
        try:
            current = signal.getsignal(signum)
            if current is not signal.SIG_IGN:
                previous[signum] = current
                signal.signal(signum, handler)
        except (OSError, ValueError):  # not the main thread, or not settable here
            continue
    return previous


def _restore_stop_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _after_the_work(signum: int, frame: FrameType | None) -> None:
    """A stop signal once the work is done (written, or failed and reported): noted, nothing
    raised, so no "nothing was written" after "Saved" and no traceback from a library's
    teardown; a second one ends the process at once, its files long written."""
    _received_signals.append(signum)
    if len(_late_signals) >= 1:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(128 + signum)
    _late_signals.append(signum)


# Stop signals that came after the work was done (see _after_the_work).
_late_signals: list[int] = []


@contextlib.contextmanager
def ctrl_c_cancels() -> Iterator[threading.Event]:
    """A cancel token that the first Ctrl-C, SIGTERM or SIGHUP sets (the engine then stops
    cleanly, writing nothing); a second one falls back to Python's KeyboardInterrupt, whose
    handlers still remove temporary files. The signal is remembered for the exit status.

    When the block ends the work is done, so the signals are not handed back to Python's
    KeyboardInterrupt: :func:`_after_the_work` takes them until :func:`main` returns (and, in
    a real process, until it exits).
    """
    cancel = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        _received_signals.append(signum)
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = _set_stop_handlers(on_signal)
    try:
        yield cancel
    finally:
        _restore_stop_handlers({signum: _after_the_work for signum in previous})


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
        sys.stderr.write(f"Imported '{_shown(preset.name)}'.\n")
    elif args.action == "delete":
        restored = store.delete(args.name)
        what = "your change to the built-in" if restored else "the preset"
        sys.stderr.write(f"Deleted {what} '{_shown(args.name.strip())}'.\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, whole_process: bool = False) -> int:
    """Run one command; whatever happens, the user sees at most one line of explanation.

    Warnings are held until the command succeeds, so a failing command prints exactly its one
    error line; anything unexpected is an internal error (exit 1) with the traceback in a log.
    The stop signals' handlers are given back when it returns, unless ``whole_process`` (the
    ``nst-desktop`` program, which exits next): then a signal during the interpreter's
    teardown is only noted, instead of a KeyboardInterrupt traceback from torch's clean-up.
    """
    host_handlers = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    del _late_signals[:]
    saved_streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _usable_streams()
    logging.basicConfig(level=logging.WARNING, format="nst-desktop: %(message)s")
    held = _HeldWarnings()
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    root.handlers = [held]
    # The CLI reports broken preset files itself (`presets list` as warnings, otherwise as its one
    # error line); the store's own warnings would repeat them and break the one-line rule.
    presets_log = logging.getLogger("nst_desktop.engine.presets")
    presets_level = presets_log.level
    presets_log.setLevel(logging.ERROR)
    del _received_signals[:]
    status = EXIT_INTERNAL
    try:
        status = _run(argv)
        sys.stdout.flush()
    except UsageError as exc:
        status = _fail(f"usage error: {exc} (see nst-desktop {_help_for(argv)}--help)", EXIT_BAD_INPUT)
    except (EngineError, SettingsError) as exc:
        status = _fail(str(exc), EXIT_BAD_INPUT)
    except Interrupted as exc:
        status = _fail(str(exc), interrupt_status())
    except (Cancelled, KeyboardInterrupt):
        status = _fail("interrupted; nothing was written.", interrupt_status())
    except StdoutClosed as exc:
        status = _fail(str(exc), EXIT_BAD_INPUT)
    except BrokenPipeError:
        _silence_stdout()
        status = _fail("standard output was closed before everything was written to it.", EXIT_BAD_INPUT)
    except MemoryError:
        status = _fail("there is not enough memory to run this command.", EXIT_BAD_INPUT)
    except ImportError as exc:  # torch and friends load lazily; a memory limit breaks them here
        status = _fail(_import_error_sentence(exc), EXIT_BAD_INPUT)
    except OSError as exc:
        status = _fail(_os_error_sentence(exc), EXIT_BAD_INPUT)
    except Exception as exc:
        status = _fail(_internal_error(exc), EXIT_INTERNAL)
    finally:
        presets_log.setLevel(presets_level)
        root.handlers = saved_handlers
        if status == EXIT_OK:
            held.replay(saved_handlers)
        sys.stdout, sys.stderr = saved_streams
        if whole_process:
            _set_stop_handlers(_after_the_work)
        else:
            _restore_stop_handlers(host_handlers)
    return status


class _DroppingStream(io.TextIOBase):
    """Standard error as the CLI writes to it: once it is closed (``2>&-``, a reader that went
    away) the text is dropped, so a progress line or a "Saved" never turns finished work into a
    failure; the exit status still tells."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._stream = None
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._stream = None

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False


class _ClosedStdout(io.TextIOBase):
    """Standard output that was closed before the program started (``>&-``): writing to it
    is the documented "closed standard output" (exit 2), not an internal error."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "standard output is closed")

    def flush(self) -> None:
        pass


def _usable_streams() -> tuple[TextIO, TextIO]:
    """``sys.stdout`` and a forgiving ``sys.stderr`` for the command, whatever was closed.

    A closed descriptor 1 or 2 is first taken by the null device: otherwise the next file
    opened (the result being saved) would get its number, and whatever a library writes to
    standard error would land inside the picture.
    """
    for fd in (1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_WRONLY)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)
    stdout = sys.stdout if sys.stdout is not None else cast(TextIO, _ClosedStdout())
    return stdout, cast(TextIO, _DroppingStream(sys.stderr))


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "stylize":
        return cmd_stylize(args)
    if args.command in ("train", "styles"):
        from . import cli_styles

        return cli_styles.cmd_train(args) if args.command == "train" else cli_styles.cmd_styles(args)
    return cmd_presets(args)


class _HeldWarnings(logging.Handler):
    """Keeps the run's warnings until it is known whether the command succeeded."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < 100:
            self.records.append(record)

    def replay(self, handlers: list[logging.Handler]) -> None:
        for record in self.records:
            for handler in handlers:
                if record.levelno >= handler.level:
                    with contextlib.suppress(Exception):
                        handler.handle(record)


def one_line(text: str, limit: int = 1000) -> str:
    """``text`` as one line: whitespace runs (torch's multi-line errors) folded to a space,
    remaining control characters (from a path, say) escaped as ``\\xNN``, the length capped."""
    folded = " ".join(text.split())
    clean = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in folded)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _shown(value: object) -> str:
    return one_line(str(value), 200)


def _fail(message: str, status: int) -> int:
    """Write the one error line; a closed stderr must not turn it into a traceback."""
    with contextlib.suppress(Exception):
        sys.stderr.write(f"nst-desktop: {one_line(message)}\n")
        sys.stderr.flush()
    return status


def _silence_stdout() -> None:
    """Point a stdout whose reader went away at the null device, so that Python's own flush
    at exit does not print a second complaint."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _os_error_sentence(exc: OSError) -> str:
    """A plain sentence for a file-system failure the engine did not word itself."""
    where = f" ({show_path(os.fsdecode(exc.filename))})" if isinstance(exc.filename, (str, bytes)) else ""
    reason = os_reason(exc)
    if exc.errno == errno.ENOENT and not exc.filename:
        return "the current folder no longer exists; change to another folder and try again."
    return f"a file could not be used{where}: {reason}."


def _import_error_sentence(exc: ImportError) -> str:
    detail = one_line(str(exc), 200)
    if any(hint in detail.lower() for hint in ("failed to map segment", "cannot allocate memory", "memory")):
        return f"there is not enough memory to load PyTorch ({detail})."
    return f"a library nst-desktop needs could not be loaded ({detail}); reinstalling may help."


def _internal_error(exc: BaseException) -> str:
    """Log the traceback (a file, or stderr under NST_DESKTOP_DEBUG=1); name the problem."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    summary = f"internal error ({type(exc).__name__}: {one_line(str(exc), 200)})"
    if os.environ.get("NST_DESKTOP_DEBUG", "") not in ("", "0"):
        with contextlib.suppress(Exception):
            sys.stderr.write(text)
        return summary
    try:
        from .engine.paths import user_data_dir

        folder = user_data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        log_file = folder / "cli-errors.log"
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        with open(log_file, "a", encoding="utf-8", errors="replace") as f:
            f.write(f"--- {stamp} nst-desktop {__version__}\n{text}")
    except Exception:
        return f"{summary}; run again with NST_DESKTOP_DEBUG=1 to see the details."
    return f"{summary}; the details are in {log_file}."


def _help_for(argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return f"{args[0]} " if args and args[0] in ("stylize", "presets", "train", "styles") else ""
