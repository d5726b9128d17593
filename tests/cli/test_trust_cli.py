"""Issue 8 ("Trust") through the command line: one line and a documented exit status, always.

In-process where the outcome shows in the return value; real subprocesses for signals, a
closed stdout, a deleted current folder, memory limits and folders the user may not enter
(as root the override capabilities are dropped with ``setpriv`` rather than skipping).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from nst_desktop import cli
from nst_desktop.cli import main
from nst_desktop.engine import atomic

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
POSIX = os.name == "posix"
IS_ROOT = POSIX and os.geteuid() == 0
TINY = ["--size", "32", "--steps", "2", "-q"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 32), (200, 120, 40)).save(path)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def one_line(rc: int, err: str, expected: int = 2) -> str:
    assert rc == expected, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nst-desktop: ") and len(lines[0]) < 1200, err
    return lines[0]


def env_for(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NST_DESKTOP_DATA_DIR": str(data_dir),
        "OMP_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }


def module(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "nst_desktop", *map(str, args)]


# 1. Values in messages ----------------------------------------------------------------------


def test_a_megabyte_preset_file_value_is_one_short_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path
) -> None:
    doc = {
        "schema_version": 1,
        "kind": "nst-desktop-preset",
        "name": "Big",
        "settings": {"keep_colors": "k" * 1_000_000},
    }
    preset = tmp_path / "big.json"
    preset.write_text(json.dumps(doc))
    rc, _, err = run_cli(
        capsys, "stylize", photo, "--style", photo, "-o", tmp_path / "o.png", "--preset", preset
    )
    assert len(one_line(rc, err)) < 400


def test_a_bad_preset_in_the_user_folder_does_not_break_other_commands(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    folder = data_dir / "presets"
    folder.mkdir(parents=True)
    doc = {
        "schema_version": 1,
        "kind": "nst-desktop-preset",
        "name": "Big",
        "settings": {"size": "s" * 900_000},
    }
    (folder / "big.json").write_text(json.dumps(doc))
    rc, out, err = run_cli(capsys, "presets", "show", "Balanced")
    assert rc == 0, err
    assert json.loads(out)["schema_version"] == 1


# 2. Output may be the input -----------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink", "painting"])
def test_stylize_refuses_to_overwrite_an_input(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    photo: Path,
    spelling: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    painting = tmp_path / "painting.png"
    shutil.copyfile(photo, painting)
    before = photo.read_bytes()
    monkeypatch.chdir(tmp_path)
    output: Path = {"same": photo, "dot": Path("./photo.png"), "painting": painting}.get(
        spelling, tmp_path / "o.png"
    )
    if spelling == "symlink":
        output.symlink_to(photo)
    elif spelling == "hardlink":
        os.link(photo, output)
    rc, _, err = run_cli(
        capsys, "stylize", "photo.png", "--style", painting, "-o", output, "--steps", "5000", "-q"
    )
    assert "itself" in one_line(rc, err)
    assert photo.read_bytes() == before and painting.read_bytes() == before


def test_train_output_may_not_be_a_painting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path
) -> None:
    painting = tmp_path / "look.nststyle"
    shutil.copyfile(photo, painting)
    rc, _, err = run_cli(capsys, "train", painting, "--photos", tmp_path, "-o", painting, "-q")
    assert "itself" in one_line(rc, err)


# 3. FIFOs -----------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
@pytest.mark.parametrize("role", ["photo", "painting", "preset", "import"])
def test_a_fifo_is_refused_without_hanging(tmp_path: Path, data_dir: Path, photo: Path, role: str) -> None:
    fifo = tmp_path / ("pipe.json" if role in ("preset", "import") else "pipe.png")
    os.mkfifo(fifo)
    out = tmp_path / "o.png"
    args = {
        "photo": ["stylize", fifo, "--style", photo, "-o", out, *TINY],
        "painting": ["stylize", photo, "--style", fifo, "-o", out, *TINY],
        "preset": ["stylize", photo, "--style", photo, "-o", out, "--preset", fifo, *TINY],
        "import": ["presets", "import", fifo],
    }[role]
    proc = subprocess.run(module(*args), env=env_for(data_dir), capture_output=True, text=True, timeout=120)
    assert "regular file" in one_line(proc.returncode, proc.stderr)
    assert not out.exists()


# 4. Paths that cannot be examined, and the last resort --------------------------------------


def _without_overrides(args: list[str]) -> list[str]:
    """As root, run without the capabilities that bypass file permissions."""
    if not IS_ROOT:
        return args
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to drop root's override capabilities")
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--", *args]


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
@pytest.mark.parametrize("role", ["photo", "painting", "output", "preset", "fast-style", "export", "import"])
def test_a_folder_the_user_may_not_enter(tmp_path: Path, data_dir: Path, photo: Path, role: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copyfile(photo, locked / "in.png")
    out = tmp_path / "o.png"
    args = {
        "photo": ["stylize", locked / "in.png", "--style", photo, "-o", out],
        "painting": ["stylize", photo, "--style", locked / "in.png", "-o", out],
        "output": ["stylize", photo, "--style", photo, "-o", locked / "o.png"],
        "preset": ["stylize", photo, "--style", photo, "-o", out, "--preset", locked / "p.json"],
        "fast-style": ["stylize", photo, "--fast-style", locked / "f.nststyle", "-o", out],
        "export": ["presets", "export", "Bold", locked / "bold.json"],
        "import": ["presets", "import", locked / "bold.json"],
    }[role]
    extra = TINY if args[0] == "stylize" else []
    locked.chmod(0)
    try:
        proc = subprocess.run(
            _without_overrides(module(*args, *extra)),
            env=env_for(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        locked.chmod(0o700)
    line = one_line(proc.returncode, proc.stderr)
    assert any(words in line for words in ("not allowed", "cannot be read", "permission denied")), line
    assert not out.exists()


@pytest.mark.skipif(not POSIX, reason="a deletable current folder")
def test_a_deleted_current_folder(tmp_path: Path, data_dir: Path, photo: Path) -> None:
    gone = tmp_path / "gone"
    script = (
        "import os, sys; from nst_desktop.__main__ import main; "
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); sys.exit(main(sys.argv[1:]))"
    )
    for args in (
        ["stylize", photo, "--style", photo, "-o", "out.png", *TINY],
        ["presets", "export", "Bold", "b.json"],
    ):
        gone.mkdir()
        proc = subprocess.run(
            [sys.executable, "-c", script, *map(str, args)],
            env=env_for(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
        one_line(proc.returncode, proc.stderr)


def test_names_too_long_in_bytes_fail_before_painting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path
) -> None:
    for name in ("é" * 130 + ".png", "写" * 83 + ".jpg"):
        rc, _, err = run_cli(
            capsys, "stylize", photo, "--style", photo, "-o", tmp_path / name, "--steps", "5000"
        )
        assert "too long" in one_line(rc, err)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["photo.png"]


@pytest.mark.skipif(not POSIX, reason="pipes")
def test_a_closed_stdout_is_one_line(data_dir: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # whoever reads our output is gone (`... | head -c 1`)
    try:
        proc = subprocess.run(
            module("presets", "show", "Balanced"),
            env=env_for(data_dir),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert "standard output" in one_line(proc.returncode, proc.stderr)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS")
def test_a_memory_limit_while_torch_loads_is_one_line(tmp_path: Path, data_dir: Path, photo: Path) -> None:
    script = (
        "import resource, runpy, sys; limit = 900 * 1024 * 1024; "
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); "
        "sys.argv = ['nst-desktop', *sys.argv[1:]]; runpy.run_module('nst_desktop', run_name='__main__')"
    )
    args = ["stylize", photo, "--style", photo, "-o", tmp_path / "o.png", *TINY]
    proc = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        env=env_for(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode == 0:
        pytest.skip("torch fits in 900 MB of address space here")
    assert "memory" in one_line(proc.returncode, proc.stderr)


def test_an_unexpected_error_is_one_line_with_exit_1_and_a_log(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(cli, "cmd_presets", broken)
    monkeypatch.delenv("NST_DESKTOP_DEBUG", raising=False)
    rc, _, err = run_cli(capsys, "presets", "list")
    line = one_line(rc, err, expected=1)
    assert "internal error" in line and "RuntimeError" in line
    log = data_dir / "logs" / "cli-errors.log"
    assert "Traceback" in log.read_text() and str(log) in line
    monkeypatch.setenv("NST_DESKTOP_DEBUG", "1")
    rc, _, err = run_cli(capsys, "presets", "list")
    assert rc == 1 and "Traceback" in err


# 5-7. Presets -------------------------------------------------------------------------------


def test_presets_import_over_a_builtin_needs_overwrite_and_delete_restores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc, out, _ = run_cli(capsys, "presets", "show", "Bold")
    doc = {"schema_version": 1, "kind": "nst-desktop-preset", "name": "bold", "settings": {"size": 123}}
    source = tmp_path / "bold.json"
    source.write_text(json.dumps(doc))
    rc, _, err = run_cli(capsys, "presets", "import", source)
    assert "--overwrite" in one_line(rc, err)
    rc, _, err = run_cli(capsys, "presets", "import", source, "--overwrite")
    assert rc == 0, err
    rc, out2, _ = run_cli(capsys, "presets", "show", "Bold")
    assert json.loads(out2)["size"] == 123
    rc, _, err = run_cli(capsys, "presets", "delete", "Bold")
    assert rc == 0 and "built-in" in err
    rc, out3, _ = run_cli(capsys, "presets", "show", "Bold")
    assert out3 == out
    rc, _, err = run_cli(capsys, "presets", "delete", "Bold")
    assert "cannot be deleted" in one_line(rc, err)


def test_presets_delete_a_user_preset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = {"schema_version": 1, "kind": "nst-desktop-preset", "name": "Mine", "settings": {"size": 99}}
    source = tmp_path / "mine.json"
    source.write_text(json.dumps(doc))
    assert run_cli(capsys, "presets", "import", source)[0] == 0
    rc, _, err = run_cli(capsys, "presets", "delete", "mine")
    assert rc == 0, err
    rc, _, err = run_cli(capsys, "presets", "show", "Mine")
    one_line(rc, err)


@pytest.mark.skipif(not IS_ROOT, reason="a private device node needs root")
def test_presets_export_never_replaces_a_device(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import stat

    device = tmp_path / "full"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 7))  # a private copy of /dev/full
    rc, _, err = run_cli(capsys, "presets", "export", "Bold", device)
    assert "regular file" in one_line(rc, err)
    assert stat.S_ISCHR(os.stat(device).st_mode)


# 8. Signals and the final rename ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not POSIX, reason="POSIX signals")
@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_like_ctrl_c(  # type: ignore[no-untyped-def]
    tmp_path: Path, data_dir: Path, signum: int, status: int, terminal_signals
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen(
        module(
            "stylize",
            CONTENT,
            "--style",
            STYLE,
            "-o",
            out_dir / "never.png",
            "--size",
            "64",
            "--steps",
            "2000",
        ),
        env=env_for(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=terminal_signals,
    )
    lines: list[str] = []
    painting = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "step " in line:
                painting.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert painting.wait(timeout=120), "".join(lines)
        proc.send_signal(signum)
        rc = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    err = "".join(lines)
    assert rc == status, err
    assert "Traceback" not in err and "nothing was written" in err
    assert list(out_dir.iterdir()) == []


def test_ctrl_c_during_the_final_rename_reports_the_saved_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    output = tmp_path / "saved.png"

    def replace_then_interrupt(src: str, dst: str) -> None:
        real_replace(src, dst)
        # The second Ctrl-C lands just after the output's rename (not after another atomic
        # write of the run, such as the precision check's cache).
        if Path(dst) == output:
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    rc, _, err = run_cli(capsys, "stylize", photo, "--style", photo, "-o", output, *TINY)
    monkeypatch.undo()
    line = one_line(rc, err, expected=130)
    assert output.is_file() and "saved" in line and "nothing was written" not in line


# 10. One line, whatever the path or the warnings --------------------------------------------


def test_control_characters_in_paths_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run_cli(
        capsys,
        "stylize",
        tmp_path / "a\nb\x1b[2J.png",
        "--style",
        tmp_path / "x\r.png",
        "-o",
        tmp_path / "o.png",
        *TINY,
    )
    line = one_line(rc, err)
    assert "\x1b" not in line and "\r" not in line


def test_no_warning_line_before_the_error(data_dir: Path, tmp_path: Path, photo: Path) -> None:
    doc = {
        "schema_version": 1,
        "kind": "nst-desktop-preset",
        "name": "W",
        "settings": {"unknown_knob": 1, "size": 3},
    }  # a warning (unknown) and an error (size)
    preset = tmp_path / "w.json"
    preset.write_text(json.dumps(doc))
    proc = subprocess.run(
        module("stylize", photo, "--style", photo, "-o", tmp_path / "o.png", "--preset", preset),
        env=env_for(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_line(proc.returncode, proc.stderr)


def test_style_weights_whose_sum_overflows_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path
) -> None:
    rc, _, err = run_cli(
        capsys,
        "stylize",
        photo,
        "--style",
        f"{photo}:1e308",
        "--style",
        f"{photo}:1e308",
        "-o",
        tmp_path / "o.png",
        *TINY,
    )
    assert "finite" in one_line(rc, err)
    assert not (tmp_path / "o.png").exists()


def test_one_line_folds_and_escapes() -> None:
    assert (
        cli.one_line("torch says:\n  line two\tand\x1b[0m three") == "torch says: line two and\\x1b[0m three"
    )


def test_an_empty_preset_name_is_not_ignored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, photo: Path
) -> None:
    rc, _, err = run_cli(capsys, "stylize", photo, "--style", photo, "-o", tmp_path / "o.png", "--preset", "")
    assert "preset" in one_line(rc, err)


def test_a_name_longer_than_the_file_system_allows_is_one_short_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for args in (
        ["styles", "show", "a" * 3000],
        ["presets", "show", "b" * 3000],
        ["presets", "import", "c" * 3000],
    ):
        rc, _, err = run_cli(capsys, *args)
        assert len(one_line(rc, err)) < 400


@pytest.mark.skipif(not POSIX, reason="pipes")
def test_a_closed_stdout_after_saving_says_the_result_was_saved(
    tmp_path: Path, data_dir: Path, photo: Path
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    output = tmp_path / "o.png"
    try:
        proc = subprocess.run(
            module("stylize", photo, "--style", photo, "-o", output, *TINY, "--json"),
            env=env_for(data_dir),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write_end)
    line = one_line(proc.returncode, proc.stderr)
    assert output.is_file() and "saved" in line and "standard output" in line
