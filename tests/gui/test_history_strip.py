"""The history strip on its own: what it shows, and what it asks for by mouse, menu and keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from nst_desktop.engine import Settings
from nst_desktop.engine.versions import SourceRef, Version, VersionStore
from nst_desktop.gui.widgets.history_strip import HistoryStrip


@pytest.fixture
def store(tmp_path: Path) -> VersionStore:
    store = VersionStore(tmp_path / "session")
    for i, colour in enumerate(((200, 40, 40), (40, 200, 40), (40, 40, 200))):
        picture = np.empty((60, 90, 3), np.uint8)
        picture[:] = colour
        store.add(
            picture,
            settings=Settings(seed=i),
            complete=i != 1,
            progress=0.4,
            photo=SourceRef("<b>photo</b>.jpg" if i == 0 else "photo.jpg"),
            paintings=[SourceRef("starry.jpg")],
        )
    return store


@pytest.fixture
def strip(qtbot, store: VersionStore) -> HistoryStrip:
    widget = HistoryStrip()
    qtbot.addWidget(widget)
    widget.resize(700, 140)
    widget.load_from(store)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _center(strip: HistoryStrip, version_id: str) -> QPoint:
    return strip.list.visualItemRect(strip._items[version_id]).center()


def _cell_image(strip: HistoryStrip, version_id: str) -> QImage:
    rect = strip.list.visualItemRect(strip._items[version_id])
    return strip.list.viewport().grab(rect).toImage()


def _count_near(image: QImage, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - rgb[0]) + abs(c.green() - rgb[1]) + abs(c.blue() - rgb[2]) < tolerance:
                count += 1
    return count


def test_empty_state_says_what_will_appear(qtbot) -> None:
    strip = HistoryStrip(limit=12)
    qtbot.addWidget(strip)
    assert strip.stack.currentWidget() is strip.empty_label
    assert "No versions yet" in strip.empty_label.text() and "12" in strip.empty_label.text()
    assert strip.empty_label.textFormat() == Qt.TextFormat.PlainText
    assert not strip.star_button.isEnabled() and not strip.delete_button.isEnabled()


def test_shows_the_versions_oldest_left_with_plain_tooltips(strip: HistoryStrip, store: VersionStore) -> None:
    versions = store.versions()
    assert strip.ids() == [v.id for v in versions]
    assert strip.stack.currentWidget() is strip.list
    assert strip.title.text() == "History (3)"
    tooltip = strip._items[versions[0].id].toolTip()
    assert "&lt;b&gt;photo&lt;/b&gt;" in tooltip and "<b>" not in tooltip
    assert "seed 0" in tooltip
    assert (
        strip.list.visualItemRect(strip._items[versions[0].id]).x()
        < strip.list.visualItemRect(strip._items[versions[2].id]).x()
    )
    assert "stopped at 40%" in strip._items[versions[1].id].text()


def test_stopped_and_starred_versions_are_marked_visibly(strip: HistoryStrip, store: VersionStore) -> None:
    first, stopped, _ = store.versions()
    starred = store.star(first.id)
    assert starred is not None
    strip.update_version(starred)
    orange, gold = (196, 82, 20), (255, 196, 0)
    assert _count_near(_cell_image(strip, stopped.id), orange) > 20
    assert _count_near(_cell_image(strip, first.id), orange) == 0
    assert _count_near(_cell_image(strip, first.id), gold) > 5
    assert _count_near(_cell_image(strip, stopped.id), gold) == 0
    assert "starred" in strip._items[first.id].text()


def test_click_selects_and_keys_move(qtbot, strip: HistoryStrip, store: VersionStore) -> None:
    a, b, c = (v.id for v in store.versions())
    with qtbot.waitSignal(strip.selected, timeout=1000) as blocker:
        qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=_center(strip, b))
    assert blocker.args == [b] and strip.selected_id() == b
    # Clicking the selected one again shows it again (e.g. after the live picture).
    with qtbot.waitSignal(strip.selected, timeout=1000) as blocker:
        qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=_center(strip, b))
    assert blocker.args == [b]
    strip.list.setFocus()
    with qtbot.waitSignal(strip.selected, timeout=1000) as blocker:
        qtbot.keyClick(strip.list, Qt.Key.Key_Right)
    assert blocker.args == [c]


def test_select_from_the_window_is_quiet_unless_asked(
    qtbot, strip: HistoryStrip, store: VersionStore
) -> None:
    a = store.versions()[0].id
    with qtbot.assertNotEmitted(strip.selected):
        strip.select(a)
    assert strip.selected_id() == a
    with qtbot.waitSignal(strip.selected, timeout=1000):
        strip.select(store.versions()[2].id, notify=True)
    strip.select(None)
    assert strip.selected_id() is None


def test_star_delete_and_save_by_key_and_button(qtbot, strip: HistoryStrip, store: VersionStore) -> None:
    a = store.versions()[0].id
    strip.select(a)
    strip.list.setFocus()
    with qtbot.waitSignal(strip.star_toggled, timeout=1000) as blocker:
        qtbot.keyClick(strip.list, Qt.Key.Key_S)
    assert blocker.args == [a, True]
    # The strip shows what the window says, not what was asked.
    assert not strip.star_button.isChecked()
    starred = store.star(a)
    assert starred is not None
    strip.update_version(starred)
    assert strip.star_button.isChecked() and "Starred" in strip.star_button.text()
    with qtbot.waitSignal(strip.star_toggled, timeout=1000) as blocker:
        strip.star_button.click()
    assert blocker.args == [a, False]
    with qtbot.waitSignal(strip.delete_requested, timeout=1000) as blocker:
        qtbot.keyClick(strip.list, Qt.Key.Key_Delete)
    assert blocker.args == [a]
    with qtbot.waitSignal(strip.save_requested, timeout=1000) as blocker:
        strip.save_button.click()
    assert blocker.args == [a]
    with qtbot.waitSignal(strip.delete_requested, timeout=1000) as blocker:
        strip.delete_button.click()
    assert blocker.args == [a]


def test_ctrl_click_compares_with_the_selected(qtbot, strip: HistoryStrip, store: VersionStore) -> None:
    a, b, c = (v.id for v in store.versions())
    strip.select(a)
    with (
        qtbot.assertNotEmitted(strip.selected),
        qtbot.waitSignal(strip.compare_requested, timeout=1000) as blocker,
    ):
        qtbot.mouseClick(
            strip.list.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ControlModifier,
            _center(strip, c),
        )
    assert blocker.args == [a, c]
    assert strip.selected_id() == a


def test_mark_then_compare_by_keyboard(qtbot, strip: HistoryStrip, store: VersionStore) -> None:
    a, b, _ = (v.id for v in store.versions())
    strip.select(a)
    strip.list.setFocus()
    qtbot.keyClick(strip.list, Qt.Key.Key_C)
    assert strip.compare_mark() == a
    assert strip.compare_button.text() == "Compare with A" and not strip.compare_button.isEnabled()
    assert _count_near(_cell_image(strip, a), (40, 120, 220)) > 5  # the "A" badge
    qtbot.keyClick(strip.list, Qt.Key.Key_Right)
    assert strip.selected_id() == b and strip.compare_button.isEnabled()
    with qtbot.waitSignal(strip.compare_requested, timeout=1000) as blocker:
        qtbot.keyClick(strip.list, Qt.Key.Key_C)
    assert blocker.args == [a, b]
    assert strip.compare_mark() is None
    qtbot.keyClick(strip.list, Qt.Key.Key_C)
    qtbot.keyClick(strip.list, Qt.Key.Key_Escape)
    assert strip.compare_mark() is None


def test_right_click_keeps_the_selection_and_the_menu_acts_on_the_item(
    qtbot, strip: HistoryStrip, store: VersionStore
) -> None:
    a, b, c = (v.id for v in store.versions())
    strip.select(a)
    qtbot.mousePress(strip.list.viewport(), Qt.MouseButton.RightButton, pos=_center(strip, c))
    qtbot.mouseRelease(strip.list.viewport(), Qt.MouseButton.RightButton, pos=_center(strip, c))
    assert strip.selected_id() == a
    menu = strip.build_menu(c)
    actions = {action.text(): action for action in menu.actions() if action.text()}
    assert actions["Compare with the selected version"].isEnabled()
    with qtbot.waitSignal(strip.compare_requested, timeout=1000) as blocker:
        actions["Compare with the selected version"].trigger()
    assert blocker.args == [a, c]
    with qtbot.waitSignal(strip.save_requested, timeout=1000) as blocker:
        actions["Save as…"].trigger()
    assert blocker.args == [c]
    with qtbot.waitSignal(strip.star_toggled, timeout=1000) as blocker:
        actions["Star (keep for good)"].trigger()
    assert blocker.args == [c, True]
    with qtbot.waitSignal(strip.delete_requested, timeout=1000) as blocker:
        actions["Delete"].trigger()
    assert blocker.args == [c]
    actions["Mark as A for comparing"].trigger()
    assert strip.compare_mark() == c
    marked = {action.text(): action for action in strip.build_menu(b).actions()}
    with qtbot.waitSignal(strip.compare_requested, timeout=1000) as blocker:
        marked["Compare with the version marked A"].trigger()
    assert blocker.args == [c, b]
    own = {action.text(): action for action in strip.build_menu(a).actions()}
    assert not own["Compare with the selected version"].isEnabled()  # not with itself


def test_add_update_remove_and_reload(qtbot, strip: HistoryStrip, store: VersionStore) -> None:
    a, b, c = (v.id for v in store.versions())
    strip.select(b)
    added = store.add(np.zeros((30, 40, 3), np.uint8), settings=Settings()).version
    with qtbot.assertNotEmitted(strip.selected):
        strip.add_version(added, store.thumbnail(added.id))
    assert strip.ids()[-1] == added.id and strip.selected_id() == added.id
    strip.remove_version(added.id)
    strip.remove_version("unknown")
    assert added.id not in strip.ids() and len(strip.ids()) == 3
    strip.select(b)
    strip.set_versions(store.versions()[:2])
    assert strip.selected_id() == b and strip.ids() == [a, b]
    strip.mark_for_compare(a)
    strip.set_versions([])
    assert strip.compare_mark() is None
    assert strip.stack.currentWidget() is strip.empty_label and strip.title.text() == "History"


def test_removing_the_selected_version_leaves_none_selected(
    qtbot, strip: HistoryStrip, store: VersionStore
) -> None:
    a, b, c = (v.id for v in store.versions())
    strip.select(b)
    with qtbot.assertNotEmitted(strip.selected):
        strip.remove_version(b)
    assert strip.selected_id() is None and not strip.delete_button.isEnabled()
    strip.select(a)
    strip.remove_version(c)
    assert strip.selected_id() == a


def test_the_mouse_wheel_scrolls_a_long_strip_sideways(qtbot, store: VersionStore) -> None:
    strip = HistoryStrip()
    qtbot.addWidget(strip)
    for _ in range(7):
        store.add(np.zeros((30, 40, 3), np.uint8), settings=Settings())
    strip.load_from(store)
    strip.resize(400, 140)
    strip.show()
    qtbot.waitExposed(strip)
    bar = strip.list.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    pos = QPointF(strip.list.viewport().rect().center())
    event = QWheelEvent(
        pos,
        strip.list.viewport().mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(strip.list.viewport(), event)
    assert bar.value() > 0


def test_a_missing_thumbnail_still_shows_the_version(qtbot) -> None:
    strip = HistoryStrip()
    qtbot.addWidget(strip)
    version = Version(id="20200101-000000-000-00000001", created=0.0, settings=Settings(), size=(10, 10))
    strip.add_version(version, None)
    strip.show()
    qtbot.waitExposed(strip)
    assert strip.ids() == [version.id]
    assert not strip.grab().toImage().isNull()
    QApplication.processEvents()
