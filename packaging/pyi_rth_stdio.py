"""PyInstaller runtime hook: give a windowed app somewhere to write.

A windowed Windows executable (nst-desktop.exe, built with console=False) starts with
``sys.stdout`` and ``sys.stderr`` set to ``None``; any ``sys.stderr.write`` (the app's Qt message
handler, a warning, a log line) would then raise. Point them at the null device instead.
"""

import os
import sys

if sys.stdout is None:
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
