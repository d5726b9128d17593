"""Help › About shows the instant network's licence notice and the fast styles' attribution."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit

from nst_desktop.engine.instant import notice_text
from nst_desktop.gui.about import AboutDialog, about_text


def test_about_shows_the_notices_as_plain_text(qtbot, window) -> None:
    text = about_text()
    assert notice_text().strip()[:60] in text and "Apache" in text
    assert "fast styles" in text and "Ken Vermette" in text  # resources/samples/ATTRIBUTION.md
    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.text, QPlainTextEdit) and dialog.text.isReadOnly()
    assert dialog.text.toPlainText() == text
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in menus


def test_about_names_and_opens_the_bundled_licences_folder(qtbot, tmp_path, monkeypatch) -> None:
    from nst_desktop.gui.about import bundled_licenses_dir

    folder = tmp_path / "licenses"
    folder.mkdir()
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)  # as in a PyInstaller bundle
    assert bundled_licenses_dir() == folder
    opened: list = []
    dialog = AboutDialog(opener=opened.append)
    qtbot.addWidget(dialog)
    assert dialog.licenses == folder and dialog.licenses_button is not None
    assert str(folder) in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.licenses_button.click()
    assert opened == [folder]


def test_about_has_no_licences_button_without_a_bundle(qtbot, monkeypatch) -> None:
    from nst_desktop.gui.about import bundled_licenses_dir

    monkeypatch.delattr("sys._MEIPASS", raising=False)  # a checkout or a pip install
    assert bundled_licenses_dir() is None
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert dialog.licenses_button is None


def test_about_names_the_runtime_versions() -> None:
    import ssl
    import sys

    import PySide6
    from PySide6.QtCore import qVersion

    from nst_desktop.gui.about import runtime_text

    text = about_text()
    line = runtime_text()
    assert line in text
    assert f"Python {sys.version.split()[0]}" in line and ssl.OPENSSL_VERSION in line
    assert f"Qt {qVersion()}" in line and f"PySide6 {PySide6.__version__}" in line
    torch = sys.modules.get("torch")
    assert (f"torch {torch.__version__}" if torch is not None else "torch (not loaded yet)") in line


def test_about_names_the_patch_revision_a_bundled_python_was_built_with(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """packaging/linux/build_cpython.sh stamps Debian's revision as the build tag."""
    import sys

    from nst_desktop.gui.about import runtime_text

    monkeypatch.setattr(sys, "_git", ("CPython", "debian-3.11.2-6+deb12u8", ""), raising=False)
    assert f"Python {sys.version.split()[0]} (debian-3.11.2-6+deb12u8)," in runtime_text()
    monkeypatch.setattr(sys, "_git", ("CPython", "", ""), raising=False)
    assert f"Python {sys.version.split()[0]}," in runtime_text()
