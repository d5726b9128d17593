"""Start-up: the window opens fast on the built-in samples, without torch, and remembers things."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from nst_desktop.engine import Settings
from nst_desktop.gui import app


def test_gui_modules_do_not_import_torch() -> None:
    code = (
        "import sys; import nst_desktop.gui.app, nst_desktop.gui.main_window;"
        "sys.exit('torch' in sys.modules or 'nst_desktop.engine.run' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


def test_opens_on_the_builtin_samples(window) -> None:
    photos, styles = app.sample_images()
    if not photos or not styles:
        pytest.skip("the built-in samples are not installed")
    app.open_initial_images(window, None, [])
    assert window.content is not None and window.content.path == photos[0]
    assert [s.path for s in window.gallery.styles()] == [styles[0]]
    assert len(window.gallery.samples_menu.actions()) == len(styles)
    assert window.stylize_button.isEnabled()


def test_opens_on_images_named_on_the_command_line(window, photo: Path, painting: Path) -> None:
    app.open_initial_images(window, photo, [painting, painting])
    assert window.content is not None and window.content.path == photo
    assert len(window.gallery.styles()) == 2


def test_missing_samples_leave_an_empty_window(
    window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NST_DESKTOP_RESOURCES", str(tmp_path / "nowhere"))
    app.open_initial_images(window, None, [])
    assert window.content is None and not window.gallery.samples_button.isEnabled()


def test_layout_controls_and_folders_are_remembered(make_window, qsettings: QSettings, photo: Path) -> None:
    first = make_window()
    first.splitter.setSizes([420, 700])
    sizes = first.splitter.sizes()
    first.inputs.set_photo(photo)
    first.controls.set_settings(Settings(style_strength=2.5, size=256))
    first.close()
    second = make_window()
    assert second.controls.settings().style_strength == 2.5
    assert second.controls.settings().size == 256
    assert second.inputs.recent_images()[0] == str(photo)
    assert second.qsettings.value("last_open_dir") == str(photo.parent)
    assert qsettings.contains("window/geometry")
    assert second.splitter.restoreState(qsettings.value("window/splitter"))
    assert sizes[0] == 420


def test_warm_up_reports_the_device_then_stylize_runs(qtbot, ready_window, fake_engine) -> None:
    ready_window.warm_up()
    ready_window.stylize()  # pressed while the model loads: starts as soon as it is ready
    qtbot.waitUntil(lambda: ready_window.shown is not None, timeout=5000)
    assert ready_window.device_label.text() == "Device: Fake CPU (test)"
    assert fake_engine.warm_ups == 1 and len(fake_engine.calls) == 1
