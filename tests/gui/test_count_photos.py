"""The train dialog's photo count: the engine's rule (hidden names, links to folders, depth),
and bounded, so a huge or very deep tree never freezes the window (issue 19, extra)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nst_desktop.engine.fast.photos import MAX_DEPTH, find_photos
from nst_desktop.gui.training import count_photos


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_the_count_follows_the_engines_rule(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for name in (
        "a.jpg",
        "b.PNG",
        "notes.txt",
        ".hidden.jpg",
        "sub/c.jpeg",
        ".cache/d.jpg",
        "sub/deeper/e.webp",
    ):
        _touch(root / name)
    deep = root
    for level in range(MAX_DEPTH + 3):  # photos just above and below the depth the engine searches
        deep = deep / f"d{level}"
        _touch(deep / f"p{level}.jpg")
    if os.name == "posix":
        outside = tmp_path / "outside"
        _touch(outside / "x.jpg")
        (root / "linked").symlink_to(outside, target_is_directory=True)
    expected = len(find_photos(root))
    assert count_photos(root) == expected
    assert expected == 4 + MAX_DEPTH  # a, b, c, e and the photos in d0 .. d31


def test_a_tree_a_thousand_deep_is_counted_without_recursion(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    deep = root
    for _level in range(1100):  # one at a time: mkdir(parents=True) recurses
        deep = deep / "d"
        deep.mkdir(parents=True)
    _touch(root / "top.jpg")
    started = time.process_time()
    try:
        assert count_photos(root) == 1 == len(find_photos(root))
        assert time.process_time() - started < 5
    finally:
        for depth in range(1100, 0, -1):  # bottom-up: a recursive removal would recurse too
            root.joinpath(*["d"] * depth).rmdir()


@pytest.mark.parametrize(
    ("limit", "max_entries", "expected"), [(999, 10_000, 300), (50, 10_000, 50), (999, 120, 120)]
)
def test_the_count_stops_at_its_bounds(tmp_path: Path, limit: int, max_entries: int, expected: int) -> None:
    for i in range(300):
        _touch(tmp_path / f"p{i:03d}.jpg")
    assert count_photos(tmp_path, limit=limit, max_entries=max_entries) == expected
