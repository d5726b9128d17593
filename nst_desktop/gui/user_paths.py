"""Looking at a path the artist handed over (dropped, opened, recent, restored) safely.

``Path.is_file()`` and friends raise for a path inside a folder the user may not enter or a
name longer than the file system allows, and opening a FIFO to look inside waits for a writer
forever; in a Qt slot either is a traceback or a frozen window. :func:`problem` only calls
``os.stat`` (which never opens the file, so a FIFO or device cannot block it), never raises,
and answers with the one-line sentence the window shows ("" when the path is usable).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from nst_desktop.engine.text import os_reason, show_path

__all__ = ["is_dir", "is_file", "problem", "save_problem", "shown_name"]


def shown_name(path: str | os.PathLike[str]) -> str:
    """The file name as messages quote it: printable and short, whatever it holds."""
    try:
        name = Path(path).name or os.fspath(path)
    except (TypeError, ValueError):
        name = "?"
    return show_path(name, 80)


def problem(path: str | os.PathLike[str] | None, want: str = "file") -> str:
    """Why ``path`` is not a usable regular file (``want="file"``) or folder (``"dir"``).

    "" when it is; otherwise one plain sentence. Never raises, never opens the path.
    """
    if path is None or os.fspath(path) == "":
        return "No file was given." if want == "file" else "No folder was given."
    name = shown_name(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return f"'{name}' does not exist."
    except PermissionError:
        return f"nst-desktop is not allowed to look at '{name}' (or into the folder it is in)."
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return f"The name '{name}' is too long for the file system."
        if exc.errno == errno.ELOOP:
            return f"'{name}' is a loop of symbolic links."
        reason = os_reason(exc, 60)
        return f"'{name}' cannot be examined ({reason})."
    except (ValueError, TypeError):  # a NUL byte in the name, or not a path at all
        return f"'{name}' is not a valid file name."
    if want == "dir":
        return "" if stat.S_ISDIR(info.st_mode) else f"'{name}' is not a folder."
    if stat.S_ISDIR(info.st_mode):
        return f"'{name}' is a folder, not a file."
    if not stat.S_ISREG(info.st_mode):
        return f"'{name}' is not a regular file (it is a device, pipe or socket)."
    return ""


def save_problem(path: str | os.PathLike[str]) -> str:
    """Why a file cannot be written at ``path`` ("" when it may be): its folder must be one,
    and what is there already must be a regular file (a device or FIFO is never replaced)."""
    target = Path(path)
    folder = problem(target.parent, "dir")
    if folder:
        return folder
    there = problem(target, "file")
    if not there or there.endswith("does not exist."):
        return ""
    return there


def is_file(path: str | os.PathLike[str] | None) -> bool:
    """A regular file that can be examined (never raises, never blocks)."""
    return problem(path, "file") == ""


def is_dir(path: str | os.PathLike[str] | None) -> bool:
    """A folder that can be examined (never raises, never blocks)."""
    return problem(path, "dir") == ""


def paths_from_text(text: str, limit: int = 50) -> list[Path]:
    """Files named by plain text on the clipboard (a path copied from a terminal or an editor,
    one per line, or ``file://`` URLs); only those that are regular files, at most ``limit``."""
    from urllib.parse import unquote, urlparse

    found: list[Path] = []
    for line in text[:20000].splitlines()[:limit]:
        item = line.strip().strip("'\"")
        if item.startswith("file://"):
            item = unquote(urlparse(item).path)
        if item.startswith("~"):
            item = os.path.expanduser(item)
        if item and len(item) < 4096 and "\0" not in item and is_file(item):
            found.append(Path(item))
    return found
