"""The look's controls: undo and redo, presets applied, and Fade moving a finished optimiser
or fast-style picture at once.

:class:`Look` owns the controls' undo history and the photo a Fade works against; it gets the
controls, what is on show and whether a run holds the worker in its constructor, and says
what it did through signals (a faded picture to put on show, a line for the status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import EngineError, Settings

from .. import imaging, plain_text
from ..widgets.controls import ControlsEdit
from .picture import Picture
from .undo import ControlsUndo


class LookControls(Protocol):
    """What the look needs of the controls panel."""

    def settings(self) -> Settings: ...

    def set_settings(self, settings: Settings) -> None: ...


class Look(QObject):
    """Undo/redo of the controls, presets applied and Fade on a finished picture."""

    faded = Signal(object)
    """The picture on show faded anew (a :class:`~.picture.Picture`): no repaint, no version."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms)."""

    def __init__(
        self,
        controls: LookControls,
        undo: ControlsUndo,
        shown: Callable[[], Picture | None],
        busy: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        """``shown`` gives the picture on show, ``busy`` whether a run holds the worker."""
        super().__init__(parent)
        self.controls = controls
        self.undo = undo
        self._shown = shown
        self._busy = busy
        self._fade_photo: tuple[str, imaging.RGB8] | None = None
        """The photo a Fade works against, with the id of the picture it was read for."""

    def record(self) -> None:
        """The controls changed: a step of the undo history (a drag is one step)."""
        self.undo.record()

    def changed(self, edit: ControlsEdit) -> None:
        """The controls changed (``edit`` is what they hold now): a step of the undo history,
        Fade applied to the picture on show, and, when the values are not valid settings,
        the sentence that says why in the status bar, before Paint refuses them."""
        self.record()
        if edit.error is not None:
            self.status.emit(plain_text.capped(edit.error), 6000)
        self.refade(edit)

    def refade(self, edit: ControlsEdit | None = None) -> None:
        """Fade moved while a finished optimiser or fast-style picture is on show: fade it now,
        no repaint and no new version (the fade is recorded with the picture when it is saved).
        ``edit`` is the controls' change when there is one (else they are read)."""
        shown = self._shown()
        if shown is None or not shown.can_fade or self._busy():
            return
        if edit is None:
            try:
                edit = ControlsEdit(self.controls.settings())
            except EngineError:
                return
        if edit.settings is None:
            return
        strength = edit.settings.strength
        if strength == shown.settings.strength:
            return
        if self._fade_photo is None or self._fade_photo[0] != shown.id:
            try:  # read once per picture: a slider drag fades many times
                self._fade_photo = (shown.id, shown.photo_for_fade())
            except (EngineError, OSError) as exc:
                self.status.emit(f"The photo is needed to fade the picture: {exc}", 6000)
                return
        self.faded.emit(shown.faded(strength, self._fade_photo[1]))

    @Slot(object, str)
    def apply_preset(self, settings: Settings, name: str) -> None:
        self.controls.set_settings(settings)
        self.status.emit(f"Preset '{plain_text.capped(name, 80)}' applied.", 4000)

    def undo_controls(self) -> None:
        if not self.undo.undo():
            self.status.emit("Nothing to undo.", 3000)

    def redo_controls(self) -> None:
        if not self.undo.redo():
            self.status.emit("Nothing to redo.", 3000)
