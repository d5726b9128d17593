"""Ctrl-C, SIGTERM and SIGHUP close the window as its close button does.

Without this, Python's default Ctrl-C handler raised ``KeyboardInterrupt`` inside whatever
Qt callback ran next (a traceback on the terminal, and the window stayed open), and SIGTERM
(a logout, ``kill``) ended the process on the spot: settings unsaved, a version or a Save
being written cut short. A handled signal instead runs the window's ``close()``: it saves the
settings, stops a painting (which is kept as a version), lets pending writes land, and the
process then exits with 128 + the signal's number, as the command line does.

Python runs signal handlers only when it gets control, and Qt's event loop is C++; the
handlers' wake-up byte (``signal.set_wakeup_fd``) on a socket watched by a
``QSocketNotifier`` gives it control at once. A second signal while the window winds down
takes the default action: someone who insists is obeyed.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class StopSignals(QObject):
    """Installs the handlers; ``received`` is the first signal's number (0 until one came)."""

    def __init__(self, close: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.received = 0
        self._close = close
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.received:
            return
        self.received = signum
        for other in STOP_SIGNALS:
            signal.signal(other, signal.SIG_DFL)  # a second signal takes the default action
        QTimer.singleShot(0, self._close)

    def _drain(self) -> None:
        # The bytes only woke Python so that the handler above could run; nothing to read.
        with contextlib.suppress(OSError):
            while self._reader.recv(256):
                pass

    def uninstall(self) -> None:
        """Put back what was there before (the app's own loop has ended)."""
        self._notifier.setEnabled(False)
        if not self.received:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    @property
    def exit_status(self) -> int | None:
        """128 + the signal that closed the window, or None when none did."""
        return 128 + self.received if self.received else None
