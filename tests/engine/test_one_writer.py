"""Issue 18: one function writes a picture with its metadata (engine/images.py's ``save_image``).

Save, drag out, the history's versions and the pipeline (command line and batch) used to be
separate writers that could drift (a version's TIFF carried no settings at all). These static
checks fail as soon as a second writer appears: a PNG text chunk, a TIFF written by hand, a
Pillow save to PNG/JPEG/TIFF outside the writer, or ``save_image`` called from a module that
is not one of the known ways out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nst_desktop"
WRITER = "engine/images.py"

FORBIDDEN_NAMES = {"PngInfo", "add_itxt", "imwrite", "TiffWriter"}
"""What a second writer of pictures with metadata would need."""
IN_MEMORY_ENCODERS = {
    ("engine/images.py", "_write_png"),
    ("engine/images.py", "_write_jpeg"),
    ("engine/regions.py", "encode"),  # a region mask as a few kB of PNG text inside the metadata
    ("engine/versions.py", "_thumbnail_png"),  # the history strip's small thumbnail, no metadata
}
"""(module, function) allowed to encode an image with Pillow: into memory, never a picture file."""
CALLERS = {
    "engine/record.py",  # Record.save: Save, drag out, the pipeline (command line and batch)
    "engine/versions.py",  # a version's picture, with the record's metadata inside
    "gui/app.py",  # the smoke test's made-up photo and painting (no metadata)
}
"""The modules that may call the writer."""


def violations(source: str, module: str) -> list[str]:
    """Every place in ``source`` (the module at ``module``, relative to the package) that writes
    a picture other than through the one writer."""
    found: list[str] = []
    tree = ast.parse(source)
    functions: dict[ast.AST, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                functions[inner] = node.name  # outer functions come first: the innermost wins
    for node in ast.walk(tree):
        where = f"{module}:{getattr(node, 'lineno', 0)}"
        name = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else node.name.rsplit(".", 1)[-1]
            if isinstance(node, ast.alias)
            else ""
        )
        if name in FORBIDDEN_NAMES and module != WRITER:
            found.append(f"{where} uses {name}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = (
            func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        )
        if called == "save_image" and module not in CALLERS and module != WRITER:
            found.append(f"{where} calls save_image")
        if called == "save":
            formats = [k.value for k in node.keywords if k.arg == "format"]
            fmt = formats[0].value if formats and isinstance(formats[0], ast.Constant) else None
            encoder = (module, functions.get(node, ""))
            if (
                isinstance(fmt, str)
                and fmt.upper() in ("PNG", "JPEG", "TIFF")
                and encoder not in IN_MEMORY_ENCODERS
            ):
                found.append(f"{where} saves a {fmt} with Pillow")
    return found


def test_the_package_has_one_writer_of_pictures() -> None:
    found = [
        problem
        for path in sorted(PACKAGE.rglob("*.py"))
        for problem in violations(path.read_text(encoding="utf-8"), path.relative_to(PACKAGE).as_posix())
    ]
    assert found == []


def test_the_check_finds_a_second_writer() -> None:
    """The check above can fail: each way of writing a second picture file is caught."""
    planted = """
from PIL.PngImagePlugin import PngInfo
import tifffile
from nst_desktop.engine import images

def export(image, path, meta):
    info = PngInfo()
    info.add_itxt("nst-desktop", meta)
    image.save(path, format="PNG", pnginfo=info)
    tifffile.imwrite(path, image)
    images.save_image(path, image)
"""
    found = sorted(p.split(" ", 1)[1] for p in violations(planted, "gui/main_window/export.py"))
    assert found == [
        "calls save_image",
        "saves a PNG with Pillow",
        "uses PngInfo",
        "uses PngInfo",
        "uses add_itxt",
        "uses imwrite",
    ]
    assert violations(planted.replace('format="PNG", pnginfo=info', 'format="PNG"'), WRITER) == [
        f"{WRITER}:9 saves a PNG with Pillow"
    ]
