"""The NSIS script compiles (Debian's makensis, a stub bundle) with a pre-release version: the
installer's VIProductVersion is the numeric X.Y.Z.0, which a version like 0.2.0rc1 made fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NSI = Path(__file__).resolve().parents[2] / "packaging" / "windows" / "nst-desktop.nsi"

pytestmark = pytest.mark.skipif(
    shutil.which("makensis") is None, reason="needs makensis (apt-get install nsis)"
)


def makensis(tmp_path: Path, *defines: str) -> subprocess.CompletedProcess[str]:
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "licenses").mkdir(parents=True, exist_ok=True)
    (bundle / "nst-desktop.exe").write_bytes(b"MZ stub")
    (bundle / "_internal" / "licenses" / "README.txt").write_text("stub\n")
    args = [
        "makensis",
        "-V2",
        f"-DBUNDLE_DIR={bundle}",
        f"-DOUTFILE={tmp_path / 'nst-setup.exe'}",
        "-DNO_VCRT_CHECK",
    ]
    return subprocess.run([*args, *defines, NSI.name], cwd=NSI.parent, capture_output=True, text=True)


def test_a_pre_release_version_compiles(tmp_path: Path) -> None:
    result = makensis(tmp_path, "-DVERSION=0.2.0rc1", "-DVERSION_NUMERIC=0.2.0.0")
    assert result.returncode == 0, result.stdout + result.stderr
    setup = tmp_path / "nst-setup.exe"
    assert setup.stat().st_size > 50_000 and setup.read_bytes()[:2] == b"MZ"
    assert "0.2.0rc1".encode("utf-16-le") in setup.read_bytes()  # ProductVersion keeps the full string


def test_a_version_without_its_numeric_form_is_refused_by_name(tmp_path: Path) -> None:
    result = makensis(tmp_path, "-DVERSION=0.2.0rc1")
    assert result.returncode != 0
    assert "VERSION_NUMERIC" in result.stdout + result.stderr
