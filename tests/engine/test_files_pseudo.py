"""Issue 19, finding 9: a file that stats as size 0 but is not empty (``/proc/self/mem``,
``/proc/cpuinfo``) is refused as a system file, never called "empty"; a truly empty file
still is empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nst_desktop.engine.errors import ImageError
from nst_desktop.engine.files import FileProblem, open_regular
from nst_desktop.engine.images import load_image

PROC = Path("/proc/self/mem").exists()


@pytest.mark.skipif(not PROC, reason="needs Linux's /proc")
@pytest.mark.parametrize("path", ["/proc/self/mem", "/proc/cpuinfo"])
def test_a_proc_file_is_not_called_empty(path: str) -> None:
    with pytest.raises(ImageError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "empty" not in message
    assert "is not a regular file" in message and "system file" in message
    with pytest.raises(FileProblem) as problem:
        open_regular(path)
    assert problem.value.kind == "special"


def test_an_empty_file_is_still_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty\.png is empty\."):
        load_image(empty)
    fd, info = open_regular(empty)
    try:
        assert info.st_size == 0 and os.lseek(fd, 0, os.SEEK_CUR) == 0
    finally:
        os.close(fd)


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_links_are_refused_only_when_asked(tmp_path: Path) -> None:
    real = tmp_path / "real.bin"
    real.write_bytes(b"data")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    fd, _ = open_regular(link)
    os.close(fd)
    with pytest.raises(FileProblem) as problem:
        open_regular(link, follow_links=False)
    assert problem.value.kind == "special"
