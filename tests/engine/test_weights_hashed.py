"""Issue 19, finding 9: the weights file is loaded from what was hashed, not reopened by name.

A file swapped at the weights' path between the check and the load must not be what runs; a
FIFO or a folder there is one sentence, never a hang.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from nst_desktop.engine import weights
from nst_desktop.engine.errors import WeightsError


@pytest.mark.parametrize("limit", [weights.IN_MEMORY_LIMIT, 4096])
def test_what_is_read_is_what_was_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    # 4096: the large-file way (the same descriptor, rewound), for a 64 KB file.
    monkeypatch.setattr(weights, "IN_MEMORY_LIMIT", limit)
    path = tmp_path / "w.bin"
    original = os.urandom(64 * 1024)
    path.write_bytes(original)
    digest, stream = weights.read_hashed(path)
    with stream:
        # Another file takes the name after the check (an atomic replace: a new inode).
        swap = tmp_path / "swap.bin"
        swap.write_bytes(b"x" * len(original))
        os.replace(swap, path)
        assert stream.read() == original
    assert digest == hashlib.sha256(original).hexdigest()
    assert digest != weights.file_sha256(path)  # the name now holds the other file


def test_the_real_weights_load_from_the_hashed_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    path = weights.locate_weights()
    opened: list[object] = []
    real_load = weights.torch.load

    def spy(source: object, *args: object, **kwargs: object) -> object:
        opened.append(source)
        return real_load(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(weights.torch, "load", spy)
    loaded = weights._read(path)
    assert set(loaded) == {name for name, *_ in weights.CONV_LAYERS}
    assert len(opened) == 1 and not isinstance(opened[0], (str, os.PathLike))


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_a_fifo_as_the_weights_is_one_sentence(tmp_path: Path) -> None:
    fifo = tmp_path / "weights.bin"
    os.mkfifo(fifo)
    with pytest.raises(WeightsError, match=r"cannot be read \(it is not a regular file\)"):
        weights._read(fifo)


def test_a_damaged_file_is_refused_before_loading(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"not the weights")
    with pytest.raises(WeightsError, match="checksum does not match"):
        weights._read(path)
