"""House rules that are cheap to check on every run: ruff everywhere, mypy --strict on the whole
package (engine, CLI and GUI; pyproject.toml's [tool.mypy] names what is checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_ruff_is_clean() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_passes_mypy_strict() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_print_in_the_engine() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "nst_desktop" / "engine").rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith("print(")
    ]
    assert not offenders
