""".nststyle is a file type on every platform, and the three platforms open the same types (issue 19).

The shared-mime-info package is checked through Qt's own MIME database with the XML installed
in a private data folder (update-mime-database, as the .deb's trigger runs it): by name and, for
a style file with another name, by content; a safetensors file that is not a style is not one.
The NSIS script is compiled with makensis against a stub bundle, with a pre-release version.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
MIME_XML = PACKAGING / "linux" / "nst-desktop-mime.xml"
DESKTOP = PACKAGING / "linux" / "nst-desktop.desktop"
NSI = PACKAGING / "windows" / "nst-desktop.nsi"
SPEC = PACKAGING / "nst-desktop.spec"
NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}

MIME_EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
    "image/tiff": {"tif", "tiff"},
    "image/bmp": {"bmp"},
    "image/webp": {"webp"},
    "image/gif": {"gif"},
    "application/x-nststyle": {"nststyle"},
}
UTI_MIME = {
    "public.jpeg": "image/jpeg",
    "public.png": "image/png",
    "public.tiff": "image/tiff",
    "com.microsoft.bmp": "image/bmp",
    "org.webmproject.webp": "image/webp",
    "com.compuserve.gif": "image/gif",
}


def spec_constants() -> dict[str, object]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def desktop_types() -> list[str]:
    entry = configparser.ConfigParser(interpolation=None, strict=False)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    return [t for t in entry["Desktop Entry"]["MimeType"].split(";") if t]


def test_the_three_platforms_open_the_same_types() -> None:
    linux = set(desktop_types())
    assert linux == set(MIME_EXTENSIONS)
    linux_ext = set().union(*(MIME_EXTENSIONS[t] for t in linux))
    nsi = NSI.read_text(encoding="utf-8")
    windows_ext = set(re.findall(r'!insertmacro \$\{MACRO\} "\.(\w+)"', nsi))
    assert '"Software\\Classes\\.nststyle" "" "${STYLE_PROGID}"' in nsi
    windows_ext.add("nststyle")
    assert windows_ext == linux_ext
    constants = spec_constants()
    mac = {UTI_MIME[u] for u in constants["MAC_IMAGE_TYPES"]}  # type: ignore[attr-defined]
    mac.add(str(constants["STYLE_MIME"]))
    assert mac == linux
    assert constants["STYLE_MIME"] == "application/x-nststyle"
    spec = SPEC.read_text(encoding="utf-8")
    assert '"UTExportedTypeDeclarations"' in spec and '"public.filename-extension": ["nststyle"]' in spec


def test_the_mime_package_describes_the_style_file_format() -> None:
    from nst_desktop.engine.fast.style_file import FORMAT, SUFFIX

    root = ET.parse(MIME_XML).getroot()
    (mime,) = root.findall("m:mime-type", NS)
    assert mime.get("type") == "application/x-nststyle"
    assert [g.get("pattern") for g in mime.findall("m:glob", NS)] == [f"*{SUFFIX}"]
    assert mime.find("m:icon", NS).get("name") == "application-x-nststyle"  # type: ignore[union-attr]
    inner = mime.find("m:magic/m:match/m:match", NS)
    assert inner is not None and inner.get("value") == f'"format":"{FORMAT}"'
    build = (PACKAGING / "build_linux.sh").read_text(encoding="utf-8")
    assert "usr/share/mime/packages/nst-desktop.xml" in build and "mimetypes/application-x-nststyle" in build


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="needs shared-mime-info")
def test_qt_recognises_style_files_by_name_and_content(tmp_path: Path) -> None:
    data = tmp_path / "share"
    (data / "mime" / "packages").mkdir(parents=True)
    shutil.copy(MIME_XML, data / "mime" / "packages" / "nst-desktop.xml")
    subprocess.run(["update-mime-database", str(data / "mime")], check=True, capture_output=True)
    styles = sorted((ROOT / "resources" / "styles").glob("*.nststyle"))
    assert styles
    renamed = []
    for style in styles:
        copy = tmp_path / f"{style.stem}.bin"
        shutil.copy(style, copy)
        renamed.append(copy)
    other = tmp_path / "other.bin"  # a safetensors file that is not a style
    body = b'{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    other.write_bytes(len(body).to_bytes(8, "little") + body + b"\0\0\0\0")
    probe = (
        "import sys\n"
        "from PySide6.QtCore import QMimeDatabase\n"
        "db = QMimeDatabase()\n"
        "for p in sys.argv[1:]:\n"
        "    print(db.mimeTypeForFile(p).name())\n"
    )
    env = {**os.environ, "XDG_DATA_DIRS": f"{data}:/usr/share", "XDG_DATA_HOME": str(tmp_path / "home")}
    paths = [str(tmp_path / "x.nststyle"), *map(str, styles), *map(str, renamed), str(other)]
    (tmp_path / "x.nststyle").write_bytes(b"not even a style")  # the glob decides for this name
    result = subprocess.run([sys.executable, "-c", probe, *paths], env=env, capture_output=True, text=True)
    names = result.stdout.split()
    assert names[:-1] == ["application/x-nststyle"] * (1 + 2 * len(styles)), result.stdout + result.stderr
    assert names[-1] != "application/x-nststyle"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="needs desktop-file-utils")
def test_the_desktop_file_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
