# mypy: disable-error-code="misc"
# (A window mixin whose methods annotate ``self: MainWindow`` so their bodies are checked
# against the whole window; mypy's self-type check on a non-MainWindow class is what is off.)
"""How the picture is looked at: zoom, before/after (also held on B), comparing on Space,
Details, full screen, the tabs' height, and Help's list of shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QVBoxLayout

from . import actions

if TYPE_CHECKING:
    from .window import MainWindow


class ViewHandling:
    """The view's part of the window (a mixin)."""

    _held: tuple[bool, float] | None
    """Compare mode and divider to go back to when B is released; None while B is up."""

    @Slot()
    def _fit_tabs(self: MainWindow) -> None:
        """Give the tab that was opened the height it needs (the batch list needs rows to be
        reviewable), at most 45 % of the centre; the picture keeps the rest."""
        sizes = self.centre_splitter.sizes()
        total = sum(sizes)
        want = 250 if self.tabs.currentWidget() is self.batch else 180
        want = min(want, int(total * 0.45))
        if total > 0 and sizes[1] < want:
            self.centre_splitter.setSizes([total - want, want])

    def show_shortcuts(self: MainWindow) -> None:
        from PySide6.QtGui import QFont, QFontDatabase
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit

        dialog = QDialog(self)
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

    # View -------------------------------------------------------------------------------------

    def zoom_fit(self: MainWindow) -> None:
        self.preview.view.fit()

    def zoom_actual(self: MainWindow) -> None:
        self.preview.actual_button.click()

    def zoom_in(self: MainWindow) -> None:
        self.preview.view.zoom_by(1.25)

    def zoom_out(self: MainWindow) -> None:
        self.preview.view.zoom_by(0.8)

    def toggle_before_after(self: MainWindow) -> None:
        self.preview.compare.toggle()

    @Slot(bool)
    def set_details_visible(self: MainWindow, on: bool) -> None:
        self.loss_plot.setVisible(on)
        if self.run_bar.details_button.isChecked() != on:
            self.run_bar.details_button.setChecked(on)

    def toggle_details(self: MainWindow) -> None:
        self.set_details_visible(not self.loss_plot.isVisible())

    def toggle_full_screen(self: MainWindow) -> None:
        """F11: the picture alone on the whole screen; F11 or Esc comes back."""
        full = not self.isFullScreen()
        for part in (self.left, self.tabs, self.run_bar, self.menuBar(), self.statusBar()):
            part.setVisible(not full)
        if full:
            self.loss_plot.hide()
            self.showFullScreen()
        else:
            self.loss_plot.setVisible(self.run_bar.details_button.isChecked())
            self.showNormal()
        self.preview.view.fit()
        self._update_state()  # Esc (the Stop action) leaves full screen also when nothing runs

    def resizeEvent(self: MainWindow, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.left.fit_width()  # the panel's width depends on the room the window has

    def keyPressEvent(self: MainWindow, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Hold B to see the photo instead of the picture; while two versions are compared,
        hold Space to see the other one (keys that no focused control took for itself)."""
        if not event.modifiers() and not event.isAutoRepeat():
            if event.key() == Qt.Key.Key_B:
                self._hold_before(True)
                return
            if event.key() == Qt.Key.Key_Space and self.preview.view.has_pair():
                self.preview.view.set_showing_b(True)
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self: MainWindow, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not event.modifiers() and not event.isAutoRepeat():
            if event.key() == Qt.Key.Key_B:
                self._hold_before(False)
                return
            if event.key() == Qt.Key.Key_Space and self.preview.view.has_pair():
                self.preview.view.set_showing_b(False)
                return
        super().keyReleaseEvent(event)

    def _hold_before(self: MainWindow, on: bool) -> None:
        view = self.preview.view
        if on:
            if self._held is None:
                self._ensure_before()
                self._held = (view.item.comparing, view.item.split)
                view.set_comparing(True)
                view.set_split(1.0)
        elif self._held is not None:
            comparing, split = self._held
            self._held = None
            view.set_comparing(comparing)
            view.set_split(split)
