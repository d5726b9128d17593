"""packaging/trim_bundle.py on a bundle laid out like PyInstaller's, with this interpreter's own
libpython and extension modules: stripping removes their debug info and leaves them loadable;
the check names every excluded Qt plugin, test folder or unstripped library that is present."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "trim_bundle.py"
_spec = importlib.util.spec_from_file_location("trim_bundle", SCRIPT)
assert _spec is not None and _spec.loader is not None
trim_bundle = importlib.util.module_from_spec(_spec)
sys.modules["trim_bundle"] = trim_bundle
_spec.loader.exec_module(trim_bundle)

pytestmark = pytest.mark.skipif(
    shutil.which("strip") is None or shutil.which("readelf") is None, reason="needs binutils"
)
import _json  # noqa: E402  (an extension module in lib-dynload on a shared-libpython build)

DYNLOAD = Path(getattr(_json, "__file__", "/nonexistent")).parent
LIBDIR = Path(str(sysconfig.get_config_var("LIBDIR")))


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


@pytest.fixture(params=["lib-dynload", "python3.11/lib-dynload"])
def bundle(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A bundle with real CPython libraries that carry debug info (skips where they do not), with
    lib-dynload in either place PyInstaller puts it."""
    content = tmp_path / "nst-desktop" / "_internal"
    dynload = content / str(request.param)
    dynload.mkdir(parents=True)
    libs = sorted(LIBDIR.glob("libpython3*.so.1.0"))
    modules = [DYNLOAD / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}" for name in ("_json", "_bisect")]
    if not libs or not all(m.is_file() for m in modules):
        pytest.skip("this Python has no shared libpython or lib-dynload modules")
    shutil.copy(libs[0], content / libs[0].name)
    for module in modules:
        shutil.copy(module, dynload / module.name)
    if not any(trim_bundle.has_debug_info(p) for p in trim_bundle.cpython_libraries(content)):
        pytest.skip("this Python's libraries carry no debug info to strip")
    (content / "PySide6" / "Qt" / "plugins" / "platforms").mkdir(parents=True)
    (content / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so").write_bytes(b"\x7fELF")
    (content / "PySide6" / "Qt" / "plugins" / "platforms" / "libqoffscreen.so").write_bytes(b"\x7fELF")
    (content / "torch" / "testing").mkdir(parents=True)
    (content / "torch" / "testing" / "_comparison.py").write_text("# kept\n")
    (content / "numpy" / "_core").mkdir(parents=True)
    return tmp_path / "nst-desktop"


def test_strip_removes_debug_info_and_the_modules_still_load(bundle: Path) -> None:
    content = bundle / "_internal"
    before = run("check", bundle)
    assert (
        before.returncode == 1
        and "still has debug info" in before.stderr
        and "Traceback" not in before.stderr
    )
    assert len(trim_bundle.cpython_libraries(content)) == 3  # libpython and both modules
    size = sum(p.stat().st_size for p in trim_bundle.cpython_libraries(content))
    result = run("strip", bundle)
    assert result.returncode == 0, result.stderr
    after = sum(p.stat().st_size for p in trim_bundle.cpython_libraries(content))
    assert after < size * 0.8, (size, after)
    assert not any(trim_bundle.has_debug_info(p) for p in trim_bundle.cpython_libraries(content))
    ok = run("check", bundle)
    assert ok.returncode == 0, ok.stderr
    # The stripped extension module still imports in a fresh interpreter.
    probe = (
        "import importlib.machinery as m, importlib.util as u, sys\n"
        "loader = m.ExtensionFileLoader('_json', sys.argv[1])\n"
        "spec = u.spec_from_file_location('_json', sys.argv[1], loader=loader)\n"
        "mod = u.module_from_spec(spec); loader.exec_module(mod)\n"
        "print(mod.encode_basestring_ascii('é'), mod.__file__)\n"
    )
    stripped = next(content.glob("**/lib-dynload/_json*.so"))
    loaded = subprocess.run([sys.executable, "-c", probe, str(stripped)], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ['"\\u00e9"', str(stripped)], loaded.stdout


def test_check_names_what_the_spec_excludes(bundle: Path) -> None:
    assert run("strip", bundle).returncode == 0
    content = bundle / "_internal"
    plugins = content / "PySide6" / "Qt" / "plugins"
    (plugins / "tls").mkdir()
    (plugins / "tls" / "libqopensslbackend.so").write_bytes(b"\x7fELF")
    (plugins / "generic").mkdir()
    (plugins / "generic" / "libqtuiotouchplugin.so").write_bytes(b"\x7fELF")
    (content / "torch" / "testing" / "_internal" / "data").mkdir(parents=True)
    (content / "numpy" / "_core" / "tests").mkdir(parents=True)
    (content / "PySide6" / "Qt" / "lib").mkdir(parents=True)
    (content / "PySide6" / "Qt" / "lib" / "libQt6Network.so.6").write_bytes(b"\x7fELF")
    (content / "PySide6" / "Qt" / "lib" / "libQt6Gui.so.6").write_bytes(b"\x7fELF")
    result = run("check", bundle)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for name in (
        "PySide6/Qt/plugins/tls/",
        "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
        "torch/testing/_internal/",
        "numpy/_core/tests/",
        "PySide6/Qt/lib/libQt6Network.so.6",
    ):
        assert name in result.stderr, name
    assert "torch/testing/_internal/data" not in result.stderr  # the folder is named once
    assert "libqxcb" not in result.stderr and "libqoffscreen" not in result.stderr
    assert "libQt6Gui" not in result.stderr
    assert "_comparison" not in result.stderr


def test_the_spec_drops_what_the_check_looks_for() -> None:
    constants = trim_bundle.spec_constants()
    assert {"networkinformation", "tls", "qmltooling"} <= set(constants["DROP_QT_PLUGIN_DIRS"])
    assert "libqtuiotouchplugin" in constants["DROP_QT_PLUGINS"]
    assert not any(
        p.startswith(("libqxcb", "libqoffscreen", "libqwayland")) for p in constants["DROP_QT_PLUGINS"]
    )
    import re

    pattern = re.compile(constants["TEST_DIR_PATTERN"])
    assert pattern.match("torch/testing/_internal/common_utils.py")
    assert pattern.match("numpy/_core/tests/test_api.py")
    assert not pattern.match("torch/testing/_comparison.py") and not pattern.match(
        "numpy/testing/__init__.py"
    )
    assert not pattern.match("torch/utils/data/dataset.py")


def test_a_missing_bundle_is_one_sentence(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nope")
    assert result.returncode == 2 and "is not a folder" in result.stderr and "Traceback" not in result.stderr


def test_a_bundle_whose_lib_dynload_is_nowhere_to_be_found_fails_the_check(bundle: Path) -> None:
    assert run("strip", bundle).returncode == 0
    for folder in trim_bundle.dynload_dirs(bundle / "_internal"):
        shutil.rmtree(folder)
    result = run("check", bundle)
    assert result.returncode == 1 and "no lib-dynload folder" in result.stderr
