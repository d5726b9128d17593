"""Opening a file a user named, safely: only regular files, never blocking, never unbounded.

Images, presets and fast styles all read files that may come from anywhere. A FIFO would block
an ordinary ``open`` until a writer appears, and a device such as ``/dev/urandom`` would be read
as if it were a file, so the file is opened without blocking and examined through the handle.
What went wrong comes back as a :class:`FileProblem` with a ``kind``; each caller words it for
what it was reading.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Literal

from .text import os_reason

ProblemKind = Literal["missing", "folder", "denied", "special", "unreadable"]


class FileProblem(Exception):
    """Why a file cannot be read; ``reason`` is the system's words for ``unreadable``."""

    def __init__(self, kind: ProblemKind, reason: str = "") -> None:
        super().__init__(kind, reason)
        self.kind: ProblemKind = kind
        self.reason = reason


def open_regular(path: str | os.PathLike[str], *, follow_links: bool = True) -> tuple[int, os.stat_result]:
    """A descriptor (still non-blocking; the caller closes it) and the status of a regular file.

    ``follow_links=False`` refuses a symbolic link (kind ``special``): a folder only the app
    writes (the history) holds none, so one there is foreign. A regular file that stats as
    empty but reads as something (``/proc/self/mem``, ``/proc/cpuinfo``: the kernel makes up
    their content and their size) is ``special`` too, so no caller calls it "empty".
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):  # where O_NOFOLLOW is missing (Windows)
                raise FileProblem("special", "a symbolic link")
        except OSError:
            pass  # reported by the open below
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileProblem("missing") from None
    except IsADirectoryError:
        raise FileProblem("folder") from None
    except PermissionError:
        raise FileProblem("denied") from None
    except OSError as exc:
        if not follow_links and exc.errno == errno.ELOOP:
            raise FileProblem("special", "a symbolic link") from None
        raise FileProblem("unreadable", os_reason(exc)) from None
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise FileProblem("unreadable", os_reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        os.close(fd)
        raise FileProblem("folder")
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileProblem("special")
    if info.st_size == 0 and not _really_empty(fd):
        os.close(fd)
        raise FileProblem("special", "a system file whose size is not known")
    return fd, info


def _really_empty(fd: int) -> bool:
    """Whether a file that stats as size 0 reads as nothing (a true empty file), rather than
    as made-up content or an error (procfs, sysfs). The descriptor stays at offset 0 either
    way: an empty file has nothing to move past, and any other is refused."""
    try:
        return os.read(fd, 1) == b""
    except OSError:
        return False


def read_regular(path: str | os.PathLike[str], limit: int, *, follow_links: bool = True) -> bytes:
    """At most ``limit + 1`` bytes of a regular file, so a caller can tell "too large" itself."""
    fd, _ = open_regular(path, follow_links=follow_links)
    try:
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem("unreadable", os_reason(exc)) from None
    finally:
        os.close(fd)
