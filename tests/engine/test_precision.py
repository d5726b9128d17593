"""The precision policy: what ``auto`` picks where, the setting's round trips, and that a
reduced-precision run still paints (the loss falls as in float32) at tiny sizes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from nst_desktop.engine import precision, precision_probe, run
from nst_desktop.engine.errors import SettingsError
from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
from nst_desktop.engine.metadata import build_metadata, settings_from_metadata
from nst_desktop.engine.precision import Hardware, choose, fastest
from nst_desktop.engine.presets import Preset, PresetStore
from nst_desktop.engine.settings import SPECS, STYLE_LAYERS, Settings
from nst_desktop.engine.types import StyleImage

CPU = torch.device("cpu")
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples" / "content"

# -- the policy, on simulated hardware ------------------------------------------------------

AVX2_ONLY = frozenset({"sse4_2", "avx", "avx2", "fma", "f16c"})


def pays(device: torch.device, candidate: torch.dtype) -> torch.dtype:
    """A probe verdict: the hardware's candidate pays (as the probe found on this CPU, quiet)."""
    return candidate


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (frozenset(), torch.float32),
        (AVX2_ONLY, torch.float32),  # bfloat16 is emulated there: slower than float32
        (AVX2_ONLY | {"avx512f", "avx512bw", "avx512_vnni"}, torch.float32),  # AVX-512, no BF16
        (AVX2_ONLY | {"avx512f", "avx512_bf16"}, torch.bfloat16),  # Cooper Lake, Zen 4/5
        (AVX2_ONLY | {"amx_tile", "amx_bf16", "amx_int8"}, torch.bfloat16),  # Sapphire Rapids
        (frozenset({"fp", "asimd", "bf16"}), torch.float32),  # an ARM CPU: not trusted yet
    ],
)
def test_auto_on_a_cpu_picks_bfloat16_only_with_native_support(
    flags: frozenset[str], expected: torch.dtype
) -> None:
    assert fastest("cpu", Hardware(cpu_flags=flags)) == expected
    # With a probe that finds the candidate faster, auto is the candidate (test_precision_probe.py
    # covers a probe that does not).
    assert choose("auto", CPU, Hardware(cpu_flags=flags), pays) == expected


@pytest.mark.parametrize(
    ("capability", "expected"),
    [
        (None, torch.float32),
        ((6, 1), torch.float32),  # Pascal: no tensor cores
        ((7, 0), torch.float16),  # Volta
        ((7, 5), torch.float16),  # Turing
        ((8, 0), torch.bfloat16),  # Ampere
        ((9, 0), torch.bfloat16),  # Hopper
    ],
)
def test_auto_on_cuda_follows_the_compute_capability(
    capability: tuple[int, int] | None, expected: torch.dtype
) -> None:
    assert fastest("cuda", Hardware(cuda_capability=capability)) == expected


def test_auto_on_mps_is_float16_where_pytorch_can_autocast_there() -> None:
    assert fastest("mps", Hardware(mps_autocast=True)) == torch.float16
    assert fastest("mps", Hardware(mps_autocast=False)) == torch.float32
    assert fastest("xpu", Hardware(cpu_flags=frozenset({"amx_bf16"}))) == torch.float32


def test_an_explicit_choice_is_honoured_even_where_it_is_slow() -> None:
    slow = Hardware(cpu_flags=AVX2_ONLY)
    assert choose("float32", CPU, Hardware(cpu_flags=frozenset({"amx_bf16"}))) == torch.float32
    assert choose("bfloat16", CPU, slow) == torch.bfloat16
    assert choose("float16", CPU, slow) == torch.float16
    with pytest.raises(ValueError, match="unknown precision"):
        choose("float8", CPU, slow)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    x86 = tmp_path / "x86"
    x86.write_text(
        "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 AVX512_BF16 amx_tile\n\n"
        "processor\t: 1\nflags\t\t: fpu\n"
    )
    assert precision.cpu_flags(x86) == {"fpu", "avx2", "avx512_bf16", "amx_tile"}
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd bf16\n")
    assert precision.cpu_flags(arm) == {"fp", "asimd", "bf16"}
    # Without the file (Windows, macOS) PyTorch's probes answer; whatever they say is a set.
    assert isinstance(precision.cpu_flags(tmp_path / "missing"), frozenset)


def test_autocast_and_the_scaler_do_nothing_in_float32() -> None:
    with precision.autocast(CPU, torch.float32):
        assert not torch.is_autocast_enabled("cpu")
        y = torch.nn.functional.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1))
    assert y.dtype == torch.float32
    with precision.autocast(CPU, torch.bfloat16):
        y = torch.nn.functional.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1))
    assert y.dtype == torch.bfloat16
    assert not precision.grad_scaler(CPU, torch.bfloat16).is_enabled()
    assert precision.grad_scaler(CPU, torch.float16).is_enabled()
    assert precision.name(torch.bfloat16) == "bfloat16"


# -- the setting --------------------------------------------------------------------------------


def test_the_setting_is_a_machine_choice_with_a_flag_and_validated() -> None:
    field = SPECS["precision"]
    assert field.kind == "machine" and field.flag and field.values == precision.CHOICES
    assert Settings().precision == "auto"
    with pytest.raises(SettingsError, match="precision must be one of auto, float32, bfloat16, float16"):
        Settings(precision="double")


def test_the_setting_round_trips_through_json_metadata_and_presets(tmp_path: Path) -> None:
    settings = Settings(precision="bfloat16", style_strength=2.0)
    assert Settings.from_json(settings.to_json()) == settings
    meta = build_metadata(settings, content_name="photo.png", styles=[], device="CPU")
    assert settings_from_metadata(json.loads(json.dumps(meta))).precision == "bfloat16"
    # An older document, written before the setting existed, means auto.
    old = settings.to_dict()
    del old["precision"]
    assert Settings.from_dict(old).precision == "auto"
    # A preset file keeps it, but applying a preset (a look) keeps this computer's choice.
    store = PresetStore(tmp_path / "presets", tmp_path / "none")
    store.save("Mine", settings)
    loaded = store.get("Mine")
    assert loaded.settings.precision == "bfloat16"
    current = Settings(precision="float32")
    applied = loaded.apply_to(current)
    assert applied.precision == "float32" and applied.style_strength == 2.0
    assert Preset("x", Settings(precision="float16")).matches(Settings(precision="float32"))


def test_training_takes_every_precision_and_refuses_others() -> None:
    for choice in precision.CHOICES:
        assert TrainSettings(precision=choice).precision == choice  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="precision"):
        TrainSettings(precision="float64")  # type: ignore[arg-type]


# -- the features and a run ----------------------------------------------------------------------


def _caffe(rgb: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1], dtype=np.float32)).permute(2, 0, 1)[None]
    return t - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


def test_a_reduced_precision_view_shares_the_weights_and_returns_float32(photo: np.ndarray) -> None:
    base = run.get_model(CPU, "max", "relu5_1")
    view = base.in_precision(torch.bfloat16)
    assert view is not base and base.in_precision(torch.float32) is base
    assert base.compute_dtype == torch.float32 and view.compute_dtype == torch.bfloat16
    assert all(a is b for a, b in zip(base.parameters(), view.parameters(), strict=True))
    x = _caffe(photo[:48, :48]).requires_grad_(True)
    full = base(x, STYLE_LAYERS)
    reduced = view(x, STYLE_LAYERS)
    for layer in STYLE_LAYERS:
        assert reduced[layer].dtype == torch.float32
        rel = (reduced[layer] - full[layer]).norm() / full[layer].norm()
        assert rel < 0.03, (layer, float(rel))
    # The first layer reads the picture in float32: relu1_1 is float32's to rounding.
    assert torch.allclose(reduced["relu1_1"], full["relu1_1"], rtol=1e-5, atol=1e-3)
    reduced["relu3_1"].sum().backward()  # type: ignore[no-untyped-call]
    assert x.grad is not None and x.grad.dtype == torch.float32 and torch.isfinite(x.grad).all()


def test_float16_that_overflows_is_recomputed_in_float32(photo: np.ndarray) -> None:
    view = run.get_model(CPU, "max", "relu5_1").in_precision(torch.float16)
    huge = _caffe(photo[:32, :32]) * 1000.0  # activations far beyond float16's 65504
    out = view(huge, ["relu4_1"])
    assert torch.isfinite(out["relu4_1"]).all() and out["relu4_1"].abs().max() > 65504
    assert view.compute_dtype == torch.float32


def test_a_bfloat16_run_lowers_the_loss_like_a_float32_one(photo: np.ndarray, painting: np.ndarray) -> None:
    finals: dict[str, dict[str, float]] = {}
    firsts: dict[str, float] = {}
    for choice in ("float32", "bfloat16"):
        seen: list[float] = []
        settings = Settings(size=64, steps=20, levels=1, seed=1, device="cpu", precision=choice)
        result = run.stylize(
            photo,
            [StyleImage(painting)],
            settings,
            on_progress=lambda p, seen=seen: seen.append(p.losses["total"]) if p.losses else None,
        )
        assert result.settings.precision == choice
        firsts[choice], finals[choice] = seen[0], result.losses
    for choice in finals:
        assert finals[choice]["total"] < 0.7 * firsts[choice]
    # Same steps, nearly the same picture: within 5 % on the total and every term that matters.
    for term in ("total", "style", "content"):
        assert finals["bfloat16"][term] == pytest.approx(finals["float32"][term], rel=0.05), term
    # No extra speckle: the smoothness term (what noise would raise) stays close too.
    assert finals["bfloat16"]["tv"] == pytest.approx(finals["float32"]["tv"], rel=0.1)


def _photos(folder: Path) -> Path:
    from PIL import Image

    folder.mkdir()
    for i, source in enumerate(sorted(SAMPLES.glob("*.jpg")) * 2):
        img = Image.open(source).convert("RGB")
        img.thumbnail((80 + 7 * i, 80 + 7 * i))
        img.save(folder / f"photo{i}.png")
    return folder


def test_bfloat16_training_lowers_the_loss(painting: np.ndarray, tmp_path: Path) -> None:
    photos = _photos(tmp_path / "photos")
    seen: list[float] = []
    settings = TrainSettings(
        size=64, steps=10, batch=2, seed=1, width=8, learning_rate=5e-3, precision="bfloat16", device="cpu",
        network="johnson", measure=False,
    )  # fmt: skip
    train_fast_style(
        [StyleImage(painting)],
        photos,
        tmp_path / "s.nststyle",
        settings,
        on_progress=lambda p: seen.append(p.losses["total"]) if p.stage == "training" else None,
    )
    assert len(seen) == 10 and np.mean(seen[-3:]) < 0.6 * np.mean(seen[:3])


def test_a_training_stopped_in_bfloat16_resumes_in_float32(painting: np.ndarray, tmp_path: Path) -> None:
    import threading

    from nst_desktop.engine.errors import Cancelled

    photos = _photos(tmp_path / "photos")
    out = tmp_path / "r.nststyle"
    cancel = threading.Event()
    settings = TrainSettings(
        size=32, steps=4, batch=1, seed=5, width=8, precision="bfloat16", device="cpu", measure=False
    )

    def stop_after_two(p: object) -> None:
        if getattr(p, "stage", "") == "training" and getattr(p, "step", 0) >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        train_fast_style(
            [StyleImage(painting)], photos, out, settings, on_progress=stop_after_two, cancel=cancel
        )
    # The number format is this computer's, like the device: not part of the training's recipe.
    result = train_fast_style(
        [StyleImage(painting)], photos, out, settings.replace(precision="float32"), resume=True
    )
    assert result.resumed_from == 2 and out.is_file()


def test_fast_style_applied_in_bfloat16_stays_within_a_level_on_average(photo: np.ndarray) -> None:
    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.store import FastStyleStore

    store = FastStyleStore()
    style = store.get(store.names()[0])
    pictures = {
        choice: apply_fast_style(photo, style, Settings(device="cpu", precision=choice)).image_float
        for choice in ("float32", "bfloat16")
    }
    diff = np.abs(pictures["bfloat16"] - pictures["float32"]) * 255.0
    assert diff.mean() < 1.0 and diff.max() < 16.0


def test_fast_style_tiles_in_bfloat16_match_the_whole_and_show_no_seam() -> None:
    from PIL import Image

    from nst_desktop.engine.fast.apply import apply_fast_style
    from nst_desktop.engine.fast.store import FastStyleStore

    store = FastStyleStore()
    style = store.get(store.names()[0])
    photo = np.asarray(Image.open(SAMPLES / "astronaut.jpg").convert("RGB").resize((230, 190))).copy()
    settings = Settings(device="cpu", precision="bfloat16")
    whole = apply_fast_style(photo, style, settings).image_float
    tiled = apply_fast_style(photo, style, settings, tile=96).image_float
    # The norms' statistics are float32 and shared; what differs is bfloat16 rounding.
    assert np.abs(whole - tiled).mean() * 255.0 < 0.5
    cols = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    assert cols.max() < 3 * np.median(cols) + 0.05


def test_a_reduced_precision_run_paints_its_coarse_levels_in_float32(
    photo: np.ndarray, painting: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The optimiser's evaluations (the forwards with gradients) of the levels at most
    :data:`precision.FLOAT32_COARSE_SHARE` of the last one's side run float32, the rest
    bfloat16; a float32 run never leaves float32."""
    from nst_desktop.engine.features import VGGFeatures

    seen: list[torch.dtype] = []
    forward = VGGFeatures.forward

    def spy(self: VGGFeatures, *args: Any, **kwargs: Any) -> dict[str, torch.Tensor]:
        if torch.is_grad_enabled():
            seen.append(self.compute_dtype)
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(VGGFeatures, "forward", spy)
    # Levels of 34, 48, 68 and 96 px: the first is coarse (34 <= 0.36 * 96), 5 steps of 12.
    settings = Settings(size=96, steps=12, levels=4, seed=1, device="cpu", precision="bfloat16")
    run.stylize(photo, [StyleImage(painting)], settings)
    assert seen == [torch.float32] * 5 + [torch.bfloat16] * 7
    seen.clear()
    run.stylize(photo, [StyleImage(painting)], settings.replace(precision="float32"))
    assert seen == [torch.float32] * 12


# -- what ran, recorded -------------------------------------------------------------------------


def test_resolve_names_the_format_each_painter_computes_in() -> None:
    bf16 = Hardware(cpu_flags=frozenset({"avx512_bf16"}))
    assert precision.resolve("auto", "optimise", CPU, bf16, pays) == "bfloat16"
    assert precision.resolve("auto", "fast", CPU, bf16, pays) == "bfloat16"
    assert precision.resolve("auto", "optimise", CPU, Hardware(), pays) == "float32"
    # The instant network keeps float32 on a CPU under auto, as its own rule says.
    assert precision.resolve("auto", "instant", CPU, bf16, pays) == "float32"
    for choice in ("float32", "bfloat16", "float16"):
        assert precision.resolve(choice, "instant", CPU, bf16) == choice


def test_the_precision_that_ran_is_recorded_and_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real optimiser run under auto, on a machine where the probe found bfloat16 faster
    (simulated, so the test holds on any CPU): the painter computes in bfloat16, the picture
    records it (top level and settings), and the settings read back from the picture (what
    ``--settings-from`` and *Use settings from a picture* restore) name bfloat16, not auto,
    so painting from them runs bfloat16 again, without asking the probe."""
    from nst_desktop.engine.images import read_metadata
    from nst_desktop.engine.pipeline import ImageInput, Job, run_job

    asked: list[torch.dtype] = []

    def probe(device: torch.device, candidate: torch.dtype) -> torch.dtype:
        asked.append(candidate)
        return candidate

    monkeypatch.setattr(precision, "detect", lambda device: Hardware(cpu_flags=frozenset({"avx512_bf16"})))
    monkeypatch.setattr(precision_probe, "default_probe", lambda: probe)
    computed: list[torch.dtype] = []
    real_choose = precision.choose

    def spy(
        choice: str, device: torch.device, hardware: Hardware | None = None, probe: Any = None
    ) -> torch.dtype:
        dtype = real_choose(choice, device, hardware, probe)
        computed.append(dtype)
        return dtype

    monkeypatch.setattr(precision, "choose", spy)
    photo = SAMPLES / "astronaut.jpg"
    output = tmp_path / "result.png"
    job = Job(
        content=ImageInput(photo.name, path=photo),
        styles=(ImageInput("autumn.jpg", path=SAMPLES.parent / "style" / "autumn.jpg"),),
        settings=Settings(size=32, steps=2, seed=3, device="cpu", precision="auto"),
        output_path=output,
    )
    result = run_job(job)
    assert asked == [torch.bfloat16]
    assert result.precision == result.settings.precision == "bfloat16"
    assert computed and set(computed) == {torch.bfloat16}
    meta = read_metadata(output)
    assert meta is not None
    assert meta["precision"] == "bfloat16" and meta["settings"]["precision"] == "bfloat16"
    assert meta["threads"] == result.threads and isinstance(meta["threads"], int)
    restored = settings_from_metadata(meta)
    assert restored.precision == "bfloat16"
    assert restored.threads == 0  # the count was a fact of that machine, not a setting

    computed.clear()
    again = run_job(replace(job, settings=restored, output_path=tmp_path / "again.png"))
    assert again.precision == "bfloat16" and set(computed) == {torch.bfloat16}
    assert asked == [torch.bfloat16]  # an explicit format: the probe was not asked again
