"""Issue 19, finding 11: a long stage without reports still prints a line now and then (the
probe's 8192 px run printed nothing for five minutes), and nothing after the bar is closed."""

from __future__ import annotations

import io
import time

from nst_desktop.cli import ProgressBar
from nst_desktop.engine.types import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _wait_for(stream: io.StringIO, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in stream.getvalue():
        assert time.monotonic() < deadline, stream.getvalue()
        time.sleep(0.02)


def test_a_silent_stage_gets_a_still_working_line_and_none_after_close() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, heartbeat=0.2)
    bar(Progress("preparing", 0, 1, 1, 1, (8192, 8192)))
    _wait_for(stream, "preparing: still working, 0:00\n")
    bar(Progress("painting", 1, 9, 1, 1, (8192, 8192), elapsed=6.0, tile=1, tiles=9))
    assert stream.getvalue().endswith("8192x8192  step 1/9  tile 1/9  0:06\n")
    _wait_for(stream, "painting: still working")
    bar.close()
    closed = stream.getvalue()
    time.sleep(0.5)
    assert stream.getvalue() == closed


def test_frequent_reports_leave_no_room_for_the_heartbeat() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, heartbeat=0.5)
    for step in range(30):
        bar(Progress("painting", step, 30, 1, 1, (64, 64), elapsed=step * 6.0))
        time.sleep(0.03)
    bar.close()
    assert "still working" not in stream.getvalue()
    assert len(stream.getvalue().splitlines()) == 29  # a line per report 5 s after the last (not step 0)


def test_on_a_terminal_the_heartbeat_rewrites_the_line() -> None:
    stream = _Terminal()
    bar = ProgressBar(stream, heartbeat=0.2)
    bar(Progress("loading", 0, 1, 1, 1, (64, 64)))
    _wait_for(stream, "\rloading: still working")
    bar.close()
    assert stream.getvalue().endswith("\n")
