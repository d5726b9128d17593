"""``stylize --style PAINTING[:WEIGHT][@MASK] --keep MASK`` for every method, and its refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_desktop.cli import main
from nst_desktop.cli_regions import StyleSpec, parse_style_spec
from nst_desktop.engine.images import read_metadata
from nst_desktop.engine.metadata import regions_from_metadata, settings_from_metadata
from nst_desktop.engine.regions import fit_mask

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "chelsea.jpg"  # 451 x 300
AUTUMN = SAMPLES / "style" / "autumn.jpg"
STRING = SAMPLES / "style" / "string.jpg"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


def save_mask(path: Path, mask: np.ndarray) -> Path:
    Image.fromarray(np.clip(np.rint(mask * 255.0), 0, 255).astype(np.uint8), mode="L").save(path)
    return path


@pytest.fixture
def masks(tmp_path: Path) -> dict[str, Path]:
    """Masks for chelsea.jpg, drawn at a third of its size as an artist might export them."""
    h, w = 100, 150
    yy, xx = np.mgrid[0:h, 0:w]
    left = np.clip((w / 2 - xx) / 8.0 + 0.5, 0.0, 1.0)  # a soft edge down the middle
    keep = ((yy - 45) ** 2 / 30.0**2 + (xx - 75) ** 2 / 35.0**2 < 1.0).astype(np.float32)
    return {
        "left": save_mask(tmp_path / "left.png", left),
        "keep": save_mask(tmp_path / "keep.png", keep),
        "black": save_mask(tmp_path / "black.png", np.zeros((h, w))),
        "square": save_mask(tmp_path / "square.png", np.ones((100, 100))),
    }


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_optimiser_with_masks_records_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, masks: dict[str, Path]
) -> None:
    """Painted with a mask per painting and a keep mask, read back from the picture: the masks
    come back as they went in (within 2 % on average: the record is an 8-bit copy at 256 px)."""
    out = tmp_path / "regions.png"
    rc, stdout, err = run(
        capsys, "stylize", CONTENT, "--style", f"{AUTUMN}:1@{masks['left']}", "--style", STRING,
        "--keep", masks["keep"], "-o", out, "--size", "64", "--steps", "12", "--json", "-q",
    )  # fmt: skip
    assert rc == 0, err
    assert json.loads(stdout)["size"] == [64, 43]
    meta = read_metadata(out)
    assert meta is not None
    settings_from_metadata(meta)  # the settings still read back as before
    recorded, keep = regions_from_metadata(meta)
    assert [m is not None for m in recorded] == [True, False] and keep is not None
    for got, path in ((recorded[0], masks["left"]), (keep, masks["keep"])):
        assert got is not None
        want = np.asarray(Image.open(path), dtype=np.float32) / 255.0
        assert np.abs(fit_mask(got, 150, 100) - want).mean() < 0.02
    picture = np.asarray(Image.open(out).convert("RGB"), dtype=np.float32)
    photo = np.asarray(
        Image.open(CONTENT).convert("RGB").resize((64, 43), Image.Resampling.LANCZOS), np.float32
    )
    kept = fit_mask(np.asarray(Image.open(masks["keep"]), np.float32) / 255.0, 64, 43) > 0.999
    assert np.abs(picture - photo)[kept].mean() < 3.0 < np.abs(picture - photo)[~kept].mean()


@pytest.mark.parametrize("method", [["--instant"], ["--fast-style", "Autumn"]])
def test_one_pass_methods_keep_the_photo(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, masks: dict[str, Path], method: list[str]
) -> None:
    out = tmp_path / "kept.png"
    paintings: list[str | Path] = []
    if method[0] == "--instant":
        paintings = ["--style", f"{AUTUMN}@{masks['left']}", "--style", STRING]
    rc, _, err = run(
        capsys,
        "stylize",
        CONTENT,
        *paintings,
        *method,
        "--keep",
        masks["keep"],
        "-o",
        out,
        "--size",
        "96",
        "-q",
    )
    assert rc == 0, err
    picture = np.asarray(Image.open(out).convert("RGB"), dtype=np.float32)
    h, w = picture.shape[:2]
    photo = np.asarray(
        Image.open(CONTENT).convert("RGB").resize((w, h), Image.Resampling.LANCZOS), np.float32
    )
    kept = fit_mask(np.asarray(Image.open(masks["keep"]), np.float32) / 255.0, w, h) > 0.999
    assert np.abs(picture - photo)[kept].mean() < 3.0 < np.abs(picture - photo)[~kept].mean()
    meta = read_metadata(out)
    assert meta is not None and regions_from_metadata(meta)[1] is not None


@pytest.mark.parametrize(
    ("which", "words"),
    [
        ("missing", "does not exist"),
        ("black", "is empty"),
        ("square", "shape too different"),
        ("garbage", "not an image"),
    ],
)
def test_a_mask_that_does_not_fit_is_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, masks: dict[str, Path], which: str, words: str
) -> None:
    bad = masks.get(which, tmp_path / f"{which}.png")
    if which == "garbage":
        bad.write_bytes(b"not a picture at all")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for flags in (["--style", f"{AUTUMN}@{bad}"], ["--style", AUTUMN, "--keep", bad]):
        rc, _, err = run(capsys, "stylize", CONTENT, *flags, "-o", out_dir / "r.png", "--size", "48", "-q")
        assert rc == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err and words in lines[0], err
        assert bad.name in lines[0] and lines[0].rstrip().endswith(".")
        assert list(out_dir.iterdir()) == []


def test_names_with_colons_and_at_signs(tmp_path: Path) -> None:
    odd = tmp_path / "me@home:2.jpg"
    shutil.copy(AUTUMN, odd)
    mask = tmp_path / "a@b.png"
    mask.write_bytes(b"")
    assert parse_style_spec(str(odd)) == StyleSpec(odd, 1.0)
    assert parse_style_spec(f"{odd}:0.5") == StyleSpec(odd, 0.5)
    assert parse_style_spec(f"{odd}@{mask}") == StyleSpec(odd, 1.0, mask)
    assert parse_style_spec(f"{odd}:3@{mask}") == StyleSpec(odd, 3.0, mask)
    assert parse_style_spec(f"{AUTUMN}:2@m.png") == StyleSpec(AUTUMN, 2.0, Path("m.png"))
    # Nothing exists: the last @ separates the mask, and the engine reports the painting missing.
    assert parse_style_spec("no@such.jpg:2@m.png") == StyleSpec(Path("no@such.jpg"), 2.0, Path("m.png"))
    assert parse_style_spec("plain.jpg") == StyleSpec(Path("plain.jpg"), 1.0)
