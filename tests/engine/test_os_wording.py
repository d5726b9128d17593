"""One wording of OS errors: every message quotes the system's words through engine.text.os_reason."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import nst_desktop
from nst_desktop.engine.text import os_reason

PACKAGE = Path(nst_desktop.__file__).parent


def test_the_reason_is_the_systems_words_on_one_line_in_lower_case() -> None:
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "no space left on device"
    assert os_reason(OSError(errno.EACCES, "Permission denied.")) == "permission denied"
    assert os_reason(OSError(errno.EIO, "Input/output\nerror\r\n")) == "input/output error"
    assert os_reason(OSError("plain words")) == "plain words"
    assert os_reason(OSError()) == "oserror"
    assert len(os_reason(OSError(errno.EIO, "x" * 10_000), 60)) <= 60


SECOND_WORDING = re.compile(r"(?<!\bos)\.strerror\b")


def second_wordings(root: Path) -> list[str]:
    """Modules under ``root`` that read ``strerror`` themselves (``os.strerror`` builds one)."""
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.relative_to(root) != Path("engine/text.py")
        and SECOND_WORDING.search(path.read_text(encoding="utf-8"))
    )


def test_no_module_words_an_os_error_itself() -> None:
    """A second wording (strerror read, cut and cased its own way) drifts: one full disk read
    two ways. Only engine/text.py reads ``strerror``."""
    assert second_wordings(PACKAGE) == []


def test_the_check_sees_a_planted_second_wording(tmp_path: Path) -> None:
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "text.py").write_text("x = exc.strerror\n", encoding="utf-8")
    (tmp_path / "fine.py").write_text("y = os.strerror(5)\n", encoding="utf-8")
    (tmp_path / "planted.py").write_text("def f(exc):\n    return exc.strerror.lower()\n", encoding="utf-8")
    assert second_wordings(tmp_path) == ["planted.py"]
