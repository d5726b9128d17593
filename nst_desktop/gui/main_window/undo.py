"""Undo and redo for the look's controls and the region strokes (Ctrl+Z / Ctrl+Shift+Z).

Trying variations means moving sliders and wanting the last good combination back. The
history holds whole :class:`Settings` snapshots; a slider dragged through fifty values in one
go is one step, because changes of the same control that follow each other within
:data:`MERGE_SECONDS` replace the newest snapshot instead of adding one (a value typed in another
box right after a drag is a step of its own). A part with a state of its own (the region layers: see
:class:`UndoPart`) is snapshotted beside the settings, so a stroke is a step between two
control changes and one Ctrl+Z takes back whichever came last; a stroke never merges.

Ctrl+Z in a number box is the window's undo too (:class:`UndoKeys`): a spin box's own text
undo would otherwise take the key right after a value was typed, and nothing would happen.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

from nst_desktop.engine import EngineError, Settings

from ..widgets.controls import ControlsPanel

MERGE_SECONDS = 1.0
LIMIT = 100


class UndoPart(Protocol):
    """A part whose state is undone with the controls' (the regions)."""

    def snapshot(self) -> object:
        """The state now; the same object again while nothing changed."""
        ...

    def restore_snapshot(self, snapshot: object) -> None: ...


State = tuple[Settings, object]


class ControlsUndo:
    def __init__(
        self,
        controls: ControlsPanel,
        clock: Callable[[], float] = time.monotonic,
        part: UndoPart | None = None,
    ) -> None:
        self.controls = controls
        self.clock = clock
        self.part = part
        self.states: list[State] = []
        self.index = -1
        self._applying = False
        self._last = 0.0
        self.reset()

    def _now(self) -> State | None:
        try:
            settings = self.controls.settings()
        except EngineError:
            return None
        return settings, (self.part.snapshot() if self.part is not None else None)

    def reset(self) -> None:
        """Start afresh from the controls as they are (after restoring the last session)."""
        now = self._now()
        self.states = [now] if now is not None else []
        self.index = len(self.states) - 1
        self._last = 0.0

    def record(self, merge: bool = True) -> None:
        """The controls changed (or, with ``merge`` False, a stroke ended): remember the new
        state, unless we are the ones changing them."""
        if self._applying:
            return
        now = self._now()
        if now is None or (self.states and _same(self.states[self.index], now)):
            return
        del self.states[self.index + 1 :]
        t = self.clock()
        if (
            merge
            and len(self.states) >= 2
            and t - self._last < MERGE_SECONDS
            and _changed(self.states[-1], now) <= _changed(self.states[-2], self.states[-1])
        ):
            self.states[-1] = now
        else:
            self.states.append(now)
        self._last = t if merge else 0.0  # nothing merges into a stroke's step either
        if len(self.states) > LIMIT:
            del self.states[0]
        self.index = len(self.states) - 1

    def can_undo(self) -> bool:
        return self.index > 0

    def can_redo(self) -> bool:
        return self.index < len(self.states) - 1

    def undo(self) -> bool:
        if not self.can_undo():
            return False
        self.index -= 1
        self._apply()
        return True

    def redo(self) -> bool:
        if not self.can_redo():
            return False
        self.index += 1
        self._apply()
        return True

    def _apply(self) -> None:
        settings, part = self.states[self.index]
        self._applying = True
        try:
            self.controls.set_settings(settings)
            if self.part is not None:
                self.part.restore_snapshot(part)
        finally:
            self._applying = False
        self._last = 0.0


def _changed(a: State, b: State) -> frozenset[str]:
    """The settings that differ between two states: a drag changes one field again and again
    and merges; a change of another control right after it is a step of its own."""
    return frozenset(
        f.name for f in dataclasses.fields(a[0]) if getattr(a[0], f.name) != getattr(b[0], f.name)
    )


def _same(a: State, b: State) -> bool:
    """The same settings, and the part's very snapshot (it hands out one per state)."""
    return a[0] == b[0] and a[1] is b[1]


_EXTRA_KEYS = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))


def is_undo_key(event: QKeyEvent) -> bool:
    """Whether ``event`` is one of the window's undo or redo keys."""
    if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
        return True
    return QKeySequence(event.keyCombination()) in _EXTRA_KEYS


class UndoKeys(QObject):
    """Undo and redo keys pressed in a number box of the controls reach the window's undo.

    A spin box claims Ctrl+Z for its text (a shortcut override), so the window's Undo never
    fired while one had focus. Here the box first commits what was typed (the value becomes a
    step of the controls' history, as Enter would make it), then the key goes on to the
    window's action: Ctrl+Z right after typing a value brings the value before it back.
    """

    def __init__(self, controls: ControlsPanel) -> None:
        super().__init__(controls)
        for box in controls.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)
            edit = box.findChild(QLineEdit)
            if edit is not None:
                edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not is_undo_key(event):
            return False
        box = watched if isinstance(watched, QAbstractSpinBox) else watched.parent()
        if isinstance(box, QAbstractSpinBox):
            box.interpretText()  # commit the typed value first
        return True  # not claimed by the box: the window's shortcut acts
