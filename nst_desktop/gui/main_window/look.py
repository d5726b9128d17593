# mypy: disable-error-code="misc"
# (A window mixin whose methods annotate ``self: MainWindow`` so their bodies are checked
# against the whole window; mypy's self-type check on a non-MainWindow class is what is off.)
"""The look's controls and the window: undo and redo, presets applied, the print size, and
Fade moving a finished optimiser or fast-style picture at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from nst_desktop.engine import EngineError, Settings

from .. import imaging, plain_text

if TYPE_CHECKING:
    from .picture import Picture
    from .window import MainWindow


class LookHandling:
    """The controls' part of the window (a mixin)."""

    shown: Picture | None
    _fade_photo: tuple[str, imaging.RGB8] | None
    """The photo a Fade works against, with the id of the picture it was read for."""

    def _on_controls_changed(self: MainWindow) -> None:
        self.undo.record()
        self._on_look_changed()
        self._refade()
        if self.content_image is not None and not self.controller.busy and self.shown is None:
            self.preview.view.set_canvas_size(
                *self._canvas_size(self.content_image.width(), self.content_image.height())
            )

    def _refade(self: MainWindow) -> None:
        """Fade moved while a finished optimiser or fast-style picture is on show: fade it now,
        no repaint and no new version (the fade is recorded with the picture when it is saved)."""
        shown = self.shown
        if shown is None or not shown.can_fade or self._busy():
            return
        try:
            strength = self.controls.settings().strength
        except EngineError:
            return
        if strength == shown.settings.strength:
            return
        if self._fade_photo is None or self._fade_photo[0] != shown.id:
            try:  # read once per picture: a slider drag fades many times
                self._fade_photo = (shown.id, shown.photo_for_fade())
            except (EngineError, OSError) as exc:
                self.statusBar().showMessage(f"The photo is needed to fade the picture: {exc}", 6000)
                return
        faded = shown.faded(strength, self._fade_photo[1])
        self.shown = faded
        self.prepare_drag()
        self.preview.view.set_image(imaging.array_to_qimage(faded.pixels))

    @Slot(object, str)
    def _on_preset_applied(self: MainWindow, settings: Settings, name: str) -> None:
        self.controls.set_settings(settings)
        self.statusBar().showMessage(f"Preset '{plain_text.capped(name, 80)}' applied.", 4000)

    def choose_print_size(self: MainWindow) -> None:
        from . import printing

        printing.choose_print_size(self)

    def undo_controls(self: MainWindow) -> None:
        if not self.undo.undo():
            self.statusBar().showMessage("Nothing to undo.", 3000)

    def redo_controls(self: MainWindow) -> None:
        if not self.undo.redo():
            self.statusBar().showMessage("Nothing to redo.", 3000)
