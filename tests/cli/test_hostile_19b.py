"""Issue 19, the probe's findings 9 and 10 through the command line: a Ctrl-C after the result
is saved never claims that nothing was written and never prints a traceback at teardown, and
two ``styles import`` of one name at once leave one style of that name.

Real runs are tiny (32 px, two steps); the signals are real (``os.kill`` on the process) and
sent at the moment the probe hit: right after "Saved", and during the interpreter's teardown.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nst_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
CONTENT = SAMPLES / "content" / "astronaut.jpg"
STYLE = SAMPLES / "style" / "autumn.jpg"
TINY = ["--size", "32", "--steps", "2", "-q"]
POSIX = os.name == "posix"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(folder))
    return folder


class _SignalOnSaved(io.StringIO):
    """Standard error that sends this process SIGINT the moment "Saved" is written to it."""

    def write(self, text: str) -> int:
        written = super().write(text)
        if text.startswith("Saved"):
            os.kill(os.getpid(), signal.SIGINT)
        return written


@pytest.mark.skipif(not POSIX, reason="os.kill with SIGINT on this process")
def test_ctrl_c_just_after_saved_does_not_unsay_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "out.png"
    err = _SignalOnSaved()
    monkeypatch.setattr(sys, "stderr", err)
    host = signal.getsignal(signal.SIGINT)
    rc = main(["stylize", str(CONTENT), "--style", str(STYLE), "-o", str(output), *TINY])
    text = err.getvalue()
    assert output.is_file()
    assert rc == 0, text
    assert "nothing was written" not in text and "Traceback" not in text
    assert text.startswith("Saved ")
    # Called in-process (not as the program), the host's handler is given back.
    assert signal.getsignal(signal.SIGINT) is host


TEARDOWN = textwrap.dedent(
    """
    import atexit, os, signal, sys, time
    from nst_desktop.__main__ import main

    def ctrl_c_at_teardown():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)  # the handler runs here, as it would inside torch's own clean-up

    atexit.register(ctrl_c_at_teardown)
    sys.argv = ["nst-desktop", *sys.argv[1:]]
    sys.exit(main())
    """
)


@pytest.mark.skipif(not POSIX, reason="SIGINT to a child process is POSIX-only")
def test_ctrl_c_at_teardown_prints_no_traceback(  # type: ignore[no-untyped-def]
    tmp_path: Path, data_dir: Path, terminal_signals
) -> None:
    output = tmp_path / "out.png"
    command = ["stylize", str(CONTENT), "--style", str(STYLE), "-o", str(output), *TINY]
    env = {**os.environ, "NST_DESKTOP_DATA_DIR": str(data_dir), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", TEARDOWN, *command],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=terminal_signals,
    )
    assert output.is_file()
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("Saved "), proc.stderr
    assert "nothing was written" not in proc.stderr


# Finding 10: two imports of one name at once ---------------------------------------------------

RACES = 25
BUILTIN_STYLE = ROOT / "resources" / "styles" / "autumn.nststyle"


def _import_racer(folder: str, overwrite: bool, barrier: Any, results: Any) -> None:
    """One of two processes: import the same style under the names ``Race 0`` .. ``Race N``,
    each at the same moment as the other process (the barrier)."""
    from nst_desktop.engine.errors import FastStyleError
    from nst_desktop.engine.fast.store import FastStyleStore

    for trial in range(RACES):
        barrier.wait(timeout=120)
        store = FastStyleStore(Path(folder), Path(folder) / "no-builtins")
        try:
            store.import_file(BUILTIN_STYLE, name=f"Race {trial}", overwrite=overwrite)
            results.put((trial, "ok"))
        except FastStyleError as exc:
            results.put((trial, str(exc)))


@pytest.mark.parametrize("overwrite", [False, True])
def test_two_imports_of_one_name_at_once_leave_one_style(tmp_path: Path, overwrite: bool) -> None:
    from nst_desktop.engine.fast.store import FastStyleStore

    folder = tmp_path / "styles"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    racers = [
        context.Process(target=_import_racer, args=(str(folder), overwrite, barrier, results)) for _ in "ab"
    ]
    for racer in racers:
        racer.start()
    outcomes: dict[int, list[str]] = {}
    for _ in range(2 * RACES):
        trial, outcome = results.get(timeout=300)
        outcomes.setdefault(trial, []).append(outcome)
    for racer in racers:
        racer.join(timeout=60)
        assert racer.exitcode == 0
    listed = FastStyleStore(folder, folder / "no-builtins").list()
    names = sorted(s.name for s in listed)
    assert names == sorted(f"Race {trial}" for trial in range(RACES))  # each name once
    for trial, pair in outcomes.items():
        if overwrite:
            assert pair == ["ok", "ok"], (trial, pair)
        else:
            assert sorted(pair)[1] == "ok" and "There is already a fast style called" in sorted(pair)[0], pair
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [".import.lock"]


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_proc_self_mem_as_the_photo_is_one_true_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["stylize", "/proc/self/mem", "--style", str(STYLE), "-o", str(tmp_path / "out.png"), *TINY])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err == (
        "nst-desktop: mem is not a regular file (it is a device, pipe, socket or system file), "
        "not an image.\n"
    )
    assert not (tmp_path / "out.png").exists()
