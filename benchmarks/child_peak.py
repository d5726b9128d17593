"""Run a benchmark's child process and read its peak resident size."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any


def run_child(args: list[str]) -> dict[str, Any]:
    """Run ``args``, parse the JSON on its last line of output and add ``peak_rss_mib``.

    The peak is the child's own ``ru_maxrss``, read from ``wait4``.
    """
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"child failed ({status})")
    data: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    data["peak_rss_mib"] = usage.ru_maxrss / 1024
    return data
