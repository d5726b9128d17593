"""packaging/check_runtime.py: the build's refusal of a CPython older than the pinned one.

Debian versions are compared as dpkg compares them (the cases are dpkg's own rules: epochs, '~'
before anything, numeric runs, revisions); an interpreter is judged by its upstream version and
the Debian revision stamped into it; a bundle by the stamp in its libpython; and the command
line answers a stale interpreter (this test's own, which carries no stamp) with one sentence and
exit status 1."""

from __future__ import annotations

import importlib.util
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "check_runtime.py"
PIN = ROOT / "packaging" / "linux" / "cpython-source.env"
_spec = importlib.util.spec_from_file_location("check_runtime", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_runtime = importlib.util.module_from_spec(_spec)
sys.modules["check_runtime"] = check_runtime
_spec.loader.exec_module(check_runtime)

PINNED = {"PY_MIN_UPSTREAM": "3.11.2", "PY_MIN_DEBIAN": "3.11.2-6+deb12u8"}


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("3.11.2-6+deb12u8", "3.11.2-6+deb12u8", 0),
        ("3.11.2-6+deb12u9", "3.11.2-6+deb12u8", 1),
        ("3.11.2-6+deb12u10", "3.11.2-6+deb12u9", 1),  # numeric, not text, order
        ("3.11.2-6", "3.11.2-6+deb12u1", -1),
        ("3.11.2-6+deb12u8", "3.11.2-7", -1),
        ("3.11.10", "3.11.9", 1),
        ("3.11.2~rc1", "3.11.2", -1),  # '~' sorts before the end
        ("1:3.9", "3.11.2", 1),  # the epoch wins
        ("3.11.02", "3.11.2", 0),  # leading zeros do not count
        ("3.11.2a", "3.11.2+", -1),  # letters before other characters
    ],
)
def test_debian_versions_compare_as_dpkg_does(a: str, b: str, expected: int) -> None:
    assert check_runtime.compare_debian_versions(a, b) == expected
    assert check_runtime.compare_debian_versions(b, a) == -expected


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg to compare against")
def test_the_comparison_agrees_with_dpkg_on_generated_versions() -> None:
    rng = random.Random(19)
    parts = ["3", "11", "2", "02", "10", "~rc1", "a", "+deb12u", "-6", ".", "+", "~", "1:", "b2"]
    versions = ["".join(rng.choice(parts) for _ in range(rng.randint(1, 5))) for _ in range(80)]
    valid = [subprocess.run(["dpkg", "--validate-version", v], capture_output=True) for v in versions]
    versions = [v for v, check in zip(versions, valid, strict=True) if check.returncode == 0]
    assert len(versions) > 20
    for a, b in zip(versions, reversed(versions), strict=True):
        ours = check_runtime.compare_debian_versions(a, b)
        lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], capture_output=True)
        eq = subprocess.run(["dpkg", "--compare-versions", a, "eq", b], capture_output=True)
        theirs = -1 if lt.returncode == 0 else 0 if eq.returncode == 0 else 1
        assert ours == theirs, (a, b)


def test_the_pinned_release_with_the_pinned_or_a_later_revision_passes() -> None:
    assert check_runtime.interpreter_problem(PINNED, (3, 11, 2), "debian-3.11.2-6+deb12u8") is None
    assert check_runtime.interpreter_problem(PINNED, (3, 11, 2), "debian-3.11.2-6+deb12u9") is None


def test_a_later_upstream_release_passes_without_a_stamp() -> None:
    assert check_runtime.interpreter_problem(PINNED, (3, 11, 18), "") is None


def test_an_older_revision_or_release_or_no_stamp_fails_naming_the_pin() -> None:
    older_patches = check_runtime.interpreter_problem(PINNED, (3, 11, 2), "debian-3.11.2-6+deb12u5")
    assert older_patches is not None and "3.11.2-6+deb12u5" in older_patches
    assert "3.11.2-6+deb12u8" in older_patches
    unstamped = check_runtime.interpreter_problem(PINNED, (3, 11, 2), "")
    assert unstamped is not None and "no patch revision stamp" in unstamped
    older = check_runtime.interpreter_problem(PINNED, (3, 10, 14), "debian-3.11.2-6+deb12u9")
    assert older is not None and "3.10.14" in older


def test_an_empty_debian_pin_pins_plain_upstream() -> None:
    plain = {"PY_MIN_UPSTREAM": "3.11.18", "PY_MIN_DEBIAN": ""}
    assert check_runtime.interpreter_problem(plain, (3, 11, 18), "") is None
    assert check_runtime.interpreter_problem(plain, (3, 11, 17), "") is not None


def test_the_committed_pin_parses_and_names_its_source() -> None:
    pin = check_runtime.read_pin(PIN)
    assert pin["PY_DEB_VERSION"] == pin["PY_MIN_DEBIAN"]
    assert pin["PY_DEB_VERSION"].startswith(pin["PY_MIN_UPSTREAM"] + "-")
    assert all(len(pin[k]) == 64 for k in ("PY_DSC_SHA256", "PY_ORIG_SHA256", "PY_DEBIAN_SHA256"))


def test_a_pin_file_without_a_minimum_or_with_a_stray_line_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    missing.write_text("# only a comment\nPY_MIN_UPSTREAM=3.11.2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="PY_MIN_DEBIAN"):
        check_runtime.read_pin(missing)
    stray = tmp_path / "stray.env"
    stray.write_text("PY_MIN_UPSTREAM=3.11.2\nrm -rf /\n", encoding="utf-8")
    with pytest.raises(ValueError, match="stray.env:2"):
        check_runtime.read_pin(stray)


def test_the_bundle_must_carry_the_interpreters_stamp(tmp_path: Path) -> None:
    internal = tmp_path / "nst-desktop" / "_internal"
    internal.mkdir(parents=True)
    bundle = internal.parent
    assert check_runtime.bundle_problem(bundle, "debian-3.11.2-6+deb12u8") is not None  # no libpython
    lib = internal / "libpython3.11.so.1.0"
    lib.write_bytes(b"\x7fELF...3.11.2\0debian-3.11.2-6+deb12u5\0...")
    stale = check_runtime.bundle_problem(bundle, "debian-3.11.2-6+deb12u8")
    assert stale is not None and "libpython3.11.so.1.0" in stale
    lib.write_bytes(b"\x7fELF...3.11.2\0debian-3.11.2-6+deb12u8\0...")
    assert check_runtime.bundle_problem(bundle, "debian-3.11.2-6+deb12u8") is None


def test_a_module_the_build_failed_to_make_is_named() -> None:
    assert check_runtime.missing_modules() == []  # this interpreter has them all
    assert check_runtime.missing_modules(("ssl", "no_such_module_from_a_failed_build")) == [
        "no_such_module_from_a_failed_build"
    ]


def test_the_command_refuses_an_unstamped_interpreter_in_one_sentence(tmp_path: Path) -> None:
    """This test's interpreter is not the pinned build: unless it is newer upstream or carries
    the stamp, the command must say so and exit 1 (no traceback)."""
    pin = tmp_path / "pin.env"
    major, minor, micro = sys.version_info[:3]
    pin.write_text(
        f"PY_MIN_UPSTREAM={major}.{minor}.{micro}\nPY_MIN_DEBIAN={major}.{minor}.{micro}-1\n",
        encoding="utf-8",
    )
    result = subprocess.run([sys.executable, str(SCRIPT), str(pin)], capture_output=True, text=True)
    tag = str(getattr(sys, "_git", ("", "", ""))[1])
    if tag.startswith("debian-"):
        pytest.skip("this interpreter carries a Debian stamp of its own")
    assert result.returncode == 1
    assert result.stderr.startswith("check_runtime: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    pin.write_text(f"PY_MIN_UPSTREAM={major}.{minor}.{micro}\nPY_MIN_DEBIAN=\n", encoding="utf-8")
    ok = subprocess.run([sys.executable, str(SCRIPT), str(pin)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"runtime: CPython {major}.{minor}.{micro}")
