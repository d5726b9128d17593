"""Refuse to ship a CPython older than the one pinned in packaging/linux/cpython-source.env.

    python packaging/check_runtime.py PIN              # the running interpreter (build venv's)
    python packaging/check_runtime.py PIN --bundle B   # ... and the libpython inside bundle B

A stale runtime hides in caches: build_linux_oldbase.sh reuses the CPython it compiled on an
earlier run, and PyInstaller copies whatever libpython the build venv's interpreter links. So the
check looks at what is actually used, not at the pin file: the interpreter's upstream version
(``sys.version_info``) and the Debian source revision its security patches come from, which the
build stamps into the interpreter as its build tag (``make GITTAG=...``, seen as ``sys._git``
and in ``sys.version``). An older upstream release than the pin fails; the pinned release itself
passes only with the pinned Debian revision or a later one stamped in; a bundle whose libpython
does not carry the interpreter's stamp fails.

Prints one line naming the runtime (CPython, its patch revision, OpenSSL, SQLite, expat) on
success; one sentence and exit status 1 on failure.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

TAG_PREFIX = "debian-"
# Extension modules a build can silently lack when a -dev package or a patch is missing (setup.py
# only warns): the app and its packages need them, and a frozen bundle cannot add them later.
NEEDED_MODULES = ("ssl", "sqlite3", "pyexpat", "lzma", "bz2", "zlib", "ctypes", "_uuid")
_KEY_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S*)$")


def read_pin(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of the pin file (comments and blank lines skipped)."""
    pin: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{n} is not a KEY=VALUE line: {line!r}")
        pin[match.group(1)] = match.group(2)
    for key in ("PY_MIN_UPSTREAM", "PY_MIN_DEBIAN"):  # (PY_MIN_DEBIAN may be empty)
        if key not in pin:
            raise ValueError(f"{path} does not set {key}")
    return pin


def _order(char: str) -> int:
    """dpkg's character order: '~' before everything (even the end), letters before the rest."""
    if char == "~":
        return -1
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    """dpkg's verrevcmp: alternate non-digit runs (by _order) and digit runs (numerically)."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def compare_debian_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian version ``a`` sorts before, with or after ``b`` (dpkg's rules)."""

    def split(version: str) -> tuple[int, str, str]:
        epoch, _, rest = version.partition(":") if ":" in version else ("0", "", version)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
        return int(epoch or "0"), upstream, revision

    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def interpreter_problem(pin: dict[str, str], version: tuple[int, int, int], tag: str) -> str | None:
    """Why an interpreter of this upstream version and build tag is older than the pin, or None.

    A later upstream release than PY_MIN_UPSTREAM has every fix of the pinned one. The pinned
    release itself counts only with the Debian patch revision PY_MIN_DEBIAN or later stamped in
    (an empty PY_MIN_DEBIAN pins plain upstream)."""
    have = ".".join(map(str, version))
    order = compare_debian_versions(have, pin["PY_MIN_UPSTREAM"])
    if order < 0:
        return f"the bundled CPython is {have}, older than the pinned {pin['PY_MIN_UPSTREAM']}"
    if order > 0 or not pin["PY_MIN_DEBIAN"]:
        return None
    if not tag.startswith(TAG_PREFIX):
        return (
            f"the bundled CPython {have} carries no patch revision stamp (build tag {tag!r}), so "
            f"nothing shows it has the security patches of {pin['PY_MIN_DEBIAN']}"
        )
    revision = tag[len(TAG_PREFIX) :]
    if compare_debian_versions(revision, pin["PY_MIN_DEBIAN"]) < 0:
        return (
            f"the bundled CPython {have} has the patches of {revision}, older than the pinned "
            f"{pin['PY_MIN_DEBIAN']}"
        )
    return None


def bundle_problem(bundle: Path, tag: str) -> str | None:
    """Why the bundle's libpython is not the checked interpreter's (its build tag is missing), or
    None. Without a tag to look for, only that a libpython is there."""
    libs = sorted((bundle / "_internal").glob("libpython3*.so*"))
    if not libs:
        return f"no libpython3*.so in {bundle / '_internal'}"
    stamp = tag.encode("ascii") + b"\0"
    missing = [lib.name for lib in libs if tag and stamp not in lib.read_bytes()]
    if missing:
        return f"{', '.join(missing)} in the bundle does not carry the build tag {tag!r}"
    return None


def missing_modules(names: tuple[str, ...] = NEEDED_MODULES) -> list[str]:
    """The standard modules from ``names`` this interpreter cannot import."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def runtime_line(tag: str) -> str:
    """What a security scanner asks first, in one line (after missing_modules() found none)."""
    ssl = importlib.import_module("ssl")
    sqlite3 = importlib.import_module("sqlite3")
    pyexpat = importlib.import_module("pyexpat")
    return (
        f"CPython {sys.version.split()[0]} ({tag or 'no build tag'}), {ssl.OPENSSL_VERSION}, "
        f"SQLite {sqlite3.sqlite_version}, {pyexpat.EXPAT_VERSION}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refuse a CPython older than the pinned one.")
    parser.add_argument("pin", type=Path, help="packaging/linux/cpython-source.env")
    parser.add_argument("--bundle", type=Path, help="a built onedir bundle to check as well")
    args = parser.parse_args(argv)
    try:
        pin = read_pin(args.pin)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"check_runtime: cannot read the pin: {exc}\n")
        return 1
    git = getattr(sys, "_git", ("", "", ""))
    tag = str(git[1])
    major, minor, micro = sys.version_info[:3]
    problem = interpreter_problem(pin, (major, minor, micro), tag)
    missing = missing_modules()
    if problem is None and missing:
        problem = f"the CPython {major}.{minor}.{micro} here cannot import {', '.join(missing)}"
    if problem is None and args.bundle is not None:
        problem = bundle_problem(args.bundle, tag)
    if problem is not None:
        sys.stderr.write(f"check_runtime: {problem}.\n")
        return 1
    sys.stdout.write(f"runtime: {runtime_line(tag)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
