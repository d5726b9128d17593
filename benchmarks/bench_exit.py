"""Seconds from the window closing to the process exiting (issue 8: "under 2 s").

Runs the real ``nst-desktop`` entry point (``nst_desktop.gui.app.main``) in a child process
(offscreen unless a display is given), waits until the warm-up has loaded the model and the
instant picture is on show (``--early``: half a second after the window shows, while they
still load), closes the window from a timer and prints the moment it did; the
parent times from that moment to the child's exit. Median of ``--runs``.

    .venv/bin/python benchmarks/bench_exit.py [--runs 5] [--quick] [--early]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from nst_desktop.gui import app as app_module, main_window

made = []
original = main_window.MainWindow.__init__
def init(self, *a, **k):
    original(self, *a, **k)
    made.append(self)
    QTimer.singleShot(500, poll)  # the application exists now
main_window.MainWindow.__init__ = init
started = time.monotonic()

EARLY = "--early" in sys.argv

def poll():
    w = made[0] if made else None
    ready = w is not None and w.device_text and not w.controller.busy and w.instant_image is not None
    if EARLY or ready or time.monotonic() - started > 240:
        sys.stderr.write(f"CLOSE {time.time():.6f}\n"); sys.stderr.flush()
        w.close()
        return
    QTimer.singleShot(100, poll)

sys.exit(app_module.main([]))
"""


def one_run(env: dict[str, str], early: bool = False) -> float:
    argv = [sys.executable, "-c", CHILD, *(["--early"] if early else [])]
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    closed = None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("CLOSE "):
            closed = float(line.split()[1])
    proc.wait()
    end = time.time()
    if closed is None or proc.returncode != 0:
        raise SystemExit(f"child failed (exit {proc.returncode}):\n{''.join(lines[-20:])}")
    return end - closed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--early", action="store_true", help="close 0.5 s after the window shows (model still loading)"
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="nst-exit-") as tmp:
        env = dict(os.environ)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["NST_DESKTOP_DATA_DIR"] = os.path.join(tmp, "data")
        env["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        times = [one_run(env, args.early) for _ in range(runs)]
    print("close -> exit, s:", " ".join(f"{t:.2f}" for t in times), f"median {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
