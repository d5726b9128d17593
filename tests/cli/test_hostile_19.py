"""Issue 19's defects from the hostile-input probe, and the command line's own: one plain
sentence and the documented exit status, never a traceback, a hang or a lost file.

Real runs are tiny (32 px, a few steps); a full disk is an ``OSError(ENOSPC)`` injected where
the checkpoint is synced, never a disk actually filled.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from nst_desktop import __main__ as entry
from nst_desktop.cli import main
from nst_desktop.engine.fast import photos as photos_module
from nst_desktop.engine.fast.store import FastStyleProblem, FastStyleStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
BUILTIN_STYLES = ROOT / "resources" / "styles"
TINY = ["--size", "32", "--steps", "2", "-q"]
TRAIN_TINY = ["--size", "32", "--batch", "2", "--seed", "1", "--device", "cpu", "--threads", "1"]
POSIX = os.name == "posix"
PRESET = {"schema_version": 1, "kind": "nst-desktop-preset", "name": "Mine", "settings": {"steps": 50}}


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """Six small, different photos: enough for a training (one is kept for the preview)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(6):
        Image.new("RGB", (48, 40), (40 * i, 200 - 30 * i, 90 + 20 * i)).save(folder / f"p{i}.png")
    return folder


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def run_train(
    capsys: pytest.CaptureFixture[str], photos: Path, output: Path, *extra: str
) -> tuple[int, str, str]:
    """``train`` on ``photos`` at the tiny size (``--steps`` in ``extra``)."""
    return run_cli(capsys, "train", STYLE, "--photos", photos, "-o", output, *TRAIN_TINY, *extra)


def one_line(rc: int, err: str, expected: int = 2) -> str:
    assert rc == expected, err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nst-desktop: "), err
    return lines[0]


def subprocess_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "NST_DESKTOP_DATA_DIR": str(data_dir),
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def module(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "nst_desktop", *map(str, args)]


# a. A mistyped subcommand ------------------------------------------------------------------


@pytest.fixture
def window_opened(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The window's main, replaced by a recorder: which arguments would have opened it."""
    from nst_desktop.gui import app

    calls: list[list[str]] = []

    def fake_gui_main(argv: list[str]) -> int:
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(app, "main", fake_gui_main)
    return calls


@pytest.mark.parametrize("word", ["trian", "stylise", "style", "list", "foo"])
def test_a_mistyped_subcommand_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], window_opened: list[list[str]], word: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    rc = entry.main([word, "painting.jpg", "--photos", "x"])
    line = one_line(rc, capsys.readouterr().err)
    assert not window_opened
    assert repr(word) in line and "stylize, train, styles and presets" in line
    if word == "trian":
        assert "did you mean train?" in line


def test_file_arguments_still_open_the_window(
    window_opened: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "trian").write_bytes(b"a file named like a typo")  # it exists: it is a file
    for argv in (
        ["trian"],
        ["missing-photo.jpg"],  # looks like an image: the window says it is missing
        ["friend.nststyle"],
        ["sub/photo"],
        ["--settings-from", "x.png"],
        [],
    ):
        assert entry.main(argv) == 0
    assert window_opened == [
        ["trian"],
        ["missing-photo.jpg"],
        ["friend.nststyle"],
        ["sub/photo"],
        ["--settings-from", "x.png"],
        [],
    ]


# b. The smoke test leaves the user's folders alone ---------------------------------------


@pytest.mark.slow
def test_smoke_test_writes_nothing_in_the_users_folders(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "NST_DESKTOP_DATA_DIR" and not k.startswith("XDG_")}
    env |= {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        module("--smoke-test"), env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke test passed" in result.stdout
    assert [str(p.relative_to(home)) for p in home.rglob("*")] == []


# c2. One crafted style file costs only itself ----------------------------------------------


def _crafted_style(target: Path, version: object) -> None:
    """A copy of a built-in style whose header says ``schema_version`` is ``version``."""
    data = (BUILTIN_STYLES / "autumn.nststyle").read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    header["__metadata__"]["schema_version"] = version
    header["__metadata__"]["name"] = target.stem
    encoded = json.dumps(header).encode()
    target.write_bytes(len(encoded).to_bytes(8, "little") + encoded + data[8 + size :])


@pytest.fixture
def crafted(data_dir: Path) -> list[Path]:
    folder = data_dir / "styles"
    folder.mkdir(parents=True)
    files = [folder / "superscript.nststyle", folder / "digits.nststyle", folder / "number.nststyle"]
    for path, version in zip(files, ["²", "9" * 5000, 7], strict=True):
        _crafted_style(path, version)
    return files


def test_one_crafted_schema_version_costs_only_its_file(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    folder = data_dir / "styles"
    folder.mkdir(parents=True)
    _crafted_style(folder / "superscript.nststyle", "²")
    rc, out, err = run_cli(capsys, "styles", "list")
    assert rc == 0, err
    assert out.split()[0] == "Autumn"
    assert err.splitlines() == ["warning: 'superscript.nststyle' has an invalid schema version."]


def test_many_crafted_files_are_named_in_one_warning(
    capsys: pytest.CaptureFixture[str], crafted: list[Path], tmp_path: Path
) -> None:
    rc, out, err = run_cli(capsys, "styles", "list")
    assert rc == 0, err
    assert {"Autumn", "Cluster", "String"} <= {line.split()[0] for line in out.splitlines()}
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: 3 fast style files in "), err
    for path in crafted:
        assert f"'{path.name}'" in lines[0]
    assert "Traceback" not in err

    output = tmp_path / "a.png"
    rc, _, err = run_cli(capsys, "stylize", CONTENT, "--fast-style", "Autumn", "-o", output, *TINY)
    assert rc == 0, err
    assert (tmp_path / "a.png").is_file()
    rc, out, err = run_cli(capsys, "styles", "show", "Autumn")
    assert rc == 0 and json.loads(out)["name"] == "Autumn", err


def test_the_summary_names_the_first_files_and_counts_the_rest(tmp_path: Path) -> None:
    store = FastStyleStore(tmp_path / "mine", tmp_path / "builtin")
    store.problems = [FastStyleProblem(tmp_path / f"s{i:02}.nststyle", "damaged") for i in range(12)]
    summary = store.problem_summary(limit=10)
    assert summary.startswith("12 fast style files in ")
    assert "'s00.nststyle'" in summary and "'s09.nststyle'" in summary and "'s10" not in summary
    assert summary.endswith(" and 2 more.")
    store.problems = store.problems[:1]
    assert store.problem_summary() == "damaged"
    store.problems = []
    assert store.problem_summary() == ""


# c3, c4. Training checkpoints: invalid weights, a full disk ---------------------------------


def _signal_at_first_step(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    """The training sends itself ``signum`` once its first step is done (as a user would)."""
    from nst_desktop.engine.fast import train as train_module

    original = train_module.train_fast_style
    sent: list[bool] = []

    def train_then_signal(*args: Any, on_progress: Callable[[Any], None] | None = None, **kwargs: Any) -> Any:
        def progress(p: Any) -> None:
            if p.stage == "training" and p.step >= 1 and not sent:
                sent.append(True)
                os.kill(os.getpid(), signum)
            if on_progress is not None:
                on_progress(p)

        return original(*args, on_progress=progress, **kwargs)

    monkeypatch.setattr(train_module, "train_fast_style", train_then_signal)


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every checkpoint write fails as on a full disk (the data cannot be synced)."""
    from nst_desktop.engine import atomic

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(atomic, "_fsync_file", full)


@pytest.fixture
def checkpointed(
    capsys: pytest.CaptureFixture[str], photos: Path, tmp_path: Path
) -> Iterator[tuple[Path, Path]]:
    """A training stopped by Ctrl-C after one step: its output path and its checkpoint."""
    output = tmp_path / "out" / "mine.nststyle"
    output.parent.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        _signal_at_first_step(mp, signal.SIGINT)
        rc, _, err = run_train(capsys, photos, output, "--steps", "500", "-q")
    assert rc == 130, err
    checkpoint = output.with_name(output.name + ".checkpoint")
    assert checkpoint.is_file(), err
    yield output, checkpoint


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.skipif(not POSIX, reason="sends itself a signal")
def test_resume_from_a_checkpoint_with_a_nan_weight_is_refused(
    capsys: pytest.CaptureFixture[str], photos: Path, checkpointed: tuple[Path, Path]
) -> None:
    import torch

    output, checkpoint = checkpointed
    state = torch.load(checkpoint, weights_only=True)
    first = next(iter(state["net"]))
    state["net"][first].view(-1)[0] = float("nan")
    torch.save(state, checkpoint)
    before = checkpoint.read_bytes()
    rc, out, err = run_train(capsys, photos, output, "--steps", "500", "--resume", "--json")
    line = one_line(rc, err)
    assert "not finite" in line and out == ""
    assert checkpoint.read_bytes() == before
    assert not output.exists()


@pytest.mark.skipif(not POSIX, reason="sends itself a signal")
def test_sigterm_on_a_full_disk_keeps_the_previous_checkpoint(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    photos: Path,
    checkpointed: tuple[Path, Path],
) -> None:
    output, checkpoint = checkpointed
    before = checkpoint.read_bytes()
    _disk_full(monkeypatch)
    _signal_at_first_step(monkeypatch, signal.SIGTERM)
    rc, _, err = run_train(capsys, photos, output, "--steps", "500", "--resume")
    line = one_line(rc, err, expected=143)
    assert "could not be written (no space left on device)" in line
    assert "the previous checkpoint is kept" in line and "--resume" in line
    assert checkpoint.read_bytes() == before
    assert not output.exists() and _leftovers(output.parent) == []


@pytest.mark.skipif(not POSIX, reason="sends itself a signal")
def test_sigterm_on_a_full_disk_without_a_checkpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, photos: Path, tmp_path: Path
) -> None:
    output = tmp_path / "fresh.nststyle"
    _disk_full(monkeypatch)
    _signal_at_first_step(monkeypatch, signal.SIGTERM)
    rc, _, err = run_train(capsys, photos, output, "--steps", "500", "-q")
    line = one_line(rc, err, expected=143)
    assert "could not be written" in line and "nothing was written" in line
    assert sorted(p.name for p in tmp_path.iterdir() if "fresh" in p.name) == []


def test_the_automatic_checkpoint_on_a_full_disk_is_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, photos: Path, tmp_path: Path
) -> None:
    from nst_desktop import cli_styles

    original = cli_styles.train_settings
    # The first automatic checkpoint after a second (the shortest interval), not a minute.
    monkeypatch.setattr(cli_styles, "train_settings", lambda a: original(a).replace(checkpoint_seconds=1.0))
    output = tmp_path / "auto.nststyle"
    previous = output.with_name(output.name + ".checkpoint")
    previous.write_bytes(b"the previous checkpoint")
    _disk_full(monkeypatch)
    rc, _, err = run_train(capsys, photos, output, "--steps", "5000", "-q")
    line = one_line(rc, err)
    assert line == "nst-desktop: The training checkpoint could not be written (no space left on device)."
    assert previous.read_bytes() == b"the previous checkpoint"
    assert not output.exists() and _leftovers(tmp_path) == []


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn``: files may not grow past ``limit`` bytes, and a write past it fails
    (EFBIG) instead of killing the process, as a full disk's would (ENOSPC)."""

    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
@pytest.mark.skipif(not POSIX, reason="a file size limit and SIGTERM are POSIX")
def test_sigterm_when_the_checkpoint_cannot_be_written_in_a_real_process(
    tmp_path: Path, data_dir: Path, photos: Path
) -> None:
    """torch's own writer turns a failed write into a RuntimeError: this is the real path."""
    output = tmp_path / "limited.nststyle"
    proc = subprocess.Popen(
        module("train", STYLE, "--photos", photos, "-o", output, "--steps", "100000", *TRAIN_TINY),
        env=subprocess_env(data_dir, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_file_size_limit(256 * 1024),
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("step "):
                proc.send_signal(signal.SIGTERM)
                break
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = rest.splitlines()
    assert proc.returncode == 143, "".join(lines) + rest
    assert len(err) == 1 and "Traceback" not in rest and "internal error" not in rest, rest
    assert "the training checkpoint could not be written (file too large)" in err[0]
    assert "nothing was written" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".limited", "limited"))) == []


# c5. A closed standard error ---------------------------------------------------------------


def _closed_stderr(args: list[str], data_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as ``nst-desktop ARGS 2>&-`` does."""
    return subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", *module(*args)],
        env=subprocess_env(data_dir),
        capture_output=False,
        stdout=subprocess.PIPE,
        text=True,
        timeout=600,
        cwd=cwd,
    )


@pytest.mark.skipif(not POSIX, reason="2>&- is a POSIX shell's")
@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["progress", "quiet"])
def test_stylize_with_stderr_closed_does_its_work_and_exits_0(
    tmp_path: Path, data_dir: Path, quiet: list[str]
) -> None:
    output = tmp_path / "closed.png"
    result = _closed_stderr(
        ["stylize", str(CONTENT), "--style", str(STYLE), "-o", str(output), "--size", "32", "--steps", "2",
         *quiet],
        data_dir, tmp_path,
    )  # fmt: skip
    assert result.returncode == 0
    assert output.is_file()
    Image.open(output).verify()


@pytest.mark.skipif(not POSIX, reason="2>&- is a POSIX shell's")
def test_presets_import_and_train_with_stderr_closed_exit_0(
    tmp_path: Path, data_dir: Path, photos: Path
) -> None:
    preset = tmp_path / "mine.json"
    preset.write_text(json.dumps(PRESET))
    result = _closed_stderr(["presets", "import", str(preset)], data_dir, tmp_path)
    assert result.returncode == 0
    assert (data_dir / "presets").is_dir() and any((data_dir / "presets").iterdir())

    output = tmp_path / "closed.nststyle"
    result = _closed_stderr(
        ["train", str(STYLE), "--photos", str(photos), "-o", str(output), "--steps", "2", *TRAIN_TINY, "-q"],
        data_dir, tmp_path,
    )  # fmt: skip
    assert result.returncode == 0
    assert output.is_file()


def test_a_stderr_that_breaks_midway_drops_the_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_dir: Path
) -> None:
    class Broken:
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def isatty(self) -> bool:
            return False

    preset = tmp_path / "mine.json"
    preset.write_text(json.dumps(PRESET))
    monkeypatch.setattr(sys, "stderr", Broken())
    assert main(["presets", "import", str(preset)]) == 0
    monkeypatch.setattr(sys, "stderr", None)
    assert main(["presets", "delete", "Mine"]) == 0
    assert isinstance(sys.stderr, type(None))


# c6. A style file that is a link to itself -------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_style_file_linked_to_itself_is_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("loop.nststyle", "loop.nststyle")
    rc, _, err = run_cli(capsys, "stylize", CONTENT, "--fast-style", "loop.nststyle", "-o", "out.png", *TINY)
    assert "loop.nststyle" in one_line(rc, err)
    assert not (tmp_path / "out.png").exists()
    for args in (["styles", "show", "loop.nststyle"], ["styles", "import", "loop.nststyle"]):
        rc, _, err = run_cli(capsys, *args)
        assert "loop.nststyle" in one_line(rc, err)


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_an_output_folder_linked_to_itself_is_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    os.symlink("loopdir", "loopdir")
    rc, _, err = run_cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", "loopdir/out.png", *TINY)
    one_line(rc, err)


# c7. A photo folder 1,100 levels deep ------------------------------------------------------


@pytest.fixture
def deep_photos(photos: Path) -> Iterator[Path]:
    """``photos`` with a chain of 1,100 folders inside, a photo at the bottom; removed bottom-up
    afterwards (a recursive removal would hit the same recursion limit)."""
    levels = 1100
    deepest = photos
    for _ in range(levels):  # one at a time: mkdir(parents=True) recurses too
        deepest = deepest / "d"
        deepest.mkdir()
    Image.new("RGB", (40, 40), (1, 2, 3)).save(deepest / "bottom.png")
    yield photos
    (deepest / "bottom.png").unlink()
    for depth in range(levels, 0, -1):
        photos.joinpath(*["d"] * depth).rmdir()


def test_find_photos_stops_at_a_bounded_depth(
    deep_photos: Path, caplog: pytest.LogCaptureFixture
) -> None:
    limit = photos_module.MAX_DEPTH
    at_limit = deep_photos.joinpath(*["d"] * limit)
    Image.new("RGB", (40, 40), (1, 2, 3)).save(at_limit / "deepest-searched.png")
    try:
        found = photos_module.find_photos(deep_photos)
    finally:
        (at_limit / "deepest-searched.png").unlink()
    assert [p.name for p in found] == [*(f"p{i}.png" for i in range(6)), "deepest-searched.png"]
    assert f"1 folder more than {limit} levels deep" in caplog.text


def test_find_photos_keeps_os_walks_order_and_rules(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for rel in ("b.png", "a.jpg", "z/1.png", "z/y/2.png", "c/3.png", ".hidden/4.png", "c/.5.png", "c/n.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"")
    if POSIX:
        os.symlink(root / "c", root / "link")  # a link to a folder is not searched
    expected = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        expected += [
            Path(folder) / n for n in sorted(files) if not n.startswith(".") and n.endswith((".png", ".jpg"))
        ]
    assert photos_module.find_photos(root) == expected
    assert [p.relative_to(root).as_posix() for p in expected] == ["a.jpg", "b.png", "c/3.png", "z/1.png",
                                                                   "z/y/2.png"]  # fmt: skip


def test_train_on_a_very_deep_photo_folder_warns_instead_of_a_traceback(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, deep_photos: Path, tmp_path: Path
) -> None:
    output = tmp_path / "deep.nststyle"
    rc, _, err = run_train(capsys, deep_photos, output, "--steps", "2", "-q")
    assert rc == 0, err
    assert "Traceback" not in err and "RecursionError" not in err
    # The CLI prints the warning once the command succeeded (here pytest's log handler has it).
    assert "1 folder more than" in caplog.text and "not searched" in caplog.text
    assert output.is_file()


# c8. An output that is a dangling link into a missing folder --------------------------------


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_dangling_output_link_is_refused_before_painting_naming_its_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nst_desktop.engine import pipeline

    def painted(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run was painted before the output was checked")

    monkeypatch.setattr(pipeline, "run_job", painted)
    missing = tmp_path / "missing"
    link = tmp_path / "out.png"
    os.symlink(missing / "x.png", link)
    rc, _, err = run_cli(capsys, "stylize", CONTENT, "--style", STYLE, "-o", link, *TINY)
    line = one_line(rc, err)
    assert f"does not exist: {missing} " in line
    assert not missing.exists() and os.path.islink(link)


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_saving_through_a_link_whose_folder_vanished_names_that_folder(tmp_path: Path) -> None:
    import numpy as np

    from nst_desktop.engine.errors import OutputError
    from nst_desktop.engine.images import save_image

    missing = tmp_path / "gone"
    link = tmp_path / "out.png"
    os.symlink(missing / "x.png", link)
    with pytest.raises(OutputError) as caught:
        save_image(link, np.zeros((4, 4, 3), np.uint8))
    assert f"its folder {missing} does not exist" in str(caught.value)
