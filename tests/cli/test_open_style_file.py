"""``nst-desktop friend.nststyle`` (what "Open with" runs on Linux and Windows) imports the style
into the artist's fast styles, a real process end to end (issue 19); a style file is never
mistaken for an unknown subcommand, and a photo given beside it still opens as the photo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nst_desktop.__main__ import unknown_command

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "resources" / "styles" / "autumn.nststyle"


def test_a_style_file_name_is_not_a_usage_error(tmp_path: Path) -> None:
    assert unknown_command("friend.nststyle") == ""
    assert unknown_command(str(tmp_path / "missing.nststyle")) == ""


@pytest.mark.slow
def test_opening_a_style_file_with_the_app_imports_it(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from nst_desktop.engine.fast.style_file import read_fast_style

    data_dir = tmp_path / "data"
    friend = tmp_path / "from a friend.nststyle"
    friend.write_bytes(BUILTIN.read_bytes())  # a valid style named Autumn, which is built in
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env |= {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "NST_DESKTOP_DATA_DIR": str(data_dir),
        "QT_QPA_PLATFORM": "offscreen",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }
    # The name is taken by the built-in Autumn: the window asks, which a process cannot answer
    # here, so import it under a new name first through the store and open a renamed copy.
    from nst_desktop.engine.fast.store import FastStyleStore

    staging = FastStyleStore(tmp_path / "staging", tmp_path / "no-builtins")
    info = staging.import_file(friend, name="From a friend")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nst_desktop", str(info.path)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    target = data_dir / "styles"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if list(target.glob("*.nststyle")):
                break
            time.sleep(0.5)
        imported = sorted(target.glob("*.nststyle"))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert [p.name for p in imported] == ["from-a-friend.nststyle"], out + err
    assert read_fast_style(imported[0]).name == "From a friend"
    assert info.path.is_file()  # the opened file is copied, not moved
    assert "Traceback" not in err, err
