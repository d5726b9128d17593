"""Writing files so that a crash, a full disk or Ctrl+C never leaves half a file behind.

An artist's result or preset is either fully there, or the previous version is untouched.
Everything is written to a hidden ``.<name>.<random>.part`` file beside the destination (the
same directory, hence the same file system, so the final :func:`os.replace` is atomic), synced
to disk, and only then moved over the destination name.

Only regular files are ever replaced: a destination that exists as a device, a FIFO or a socket
is refused (:class:`NotARegularFile`), because replacing ``/dev/full`` with a JSON file, as root,
breaks the system. A symbolic link is written *through*: the file it points to gets the new
content (its temporary file sits beside that file), and the link stays a link.

:func:`atomic_create` makes a new file without ever replacing one (link-or-fail), for stores in
which two processes may pick the same free name at once.

A process killed mid-write (SIGKILL, a power cut) leaves its hidden temporary file behind; each
later write into the same folder removes such leftovers once they are an hour old and no live
process of this computer owns them (the writer's pid is part of the name).

These helpers raise plain :class:`OSError`; the caller knows what was being saved and turns
it into the fitting one-sentence :class:`~nst_desktop.engine.errors.EngineError`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["NotARegularFile", "atomic_create", "atomic_path", "atomic_write_bytes", "sweep_stale_temps"]

_TEMP_SUFFIX = ".part"
# The file systems artists use (ext4, APFS, NTFS) allow 255 bytes (UTF-16 units on NTFS) per name.
_NAME_MAX = 255
# "." + name + "." + pid + "-" + 8 hex digits + ".part": what the name may keep of its bytes.
_TEMP_OVERHEAD = len(".") + len(".") + 10 + len("-") + 8 + len(_TEMP_SUFFIX)
# Older versions wrote ".NAME.XXXXXXXX.part" without a pid: those are judged by age alone.
_TEMP_PATTERN = re.compile(r"^\..*\.(?:(\d{1,10})-)?[0-9a-f]{8}\.part$", re.DOTALL)
STALE_AFTER = 3600.0
"""Seconds after which a leftover temporary file of a dead writer is removed."""


class NotARegularFile(OSError):
    """The destination exists and is a device, FIFO, socket or folder: it is never replaced."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EINVAL, "it exists and is not a regular file but a device, pipe or socket")
        self.filename = str(path)


def name_fits(name: str) -> bool:
    """Whether ``name`` is short enough for the file system, in bytes (UTF-8) as it counts."""
    return len(os.fsencode(name)) <= _NAME_MAX


def _temp_name(final: Path) -> str:
    """A hidden temporary name beside ``final``, cut by *bytes* so that it always fits.

    Cutting by characters overflows with multi-byte names (200 CJK characters are 600 bytes).
    """
    room = _NAME_MAX - _TEMP_OVERHEAD
    head = os.fsencode(final.name)[:room]
    # Drop a multi-byte character the cut split in two; odd (non-UTF-8) bytes are kept as they are.
    stem = os.fsdecode(_whole_utf8(head))
    return f".{stem}.{os.getpid()}-{secrets.token_hex(4)}{_TEMP_SUFFIX}"


def _whole_utf8(data: bytes) -> bytes:
    """``data`` without a trailing, incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # the lead byte of the last sequence
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= needed else data[:-back]
    return data


def _destination(path: str | os.PathLike[str]) -> Path:
    """The file a write really goes to: through a symbolic link, refusing special files."""
    final = Path(path)
    try:
        info = os.lstat(final)
    except FileNotFoundError:
        return final
    if stat.S_ISLNK(info.st_mode):
        final = Path(os.path.realpath(final))
        try:
            info = os.stat(final)
        except FileNotFoundError:
            return final  # a dangling link: the write creates the file it names
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(final))
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(final)
    return final


def _create_temp(final: Path) -> Path:
    """Create an empty, exclusively owned temporary file next to ``final``.

    ``os.open`` with mode 0o666 (instead of ``tempfile.mkstemp``, which uses 0o600) lets the
    user's umask decide the permissions, so the result is readable like any other file they save.
    """
    sweep_stale_temps(final.parent)
    for _ in range(100):
        temp = final.with_name(_temp_name(final))
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return temp
    raise FileExistsError(f"Could not create a temporary file next to {final}")


def _fsync_file(path: Path) -> None:
    # Windows only syncs through a handle opened for writing.
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX); best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_mode(source: Path, temp: Path) -> None:
    """Keep the permissions of a file being overwritten, as an in-place save would."""
    try:
        mode = stat.S_IMODE(os.stat(source).st_mode)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.chmod(temp, mode)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path`` in one step.

    The block may write the temporary file by any means (an encoder that takes a file name,
    say) and should close it before leaving. If the block raises anything, ``KeyboardInterrupt``
    included, or the sync or the rename fails, the temporary file is removed, the exception
    propagates and whatever was at ``path`` before is left as it was.
    """
    final = _destination(path)
    temp = _create_temp(final)
    try:
        yield temp
        _copy_mode(final, temp)
        _fsync_file(temp)
        _destination(final)  # a FIFO made there meanwhile is still not replaced
        os.replace(temp, final)
    except BaseException:
        try:
            temp.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            log.warning("Could not remove the temporary file %s", temp, exc_info=True)
        raise
    _fsync_dir(final.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as temp, open(temp, "wb") as f:
        f.write(data)


def atomic_create(path: str | os.PathLike[str], data: bytes) -> None:
    """Create ``path`` holding ``data``, complete or not at all, never replacing anything.

    The data goes to a temporary file that is then hard-linked to ``path``: the link either
    creates the name or fails with :class:`FileExistsError`, in one step, so two processes that
    chose the same free name cannot both believe they wrote it. On a file system without hard
    links the name is reserved with an exclusive create and the complete file renamed over it.
    """
    final = Path(path)
    temp = _create_temp(final)
    try:
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temp, final)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            os.close(fd)
            os.replace(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _fsync_dir(final.parent)


def sweep_stale_temps(folder: Path, *, older_than: float = STALE_AFTER) -> None:
    """Remove temporary files a killed writer left in ``folder``; best effort, never raises.

    Only names this module makes qualify, only regular files, only when older than
    ``older_than`` seconds, and never one whose writer (the pid in its name) still runs here.
    """
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            candidates = [e for e in entries if e.name.startswith(".") and e.name.endswith(_TEMP_SUFFIX)]
    except OSError:
        return
    for entry in candidates:
        match = _TEMP_PATTERN.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < older_than:
            continue
        if match.group(1) is not None and _alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
            log.info("Removed the leftover temporary file %s", entry.path)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    """Whether a process with this id runs here (signal 0 probes without touching it)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # Windows: age alone decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
