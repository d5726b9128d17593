"""Getting the picture on show out of the window: save (with its own settings inside), copy.

Everything is taken from the :class:`~.picture.Picture` record on show, never from the
window's current photo, paintings or controls, which may have changed since it was painted.
:class:`Output` owns the drag files; it gets the writer, the remembered settings, what is on
show and the file dialog's parent in its constructor, and says what happened through signals
(a banner, a status line, a file saved for the history to mark).

Save asks its questions on the GUI thread (the file dialog, with its overwrite question) and
writes on the window's writer thread (:class:`~.version_writer.VersionWriter`): encoding and
writing a 4096-8192 px picture takes a second or more, which froze the window. Meanwhile the
status bar says "Saving <name>…"; the Saved message, the remembered folder and the history's
"saved" mark follow once the file has landed (:meth:`Output._save_landed`). Saves share
the queue of the history's version writes, so they land in the order asked, after the version
they were made from (marking it saved never waits), and closing the window waits for them.

Drag out needs a file before the drop, and writing a print-size PNG took 1.5-2.7 s when the
drag started. So the drag file of the picture on show is made ahead, on the writer thread, as
soon as the picture comes on show (:meth:`Output.prepare_drag`, a :class:`PrepareDrag`
task): the drag then hands it over at once. A drag that comes while it is being written waits
for the rest of that write; one that finds none (or a failed one) writes it there and then, as
before. Each drag file lies in a folder of its own under the per-user data folder's ``drag/``
(never a guessable name in the shared /tmp), so a new one never overwrites one in use; the
window keeps the file ready for the picture on show and the last one handed to a drag, and
removes the others. The folders a session left behind (it crashed, or a drag had taken its
last file) are removed once they are a day old, when a process prepares its first drag file
(:func:`prune_drag_folders`).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from nst_desktop.engine import EngineError
from nst_desktop.engine.record import Record
from nst_desktop.engine.text import clip, os_reason, show_path

from .. import imaging, user_paths
from . import state
from .picture import Picture
from .version_writer import Task, VersionWriter

log = logging.getLogger(__name__)

_save_keys = itertools.count(1)
_drag_keys = itertools.count(1)

DRAG_PNG_LEVEL = 1
"""zlib level of drag files: written about a third faster than the default (6), ~10 % larger;
the receiving program copies them, a saved picture keeps the default."""


class SaveFile(Task):
    """Write ``picture`` to ``path`` with its settings inside, atomically (its record's save,
    the engine's one writer).

    Afterwards ``written`` is the file, or ``error`` says, as one plain sentence, why nothing
    was written (the destination is then as it was). The picture's arrays are read-only: the
    writer thread only reads them.
    """

    def __init__(self, path: Path, picture: Picture) -> None:
        self.key = f"save:{next(_save_keys)}"  # never a version id: deleting one keeps its saves
        self.path = path
        self.picture = picture
        self.written: Path | None = None
        self.error = ""

    @property
    def name(self) -> str:
        """The file's name as messages quote it (printable, capped)."""
        return user_paths.shown_name(self.path)

    def run(self) -> None:
        try:
            self.written = Path(self.picture.record.save(self.path, dpi=self.picture.job.dpi))
        except EngineError as exc:  # already a sentence for the artist
            self.error = str(exc)
        except OSError as exc:
            self.error = f"Could not save '{self.name}': {os_reason(exc)}."
        except Exception as exc:  # noqa: BLE001 - a writer thread must always report an end
            log.warning("Saving %s failed", self.path, exc_info=True)
            self.error = f"Could not save '{self.name}': {clip(str(exc), 200)}."


def drag_folder() -> Path:
    """Where drag files go: the per-user data folder, not a guessable name in the shared /tmp."""
    from nst_desktop.engine.paths import user_data_dir

    return user_data_dir() / "drag"


DRAG_FOLDER_MAX_AGE_S = 24 * 3600
"""A folder left in ``drag/`` this long ago belongs to no drag any more: it is removed."""
_DRAG_FOLDER_NAME = re.compile(r"[a-z0-9_]{8}")
"""The names ``tempfile.mkdtemp(prefix="", dir=...)`` gives: only such entries are ever removed."""
_pruned: set[Path] = set()
_pruned_lock = threading.Lock()


def prune_drag_folders(folder: Path, *, max_age_s: float = DRAG_FOLDER_MAX_AGE_S) -> list[str]:
    """Remove the drag folders under ``folder`` older than ``max_age_s`` (by their time of
    last change): only entries directly in it named as this app names them, each a folder
    owned by this user, never following a link (a link with such a name is unlinked, what it
    points to left alone). Errors are logged, never raised; the names removed are returned."""
    removed: list[str] = []
    now = time.time()
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return removed
    except OSError:
        log.info("Could not list the drag folder %s", folder, exc_info=True)
        return removed
    for name in names:
        if not _DRAG_FOLDER_NAME.fullmatch(name):
            continue
        path = folder / name
        try:
            st = os.lstat(path)
            if now - st.st_mtime < max_age_s:
                continue
            if stat.S_ISLNK(st.st_mode):
                os.unlink(path)  # the link goes, never what it points to
            elif stat.S_ISDIR(st.st_mode):
                if hasattr(os, "getuid") and st.st_uid != os.getuid():
                    continue
                # rmtree refuses a folder turned into a link since the lstat, and never
                # follows links inside (it removes them).
                shutil.rmtree(path)
            else:
                continue
        except FileNotFoundError:
            continue  # gone meanwhile (another window of this app pruning too)
        except OSError:
            log.info("Could not remove the old drag folder %s", path, exc_info=True)
            continue
        removed.append(name)
    if removed:
        log.info("Removed %d drag folder(s) older than a day from %s", len(removed), folder)
    return removed


def prune_drag_folders_once(folder: Path) -> None:
    """:func:`prune_drag_folders` the first time this process prepares a drag file there."""
    with _pruned_lock:
        if folder in _pruned:
            return
        _pruned.add(folder)
    try:
        prune_drag_folders(folder)
    except Exception:  # noqa: BLE001 - tidying up must never cost a drag
        log.warning("Pruning the drag folder %s failed", folder, exc_info=True)


def remove_drag_file(path: Path | None) -> None:
    """Remove a drag file with the folder of its own it was written in (only such a one)."""
    if path is None or path.parent.parent != drag_folder():
        return
    try:
        shutil.rmtree(path.parent)
    except FileNotFoundError:
        pass
    except OSError:
        log.info("Could not remove the drag file %s", path, exc_info=True)


class PrepareDrag(Task):
    """Write the drag file of ``picture``: a PNG with its settings inside, in a new folder of
    its own under ``folder``, named as Save would suggest (the name the drop target keeps).

    Afterwards ``written`` is the file, or ``error`` says, as one plain sentence, why nothing
    was written (nothing is left behind then). Runs on the writer thread, or on the GUI thread
    when a drag finds no file ready; it only reads the picture's read-only pixels.
    """

    def __init__(self, picture: Picture, folder: Path) -> None:
        self.key = f"drag:{next(_drag_keys)}"  # never a version id
        self.record: Record | None = picture.record
        self._of = weakref.ref(picture.pixels)  # the picture's own array, not kept alive by this
        self.metadata = picture.metadata()  # built here, from the record, on the GUI thread
        self.name = picture.suggested_name()
        self.dpi = picture.job.dpi
        self.folder = folder
        self.written: Path | None = None
        self.error = ""

    def matches(self, picture: Picture) -> bool:
        """This file holds exactly ``picture`` (a version kept from it, with its new id, too)."""
        return (
            picture.pixels is self._of()
            and picture.suggested_name() == self.name
            and picture.metadata() == self.metadata
            and picture.job.dpi == self.dpi
        )

    def run(self) -> None:
        own: Path | None = None
        record, self.record = self.record, None  # a finished task does not keep the arrays alive
        assert record is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            prune_drag_folders_once(self.folder)  # before this process's own first folder
            own = Path(tempfile.mkdtemp(prefix="", dir=self.folder))  # private (0700), unique
            target = own / self.name
            self.written = Path(record.save(target, dpi=self.dpi, compress_level=DRAG_PNG_LEVEL))
        except Exception as exc:  # noqa: BLE001 - a writer thread must always report an end
            if isinstance(exc, EngineError):  # already a sentence for the artist
                self.error = str(exc)
            elif isinstance(exc, OSError):
                self.error = f"{os_reason(exc)}."
            else:
                log.warning("Preparing the drag file %s failed", self.name, exc_info=True)
                self.error = f"{clip(str(exc), 200)}."
            if own is not None:
                shutil.rmtree(own, ignore_errors=True)


SAVE_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;TIFF image, 16-bit (*.tif *.tiff)"


class Output(QObject):
    """Save picture…, Copy and drag out of the picture on show."""

    message = Signal(str, bool)
    """A line for the banner, and whether it is a problem."""
    status = Signal(str, int)
    """A line for the status bar and how long it stays (ms; 0 until replaced)."""
    saved = Signal(object, object)
    """A picture and the file it has landed in (the history marks its version saved)."""

    def __init__(
        self,
        writer: VersionWriter,
        qsettings: QSettings,
        shown: Callable[[], Picture | None],
        dialog_parent: QWidget | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``shown`` gives the picture on show; saves and drag files queue on ``writer``."""
        super().__init__(parent)
        self.writer = writer
        self.qsettings = qsettings
        self._shown = shown
        self._dialog_parent = dialog_parent
        self._drag_pending: PrepareDrag | None = None
        """The drag file being prepared for the picture on show (queued or running)."""
        self._drag_ready: PrepareDrag | None = None
        """The drag file written for the picture on show (or for the last one, until replaced)."""
        self._drag_given: Path | None = None
        """The file handed to the last drag: kept until another drag hands over another one."""
        self._drag_closed = False
        writer.done.connect(self._on_done)

    def picture(self) -> Picture | None:
        """What Save and Copy act on: the picture on show, finished or stopped."""
        return self._shown()

    def ask_save_path(self, suggested: str) -> Path | None:
        folder = state.start_folder(self.qsettings, state.SAVE_DIR)
        start = str(Path(folder) / suggested)
        name, chosen = QFileDialog.getSaveFileName(
            self._dialog_parent, "Save the picture", start, SAVE_FILTER
        )
        if not name:
            return None
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".jpg" if "JPEG" in chosen else ".tif" if "TIFF" in chosen else ".png")
        return path

    def save(self) -> SaveFile | None:
        """Save picture…: ask where, then write on the writer thread (the save, or None)."""
        picture = self.picture()
        if picture is None:
            self.message.emit("There is no picture to save yet: press Paint first.", True)
            return None
        return self.save_as(picture)

    def save_as(self, picture: Picture) -> SaveFile | None:
        """Ask where to save ``picture``, then write it on the writer thread (the save, or None)."""
        path = self.ask_save_path(picture.suggested_name())
        if path is None:
            return None
        return self.queue_save(path, picture)

    def queue_save(self, path: Path, picture: Picture) -> SaveFile:
        """Write ``picture`` to ``path`` on the writer thread, behind every earlier write; the
        window hears of it when it has landed (:meth:`_save_landed`)."""
        task = SaveFile(path, picture)
        self.status.emit(f"Saving {task.name}…", 0)
        self.writer.submit(task)
        return task

    def save_to(self, path: Path, picture: Picture | None = None) -> Path | None:
        """Save and wait until the file has landed: the file, or None (the reason is on show).

        For scripts and the smoke test; the window's own Save uses :meth:`queue_save`."""
        picture = picture if picture is not None else self.picture()
        if picture is None:
            return None
        task = self.queue_save(path, picture)
        self.writer.wait_for(task.key)  # delivers it: the bookkeeping is done on return
        return task.written

    @Slot(object)
    def _on_done(self, task: object) -> None:
        if isinstance(task, SaveFile):
            self._save_landed(task)
        elif isinstance(task, PrepareDrag):
            self._drag_landed(task)

    def _save_landed(self, task: SaveFile) -> None:
        written, picture = task.written, task.picture
        if written is None:
            self.message.emit(task.error, True)
            return
        self.qsettings.setValue(state.SAVE_DIR, str(written.parent))
        folder = show_path(written.parent, 120)
        text = f"Saved {user_paths.shown_name(written)} in {folder}."
        if picture.smaller_than_asked:
            w, h = picture.size
            text += (
                f" It is {w}×{h} px: the run was stopped before painting at the full "
                f"{picture.settings.size} px."
            )
        self.message.emit(text, False)
        self.saved.emit(picture, written)

    # Drag out --------------------------------------------------------------------------------

    def prepare_drag(self) -> None:
        """A picture has come on show: write its drag file on the writer thread, in place of
        the one prepared for the picture before (dropped if it has not started)."""
        picture = self._shown()
        if picture is None or self._drag_closed:
            return
        ready, pending = self._drag_ready, self._drag_pending
        if pending is not None and pending.matches(picture):
            return
        if pending is not None:
            self.writer.cancel(pending.key)  # one already running is removed when it lands
            self._drag_pending = None
        if ready is not None and ready.matches(picture):
            return
        task = PrepareDrag(picture, drag_folder())
        self._drag_pending = task
        self.writer.submit(task)

    def _drag_landed(self, task: PrepareDrag) -> None:
        """A drag file has been written (or not): keep it if it is for the picture on show,
        in place of the one before; else remove it."""
        if task is self._drag_pending:
            self._drag_pending = None
        if task.written is None:
            log.info("The drag file of %s was not prepared: %s", task.name, task.error)
            return
        shown = self._shown()
        if self._drag_closed or shown is None or not task.matches(shown):
            self._drop_drag_file(task.written)
            return
        old, self._drag_ready = self._drag_ready, task
        if old is not None and old is not task:
            self._drop_drag_file(old.written)

    def _drop_drag_file(self, path: Path | None) -> None:
        if path is not None and path != self._drag_given:
            remove_drag_file(path)

    def _drag_file(self, picture: Picture) -> PrepareDrag:
        """The drag file of ``picture``: the one ready, else the rest of the one being written
        (waited for), else one written now."""
        ready = self._drag_ready
        if ready is not None and ready.matches(picture) and ready.written and ready.written.is_file():
            return ready  # (is_file: not removed by hand meanwhile)
        pending = self._drag_pending
        if pending is not None and pending.matches(picture):
            if self.writer.cancel(pending.key):
                self._drag_pending = None  # still queued behind other writes: quicker to write it here
            else:
                self.writer.wait_for(pending.key)  # it runs: delivers it (_drag_landed)
                if self._drag_ready is pending:
                    return pending
        task = PrepareDrag(picture, drag_folder())
        task.run()
        self._drag_landed(task)
        return task

    def drag_payload(self) -> tuple[QImage, Path] | None:
        """The picture on show for a drag out of the window, and its PNG file (with its
        settings inside) that the receiving program copies: prepared ahead, see
        :meth:`prepare_drag`."""
        picture = self.picture()
        if picture is None:
            return None
        task = self._drag_file(picture)
        written = task.written
        if written is None:
            text = f"The picture could not be prepared for dragging: {task.error}"
            self.status.emit(text, 6000)
            return None
        given, self._drag_given = self._drag_given, written
        ready = self._drag_ready
        if given is not None and given != written and (ready is None or ready.written != given):
            remove_drag_file(given)  # handed to an earlier drag, and no longer ready
        return imaging.array_to_qimage(picture.pixels), written

    def discard_drag_files(self) -> None:
        """The window closes: prepare no more and remove the drag file no drag took."""
        self._drag_closed = True
        pending, self._drag_pending = self._drag_pending, None
        if pending is not None:
            self.writer.cancel(pending.key)  # one running is removed when it lands
        ready, self._drag_ready = self._drag_ready, None
        if ready is not None:
            self._drop_drag_file(ready.written)

    def copy(self) -> None:
        picture = self.picture()
        if picture is None:
            self.message.emit("There is no picture to copy yet: press Paint first.", True)
            return
        QGuiApplication.clipboard().setImage(imaging.array_to_qimage(picture.pixels))
        self.status.emit("Copied the picture to the clipboard.", 4000)
