"""Issue 8 ("Trust"): hostile inputs and faults never crash, hang, lose or replace a file.

One test (or a few) per defect of the issue; special files are made in private temporary
folders (mknod/mkfifo as root), never the system's own.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from nst_desktop.engine import atomic, images, weights
from nst_desktop.engine.errors import (
    EngineError,
    ImageError,
    OutputError,
    PresetError,
    SettingsError,
    WeightsError,
)
from nst_desktop.engine.images import load_image, read_metadata, save_image
from nst_desktop.engine.metadata import settings_from_metadata
from nst_desktop.engine.pipeline import ImageInput, Job, check_output, run_job
from nst_desktop.engine.presets import PRESET_KIND, PresetStore, read_preset_file
from nst_desktop.engine.settings import Settings
from nst_desktop.engine.types import Result, StyleImage

ROOT = Path(__file__).resolve().parents[2]
POSIX = os.name == "posix"
IS_ROOT = POSIX and os.geteuid() == 0
HUGE = "x" * 1_000_000


def one_short_line(message: str, limit: int = 400) -> None:
    assert "\n" not in message and "\r" not in message, message[:200]
    assert len(message) <= limit, f"{len(message)} characters: {message[:200]}..."


def finishes(call: Callable[[], Any], seconds: float = 10.0) -> BaseException | None:
    """Run ``call`` in a thread; fail if it blocks (a FIFO opened for reading waits forever)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, "the call blocked"
    return outcome[0]


def write_png(path: Path, side: int = 32, text: str | None = None) -> Path:
    info = PngInfo()
    if text is not None:
        info.add_itxt(images.METADATA_KEY, text, zip=True)
    Image.new("RGB", (side, side), (120, 80, 40)).save(path, pnginfo=info)
    return path


def preset_doc(name: str, **settings: Any) -> dict[str, Any]:
    body = Settings().to_dict()
    body.update(settings)
    return {"schema_version": 1, "kind": PRESET_KIND, "name": name, "settings": body}


class Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, content: np.ndarray, styles: Sequence[StyleImage], settings: Settings, **_: Any
    ) -> Result:
        self.calls += 1
        return Result(
            content, content.astype(np.float32) / 255.0, settings.replace(seed=1), "Recorder", 0.1, 1
        )


# 1. Unbounded values in messages ------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("keep_colors", HUGE),
        ("size", HUGE),
        ("style_strength", [1.0] * 100_000),
        ("content_layer", HUGE),
        ("seed", 10**4000),
    ],
)
def test_settings_messages_quote_at_most_a_short_value(field: str, value: Any) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_dict({"schema_version": 1, field: value})
    one_short_line(str(info.value))


def test_a_huge_schema_version_is_quoted_short() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_dict({"schema_version": HUGE})
    one_short_line(str(info.value))


def test_a_picture_with_a_megabyte_setting_gives_a_short_message(tmp_path: Path) -> None:
    meta = {"app": "nst-desktop", "settings": {"schema_version": 1, "keep_colors": HUGE}}
    path = write_png(tmp_path / "crafted.png", text=json.dumps(meta))
    found = read_metadata(path)
    assert found is not None
    with pytest.raises(SettingsError) as info:
        settings_from_metadata(found)
    one_short_line(str(info.value))


def test_a_megabyte_preset_value_gives_a_short_problem(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    doc = preset_doc("Crafted", keep_colors="y" * 900_000)
    (user / "crafted.json").write_text(json.dumps(doc))
    store = PresetStore(user, ROOT / "resources" / "presets")
    assert [p.name for p in store.list() if not p.builtin] == []
    (problem,) = store.problems
    one_short_line(problem.message)
    with pytest.raises(PresetError) as info:
        read_preset_file(user / "crafted.json")
    one_short_line(str(info.value))


def test_a_long_file_name_is_shortened_in_image_messages(tmp_path: Path) -> None:
    name = "\x1b[31m" + "n" * 240 + ".png"
    with pytest.raises(ImageError) as info:
        load_image(tmp_path / name)
    one_short_line(str(info.value))
    assert "\x1b" not in str(info.value)


# 2. Output may be the input -----------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink", "painting"])
def test_the_output_may_not_be_an_input(
    tmp_path: Path, spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = write_png(tmp_path / "photo.png")
    painting = write_png(tmp_path / "painting.png", 40)
    original = photo.read_bytes()
    output = {
        "same": photo,
        "dot": Path("./photo.png"),
        "symlink": tmp_path / "link.png",
        "hardlink": tmp_path / "hard.png",
        "painting": painting,
    }[spelling]
    if spelling == "symlink":
        output.symlink_to(photo)
    elif spelling == "hardlink":
        os.link(photo, output)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="itself"):
        check_output(output, inputs=[photo, painting])
    recorder = Recorder()
    job = Job(ImageInput("photo.png", photo), (ImageInput("painting.png", painting),), Settings(), output)
    with pytest.raises(OutputError) as info:
        run_job(job, paint=recorder)
    one_short_line(str(info.value))
    assert recorder.calls == 0 and photo.read_bytes() == original


# 3. FIFOs and devices -----------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
def test_a_fifo_photo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    error = finishes(lambda: load_image(fifo))
    assert isinstance(error, ImageError) and "regular file" in str(error)
    error = finishes(lambda: read_metadata(fifo))
    assert isinstance(error, ImageError)


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_a_private_urandom_is_not_called_empty(tmp_path: Path) -> None:
    device = tmp_path / "urandom.png"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 9))
    error = finishes(lambda: load_image(device))
    assert isinstance(error, ImageError)
    assert "empty" not in str(error) and "regular file" in str(error)


@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
def test_fifo_presets_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "look.json"
    os.mkfifo(fifo)
    store = PresetStore(tmp_path / "user", ROOT / "resources" / "presets")
    for call in (lambda: read_preset_file(fifo), lambda: store.import_file(fifo)):
        error = finishes(call)
        assert isinstance(error, PresetError) and "regular file" in str(error)
    # A FIFO among the user's presets is skipped, never opened.
    (tmp_path / "user").mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "user" / "pipe.json")
    assert finishes(store.list) is None


# 4. Paths that cannot be examined -----------------------------------------------------------


def test_names_too_long_in_bytes_are_refused_before_painting(tmp_path: Path) -> None:
    recorder = Recorder()
    photo = write_png(tmp_path / "photo.png")
    for name in ("é" * 130 + ".png", "写" * 83 + ".jpg"):  # 264 bytes; 253 bytes + ".json" for a JPEG
        output = tmp_path / name
        with pytest.raises(OutputError, match="too long"):
            check_output(output)
        job = Job(ImageInput("p", photo), (ImageInput("s", photo),), Settings(), output)
        with pytest.raises(OutputError):
            run_job(job, paint=recorder)
    assert recorder.calls == 0
    # A long but valid multi-byte name is written: the temporary name is cut by bytes.
    ok = tmp_path / ("写" * 80 + ".png")
    save_image(ok, np.zeros((20, 20, 3), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["photo.png", ok.name])


@pytest.mark.skipif(not POSIX, reason="needs a deletable current folder")
def test_a_deleted_current_folder_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(OutputError) as info:
        check_output(Path("out.png"))
    one_short_line(str(info.value))


# 5. Concurrent preset writes ----------------------------------------------------------------

_IMPORTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from nst_desktop.engine.errors import PresetError
    from nst_desktop.engine.presets import PresetStore
    user, builtin, source, start = sys.argv[1:5]
    while time.time() < float(start):
        pass
    try:
        PresetStore(Path(user), Path(builtin)).import_file(Path(source))
        print("ok")
    except PresetError as exc:
        print("refused", exc)
    """
)


def _import_at_once(tmp_path: Path, trial: int, names: tuple[str, str]) -> list[str]:
    user, builtin = tmp_path / f"user{trial}", tmp_path / "builtin"
    builtin.mkdir(exist_ok=True)
    sources = []
    for i, name in enumerate(names):
        source = tmp_path / f"source{trial}-{i}.json"
        source.write_text(json.dumps(preset_doc(name, size=100 + i)))
        sources.append(source)
    start = time.time() + 1.5
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _IMPORTER, str(user), str(builtin), str(s), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for s in sources
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(out.strip())
    return outputs


@pytest.mark.parametrize("trial", range(4))
def test_two_processes_importing_similar_names_keep_both(tmp_path: Path, trial: int) -> None:
    outputs = _import_at_once(tmp_path, trial, ("My Look", "my-look!"))
    assert outputs == ["ok", "ok"]
    store = PresetStore(tmp_path / f"user{trial}", tmp_path / "builtin")
    assert sorted(p.name for p in store.list()) == ["My Look", "my-look!"]
    assert store.problems == []


@pytest.mark.parametrize("trial", range(3))
def test_two_processes_importing_one_name_do_not_both_succeed(tmp_path: Path, trial: int) -> None:
    outputs = _import_at_once(tmp_path, trial, ("My Look", "MY LOOK"))
    assert sorted(o.split()[0] for o in outputs) == ["ok", "refused"], outputs
    store = PresetStore(tmp_path / f"user{trial}", tmp_path / "builtin")
    assert len(store.list()) == 1 and store.problems == []


def test_atomic_create_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    atomic.atomic_create(target, b"first")
    with pytest.raises(FileExistsError):
        atomic.atomic_create(target, b"second")
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


# 6. The atomic writer and special files -----------------------------------------------------


def _special_files(folder: Path) -> dict[str, Path]:
    made = {"fifo": folder / "fifo.json"}
    os.mkfifo(made["fifo"])
    if IS_ROOT:
        made["device"] = folder / "full.json"  # a private /dev/full: char 1,7
        os.mknod(made["device"], stat.S_IFCHR | 0o600, os.makedev(1, 7))
    made["socket"] = folder / "sock.json"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(made["socket"]))
    made["link to fifo"] = folder / "link.json"
    made["link to fifo"].symlink_to(made["fifo"])
    return made


@pytest.mark.skipif(not POSIX, reason="special files are POSIX")
def test_the_atomic_writer_never_replaces_a_special_file(tmp_path: Path) -> None:
    for kind, path in _special_files(tmp_path).items():
        with pytest.raises(atomic.NotARegularFile):
            atomic.atomic_write_bytes(path, b"{}")
        assert not stat.S_ISREG(os.stat(path).st_mode), kind
    store = PresetStore(tmp_path / "user", ROOT / "resources" / "presets")
    with pytest.raises(PresetError) as info:
        store.export("Balanced", tmp_path / "fifo.json")
    one_short_line(str(info.value))
    os.mkfifo(tmp_path / "fifo.png")
    with pytest.raises(OutputError, match="device, pipe or socket"):
        check_output(tmp_path / "fifo.png")
    with pytest.raises(OutputError, match="device, pipe or socket"):
        save_image(tmp_path / "fifo.png", np.zeros((20, 20, 3), np.uint8))
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo.png").st_mode)
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_symlink_to_a_regular_file_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic.atomic_write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


# 7. Presets ---------------------------------------------------------------------------------


def test_importing_a_builtin_name_needs_overwrite(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "user", ROOT / "resources" / "presets")
    builtin = store.list()[0]
    source = tmp_path / "mine.json"
    source.write_text(json.dumps(preset_doc(builtin.name.upper(), size=123)))
    with pytest.raises(PresetError, match="built-in"):
        store.import_file(source)
    assert store.get(builtin.name).builtin
    imported = store.import_file(source, overwrite=True)
    assert imported.customised and store.get(builtin.name).settings.size == 123
    assert store.delete(builtin.name) is True
    assert store.get(builtin.name).builtin


def test_a_broken_customisation_of_a_builtin_is_reported(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "user", ROOT / "resources" / "presets")
    builtin = store.list()[0]
    store.save(builtin.name, Settings(size=123))
    (path,) = (tmp_path / "user").glob("*.json")
    doc = json.loads(path.read_text())
    doc["settings"]["size"] = "huge"
    path.write_text(json.dumps(doc))
    with pytest.raises(PresetError) as info:
        store.get(builtin.name)
    assert "Your change to the built-in" in str(info.value)
    one_short_line(str(info.value), 600)
    assert store.delete(builtin.name) is True  # removing the broken file restores the original
    assert store.get(builtin.name).builtin and not path.exists()


# 8. Leftover temporary files ----------------------------------------------------------------


def test_stale_temporary_files_of_dead_writers_are_swept(tmp_path: Path) -> None:
    old = time.time() - 2 * atomic.STALE_AFTER
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".result.png.{dead_pid}-0123abcd.part"
    alive = tmp_path / f".result.png.{os.getppid()}-0123abcd.part"  # a live writer
    fresh = tmp_path / f".other.png.{dead_pid}-89abcdef.part"  # too young
    foreign = tmp_path / ".notes.part"  # not one of ours
    older_version = tmp_path / ".result.png.0123abcd.part"  # no pid: age alone decides
    for path in (stale, alive, fresh, foreign, older_version):
        path.write_bytes(b"half")
    for path in (stale, alive, foreign, older_version):
        os.utime(path, (old, old))
    save_image(tmp_path / "result.png", np.zeros((20, 20, 3), np.uint8))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([alive.name, fresh.name, foreign.name, "result.png"])


# 9. Decoding memory -------------------------------------------------------------------------


def _big_16_bit_png(path: Path, side: int) -> Path:
    """A grey 16-bit PNG of side x side pixels, all zero: a few hundred KB on disk."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    comp = zlib.compressobj(9)
    row = b"\0" * (1 + 2 * side)
    data = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    header = struct.pack(">IIBBBBB", side, side, 16, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS as Linux counts it")
def test_a_large_16_bit_png_decodes_within_bounded_memory(tmp_path: Path) -> None:
    # 10000 x 10000 16-bit: 200 MB decoded. Converting it through float64 at full size took
    # about 3.2 GB; the stripes need the decoded image and its 8-bit copy only.
    png = _big_16_bit_png(tmp_path / "big16.png", 10_000)
    assert png.stat().st_size < 1_000_000
    script = textwrap.dedent(
        f"""
        import resource
        limit = 1400 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from nst_desktop.engine.images import load_image
        a = load_image({str(png)!r}, max_side=64)
        print(a.shape, a.dtype, int(a.max()))
        """
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "(64, 64, 3) uint8 0"


# 10. Smaller --------------------------------------------------------------------------------


def test_a_jpeg_whose_sidecar_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    big = {"app": "nst-desktop", "notes": "z" * 70_000}  # too big for a JPEG comment: sidecar
    (tmp_path / "result.jpg.json").mkdir()  # the sidecar's name is taken by a folder
    with pytest.raises(OutputError) as info:
        save_image(tmp_path / "result.jpg", np.zeros((20, 20, 3), np.uint8), metadata=big)
    one_short_line(str(info.value))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.jpg.json"]


def test_style_weights_whose_sum_overflows_are_refused(tmp_path: Path) -> None:
    photo = write_png(tmp_path / "photo.png")
    job = Job(
        ImageInput("photo", photo),
        (ImageInput("a", photo, weight=1e308), ImageInput("b", photo, weight=1e308)),
        Settings(),
    )
    recorder = Recorder()
    with pytest.raises(SettingsError, match="finite"):
        run_job(job, paint=recorder)
    assert recorder.calls == 0


def test_a_weights_override_pointing_at_nothing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights.locate_weights()  # the bundled file is there...
    monkeypatch.setenv("NST_DESKTOP_WEIGHTS", str(tmp_path / "nope.bin"))
    with pytest.raises(WeightsError, match="NST_DESKTOP_WEIGHTS"):  # ...but the override wins
        weights.locate_weights()


def test_downloaded_weights_that_fail_to_load_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NST_DESKTOP_DATA_DIR", str(tmp_path))
    ws = weights.weight_set("torchvision")
    _, path, prefix = weights._source(ws)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a torch file")
    monkeypatch.setattr(weights, "file_sha256", lambda p: prefix + "0" * (64 - len(prefix)))
    with pytest.raises(WeightsError) as info:
        weights.load_weight_set("torchvision")
    one_short_line(str(info.value), 600)
    assert not path.exists() and not weights.is_cached("torchvision")


def test_engine_errors_are_engine_errors() -> None:
    assert issubclass(OutputError, EngineError)


def test_metadata_of_a_picture_whose_sidecar_name_is_too_long(tmp_path: Path) -> None:
    path = write_png(tmp_path / ("p" * 248 + ".png"))  # 252 bytes: "NAME.json" would be 257
    assert read_metadata(path) is None
