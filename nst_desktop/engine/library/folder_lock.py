"""A named-file folder's lock: one import or save at a time, across processes and threads.

A name is not its file name (``Autumn`` may live in ``autumn-2.nststyle``), so link-or-fail alone
let two imports of one name at once both succeed, in two files. A change therefore holds the
folder's lock from the moment it looks for the name to the moment its file is in place. The lock
is the operating system's (``flock``; ``msvcrt.locking`` on Windows): it ends with the process
that holds it, so a killed import leaves no stale lock behind, only the empty lock file, which is
reused. A kind whose folder must hold nothing but its files (presets) locks the folder itself
instead of a lock file, where the system allows it (not Windows, where link-or-fail alone then
still guarantees that no file is ever replaced).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path
from typing import Final

from ..errors import EngineError
from .wording import os_reason, show

__all__ = ["LOCK_NAME", "LOCK_WAIT", "FolderLock"]

#: How long a change waits for another one in the same folder before it gives up.
LOCK_WAIT: Final = 30.0
LOCK_NAME: Final = ".import.lock"


class FolderLock:
    """``with FolderLock(folder):`` waits up to ``wait`` seconds, then raises ``error`` naming
    the lock. A lock whose holder died is free at once.

    ``lock_name`` None locks the folder itself (no file appears in it); ``what`` names the
    folder in the message ("the styles folder").
    """

    # flock is per open file: two threads would each get one, so threads queue per folder first.
    _guard = threading.Lock()
    _threads: dict[Path, threading.Lock] = {}

    def __init__(
        self,
        folder: Path,
        wait: float = LOCK_WAIT,
        *,
        lock_name: str | None = LOCK_NAME,
        error: type[EngineError] = EngineError,
        what: str = "the folder",
    ) -> None:
        self.path = Path(folder) / lock_name if lock_name is not None else Path(folder)
        self.wait = wait
        self.error = error
        self.what = what
        self._fd = -1
        with self._guard:
            self._thread_lock = self._threads.setdefault(self.path.absolute(), threading.Lock())

    def __enter__(self) -> FolderLock:
        deadline = time.monotonic() + self.wait
        if not self._thread_lock.acquire(timeout=self.wait):
            raise self._busy()
        try:
            self._fd = self._open()
            while self._fd >= 0 and not _try_lock(self._fd):
                if time.monotonic() >= deadline:
                    raise self._busy()
                time.sleep(0.02)
        except BaseException:
            self._close()
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()
        self._thread_lock.release()

    def _open(self) -> int:
        """The descriptor to lock; -1 where a folder cannot be opened (Windows): no lock then."""
        if self.path.is_dir():
            try:
                return os.open(self.path, os.O_RDONLY)
            except OSError:
                return -1
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            return os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise self.error(
                f"The lock '{show(self.path)}' of {self.what} cannot be opened ({os_reason(exc)})."
            ) from None

    def _close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                _unlock(self._fd)
            os.close(self._fd)
            self._fd = -1

    def _busy(self) -> EngineError:
        return self.error(
            f"Another import into {self.what} did not finish within {self.wait:g} s "
            f"(its lock is '{show(self.path)}'); try again."
        )


def _try_lock(fd: int) -> bool:
    """Take the lock on ``fd`` without waiting; False when another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN, errno.EDEADLK):
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)
