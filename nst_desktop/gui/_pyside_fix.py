"""A guard against a reference-counting bug in some PySide6 builds (seen in 6.12.0 on CPython 3.11).

There, every ``Signal.emit()`` called from Python drops one reference to ``True`` that it never
took. After a few hundred emits (ours, and pyqtgraph's on every plot update) CPython aborts with
"deallocating True or False". The singletons ``True``, ``False`` and ``None`` are never freed
anyway, so when a probe shows the bug we give them a reference count no run can exhaust.
CPython 3.12+ makes these objects immortal and needs nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_PAD = 1 << 40
_applied = False


def emit_steals_references() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    after = sys.getrefcount(True)
    probe.deleteLater()
    return after <= before - 8


def apply() -> bool:
    """Pad the singletons if this PySide6 needs it; True when the guard is active."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not emit_steals_references():
        return False
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _PAD
    _applied = True
    log.info("This PySide6 build mis-counts references on Signal.emit(); a guard is active.")
    return True
