"""Writing files so that a crash, a full disk or Ctrl+C never leaves half a file behind.

An artist's result or preset is either fully there, or the previous version is untouched.
Everything is written to a hidden ``.<name>.<random>.part`` file beside the destination (the
same directory, hence the same file system, so the final :func:`os.replace` is atomic), synced
to disk, and only then moved over the destination name.

These helpers raise plain :class:`OSError`; the caller knows what was being saved and turns
it into the fitting one-sentence :class:`~nst_desktop.engine.errors.EngineError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["atomic_path", "atomic_write_bytes"]

_TEMP_SUFFIX = ".part"


def _create_temp(final: Path) -> Path:
    """Create an empty, exclusively owned temporary file next to ``final``.

    ``os.open`` with mode 0o666 (instead of ``tempfile.mkstemp``, which uses 0o600) lets the
    user's umask decide the permissions, so the result is readable like any other file they save.
    """
    for _ in range(100):
        # Trimmed so that a long but valid name does not overflow the file system's limit.
        temp = final.with_name(f".{final.name[:200]}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
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
    final = Path(path)
    temp = _create_temp(final)
    try:
        yield temp
        _copy_mode(final, temp)
        _fsync_file(temp)
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
