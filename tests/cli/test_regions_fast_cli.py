"""``stylize --fast-style NAME[@MASK]``, repeatable: fast styles per region from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_desktop.cli import main
from nst_desktop.cli_regions import FastStyleSpec, parse_fast_style_spec
from nst_desktop.engine.record import read_record

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "resources" / "samples" / "content" / "chelsea.jpg"  # 451 x 300
STYLES = ROOT / "resources" / "styles"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))


def save_mask(path: Path, mask: np.ndarray) -> Path:
    Image.fromarray(np.rint(mask * 255.0).astype(np.uint8), mode="L").save(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    return rc, capsys.readouterr().err


def test_two_fast_styles_paint_their_halves(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    right = np.zeros((100, 150), np.float32)
    right[:, 75:] = 1.0
    mask = save_mask(tmp_path / "right.png", right)
    out, a, s = tmp_path / "both.png", tmp_path / "a.png", tmp_path / "s.png"
    size = ["--size", "64", "-q", "--device", "cpu"]
    rc, err = run(
        capsys,
        "stylize",
        CONTENT,
        "--fast-style",
        "Autumn",
        "--fast-style",
        f"String@{mask}",
        "-o",
        out,
        *size,
    )
    assert rc == 0, err
    assert run(capsys, "stylize", CONTENT, "--fast-style", "Autumn", "-o", a, *size)[0] == 0
    assert run(capsys, "stylize", CONTENT, "--fast-style", "String", "-o", s, *size)[0] == 0
    both, alone_a, alone_s = (np.asarray(Image.open(p).convert("RGB"), np.float32) for p in (out, a, s))
    w = both.shape[1]
    assert np.abs(both[:, : w // 2 - 4] - alone_a[:, : w // 2 - 4]).max() <= 1.0
    assert np.abs(both[:, w // 2 + 4 :] - alone_s[:, w // 2 + 4 :]).max() <= 1.0
    record = read_record(out)
    assert record.fast_style == "Autumn" and [r.name for r in record.fast_regions] == ["String"]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--fast-style", "Autumn", "--fast-style", "String@{missing}"], "does not exist"),
        (["--fast-style", "Autumn", "--fast-style", "String@{black}"], "is empty"),
        (["--fast-style", "Autumn", "--fast-style", "String"], "needs a mask"),
        (["--fast-style", "Autumn@{black}", "--fast-style", "String@{black}"], "takes no @MASK"),
    ],
)
def test_a_bad_mask_is_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: list[str], words: str
) -> None:
    black = save_mask(tmp_path / "black.png", np.zeros((100, 150), np.float32))
    names = {"black": black, "missing": tmp_path / "missing.png"}
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [f.format(**names) for f in flags]
    rc, err = run(capsys, "stylize", CONTENT, *args, "-o", out_dir / "r.png", "--size", "48", "-q")
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and words in lines[0], err
    assert list(out_dir.iterdir()) == []


def test_names_with_at_signs(tmp_path: Path) -> None:
    odd = tmp_path / "me@home.nststyle"
    shutil.copy(STYLES / "autumn.nststyle", odd)
    assert parse_fast_style_spec(str(odd)) == FastStyleSpec(str(odd))
    assert parse_fast_style_spec(f"{odd}@m@x.png") == FastStyleSpec(str(odd), Path("m@x.png"))
    assert parse_fast_style_spec("String@m.png") == FastStyleSpec("String", Path("m.png"))
    assert parse_fast_style_spec("Autumn") == FastStyleSpec("Autumn")
    # Nothing exists: the last @ separates the mask, and the engine reports the style missing.
    assert parse_fast_style_spec("no@such@m.png") == FastStyleSpec("no@such", Path("m.png"))
