"""The window's disk work on a thread of its own: versions and saved files written one after
another, in order.

A print-size version is a 16-bit TIFF of 4096-8192 px with its thumbnail and sidecar; writing
it takes seconds, and on the GUI thread that froze the window each time a run ended. Now the
window shows the new version at once (its record and a thumbnail made from the picture in
memory) and hands the writing to a :class:`VersionWriter`: one ``QThread`` with one worker,
fed from one queue, so versions land in the order they were made. Reading the stored
thumbnails at start goes the same way, and so does Save (:mod:`.output` queues a
:class:`Task` of its own): a saved file lands after the version it was made from, and closing
the window waits for both. :mod:`.output` also writes the drag file of the picture on show
here ahead of a drag, cancelling the one for the picture before while it still waits.

The queue is shared with the GUI thread under a lock, which is what lets the window act on a
version whose write is still pending without a race: :meth:`VersionWriter.cancel` takes a
queued write out before it starts (nothing is ever written), and :meth:`VersionWriter.wait_for`
waits until a write that has started has landed, so a delete can never come before the files.

Results come back on the GUI thread through :attr:`VersionWriter.done`, once per task and in
order; a result waited for (``wait_for``, ``finish``) is delivered before those calls return.
The pictures are the window's read-only arrays: the writer only reads them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Signal, Slot

from nst_desktop.engine import EngineError
from nst_desktop.engine.text import clip
from nst_desktop.engine.versions import Added, Version, VersionStore

from ..threads import Registered, ThreadRegistry, registry

log = logging.getLogger(__name__)

__all__ = ["LoadThumbnails", "Task", "VersionWriter", "WriteVersion"]

RGB8 = npt.NDArray[np.uint8]


class Task:
    """One piece of work for the writer thread; :meth:`run` never raises.

    It runs on the writer thread (or, after :meth:`VersionWriter.finish`, on the caller's) and
    must only read what the GUI thread may change; its result comes back through
    :attr:`VersionWriter.done`.
    """

    key = ""
    """A version's id when the task writes that version; another task's own unique key (never
    a version id) when something must wait for it; else empty."""

    def run(self) -> None:
        raise NotImplementedError


class WriteVersion(Task):
    """Write ``version`` (a run's record as the history keeps it, already shown, its id
    fixed) with ``picture`` into ``store``.

    Afterwards ``added`` and ``thumbnail`` hold what was written, or ``error`` says, as one
    plain sentence, why nothing was.
    """

    def __init__(
        self,
        store: VersionStore,
        version: Version,
        picture: npt.NDArray[Any],
        unfaded: npt.NDArray[Any] | None = None,
    ) -> None:
        self.store = store
        self.version = version
        self.key = version.id
        self.picture: npt.NDArray[Any] | None = picture
        self.unfaded = unfaded
        """The picture before its fade, kept beside it when the fade was below full strength."""
        self.added: Added | None = None
        self.thumbnail: RGB8 | None = None
        self.error = ""

    def run(self) -> None:
        v, picture = self.version, self.picture
        assert picture is not None
        try:
            self.added = self.store.keep(v, picture, unfaded=self.unfaded)
        except EngineError as exc:  # already a sentence for the artist
            self.error = clip(str(exc), 300)
        except Exception as exc:  # noqa: BLE001 - a writer thread must always report an end
            log.warning("Writing version %s failed", v.id, exc_info=True)
            self.error = f"The version could not be kept in the history: {clip(str(exc), 200)}."
        else:
            self.thumbnail = self.store.thumbnail(v.id)
        finally:
            self.picture = self.unfaded = None  # a finished task keeps no array of the window's alive


class LoadThumbnails(Task):
    """Read the stored thumbnails of ``ids`` (the strip at start); ``thumbnails`` holds them."""

    def __init__(self, store: VersionStore, ids: Sequence[str]) -> None:
        self.store = store
        self.ids = tuple(ids)
        self.thumbnails: dict[str, RGB8] = {}

    def run(self) -> None:
        for version_id in self.ids:
            try:
                thumbnail = self.store.thumbnail(version_id)
            except Exception:  # noqa: BLE001 - one bad file must not cost the others
                log.warning("Reading the thumbnail of version %s failed", version_id, exc_info=True)
                continue
            if thumbnail is not None:
                self.thumbnails[version_id] = thumbnail


class _Queue:
    """The tasks waiting, the one running and those done but not yet delivered (shared state)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.waiting: deque[Task] = deque()
        self.running: Task | None = None
        self.finished: deque[Task] = deque()

    def take(self) -> Task | None:
        with self.lock:
            self.running = self.waiting.popleft() if self.waiting else None
            return self.running

    def done(self, task: Task) -> None:
        with self.lock:
            self.running = None
            self.finished.append(task)
            self.lock.notify_all()

    def has(self, key: str) -> bool:
        """A task of ``key`` waits or runs (call with the lock held)."""
        running = self.running
        return (running is not None and running.key == key) or any(t.key == key for t in self.waiting)

    def idle(self) -> bool:
        return self.running is None and not self.waiting

    def drain(self, timeout: float | None) -> bool:
        """Block until every task has run (True) or ``timeout`` seconds passed: what the thread
        registry calls before it quits the writer's thread, so pending writes land first."""
        with self.lock:
            return self.lock.wait_for(self.idle, timeout)


class _Worker(QObject):
    """Lives on the writer thread: runs the queued tasks, oldest first, until none is left."""

    ready = Signal()
    """A task has finished (queued to the GUI thread, which then delivers it)."""

    def __init__(self, queue: _Queue) -> None:
        super().__init__()  # no parent: moved to the writer thread
        self._queue = queue

    @Slot()
    def work(self) -> None:
        while (task := self._queue.take()) is not None:
            try:
                task.run()
            finally:
                self._queue.done(task)
                self.ready.emit()


class VersionWriter(QObject):
    """Runs the window's disk tasks on one writer thread, in the order submitted (GUI thread API).

    The thread starts with the first task, so a window that never keeps a version owns none;
    :meth:`finish` lets every task land, then quits and waits for the thread. After that, a
    task is run on the calling thread (nothing is ever dropped).
    """

    done = Signal(object)
    """A task (:class:`WriteVersion`, :class:`LoadThumbnails`, a save...) has finished: on the
    GUI thread, once per task, in the order they were submitted."""
    _kick = Signal()

    def __init__(
        self, parent: QObject | None = None, name: str = "nst-versions", threads: ThreadRegistry | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._threads = threads if threads is not None else registry()
        self._queue = _Queue()
        self._thread: Registered | None = None
        self._worker: _Worker | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        """Some task waits, runs, or is done but not yet delivered."""
        q = self._queue
        with q.lock:
            return not q.idle() or bool(q.finished)

    def submit(self, task: Task) -> None:
        """Queue ``task`` behind every earlier one; its result comes through :attr:`done`."""
        q = self._queue
        if self._closed:
            task.run()  # the window is closing: write here rather than lose it
            with q.lock:
                q.finished.append(task)
            self._deliver()
            return
        with q.lock:
            q.waiting.append(task)
        self._ensure_thread()
        self._kick.emit()

    def pending(self, key: str) -> bool:
        """A task of ``key`` (a version id, or a task's own key) waits or is being run."""
        with self._queue.lock:
            return bool(key) and self._queue.has(key)

    def cancel(self, key: str) -> bool:
        """Take the waiting tasks of ``key`` out before they start: True if one was taken out
        (so nothing of it is written and no result comes). False if none waits, in particular
        when it is already running: :meth:`wait_for` it then."""
        q = self._queue
        with q.lock:
            ours = [t for t in q.waiting if t.key == key]
            for task in ours:
                q.waiting.remove(task)
            return bool(key) and bool(ours)

    def wait_for(self, key: str, timeout: float | None = None) -> bool:
        """Block until no task of ``key`` waits or runs, and deliver what has finished (the
        earlier tasks too, so the order holds); False if ``timeout`` seconds passed first."""
        return self._wait(lambda: not self._queue.has(key), timeout)

    def finish(self, timeout: float | None = None) -> bool:
        """Let every task land, deliver the results, then end the thread; True when it ended.

        Called when the window closes; idempotent. With a ``timeout`` that passes first, the
        thread is left running and referenced (False) and later tasks still go to it.
        """
        if not self._wait(self._queue.idle, timeout):
            log.warning("The history or a saved picture was still being written when the window closed")
            return False
        self._closed = True
        # The worker is let go only once its thread has ended: the queue is idle as soon as the
        # last task is done, while the worker is still emitting ``ready`` and returning from its
        # slot, and the last reference dropped then deleted it inside its own event (a crash).
        entry, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        if entry is not None:
            entry.stopping = True
            entry.thread.quit()
            entry.thread.wait()
        del worker
        self._deliver()
        return True

    def _wait(self, ready: Callable[[], bool], timeout: float | None) -> bool:
        q = self._queue
        with q.lock:
            ok = q.lock.wait_for(ready, timeout)
        self._deliver()
        return ok

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        # The registry keeps it referenced while it runs, and at shutdown lets the queue
        # drain before it quits the thread (see finish for the window's own close).
        entry = self._threads.thread(self._name, drain=self._queue.drain, essential=True)
        worker = _Worker(self._queue)
        worker.moveToThread(entry.thread)
        self._kick.connect(worker.work)
        worker.ready.connect(self._deliver)
        entry.thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = entry, worker
        entry.thread.start()

    @Slot()
    def _deliver(self) -> None:
        """Emit :attr:`done` for every finished task not yet delivered, oldest first."""
        q = self._queue
        while True:
            with q.lock:
                if not q.finished:
                    return
                task = q.finished.popleft()
            self.done.emit(task)
