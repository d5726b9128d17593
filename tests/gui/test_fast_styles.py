"""The fast-style gallery: listing, one click paints (real engine, tiny), import/export/delete, batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nst_desktop.engine import Settings
from nst_desktop.engine.images import read_metadata
from nst_desktop.gui.side_tasks import TaskRunner
from nst_desktop.gui.widgets.fast_styles import FastStylesPanel

from .conftest import FakeEngine, write_image

pytest.importorskip("torch")


def make_photos(folder: Path, count: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        write_image(folder / f"photo{i}.png", 64 + 8 * i, 48 + 4 * i, seed=10 + i)
    return folder


@pytest.fixture(scope="module")
def tiny_style(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real fast style, trained for two steps at 32 px (a few seconds)."""
    from nst_desktop.engine import StyleImage
    from nst_desktop.engine.fast.train import TrainSettings, train_fast_style
    from nst_desktop.engine.images import load_image

    root = tmp_path_factory.mktemp("tiny-style")
    photos = make_photos(root / "photos")
    painting = load_image(write_image(root / "painting.png", 48, 48, seed=3))
    out = root / "tiny.nststyle"
    train_fast_style(
        [StyleImage(painting, 1.0, "painting.png")],
        photos,
        out,
        TrainSettings(size=32, steps=2, batch=1, width=8, seed=1, network="johnson", measure=False),
        name="Tiny",
    )
    return out


def import_into_user_store(path: Path, name: str = "Tiny") -> None:
    from nst_desktop.engine.fast.store import FastStyleStore

    FastStyleStore().import_file(path, name=name)


def open_gallery(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.fast_styles.listed, timeout=60_000):
        window.tabs.setCurrentWidget(window.fast_styles)
        window.fast_styles.refresh()  # the tab may have listed already, before the style was added


def test_gallery_lists_styles_and_a_click_paints_with_one(
    qtbot, make_window, tiny_style: Path, photo: Path, tmp_path: Path
) -> None:
    from nst_desktop.gui.worker import RealEngine

    import_into_user_store(tiny_style)
    window = make_window(RealEngine())
    window.controls.set_settings(Settings(size=48, device="cpu", seed=1))
    window.inputs.set_photo(photo)
    open_gallery(qtbot, window)
    panel = window.fast_styles
    assert "Tiny" in panel.names()
    entry = next(e for e in panel.entries() if e.name == "Tiny")
    assert not entry.builtin and entry.thumbnail.ndim == 3
    assert panel.list.isVisible() and not panel.empty_label.isVisible()
    assert all("(built-in)" in panel.list.item(i).text() for i, e in enumerate(panel.entries()) if e.builtin)

    # One real click on the thumbnail paints the photo at the output size through the controller.
    item = panel.list.findItems("Tiny", Qt.MatchFlag.MatchStartsWith)[0]
    rect = panel.list.visualItemRect(item)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000):
        QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    result = window.shown
    assert result is not None, window.banner.text()
    assert result.settings.method == "fast" and result.settings.fast_style == "Tiny"
    assert max(result.size) == 48 and window.save_button.isEnabled()

    # Fade applies to the fast style as well, at once: no new run, no new version (issue 18).
    window.controls.strength.set_value(0.5)
    assert not window.controller.busy and len(window.history.strip.ids()) == 1
    assert window.shown is not None and window.shown.settings.strength == 0.5

    saved = window.output.save_to(tmp_path / "fast.png")
    meta = read_metadata(saved)
    assert meta["settings"]["method"] == "fast" and meta["settings"]["fast_style"] == "Tiny"


def test_import_export_and_delete_from_the_panel(qtbot, tiny_style: Path, tmp_path: Path) -> None:
    from nst_desktop.engine.fast.store import FastStyleStore

    builtin = tmp_path / "builtin"
    builtin.mkdir()
    store = FastStyleStore(tmp_path / "mine", builtin)
    store_b = FastStyleStore(builtin, tmp_path / "none")
    store_b.import_file(tiny_style, name="Shipped")
    runner = TaskRunner()
    panel = FastStylesPanel(runner, store)
    qtbot.addWidget(panel)
    messages: list[tuple[str, bool]] = []
    panel.message.connect(lambda text, error: messages.append((text, error)))
    try:
        with qtbot.waitSignal(panel.listed, timeout=60_000):
            panel.show()
        assert panel.names() == ["Shipped"] and panel.entries()[0].builtin
        panel.select("Shipped")
        assert not panel.delete_button.isEnabled(), "built-ins cannot be deleted"

        panel.ask_open_file = lambda: tiny_style  # type: ignore[method-assign]
        with qtbot.waitSignal(panel.listed, timeout=60_000):
            panel.import_button.click()
        assert panel.names() == ["Shipped", "Tiny"] and panel.selected_name() == "Tiny"
        assert panel.delete_button.isEnabled()

        panel.ask_save_file = lambda suggested: tmp_path / "out" / suggested  # type: ignore[method-assign]
        (tmp_path / "out").mkdir()
        with qtbot.waitSignal(panel.listed, timeout=60_000):
            panel.export_button.click()
        assert (tmp_path / "out" / "Tiny.nststyle").is_file()

        asked: list[str] = []
        panel.confirm = lambda text: asked.append(text) or False  # type: ignore[method-assign]
        panel.delete_button.click()
        qtbot.wait(100)
        assert asked and "Tiny" in asked[0] and "Tiny" in panel.names()
        panel.confirm = lambda text: True  # type: ignore[method-assign]
        with qtbot.waitSignal(panel.listed, timeout=60_000):
            panel.delete_button.click()
        assert panel.names() == ["Shipped"]
        assert not any(error for _, error in messages), messages
    finally:
        runner.shutdown(10_000)


def test_batch_paints_with_a_fast_style(
    qtbot, make_window, fake_engine: FakeEngine, tiny_style: Path, tmp_path: Path
) -> None:
    import_into_user_store(tiny_style)
    window = make_window()
    open_gallery(qtbot, window)
    assert window.batch.set_paint_with("fast", "Tiny")
    photos = [write_image(tmp_path / f"b{i}.png", 40, 30, seed=i) for i in range(2)]
    window.batch.add(photos)
    window.batch.set_output_dir(tmp_path)
    window.controls.set_settings(Settings(size=32, steps=2))
    window.batch_tab.start()  # no paintings needed for a fast style
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=30_000)
    assert [s.method for s in fake_engine.calls] == ["fast", "fast"]
    assert all(s.fast_style == "Tiny" for s in fake_engine.calls)
    assert window.batch.status(0).startswith("Done") and window.batch.status(1).startswith("Done")
