"""Reading every kind of image an artist may have, and writing results safely."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, JpegImagePlugin
from PIL.PngImagePlugin import PngInfo

from nst_desktop.engine import atomic, images
from nst_desktop.engine.errors import EngineError, ImageError, OutputError
from nst_desktop.engine.images import (
    INPUT_FILTER,
    MIN_SIDE,
    OUTPUT_SUFFIXES,
    load_image,
    load_image_bytes,
    read_metadata,
    save_image,
)

SHARED_IMAGES = Path(__file__).parents[3] / "shared" / "images"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------------------------------------
# Helpers


def assert_sentence(exc: BaseException, *fragments: str) -> str:
    """Errors reach the user as they are: one line, one sentence, no traceback."""
    assert isinstance(exc, EngineError)
    text = str(exc)
    assert "\n" not in text and "\r" not in text
    assert "Traceback" not in text
    assert text.endswith("."), text
    assert text[0].isupper() or text[0].islower()  # not empty, no leading punctuation
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


def load_error(path: Path | str, **kwargs: Any) -> str:
    with pytest.raises(ImageError) as info:
        load_image(path, **kwargs)
    return assert_sentence(info.value, Path(path).name)


def save(img: Image.Image, path: Path, **kwargs: Any) -> Path:
    img.save(path, **kwargs)
    return path


def gradient(w: int = 64, h: int = 48) -> np.ndarray:
    """A smooth, colourful test picture (JPEG-friendly)."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack(
        [x * 255 // max(1, w - 1), y * 255 // max(1, h - 1), (x + y) * 255 // (w + h - 2)], -1
    ).astype(np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, bit_depth: int = 8, colour: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def write_png16_rgb(path: Path, rgb16: np.ndarray) -> Path:
    """Pillow cannot write 16-bit RGB PNGs, so this writes one by hand."""
    h, w, _ = rgb16.shape
    rows = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(h))
    path.write_bytes(
        png_header(w, h, 16, 2) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")
    )
    return path


def matrix_icc(primaries: tuple[tuple[float, float, float], ...], gamma: float, name: str) -> bytes:
    """A minimal ICC v2 RGB matrix/TRC display profile (ImageCms can only build sRGB)."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    ascii_name = name.encode("ascii") + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_name)) + ascii_name + bytes(8) + bytes(3) + bytes(67)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    d50 = (0.9642, 1.0, 0.8249)
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\0\0\0\0" + b"No copyright\0"),
        (b"wtpt", xyz(*d50)),
        (b"rXYZ", xyz(*primaries[0])),
        (b"gXYZ", xyz(*primaries[1])),
        (b"bXYZ", xyz(*primaries[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"none"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8 + 4)
        + s15(d50[0])
        + s15(d50[1])
        + s15(d50[2])
        + bytes(4 + 16 + 28)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


ADOBE_RGB_D50 = ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def icc_description(icc: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


# ---------------------------------------------------------------------------------------------
# Reading: the result is always HxWx3 uint8 sRGB


def test_plain_rgb_png_loads_exactly(tmp_path: Path) -> None:
    pixels = gradient()
    out = load_image(save(Image.fromarray(pixels), tmp_path / "plain.png"))
    assert out.dtype == np.uint8 and out.shape == (48, 64, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, pixels)
    assert out.flags.writeable


def test_str_and_pathlike_are_both_accepted(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (20, 20), (1, 2, 3)), tmp_path / "p.png")
    assert load_image(str(path))[0, 0].tolist() == [1, 2, 3]


def test_rgba_is_composited_over_white(tmp_path: Path) -> None:
    img = Image.new("RGBA", (30, 20), (255, 0, 0, 128))
    img.putpixel((0, 0), (0, 0, 255, 0))  # fully transparent: white, whatever its colour
    img.putpixel((1, 0), (0, 0, 255, 255))  # opaque: unchanged
    out = load_image(save(img, tmp_path / "rgba.png"))
    assert out.shape == (20, 30, 3)
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[0, 1].tolist() == [0, 0, 255]
    r, g, b = out[5, 5].tolist()
    assert r == 255 and abs(g - 127) <= 1 and abs(b - 127) <= 1


def test_la_is_composited_over_white(tmp_path: Path) -> None:
    img = Image.new("LA", (20, 20), (0, 0))
    img.putpixel((3, 3), (0, 255))
    img.putpixel((4, 4), (0, 102))  # 40 % black
    out = load_image(save(img, tmp_path / "la.png"))
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[3, 3].tolist() == [0, 0, 0]
    assert abs(int(out[4, 4, 0]) - 153) <= 1


def test_palette_with_transparency(tmp_path: Path) -> None:
    img = Image.new("P", (20, 20), 0)
    img.putpalette([255, 0, 0, 0, 200, 0] + [0] * 762)
    img.putpixel((5, 5), 1)
    out = load_image(save(img, tmp_path / "p.png", transparency=0))
    assert out[0, 0].tolist() == [255, 255, 255]  # index 0 is transparent
    assert out[5, 5].tolist() == [0, 200, 0]


def test_palette_without_transparency_and_gif(tmp_path: Path) -> None:
    img = Image.new("P", (20, 20), 1)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    assert load_image(save(img, tmp_path / "p.png"))[0, 0].tolist() == [0, 0, 255]
    assert load_image(save(img, tmp_path / "p.gif"))[0, 0].tolist() == [0, 0, 255]


def test_cmyk_jpeg_and_tiff(tmp_path: Path) -> None:
    cyan = Image.new("CMYK", (20, 20), (255, 0, 0, 0))
    out = load_image(save(cyan, tmp_path / "cmyk.jpg", quality=95))
    assert np.abs(out[10, 10].astype(int) - [0, 255, 255]).max() <= 4
    out = load_image(save(Image.new("CMYK", (20, 20), (0, 0, 0, 255)), tmp_path / "cmyk.tif"))
    assert out[0, 0].tolist() == [0, 0, 0]
    out = load_image(save(Image.new("CMYK", (20, 20), (0, 0, 0, 0)), tmp_path / "white.tif"))
    assert out[0, 0].tolist() == [255, 255, 255]


def test_16_bit_grey_png_scales_to_8_bits(tmp_path: Path) -> None:
    values = np.zeros((20, 20), np.uint16)
    values[0:5] = 65535
    values[5:10] = 32768
    values[10:15] = 257 * 100
    img = Image.fromarray(values)
    assert img.mode == "I;16"
    out = load_image(save(img, tmp_path / "grey16.png"))
    assert out.shape == (20, 20, 3)
    assert out[0, 0].tolist() == [255, 255, 255]  # not clipped garbage: the full scale
    assert out[6, 0].tolist() == [128, 128, 128]
    assert out[12, 0].tolist() == [100, 100, 100]
    assert out[18, 0].tolist() == [0, 0, 0]


def test_big_endian_16_bit_tiff(tmp_path: Path) -> None:
    values = np.full((20, 20), 65535, np.uint16)
    values[10:] = 32768
    tifffile.imwrite(tmp_path / "be.tif", values, byteorder=">", photometric="minisblack")
    with Image.open(tmp_path / "be.tif") as img:
        assert img.mode.startswith("I;16")
    out = load_image(tmp_path / "be.tif")
    assert out[0, 0, 0] == 255 and out[15, 0, 0] == 128


def test_32_bit_integer_and_float_images(tmp_path: Path) -> None:
    ints = np.full((20, 20), 65535, np.int32)
    ints[10:] = 0
    tifffile.imwrite(tmp_path / "i32.tif", ints, photometric="minisblack")
    out = load_image(tmp_path / "i32.tif")
    assert out[0, 0, 0] == 255 and out[15, 0, 0] == 0

    floats = np.full((20, 20), 0.5, np.float32)
    floats[:5] = 1.0
    floats[15:] = 0.0
    img = Image.fromarray(floats)
    assert img.mode == "F"
    out = load_image(save(img, tmp_path / "f.tif"))
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[10, 0].tolist() == [128, 128, 128]
    assert out[18, 0].tolist() == [0, 0, 0]


def test_one_bit_and_grey(tmp_path: Path) -> None:
    img = Image.new("1", (20, 20), 0)
    img.putpixel((2, 2), 1)
    out = load_image(save(img, tmp_path / "bw.png"))
    assert out[2, 2].tolist() == [255, 255, 255] and out[0, 0].tolist() == [0, 0, 0]
    out = load_image(save(Image.new("L", (20, 20), 77), tmp_path / "grey.jpg"))
    assert out.shape == (20, 20, 3)
    assert np.all(out[..., 0] == out[..., 1]) and abs(int(out[5, 5, 0]) - 77) <= 1


def test_16_bit_rgb_png(tmp_path: Path) -> None:
    rgb16 = np.zeros((20, 24, 3), np.uint16)
    rgb16[..., 0] = 65535
    rgb16[..., 1] = 32896  # 128 * 257
    rgb16[..., 2] = 257 * 10
    out = load_image(write_png16_rgb(tmp_path / "rgb16.png", rgb16))
    assert out.shape == (20, 24, 3)
    assert out[0, 0].tolist() == [255, 128, 10]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    pixels = np.zeros((20, 40, 3), np.uint8)  # 40 wide, 20 high: red left, blue right
    pixels[:, :20] = (255, 0, 0)
    pixels[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = save(Image.fromarray(pixels), tmp_path / "phone.jpg", exif=exif, quality=95)
    out = load_image(path)
    assert out.shape == (40, 20, 3)  # now portrait
    assert out[2, 10, 0] > 200 and out[2, 10, 2] < 60  # left edge rotated to the top
    assert out[37, 10, 2] > 200 and out[37, 10, 0] < 60


def test_exif_orientation_with_downscaling(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    path = save(Image.fromarray(gradient(400, 100)), tmp_path / "phone.jpg", exif=exif)
    assert load_image(path, max_side=200).shape == (200, 50, 3)


def test_embedded_srgb_profile(tmp_path: Path) -> None:
    pixels = gradient()
    path = save(Image.fromarray(pixels), tmp_path / "srgb.png", icc_profile=srgb_icc())
    out = load_image(path)
    assert np.abs(out.astype(int) - pixels).max() <= 2


def test_wide_gamut_profile_is_converted(tmp_path: Path) -> None:
    icc = matrix_icc(ADOBE_RGB_D50, 563 / 256, "Wide RGB test")
    colour = (60, 160, 60)
    plain = load_image(save(Image.new("RGB", (20, 20), colour), tmp_path / "plain.png"))
    wide = load_image(save(Image.new("RGB", (20, 20), colour), tmp_path / "wide.png", icc_profile=icc))
    assert plain[0, 0].tolist() == list(colour)
    # The same numbers mean a more saturated green in the wider space: sRGB needs less red.
    r, g, b = wide[0, 0].tolist()
    assert r < colour[0] - 10 and g >= colour[1] - 5
    # Grey stays grey through any proper conversion.
    grey = load_image(save(Image.new("RGB", (20, 20), (128, 128, 128)), tmp_path / "g.png", icc_profile=icc))
    assert np.ptp(grey[0, 0].astype(int)) <= 2


def test_broken_profile_still_loads_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = save(
        Image.new("RGB", (20, 20), (10, 20, 30)), tmp_path / "broken.png", icc_profile=b"not a profile" * 20
    )
    with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.images"):
        out = load_image(path)
    assert out[0, 0].tolist() == [10, 20, 30]
    assert any("colour profile" in r.getMessage() for r in caplog.records)


def test_mismatched_profile_still_loads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    path = save(Image.new("RGB", (20, 20), (10, 20, 30)), tmp_path / "lab.jpg", icc_profile=lab, quality=100)
    with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.images"):
        out = load_image(path)
    assert np.abs(out[0, 0].astype(int) - [10, 20, 30]).max() <= 3
    assert any("colour profile" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("suffix", [".webp", ".tif", ".tiff", ".bmp", ".ppm"])
def test_other_formats(tmp_path: Path, suffix: str) -> None:
    pixels = gradient()
    options = {"lossless": True} if suffix == ".webp" else {}
    out = load_image(save(Image.fromarray(pixels), tmp_path / f"img{suffix}", **options))
    np.testing.assert_array_equal(out, pixels)


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_animations_give_their_first_frame(tmp_path: Path, suffix: str) -> None:
    frames = [Image.new("RGB", (24, 24), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    options: dict[str, Any] = {"save_all": True, "append_images": frames[1:], "duration": 100, "loop": 0}
    if suffix == ".webp":
        options["lossless"] = True
    path = save(frames[0], tmp_path / f"anim{suffix}", **options)
    with Image.open(path) as img:
        assert getattr(img, "n_frames", 1) == 3
    out = load_image(path)
    assert out.shape == (24, 24, 3)
    assert out[12, 12].tolist() == [255, 0, 0]


def test_real_photos(tmp_path: Path) -> None:
    photos = sorted((SHARED_IMAGES / "content").glob("*.jpg"))
    if not photos:
        pytest.skip(f"no sample photos in {SHARED_IMAGES}")
    for photo in photos[:4]:
        out = load_image(photo, max_side=128)
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
        assert max(out.shape[:2]) == 128
        assert out.std() > 5  # a picture, not a flat field


# ---------------------------------------------------------------------------------------------
# Sizes


def test_huge_jpeg_is_shrunk_while_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = Image.fromarray(gradient(64, 48)).resize((6000, 4500))
    path = save(big, tmp_path / "huge.jpg", quality=80)
    decoded_sizes: list[tuple[int, int]] = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spy_load(self: JpegImagePlugin.JpegImageFile) -> Any:
        decoded_sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy_load)
    out = load_image(path, max_side=600)
    assert out.shape == (450, 600, 3)
    assert decoded_sizes and max(decoded_sizes[0]) <= 1500  # decoded at 1/4 size, not 6000 px
    assert abs(int(out[225, 300, 0]) - int(gradient(64, 48)[24, 32, 0])) < 12


def test_downscale_png_and_no_upscale(tmp_path: Path) -> None:
    path = save(Image.fromarray(gradient(300, 200)), tmp_path / "wide.png")
    assert load_image(path, max_side=150).shape == (100, 150, 3)
    assert load_image(path, max_side=300).shape == (200, 300, 3)
    assert load_image(path, max_side=5000).shape == (200, 300, 3)
    assert load_image(path).shape == (200, 300, 3)


@pytest.mark.parametrize("bad", [0, -5, MIN_SIDE - 1, 2.5, True])
def test_invalid_max_side_is_a_programming_error(tmp_path: Path, bad: Any) -> None:
    path = save(Image.new("RGB", (20, 20)), tmp_path / "p.png")
    with pytest.raises(ValueError):
        load_image(path, max_side=bad)


def test_too_small(tmp_path: Path) -> None:
    text = load_error(save(Image.new("RGB", (10, 8)), tmp_path / "tiny.png"))
    assert text == f"tiny.png is too small (10x8 px); use an image at least {MIN_SIDE} px on each side."
    assert "(500x15 px)" in load_error(save(Image.new("RGB", (500, 15)), tmp_path / "strip.png"))
    assert load_image(save(Image.new("RGB", (MIN_SIDE, MIN_SIDE)), tmp_path / "ok.png")).shape == (16, 16, 3)


def test_too_thin_once_shrunk(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (2000, 20)), tmp_path / "strip.png")
    assert load_image(path).shape == (20, 2000, 3)
    assert "too thin" in load_error(path, max_side=500)


def test_decompression_bomb_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(100_000, 100_000) + png_chunk(b"IEND", b""))
    assert "too large" in load_error(path)
    # Above our limit but below Pillow's hard one: our own check, naming the size.
    path.write_bytes(png_header(20_000, 15_000) + png_chunk(b"IEND", b""))
    with pytest.warns(Image.DecompressionBombWarning):
        assert "(20000x15000 px)" in load_error(path)


def test_pixel_limit_applies_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(Image.new("RGB", (100, 100)), tmp_path / "big.png")
    monkeypatch.setattr(images, "MAX_PIXELS", 5_000)
    assert "too large (100x100 px)" in load_error(path)


# ---------------------------------------------------------------------------------------------
# Files that are not usable images


def test_truncated_jpeg_and_png(tmp_path: Path) -> None:
    for suffix in (".jpg", ".png"):
        whole = save(Image.fromarray(gradient(256, 256)), tmp_path / f"whole{suffix}")
        half = tmp_path / f"half{suffix}"
        half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
        assert "damaged or incomplete" in load_error(half)


def test_corrupt_png_checksum(tmp_path: Path) -> None:
    data = bytearray(save(Image.fromarray(gradient()), tmp_path / "ok.png").read_bytes())
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    (tmp_path / "bad.png").write_bytes(bytes(data))
    load_error(tmp_path / "bad.png")


def test_text_empty_missing_and_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("this is not a picture\n" * 20)
    assert load_error(tmp_path / "notes.jpg") == "notes.jpg is not an image nst-desktop can read."
    (tmp_path / "empty.png").write_bytes(b"")
    assert load_error(tmp_path / "empty.png") == "empty.png is empty."
    assert load_error(tmp_path / "gone.png") == "gone.png does not exist."
    (tmp_path / "folder.png").mkdir()
    assert load_error(tmp_path / "folder.png") == "folder.png is a folder, not an image."


def test_unsupported_format_is_refused(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (20, 20)), tmp_path / "pic.ico")
    assert "not an image nst-desktop can read" in load_error(path)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(Image.new("RGB", (20, 20)), tmp_path / "secret.png")
    if IS_ROOT or os.name != "posix":
        real_open = os.open

        def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(file) == path:  # images opens through os.open (non-blocking, then fstat)
                raise PermissionError(13, "Permission denied")
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(images.os, "open", deny)
    else:
        path.chmod(0)
    try:
        assert load_error(path) == "nst-desktop is not allowed to read secret.png."
    finally:
        path.chmod(0o644)


def test_names_with_line_breaks_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.png"
    with pytest.raises(ImageError) as info:
        load_image(path)
    assert_sentence(info.value, "two")


def test_load_image_bytes(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(buffer, "PNG")
    out = load_image_bytes(buffer.getvalue(), name="pasted image")
    assert out.shape == (20, 30, 3) and out[0, 0].tolist() == [255, 255, 255]
    assert load_image_bytes(buffer.getvalue(), max_side=24).shape == (16, 24, 3)
    for data, expected in ((b"", "pasted image is empty."), (b"hello", "not an image")):
        with pytest.raises(ImageError) as info:
            load_image_bytes(data, name="pasted image")
        assert_sentence(info.value, expected)


def test_input_filter_lists_readable_suffixes() -> None:
    assert INPUT_FILTER.startswith("Images (") and INPUT_FILTER.endswith(")")
    for ext in ("*.png", "*.jpg", "*.jpeg", "*.webp", "*.tif", "*.tiff", "*.gif", "*.bmp"):
        assert ext in INPUT_FILTER.split("(")[1].rstrip(")").split()


# ---------------------------------------------------------------------------------------------
# Writing


METADATA = {"settings": {"style_strength": 2.5, "size": 512, "seed": 7}, "note": "café ✓", "list": [1, 2]}


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".PNG", ".JPG", ".TIF"])
def test_roundtrip_with_metadata(tmp_path: Path, suffix: str) -> None:
    pixels = gradient()
    written = save_image(tmp_path / f"result{suffix}", pixels, metadata=METADATA)
    assert written == tmp_path / f"result{suffix}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"result{suffix}"]  # no temp file, no sidecar
    out = load_image(written)
    assert out.shape == pixels.shape
    if suffix.lower() in (".jpg", ".jpeg"):
        assert np.abs(out.astype(int) - pixels).mean() < 2
    else:
        np.testing.assert_array_equal(out, pixels)
    assert read_metadata(written) == METADATA


def test_compress_level_trades_size_for_speed_and_keeps_pixels_and_metadata(tmp_path: Path) -> None:
    pixels = gradient()
    default = save_image(tmp_path / "default.png", pixels, metadata=METADATA)
    fast = save_image(tmp_path / "fast.png", pixels, metadata=METADATA, compress_level=1)
    stored = save_image(tmp_path / "stored.png", pixels, metadata=METADATA, compress_level=0)
    for path in (default, fast, stored):
        np.testing.assert_array_equal(load_image(path), pixels)
        assert read_metadata(path) == METADATA
    assert stored.stat().st_size > default.stat().st_size  # level 0 stores the rows as they are
    same = save_image(tmp_path / "same.png", pixels, metadata=METADATA, compress_level=6)
    assert same.read_bytes() == default.read_bytes()  # None is the encoder's default, level 6
    jpeg = save_image(tmp_path / "other.jpg", pixels, compress_level=1)  # JPEG ignores it
    assert load_image(jpeg).shape == pixels.shape
    tiffs = [
        save_image(tmp_path / f"level{n}.tif", pixels, metadata=METADATA, compress_level=n) for n in (0, 9)
    ]
    for path in tiffs:  # TIFF's deflate takes the same level (a history version writes level 1)
        np.testing.assert_array_equal(tifffile.imread(path), pixels.astype(np.uint16) * 257)
        assert read_metadata(path) == METADATA
    assert tiffs[0].stat().st_size > tiffs[1].stat().st_size
    for bad in (-1, 10, True, 1.5):
        with pytest.raises(ValueError):
            save_image(tmp_path / "bad.png", pixels, compress_level=bad)  # type: ignore[arg-type]
    assert not (tmp_path / "bad.png").exists()


def test_sixteen_bit_input_goes_into_a_tiff_as_it_is_and_into_a_png_rounded(tmp_path: Path) -> None:
    data = (np.arange(16 * 16 * 3, dtype=np.uint32).reshape(16, 16, 3) * 85).astype(np.uint16)
    np.testing.assert_array_equal(tifffile.imread(save_image(tmp_path / "exact.tif", data)), data)
    png = load_image(save_image(tmp_path / "eight.png", data))
    np.testing.assert_array_equal(png, np.rint(data / 257.0).astype(np.uint8))


def test_float_input_is_clipped_and_rounded(tmp_path: Path) -> None:
    data = np.zeros((16, 16, 3), np.float32)
    data[0, 0] = (-0.5, 2.0, 0.5)
    data[0, 1] = (np.nan, 1.0 / 255.0, 0.998)
    out = load_image(save_image(tmp_path / "f.png", data))
    assert out[0, 0].tolist() == [0, 255, 128]
    assert out[0, 1].tolist() == [0, 1, 254]


def test_16_bit_tiff_keeps_the_precision(tmp_path: Path) -> None:
    ramp = np.linspace(0.0, 1.0, 1024, dtype=np.float32)
    data = np.broadcast_to(ramp[None, :, None], (16, 1024, 3)).copy()
    path = save_image(tmp_path / "deep.tif", data)
    read = tifffile.imread(path)
    assert read.dtype == np.uint16 and read.shape == (16, 1024, 3)
    assert len(np.unique(read[..., 0])) > 256
    assert read[0, 0, 0] == 0 and read[0, -1, 0] == 65535
    np.testing.assert_array_equal(read[0, :, 1], np.rint(ramp * 65535).astype(np.uint16))
    # From 8-bit data, 255 becomes 65535 rather than 255.
    read = tifffile.imread(save_image(tmp_path / "from8.tif", gradient()))
    np.testing.assert_array_equal(read, gradient().astype(np.uint16) * 257)
    # Pillow, and so other programs, read it back too.
    assert load_image(path).shape == (16, 1024, 3)


def test_outputs_are_tagged_srgb(tmp_path: Path) -> None:
    for suffix in (".png", ".jpg"):
        with Image.open(save_image(tmp_path / f"out{suffix}", gradient())) as img:
            icc = img.info.get("icc_profile")
        assert icc and "sRGB" in icc_description(icc)
    with tifffile.TiffFile(save_image(tmp_path / "out.tif", gradient())) as tif:
        page = tif.pages[0]
        assert isinstance(page, tifffile.TiffPage)
        icc = page.tags["InterColorProfile"].value
    assert "sRGB" in icc_description(bytes(icc))


def test_metadata_too_big_for_a_jpeg_comment_goes_to_a_sidecar(tmp_path: Path) -> None:
    big = {"history": ["x" * 1000] * 100}
    path = save_image(tmp_path / "result.jpg", gradient(), metadata=big)
    sidecar = tmp_path / "result.jpg.json"
    assert sidecar.is_file() and json.loads(sidecar.read_text(encoding="utf-8")) == big
    with Image.open(path) as img:
        assert "comment" not in img.info
    assert read_metadata(path) == big
    # Saving again without metadata removes the now misleading sidecar.
    save_image(path, gradient())
    assert not sidecar.exists()
    assert read_metadata(path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.jpg"]


def test_large_metadata_in_png_and_tiff_is_embedded(tmp_path: Path) -> None:
    big = {"history": ["x" * 1000] * 100}
    for suffix in (".png", ".tif"):
        path = save_image(tmp_path / f"r{suffix}", gradient(), metadata=big)
        assert read_metadata(path) == big
    assert not list(tmp_path.glob("*.json"))


def test_unknown_suffix(tmp_path: Path) -> None:
    for name in ("result.bmp", "result"):
        with pytest.raises(OutputError) as info:
            save_image(tmp_path / name, gradient())
        text = assert_sentence(info.value, name)
        for suffix in OUTPUT_SUFFIXES:
            assert suffix in text
    assert not list(tmp_path.iterdir())


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        save_image(tmp_path / "nowhere" / "result.png", gradient())
    assert_sentence(info.value, "result.png", "does not exist")


def test_destination_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "result.png").mkdir()
    with pytest.raises(OutputError) as info:
        save_image(tmp_path / "result.png", gradient())
    assert_sentence(info.value, "result.png", "folder")


def test_unwritable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    if IS_ROOT or os.name != "posix":

        def deny(final: Path) -> Path:
            raise PermissionError(13, "Permission denied", str(final))

        monkeypatch.setattr(atomic, "_create_temp", deny)
    else:
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(OutputError) as info:
            save_image(folder / "result.png", gradient())
    finally:
        folder.chmod(0o755)
    assert_sentence(info.value, "result.png", "not allowed")
    assert not list(folder.iterdir())


def test_disk_full_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tifffile, "imwrite", full)
    with pytest.raises(OutputError) as info:
        save_image(tmp_path / "result.tif", gradient())
    assert_sentence(info.value, "result.tif", "disk space")
    assert not list(tmp_path.iterdir())


def _failing_save(exc: BaseException) -> Callable[..., None]:
    def save(self: Image.Image, fp: Any, *args: Any, **kwargs: Any) -> None:
        with open(fp, "wb") as f:  # write half a file, then fail
            f.write(b"\x89PNG\r\n\x1a\n partial")
        raise exc

    return save


@pytest.mark.parametrize(
    "exc", [OSError(5, "Input/output error"), KeyboardInterrupt(), ValueError("encoder")]
)
def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    existing = tmp_path / "result.png"
    existing.write_bytes(b"the previous result")
    (tmp_path / "new.png").unlink(missing_ok=True)
    monkeypatch.setattr(Image.Image, "save", _failing_save(exc))
    for target in (existing, tmp_path / "new.png"):
        expected: type[BaseException] = (
            KeyboardInterrupt if isinstance(exc, KeyboardInterrupt) else OutputError
        )
        with pytest.raises(expected) as info:
            save_image(target, gradient(), metadata=METADATA)
        if expected is OutputError:
            assert_sentence(info.value, target.name)
    assert existing.read_bytes() == b"the previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.png"]  # no .part, no new.png


def test_bad_arrays_are_programming_errors(tmp_path: Path) -> None:
    bad: Any
    for bad in (
        np.zeros((16, 16), np.uint8),
        np.zeros((16, 16, 4), np.uint8),
        np.zeros((16, 16, 3), np.int64),
    ):
        with pytest.raises(ValueError):
            save_image(tmp_path / "x.png", bad)
    with pytest.raises(TypeError):
        save_image(tmp_path / "x.png", gradient(), metadata={"bad": object()})
    assert not list(tmp_path.iterdir())


def test_saved_file_permissions_follow_umask(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    path = save_image(tmp_path / "result.png", gradient())
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    save_image(path, gradient())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# ---------------------------------------------------------------------------------------------
# Reading metadata


def test_no_metadata(tmp_path: Path) -> None:
    for suffix in (".png", ".jpg", ".tif", ".webp"):
        path = save(Image.fromarray(gradient()), tmp_path / f"plain{suffix}")
        assert read_metadata(path) is None


def test_foreign_comments_and_descriptions_are_not_metadata(tmp_path: Path) -> None:
    path = save(Image.fromarray(gradient()), tmp_path / "gimp.jpg", comment=b"Created with GIMP")
    assert read_metadata(path) is None
    tifffile.imwrite(tmp_path / "shaped.tif", gradient())  # tifffile writes {"shape": [...]}
    assert read_metadata(tmp_path / "shaped.tif") is None


def test_malformed_metadata_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    info = PngInfo()
    info.add_itxt("nst-desktop", "{not json")
    png = save(Image.fromarray(gradient()), tmp_path / "bad.png", pnginfo=info)
    jpg = save(Image.fromarray(gradient()), tmp_path / "bad.jpg", comment=b'{"nst-desktop": {oops')
    webp = save(Image.fromarray(gradient()), tmp_path / "side.webp")
    (tmp_path / "side.webp.json").write_text("[1, 2", encoding="utf-8")
    info = PngInfo()
    info.add_itxt("nst-desktop", "[1, 2]")
    not_object = save(Image.fromarray(gradient()), tmp_path / "list.png", pnginfo=info)
    for path in (png, jpg, webp, not_object):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.images"):
            assert read_metadata(path) is None
        assert caplog.records, path


def test_sidecar_for_other_formats(tmp_path: Path) -> None:
    path = save(Image.fromarray(gradient()), tmp_path / "x.webp")
    (tmp_path / "x.webp.json").write_text(json.dumps(METADATA), encoding="utf-8")
    assert read_metadata(path) == METADATA


def test_read_metadata_of_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("hello")
    (tmp_path / "empty.png").write_bytes(b"")
    for name in ("notes.png", "empty.png", "missing.png"):
        with pytest.raises(ImageError) as info:
            read_metadata(tmp_path / name)
        assert_sentence(info.value, name)


# ---------------------------------------------------------------------------------------------
# The atomic-write helpers


def test_atomic_write_bytes(tmp_path: Path) -> None:
    target = tmp_path / "preset.json"
    atomic.atomic_write_bytes(target, b"one")
    atomic.atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["preset.json"]


def test_atomic_path_names_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as temp:
        assert temp.parent == tmp_path
        assert temp.name.startswith(".") and temp.name.endswith(".part")
        temp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]
    with atomic.atomic_path(target) as temp:
        temp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # not visible before the block ends
    assert target.read_bytes() == b"new"


def test_atomic_path_in_missing_folder_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic.atomic_path(tmp_path / "no" / "x"):
        pass


def test_a_busy_picture_saves_as_jpeg(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Noise at quality 95 without subsampling needs 2.4 bytes a pixel: more than the buffer
    Pillow gives an optimised JPEG, which failed after libjpeg wrote to stderr."""
    noise = np.random.default_rng(0).integers(0, 256, (400, 600, 3), dtype=np.uint8)
    path = save_image(tmp_path / "noise.jpg", noise, metadata=METADATA)
    with Image.open(path) as img:
        assert img.size == (600, 400)
        img.load()
    assert capfd.readouterr().err == ""
