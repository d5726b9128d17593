"""Issue 19, finding 10: the styles folder's import lock waits for a live holder and is free
the moment its holder dies (no stale lock after a killed import)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nst_desktop.engine.errors import FastStyleError
from nst_desktop.engine.fast.store import LOCK_NAME, FolderLock

ROOT = Path(__file__).resolve().parents[2]
HOLDER = (
    "import sys, time; from pathlib import Path; from nst_desktop.engine.fast.store import FolderLock\n"
    "with FolderLock(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(600)\n"
)


def test_a_held_lock_waits_then_says_so_and_a_dead_holders_lock_is_free(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = r"Another import into the styles folder did not finish"
        with pytest.raises(FastStyleError, match=busy), FolderLock(tmp_path, wait=0.3):
            pass
        holder.send_signal(signal.SIGKILL if os.name == "posix" else signal.SIGTERM)
        holder.wait(timeout=30)
        with FolderLock(tmp_path, wait=5.0):  # the killed holder left the file, not the lock
            assert (tmp_path / LOCK_NAME).is_file()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_the_lock_is_one_holder_at_a_time_within_a_process(tmp_path: Path) -> None:
    with FolderLock(tmp_path), pytest.raises(FastStyleError), FolderLock(tmp_path, wait=0.2):
        pass
    with FolderLock(tmp_path, wait=0.2):
        pass
