"""The flows an artist hit in the hands-on pass of issue 18, through the real window on the
fake engine: Fade on a fast style, before/after after a batch, Ctrl+Z in a number box, the
title's % in time, Esc in full screen, the history strip after a restart, the remembered
preset, a long banner, and the Tab order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nst_desktop.engine import Progress, Settings
from nst_desktop.engine.images import read_metadata

from .conftest import FakeEngine, write_image


class NegativeEngine(FakeEngine):
    """Paints the photo's negative (for any method, a fast style included), so a fade towards
    the photo changes the picture visibly."""

    def stylize(self, content, styles, settings, **kwargs):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        result = super().stylize(content, styles, settings, **kwargs)
        negative = 1.0 - result.image_float
        return replace(result, image_float=negative, image=(negative * 255).round().astype(np.uint8))


def _paint_fast(qtbot, window, name: str = "Tiny") -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.modes.apply_fast_style(name)


# 1. Fade on a fast-style picture --------------------------------------------------------------


def test_fade_scrubbing_on_a_fast_style_picture_adds_no_version(
    qtbot, make_window, photo: Path, tmp_path: Path
) -> None:
    engine = NegativeEngine()
    window = make_window(engine)
    assert window.inputs.set_photo(photo)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=3, strength=0.5))
    _paint_fast(qtbot, window)
    assert engine.calls[-1].method == "fast" and engine.calls[-1].strength == 1.0  # faded here
    painted = window.shown
    assert painted is not None and painted.settings.strength == 0.5 and painted.can_fade
    assert len(window.history.strip.ids()) == 1

    # One drag of the Fade slider: many values, each shown at once.
    slider = window.controls.strength.slider
    slider.setSliderDown(True)
    for position in range(500, 1001, 50):
        slider.setValue(position)
        assert not window.controller.busy, "no repaint"
    slider.setSliderDown(False)
    window.controls.strength.set_value(0.8)
    qtbot.wait(50)
    assert not window.controller.busy and len(engine.calls) == 1
    assert len(window.history.strip.ids()) == 1, "fade scrubbing adds no version"
    shown = window.shown
    assert shown is not None and shown.id == painted.id and shown.settings.strength == 0.8
    assert abs(float(shown.pixels.mean()) - float(painted.pixels.mean())) > 1.0

    # The fade is recorded with the picture when it is saved.
    saved = window.output.save_to(tmp_path / "faded.png")
    assert saved is not None
    meta = read_metadata(saved)
    assert meta["settings"]["method"] == "fast" and meta["settings"]["strength"] == 0.8
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)
    assert len(window.history.store.versions()) == 1

    # Keep colours still repaints the fast style (one more version, painted from the photo).
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controls.set_settings(window.controls.settings().replace(keep_colors="luminance"))
    assert len(engine.calls) == 2 and engine.calls[-1].strength == 1.0


def test_a_faded_picture_can_be_faded_anew_after_a_restart(qtbot, make_window, photo: Path) -> None:
    """Its version keeps the picture before the fade, so the next start of the app moves Fade
    on it without painting again (it used to come back at the Fade it was kept with)."""
    engine = NegativeEngine()
    window = make_window(engine)
    assert window.inputs.set_photo(photo)
    window.controls.set_settings(window.controls.settings().replace(size=48, steps=3, strength=0.5))
    _paint_fast(qtbot, window)
    painted = window.shown
    assert painted is not None and painted.settings.strength == 0.5
    full = painted.record.faded(1.0, painted.photo_for_fade())
    qtbot.waitUntil(lambda: not window.history.writer.busy, timeout=10_000)
    (version_id,) = window.history.strip.ids()
    window.close()

    later = make_window(engine)  # the next start: the same history folder, nothing in memory
    assert window.history.store.folder == later.history.store.folder
    assert later.inputs.set_photo(photo)
    later.history.show(version_id)
    shown = later.shown
    assert shown is not None and shown.id == version_id and shown.can_fade
    later.controls.strength.set_value(1.0)
    qtbot.waitUntil(lambda: later.shown is not None and later.shown.settings.strength == 1.0, timeout=5000)
    assert len(engine.calls) == 1, "no repaint"
    again = later.shown
    assert again is not None and np.abs(again.pixels.astype(int) - full.image.astype(int)).max() <= 1


def test_a_batch_writes_its_files_faded_by_the_pipeline(qtbot, ready_window, tmp_path: Path) -> None:
    """A batch job writes its own file: it is painted at the Fade asked, not faded afterwards
    in the window only (the row would show a faded picture and the file an unfaded one)."""
    window = ready_window
    window.controls.set_settings(window.controls.settings().replace(strength=0.5))
    window.batch.add([write_image(tmp_path / "b.png", 40, 30, seed=4)])
    out = tmp_path / "out"
    out.mkdir()
    window.batch.set_output_dir(out)
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    (written,) = [p for p in out.iterdir() if p.suffix == ".png"]
    assert read_metadata(written)["settings"]["strength"] == 0.5


# 4. Before/after right after a batch ----------------------------------------------------------


def _before_size(window) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    before = window.preview.view.item.before
    return None if before is None else (before.width(), before.height())


def test_before_after_after_a_batch_compares_with_the_batch_photo(
    qtbot, ready_window, tmp_path: Path
) -> None:
    window = ready_window
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize()
    assert _before_size(window) == (64, 48)  # the window's photo, for its own picture
    photos = [write_image(tmp_path / f"batch{i}.png", 40, 30, seed=i) for i in range(2)]
    window.batch.add(photos)
    window.batch.set_output_dir(tmp_path)
    window.batch_tab.start()
    qtbot.waitUntil(lambda: not window.batch_runner.running and not window.controller.busy, timeout=10_000)
    assert window.shown is not None and window.shown.photo.name == "batch1.png"
    assert _before_size(window) != (64, 48), "never the unrelated single photo"
    window.view.toggle_before_after()
    assert window.preview.compare.isChecked()
    assert _before_size(window) == (40, 30)  # batch1.png itself
    window.view.toggle_before_after()
    # Holding B reads it too, for the next picture shown.
    window.history.show(window.history.strip.ids()[0])
    assert _before_size(window) == (64, 48)


# 5. Ctrl+Z in a number box --------------------------------------------------------------------


def test_ctrl_z_in_a_spin_box_undoes_the_control_change(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    start = window.controls.settings().style_strength
    box = window.controls.style_strength.spin
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, "2.5")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert window.controls.settings().style_strength == 2.5
    window.look.undo._last = 0.0  # the next value is a step of its own, not part of a drag
    box.selectAll()
    QTest.keyClicks(box, "3")  # typed, not committed yet: Ctrl+Z commits it, then undoes it
    QTest.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.controls.settings().style_strength == 2.5
    assert box.hasFocus()
    QTest.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.controls.settings().style_strength == start
    QTest.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.controls.settings().style_strength == 2.5
    # The seed's box (a whole-number box of its own) takes part too.
    window.controls.set_settings(window.controls.settings().replace(seed=7))
    window.look.undo._last = 0.0
    seed = window.controls.seed
    seed.setFocus()
    seed.selectAll()
    QTest.keyClicks(seed, "42")
    QTest.keyClick(seed, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.controls.settings().seed == 7 and seed.value() == 7
    QTest.keyClick(seed, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.controls.settings().seed == 42


# 6. The title's % follows time ----------------------------------------------------------------


def test_the_title_percent_follows_the_time_estimate() -> None:
    from nst_desktop.gui.main_window.window import time_fraction

    def progress(
        step: int, total: int, elapsed: float, eta: float | None, budget: float | None = None
    ) -> Progress:
        return Progress("painting", step, total, 2, 3, (8, 8), elapsed=elapsed, eta=eta, budget_used=budget)

    # 87 % of the steps at half the time: the cheap coarse levels are behind.
    assert time_fraction(progress(261, 300, 60.0, 60.0)) == 0.5
    # A print's first tile: no step done, but a fifth of the time.
    assert time_fraction(progress(0, 300, 120.0, 480.0)) == 0.2
    assert time_fraction(progress(150, 300, 5.0, None)) == 0.5  # no estimate yet: steps
    assert time_fraction(progress(10, 999, 300.0, 10.0, budget=0.25)) == 0.25  # a time budget


def test_the_window_title_and_bar_show_the_time_share(qtbot, ready_window, fake_engine: FakeEngine) -> None:
    window = ready_window
    fake_engine.block = True
    window.stylize()
    qtbot.waitUntil(lambda: "%" in window.windowTitle(), timeout=5000)
    window.session.progressed.emit(Progress("painting", 261, 300, 2, 3, (8, 8), elapsed=60.0, eta=60.0))
    assert window.windowTitle().startswith("50% — ") and window.progress.value() == 500
    with qtbot.waitSignal(window.controller.finished, timeout=5000):
        window.stop()


# 10. Esc, the history strip, the preset, the banner --------------------------------------------


def test_esc_leaves_the_full_screen_picture(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.view.toggle_full_screen()
    assert window.isFullScreen() and not window.menuBar().isVisible()
    assert window.menu_actions["stop"].isEnabled()  # nothing runs: Esc is there to leave
    QTest.keyClick(window.preview.view, Qt.Key.Key_Escape)
    assert not window.isFullScreen() and window.menuBar().isVisible()
    assert not window.menu_actions["stop"].isEnabled()


def test_after_a_restart_the_history_strip_shows_the_newest(qtbot, ready_window, make_window) -> None:
    window = ready_window
    store = window.history.store
    for i in range(14):
        store.add(np.full((30, 40, 3), i * 15, np.uint8), settings=Settings(seed=i))
    window.save_state()
    later = make_window()
    later.resize(1024, 700)
    qtbot.waitExposed(later)
    qtbot.wait(50)
    bar = later.history.strip.list.horizontalScrollBar()
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum(), "the newest versions are in view"
    newest = later.history.strip.ids()[-1]
    rect = later.history.strip.list.visualItemRect(later.history.strip._items[newest])
    assert later.history.strip.list.viewport().rect().contains(rect.center())


def test_the_chosen_preset_is_remembered(qtbot, make_window) -> None:
    window = make_window()
    bar = window.preset_bar
    name = bar.names()[-1]
    assert bar.select(name)
    window.save_state()
    later = make_window()
    assert later.preset_bar.current_name() == name
    assert not later.preset_bar.is_modified()  # its look, as it was left
    # Changed controls after choosing it: named again, marked modified, never applied again.
    strength = later.controls.settings().style_strength
    later.controls.set_settings(later.controls.settings().replace(style_strength=strength * 3 + 0.5))
    later.save_state()
    third = make_window()
    assert third.preset_bar.current_name() == name and third.preset_bar.is_modified()
    assert third.controls.settings().style_strength == strength * 3 + 0.5


def test_a_long_banner_wraps_or_elides_with_the_whole_text_in_its_tooltip(qtbot, window) -> None:
    window.resize(1024, 700)
    qtbot.waitExposed(window)
    path = "C:\\Users\\someone\\Pictures\\Holidays_2023_Summer_Rome\\IMG_20230812_123456789_HDR_edited.jpg"
    window.show_message(f"Could not read {path}: the file is damaged.")
    qtbot.wait(20)
    banner, label = window.banner, window.banner.label
    assert banner.text() == f"Could not read {path}: the file is damaged."
    assert label.width() <= banner.width()
    assert label.height() >= label.heightForWidth(label.width()), "no line is cut off at the bottom"
    assert label.geometry().bottom() <= banner.rect().bottom()
    assert "damaged." in label.text()  # it wrapped: all of it is there
    window.show_message(" ".join([f"A long message, part {i}, about {path}." for i in range(10)]))
    qtbot.wait(20)
    assert label.text().endswith("…") and "part 9" not in label.text()
    assert label.height() <= 5 * label.fontMetrics().lineSpacing() + 4
    assert "part 9" in label.toolTip()


# 11. The Tab order ------------------------------------------------------------------------------


def test_tab_starts_at_the_photo_then_paintings_controls_paint_and_the_picture(qtbot, ready_window) -> None:
    window = ready_window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    assert QApplication.focusWidget() is window.photo_area
    card = window.gallery.cards()[0]
    wanted = [
        card.weight,
        window.preset_bar.combo,
        window.controls.style_strength.slider,
        window.controls.advanced_toggle,
        window.stylize_button,
        window.preview.view,
    ]
    seen = []
    for _ in range(40):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert all(w in seen for w in wanted)
    order = [seen.index(w) for w in wanted]
    assert order == sorted(order)
    assert window.left not in seen  # the panel's scroll area is no stop of its own


# 2. A version as the start of the next try --------------------------------------------------


def test_a_versions_settings_are_the_start_of_the_next_try(qtbot, ready_window) -> None:  # type: ignore[no-untyped-def]
    window = ready_window
    ticks = iter(range(0, 1000, 10))  # an artist's pace: no two edits merge into one undo step
    window.look.undo.clock = lambda: float(next(ticks))
    used = window.controls.settings().replace(size=48, steps=3, seed=4242, style_strength=1.7)
    window.controls.set_settings(used)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.stylize()
    (version_id,) = window.history.strip.ids()
    window.controls.set_settings(used.replace(seed=7, style_strength=0.4))  # the artist moves on

    menu = window.history.strip.build_menu(version_id)
    (action,) = [a for a in menu.actions() if a.text() == "Use these settings"]
    action.trigger()
    now = window.controls.settings()
    assert now.seed == 4242 and now.style_strength == 1.7 and now.steps == 3
    assert "Using the settings of the version from" in window.statusBar().currentMessage()
    window.look.undo.undo()  # one step back: the settings the artist had moved on to
    assert window.controls.settings().seed == 7
