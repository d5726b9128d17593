"""Import, export, delete and rename of named files, the same in the preset bar and the fast-style
gallery: one set of dialogs, questions, path checks and messages.

The two panels used to repeat these flows each in its own words (one asked before replacing a
built-in, the other refused; one said "Exported 'x' to", the other "Exported the style to").
:class:`NamedFileActions` is the flow; a panel owns one and gives it the store, a way to run
store calls (at once for presets, on the side thread for fast styles, whose files need torch)
and its dialog hooks (which tests replace without a modal loop). A name already taken is asked
about, then the import runs again allowing the replacement (``NameTaken`` from the store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from nst_desktop.engine import EngineError
from nst_desktop.engine.library.named_files import NameTaken

from .. import user_paths
from ..plain_text import ask_yes_no, capped

T = TypeVar("T")

#: Runs ``work`` (anywhere), then ``done(result)`` or ``failed(error)`` on the GUI thread.
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]


class Named(Protocol):
    @property
    def name(self) -> str: ...


class NamedFileStore(Protocol):
    """What the flows need of a store (``PresetStore`` and ``FastStyleStore`` both are one)."""

    def import_file(self, path: Path, *, name: str | None = None, overwrite: bool = False) -> Named: ...

    def export(self, name: str, path: Path) -> Path: ...

    def delete(self, name: str) -> object: ...

    def rename(self, old: str, new: str) -> Named: ...


@dataclass(frozen=True)
class Words:
    """A kind's words: "preset", the file dialogs' filter and the suffix of its files."""

    noun: str
    file_filter: str
    suffix: str


@dataclass(frozen=True)
class Dialogs:
    """The panel's dialog hooks, looked up at each call so that tests can replace them."""

    ask_open: Callable[[], Path | None]
    ask_save: Callable[[str], Path | None]
    ask_text: Callable[[str, str, str], str | None]
    confirm: Callable[[str], bool]


def run_now(
    work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[BaseException], None]
) -> None:
    """A :data:`Runner` for stores that are quick to call: here, at once."""
    try:
        result = work()
    except EngineError as exc:
        failed(exc)
        return
    done(result)


class NamedFileActions(QObject):
    """The flows of one panel of named files. ``message`` is what to tell the artist; ``changed``
    carries the name to select once the store changed ("" for none)."""

    message = Signal(str, bool)  # text, is_error
    changed = Signal(str)

    def __init__(
        self,
        words: Words,
        store: Callable[[], NamedFileStore],
        run: Runner,
        dialogs: Dialogs,
        owner: QWidget,
    ) -> None:
        super().__init__(owner)
        self.words = words
        self._store = store
        self._run = run
        self._dialogs = dialogs
        self._owner = owner
        self.last_dir = ""

    # The dialogs a panel's hooks show by default.

    def open_dialog(self) -> Path | None:
        title = f"Import a {self.words.noun}"
        path, _ = QFileDialog.getOpenFileName(self._owner, title, self.last_dir, self.words.file_filter)
        return Path(path) if path else None

    def save_dialog(self, suggested: str) -> Path | None:
        start = str(Path(self.last_dir) / suggested) if self.last_dir else suggested
        title = f"Export the {self.words.noun}"
        path, _ = QFileDialog.getSaveFileName(self._owner, title, start, self.words.file_filter)
        return Path(path) if path else None

    def text_dialog(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self._owner, title, label, text=text)
        return value.strip() if ok and value.strip() else None

    def confirm_dialog(self, text: str) -> bool:
        return ask_yes_no(self._owner, text)

    # The flows.

    def import_file(self) -> None:
        path = self._dialogs.ask_open()
        if path is None:
            return
        self.last_dir = str(path.parent)
        problem = user_paths.problem(path)
        if problem:
            self.message.emit(problem, True)
            return
        self._import(path, overwrite=False)

    def _import(self, path: Path, overwrite: bool) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, NameTaken) and not overwrite:
                if self._dialogs.confirm(self.replace_question(exc.name, exc.builtin)):
                    self._import(path, overwrite=True)
                return
            self._failed(exc)

        self._run(
            lambda: self._store().import_file(path, overwrite=overwrite).name,
            lambda name: self._done(f"Imported the {self.words.noun} '{self._shown(name)}'.", str(name)),
            failed,
        )

    def export(self, name: str) -> None:
        path = self._dialogs.ask_save(f"{name}{self.words.suffix}")
        if path is None:
            return
        if not path.suffix:
            path = path.with_suffix(self.words.suffix)
        self.last_dir = str(path.parent)
        problem = user_paths.save_problem(path)
        if problem:
            self.message.emit(problem, True)
            return
        self._run(
            lambda: self._store().export(name, path),
            lambda written: self._done(
                f"Exported the {self.words.noun} '{self._shown(name)}' to {user_paths.shown_name(written)}.",
                name,
            ),
            self._failed,
        )

    def delete(self, name: str, *, restores_builtin: bool = False) -> None:
        """Delete ``name`` after asking; ``restores_builtin``: it is the artist's change to a
        built-in, which comes back (the words say so)."""
        shown = self._shown(name)
        if restores_builtin:
            question = f"Restore the built-in '{shown}', dropping your changes to it?"
            done, select = f"Restored the built-in '{shown}'.", name
        else:
            question = f"Delete the {self.words.noun} '{shown}'? This cannot be undone."
            done, select = f"Deleted the {self.words.noun} '{shown}'.", ""
        if not self._dialogs.confirm(question):
            return
        self._run(lambda: self._store().delete(name), lambda _: self._done(done, select), self._failed)

    def rename(self, name: str) -> None:
        noun = self.words.noun
        new = self._dialogs.ask_text(f"Rename {noun}", f"New name for '{self._shown(name)}':", name)
        if new is None or new == name:
            return
        self._run(
            lambda: self._store().rename(name, new).name,
            lambda renamed: self._done(
                f"Renamed '{self._shown(name)}' to '{self._shown(renamed)}'.", renamed
            ),
            self._failed,
        )

    def replace_question(self, name: str, builtin: bool) -> str:
        shown = self._shown(name)
        if builtin:
            return (
                f"'{shown}' is a built-in {self.words.noun}. Replace it with the imported one? "
                "Deleting yours later brings the original back."
            )
        return f"There is already a {self.words.noun} called '{shown}'. Replace it?"

    # Outcomes.

    def _done(self, text: str, select: str) -> None:
        self.changed.emit(select)
        self.message.emit(text, False)

    def _failed(self, exc: BaseException) -> None:
        from ..worker import failure_message

        self.message.emit(failure_message(exc), True)

    @staticmethod
    def _shown(name: object) -> str:
        return capped(" ".join(str(name).split()), 80)
