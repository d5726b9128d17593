"""Issue 8, a hostile pass over the new features: crafted .nststyle files in the panel, broken
photo folders, names at the limit, closing mid-work, Stop twice, two trainings of one name."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nst_desktop.engine.pipeline import ImageInput
from nst_desktop.gui import side_tasks, threads, training
from nst_desktop.gui.train_dialog import TrainDialog

from .conftest import FakeEngine, write_image
from .test_fast_styles import make_photos, open_gallery, tiny_style  # noqa: F401 - a fixture

pytest.importorskip("torch")

HUGE_NAME = "<img src=x>" + "N" * 900_000


def with_name(source: Path, target: Path, name: str) -> Path:
    """A copy of a real style whose embedded name is ``name`` (the header rewritten)."""
    data = source.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    header["__metadata__"]["name"] = name
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    target.write_bytes(len(text).to_bytes(8, "little") + text + data[8 + size :])
    return target


def hostile_files(folder: Path, style: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = style.read_bytes()
    files = {
        "damaged": folder / "damaged.nststyle",
        "truncated": folder / "truncated.nststyle",
        "pickle": folder / "pickle.nststyle",
        "foreign": folder / "foreign.nststyle",
        "oversized": folder / "oversized.nststyle",
        "empty": folder / "empty.nststyle",
    }
    files["damaged"].write_bytes(data[:8] + bytes(reversed(data[8:200])) + data[200:])
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["pickle"].write_bytes(pickle.dumps({"__reduce__": "os.system"}))
    write_image(folder / "foreign.png")
    files["foreign"].write_bytes((folder / "foreign.png").read_bytes())
    with open(files["oversized"], "wb") as fp:
        fp.truncate(65 * 1024 * 1024)  # sparse: beyond the engine's 64 MB limit, costs no disk
    files["empty"].write_bytes(b"")
    return files


def test_hostile_style_files_in_the_panel(qtbot, window, tiny_style: Path, tmp_path: Path) -> None:  # noqa: F811
    panel = window.fast_styles
    open_gallery(qtbot, window)
    before = panel.names()
    for kind, path in hostile_files(tmp_path / "hostile", tiny_style).items():
        panel.ask_open_file = lambda p=path: p  # type: ignore[method-assign]
        with qtbot.waitSignal(panel.message, timeout=60_000) as signal:
            panel.import_button.click()
        text, error = signal.args
        assert error, (kind, text)
        assert "\n" not in text and len(text) < 300, (kind, text)
        assert window.banner.text() == text or window.banner.text() == text[: len(window.banner.text())]
        qtbot.waitUntil(lambda: not window.modes.side_tasks.busy, timeout=60_000)
    assert panel.names() == before, "nothing was added"


def test_a_megabyte_style_name_is_capped_through_the_real_panel(
    qtbot,
    window,
    tiny_style: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    crafted = with_name(tiny_style, tmp_path / "crafted.nststyle", HUGE_NAME)
    panel = window.fast_styles
    open_gallery(qtbot, window)
    panel.ask_open_file = lambda: crafted  # type: ignore[method-assign]
    start = time.monotonic()
    with qtbot.waitSignal(panel.listed, timeout=60_000):
        panel.import_button.click()
    assert time.monotonic() - start < 30
    name = next(n for n in panel.names() if n.startswith("<img src=x>"))
    assert len(name) == 80, "the engine caps names at 80 characters"
    item = panel.list.item(panel.names().index(name))
    assert item.text() == name and "&lt;img" in item.toolTip() and len(item.toolTip()) < 1200
    assert len(window.banner.text()) < 400 and "<img src=x>" in window.banner.text()
    # In the batch's list too, as plain text.
    combo = window.batch.method_combo
    assert any(combo.itemText(i).startswith("Fast style: <img src=x>") for i in range(combo.count()))
    # And a crafted file dropped straight into the user folder is listed capped as well.
    folder = Path(os.environ["NST_DESKTOP_DATA_DIR"]) / "styles"
    with_name(tiny_style, folder / "dropped-in.nststyle", "<h1>" + "M" * 900_000)
    with qtbot.waitSignal(panel.listed, timeout=60_000):
        panel.refresh()
    assert any(n.startswith("<h1>MMM") and len(n) == 80 for n in panel.names())


# Training ---------------------------------------------------------------------------------------


def request_for(tmp_path: Path, photos: Path, name: str, steps: int) -> training.TrainRequest:
    painting = write_image(tmp_path / f"{name}-painting.png", 40, 40, seed=5)
    return training.TrainRequest(
        name=name,
        photos=photos,
        paintings=(ImageInput(name=painting.name, path=painting),),
        output=training.new_output(name),
        steps=steps,
        seed=1,
        size=32,
        batch=1,
        brush_scale=1.0,
    )


def test_training_on_broken_photos_or_a_vanished_folder(qtbot, window, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for i in range(6):
        (broken / f"p{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    request = request_for(tmp_path, broken, "Broken", steps=3)
    with qtbot.waitSignal(window.controller.finished, timeout=180_000):
        assert window.training.start(request)
    text = window.banner.text()
    assert window.banner.is_error and text and "\n" not in text and "Traceback" not in text, text
    assert window.progress.format() == "Training failed"

    gone = make_photos(tmp_path / "gone")
    request = request_for(tmp_path, gone, "Gone", steps=3)
    with qtbot.waitSignal(window.controller.finished, timeout=180_000):
        assert window.training.start(request)
        for path in gone.iterdir():
            path.unlink()
        gone.rmdir()
    text = window.banner.text()
    # Either the photos were already read (the style is made) or it says why it could not be.
    assert text and "\n" not in text and "went wrong inside" not in text, text


def test_stop_twice_and_close_keep_the_checkpoint(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    request = request_for(tmp_path, make_photos(tmp_path / "photos"), "Twice", steps=5000)
    steps: list[int] = []
    window.controller.progress.connect(lambda p: steps.append(p.step) if p.stage == "training" else None)
    outcomes: list[str] = []
    window.controller.cancelled.connect(lambda: outcomes.append("cancelled"))
    window.controller.failed.connect(lambda e: outcomes.append(f"failed {e}"))
    window.training.start(request)
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=180_000)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.stop_button.click()
        window.stop()  # Esc after the click
    window.stop()  # and once more when nothing runs
    assert outcomes == ["cancelled"]
    assert request.checkpoint.is_file() and "Resume" in window.banner.text()


def test_the_train_dialog_at_the_name_limit(qtbot, tmp_path: Path) -> None:
    photos = make_photos(tmp_path / "photos")
    painting = ImageInput(name="p.png", path=write_image(tmp_path / "p.png"))
    folder = tmp_path / "styles"
    for name in ("字" * 200, "a" * 200, "<b>" * 60):
        dialog = TrainDialog([painting], styles_folder=folder, photos_dir=str(photos))
        qtbot.addWidget(dialog)
        dialog.name_edit.setText(name)
        assert len(dialog.name_edit.text()) == 80
        dialog.accept()
        request = dialog.request()
        assert request is not None, dialog.error.text()
        assert len(os.fsencode(request.record.name)) < 255
        assert request.record.exists(), "the name is reserved"
        assert not request.output.exists()


def test_two_processes_never_get_the_same_style_file(tmp_path: Path) -> None:
    """new_output reserves the name (create-or-fail), so two windows training 'Same' at once
    write two files and two checkpoints; the store's own free names skip reserved ones."""
    folder = tmp_path / "styles"
    code = (
        "import sys; from pathlib import Path; from nst_desktop.gui.training import new_output;"
        "sys.stdin.readline();"
        "print('\\n'.join(str(new_output('Same', Path(sys.argv[1]))) for _ in range(15)))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(1.0)
    for proc in procs:  # start both at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [line for proc in procs for line in proc.communicate(timeout=120)[0].split()]
    assert len(outputs) == 30 and len(set(outputs)) == 30

    from nst_desktop.engine.fast.store import FastStyleStore

    store = FastStyleStore(folder, tmp_path / "none")
    assert str(store.new_path("Same")) not in outputs


def test_closing_during_a_slow_instant_picture_and_a_fast_paint(qtbot, qsettings, tmp_path: Path) -> None:
    from nst_desktop.gui.main_window import MainWindow

    release = threading.Event()

    class SlowInstant(FakeEngine):
        def instant_picture(self, content, styles, settings):  # type: ignore[no-untyped-def]
            release.wait(4.0)  # ignores cancel, like a torch call in progress
            return np.zeros((8, 8, 3), np.uint8)

    engine = SlowInstant(block=True)
    window = MainWindow(engine, qsettings=qsettings)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    window.inputs.set_photo(write_image(tmp_path / "photo.png"))
    window.inputs.add_style(write_image(tmp_path / "painting.png", seed=3))
    qtbot.waitUntil(lambda: window.modes.side_tasks.busy, timeout=5_000)
    window.controls.set_settings(window.controls.settings().replace(size=32))
    window.modes.apply_fast_style("Anything")  # a fast paint through the controller (blocks until cancelled)
    qtbot.waitUntil(lambda: engine.started.is_set(), timeout=10_000)
    start = time.monotonic()
    try:
        window.close()
        assert time.monotonic() - start < 1.0, "the GUI thread waited"
        assert not window.isVisible()
        qtbot.waitUntil(lambda: not window.controller.busy, timeout=5_000)
    finally:
        release.set()
    side_tasks.wait_for_stranded(10_000)
    qtbot.waitUntil(lambda: not threads.registry().stranded(), timeout=10_000)
