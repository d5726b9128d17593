"""``nst-desktop`` and ``python -m nst_desktop``: the window without a subcommand, the CLI with one."""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_COMMANDS = frozenset({"stylize", "presets", "train", "styles", "-h", "--help", "--version"})


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything imports torch: its OpenMP runtime reads how idle threads wait only once,
    # when it loads (engine/threads.py says why they should sleep).
    from nst_desktop.engine.threads import prepare_process

    prepare_process()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in CLI_COMMANDS:
            from nst_desktop.cli import main as cli_main

            return cli_main(args)
        from nst_desktop.gui.app import main as gui_main

        return gui_main(args)
    except KeyboardInterrupt:
        # Ctrl-C while the heavy modules are still importing: nothing has been written yet.
        sys.stderr.write("nst-desktop: interrupted; nothing was written.\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
