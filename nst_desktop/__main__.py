"""``nst-desktop`` and ``python -m nst_desktop``: the window without a subcommand, the CLI with one."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

CLI_COMMANDS = frozenset({"stylize", "presets", "train", "styles", "-h", "--help", "--version"})
# The subcommands as a usage error names them, in the order --help lists them.
COMMAND_NAMES = ("stylize", "train", "styles", "presets")
EXIT_USAGE = 2


def unknown_command(arg: str) -> str:
    """The usage error for a first argument that is neither a command nor a file ("" when it
    may be a file): a mistyped ``trian`` must not open the window with "trian" as its photo.

    A file is something that exists, or a name that looks like one (an extension such as
    ``.jpg`` or a folder part): the window then says plainly what is wrong with it.
    """
    if not arg or arg.startswith("-") or os.sep in arg or "/" in arg or Path(arg).suffix:
        return ""
    try:
        os.lstat(arg)
    except (OSError, ValueError):
        import difflib

        close = difflib.get_close_matches(arg, COMMAND_NAMES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        shown = "".join(ch if ch.isprintable() else "?" for ch in arg[:80])
        return (
            f"nst-desktop: usage error: {shown!r} is neither a command nor a file{hint}; the commands "
            f"are {', '.join(COMMAND_NAMES[:-1])} and {COMMAND_NAMES[-1]} (see nst-desktop --help).\n"
        )
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything imports torch: its OpenMP runtime reads how idle threads wait only once,
    # when it loads (engine/threads.py says why they should sleep).
    from nst_desktop.engine.threads import prepare_process

    prepare_process()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in CLI_COMMANDS:
            from nst_desktop.cli import main as cli_main

            # Run as the program (no argv given): the CLI keeps the stop signals to the end.
            return cli_main(args, whole_process=argv is None)
        problem = unknown_command(args[0]) if args else ""
        if problem:
            with contextlib.suppress(Exception):  # a closed stderr: the status still says it
                sys.stderr.write(problem)
            return EXIT_USAGE
        from nst_desktop.gui.app import main as gui_main

        return gui_main(args)
    except KeyboardInterrupt:
        # Ctrl-C while the heavy modules are still importing: nothing has been written yet.
        sys.stderr.write("nst-desktop: interrupted; nothing was written.\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
