"""The writer thread ends cleanly when the window closes, however the last task's end and the
close fall together (the worker used to be let go while it still returned from its slot, and
about one close in a thousand crashed the process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys
from PySide6.QtCore import QCoreApplication
from nst_desktop.gui.main_window.version_writer import Task, VersionWriter

class Nothing(Task):
    def run(self) -> None:
        pass

app = QCoreApplication([])
delivered = 0
for _ in range(int(sys.argv[1])):
    writer = VersionWriter()
    writer.done.connect(lambda task: None)
    for _ in range(3):
        writer.submit(Nothing())
    assert writer.finish()
    del writer
    app.processEvents()
print("closed them all")
"""


def test_closing_right_as_the_last_task_ends_never_crashes(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", CHILD, "400"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "closed them all" in done.stdout
