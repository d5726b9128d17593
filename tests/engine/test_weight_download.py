"""The optional torchvision weight set: download, hash check, cache, preprocessing fold.

A fake "torchvision" file is built from the original weights (their conv1_1 turned into
torchvision's input convention), so loading it through the fold must give back the original
network, and a run on it must paint like one on the original set. It is served from a loopback
HTTP server; nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from nst_desktop import cli
from nst_desktop.engine import run, weights
from nst_desktop.engine.errors import Cancelled, SettingsError, WeightsError
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import StyleImage

URL_ENV = "NST_DESKTOP_TORCHVISION_URL"


def _offset() -> torch.Tensor:
    mean_rgb = torch.tensor(weights.CAFFE_MEAN_BGR[::-1], dtype=torch.float64)
    m = torch.tensor(weights.IMAGENET_MEAN_RGB, dtype=torch.float64)
    s = torch.tensor(weights.IMAGENET_STD_RGB, dtype=torch.float64)
    return ((mean_rgb / 255.0 - m) / s).view(1, 3, 1, 1)


def _unfold(weight: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The inverse of the fold: a Caffe-space conv1_1 as torchvision would have trained it."""
    s = torch.tensor(weights.IMAGENET_STD_RGB, dtype=torch.float64).view(1, 3, 1, 1)
    w_tv = weight.to(torch.float64).flip(1) * (255.0 * s)
    b_tv = bias.to(torch.float64) - (w_tv * _offset()).sum(dim=(1, 2, 3))
    return w_tv.float(), b_tv.float()


@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A folder to serve: the fake file under its honest name, and a copy under a wrong one."""
    folder = tmp_path_factory.mktemp("www")
    original = weights.load_conv_weights()
    state: dict[str, torch.Tensor] = {}
    for (ours, *_), index in zip(weights.CONV_LAYERS, weights.TORCHVISION_CONV_INDICES, strict=True):
        w, b = original[ours]
        if ours == "conv1_1":
            w, b = _unfold(w, b)
        state[f"features.{index}.weight"], state[f"features.{index}.bias"] = w.clone(), b.clone()
    state["classifier.6.bias"] = torch.zeros(1000)  # like the real file, more than the features
    temp = folder / "fake.pth"
    torch.save(state, temp)
    digest = weights.file_sha256(temp)
    good = f"vgg19-{digest[:8]}.pth"
    temp.rename(folder / good)
    wrong_prefix = "00000000" if not digest.startswith("00000000") else "11111111"
    bad = f"vgg19-{wrong_prefix}.pth"
    (folder / bad).symlink_to(folder / good)
    return folder, good, bad


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-file (cancel, bad hash) is expected here


class _Server:
    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)
            self.running = False


@pytest.fixture
def server(www: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    srv = _Server(www[0])
    monkeypatch.setenv(URL_ENV, f"{srv.url}/{www[1]}")
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private cache folder, and per-process caches restored afterwards (the original set's
    entries survive, so other tests need not reload it)."""
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    saved_weights, saved_models = dict(weights._cache), dict(run._models)
    yield
    weights._cache.clear()
    weights._cache.update(saved_weights)
    run._models.clear()
    run._models.update(saved_models)


def _cache_contents() -> list[str]:
    folder = weights.weights_cache_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(exc.value)
    assert text and "\n" not in text
    return text


def test_download_reports_progress_and_lands_in_the_cache(
    server: _Server, www: tuple[Path, str, str]
) -> None:
    size = (www[0] / www[1]).stat().st_size
    seen: list[tuple[int, int | None]] = []
    assert not weights.is_cached("torchvision")
    path = weights.download_weight_set("torchvision", on_progress=lambda d, t: seen.append((d, t)))
    assert path == weights.weights_cache_dir() / www[1] and path.stat().st_size == size
    assert seen[0] == (0, size) and seen[-1] == (size, size) and len(seen) > 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert weights.is_cached("torchvision") and _cache_contents() == [www[1]]


def test_cached_set_loads_without_the_network_and_equals_the_original(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = weights.load_weight_set("torchvision", allow_download=True)
    assert weights.load_weight_set("torchvision") is first  # once per process
    server.stop()
    weights._cache.clear()

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the network was touched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    loaded = weights.load_weight_set("torchvision", allow_download=True)
    original = weights.load_conv_weights()
    assert list(loaded) == list(original)
    for name, (w, b) in loaded.items():
        w0, b0 = original[name]
        assert w.dtype == torch.float32 and w.shape == w0.shape
        assert torch.allclose(w, w0, rtol=1e-5, atol=1e-6) and torch.allclose(b, b0, rtol=1e-5, atol=1e-4)


def test_a_file_that_does_not_match_its_hash_is_refused(
    server: _Server, www: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"{server.url}/{www[2]}")
    with pytest.raises(WeightsError) as info:
        weights.download_weight_set("torchvision")
    assert "checksum" in _one_line(info)
    assert _cache_contents() == [] and not weights.is_cached("torchvision")


def test_a_damaged_cached_file_is_removed_when_loaded(server: _Server) -> None:
    path = weights.download_weight_set("torchvision")
    with path.open("r+b") as f:
        f.seek(5000)
        f.write(b"\x00" * 16)
    with pytest.raises(WeightsError) as info:
        weights.load_weight_set("torchvision")
    assert "damaged" in _one_line(info) and not path.exists()


def test_server_errors_and_no_network_give_one_sentence(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"{server.url}/vgg19-12345678.pth")
    with pytest.raises(WeightsError) as info:
        weights.download_weight_set("torchvision")
    assert "404" in _one_line(info)
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(URL_ENV, f"http://127.0.0.1:{port}/vgg19-12345678.pth")
    with pytest.raises(WeightsError) as info:
        weights.download_weight_set("torchvision")
    assert "no network connection" in _one_line(info) and "original weights" in str(info.value)
    assert _cache_contents() == []


def test_cancelling_mid_download_leaves_nothing(server: _Server) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done > 0:
            cancel.set()

    with pytest.raises(Cancelled):
        weights.load_weight_set("torchvision", on_progress=progress, cancel=cancel, allow_download=True)
    assert cancel.is_set() and _cache_contents() == []


def test_a_missing_set_is_never_downloaded_implicitly(server: _Server, photo: np.ndarray) -> None:
    with pytest.raises(WeightsError) as info:
        weights.load_weight_set("torchvision")
    assert "--download" in _one_line(info)
    with pytest.raises(WeightsError, match="--download"):
        run.stylize(photo, [StyleImage(photo)], Settings(size=40, steps=1, weights="torchvision"))
    assert _cache_contents() == []


def test_the_fold_matches_torchvision_preprocessing_away_from_the_border() -> None:
    gen = torch.Generator().manual_seed(0)
    w_tv = torch.randn(64, 3, 3, 3, generator=gen) * 0.2
    b_tv = torch.randn(64, generator=gen) * 0.5
    rgb = torch.rand(1, 3, 12, 12, generator=gen) * 255.0  # RGB 0..255
    m = torch.tensor(weights.IMAGENET_MEAN_RGB).view(1, 3, 1, 1)
    s = torch.tensor(weights.IMAGENET_STD_RGB).view(1, 3, 1, 1)
    reference = F.conv2d((rgb / 255.0 - m) / s, w_tv, b_tv, padding=1)
    caffe = rgb.flip(1) - torch.tensor(weights.CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    w, b = weights.fold_imagenet_normalisation(w_tv, b_tv)
    folded = F.conv2d(caffe, w, b, padding=1)
    centre = (..., slice(1, -1), slice(1, -1))
    assert torch.allclose(folded[centre], reference[centre], atol=1e-3)
    assert not torch.allclose(folded, reference, atol=1e-3)  # the documented border difference


def test_a_run_on_the_cached_set_paints_like_the_original(
    server: _Server, photo: np.ndarray, painting: np.ndarray
) -> None:
    weights.download_weight_set("torchvision")
    settings = Settings(size=40, steps=3, seed=3, device="cpu")
    ours = run.stylize(photo, [StyleImage(painting)], settings.replace(weights="torchvision"))
    reference = run.stylize(photo, [StyleImage(painting)], settings)
    assert ours.image.shape == reference.image.shape and max(ours.image.shape[:2]) == 40
    assert ours.settings.weights == "torchvision"
    assert np.abs(ours.image_float - reference.image_float).mean() < 0.01


def test_settings_accept_only_known_sets() -> None:
    assert Settings().weights == "original"
    assert Settings.from_dict({"schema_version": 1, "size": 64}).weights == "original"
    assert Settings.from_json(Settings(weights="torchvision").to_json()).weights == "torchvision"
    with pytest.raises(SettingsError, match="weights"):
        Settings(weights="vgg16")  # type: ignore[arg-type]


def _cli_args(tmp_path: Path, photo: np.ndarray, painting: np.ndarray) -> list[str]:
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(painting).save(tmp_path / "style.png")
    return [
        "stylize",
        str(tmp_path / "photo.png"),
        "--style",
        str(tmp_path / "style.png"),
        "-o",
        str(tmp_path / "out.png"),
        "--size",
        "40",
        "--steps",
        "2",
        "--device",
        "cpu",
        "--weights",
        "torchvision",
    ]


def test_cli_without_download_exits_2_with_one_line(
    server: _Server,
    tmp_path: Path,
    photo: np.ndarray,
    painting: np.ndarray,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([*_cli_args(tmp_path, photo, painting), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--download" in err
    assert not (tmp_path / "out.png").exists() and _cache_contents() == []


def test_cli_download_fetches_once_then_paints(
    server: _Server,
    www: tuple[Path, str, str],
    tmp_path: Path,
    photo: np.ndarray,
    painting: np.ndarray,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([*_cli_args(tmp_path, photo, painting), "--download"]) == 0
    err = capsys.readouterr().err
    assert "Downloading weights" in err and (tmp_path / "out.png").is_file()
    assert _cache_contents() == [www[1]]


def test_hash_prefix_in_the_file_name_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:9/vgg19.pth")
    with pytest.raises(WeightsError, match="checksum"):
        weights.download_weight_set("torchvision")
    assert weights.WEIGHT_SETS["torchvision"].url == "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
