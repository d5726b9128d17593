# mypy: disable-error-code="misc"
# (A window mixin whose methods annotate ``self: MainWindow`` so their bodies are checked
# against the whole window; mypy's self-type check on a non-MainWindow class is what is off.)
"""The window's widgets put together: left panel, picture, history, run bar, Details, the
tabs and the status bar, in their splitters. The parts themselves are in :mod:`.layout`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from nst_desktop.engine.presets import PresetStore

from ..widgets.batch_list import BatchList
from ..widgets.fast_styles import THREE_WAYS
from ..widgets.loss_plot import LossPlot
from ..widgets.message_banner import MessageBanner
from ..widgets.preview import PreviewPanel
from ..widgets.wheel_guard import WheelGuard
from .layout import BannerOverlay, LeftPanel, RunBar

if TYPE_CHECKING:
    from .window import MainWindow


class Composition:
    """Builds the window's widgets (a mixin, called once from ``MainWindow.__init__``)."""

    def _build_ui(self: MainWindow, presets: PresetStore | None, fast_store: Any) -> None:
        self.left = LeftPanel(presets)
        self.photo_area, self.gallery = self.left.photo_area, self.left.gallery
        self.gallery.tab_anchor = self.photo_area
        self.controls, self.preset_bar = self.left.controls, self.left.preset_bar
        self._left_panel, self._left_scroll = self.left.panel, self.left
        self.wheel_guard = WheelGuard(self.left, self)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(4, 8, 8, 4)
        self.preview = PreviewPanel()
        self.preview.view.setAcceptDrops(False)
        self.preview.view.viewport().setAcceptDrops(False)
        self.preview.view.set_placeholder("Drop a photo and a painting: the instant picture appears here")
        centre_layout.addWidget(self.preview, 1)
        centre_layout.addWidget(self.history.strip)
        self.banner = MessageBanner()
        self._banner_overlay = BannerOverlay(self.banner, self.preview)
        self.run_bar = RunBar()
        centre_layout.addWidget(self.run_bar)
        bar = self.run_bar
        self.stylize_button, self.stop_button = bar.stylize_button, bar.stop_button
        self.save_button, self.copy_button, self.progress = bar.save_button, bar.copy_button, bar.progress
        self.loss_plot = LossPlot()
        self.loss_plot.setMinimumHeight(120)
        self.loss_plot.hide()
        centre_layout.addWidget(self.loss_plot)

        self.tabs = QTabWidget()
        self._build_modes(fast_store)
        self.tabs.addTab(self.fast_styles, "Fast styles")
        self.tabs.setTabToolTip(self.tabs.indexOf(self.fast_styles), THREE_WAYS)
        self.batch = BatchList(threads=self.threads)
        self.tabs.addTab(self.batch, "Batch")

        self.centre_splitter = QSplitter(Qt.Orientation.Vertical)
        self.centre_splitter.addWidget(centre)
        self.centre_splitter.addWidget(self.tabs)
        self.centre_splitter.setStretchFactor(0, 4)
        self.centre_splitter.setStretchFactor(1, 1)
        self.tabs.setMinimumHeight(80)  # the artist may shrink it to give the picture more
        self.centre_splitter.setSizes([600, 180])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.centre_splitter)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([350, 850])
        self.setCentralWidget(self.splitter)

        self.device_label = QLabel("Device: loads on the first run")
        self.device_label.setToolTip("Where the painting is computed")
        self.statusBar().addPermanentWidget(self.device_label)
        self.resize(1220, 800)
        self.preset_bar.message.connect(self.show_message)
        self.preset_bar.refresh()  # again, now that damaged files can be reported
        self._set_tab_order()

    def _set_tab_order(self: MainWindow) -> None:
        """Tab goes the way the work goes: the photo (focused at start), the paintings, the
        look's controls, Paint and Stop, then the picture and its zoom bar, the history, the
        rest of the run bar and the tabs. The left panel's scroll area is no stop of its own
        (it scrolls to the control that has the focus)."""
        self.left.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        last_left: QWidget = self.left
        widget = self.nextInFocusChain()
        while widget is not None and widget is not self:
            if self.left.isAncestorOf(widget):
                last_left = widget
            widget = widget.nextInFocusChain()
        QWidget.setTabOrder(last_left, self.stylize_button)
        QWidget.setTabOrder(self.stylize_button, self.stop_button)
        self.photo_area.setFocus()
