"""``nst-desktop stylize`` and ``nst-desktop presets`` as a script or a batch job sees them.

Most tests call :func:`nst_desktop.cli.main` in-process (the model loads once per process);
the full ``--json`` run and the Ctrl-C test run as real subprocesses. Every run is tiny
(``--size 48``, a handful of steps) so the whole file stays well under a minute on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from nst_desktop import __version__
from nst_desktop.cli import main, parse_style
from nst_desktop.engine.images import read_metadata
from nst_desktop.engine.metadata import settings_from_metadata
from nst_desktop.engine.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"  # 512 x 512
CONTENT_WIDE = SAMPLES / "content" / "chelsea.jpg"  # 451 x 300
STYLE = SAMPLES / "style" / "autumn.jpg"
BUILTIN_PRESETS = ROOT / "resources" / "presets"

TINY = ["--size", "48", "--steps", "4", "-q"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private presets folder for every test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def stylize(capsys: pytest.CaptureFixture[str], output: Path, *extra: str | Path) -> dict[str, Any]:
    """A tiny successful run with ``--json``; returns the summary."""
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", output, *TINY, "--json", *extra)
    assert rc == 0, err
    summary: dict[str, Any] = json.loads(out)
    assert output.is_file()
    return summary


def assert_one_line_failure(rc: int, err: str, out_dir: Path | None = None) -> None:
    """Exit 2, one line on stderr, no traceback, nothing (not even a temp file) written."""
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nst-desktop: "), err
    if out_dir is not None:
        assert sorted(p.name for p in out_dir.iterdir()) == []


def subprocess_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NST_DESKTOP_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


# --------------------------------------------------------------------------------------------
# stylize: a full run as a subprocess


@pytest.mark.slow
def test_stylize_subprocess_json_summary(tmp_path: Path, data_dir: Path, out_dir: Path) -> None:
    output = out_dir / "cat.png"
    proc = subprocess.run(
        [sys.executable, "-m", "nst_desktop", "stylize", str(CONTENT_WIDE), "--style", str(STYLE),
         "-o", str(output), "--size", "48", "--steps", "5", "--seed", "11", "--json"],
        env=subprocess_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # stdout is exactly one JSON object (one line), nothing else.
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    summary = json.loads(lines[0])
    assert isinstance(summary, dict)
    assert {"output", "seconds", "size", "steps", "device"} <= summary.keys()
    assert Path(summary["output"]) == output
    assert output.is_file()
    # 451 x 300 scaled so that the long side is 48: [w, h], landscape.
    w, h = summary["size"]
    assert max(w, h) == 48 and w == 48 and h == 32
    with Image.open(output) as img:
        assert img.size == (w, h)
    assert summary["steps"] == 5
    assert summary["seed"] == 11
    assert isinstance(summary["device"], str) and summary["device"]
    assert isinstance(summary["seconds"], (int, float)) and summary["seconds"] > 0
    # The progress bar goes to stderr (plain lines, since stderr is a pipe here).
    assert "step 5/5" in proc.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["cat.png"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX-only")
def test_ctrl_c_exits_130_and_leaves_no_file(  # type: ignore[no-untyped-def]
    tmp_path: Path, data_dir: Path, out_dir: Path, terminal_signals
) -> None:
    output = out_dir / "never.png"
    proc = subprocess.Popen(
        [sys.executable, "-m", "nst_desktop", "stylize", str(CONTENT), "--style", str(STYLE),
         "-o", str(output), "--size", "64", "--steps", "2000"],
        env=subprocess_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=terminal_signals,
    )  # fmt: skip
    lines: list[str] = []
    painting = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "step " in line:
                painting.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        # Without a terminal the bar prints a line every ~5 s, the first once painting is under way.
        assert painting.wait(timeout=90), "no progress line: " + "".join(lines)
        assert proc.poll() is None, "".join(lines)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        rc = proc.wait(timeout=15)
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    err = "".join(lines)
    assert rc == 130, err
    assert stopped_in < 10, stopped_in
    assert "Traceback" not in err
    assert "interrupted" in err
    assert not output.exists()
    # No hidden ".never.png.<random>.part" left behind either.
    assert sorted(p.name for p in out_dir.iterdir()) == []


# --------------------------------------------------------------------------------------------
# stylize: in-process runs


def test_result_carries_settings_that_restore_the_run(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    output = out_dir / "result.jpg"
    # No --seed: the engine picks one, and both the summary and the file must record it.
    summary = stylize(capsys, output, "--style-strength", "2.5", "--style", f"{STYLE}:0.5")
    result_settings = Settings.from_dict(summary["settings"])
    assert result_settings.seed is not None
    assert summary["seed"] == result_settings.seed
    assert result_settings.size == 48 and result_settings.steps == 4
    assert result_settings.style_strength == 2.5

    meta = read_metadata(output)
    assert meta is not None
    restored = settings_from_metadata(meta)
    assert restored == result_settings
    assert restored.seed == summary["seed"]
    # The repeated --style gives two styles, the second with weight 0.5.
    assert meta["styles"] == [{"name": "autumn.jpg", "weight": 1.0}, {"name": "autumn.jpg", "weight": 0.5}]
    assert meta["content"] == CONTENT.name
    assert "stopped_early" not in meta
    assert summary["size"] == [48, 48]
    with Image.open(output) as img:
        assert img.size == (48, 48)
    assert sorted(p.name for p in out_dir.iterdir()) == ["result.jpg"]


def test_same_seed_gives_identical_pixels(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    first, second = out_dir / "a.png", out_dir / "b.png"
    a = stylize(capsys, first, "--init", "noise", "--seed", "1234")
    b = stylize(capsys, second, "--init", "noise", "--seed", "1234")
    assert a["seed"] == b["seed"] == 1234
    assert np.array_equal(pixels(first), pixels(second))


def test_builtin_preset_by_name_with_overrides(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    output = out_dir / "draft.png"
    summary = stylize(capsys, output, "--preset", "Fast draft")
    settings = Settings.from_dict(summary["settings"])
    fast_draft = Settings.from_dict(json.loads((BUILTIN_PRESETS / "fast-draft.json").read_text())["settings"])
    # The flags win over the preset (its size is 256, its steps 80) ...
    assert (settings.size, settings.steps) == (48, 4)
    assert fast_draft.size != 48 and fast_draft.steps != 4
    # ... and everything not given on the command line comes from it.
    assert settings.levels == fast_draft.levels == 3
    # (The seed and the precision are what ran: a picked seed, and auto resolved to a format.)
    assert summary["precision"] in ("float32", "bfloat16", "float16") and fast_draft.precision == "auto"
    ran = {"seed": settings.seed, "precision": summary["precision"]}
    assert settings == fast_draft.replace(size=48, steps=4, **ran)
    assert summary["steps"] == 4 and summary["size"] == [48, 48]


def test_preset_from_an_exported_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out_dir: Path
) -> None:
    shared = tmp_path / "bold-look.json"
    rc, _, err = cli(capsys, "presets", "export", "Bold", shared)
    assert rc == 0, err
    assert shared.is_file()
    summary = stylize(capsys, out_dir / "bold.png", "--preset", shared)
    settings = Settings.from_dict(summary["settings"])
    assert settings.style_strength == 4.0 and settings.keep_content == 0.5
    assert (settings.size, settings.steps) == (48, 4)


def test_keep_colors_luminance_runs(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    output = out_dir / "luma.tif"
    summary = stylize(capsys, output, "--keep-colors", "luminance", "--seed", "3")
    assert summary["settings"]["keep_colors"] == "luminance"
    meta = read_metadata(output)
    assert meta is not None and settings_from_metadata(meta).keep_colors == "luminance"


def test_summary_on_stderr_without_json(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    output = out_dir / "plain.png"
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", output, *TINY, "--device", "cpu")
    assert rc == 0, err
    assert out == ""
    assert "Saved" in err and "48x48" in err
    assert output.is_file()


# --------------------------------------------------------------------------------------------
# PATH[:WEIGHT]


@pytest.mark.parametrize(
    ("spec", "path", "weight"),
    [
        ("style.jpg", "style.jpg", 1.0),
        ("style.jpg:0.5", "style.jpg", 0.5),
        ("style.jpg:2", "style.jpg", 2.0),
        ("style.jpg:0", "style.jpg", 0.0),
        ("C:\\x.jpg", "C:\\x.jpg", 1.0),
        ("C:\\x.jpg:0.5", "C:\\x.jpg", 0.5),
        ("my:style.jpg", "my:style.jpg", 1.0),
    ],
)
def test_parse_style(spec: str, path: str, weight: float) -> None:
    assert parse_style(spec) == (Path(path), weight)


@pytest.mark.parametrize("weight", ["-1", "-0.5", "inf", "nan"])
def test_style_weight_must_be_a_number_of_zero_or_more(
    capsys: pytest.CaptureFixture[str], out_dir: Path, weight: str
) -> None:
    output = out_dir / "out.png"
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", f"{STYLE}:{weight}", "-o", output, *TINY)
    assert_one_line_failure(rc, err, out_dir)
    assert "weight" in err
    assert out == ""


def test_windows_like_style_path_is_a_path_not_a_weight(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    rc, _, err = cli(capsys, "stylize", CONTENT, "--style", "C:\\x.jpg", "-o", out_dir / "o.png", *TINY)
    assert_one_line_failure(rc, err, out_dir)
    # Refused because the file is missing, not because "\x.jpg" is not a number.
    assert "C:\\x.jpg does not exist" in err
    assert "weight" not in err


# --------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, no traceback, no output file


def _missing_content(tmp: Path) -> list[str | Path]:
    return [tmp / "nope.jpg", "--style", STYLE]


def _text_as_jpeg(tmp: Path) -> list[str | Path]:
    fake = tmp / "notes.jpg"
    fake.write_text("these are my notes, not a photo\n")
    return [fake, "--style", STYLE]


def _truncated_jpeg(tmp: Path) -> list[str | Path]:
    data = CONTENT.read_bytes()
    cut = tmp / "cut.jpg"
    cut.write_bytes(data[: len(data) // 3])
    return [cut, "--style", STYLE]


def _too_small(tmp: Path) -> list[str | Path]:
    small = tmp / "small.png"
    Image.new("RGB", (8, 8), (200, 30, 30)).save(small)
    return [small, "--style", STYLE]


def _truncated_style(tmp: Path) -> list[str | Path]:
    data = STYLE.read_bytes()
    cut = tmp / "cut-style.jpg"
    cut.write_bytes(data[:2000])
    return [CONTENT, "--style", cut]


_BAD_INPUTS: dict[str, tuple[Callable[[Path], list[str | Path]], list[str], str]] = {
    # name: (content and styles, extra arguments, output name)
    "missing content": (_missing_content, [], "o.png"),
    "text file named .jpg": (_text_as_jpeg, [], "o.png"),
    "truncated jpeg": (_truncated_jpeg, [], "o.png"),
    "truncated style": (_truncated_style, [], "o.png"),
    "image too small": (_too_small, [], "o.png"),
    "gif output": (lambda t: [CONTENT, "--style", STYLE], [], "o.gif"),
    "output folder missing": (lambda t: [CONTENT, "--style", STYLE], [], "missing/o.png"),
    "unknown preset": (lambda t: [CONTENT, "--style", STYLE], ["--preset", "No such look"], "o.png"),
    "size out of range": (lambda t: [CONTENT, "--style", STYLE], ["--size", "5"], "o.png"),
    "zero steps": (lambda t: [CONTENT, "--style", STYLE], ["--steps", "0"], "o.png"),
    "bad device": (lambda t: [CONTENT, "--style", STYLE], ["--device", "gpu"], "o.png"),
    "non-numeric size": (lambda t: [CONTENT, "--style", STYLE], ["--size", "big"], "o.png"),
    "missing style": (lambda t: [CONTENT], [], "o.png"),
}


def test_output_that_is_a_folder_is_refused_before_painting(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    folder = out_dir / "looks-like.png"
    folder.mkdir()
    rc, out, err = cli(
        capsys, "stylize", CONTENT, "--style", STYLE, "-o", folder, "--size", "48", "--steps", "500"
    )
    assert_one_line_failure(rc, err)
    assert "is a folder" in err and sorted(p.name for p in out_dir.iterdir()) == ["looks-like.png"]


@pytest.mark.parametrize("case", list(_BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out_dir: Path, case: str
) -> None:
    make_inputs, extra, out_name = _BAD_INPUTS[case]
    inputs = tmp_path / "in"
    inputs.mkdir()
    argv = ["stylize", *make_inputs(inputs), "-o", out_dir / out_name, "--size", "48", "--steps", "4"]
    rc, out, err = cli(capsys, *argv, *extra)
    assert_one_line_failure(rc, err, out_dir)
    assert out == ""


def test_missing_style_and_bad_device_are_usage_errors(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    rc, _, err = cli(capsys, "stylize", CONTENT, "-o", out_dir / "o.png")
    assert_one_line_failure(rc, err, out_dir)
    assert "--style" in err and "usage" in err
    rc, _, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", out_dir / "o.png", "--device", "gpu")
    assert_one_line_failure(rc, err, out_dir)
    assert "gpu" in err


def test_broken_preset_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out_dir: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"kind": "nst-desktop-preset", "name": "Oops", "settings": {')
    rc, _, err = cli(
        capsys, "stylize", CONTENT, "--style", STYLE, "-o", out_dir / "o.png", "--preset", broken
    )
    assert_one_line_failure(rc, err, out_dir)
    assert "broken.json" in err


def test_preset_file_with_invalid_settings_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out_dir: Path
) -> None:
    doc = json.loads((BUILTIN_PRESETS / "bold.json").read_text())
    doc["settings"]["size"] = 3
    bad = tmp_path / "tiny.json"
    bad.write_text(json.dumps(doc))
    rc, _, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", out_dir / "o.png", "--preset", bad)
    assert_one_line_failure(rc, err, out_dir)


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="this machine has CUDA, so --device cuda is valid"
)
def test_cuda_requested_without_cuda_exits_2(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    rc, _, err = cli(
        capsys, "stylize", CONTENT, "--style", STYLE, "-o", out_dir / "o.png", *TINY, "--device", "cuda"
    )
    assert_one_line_failure(rc, err, out_dir)
    assert "CUDA" in err


# --------------------------------------------------------------------------------------------
# presets


def _builtin_names() -> list[str]:
    return [json.loads(p.read_text(encoding="utf-8"))["name"] for p in sorted(BUILTIN_PRESETS.glob("*.json"))]


def test_presets_list_shows_the_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = cli(capsys, "presets", "list")
    assert rc == 0, err
    names = _builtin_names()
    assert {"Fast draft", "Bold"} <= set(names)
    rows = out.splitlines()
    assert len(rows) == len(names)
    for name in names:
        row = next(r for r in rows if r.startswith(name + " "))
        assert "built-in" in row


def test_presets_show_prints_json_settings(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = cli(capsys, "presets", "show", "Bold")
    assert rc == 0, err
    settings = Settings.from_dict(json.loads(out))
    assert settings.style_strength == 4.0 and settings.keep_content == 0.5
    # Names are matched without regard to case.
    rc, out_lower, _ = cli(capsys, "presets", "show", "bold")
    assert rc == 0 and out_lower == out


def test_presets_show_unknown_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = cli(capsys, "presets", "show", "Nothing like it")
    assert_one_line_failure(rc, err)
    assert out == ""


def test_presets_export_then_import_under_a_new_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path
) -> None:
    shared = tmp_path / "shared.json"
    rc, _, err = cli(capsys, "presets", "export", "Bold", shared)
    assert rc == 0, err
    assert json.loads(shared.read_text())["name"] == "Bold"

    rc, _, err = cli(capsys, "presets", "import", shared, "--name", "My bold")
    assert rc == 0, err
    assert "My bold" in err
    assert list((data_dir / "presets").glob("*.json"))  # stored in this test's data folder

    rc, out, _ = cli(capsys, "presets", "list")
    assert rc == 0
    row = next(r for r in out.splitlines() if r.startswith("My bold "))
    assert "yours" in row
    bold_row = next(r for r in out.splitlines() if r.startswith("Bold "))
    assert "built-in" in bold_row  # importing under a new name leaves the built-in alone

    _, bold, _ = cli(capsys, "presets", "show", "Bold")
    _, mine, _ = cli(capsys, "presets", "show", "My bold")
    assert json.loads(mine) == json.loads(bold)

    # A second import under the same name is refused unless asked to replace it.
    rc, _, err = cli(capsys, "presets", "import", shared, "--name", "My bold")
    assert_one_line_failure(rc, err)
    rc, _, err = cli(capsys, "presets", "import", shared, "--name", "My bold", "--overwrite")
    assert rc == 0, err


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"kind": "something-else", "name": "X", "settings": {}}',
        '{"kind": "nst-desktop-preset", "name": "X", "settings": {"steps": 0}}',
        '{"kind": "nst-desktop-preset", "name": "X", "schema_version": 99, "settings": {}}',
    ],
)
def test_presets_import_of_a_broken_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, content: str
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(content)
    rc, out, err = cli(capsys, "presets", "import", broken)
    assert_one_line_failure(rc, err)
    assert out == ""
    # Nothing half-imported.
    presets = data_dir / "presets"
    assert not presets.exists() or list(presets.iterdir()) == []


def test_presets_import_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = cli(capsys, "presets", "import", tmp_path / "absent.json")
    assert_one_line_failure(rc, err)


def test_presets_without_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = cli(capsys, "presets")
    assert_one_line_failure(rc, err)


def _break_user_presets(data_dir: Path) -> None:
    folder = data_dir / "presets"
    folder.mkdir(parents=True)
    doc = {"schema_version": 1, "kind": "nst-desktop-preset", "name": "Oops", "settings": {"steps": 0}}
    (folder / "oops.json").write_text(json.dumps(doc))
    (folder / "other.json").write_text("{broken")


def _run_module(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nst_desktop", *args],
        env=subprocess_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", ["Oops", "Nothing like it"])
def test_broken_user_presets_still_fail_in_one_line(data_dir: Path, name: str) -> None:
    # A subprocess, since in-process pytest captures the log records that would reach stderr.
    _break_user_presets(data_dir)
    proc = _run_module(data_dir, "presets", "show", name)
    assert_one_line_failure(proc.returncode, proc.stderr)
    assert proc.stdout == ""
    if name == "Oops":
        assert "oops.json" in proc.stderr and "steps" in proc.stderr


def test_presets_list_reports_each_broken_file_once(data_dir: Path) -> None:
    _break_user_presets(data_dir)
    proc = _run_module(data_dir, "presets", "list")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert sum("oops.json" in line for line in lines) == 1
    assert sum("other.json" in line for line in lines) == 1
    assert len(proc.stdout.splitlines()) == len(_builtin_names())


# --------------------------------------------------------------------------------------------
# --version


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from nst_desktop.__main__ import main as entry_point

    with pytest.raises(SystemExit) as exit_info:
        entry_point(["--version"])
    assert exit_info.value.code in (0, None)
    assert capsys.readouterr().out.strip() == f"nst-desktop {__version__}"


def test_version_subprocess(data_dir: Path) -> None:
    proc = _run_module(data_dir, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"nst-desktop {__version__}"
