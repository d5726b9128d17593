"""Qt set-up shared by every test: offscreen, test-mode paths, a private data folder per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    from PySide6.QtCore import QStandardPaths

    # Keep QSettings and other Qt-managed files out of the developer's real profile.
    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Presets and other per-user data live in a fresh folder for each test."""
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path_factory.mktemp("nst-data")))


def _terminal_signals() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.fixture
def terminal_signals():  # type: ignore[no-untyped-def]
    """A ``preexec_fn`` for a child that must hear Ctrl-C and hang-up as a terminal sends them:
    a test run started in the background (``nohup``, ``&``) ignores both, and a child would
    inherit that and never stop."""
    return _terminal_signals
