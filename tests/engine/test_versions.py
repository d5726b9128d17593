"""The session's history of versions: kept, listed, starred, bounded, and safe on a hostile disk."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from nst_desktop.engine import OutputError, Result, Settings, regions
from nst_desktop.engine import versions as versions_module
from nst_desktop.engine.images import read_metadata
from nst_desktop.engine.metadata import regions_from_metadata, settings_from_metadata
from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.engine.versions import (
    THUMB_SIDE,
    SourceRef,
    Version,
    VersionStore,
    dropped_text,
    session_dir,
)


def _picture(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)


def _add(store: VersionStore, seed: int = 0, **kwargs: object) -> Version:
    kwargs.setdefault("settings", Settings(seed=seed))
    return store.add(_picture(seed=seed), **kwargs).version  # type: ignore[arg-type]


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# Keeping and reading -------------------------------------------------------------------------


def test_add_keeps_picture_settings_and_sources(tmp_path: Path) -> None:
    store = VersionStore(tmp_path / "session")
    picture = _picture(30, 50)
    added = store.add(
        picture,
        settings=Settings(seed=1234, style_strength=2.5),
        photo=SourceRef("cat.jpg", "/photos/cat.jpg"),
        paintings=[SourceRef("starry.jpg", "/art/starry.jpg", 1.0), SourceRef("waves.png", None, 0.5)],
        device="NVIDIA H100",
        seconds=12.5,
    )
    assert added.dropped == ()
    version = added.version
    assert version.size == (50, 30)
    assert version.complete and version.status_text() == "finished"
    [listed] = store.versions()
    assert listed == version
    assert listed.settings.seed == 1234 and listed.settings.style_strength == 2.5
    assert listed.photo == SourceRef("cat.jpg", "/photos/cat.jpg")
    assert [p.weight for p in listed.paintings] == [1.0, 0.5]
    # Lossless to 16 bits, and float32 0..1 back.
    back = store.picture(version.id)
    assert back is not None and back.dtype == np.float32 and back.shape == (30, 50, 3)
    assert np.abs(back - picture).max() <= 0.5 / 65535 + 1e-7
    thumb = store.thumbnail(version.id)
    assert thumb is not None and thumb.dtype == np.uint8 and max(thumb.shape[:2]) <= THUMB_SIDE
    assert thumb.shape[1] > thumb.shape[0]  # keeps the picture's landscape shape
    # One sidecar, one picture, one thumbnail; no temporary files left.
    assert _files(store.folder) == sorted(f"{version.id}{s}" for s in (".json", ".thumb.png", ".tif"))


def test_a_record_kept_as_a_version_comes_back_as_the_same_record(tmp_path: Path) -> None:
    """Issue 18: a version is the run's record kept on disk; loading it gives the record back,
    and the picture's file (the version's TIFF) carries the same document as a saved file."""
    store = VersionStore(tmp_path)
    picture = _picture(20, 30)
    region = np.zeros((20, 30), np.float32)
    region[:, :15] = 1.0
    record = Result(
        image=(picture * 255).astype(np.uint8),
        image_float=picture,
        settings=Settings(seed=77, strength=0.5),
        device="Apple M3 (MPS)",
        seconds=3.5,
        steps=300,
        threads=3,
        photo=SourceRef.of(ImageInput("cat.jpg", tmp_path / "cat.jpg")),
        paintings=(
            SourceRef.of(
                ImageInput("pasted painting", pixels=np.zeros((4, 4, 3), np.uint8), weight=0.25), region
            ),
        ),
        keep=regions.encode(1.0 - region),
    )
    version = store.add_record(record, dpi=600).version
    assert version.settings.seed == 77 and version.device == "Apple M3 (MPS)" and version.seconds == 3.5
    assert version.photo == SourceRef("cat.jpg", str(tmp_path / "cat.jpg"), 1.0)
    assert version.paintings[0].name == "pasted painting" and version.paintings[0].mask is not None
    assert version.dpi == 600 and version.threads == 3
    back = VersionStore(tmp_path).record(version.id)  # another window reads it from the folder
    assert back is not None
    assert np.abs(back.image_float - picture).max() < 1e-4
    assert back.metadata() == record.metadata(), "the same document as the record it keeps"
    assert back.summary() == record.summary()
    masks, keep = regions_from_metadata(back.metadata())
    assert masks[0] is not None and keep is not None and float(masks[0][:, :8].mean()) > 0.99
    embedded = read_metadata(tmp_path / f"{version.id}.tif")
    assert embedded == record.metadata(), "the version's own picture carries its settings"
    assert settings_from_metadata(embedded) == record.settings


def test_uint8_pictures_round_trip_exactly(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    picture = (np.arange(40 * 30 * 3) % 256).astype(np.uint8).reshape(40, 30, 3)
    version = store.add(picture, settings=Settings()).version
    assert np.array_equal(store.picture8(version.id), picture)


def test_a_stopped_run_says_how_far_it_got(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = _add(store, complete=False, progress=0.4)
    assert not version.complete and version.percent == 40
    assert version.status_text() == "stopped at 40%"
    assert store.versions()[0].status_text() == "stopped at 40%"
    assert version.metadata()["stopped_early"] is True
    assert "stopped_early" not in _add(store).metadata()
    # A stopped run never claims 100%.
    assert dataclasses.replace(version, progress=1.0).percent == 99


def test_versions_are_listed_oldest_first_and_survive_a_restart(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    made = [_add(store, seed=i) for i in range(4)]
    assert [v.id for v in store.versions()] == [v.id for v in made]
    assert len({v.id for v in made}) == 4
    again = VersionStore(tmp_path)
    assert again.versions() == made
    assert np.array_equal(again.picture(made[2].id), store.picture(made[2].id))


def test_records_are_immutable_and_star_makes_a_new_one(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = _add(store)
    with pytest.raises(dataclasses.FrozenInstanceError):
        version.starred = True  # type: ignore[misc]
    starred = store.star(version.id)
    assert starred is not None and starred.starred and not version.starred
    assert starred.id == version.id
    assert VersionStore(tmp_path).get(version.id) == starred
    unstarred = store.star(version.id, False)
    assert unstarred is not None and not unstarred.starred
    assert store.star("20990101-000000-000-00000000") is None
    assert store.star("../../etc/passwd") is None


def test_mark_saved_and_unsaved(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    a, b, c = (_add(store, seed=i) for i in range(3))
    saved = store.mark_saved(a.id, tmp_path / "out.png")
    assert saved is not None and saved.saved and saved.saved_path == str(tmp_path / "out.png")
    store.star(b.id)
    assert [v.id for v in store.unsaved()] == [c.id]
    assert "Saved" in saved.summary()


def test_delete_removes_every_file(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    keep, gone = _add(store, seed=1), _add(store, seed=2)
    assert store.delete(gone.id) is True
    assert store.delete(gone.id) is False
    assert store.picture(gone.id) is None and store.get(gone.id) is None
    assert [v.id for v in store.versions()] == [keep.id]
    assert all(name.startswith(keep.id) for name in _files(tmp_path))
    assert store.delete("not an id") is False


def test_clear_keeps_starred_when_asked(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    a, _, _ = (_add(store, seed=i) for i in range(3))
    store.star(a.id)
    assert store.clear(keep_starred=True) == 2
    assert [v.id for v in store.versions()] == [a.id]
    assert store.clear() == 1
    assert store.versions() == [] and _files(tmp_path) == []


def test_a_missing_folder_lists_nothing_and_is_made_on_first_add(tmp_path: Path) -> None:
    store = VersionStore(tmp_path / "not" / "yet")
    assert store.versions() == [] and store.unsaved() == []
    _add(store)
    assert len(store.versions()) == 1


def test_session_dir_is_under_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path))
    assert session_dir() == tmp_path / "session"


# Bounds --------------------------------------------------------------------------------------


def test_only_the_newest_unstarred_are_kept_and_starred_never_dropped(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, limit=3)
    first = _add(store, seed=0)
    store.star(first.id)
    made = [_add(store, seed=i) for i in range(1, 4)]
    added = store.add(_picture(seed=9), settings=Settings())
    assert [v.id for v in added.dropped] == [made[0].id]
    ids = [v.id for v in store.versions()]
    assert ids == [first.id, made[1].id, made[2].id, added.version.id]
    text = dropped_text(added.dropped, store.limit)
    assert "keeps 3 versions" in text and "not saved" in text and "star" in text
    assert dropped_text(()) == ""
    assert not any(name.startswith(made[0].id) for name in _files(tmp_path))


def test_bytes_bound_drops_the_oldest_but_never_the_new_one(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, limit=50, max_bytes=1)
    a = _add(store, seed=1)
    added = store.add(_picture(seed=2), settings=Settings())
    assert [v.id for v in added.dropped] == [a.id]
    assert [v.id for v in store.versions()] == [added.version.id]


def test_the_bounds_must_keep_something(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        VersionStore(tmp_path, limit=0)


# Hostile folder ------------------------------------------------------------------------------

GOOD_ID_A = "20200101-000000-000-0000000a"
GOOD_ID_B = "20200101-000000-000-0000000b"


def _plant(folder: Path, vid: str, sidecar: bytes | str) -> None:
    data = sidecar.encode() if isinstance(sidecar, str) else sidecar
    (folder / f"{vid}.json").write_bytes(data)
    tifffile.imwrite(folder / f"{vid}.tif", np.zeros((4, 4, 3), np.uint16), photometric="rgb")


def test_damaged_foreign_and_huge_sidecars_are_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = VersionStore(tmp_path)
    good = _add(store)
    valid = good.to_dict()
    ids = [f"20200101-000000-{n:03d}-0000abcd" for n in range(9)]
    _plant(tmp_path, ids[0], b"{not json")
    _plant(tmp_path, ids[1], json.dumps({"app": "someone else", "id": ids[1]}))
    _plant(tmp_path, ids[2], json.dumps({**valid, "id": ids[2], "pad": "x" * 400_000}))
    _plant(tmp_path, ids[3], json.dumps({**valid, "id": ids[3], "settings": {"size": -1}}))
    _plant(tmp_path, ids[4], json.dumps({**valid, "id": GOOD_ID_A}))  # names another version
    _plant(tmp_path, ids[5], "[" * 100_000 + "]" * 100_000)
    _plant(tmp_path, ids[6], json.dumps({**valid, "id": ids[6], "size": [10**9, 1]}))
    _plant(tmp_path, ids[7], b"\xff\xfe\x00garbage")
    _plant(tmp_path, ids[8], json.dumps({**valid, "id": ids[8], "format_version": 99}))
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / f"{GOOD_ID_B}.json").write_text(json.dumps({**valid, "id": GOOD_ID_B}))  # no picture
    (tmp_path / "20200101-000000-000-0000000c.json").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "20200101-000000-000-0000000d.json")
    with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.versions"):
        listed = VersionStore(tmp_path).versions()
    assert listed == [good]
    skipped = [r for r in caplog.records if "Skipping" in r.getMessage()]
    assert len(skipped) >= 13
    assert all(len(r.getMessage()) < 400 for r in caplog.records)
    # A second listing does not log the same files again.
    caplog.clear()
    store2 = VersionStore(tmp_path)
    store2.versions()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.versions"):
        store2.versions()
    assert not caplog.records


def test_a_damaged_picture_or_thumbnail_gives_none(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = VersionStore(tmp_path)
    a, b, c = (_add(store, seed=i) for i in range(3))
    (tmp_path / f"{a.id}.tif").write_bytes(b"II*\x00" + b"\x00" * 20)
    wrong_size = np.zeros((5, 5, 3), np.uint16)
    tifffile.imwrite(tmp_path / f"{b.id}.tif", wrong_size, photometric="rgb")
    (tmp_path / f"{c.id}.thumb.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with caplog.at_level(logging.WARNING, logger="nst_desktop.engine.versions"):
        assert store.picture(a.id) is None
        assert store.picture(b.id) is None
        assert store.thumbnail(c.id) is None
    assert store.picture(c.id) is not None
    assert len([r for r in caplog.records if "Skipping" in r.getMessage()]) == 3


def test_a_huge_thumbnail_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    store = VersionStore(tmp_path)
    version = _add(store)
    Image.new("RGB", (5000, 10)).save(tmp_path / f"{version.id}.thumb.png")
    assert store.thumbnail(version.id) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_a_picture_does_not_block(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = _add(store)
    (tmp_path / f"{version.id}.tif").unlink()
    os.mkfifo(tmp_path / f"{version.id}.tif")
    start = time.monotonic()
    assert store.picture(version.id) is None
    assert time.monotonic() - start < 5


# Atomic writes and two windows ---------------------------------------------------------------


def test_a_failed_add_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = VersionStore(tmp_path)
    keep = _add(store)

    def full_disk(path: object, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(versions_module, "atomic_create", full_disk)
    with pytest.raises(OutputError, match="could not be kept"):
        _add(store, seed=5)
    assert store.versions() == [keep]
    assert all(name.startswith(keep.id) for name in _files(tmp_path))


def test_a_failed_star_keeps_the_old_sidecar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = VersionStore(tmp_path)
    version = _add(store)
    before = (tmp_path / f"{version.id}.json").read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError):
        store.star(version.id)
    monkeypatch.undo()
    assert (tmp_path / f"{version.id}.json").read_bytes() == before
    assert VersionStore(tmp_path).get(version.id) == version
    assert not [n for n in _files(tmp_path) if n.endswith(".part")]


def test_an_id_collision_picks_another_name_instead_of_overwriting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = VersionStore(tmp_path)
    first = _add(store, seed=1)
    before = store.picture8(first.id)
    names = iter([first.id, "20300101-000000-000-00000fff"])
    monkeypatch.setattr(versions_module, "_new_id", lambda now: next(names))
    second = _add(store, seed=2)
    assert second.id == "20300101-000000-000-00000fff"
    assert store.get(first.id) == first
    kept = VersionStore(tmp_path).picture8(first.id)
    assert before is not None and kept is not None and np.array_equal(kept, before)
    assert VersionStore(tmp_path).thumbnail(first.id) is not None
    assert len(store.versions()) == 2


def test_a_given_id_and_time_are_kept_and_a_taken_id_is_refused(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    vid = store.new_id()
    added = store.add(_picture(seed=1), settings=Settings(seed=1), version_id=vid, created=1_700_000_000.0)
    assert added.version.id == vid and added.version.created == 1_700_000_000.0
    assert VersionStore(tmp_path).get(vid) == added.version
    before = _files(tmp_path)
    picture = store.picture8(vid)
    with pytest.raises(OutputError, match="already taken"):
        store.add(_picture(seed=2), settings=Settings(seed=2), version_id=vid)
    assert _files(tmp_path) == before
    assert np.array_equal(VersionStore(tmp_path).picture8(vid), picture)
    with pytest.raises(ValueError, match="version id"):
        store.add(_picture(), settings=Settings(), version_id="../escape")


def test_two_windows_adding_at_once_keep_every_version(tmp_path: Path) -> None:
    stores = [VersionStore(tmp_path), VersionStore(tmp_path)]
    errors: list[BaseException] = []

    def work(store: VersionStore, base: int) -> None:
        try:
            for i in range(8):
                _add(store, seed=base + i)
                store.versions()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, 100 * n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    listed = VersionStore(tmp_path).versions()
    assert len(listed) == 16
    assert all(VersionStore(tmp_path).picture(v.id) is not None for v in listed)
    assert sorted(v.settings.seed for v in listed) == sorted(list(range(8)) + list(range(100, 108)))


def test_one_store_adds_on_a_worker_thread_while_the_window_lists(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, limit=5)
    errors: list[BaseException] = []
    done = threading.Event()

    def adder() -> None:
        try:
            for i in range(12):
                _add(store, seed=i)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=adder)
    thread.start()
    while not done.is_set():
        listed = store.versions()
        assert len(listed) <= 6
        for version in listed[-1:]:
            store.thumbnail(version.id)
    thread.join(60)
    assert not errors
    assert [v.settings.seed for v in store.versions()] == list(range(7, 12))


def test_a_star_during_pruning_on_another_thread_is_never_lost(tmp_path: Path) -> None:
    class SlowPrune(VersionStore):
        """Pruning on the adding thread lingers, so a star on this thread comes in the middle."""

        pruning = threading.Event()

        def delete(self, version_id: str) -> bool:
            if threading.current_thread() is not threading.main_thread():
                self.pruning.set()
                time.sleep(0.3)
            return super().delete(version_id)

    store = SlowPrune(tmp_path, limit=1)
    oldest = _add(store, seed=1)
    thread = threading.Thread(target=_add, args=(store, 2))
    thread.start()
    assert store.pruning.wait(10)
    starred = store.star(oldest.id)  # waits for the pruning: by then the version is gone
    thread.join(60)
    kept = VersionStore(tmp_path).get(oldest.id)
    assert (starred is None and kept is None) or (kept is not None and kept.starred)
    names = _files(tmp_path)
    sidecars = sorted(n for n in names if n.endswith(".json"))
    assert all(n[: -len(".json")] + ".tif" in names for n in sidecars)  # no sidecar without its picture
    assert len(sidecars) == 1


def test_one_window_sees_what_another_changed(tmp_path: Path) -> None:
    mine, theirs = VersionStore(tmp_path), VersionStore(tmp_path)
    version = _add(mine)
    assert theirs.versions() == [version]
    theirs.star(version.id)
    assert mine.versions()[0].starred
    theirs.delete(version.id)
    assert mine.versions() == [] and mine.picture(version.id) is None
    assert mine.star(version.id) is None


def test_old_orphans_of_a_killed_writer_are_swept(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    old, young = "20200101-000000-000-000000aa", "20200101-000000-000-000000bb"
    for vid in (old, young):
        tifffile.imwrite(tmp_path / f"{vid}.tif", np.zeros((4, 4, 3), np.uint16), photometric="rgb")
    hour_ago = time.time() - 2 * 3600
    os.utime(tmp_path / f"{old}.tif", (hour_ago, hour_ago))
    _add(store)
    names = _files(tmp_path)
    assert f"{old}.tif" not in names and f"{young}.tif" in names


# Text ----------------------------------------------------------------------------------------


def test_summary_is_short_plain_text_even_for_hostile_names(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = _add(
        store,
        photo=SourceRef("<b>bold</b>\x1b[31m" + "x" * 5000),
        paintings=[SourceRef(f"p{i}\n.jpg", None, 1.0) for i in range(10)],
        device="GPU\r\nsecond line",
    )
    text = version.summary()
    assert len(text) < 1200
    assert "\x1b" not in text and "\r" not in text
    assert "and 6 more" in text
    assert text.count("\n") <= 8
    fast_settings = Settings(method="fast", fast_style="mosaic")
    fast = dataclasses.replace(version, settings=fast_settings, fast_style="mosaic")
    assert "Fast style: mosaic" in fast.summary()


# Print resolution ------------------------------------------------------------------------------


def test_a_version_keeps_its_print_resolution_across_a_restart(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    made = _add(store, dpi=150)
    default = _add(store, seed=1)
    assert made.dpi == 150.0 and default.dpi == 300.0
    assert json.loads((tmp_path / f"{made.id}.json").read_text())["dpi"] == 150.0
    again = {v.id: v for v in VersionStore(tmp_path).versions()}
    assert again[made.id].dpi == 150.0 and again[default.id].dpi == 300.0
    starred = store.star(made.id)
    assert starred is not None and starred.dpi == 150.0  # a changed record keeps it


def test_a_record_without_dpi_reads_as_300_and_a_bad_one_as_300_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = VersionStore(tmp_path)
    valid = _add(store, dpi=72).to_dict()
    old = {k: v for k, v in valid.items() if k != "dpi"}  # written before the dpi was kept
    assert Version.from_dict(old).dpi == 300.0
    assert Version.from_dict({**valid, "dpi": 600}).dpi == 600.0  # an int is fine
    for bad in (float("nan"), float("inf"), 0, 0.5, -300, 1e9, "300", True, [300], {"x": 1}):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="nst_desktop.engine.versions"):
            assert Version.from_dict({**valid, "dpi": bad}).dpi == 300.0, bad
        assert any("print resolution" in r.getMessage() for r in caplog.records), bad
    # A sidecar on disk with NaN (json writes it as NaN) is listed, at 300 dpi.
    vid = "20200101-000000-000-0000abcd"
    _plant(tmp_path, vid, json.dumps({**valid, "id": vid, "dpi": float("nan")}))
    listed = {v.id: v for v in VersionStore(tmp_path).versions()}
    assert listed[vid].dpi == 300.0
    # And one asked to keep a bad resolution keeps the default.
    assert _add(store, seed=2, dpi=float("nan")).dpi == 300.0
