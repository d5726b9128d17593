"""The studio (issue 9) through the real window on the fake engine: provenance of the picture
on show, the history of versions, settings from a picture, undo, and the 1024x700 layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings

from nst_desktop.engine.images import read_metadata

from .conftest import FakeEngine, write_image


def paint(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize()


def test_changing_the_photo_mid_run_does_not_relabel_the_picture(
    qtbot, ready_window, fake_engine: FakeEngine, photo: Path, tmp_path: Path
) -> None:
    window = ready_window
    other = write_image(tmp_path / "other-photo.png", 80, 40, seed=9)
    fake_engine.block = True
    window.stylize()
    qtbot.waitUntil(lambda: window.session.last_preview is not None, timeout=5000)
    assert window.inputs.set_photo(other)  # the artist moves on while it paints
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop()
    picture = window.shown
    assert picture is not None and picture.photo.name == photo.name
    assert picture.before is not None and picture.before.shape[:2] == (48, 64)  # the run's photo
    assert picture.suggested_name().startswith("photo-painting")
    saved = window.output.save_to(tmp_path / "out.png")
    assert saved is not None
    meta = read_metadata(saved)
    assert meta["content"] == photo.name and meta["stopped_early"] is True
    assert isinstance(meta["settings"]["seed"], int)  # the seed actually used, also when stopped


def test_removing_a_painting_after_the_run_keeps_it_in_the_saved_settings(
    qtbot, ready_window, painting: Path, tmp_path: Path
) -> None:
    window = ready_window
    paint(qtbot, window)
    window.gallery.remove(0)
    assert not window.gallery.styles()
    saved = window.output.save_to(tmp_path / "kept.png")
    assert saved is not None
    assert [s["name"] for s in read_metadata(saved)["styles"]] == [painting.name]


def test_a_batch_does_not_make_the_saved_picture_describe_the_window_photo(
    qtbot, ready_window, tmp_path: Path
) -> None:
    window = ready_window
    photos = [write_image(tmp_path / f"batch{i}.png", 40, 30, seed=i) for i in range(2)]
    window.batch.add(photos)
    window.batch.set_output_dir(tmp_path)
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    shown = window.shown
    assert shown is not None and shown.photo.name == "batch1.png"
    saved = window.output.save_to(tmp_path / "again.png")
    assert saved is not None and read_metadata(saved)["content"] == "batch1.png"


def test_every_run_becomes_a_version_that_survives_a_restart(
    qtbot, ready_window, make_window, tmp_path: Path
) -> None:
    window = ready_window
    paint(qtbot, window)
    window.controls.set_settings(window.controls.settings().replace(style_strength=3.0))
    paint(qtbot, window)
    ids = window.history.strip.ids()
    assert len(ids) == 2
    first, second = ids
    assert window.shown is not None and window.shown.id == second

    window.history.show(first)
    assert window.shown is not None and window.shown.id == first
    assert window.shown.settings.style_strength != 3.0

    window.history.compare(first, second)
    assert window.preview.view.has_pair()
    window.preview.end_compare()

    saved = window.output.save_to(tmp_path / "first.png")
    assert saved is not None
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)  # written in the background
    assert window.history.store.get(first).saved and not window.history.store.get(second).saved

    window.history.star(second, True)
    assert window.history.store.get(second).starred

    later = make_window()  # the next start of the app: the versions are there again
    assert later.history.strip.ids() == ids
    later.history.show(second)
    assert later.shown is not None and later.shown.settings.style_strength == 3.0
    assert later.shown.photo.name == "photo.png"


def test_deleting_an_unsaved_version_asks_first(qtbot, ready_window) -> None:
    window = ready_window
    paint(qtbot, window)
    (only,) = window.history.strip.ids()
    window.ask_yes_no = lambda text: False
    window.history.delete(only)
    assert window.history.strip.ids() == [only]
    window.ask_yes_no = lambda text: True
    window.history.delete(only)
    assert window.history.strip.ids() == [] and window.history.store.get(only) is None


def test_use_settings_from_a_picture_via_the_file_menu(qtbot, ready_window, tmp_path: Path) -> None:
    window = ready_window
    window.controls.set_settings(window.controls.settings().replace(style_strength=4.5))
    paint(qtbot, window)
    saved = window.output.save_to(tmp_path / "made.png")
    window.controls.set_settings(window.controls.settings().replace(style_strength=1.0))
    window.inputs.ask_open_paths = lambda title, key, many: [saved]
    window.menu_actions["use_settings"].trigger()
    assert window.controls.settings().style_strength == 4.5
    assert "Restored" in window.banner.text()

    plain = write_image(tmp_path / "plain.png")
    window.inputs.ask_open_paths = lambda title, key, many: [plain]
    window.menu_actions["use_settings"].trigger()
    assert window.banner.is_error and "no nst-desktop settings" in window.banner.text()


def test_undo_and_redo_control_changes(qtbot, window) -> None:
    start = window.controls.settings()
    window.controls.set_settings(start.replace(style_strength=2.0))
    window.look.undo._last = 0.0  # a separate change, not part of one slider drag
    window.controls.set_settings(start.replace(style_strength=3.0))
    window.look.undo_controls()
    assert window.controls.settings().style_strength == 2.0
    window.look.undo_controls()
    assert window.controls.settings().style_strength == start.style_strength
    window.look.redo_controls()
    assert window.controls.settings().style_strength == 2.0


def test_layout_at_1024x700(qtbot, window, photo: Path, painting: Path, tmp_path: Path) -> None:
    window.resize(1024, 700)
    window.inputs.set_photo(photo)
    window.inputs.add_style(painting)
    window.inputs.add_style(write_image(tmp_path / "second.png", 50, 50, seed=5))
    qtbot.wait(50)
    window.progress.setFormat("Level 3/3 · step 240/300 · about 1 min 20 s left")
    qtbot.wait(20)
    assert not window.progress.is_elided()
    assert window.preview.view.height() >= 280  # the picture gets the most space (4 in 10 of the height)
    assert not window.loss_plot.isVisible()  # behind Details
    bar = window.left.verticalScrollBar()
    assert bar.maximum() == 0, "the left panel should fit without scrolling with two paintings"
    before = window.left.width()
    window.controls.advanced_toggle.setChecked(True)
    qtbot.wait(20)
    window.controls.advanced_toggle.setChecked(False)
    qtbot.wait(20)
    assert window.left.minimumWidth() <= before  # Advanced does not widen the panel for good
    y = window.preview.mapTo(window, window.preview.rect().topLeft()).y()
    window.show_message("Something to say", error=True)
    qtbot.wait(20)
    assert window.preview.mapTo(window, window.preview.rect().topLeft()).y() == y  # nothing moved


def test_information_banners_go_away_and_errors_go_when_solved(qtbot, window, photo: Path) -> None:
    window.show_message("Add a photo first.", error=True)
    window.inputs.set_photo(photo)
    assert not window.banner.isVisible()
    window._info_timer.setInterval(10)
    window.show_message("Saved it.", error=False)
    window._info_timer.start(10)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=2000)


def test_a_path_copied_as_text_pastes_as_the_photo(qtbot, window, photo: Path) -> None:
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(str(photo))
    window.inputs.paste_photo()
    assert window.content is not None and window.content.name == photo.name


def test_batch_settings_are_fixed_at_the_start(
    qtbot, ready_window, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    window = ready_window
    fake_engine.step_seconds = 0.01
    photos = [write_image(tmp_path / f"b{i}.png", 40, 30, seed=i) for i in range(3)]
    window.batch.add(photos)
    window.batch.set_output_dir(tmp_path)
    window.batch_tab.start()
    qtbot.waitUntil(lambda: len(fake_engine.calls) >= 1, timeout=5000)
    window.controls.set_settings(window.controls.settings().replace(style_strength=7.0))
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=20_000)
    assert len(fake_engine.calls) == 3
    assert {c.style_strength for c in fake_engine.calls} == {1.0}


def test_picture_record_is_immutable(qtbot, ready_window) -> None:
    window = ready_window
    paint(qtbot, window)
    picture = window.shown
    assert picture is not None
    try:
        picture.pixels[0, 0, 0] = 1
    except ValueError:
        pass
    else:
        raise AssertionError("a picture's pixels must be read-only")
    assert isinstance(np.asarray(picture.pixels), np.ndarray)


def test_settings_qsettings_isolated(qsettings: QSettings) -> None:
    assert qsettings.fileName().endswith("settings.ini")


def test_a_long_run_is_confirmed_with_the_expected_time(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    from nst_desktop.gui.main_window import estimate

    window = ready_window
    window.controls.set_settings(window.controls.settings().replace(size=512, steps=300))
    settings = window.controls.settings()
    window.qsettings.setValue(f"run/seconds_per_unit/{settings.device}", 50.0)  # a very slow computer
    asked: list[str] = []
    window.ask_yes_no = lambda text: asked.append(text) or False
    window.stylize()
    assert asked and "will take about" in asked[0]
    assert not window.controller.busy and not fake_engine.calls  # declined: nothing started
    expected = estimate.expected_seconds(window, settings)
    assert expected is not None and expected > estimate.WARN_SECONDS

    window.qsettings.setValue(f"run/seconds_per_unit/{settings.device}", 1e-6)  # a fast one
    asked.clear()
    window.controls.set_settings(settings.replace(size=48, steps=5))
    paint(qtbot, window)
    assert not asked and fake_engine.calls


def test_done_text_goes_when_the_photo_changes(qtbot, ready_window, tmp_path: Path) -> None:
    window = ready_window
    paint(qtbot, window)
    assert window.progress.format().startswith("Done")
    window.inputs.set_photo(write_image(tmp_path / "next.png"))
    assert window.progress.format() == "Ready"


def test_the_picture_can_be_dragged_out_as_a_file_with_its_settings(qtbot, ready_window) -> None:
    window = ready_window
    assert window.run_bar.drag_button.mime_data() is None
    paint(qtbot, window)
    mime = window.run_bar.drag_button.mime_data()
    assert mime is not None and mime.hasImage()
    (url,) = mime.urls()
    path = Path(url.toLocalFile())
    assert path.is_file() and read_metadata(path)["content"] == "photo.png"


def test_help_lists_the_shortcuts_from_the_action_table(window) -> None:
    from nst_desktop.gui.main_window import actions

    text = actions.shortcuts_text()
    assert "F11" in text and "Paint" in text and "Undo" in text
    assert window.menu_actions["full_screen"].shortcut().toString() == "F11"


def test_the_window_title_shows_progress_while_painting(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    window = ready_window
    fake_engine.block = True
    window.stylize()
    qtbot.waitUntil(lambda: "%" in window.windowTitle(), timeout=5000)
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop()
    assert "%" not in window.windowTitle() and "photo.png" in window.windowTitle()


def test_the_command_line_takes_settings_from_a_picture() -> None:
    from nst_desktop.gui import app

    args, _qt = app._parse(["photo.jpg", "--settings-from", "made.png"])
    assert args.settings_from == Path("made.png") and args.content == Path("photo.jpg")


def test_advanced_never_makes_a_small_window_wider(qtbot, window) -> None:
    window.resize(1024, 700)
    qtbot.wait(20)
    window.controls.advanced_toggle.setChecked(True)
    qtbot.wait(20)
    assert window.minimumSizeHint().width() <= 1024 and window.width() <= 1024
    window.controls.advanced_toggle.setChecked(False)
    qtbot.wait(20)
    assert window.width() <= 1024


def test_full_screen_can_be_left_with_its_shortcut(qtbot, window) -> None:
    window.view.toggle_full_screen()
    assert not window.menuBar().isVisible()
    action = window.menu_actions["full_screen"]
    assert action in window.actions()  # on the window too: shortcuts live on with the menu bar hidden
    action.trigger()
    assert window.menuBar().isVisible() and not window.isFullScreen()


def test_space_while_comparing_shows_b_and_never_stars(qtbot, ready_window) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = ready_window
    paint(qtbot, window)
    window.controls.set_settings(window.controls.settings().replace(style_strength=2.0))
    paint(qtbot, window)
    first, second = window.history.strip.ids()
    window.history.compare(first, second)
    window.history.strip.list.setFocus()
    QTest.keyPress(window.history.strip.list, Qt.Key.Key_Space)
    assert window.preview.view.showing_b()
    QTest.keyRelease(window.history.strip.list, Qt.Key.Key_Space)
    assert not window.preview.view.showing_b()
    assert not any(v.starred for v in window.history.store.versions())


def test_tab_reaches_the_painting_cards_in_reading_order(qtbot, ready_window, tmp_path: Path) -> None:
    window = ready_window
    window.inputs.add_style(write_image(tmp_path / "second.png", 50, 50, seed=5))
    first, second = window.gallery.cards()
    chain = []
    widget = window.photo_area
    for _ in range(80):
        widget = widget.nextInFocusChain()
        chain.append(widget)
    order = [chain.index(w) for w in (first.weight, first.remove_button, second.weight, second.remove_button)]
    assert order == sorted(order)
    assert chain.index(second.remove_button) < chain.index(window.gallery.drop_area)


def test_deleting_the_version_on_show_takes_it_off_the_screen(qtbot, ready_window) -> None:
    window = ready_window
    paint(qtbot, window)
    (only,) = window.history.strip.ids()
    window.ask_yes_no = lambda text: True
    window.history.delete(only)
    assert window.shown is None and window.progress.format() == "Ready"
    assert not window.save_button.isEnabled()


def test_the_photo_and_paintings_come_back_at_the_next_start(
    qtbot, ready_window, make_window, photo: Path, painting: Path
) -> None:
    from nst_desktop.gui import app

    window = ready_window
    window.gallery.set_weight(0, 2.5)
    window.save_state()
    later = make_window()
    app.open_initial_images(later, None, [])
    assert later.content is not None and later.content.path == photo
    assert [(s.path, s.weight) for s in later.gallery.styles()] == [(painting, 2.5)]


def test_a_print_size_run_warns_with_memory_and_tiles(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    window = ready_window
    window.controls.set_settings(window.controls.settings().replace(size=4096, memory_budget_mb=1024))
    asked: list[str] = []
    window.ask_yes_no = lambda text: asked.append(text) or False
    window.stylize()
    assert asked and "GB of memory" in asked[0] and "tiles" in asked[0]
    # A 4096 px picture cannot fit 1 GB even in the smallest tiles: the question says by how much.
    assert "more than the 1.0 GB it may use" in asked[0]
    assert not fake_engine.calls
    assert asked[0].endswith("Paint anyway?")  # the facts first, the question last
    assert "take a long time" not in asked[0]  # no speed measured yet: nothing said of time
    window.controls.set_settings(window.controls.settings().replace(memory_budget_mb=16384))
    window.stylize()
    assert "painted in tiles, to fit in memory" in asked[1] and "more than" not in asked[1]


class InvertingEngine(FakeEngine):
    """Paints the photo's negative, so a fade towards the photo is visible."""

    def stylize(self, content, styles, settings, **kwargs):  # type: ignore[no-untyped-def]
        from dataclasses import replace as dc_replace

        result = super().stylize(content, styles, settings, **kwargs)
        negative = 1.0 - result.image_float
        return dc_replace(result, image_float=negative, image=(negative * 255).round().astype(np.uint8))


def test_fade_acts_on_a_finished_picture_without_painting_again(
    qtbot, make_window, photo: Path, painting: Path, tmp_path: Path
) -> None:
    engine = InvertingEngine()
    window = make_window(engine)
    window.inputs.set_photo(photo)
    window.inputs.add_style(painting)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=5, seed=3, strength=0.5))
    paint(qtbot, window)
    assert engine.calls[-1].strength == 1.0  # painted at full strength, faded after
    half = window.shown
    assert half is not None and half.settings.strength == 0.5
    window.controls.strength.set_value(1.0)
    full = window.shown
    assert full is not None and full is not half and full.settings.strength == 1.0
    assert len(engine.calls) == 1, "no new run"
    assert abs(float(full.pixels.mean()) - float(half.pixels.mean())) > 1.0
    saved = window.output.save_to(tmp_path / "full.png")
    assert saved is not None and read_metadata(saved)["settings"]["strength"] == 1.0
