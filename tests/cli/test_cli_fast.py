"""``train``, ``styles`` and ``stylize --fast-style`` / ``--instant`` / ``--init instant``.

One tiny fast style (2 steps at 32 px on four small photos) is trained once per module and
reused; every run is tiny so the file stays quick on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from nst_desktop.cli import build_parser, main
from nst_desktop.cli_styles import train_settings
from nst_desktop.engine.images import read_metadata

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
SHARED_PHOTOS = ROOT.parent / "shared" / "images" / "content"

TRAIN_TINY = ["--size", "32", "--steps", "2", "--batch", "2", "--seed", "1", "--device", "cpu"]


def _photo_folder(folder: Path, count: int = 4) -> Path:
    """A few small photos, each also mirrored (training wants more than a handful): the shared
    test images if present, else the built-in samples."""
    source = SHARED_PHOTOS if SHARED_PHOTOS.is_dir() else SAMPLES / "content"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.jpg"))[:count]:
        with Image.open(path) as img:
            small = img.convert("RGB")
        small.thumbnail((64, 64))
        small.save(folder / f"{path.stem}.png")
        small.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / f"{path.stem}-mirrored.png")
    return folder


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private styles folder for every test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _photo_folder(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, photos: Path) -> tuple[Path, dict[str, Any]]:
    """One tiny style and the ``train --json`` summary that made it."""
    output = tmp_path_factory.mktemp("trained") / "autumn.nststyle"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path_factory.mktemp("train-data")))
        out, err = _run_main(["train", str(STYLE), "--photos", str(photos), "-o", str(output), *TRAIN_TINY,
                              "--name", "Tiny autumn", "--json"])  # fmt: skip
    return output, json.loads(out)


def _run_main(argv: list[str]) -> tuple[str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    assert rc == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def assert_one_line_failure(rc: int, err: str, folder: Path | None = None) -> None:
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nst-desktop: "), err
    if folder is not None:
        assert sorted(p.name for p in folder.iterdir()) == []


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# --------------------------------------------------------------------------------------------
# train


def test_train_writes_a_style_and_a_json_summary(trained: tuple[Path, dict[str, Any]]) -> None:
    output, summary = trained
    assert output.is_file()
    assert {"output", "seconds", "steps", "device", "losses"} <= summary.keys()
    assert Path(summary["output"]) == output and summary["steps"] == 2
    assert summary["seconds"] > 0 and summary["device"].startswith("CPU")
    # A training run in one go: all of it is this run's.
    assert summary["steps_trained"] == 2 and summary["seconds_trained"] == summary["seconds"]
    assert summary["settings"]["seconds"] is None
    assert summary["losses"] and all(isinstance(v, float) for v in summary["losses"].values())
    # Only the style is left: no checkpoint, no temporary file.
    assert sorted(p.name for p in output.parent.iterdir()) == ["autumn.nststyle"]


def test_train_shows_a_progress_line(capsys: pytest.CaptureFixture[str], photos: Path, out_dir: Path) -> None:
    output = out_dir / "lined.nststyle"
    rc, out, err = cli(capsys, "train", STYLE, "--photos", photos, "-o", output, *TRAIN_TINY)
    assert rc == 0, err
    assert out == ""
    assert "step 2/2" in err and "Saved" in err and output.is_file()


@pytest.mark.parametrize(
    ("extra", "output", "message"),
    [
        ([], "style.png", ".nststyle"),
        ([], "missing/style.nststyle", "does not exist"),
        (["--photos", "nowhere"], "style.nststyle", "nowhere"),
        (["--steps", "0"], "style.nststyle", "steps"),
    ],
)
def test_train_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    photos: Path,
    out_dir: Path,
    extra: list[str],
    output: str,
    message: str,
) -> None:
    args = ["train", STYLE, "--photos", photos, "-o", out_dir / output, *TRAIN_TINY, *extra]
    rc, _, err = cli(capsys, *args)
    assert_one_line_failure(rc, err, out_dir)
    assert message in err


def test_train_needs_paintings_and_photos(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    rc, _, err = cli(capsys, "train", "--photos", out_dir, "-o", out_dir / "x.nststyle")
    assert_one_line_failure(rc, err, out_dir)
    assert "usage" in err and "train --help" in err
    rc, _, err = cli(capsys, "train", STYLE, "-o", out_dir / "x.nststyle")
    assert_one_line_failure(rc, err, out_dir)
    assert "--photos" in err


def _train_args(*flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["train", str(STYLE), "--photos", "p", "-o", "s.nststyle", *flags])


def test_train_minutes_is_a_time_budget_with_open_ended_steps() -> None:
    from nst_desktop.engine.fast.budget import STEP_CAP

    settings = train_settings(_train_args("--minutes", "2.5", "--size", "64"))
    assert settings.seconds == 150.0 and settings.steps == STEP_CAP and settings.size == 64
    settings = train_settings(_train_args("--steps", "30"))
    assert settings.seconds is None and settings.steps == 30
    assert train_settings(_train_args()).seconds is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--minutes", "10", "--steps", "500"], "--minutes and --steps cannot be used together"),
        (["--minutes", "0"], "--minutes"),
        (["--minutes", "-3"], "--minutes"),
        (["--minutes", "nan"], "--minutes"),
        (["--minutes", "ten"], "not a number of minutes"),
        (["--minutes", "1e9"], "--minutes"),
    ],
)
def test_train_minutes_misuse_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], photos: Path, out_dir: Path, flags: list[str], message: str
) -> None:
    rc, _, err = cli(capsys, "train", STYLE, "--photos", photos, "-o", out_dir / "s.nststyle", *flags)
    assert_one_line_failure(rc, err, out_dir)
    assert "usage error" in err and message in err and "train --help" in err


def test_train_for_minutes_writes_a_style_and_says_the_time_trained(
    capsys: pytest.CaptureFixture[str], photos: Path, out_dir: Path
) -> None:
    output = out_dir / "timed.nststyle"
    rc, out, err = cli(capsys, "train", STYLE, "--photos", photos, "-o", output, "--minutes", "0.02",
                       "--size", "32", "--batch", "1", "--device", "cpu", "--json", "-q")  # fmt: skip
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["settings"]["seconds"] == pytest.approx(1.2)
    # However long the loading took, a training runs a step at least: no untrained style.
    assert summary["steps_trained"] == summary["steps"] >= 1
    assert summary["seconds_trained"] > 0 and output.is_file()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX-only")
def test_train_ctrl_c_keeps_the_checkpoint_and_says_resume(  # type: ignore[no-untyped-def]
    tmp_path: Path, photos: Path, data_dir: Path, terminal_signals
) -> None:
    output = tmp_path / "long.nststyle"
    env = dict(os.environ, NST_DESKTOP_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nst_desktop", "train", str(STYLE), "--photos", str(photos), "-o", str(output),
         "--size", "32", "--steps", "100000", "--batch", "1", "--device", "cpu"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=terminal_signals,
    )  # fmt: skip
    lines: list[str] = []
    training = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "step " in line:
                training.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert training.wait(timeout=120), "no progress line: " + "".join(lines)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    err = "".join(lines)
    assert rc == 130, err
    assert "Traceback" not in err and "--resume" in err
    assert not output.exists()
    assert (tmp_path / "long.nststyle.checkpoint").is_file()


# --------------------------------------------------------------------------------------------
# stylize --fast-style / --instant / --init instant


def test_stylize_with_a_fast_style_file(
    capsys: pytest.CaptureFixture[str], trained: tuple[Path, dict[str, Any]], out_dir: Path
) -> None:
    style_file, _ = trained
    output = out_dir / "fast.png"
    rc, out, err = cli(capsys, "stylize", CONTENT, "--fast-style", style_file, "-o", output, "--size", "48",
                       "--strength", "0.5", "--json", "-q")  # fmt: skip
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["method"] == "fast" and summary["size"] == [48, 48] and summary["seconds"] > 0
    assert summary["settings"]["strength"] == 0.5
    meta = read_metadata(output)
    assert meta is not None and meta["fast_style"] == "Tiny autumn"
    assert meta["settings"]["method"] == "fast" and meta["styles"] == []


def test_stylize_with_an_unknown_fast_style_exits_2(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    rc, _, err = cli(
        capsys, "stylize", CONTENT, "--fast-style", "No such look", "-o", out_dir / "o.png", "-q"
    )
    assert_one_line_failure(rc, err, out_dir)
    assert "No such look" in err


@pytest.mark.parametrize(
    "extra", [["--style", str(STYLE)], ["--instant"], ["--style", str(STYLE), "--instant"]]
)
def test_fast_style_with_paintings_or_instant_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], out_dir: Path, extra: list[str]
) -> None:
    rc, _, err = cli(
        capsys, "stylize", CONTENT, "--fast-style", "x.nststyle", *extra, "-o", out_dir / "o.png"
    )
    assert_one_line_failure(rc, err, out_dir)
    assert "usage" in err and "--fast-style" in err


def test_instant_without_a_painting_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], out_dir: Path
) -> None:
    rc, _, err = cli(capsys, "stylize", CONTENT, "--instant", "-o", out_dir / "o.png")
    assert_one_line_failure(rc, err, out_dir)
    assert "--style" in err


def test_strength_out_of_range_exits_2(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    rc, _, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "--instant", "--strength", "1.5",
                     "-o", out_dir / "o.png")  # fmt: skip
    assert_one_line_failure(rc, err, out_dir)
    assert "strength" in err


def test_stylize_instant(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    output = out_dir / "instant.jpg"
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "--instant", "-o", output,
                       "--size", "48", "--json", "-q")  # fmt: skip
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["method"] == "instant" and summary["size"] == [48, 48]
    meta = read_metadata(output)
    assert meta is not None and meta["settings"]["method"] == "instant"
    assert meta["styles"] == [{"name": "autumn.jpg", "weight": 1.0}]


def test_stylize_refines_the_instant_picture(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    output = out_dir / "refined.png"
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "--init", "instant", "-o", output,
                       "--size", "48", "--steps", "3", "--json", "-q")  # fmt: skip
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["method"] == "optimise" and summary["settings"]["init"] == "instant"
    assert summary["steps"] == 3 and output.is_file()


def test_plain_stylize_stays_the_optimiser(capsys: pytest.CaptureFixture[str], out_dir: Path) -> None:
    rc, out, err = cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", out_dir / "o.png",
                       "--size", "48", "--steps", "2", "--json", "-q")  # fmt: skip
    assert rc == 0, err
    assert json.loads(out)["method"] == "optimise"


# --------------------------------------------------------------------------------------------
# styles


def test_styles_import_list_show_use_export_delete(
    capsys: pytest.CaptureFixture[str], trained: tuple[Path, dict[str, Any]], tmp_path: Path, out_dir: Path
) -> None:
    style_file, _ = trained
    rc, _, err = cli(capsys, "styles", "import", style_file, "--name", "Mine")
    assert rc == 0 and "Imported 'Mine'" in err, err
    rc, out, err = cli(capsys, "styles", "list")
    assert rc == 0, err
    assert any(line.split()[:2] == ["Mine", "yours"] for line in out.splitlines()), out

    rc, out, err = cli(capsys, "styles", "show", "Mine")
    assert rc == 0, err
    shown = json.loads(out)
    assert shown["name"] == "Mine" and shown["builtin"] is False
    assert Path(shown["path"]).is_file() and Path(shown["path"]).suffix == ".nststyle"
    assert isinstance(shown["training"], dict) and shown["training"]
    assert "state" not in shown and "weights" not in out  # never the weights themselves

    output = out_dir / "by-name.png"
    rc, _, err = cli(capsys, "stylize", CONTENT, "--fast-style", "Mine", "-o", output, "--size", "40", "-q")
    assert rc == 0 and output.is_file(), err
    assert read_metadata(output)["fast_style"] == "Mine"  # type: ignore[index]

    exported = tmp_path / "shared.nststyle"
    rc, _, err = cli(capsys, "styles", "export", "Mine", exported)
    assert rc == 0 and exported.is_file(), err
    rc, _, err = cli(capsys, "styles", "import", exported, "--name", "Mine")
    assert_one_line_failure(rc, err)
    rc, _, err = cli(capsys, "styles", "import", exported, "--name", "Mine", "--overwrite")
    assert rc == 0, err

    rc, _, err = cli(capsys, "styles", "delete", "Mine")
    assert rc == 0 and "Deleted" in err, err
    rc, out, _ = cli(capsys, "styles", "list")
    assert "Mine" not in out
    rc, _, err = cli(capsys, "styles", "delete", "Mine")
    assert_one_line_failure(rc, err)


def test_styles_show_a_file_and_an_unknown_name(
    capsys: pytest.CaptureFixture[str], trained: tuple[Path, dict[str, Any]]
) -> None:
    style_file, _ = trained
    rc, out, err = cli(capsys, "styles", "show", style_file)
    assert rc == 0, err
    shown = json.loads(out)
    assert shown["name"] == "Tiny autumn" and Path(shown["path"]) == style_file.resolve()
    assert shown["training"]
    rc, _, err = cli(capsys, "styles", "show", "Nothing like it")
    assert_one_line_failure(rc, err)
    assert "Nothing like it" in err


def test_styles_import_of_a_broken_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.nststyle"
    broken.write_bytes(b"\x00\x01 not a style")
    rc, _, err = cli(capsys, "styles", "import", broken)
    assert_one_line_failure(rc, err)
    rc, _, err = cli(capsys, "styles")
    assert_one_line_failure(rc, err)
    assert "usage" in err


def test_styles_list_warns_about_a_damaged_file(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    folder = data_dir / "styles"
    folder.mkdir(parents=True)
    (folder / "damaged.nststyle").write_bytes(b"garbage")
    rc, _, err = cli(capsys, "styles", "list")
    assert rc == 0
    assert err.count("warning:") == 1 and "damaged.nststyle" in err
