"""The engine must never pull in Qt: the CLI, tests and GUI share it, and napari-style layering
keeps it usable headless. Checked statically (import-linter) and at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_whole_engine_loads_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, nst_desktop.engine as e\n"
        "for m in pkgutil.iter_modules(e.__path__): importlib.import_module('nst_desktop.engine.' + m.name)\n"
        "import nst_desktop.cli\n"
        "qt = ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in qt]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_engine_package_import_is_cheap() -> None:
    # The GUI imports the engine's settings at start-up; torch must wait for the first run.
    code = "import sys, nst_desktop.engine, nst_desktop.engine.presets\nassert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_import_linter_contract() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is part of the test extras"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
