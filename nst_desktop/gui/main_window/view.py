"""How the picture is looked at: zoom, before/after (also held on B), comparing on Space,
Details, full screen, the tabs' height, and Help's list of shortcuts.

:class:`PictureView` owns this state (what to go back to when B is released) and gets the
widgets it works on in its constructor; the window forwards its key events and wires its
signals, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..widgets.preview import PreviewPanel
from . import actions

TALL_TAB = 250
"""Height (px) a tab that lists rows gets when opened (the batch list needs rows to be reviewable)."""
SHORT_TAB = 180
TAB_SHARE = 0.45
"""At most this share of the centre goes to the tabs; the picture keeps the rest."""


class PictureView(QObject):
    """Zoom, before/after, Details and full screen over the window's picture widgets."""

    before_wanted = Signal()
    """B is held: before/after needs the photo of the picture on show (read it if missing)."""
    full_screen_changed = Signal(bool)
    """Entered (True) or left full screen: Esc's enabled state follows it."""

    def __init__(
        self,
        host: QWidget,
        preview: PreviewPanel,
        loss_plot: QWidget,
        details_button: QAbstractButton,
        chrome: Sequence[QWidget],
        tabs: QTabWidget,
        splitter: QSplitter,
        tall_tab: QWidget | None = None,
    ) -> None:
        """``host`` is the window that goes full screen; ``chrome`` the parts hidden then;
        ``splitter`` holds the picture above ``tabs``, and ``tall_tab`` is the tab that lists
        rows (the batch)."""
        super().__init__(host)
        self._host = host
        self._preview = preview
        self._loss_plot = loss_plot
        self._details = details_button
        self._chrome = tuple(chrome)
        self._tabs = tabs
        self._splitter = splitter
        self._tall_tab = tall_tab
        self._held: tuple[bool, float] | None = None
        """Compare mode and divider to go back to when B is released; None while B is up."""
        details_button.toggled.connect(self.set_details_visible)
        tabs.currentChanged.connect(self.fit_tabs)

    @property
    def holding_before(self) -> bool:
        """B is held down: the photo is on show instead of the picture."""
        return self._held is not None

    @property
    def full_screen(self) -> bool:
        return self._host.isFullScreen()

    @Slot()
    def fit_tabs(self) -> None:
        """Give the tab that was opened the height it needs, at most :data:`TAB_SHARE` of the centre."""
        sizes = self._splitter.sizes()
        total = sum(sizes)
        want = (
            TALL_TAB
            if self._tall_tab is not None and self._tabs.currentWidget() is self._tall_tab
            else SHORT_TAB
        )
        want = min(want, int(total * TAB_SHARE))
        if total > 0 and sizes[1] < want:
            self._splitter.setSizes([total - want, want])

    def show_shortcuts(self) -> None:
        from PySide6.QtGui import QFont, QFontDatabase
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit

        dialog = QDialog(self._host)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        text = QPlainTextEdit(actions.shortcuts_text())
        text.setReadOnly(True)
        mono: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        text.setFont(mono)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(620, 480)
        dialog.exec()

    # Zoom and compare -------------------------------------------------------------------------

    def zoom_fit(self) -> None:
        self._preview.view.fit()

    def zoom_actual(self) -> None:
        self._preview.actual_button.click()

    def zoom_in(self) -> None:
        self._preview.view.zoom_by(1.25)

    def zoom_out(self) -> None:
        self._preview.view.zoom_by(0.8)

    def toggle_before_after(self) -> None:
        self._preview.compare.toggle()

    # Details and full screen ------------------------------------------------------------------

    @Slot(bool)
    def set_details_visible(self, on: bool) -> None:
        self._loss_plot.setVisible(on)
        if self._details.isChecked() != on:
            self._details.setChecked(on)

    def toggle_details(self) -> None:
        self.set_details_visible(not self._loss_plot.isVisible())

    def toggle_full_screen(self) -> None:
        """F11: the picture alone on the whole screen; F11 or Esc comes back."""
        full = not self._host.isFullScreen()
        for part in self._chrome:
            part.setVisible(not full)
        if full:
            self._loss_plot.hide()
            self._host.showFullScreen()
        else:
            self._loss_plot.setVisible(self._details.isChecked())
            self._host.showNormal()
        self._preview.view.fit()
        self.full_screen_changed.emit(full)

    # Keys held --------------------------------------------------------------------------------

    def key_pressed(self, event: QKeyEvent) -> bool:
        """Hold B to see the photo instead of the picture; while two versions are compared,
        hold Space to see the other one. True when the key was taken."""
        return self._key(event, True)

    def key_released(self, event: QKeyEvent) -> bool:
        return self._key(event, False)

    def _key(self, event: QKeyEvent, down: bool) -> bool:
        if event.modifiers() != Qt.KeyboardModifier.NoModifier or event.isAutoRepeat():
            return False
        if event.key() == Qt.Key.Key_B:
            self.hold_before(down)
            return True
        if event.key() == Qt.Key.Key_Space and self._preview.view.has_pair():
            self._preview.view.set_showing_b(down)
            return True
        return False

    def hold_before(self, on: bool) -> None:
        view = self._preview.view
        if on:
            if self._held is None:
                self.before_wanted.emit()
                self._held = (view.item.comparing, view.item.split)
                view.set_comparing(True)
                view.set_split(1.0)
        elif self._held is not None:
            comparing, split = self._held
            self._held = None
            view.set_comparing(comparing)
            view.set_split(split)
