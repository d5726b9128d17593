"""The session's history: every finished or stopped picture, kept on disk until it is dropped.

An artist tries one setting after another; without a history each Paint replaces the last
picture, and a good one is lost the moment a worse one follows. :class:`VersionStore` keeps each
result as a :class:`Version` (the picture, the exact settings with the seed actually used, the
photo and paintings, how the run ended) in a folder under the user data folder, so versions
survive a crash or a restart and two of them can be compared or saved later.

Why it looks like this:

- **Immutable records.** A :class:`Version` never changes; starring or marking one saved writes
  a new sidecar and hands back a new record. Widgets holding an old record are never surprised.
- **Lossless, lazily read.** The picture is a 16-bit TIFF (the float result keeps its precision,
  an 8-bit one round-trips exactly) read only when asked for; a listing reads the small JSON
  sidecars alone, and a strip of thumbnails reads the small PNG thumbnails.
- **Atomic and shared.** Every file is written through :mod:`.atomic`; the sidecar, written last
  and never replacing anything (link-or-fail), is what makes a version exist. Names carry the
  time and 32 random bits, so two windows (two processes) adding at once never collide, and a
  reader meeting half a version (a picture without its sidecar) skips it.
- **Bounded.** At most :data:`DEFAULT_LIMIT` unstarred versions and :data:`DEFAULT_MAX_BYTES` of
  their pictures are kept; the oldest unstarred are dropped first, and :meth:`VersionStore.add`
  says which, so the window can tell the artist. Starred versions are never dropped.
- **Hostile folder.** Anything in the folder may be damaged, foreign, huge, a FIFO or a link:
  such an entry is skipped with one log line (once per change of the file), never a crash.
  Nothing the app did not write may cost the artist a version: a version whose picture is a
  link, not a regular file, or larger than any picture of its size could be (a 10 GB sparse
  file) is not listed, so it neither counts against the bounds nor is dropped by them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import math
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import tifffile
from PIL import Image

from . import images
from .atomic import atomic_create, atomic_write_bytes
from .errors import EngineError, OutputError, SettingsError
from .files import FileProblem, open_regular, read_regular
from .images import DEFAULT_DPI, MAX_DPI
from .paths import user_data_dir
from .record import FADED_AFTER, Record, SourceRef, describe, run_metadata, stopped_percent
from .settings import MAX_SIZE, Settings
from .text import clip, os_reason, show_path
from .types import RGB8, RGBF

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_MAX_BYTES",
    "THUMB_SIDE",
    "Added",
    "SourceRef",
    "Version",
    "VersionStore",
    "dropped_text",
    "session_dir",
    "unfaded_to_keep",
]

FORMAT: Final = "nst-desktop-version"
FORMAT_VERSION: Final = 1
DEFAULT_LIMIT: Final = 50
"""Unstarred versions kept; the oldest unstarred beyond it are dropped when one is added."""
DEFAULT_MAX_BYTES: Final = 2 << 30
"""Bytes of unstarred pictures kept (2 GiB): fifty 4096-px versions would be far more."""
THUMB_SIDE: Final = 160
"""Long side of the thumbnails, in pixels: enough for a strip on a high-DPI screen."""

MAX_SIDECAR_BYTES: Final = 256 * 1024
MAX_THUMB_BYTES: Final = 4 << 20
MAX_THUMB_SIDE: Final = 1024
MAX_PICTURE_BYTES: Final = 2 << 30
MAX_ENTRIES: Final = 2000
"""Sidecars looked at in one listing (the newest by name): a flooded folder costs no more."""
MAX_PAINTINGS: Final = 64
MAX_NAME: Final = 1000
MAX_PATH: Final = 8192
MAX_MASK: Final = 64 * 1024
"""Characters of a recorded region (``regions.encode``: a few kB; the sidecar's bound is the cap)."""
ORPHAN_AGE: Final = 3600.0
"""Seconds after which a picture or thumbnail without its sidecar (a writer killed between the
two) is removed; younger ones may belong to a version being added by another window."""

_JSON = ".json"
_PICTURE = ".tif"
_THUMB = ".thumb.png"
_UNFADED = ".unfaded.tif"
_FILES = (_PICTURE, _THUMB, _UNFADED)
"""What a version may have beside its sidecar; the longest suffix that fits names the file."""
_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{8}$")


def session_dir() -> Path:
    """The per-user folder of the session's versions (``<user data>/session``)."""
    return user_data_dir() / "session"


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Version:
    """One finished or stopped run's :class:`~.record.Record` as the store keeps it: the
    record's facts in the sidecar, its picture on disk (read when asked for, see
    :meth:`record`), and what only the history has (id, time, star, saved, print resolution).

    ``settings`` are the ones actually used, seed included; ``progress`` is how far a stopped
    run got (0..1, 1 when ``complete``); ``size`` is the picture's (width, height); ``dpi`` is
    the print resolution its saved files record (chosen in Print…; a record written before it
    was kept reads as the default, 300). The picture kept is the one on show (after its fade).
    Fade moves a finished optimiser or fast-style picture without painting again, also after a
    restart: at full strength the picture is the one before the fade, and below it that one
    is kept beside it (``unfaded``), so a version read back can be faded anew.
    """

    id: str
    created: float
    settings: Settings
    size: tuple[int, int]
    complete: bool = True
    progress: float = 1.0
    photo: SourceRef | None = None
    paintings: tuple[SourceRef, ...] = ()
    fast_style: str | None = None
    device: str = ""
    seconds: float = 0.0
    starred: bool = False
    saved: bool = False
    saved_path: str | None = None
    dpi: float = DEFAULT_DPI
    keep: str | None = None
    """Where the photo was kept rather than painted (``regions.encode``), if anywhere."""
    threads: int | None = None
    """The CPU threads the run computed with (recorded in its files, never a setting)."""
    unfaded: bool = False
    """The picture before the fade is kept beside this one (a picture faded below full strength)."""

    @classmethod
    def of(cls, record: Record, *, version_id: str, created: float, dpi: float = DEFAULT_DPI) -> Version:
        """The version that keeps ``record`` (its facts; the picture goes beside it)."""
        return cls(
            id=version_id,
            created=created,
            settings=record.settings,
            size=record.size,
            complete=record.complete,
            progress=1.0 if record.complete else min(1.0, max(0.0, float(record.progress))),
            photo=record.photo,
            paintings=record.paintings,
            fast_style=record.fast_style,
            device=record.device,
            seconds=max(0.0, float(record.seconds)),
            dpi=valid_dpi(dpi, "a new version"),
            keep=record.keep,
            threads=record.threads,
        )

    @property
    def fades_after(self) -> bool:
        """A finished picture whose fade came after painting: Fade can move it at once."""
        return self.complete and self.settings.method in FADED_AFTER

    def record(self, picture: RGBF, unfaded: RGBF | None = None) -> Record:
        """The record this version keeps, with its ``picture`` and the one before its fade
        (``unfaded``, read from the store) when it was kept."""
        pixels: RGB8 = np.rint(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8)
        before = None
        if self.fades_after:
            before = unfaded if unfaded is not None else picture if self.settings.strength >= 1.0 else None
        return Record(
            image=pixels,
            image_float=picture,
            settings=self.settings,
            device=self.device,
            seconds=self.seconds,
            steps=0,
            threads=self.threads,
            complete=self.complete,
            progress=self.progress,
            photo=self.photo,
            paintings=self.paintings,
            fast_style=self.fast_style,
            keep=self.keep,
            unfaded=before,
        )

    @property
    def percent(self) -> int:
        """How far the run got, in whole percent (100 when complete)."""
        return 100 if self.complete else stopped_percent(self.progress)

    def status_text(self) -> str:
        """ "finished", or "stopped at 40%": how the run that made it ended."""
        return "finished" if self.complete else f"stopped at {self.percent}%"

    def time_text(self) -> str:
        """The local time it was made, as the strip shows it (HH:MM:SS)."""
        return time.strftime("%H:%M:%S", time.localtime(self.created))

    def summary(self) -> str:
        """Plain text, a few short lines: what made this version, for a tooltip.

        Outside values (file names, style names, the device) are clipped and made printable.
        """
        width, height = self.size
        head = f"{self.status_text().capitalize()} at {self.time_text()} · {width} × {height} px"
        if self.seconds > 0:
            head += f" · {_duration(self.seconds)}"
        lines = [head, *describe(self)]
        marks = [m for m, on in (("Starred", self.starred), ("Saved", self.saved)) if on]
        if marks:
            lines.append(" · ".join(marks))
        return "\n".join(lines)

    def metadata(self) -> dict[str, Any]:
        """The document to embed when this version is saved as a result file (the record's)."""
        return run_metadata(self)

    def to_dict(self) -> dict[str, Any]:
        """The sidecar's JSON form."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "created": self.created,
            "size": list(self.size),
            "complete": self.complete,
            "progress": self.progress,
            "settings": self.settings.to_dict(),
            "photo": None if self.photo is None else _ref_dict(self.photo),
            "paintings": [_ref_dict(p) for p in self.paintings],
            "fast_style": self.fast_style,
            "device": self.device,
            "seconds": self.seconds,
            "starred": self.starred,
            "saved": self.saved,
            "saved_path": self.saved_path,
            "dpi": self.dpi,
            "keep": self.keep,
            "threads": self.threads,
            "unfaded": self.unfaded,
        }

    @classmethod
    def from_dict(cls, data: object) -> Version:
        """Read a sidecar, checking every field; :class:`ValueError` (or ``SettingsError``) when
        it is not one of ours or is damaged."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a version sidecar")
        fv = data.get("format_version")
        if not isinstance(fv, int) or isinstance(fv, bool) or fv < 1:
            raise ValueError("no valid format_version")
        if fv > FORMAT_VERSION:
            raise ValueError(f"written by a newer version of nst-desktop (format {fv})")
        vid = data.get("id")
        if not isinstance(vid, str) or not _ID.match(vid):
            raise ValueError("no valid id")
        size = data.get("size")
        if not isinstance(size, list) or len(size) != 2:
            raise ValueError("no valid size")
        width, height = (_int(v, "size", 1, MAX_SIZE) for v in size)
        photo = data.get("photo")
        paintings = data.get("paintings", [])
        if not isinstance(paintings, list) or len(paintings) > MAX_PAINTINGS:
            raise ValueError("no valid list of paintings")
        settings = data.get("settings")
        if not isinstance(settings, dict):
            raise ValueError("no settings")
        return cls(
            id=vid,
            created=_number(data.get("created"), "created", 0.0, 1e11),
            settings=Settings.from_dict(settings),
            size=(width, height),
            complete=_bool(data.get("complete", True), "complete"),
            progress=_number(data.get("progress", 1.0), "progress", 0.0, 1.0),
            photo=None if photo is None else _ref_from(photo),
            paintings=tuple(_ref_from(p) for p in paintings),
            fast_style=_text(data.get("fast_style"), "fast_style", MAX_NAME, optional=True),
            device=_text(data.get("device", ""), "device", MAX_NAME) or "",
            seconds=_number(data.get("seconds", 0.0), "seconds", 0.0, 1e9),
            starred=_bool(data.get("starred", False), "starred"),
            saved=_bool(data.get("saved", False), "saved"),
            saved_path=_text(data.get("saved_path"), "saved_path", MAX_PATH, optional=True),
            dpi=valid_dpi(data.get("dpi"), f"version {vid}"),
            keep=_text(data.get("keep"), "keep", MAX_MASK, optional=True),
            threads=None if data.get("threads") is None else _int(data.get("threads"), "threads", 1, 4096),
            unfaded=_bool(data.get("unfaded", False), "unfaded"),
        )


def unfaded_to_keep(version: Version, record: Record) -> RGBF | None:
    """The picture before the fade that ``version`` keeps beside ``record``'s picture: only for
    a fade below full strength (at full strength the picture is that one)."""
    if version.fades_after and record.settings.strength < 1.0:
        return record.unfaded
    return None


class Added(NamedTuple):
    """What :meth:`VersionStore.add` did: the new version, and the old ones it dropped."""

    version: Version
    dropped: tuple[Version, ...]


def dropped_text(
    dropped: Sequence[Version], limit: int = DEFAULT_LIMIT, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """One plain sentence telling the artist that old versions were dropped ("" if none were).

    It names both bounds: a caller cannot tell which one dropped them, and naming only the
    count would blame the 50-version limit for versions the byte bound dropped.
    """
    if not dropped:
        return ""
    unsaved = sum(1 for v in dropped if not v.saved)
    what = "the oldest version" if len(dropped) == 1 else f"the {len(dropped)} oldest versions"
    were = "was" if len(dropped) == 1 else "were"
    note = "" if not unsaved else (" (it was not saved)" if len(dropped) == 1 else f" ({unsaved} not saved)")
    return (
        f"The history keeps {limit} versions and {_amount(max_bytes)} of pictures, so {what} "
        f"{were} dropped{note}; star a version to keep it."
    )


def _amount(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):g} GB"
    return f"{max(1, size >> 20)} MB"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _ref_dict(ref: SourceRef) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": ref.name, "path": ref.path, "weight": ref.weight}
    if ref.mask is not None:
        entry["mask"] = ref.mask
    return entry


def _ref_from(data: object) -> SourceRef:
    if not isinstance(data, dict):
        raise ValueError("an image reference is not an object")
    return SourceRef(
        name=_text(data.get("name", ""), "name", MAX_NAME) or "",
        path=_text(data.get("path"), "path", MAX_PATH, optional=True),
        weight=_number(data.get("weight", 1.0), "weight", 0.0, 1e6),
        mask=_text(data.get("mask"), "mask", MAX_MASK, optional=True),
    )


def _text(value: object, what: str, limit: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"no valid {what}")
    return value


def _number(value: object, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"no valid {what}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{what} out of range")
    return number


def valid_dpi(value: object, what: str) -> float:
    """``value`` as a print resolution (a finite number of 1 to ``MAX_DPI`` dpi); absent, the
    default; anything else the default too, with a log line naming ``what`` had it."""
    if value is None:
        return DEFAULT_DPI
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 1.0 <= value <= MAX_DPI
    ):
        shown = clip(repr(value), 40)
        log.info("The print resolution of %s is not valid (%s): %g dpi is used", what, shown, DEFAULT_DPI)
        return DEFAULT_DPI
    return float(value)


def _int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"no valid {what}")
    return value


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"no valid {what}")
    return value


# --------------------------------------------------------------------------------------------
# Pictures


def _to_uint16(picture: npt.NDArray[Any]) -> npt.NDArray[np.uint16]:
    array = np.asarray(picture)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"a version needs an HxWx3 picture, not shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.uint16) * np.uint16(257)
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"a version needs uint8 or float data, not {array.dtype}")
    data = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(data, 0.0, 1.0) * 65535.0).astype(np.uint16)


def _thumbnail_png(data16: npt.NDArray[np.uint16]) -> bytes:
    small = Image.fromarray(np.right_shift(data16, 8).astype(np.uint8))
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def picture_bound(size: tuple[int, int]) -> int:
    """The most bytes a version's picture of ``size`` (width, height) can take as this store
    writes it: 16-bit RGB, 6 bytes a pixel, plus what zlib adds to data it cannot shrink
    (under 0.1 %) and the TIFF's own header. A larger file is not one the app wrote."""
    pixels = size[0] * size[1]
    return min(MAX_PICTURE_BYTES, 6 * pixels + pixels // 128 + (1 << 20))


def _read_picture(path: Path, size: tuple[int, int]) -> RGBF:
    """The 16-bit TIFF of a version as float32 0..1; raises on anything else."""
    # A regular file, never a FIFO that would block nor a link placed in the folder.
    fd, info = open_regular(path, follow_links=False)
    # Opened through the checked descriptor; the name is only for tifffile's messages.
    with open(path, "rb", opener=lambda _name, _flags: fd) as fh:
        if info.st_size > picture_bound(size):
            raise ValueError(f"larger than a picture of {size[0]} × {size[1]} px can be")
        with tifffile.TiffFile(fh) as tif:
            if not tif.pages:
                raise ValueError("no image in it")
            page = tif.pages[0]
            shape = tuple(int(n) for n in page.shape)
            if shape != (size[1], size[0], 3) or page.dtype not in (np.uint16, np.uint8):
                raise ValueError(f"not the expected picture (shape {shape}, {page.dtype})")
            data = np.asarray(page.asarray())
    if data.shape != (size[1], size[0], 3):
        raise ValueError("the picture's data does not match its header")
    scale = 65535.0 if data.dtype == np.uint16 else 255.0
    out: RGBF = (data.astype(np.float32) / np.float32(scale)).astype(np.float32)
    return out


def _read_thumbnail(path: Path) -> RGB8:
    data = read_regular(path, MAX_THUMB_BYTES, follow_links=False)
    if len(data) > MAX_THUMB_BYTES:
        raise ValueError("too large for a thumbnail")
    with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
        if max(img.size) > MAX_THUMB_SIDE or min(img.size) < 1:
            raise ValueError(f"a thumbnail of {img.size[0]} × {img.size[1]} px")
        rgb = img.convert("RGB")
        out: RGB8 = np.asarray(rgb, dtype=np.uint8).copy()
    return out


# --------------------------------------------------------------------------------------------
# The store


_StatKey = tuple[int, int, int]


class VersionStore:
    """The versions in one folder; several stores (windows, processes) may share the folder.

    Reading never raises for what is in the folder: damaged entries are skipped and logged.
    Writing (:meth:`add`, :meth:`star`, :meth:`mark_saved`, :meth:`delete`, :meth:`clear`)
    raises :class:`OutputError`, a sentence fit for the artist, when the disk refuses.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        limit: int = DEFAULT_LIMIT,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if limit < 1 or max_bytes < 1:
            raise ValueError("a version store keeps at least one version")
        self._folder = Path(folder)
        self._limit = limit
        self._max_bytes = max_bytes
        # Sidecar name -> (its stat key, the version read from it or None if it is unusable):
        # a listing re-reads only what changed, and logs a bad file once per change.
        self._cache: dict[str, tuple[_StatKey, Version | None]] = {}
        # One store may be used by two threads at once (the window adds a large version on its
        # writer thread while the GUI thread lists, stars or deletes). The lock guards the
        # cache and makes every change of existing versions (star, saved, delete, and the
        # pruning after an add) one step; it is never held while a picture is being written.
        self._lock = threading.RLock()

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def limit(self) -> int:
        return self._limit

    # Reading -------------------------------------------------------------------------------

    def versions(self) -> list[Version]:
        """Every usable version in the folder, oldest first (what changed on disk is re-read)."""
        with self._lock:
            return self._versions()

    def _versions(self) -> list[Version]:
        try:
            with os.scandir(self._folder) as entries:
                names = sorted(
                    e.name for e in entries if e.name.endswith(_JSON) and not e.name.startswith(".")
                )
        except FileNotFoundError:
            self._cache.clear()
            return []
        except OSError as exc:
            log.warning("Cannot list the versions in %s: %s", show_path(self._folder), exc)
            return []
        if len(names) > MAX_ENTRIES:
            log.warning(
                "The version folder %s holds %d sidecars; looking at the newest %d only",
                show_path(self._folder),
                len(names),
                MAX_ENTRIES,
            )
            names = names[-MAX_ENTRIES:]
        found: list[Version] = []
        seen: set[str] = set()
        for name in names:
            seen.add(name)
            version = self._read_entry(name)
            if version is not None:
                found.append(version)
        for gone in set(self._cache) - seen:
            del self._cache[gone]
        found.sort(key=lambda v: (v.created, v.id))
        return found

    def get(self, version_id: str) -> Version | None:
        """The version with this id as it is on disk now, or ``None``."""
        if not _ID.match(version_id):
            return None
        return self._read_entry(version_id + _JSON)

    def picture(self, version_id: str) -> RGBF | None:
        """The full picture, HxWx3 float32 in 0..1; ``None`` (and a log line) if it is unusable."""
        version = self.get(version_id)
        return None if version is None else self._picture(version, _PICTURE, "picture")

    def _picture(self, version: Version, suffix: str, what: str) -> RGBF | None:
        path = self._folder / (version.id + suffix)
        try:
            return _read_picture(path, version.size)
        except FileProblem as exc:
            log.warning("Skipping the %s of version %s (%s)", what, version.id, exc.kind)
        except MemoryError:
            log.warning("Skipping the %s of version %s: not enough memory", what, version.id)
        except Exception as exc:  # noqa: BLE001 - a damaged file may make the decoder raise anything
            log.warning("Skipping the damaged %s of version %s: %s", what, version.id, clip(str(exc), 200))
        return None

    def picture8(self, version_id: str) -> RGB8 | None:
        """The picture as HxWx3 ``uint8`` (for the screen), or ``None``."""
        picture = self.picture(version_id)
        if picture is None:
            return None
        out: RGB8 = np.rint(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8)
        return out

    def thumbnail(self, version_id: str) -> RGB8 | None:
        """The small thumbnail (long side :data:`THUMB_SIDE`), or ``None`` if it is unusable."""
        if not _ID.match(version_id):
            return None
        path = self._folder / (version_id + _THUMB)
        try:
            return _read_thumbnail(path)
        except FileProblem as exc:
            if exc.kind != "missing":
                log.warning("Skipping the thumbnail of version %s (%s)", version_id, exc.kind)
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for damaged files
            log.warning("Skipping the damaged thumbnail of version %s: %s", version_id, clip(str(exc), 200))
        return None

    def new_id(self) -> str:
        """A fresh version id, for a caller that shows a version before :meth:`add` writes it
        (pass it as ``version_id``)."""
        return _new_id(time.time())

    def unsaved(self) -> list[Version]:
        """Versions the artist neither saved nor starred: what is lost if the session is cleared."""
        return [v for v in self.versions() if not v.saved and not v.starred]

    # Writing -------------------------------------------------------------------------------

    def add(
        self,
        picture: npt.NDArray[Any],
        *,
        settings: Settings,
        complete: bool = True,
        progress: float = 1.0,
        photo: SourceRef | None = None,
        paintings: Iterable[SourceRef] = (),
        fast_style: str | None = None,
        device: str = "",
        seconds: float = 0.0,
        dpi: float = DEFAULT_DPI,
        version_id: str | None = None,
        created: float | None = None,
    ) -> Added:
        """Keep a new version made of these parts (see :meth:`keep`; :meth:`add_record` keeps
        a run's record as it is). ``progress`` matters for a stopped run (``complete=False``);
        ``version_id`` (from :meth:`new_id`) and ``created`` fix the id and time of a version
        already shown before it is written; by default both are picked here."""
        now = time.time() if created is None else created
        version = Version(
            id=version_id or _new_id(now),
            created=now,
            settings=settings,
            size=(1, 1),  # the picture's, set by keep
            complete=complete,
            progress=1.0 if complete else min(1.0, max(0.0, float(progress))),
            photo=photo,
            paintings=tuple(paintings),
            fast_style=fast_style,
            device=device,
            seconds=max(0.0, float(seconds)),
            dpi=valid_dpi(dpi, "a new version"),
        )
        return self.keep(version, picture, fixed_id=version_id is not None)

    def add_record(
        self,
        record: Record,
        *,
        dpi: float = DEFAULT_DPI,
        version_id: str | None = None,
        created: float | None = None,
    ) -> Added:
        """Keep a run's :class:`~.record.Record` (its picture on show, and all it knows of the run)."""
        now = time.time() if created is None else created
        version = Version.of(record, version_id=version_id or _new_id(now), created=now, dpi=dpi)
        unfaded = unfaded_to_keep(version, record)
        return self.keep(version, record.image_float, fixed_id=version_id is not None, unfaded=unfaded)

    def keep(
        self,
        version: Version,
        picture: npt.NDArray[Any],
        *,
        fixed_id: bool = True,
        unfaded: npt.NDArray[Any] | None = None,
    ) -> Added:
        """Write ``version`` (its record's facts) with ``picture`` and drop the oldest
        unstarred versions beyond the bounds.

        ``picture`` is HxWx3, ``uint8`` or float in 0..1; the version's size is taken from it.
        With ``fixed_id`` the version's id is kept (it is already shown); else another is
        picked when it is taken. ``unfaded``, the picture before its fade (of the same shape),
        is kept beside it so Fade can move it after a restart. Raises :class:`OutputError` if
        it cannot be written (nothing of it is then left behind) and :class:`ValueError` for a
        picture of the wrong shape or an invalid id. Safe to call on one thread while others
        read or change the store.
        """
        if not _ID.match(version.id):
            raise ValueError("not a valid version id")
        data = _to_uint16(picture)
        height, width = int(data.shape[0]), int(data.shape[1])
        if max(width, height) > MAX_SIZE:
            raise ValueError(f"a version is at most {MAX_SIZE} px on its long side")
        before = None if unfaded is None else _to_uint16(unfaded)
        if before is not None and before.shape != data.shape:
            raise ValueError("the picture before the fade must be the picture's size")
        self._ensure_folder()
        version = dataclasses.replace(version, size=(width, height), unfaded=before is not None)
        sidecar = _sidecar_bytes(version)
        for _ in range(5):
            try:
                self._write_new(version, data, sidecar, before)
                break
            except FileExistsError:  # 32 random bits in the same millisecond: pick another id
                if fixed_id:
                    raise OutputError(
                        "The version could not be kept: its name is already taken in the history folder."
                    ) from None
                version = dataclasses.replace(version, id=_new_id(version.created))
                sidecar = _sidecar_bytes(version)
        else:
            raise OutputError("The version could not be kept: no free name in the history folder.")
        with self._lock:  # a star or delete on another thread waits, so none is lost to pruning
            dropped = self._prune(keep=version.id)
            self._sweep_orphans()
        return Added(version, dropped)

    def record(self, version_id: str) -> Record | None:
        """The record a version keeps, its picture read back (``None`` if it is unusable); the
        picture before its fade too where it was kept (a damaged one only costs Fade)."""
        version = self.get(version_id)
        picture = None if version is None else self._picture(version, _PICTURE, "picture")
        if version is None or picture is None:
            return None
        unfaded = None
        if version.unfaded and version.fades_after:
            unfaded = self._picture(version, _UNFADED, "picture before the fade")
        return version.record(picture, unfaded)

    def star(self, version_id: str, starred: bool = True) -> Version | None:
        """Star (keep for good) or unstar a version; the new record, or ``None`` if it is gone."""
        return self._update(version_id, starred=starred)

    def mark_saved(self, version_id: str, path: str | os.PathLike[str] | None = None) -> Version | None:
        """Record that the artist saved this version (to ``path``); ``None`` if it is gone."""
        saved_path = None if path is None else os.fspath(path)
        return self._update(version_id, saved=True, saved_path=saved_path)

    def delete(self, version_id: str) -> bool:
        """Remove a version; ``False`` if there was none with this id."""
        if not _ID.match(version_id):
            return False
        with self._lock:
            return self._delete_locked(version_id)

    def _delete_locked(self, version_id: str) -> bool:
        sidecar = self._folder / (version_id + _JSON)
        try:
            # The sidecar first: from that moment no listing shows the version.
            sidecar.unlink()
        except FileNotFoundError:
            existed = False
        except OSError as exc:
            raise OutputError(f"The version could not be deleted: {os_reason(exc)}.") from exc
        else:
            existed = True
        self._cache.pop(sidecar.name, None)
        for suffix in _FILES:
            try:
                (self._folder / (version_id + suffix)).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:  # left as an orphan; a later add sweeps it
                log.warning("Could not remove %s%s: %s", version_id, suffix, os_reason(exc))
        return existed

    def clear(self, *, keep_starred: bool = False) -> int:
        """Delete every version (or every unstarred one); how many were deleted."""
        count = 0
        with self._lock:
            for version in self._versions():
                if keep_starred and version.starred:
                    continue
                count += self._delete_locked(version.id)
        return count

    # Internals -----------------------------------------------------------------------------

    def _ensure_folder(self) -> None:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"The history folder {show_path(self._folder)} could not be made: {os_reason(exc)}."
            ) from exc

    def _write_new(
        self,
        version: Version,
        data: npt.NDArray[np.uint16],
        sidecar: bytes,
        unfaded: npt.NDArray[np.uint16] | None = None,
    ) -> None:
        base = self._folder / version.id
        picture, thumb = base.with_name(version.id + _PICTURE), base.with_name(version.id + _THUMB)
        before = base.with_name(version.id + _UNFADED)
        if any(os.path.lexists(base.with_name(version.id + suffix)) for suffix in (*_FILES, _JSON)):
            # Taken (an id given twice, or a collision): never write over another version's files.
            raise FileExistsError(version.id)
        try:
            # The one picture writer (engine/images.py): the record's metadata goes inside, so a
            # version's picture is, like a saved file, a record of the run that made it.
            images.save_image(picture, data, metadata=version.metadata(), dpi=version.dpi, compress_level=1)
            if unfaded is not None:  # no metadata: it is not the picture the run recorded
                images.save_image(before, unfaded, dpi=version.dpi, compress_level=1)
            atomic_write_bytes(thumb, _thumbnail_png(data))
            atomic_create(base.with_name(version.id + _JSON), sidecar)
        except FileExistsError:
            _remove_quietly(picture, thumb, before)
            raise
        except OutputError as exc:  # the writer's sentence names a temporary file: say it our way
            _remove_quietly(picture, thumb, before)
            cause = exc.__cause__
            reason = os_reason(cause) if isinstance(cause, OSError) else str(exc).rstrip(".")
            raise OutputError(f"The version could not be kept in the history: {reason}.") from exc
        except OSError as exc:
            _remove_quietly(picture, thumb, before)
            raise OutputError(f"The version could not be kept in the history: {os_reason(exc)}.") from exc
        except MemoryError as exc:
            _remove_quietly(picture, thumb, before)
            raise OutputError("The version could not be kept in the history: not enough memory.") from exc

    def _read_entry(self, name: str) -> Version | None:
        with self._lock:
            return self._read_entry_locked(name)

    def _read_entry_locked(self, name: str) -> Version | None:
        path = self._folder / name
        try:
            info = os.lstat(path)  # a link is refused by the reader; its target's changes do not count
        except OSError:
            self._cache.pop(name, None)
            return None
        key = (info.st_mtime_ns, info.st_size, info.st_ino)
        cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        version = self._parse(path)
        self._cache[name] = (key, version)
        return version

    def _parse(self, path: Path) -> Version | None:
        shown = clip(path.name, 80)
        if not _ID.match(path.name[: -len(_JSON)]):
            log.warning("Skipping %s in the version folder: not a version's name", shown)
            return None
        try:
            raw = read_regular(path, MAX_SIDECAR_BYTES, follow_links=False)
        except FileProblem as exc:
            log.warning("Skipping the version sidecar %s (%s)", shown, exc.kind)
            return None
        if len(raw) > MAX_SIDECAR_BYTES:
            log.warning("Skipping the version sidecar %s: larger than %d KB", shown, MAX_SIDECAR_BYTES >> 10)
            return None
        try:
            version = Version.from_dict(json.loads(raw.decode("utf-8")))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            log.warning("Skipping the damaged version sidecar %s: %s", shown, clip(str(exc), 200))
            return None
        except SettingsError as exc:
            log.warning("Skipping the version sidecar %s: %s", shown, clip(str(exc), 200))
            return None
        if version.id + _JSON != path.name:
            log.warning("Skipping the version sidecar %s: it names another version", shown)
            return None
        problem = _picture_problem(path.with_name(version.id + _PICTURE), version.size)
        if problem:
            log.warning("Skipping the version %s: its picture %s", version.id, problem)
            return None
        return version

    def _update(self, version_id: str, **changes: Any) -> Version | None:
        with self._lock:  # read, write and check as one step: pruning cannot slip in between
            return self._update_locked(version_id, **changes)

    def _update_locked(self, version_id: str, **changes: Any) -> Version | None:
        current = self.get(version_id)
        if current is None:
            return None
        new = dataclasses.replace(current, **changes)
        if new == current:
            return current
        path = self._folder / (version_id + _JSON)
        try:
            atomic_write_bytes(path, _sidecar_bytes(new))
        except OSError as exc:
            raise OutputError(f"The version could not be updated: {os_reason(exc)}.") from exc
        if not (self._folder / (version_id + _PICTURE)).exists():
            # Deleted by another window meanwhile: do not leave a sidecar without its picture.
            _remove_quietly(path)
            return None
        return new

    def _prune(self, keep: str) -> tuple[Version, ...]:
        """Drop the oldest unstarred versions beyond the count and byte bounds (never ``keep``).

        A picture swapped since its version was listed for one that is not ours (a link, a
        file larger than its size allows) takes its version out of the count instead of
        counting its bytes: a foreign file never pushes the artist's versions out.
        """
        unstarred = []
        for version in self.versions():
            if version.starred:
                continue
            problem = _picture_problem(self._folder / (version.id + _PICTURE), version.size)
            if problem and version.id != keep:
                log.warning("Not counting the version %s: its picture %s", version.id, problem)
                continue
            unstarred.append(version)
        sizes = {
            v.id: _file_size(self._folder / (v.id + _PICTURE)) + self._unfaded_size(v)
            for v in unstarred
        }
        total = sum(sizes.values())
        dropped: list[Version] = []
        for version in unstarred:  # oldest first
            if len(unstarred) - len(dropped) <= self._limit and total <= self._max_bytes:
                break
            if version.id == keep:
                continue
            try:
                self.delete(version.id)
            except EngineError as exc:
                log.warning("Could not drop the old version %s: %s", version.id, exc)
                continue
            dropped.append(version)
            total -= sizes[version.id]
        if dropped:
            log.info("Dropped %d old version(s) from the history", len(dropped))
        return tuple(dropped)

    def _unfaded_size(self, version: Version) -> int:
        """The bytes of a version's picture before the fade, 0 for one the app did not write (a
        link, a FIFO, a 10 GB sparse file): like the picture's, it must not push the artist's
        versions out of the bounds."""
        if not version.unfaded:
            return 0
        path = self._folder / (version.id + _UNFADED)
        return 0 if _picture_problem(path, version.size) else _file_size(path)

    def _sweep_orphans(self) -> None:
        """Remove pictures and thumbnails an hour old whose sidecar is gone (a killed writer)."""
        now = time.time()
        try:
            with os.scandir(self._folder) as entries:
                files = [(e.name, e) for e in entries if e.name.endswith(_FILES)]
        except OSError:
            return
        for name, entry in files:
            suffix = max((s for s in _FILES if name.endswith(s)), key=len)
            vid = name[: -len(suffix)]
            if not _ID.match(vid) or (self._folder / (vid + _JSON)).exists():
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > ORPHAN_AGE:
                    os.unlink(entry.path)
                    log.info("Removed %s, left without its sidecar", name)
            except OSError:
                continue


def _new_id(now: float) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return f"{stamp}-{int(now * 1000) % 1000:03d}-{secrets.token_hex(4)}"


def _sidecar_bytes(version: Version) -> bytes:
    text = json.dumps(version.to_dict(), indent=1, ensure_ascii=True, allow_nan=False)
    return (text + "\n").encode("ascii")


def _file_size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _picture_problem(path: Path, size: tuple[int, int]) -> str:
    """Why the file at ``path`` is not a picture this store wrote for a version of ``size``
    ("" when it may be): examined without following a link and without reading it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be examined ({os_reason(exc)})"
    if stat.S_ISLNK(info.st_mode):
        return "is a link, not a file the app wrote"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_size > picture_bound(size):
        return (
            f"is larger ({info.st_size >> 20} MB) than a picture of {size[0]} × {size[1]} px can be, "
            "so it is not one the app wrote"
        )
    return ""


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
