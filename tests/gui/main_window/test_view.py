"""The view part alone: B held, Details, full screen and the tabs' height, on its own widgets."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QPushButton, QSplitter, QTabWidget, QWidget

from nst_desktop.gui.main_window.view import SHORT_TAB, TALL_TAB, PictureView
from nst_desktop.gui.widgets.preview import PreviewPanel


def _key(
    kind: QEvent.Type, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> QKeyEvent:
    return QKeyEvent(kind, key, modifiers)


class Parts:
    """The widgets a PictureView works on, built bare (no window)."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.host = QWidget()
        qtbot.addWidget(self.host)
        self.preview = PreviewPanel(self.host)
        self.loss_plot = QWidget(self.host)
        self.loss_plot.hide()
        self.details = QPushButton("Details", self.host)
        self.details.setCheckable(True)
        self.chrome = [QWidget(self.host), QWidget(self.host)]
        self.splitter = QSplitter(Qt.Orientation.Vertical, self.host)
        self.splitter.addWidget(QWidget())
        self.tabs = QTabWidget()
        self.short, self.tall = QWidget(), QWidget()
        self.tabs.addTab(self.short, "short")
        self.tabs.addTab(self.tall, "tall")
        self.splitter.addWidget(self.tabs)
        self.splitter.resize(400, 1000)
        self.view = PictureView(
            self.host,
            self.preview,
            self.loss_plot,
            self.details,
            self.chrome,
            self.tabs,
            self.splitter,
            self.tall,
        )
        self.host.show()


def test_holding_b_shows_the_photo_and_asks_for_it_once_then_puts_the_compare_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = Parts(qtbot)
    image = QImage(8, 8, QImage.Format.Format_RGB888)
    p.preview.view.set_image(image)
    p.preview.view.set_comparing(False)
    p.preview.view.set_split(0.3)
    asked: list[bool] = []
    p.view.before_wanted.connect(lambda: asked.append(True))
    assert p.view.key_pressed(_key(QEvent.Type.KeyPress, Qt.Key.Key_B))
    assert p.view.key_pressed(_key(QEvent.Type.KeyPress, Qt.Key.Key_B))  # no second ask while held
    assert asked == [True] and p.view.holding_before
    assert p.preview.view.item.comparing and p.preview.view.item.split == 1.0
    assert p.view.key_released(_key(QEvent.Type.KeyRelease, Qt.Key.Key_B))
    assert not p.view.holding_before and not p.preview.view.item.comparing
    assert abs(p.preview.view.item.split - 0.3) < 1e-9


def test_keys_it_does_not_own_are_left_to_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = Parts(qtbot)
    assert not p.view.key_pressed(
        _key(QEvent.Type.KeyPress, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    )
    assert not p.view.key_pressed(_key(QEvent.Type.KeyPress, Qt.Key.Key_Space))  # no pair compared
    assert not p.view.key_pressed(_key(QEvent.Type.KeyPress, Qt.Key.Key_A))
    assert not p.view.holding_before


def test_details_follow_the_button_both_ways(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = Parts(qtbot)
    p.details.setChecked(True)
    assert p.loss_plot.isVisible()
    p.view.toggle_details()
    assert not p.loss_plot.isVisible() and not p.details.isChecked()
    p.view.set_details_visible(True)
    assert p.loss_plot.isVisible() and p.details.isChecked()


def test_full_screen_hides_the_chrome_and_details_and_brings_them_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = Parts(qtbot)
    p.view.set_details_visible(True)
    changes: list[bool] = []
    p.view.full_screen_changed.connect(changes.append)
    p.view.toggle_full_screen()
    assert p.view.full_screen and not p.loss_plot.isVisible()
    assert not any(part.isVisible() for part in p.chrome)
    p.view.toggle_full_screen()
    assert not p.view.full_screen and p.loss_plot.isVisible()
    assert all(part.isVisible() for part in p.chrome)
    assert changes == [True, False]


def test_an_opened_tab_gets_the_height_it_needs(qtbot) -> None:  # type: ignore[no-untyped-def]
    p = Parts(qtbot)
    total = sum(p.splitter.sizes())
    p.splitter.setSizes([total - 20, 20])
    p.tabs.setCurrentWidget(p.tall)
    assert p.splitter.sizes()[1] == min(TALL_TAB, int(total * 0.45))
    p.splitter.setSizes([total - 20, 20])
    p.tabs.setCurrentWidget(p.short)
    assert p.splitter.sizes()[1] == min(SHORT_TAB, int(total * 0.45))
