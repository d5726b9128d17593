"""Reading photos and paintings, and writing results, so that any file an artist has just works.

Whatever goes in (a phone JPEG lying on its side, a CMYK scan, a 16-bit TIFF, a transparent
PNG, a wide-gamut photo with its own colour profile) comes out as one predictable thing: an
HxWx3 ``uint8`` sRGB array, upright, transparency flattened onto white. Whatever cannot be read
becomes an :class:`ImageError` whose message is one sentence naming the file.

Results are written atomically (see :mod:`.atomic`), tagged sRGB, and carry the settings that
made them, so a result can be dropped back into the app to recover its look.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import math
import os
import stat
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt
import tifffile
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from .atomic import NotARegularFile, atomic_path, name_fits
from .errors import ImageError, OutputError
from .files import FileProblem, open_regular
from .text import os_reason, quote, show_path
from .types import RGB8, RGB16, RGBF

try:
    from PIL import ImageCms

    _HAVE_CMS = True
except ImportError:  # pragma: no cover - only on a Pillow built without Little CMS
    _HAVE_CMS = False

log = logging.getLogger(__name__)

__all__ = [
    "INPUT_FILTER",
    "INPUT_SUFFIXES",
    "MAX_PIXELS",
    "MIN_SIDE",
    "OUTPUT_SUFFIXES",
    "load_image",
    "load_image_bytes",
    "read_metadata",
    "save_image",
]

MAX_PIXELS: int = 250_000_000
"""Largest image (width x height) we agree to decode: far beyond any camera, far below a bomb."""
MIN_SIDE: int = 16
"""Smallest short side the engine can use: VGG19 pools it down 16-fold before the deepest layers."""

OUTPUT_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
JPEG_QUALITY = 95
DEFAULT_DPI: float = 300.0
"""Print resolution recorded in saved pictures unless another is asked for: the usual for prints."""
MAX_DPI: float = 100_000.0
"""Largest resolution accepted: PNG stores pixels per metre in 32 bits, and no printer comes close."""
METADATA_KEY = "nst-desktop"
"""PNG text keyword, JSON wrapper key (JPEG comment, TIFF description) for embedded settings."""

# A JPEG COM segment holds at most 65533 bytes; the margin keeps clear of that edge.
_JPEG_COMMENT_LIMIT = 65_000
_SIDECAR_SUFFIX = ".json"
# Rows converted to 8 or 16 bits at a time when saving (bounded temporaries).
_CONVERT_ROWS = 256
# Shrinking first by an integer factor (Image.reduce) is fast; the last factor of 3 or less is
# left to Lanczos, which is what keeps the result sharp and free of aliasing.
_REDUCING_GAP = 3.0
# Pixels per stripe when high-bit-depth data is brought to 8 bits (a few MB of float64).
_STRIPE_PIXELS = 1 << 19
MAX_DECODE_BYTES: int = 1 << 30
"""Most memory the decoded image itself may take (Pillow's in-memory layout): with the 8-bit
copy made from it, that bounds what reading any one file costs."""
# Bytes per pixel of Pillow's in-memory modes ("RGB" is stored in four); 4 for the others.
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "La": 2, "I;16": 2, "I;16B": 2, "I;16L": 2}
# Decoding a JPEG at 1/2, 1/4 or 1/8 size keeps at least this factor above the final size, so
# the high-quality resampling that follows still has detail to work with.
_DRAFT_HEADROOM = 2

Image.init()
# Only formats an artist plausibly has; the others are rarely used and more rarely fuzzed.
_READ_FORMATS: tuple[str, ...] = tuple(
    f for f in ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "PPM", "AVIF") if f in Image.OPEN
)
_SUFFIX_FORMATS = (*_READ_FORMATS, "MPO")  # camera JPEGs with extra frames; JPEG's opener reads them
_COMMON_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".avif")
_readable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in _SUFFIX_FORMATS}
INPUT_SUFFIXES: tuple[str, ...] = (
    *(ext for ext in _COMMON_SUFFIXES if ext in _readable),
    *sorted(_readable.difference(_COMMON_SUFFIXES)),
)
"""Suffixes of the files :func:`load_image` reads, the common ones first."""
INPUT_FILTER: str = "Images ({})".format(" ".join(f"*{ext}" for ext in INPUT_SUFFIXES))

# Pillow's own bomb guard would refuse (or warn about) images we accept. Raise it to our limit so
# both agree; ours runs on ``img.size`` right after opening, before anything is decoded.
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


# --------------------------------------------------------------------------------------------
# Reading


def load_image(path: str | os.PathLike[str], *, max_side: int | None = None) -> RGB8:
    """Read an image file as an upright HxWx3 ``uint8`` sRGB array.

    With ``max_side``, an image whose long side exceeds it is shrunk to it, decoding JPEGs at a
    reduced size directly so that a 100-megapixel photo costs little memory; smaller images are
    never enlarged. Raises :class:`ImageError` for anything that is not a usable image.
    """
    _check_max_side(max_side)
    p = Path(path)
    name = _display_name(p)
    with _open_input(p, name) as fp:
        return _decode(fp, name, max_side)


def load_image_bytes(data: bytes, *, name: str = "image", max_side: int | None = None) -> RGB8:
    """:func:`load_image` for data already in memory (a paste, a drop from a browser).

    ``name`` only serves to make the error messages meaningful.
    """
    _check_max_side(max_side)
    name = _clean(name) or "image"
    if not data:
        raise ImageError(f"{name} is empty.")
    return _decode(io.BytesIO(data), name, max_side)


def _check_max_side(max_side: int | None) -> None:
    # A wrong max_side is the caller's bug, not the user's, so it is not an ImageError.
    if max_side is not None and (
        isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < MIN_SIDE
    ):
        raise ValueError(f"max_side must be an integer of at least {MIN_SIDE} or None, not {max_side!r}")


def _clean(text: str) -> str:
    """Keep messages on one short line whatever characters a file name holds: unprintable
    characters become "?" and a long name or folder is cut in the middle (see engine.text)."""
    return show_path(text)


def _display_name(path: Path) -> str:
    return _clean(path.name or str(path))


def _open_input(path: Path, name: str) -> IO[bytes]:
    """Open a regular file for reading (see :mod:`.files`), each failure a sentence."""
    try:
        fd, info = open_regular(path)
    except FileProblem as problem:
        raise ImageError(
            {
                "missing": f"{name} does not exist.",
                "folder": f"{name} is a folder, not an image.",
                "denied": f"nst-desktop is not allowed to read {name}.",
                "special": (
                    f"{name} is not a regular file (it is a device, pipe, socket or system file), "
                    "not an image."
                ),
                "unreadable": f"{name} cannot be opened ({_clean(problem.reason).rstrip('.').lower()}).",
            }[problem.kind]
        ) from None
    if info.st_size == 0:
        os.close(fd)
        raise ImageError(f"{name} is empty.")
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except OSError as exc:
        os.close(fd)
        raise ImageError(f"{name} cannot be opened ({os_reason(exc)}).") from exc


def _too_large(name: str, size: tuple[int, int] | None = None) -> ImageError:
    dims = f" ({size[0]}x{size[1]} px)" if size else ""
    return ImageError(
        f"{name} is too large{dims}; nst-desktop reads images of up to {MAX_PIXELS / 1e6:g} megapixels."
    )


def _decode(fp: IO[bytes], name: str, max_side: int | None) -> RGB8:
    """Decode the first frame of an image, converting every decoder failure into one sentence.

    Pillow's decoders signal damage with many exception types (OSError, SyntaxError, ValueError,
    EOFError, struct.error, zlib.error, IndexError...), so all of them become "damaged".
    """
    try:
        with Image.open(fp, formats=_READ_FORMATS) as img:
            return _to_rgb8(img, name, max_side)
    except ImageError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageError(f"{name} is not an image nst-desktop can read.") from exc
    except Image.DecompressionBombError as exc:
        raise _too_large(name) from exc
    except MemoryError as exc:
        raise ImageError(f"{name} is too large to load with the memory available.") from exc
    except (OSError, SyntaxError, ValueError, EOFError, LookupError, TypeError, ArithmeticError) as exc:
        log.debug("Could not decode %s", name, exc_info=True)
        raise ImageError(f"{name} is damaged or incomplete, so nst-desktop cannot read it.") from exc
    except Exception as exc:
        log.error("Unexpected failure decoding %s", name, exc_info=True)
        raise ImageError(f"{name} is damaged or incomplete, so nst-desktop cannot read it.") from exc


def _target_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int] | None:
    """The size after shrinking to ``max_side``, or ``None`` when the image already fits."""
    w, h = size
    long = max(w, h)
    if max_side is None or long <= max_side:
        return None
    scale = max_side / long
    return (max(1, round(w * scale)), max(1, round(h * scale)))


def _to_rgb8(img: Image.Image, name: str, max_side: int | None) -> RGB8:
    w, h = img.size
    # Checked on the header's size, before a single pixel is decoded.
    if w * h > MAX_PIXELS:
        raise _too_large(name, (w, h))
    if min(w, h) < MIN_SIDE:
        raise ImageError(
            f"{name} is too small ({w}x{h} px); use an image at least {MIN_SIDE} px on each side."
        )
    if w * h * _MODE_BYTES.get(img.mode, 4) > MAX_DECODE_BYTES:
        raise _too_large(name, (w, h))
    target = _target_size((w, h), max_side)
    if target is not None:
        if min(target) < MIN_SIDE:
            raise ImageError(
                f"{name} is too thin ({w}x{h} px) to shrink to {max_side} px; "
                f"use an image with less extreme proportions."
            )
        # JPEG only (a no-op elsewhere): let libjpeg decode at 1/2, 1/4 or 1/8 size.
        img.draft("RGB", (target[0] * _DRAFT_HEADROOM, target[1] * _DRAFT_HEADROOM))
    img.load()
    icc = img.info.get("icc_profile")
    before = img.size
    _apply_orientation(img, name)
    if target is not None and img.size != before:
        target = (target[1], target[0])
    img = _flatten(_to_8bit(img))
    if target is not None and img.size != target:
        img = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
    img = _to_srgb(img, icc if isinstance(icc, bytes) else None, name)
    return np.ascontiguousarray(np.array(img, dtype=np.uint8))


def _apply_orientation(img: Image.Image, name: str) -> None:
    """Turn phone photos upright; a broken EXIF block is not worth refusing the photo for."""
    try:
        ImageOps.exif_transpose(img, in_place=True)
    except Exception:
        log.warning("%s has unreadable orientation data; using it as stored.", name, exc_info=True)


def _to_8bit(img: Image.Image) -> Image.Image:
    """Bring any mode down to one of L, LA, RGB, RGBA or CMYK with 8 bits per channel.

    CMYK stays CMYK so that its colour profile, if any, can still be applied.
    """
    mode = img.mode
    if mode in ("RGB", "L", "P") and "transparency" in img.info:
        return img.convert("LA" if mode == "L" else "RGBA")
    if mode == "P":
        return img.convert("RGBA" if img.palette is not None and img.palette.mode == "RGBA" else "RGB")
    if mode in ("PA", "RGBa"):
        return img.convert("RGBA")
    if mode == "La":
        return img.convert("LA")
    if mode == "1":
        return img.convert("L")
    if mode.startswith("I") or mode == "F":
        return _high_bit_depth_to_8bit(img)
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return img
    return img.convert("RGB")  # RGBX, YCbCr, HSV, LAB


def _high_bit_depth_to_8bit(img: Image.Image) -> Image.Image:
    """A 16- or 32-bit grey image as 8-bit "L", converted a stripe of rows at a time.

    Converting the whole array to floating point at once costs 8 bytes per pixel, several times
    over (a 15000 x 15000 16-bit PNG of 474 KB took 8 GB); a stripe costs a few megabytes, so the
    decoded image and its 8-bit copy are all the memory this needs.
    """
    w, h = img.size
    mode = img.mode
    bounds: tuple[float, float] | None = None
    if not mode.startswith("I;16"):  # 16-bit data has a fixed range; the others are inferred
        extrema: Any = img.getextrema()  # one band: (min, max)
        bounds = (float(extrema[0]), float(extrema[1]))
    out = Image.new("L", (w, h))
    rows = max(1, _STRIPE_PIXELS // max(w, 1))
    for top in range(0, h, rows):
        box = (0, top, w, min(h, top + rows))
        stripe = _scale_to_8bit(np.asarray(img.crop(box)), mode, bounds)
        out.paste(Image.fromarray(stripe, "L"), box)
    return out


def _scale_to_8bit(
    values: npt.NDArray[Any], mode: str, extrema: tuple[float, float] | None = None
) -> npt.NDArray[np.uint8]:
    """Map high-bit-depth grey levels onto 0..255 by the range the format implies.

    16-bit data maps 65535 to 255 (dividing by 257). 32-bit integer and float data carry no
    declared range, so it is inferred: floats within 0..1 are fractions, data within 0..255 is
    already 8-bit, within 0..65535 is 16-bit, and anything else is stretched from its minimum
    to its maximum.
    """
    data = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if mode.startswith("I;16"):
        scaled = data / 257.0
    else:
        if extrema is not None:  # the whole image's, when ``values`` is one stripe of it
            lo, hi = (v if math.isfinite(v) else 0.0 for v in extrema)
        else:
            lo = float(data.min()) if data.size else 0.0
            hi = float(data.max()) if data.size else 0.0
        if lo >= 0.0 and hi <= 1.0 and mode == "F":
            scaled = data * 255.0
        elif lo >= 0.0 and hi <= 255.0:
            scaled = data
        elif lo >= 0.0 and hi <= 65535.0:
            scaled = data / 257.0
        else:
            scaled = (data - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(data)
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


def _flatten(img: Image.Image) -> Image.Image:
    """Composite transparency onto white, as the picture would look on a page."""
    if img.mode not in ("LA", "RGBA"):
        return img
    base = img.mode[:-1]
    background = Image.new(base, img.size, 255 if base == "L" else (255, 255, 255))
    background.paste(img.convert(base), mask=img.getchannel("A"))
    return background


def _to_srgb(img: Image.Image, icc: bytes | None, name: str) -> Image.Image:
    """Convert through the embedded colour profile, so wide-gamut photos keep their colours."""
    if icc and _HAVE_CMS:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(img, source, _srgb_profile(), outputMode="RGB")
        except (OSError, ValueError, TypeError, ImageCms.PyCMSError) as exc:
            log.warning("%s has a colour profile that cannot be applied (%s); reading it as sRGB.", name, exc)
        else:
            if converted is not None:
                return converted
    return img if img.mode == "RGB" else img.convert("RGB")


if _HAVE_CMS:

    @cache
    def _srgb_profile() -> ImageCms.ImageCmsProfile:
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@cache
def _srgb_icc() -> bytes | None:
    """The sRGB profile embedded in every output, built once."""
    if not _HAVE_CMS:  # pragma: no cover
        log.warning("Pillow has no colour management; results are saved without an sRGB profile.")
        return None
    return _srgb_profile().tobytes()


# --------------------------------------------------------------------------------------------
# Writing

_Format = Literal["png", "jpeg", "tiff"]
_FORMATS: dict[str, _Format] = {
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
}


def save_image(
    path: str | os.PathLike[str],
    image: RGB8 | RGB16 | RGBF,
    *,
    metadata: Mapping[str, Any] | None = None,
    dpi: float = DEFAULT_DPI,
    compress_level: int | None = None,
) -> Path:
    """Write a picture with its metadata atomically, in the format its suffix names, tagged sRGB.

    The one writer of pictures: Save, drag out, the history's versions, the pipeline (the
    command line and the batch) all come here, so the metadata goes into every file the same
    way (tests/engine/test_one_writer.py keeps it so).

    ``dpi`` is the print resolution recorded in the file (PNG pHYs, JPEG JFIF density, TIFF
    XResolution/YResolution in inches), so a 4961x3508 px picture at 300 dpi prints as A3.

    - ``.png``: 8-bit RGB; metadata in an iTXt chunk with keyword ``nst-desktop``.
    - ``.jpg``/``.jpeg``: 8-bit, quality 95, no chroma subsampling (painted textures are full of
      fine colour detail); metadata in the COM comment segment when it fits in one (under
      65,000 bytes), otherwise in a sidecar ``<name>.json`` written next to it, atomically too.
    - ``.tif``/``.tiff``: 16-bit RGB, deflate-compressed; from ``float32`` data all 65536 levels
      are used, ``uint8`` data is stretched (x 257). Metadata in ImageDescription.

    JPEG comments and TIFF descriptions are free text any program may set, so they hold
    ``{"nst-desktop": metadata}`` to be recognisable; the PNG keyword already is. A sidecar left
    from an earlier save under the same name is removed when the new file needs none, so that
    :func:`read_metadata` never reports the settings of a picture that is gone.

    ``compress_level`` (0-9, zlib's) trades a PNG's or TIFF's size for speed where a file is
    wanted soon (a drag out of the window: level 1 writes a 4096 px PNG about a third faster,
    ~10 % larger; a history version, written after every run); None keeps the encoder's
    default (6). JPEG ignores it.

    ``image`` is HxWx3, ``uint8``, ``uint16`` (a version's 16-bit picture, written to a TIFF
    as it is) or float in 0..1 (clipped, rounded). Raises
    :class:`OutputError` if the file cannot be written; the destination is then as it was.
    """
    if compress_level is not None and (
        isinstance(compress_level, bool)
        or not isinstance(compress_level, int)
        or not 0 <= compress_level <= 9
    ):
        raise ValueError(f"compress_level must be 0-9 or None, not {compress_level!r}")
    final = Path(path)
    name = _display_name(final)
    fmt = _FORMATS.get(final.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"nst-desktop cannot save {name}; choose a name ending in "
            f"{', '.join(OUTPUT_SUFFIXES[:-1])} or {OUTPUT_SUFFIXES[-1]}."
        )
    array = _check_array(image)
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 1.0 <= dpi <= MAX_DPI:
        raise OutputError(f"The print resolution must be between 1 and {MAX_DPI:g} dpi, not {quote(dpi)}.")
    # Serialised up front: metadata JSON cannot represent is the caller's bug (TypeError or
    # ValueError from json), and must not be mistaken for a failure to write.
    plain = None if metadata is None else _metadata_json(metadata, wrapped=False)
    wrapped = None if metadata is None else _metadata_json(metadata, wrapped=True)
    # A symbolic link is written through: a failure is in the folder of the file it names.
    folder = Path(os.path.realpath(final)).parent if os.path.islink(final) else final.parent

    comment = sidecar = None
    if fmt == "jpeg" and metadata is not None and wrapped is not None:
        if len(wrapped) < _JPEG_COMMENT_LIMIT:  # ASCII, so characters are bytes
            comment = wrapped
        else:
            sidecar = json.dumps(dict(metadata), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    check_output_name(final, sidecar=fmt == "jpeg")
    try:
        # The sidecar's temporary file is made first and renamed last: a sidecar that cannot be
        # written stops the save before the picture is, so no picture is left without its settings.
        with contextlib.ExitStack() as stack:
            if sidecar is not None:
                side_temp = stack.enter_context(atomic_path(_sidecar_path(final)))
                side_temp.write_bytes(sidecar.encode("utf-8"))
            with atomic_path(final) as temp:
                if fmt == "png":
                    _write_png(temp, _to_uint8(array), plain, dpi, compress_level)
                elif fmt == "jpeg":
                    _write_jpeg(temp, _to_uint8(array), comment, dpi)
                else:
                    _write_tiff(temp, _to_uint16(array), wrapped, dpi, compress_level)
    except OSError as exc:
        raise _output_error(exc, name, folder) from exc
    except MemoryError as exc:
        raise OutputError(f"{name} could not be saved: there was not enough memory.") from exc
    except (ValueError, TypeError) as exc:
        log.error("Unexpected failure writing %s", name, exc_info=True)
        raise OutputError(f"{name} could not be saved because its encoder failed.") from exc

    if sidecar is None:
        _remove_outdated_sidecar(final)
    return final


def check_output_name(path: Path, *, sidecar: bool = False) -> None:
    """Refuse a result name the file system cannot hold, before any painting is spent on it.

    Names are limited in *bytes* (255 on the usual file systems), so a name of 100 accented or
    CJK characters can already be too long; a JPEG may need ``NAME.json`` beside it as well.
    """
    longest = path.name + (_SIDECAR_SUFFIX if sidecar else "")
    if not name_fits(longest):
        extra = f" (with the {_SIDECAR_SUFFIX} settings file a JPEG may need beside it)" if sidecar else ""
        raise OutputError(
            f"The name {_display_name(path)} is too long for the file system{extra}; choose a shorter name."
        )


def _check_array(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"save_image needs an HxWx3 array, not shape {array.shape}")
    if array.dtype not in (np.uint8, np.uint16) and not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"save_image needs uint8, uint16 or float data, not {array.dtype}")
    return array


def _to_uint8(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array, dtype=np.uint8)
    out: npt.NDArray[np.uint8] = np.empty(array.shape, np.uint8)
    scale = np.float32(65535.0 if array.dtype == np.uint16 else 1.0)
    for top in range(0, array.shape[0], _CONVERT_ROWS):
        band = array[top : top + _CONVERT_ROWS].astype(np.float32) / scale
        np.nan_to_num(band, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
        out[top : top + _CONVERT_ROWS] = np.rint(np.clip(band, 0.0, 1.0) * 255.0)
    return out


def _to_uint16(array: npt.NDArray[Any]) -> npt.NDArray[np.uint16]:
    if array.dtype == np.uint16:
        return np.ascontiguousarray(array, dtype=np.uint16)
    if array.dtype == np.uint8:
        return array.astype(np.uint16) * np.uint16(257)
    # A band of rows at a time: converting a print-size picture (8192 px on the long side) whole
    # would hold several float64 copies of it, gigabytes more than the painting itself needed.
    out = np.empty(array.shape, np.uint16)
    for top in range(0, array.shape[0], _CONVERT_ROWS):
        band = array[top : top + _CONVERT_ROWS].astype(np.float64)
        np.nan_to_num(band, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
        out[top : top + _CONVERT_ROWS] = np.rint(np.clip(band, 0.0, 1.0) * 65535.0)
    return out


def _metadata_json(metadata: Mapping[str, Any], *, wrapped: bool) -> str:
    body: Any = {METADATA_KEY: dict(metadata)} if wrapped else dict(metadata)
    return json.dumps(body, ensure_ascii=True, allow_nan=False)


def _write_png(
    temp: Path, data: npt.NDArray[np.uint8], text: str | None, dpi: float, level: int | None = None
) -> None:
    info = PngInfo()
    if text is not None:
        info.add_itxt(METADATA_KEY, text, zip=len(text) > 1024)
    options: dict[str, Any] = {"pnginfo": info, "dpi": (dpi, dpi)}
    if level is not None:
        options["compress_level"] = level
    icc = _srgb_icc()
    if icc:
        options["icc_profile"] = icc
    Image.fromarray(data).save(temp, format="PNG", **options)


def _write_jpeg(temp: Path, data: npt.NDArray[np.uint8], comment: str | None, dpi: float) -> None:
    # JFIF stores whole dots per inch.
    density = max(1, min(65535, round(dpi)))
    # No ``optimize``: Pillow then encodes the whole file into one buffer of 2 bytes a pixel,
    # which a busy texture at quality 95 without subsampling overflows (noise needs 2.4), and
    # the save fails after libjpeg writes to stderr. Streamed, the file is 2-3 % larger.
    options: dict[str, Any] = {
        "quality": JPEG_QUALITY,
        "subsampling": 0,
        "dpi": (density, density),
    }
    icc = _srgb_icc()
    if icc:
        options["icc_profile"] = icc
    if comment is not None:
        options["comment"] = comment.encode("ascii")
    Image.fromarray(data).save(temp, format="JPEG", **options)


def _write_tiff(
    temp: Path, data: npt.NDArray[np.uint16], text: str | None, dpi: float, level: int | None = None
) -> None:
    icc = _srgb_icc()
    # 34675 InterColorProfile, type 7 (UNDEFINED), written with the image's first page.
    extratags = [(34675, 7, len(icc), icc, True)] if icc else []
    tifffile.imwrite(
        temp,
        data,
        photometric="rgb",
        compression="zlib",
        compressionargs=None if level is None else {"level": level},
        predictor=True,
        description=text,
        metadata=None,  # no tifffile "shaped" JSON in ImageDescription
        software="nst-desktop",
        resolution=(dpi, dpi),
        resolutionunit="INCH",
        extratags=extratags,
    )


def _remove_outdated_sidecar(final: Path) -> None:
    sidecar = _sidecar_path(final)
    try:
        present = stat.S_ISREG(os.lstat(sidecar).st_mode)
    except OSError:
        return
    if present:
        try:
            sidecar.unlink()
        except OSError:
            log.warning("Could not remove the outdated settings file %s", sidecar, exc_info=True)


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + _SIDECAR_SUFFIX)


def _output_error(exc: OSError, name: str, folder: Path) -> OutputError:
    where = _clean(str(folder))
    if isinstance(exc, PermissionError):
        return OutputError(f"nst-desktop is not allowed to write {name} in {where}.")
    if isinstance(exc, FileNotFoundError):
        return OutputError(f"{name} cannot be saved because its folder {where} does not exist.")
    if isinstance(exc, IsADirectoryError):
        return OutputError(f"{name} is a folder; choose a file name for the result.")
    if isinstance(exc, NotARegularFile):
        return OutputError(f"{name} is a device, pipe or socket, not a regular file, so it is not replaced.")
    if exc.errno == errno.ENAMETOOLONG:
        return OutputError(f"The name {name} is too long for the file system; choose a shorter name.")
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(f"There is not enough disk space in {where} to save {name}.")
    return OutputError(f"{name} could not be saved ({os_reason(exc)}).")


# --------------------------------------------------------------------------------------------
# Metadata


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The settings a result was made with, or ``None`` for a picture that carries none.

    Looks in the places :func:`save_image` writes to, then in a ``<name>.json`` sidecar. Damaged
    metadata is ignored with a warning rather than refusing the picture; an unreadable file
    raises :class:`ImageError`.
    """
    p = Path(path)
    name = _display_name(p)
    with _open_input(p, name) as fp:
        try:
            with Image.open(fp, formats=_READ_FORMATS) as img:
                found = _embedded_text(img)
        except UnidentifiedImageError as exc:
            raise ImageError(f"{name} is not an image nst-desktop can read.") from exc
        except Image.DecompressionBombError as exc:
            raise _too_large(name) from exc
        except (OSError, SyntaxError, ValueError, EOFError, LookupError, TypeError, ArithmeticError) as exc:
            log.debug("Could not read the header of %s", name, exc_info=True)
            raise ImageError(f"{name} is damaged or incomplete, so nst-desktop cannot read it.") from exc
    if found is not None:
        text, wrapped = found
        return _parse_metadata(text, wrapped=wrapped, where=name)
    sidecar = _sidecar_path(p)
    try:
        # A picture whose name is near the limit has a sidecar name beyond it (ENAMETOOLONG):
        # like any other sidecar that cannot be examined, it simply is not there.
        if not stat.S_ISREG(os.stat(sidecar).st_mode):
            return None
    except OSError:
        return None
    try:
        text = sidecar.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("Could not read the settings file %s: %s", _clean(str(sidecar)), _clean(str(exc)))
        return None
    return _parse_metadata(text, wrapped=False, where=_display_name(sidecar))


def read_dpi(path: str | os.PathLike[str]) -> float | None:
    """The print resolution a picture records (horizontal, in dots per inch), or ``None``."""
    p = Path(path)
    name = _display_name(p)
    with _open_input(p, name) as fp:
        try:
            with Image.open(fp, formats=_READ_FORMATS) as img:
                dpi: Any = img.info.get("dpi")
        except (OSError, SyntaxError, ValueError, EOFError, LookupError, TypeError, ArithmeticError) as exc:
            raise ImageError(f"{name} is damaged or incomplete, so nst-desktop cannot read it.") from exc
    try:
        value = float(dpi[0])  # TIFF hands over an IFDRational
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def _embedded_text(img: Image.Image) -> tuple[str, bool] | None:
    """The metadata text stored in the image, and whether it is wrapped in ``{"nst-desktop": ...}``."""
    if img.format == "PNG":
        value = img.info.get(METADATA_KEY)
        return (str(value), False) if isinstance(value, str) else None
    if img.format in ("JPEG", "MPO"):
        raw = img.info.get("comment")
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    elif img.format == "TIFF":
        tags = getattr(img, "tag_v2", None)
        text = tags.get(270) if tags is not None else None
    else:
        return None
    if isinstance(text, str) and text.lstrip().startswith('{"' + METADATA_KEY + '"'):
        return text, True
    return None  # absent, or some other program's comment or description


def _parse_metadata(text: str, *, wrapped: bool, where: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        log.warning("The settings stored in %s are not valid JSON; ignoring them.", where)
        return None
    if wrapped:
        data = data.get(METADATA_KEY) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        log.warning("The settings stored in %s are not a JSON object; ignoring them.", where)
        return None
    return data
