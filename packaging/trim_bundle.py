"""Trim a built Linux bundle and check that what nst-desktop.spec leaves out stays out.

    python packaging/trim_bundle.py strip BUNDLE   # strip CPython's debug info (build_linux.sh)
    python packaging/trim_bundle.py check BUNDLE   # exit 1, naming them, if excluded files came back

``strip``: libpython and the standard library's extension modules (lib-dynload) come from the
CPython that build_linux_oldbase.sh compiles, with -g: about 33 MB of debug information no user
needs. ``strip --strip-debug`` removes only that (symbols stay, so tracebacks and ``perf`` still
name functions). The wheels' own libraries (torch, Qt) are left as their projects built them.

``check``: no Qt plugin the spec drops (DROP_QT_PLUGIN_DIRS, DROP_QT_PLUGINS), no test folder
(TEST_DIR_PATTERN), and no debug information left in libpython or lib-dynload. The lists are
read from packaging/nst-desktop.spec, the one place they are written down, so a new PyInstaller
hook or wheel layout that brings something back fails the build instead of growing it quietly.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "nst-desktop.spec"


def spec_constants(spec: Path = SPEC) -> dict[str, object]:
    """The spec's top-level literal assignments (tuples of names, patterns)."""
    found: dict[str, object] = {}
    for node in ast.parse(spec.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def content_dir(bundle: Path) -> Path:
    internal = bundle / "_internal"
    return internal if internal.is_dir() else bundle


def dynload_dirs(content: Path) -> list[Path]:
    """lib-dynload wherever PyInstaller puts it: at the top of the content folder, or (PyInstaller
    6.x on Linux) in python3.X/lib-dynload. The first build of issue 19 stripped only the former
    and left 55 modules with their debug info in the latter."""
    return sorted(d for d in (content / "lib-dynload", *content.glob("python3*/lib-dynload")) if d.is_dir())


def cpython_libraries(content: Path) -> list[Path]:
    """libpython and lib-dynload's extension modules (regular files, not links)."""
    found = [p for p in content.glob("libpython3*.so*") if p.is_file() and not p.is_symlink()]
    for folder in dynload_dirs(content):
        found += sorted(p for p in folder.glob("*.so") if p.is_file() and not p.is_symlink())
    return found


def has_debug_info(path: Path) -> bool:
    result = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True)
    return result.returncode == 0 and ".debug_info" in result.stdout


def strip(bundle: Path) -> tuple[int, int, int]:
    """Strip the CPython libraries' debug info; (files, bytes before, bytes after)."""
    if shutil.which("strip") is None:
        raise SystemExit("trim_bundle: strip is missing (apt-get install binutils)")
    files = cpython_libraries(content_dir(bundle))
    before = sum(p.stat().st_size for p in files)
    if files:
        subprocess.run(["strip", "--strip-debug", *map(str, files)], check=True)
    after = sum(p.stat().st_size for p in files)
    return len(files), before, after


def excluded_present(bundle: Path, constants: dict[str, object]) -> list[str]:
    """Every file or folder in ``bundle`` that the spec's exclusions say must not be there."""
    content = content_dir(bundle)
    plugin_dirs = set(_names(constants["DROP_QT_PLUGIN_DIRS"]))
    plugin_names = _names(constants["DROP_QT_PLUGINS"])
    qt_libs = _names(constants["DROP_QT_LIBS"])
    tests = re.compile(str(constants["TEST_DIR_PATTERN"]))
    found = []
    for path in sorted(content.rglob("*")):
        rel = path.relative_to(content).as_posix()
        parts = rel.split("/")
        in_plugins = "plugins" in parts[:-1]
        if path.is_dir() and in_plugins and parts[-1] in plugin_dirs and parts[-2] == "plugins":
            found.append(rel + "/")
        elif (path.is_file() and in_plugins and parts[-1].startswith(plugin_names)) or (
            (path.is_file() or path.is_symlink()) and parts[-1].startswith(qt_libs)
        ):
            found.append(rel)
        elif path.is_dir() and tests.match(rel + "/") and not tests.match(rel.rsplit("/", 1)[0] + "/"):
            found.append(rel + "/")
    return found


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise SystemExit(f"trim_bundle: nst-desktop.spec's exclusion list is not a tuple of names: {value!r}")
    return value


def check(bundle: Path) -> list[str]:
    problems = [f"{p} (excluded by nst-desktop.spec)" for p in excluded_present(bundle, spec_constants())]
    content = content_dir(bundle)
    if any(content.glob("libpython3*.so*")) and not dynload_dirs(content):
        problems.append("no lib-dynload folder where trim_bundle.py looks (a new bundle layout?)")
    problems += [
        f"{p.relative_to(bundle).as_posix()} (still has debug info)"
        for p in cpython_libraries(content_dir(bundle))
        if has_debug_info(p)
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("strip", "check"))
    parser.add_argument("bundle", type=Path)
    args = parser.parse_args(argv)
    if not args.bundle.is_dir():
        sys.stderr.write(f"trim_bundle: {args.bundle} is not a folder\n")
        return 2
    if args.action == "strip":
        n, before, after = strip(args.bundle)
        mb = 1024 * 1024
        sys.stdout.write(
            f"trim_bundle: stripped the debug info of {n} CPython libraries: "
            f"{before / mb:.1f} MB -> {after / mb:.1f} MB\n"
        )
        return 0
    problems = check(args.bundle)
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        sys.stderr.write(f"trim_bundle: the bundle holds what it must not: {shown}\n")
        return 1
    sys.stdout.write("trim_bundle: no excluded Qt plugin, test folder or CPython debug info in the bundle\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
