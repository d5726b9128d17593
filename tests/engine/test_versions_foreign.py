"""Issue 19, finding 1: a foreign file in the history folder costs only itself.

The probe put a version whose picture is a 10 GB sparse file, dated newest, beside four
unsaved versions: the next run dropped all four and blamed the 50-version limit. These tests
build such folders for real (sparse files, links, a FIFO) and check that the artist's
versions stay, the foreign one is skipped with a log line, and nothing blocks.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine import Settings
from nst_desktop.engine.versions import Version, VersionStore, dropped_text, picture_bound

POSIX = os.name == "posix"


def _picture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((40, 56, 3), dtype=np.float32)


def _own(store: VersionStore, count: int) -> list[Version]:
    return [store.add(_picture(i), settings=Settings(seed=i)).version for i in range(count)]


def _foreign(folder: Path, template: Version, picture: str = "sparse") -> str:
    """A version sidecar the app did not write, dated newest, with a crafted picture."""
    vid = "29991231-235959-999-0badf00d"
    doc = json.loads((folder / f"{template.id}.json").read_text())
    doc.update(id=vid, created=time.time() + 10_000_000)
    (folder / f"{vid}.json").write_text(json.dumps(doc))
    target = folder / f"{vid}.tif"
    if picture == "sparse":
        with open(target, "wb") as fh:
            fh.truncate(10 << 30)  # 10 GB that take no disk
    elif picture == "link":
        os.symlink(folder / f"{template.id}.tif", target)
    elif picture == "fifo":
        os.mkfifo(target)
    return vid


ONLY_POSIX = pytest.mark.skipif(not POSIX, reason="links and FIFOs")


@pytest.mark.parametrize(
    "picture", ["sparse", pytest.param("link", marks=ONLY_POSIX), pytest.param("fifo", marks=ONLY_POSIX)]
)
def test_a_foreign_version_costs_only_itself(
    tmp_path: Path, picture: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "session"
    # The byte bound is what a 10 GB picture overruns; the count bound is far away.
    store = VersionStore(folder, limit=50, max_bytes=64 << 20)
    mine = _own(store, 4)
    caplog.set_level(logging.WARNING, logger="nst_desktop.engine.versions")
    vid = _foreign(folder, mine[0], picture)

    # A second store, as the next window or run would open the folder.
    fresh = VersionStore(folder, limit=50, max_bytes=64 << 20)
    assert [v.id for v in fresh.versions()] == [v.id for v in mine]
    assert any(vid in r.getMessage() for r in caplog.records), caplog.text
    assert fresh.picture(vid) is None and fresh.get(vid) is None

    added = fresh.add(_picture(9), settings=Settings(seed=9))
    assert added.dropped == ()
    assert [v.id for v in fresh.versions()] == [*(v.id for v in mine), added.version.id]
    # The foreign files are left alone: they are not the app's to delete.
    assert os.path.lexists(folder / f"{vid}.tif") and (folder / f"{vid}.json").exists()


def test_a_picture_swapped_after_listing_is_not_counted(tmp_path: Path) -> None:
    folder = tmp_path / "session"
    store = VersionStore(folder, limit=50, max_bytes=64 << 20)
    mine = _own(store, 3)
    assert len(store.versions()) == 3  # cached: the sidecars do not change below
    swapped = folder / f"{mine[1].id}.tif"
    swapped.unlink()
    with open(swapped, "wb") as fh:
        fh.truncate(10 << 30)
    added = store.add(_picture(7), settings=Settings(seed=7))
    assert added.dropped == ()
    assert {mine[0].id, mine[2].id, added.version.id} <= {v.id for v in store.versions()}


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_a_linked_sidecar_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "session"
    store = VersionStore(folder)
    (mine,) = _own(store, 1)
    outside = tmp_path / "elsewhere.json"
    outside.write_text(
        (folder / f"{mine.id}.json").read_text().replace(mine.id, "20000101-000000-000-00000001")
    )
    os.symlink(outside, folder / "20000101-000000-000-00000001.json")
    caplog.set_level(logging.WARNING, logger="nst_desktop.engine.versions")
    assert [v.id for v in VersionStore(folder).versions()] == [mine.id]
    assert "20000101-000000-000-00000001" in caplog.text


def test_the_bound_on_a_picture_is_what_the_store_can_write(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    # Noise does not compress: the largest picture the store writes for its size.
    version = store.add(np.random.default_rng(1).random((300, 400, 3), dtype=np.float32), settings=Settings())
    size = (tmp_path / f"{version.version.id}.tif").stat().st_size
    assert size <= picture_bound((400, 300)) < 10 << 30


def test_the_dropped_message_names_both_bounds(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, limit=50, max_bytes=1)
    _own(store, 1)
    added = store.add(_picture(5), settings=Settings(seed=5))
    assert len(added.dropped) == 1
    text = dropped_text(added.dropped, store.limit, 1 << 30)
    assert text.startswith(
        "The history keeps 50 versions and 1 GB of pictures, so the oldest version was dropped"
    )
