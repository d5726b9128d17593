"""The window's widgets put together: left panel, picture, history, run bar, Details, the
tabs and the status bar, in their splitters. The parts themselves are in :mod:`.layout`.

Plain functions, not a part: putting the widgets together happens once and keeps no state of
its own; every widget it makes belongs to the window (declared on :class:`~.window.MainWindow`).
"""

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
from ..widgets.region_tools import RegionTools
from ..widgets.wheel_guard import WheelGuard
from .layout import BannerOverlay, LeftPanel, RunBar
from .modes import Modes
from .regions import Regions

if TYPE_CHECKING:
    from .window import MainWindow


def build_ui(window: MainWindow, presets: PresetStore | None, fast_store: Any) -> None:
    """Make the window's widgets and lay them out (once, from ``MainWindow.__init__``)."""
    w = window
    w.left = LeftPanel(presets)
    w.photo_area, w.gallery = w.left.photo_area, w.left.gallery
    w.gallery.tab_anchor = w.photo_area
    w.controls, w.preset_bar = w.left.controls, w.left.preset_bar
    w.left_panel = w.left.panel
    w.wheel_guard = WheelGuard(w.left, w)

    centre = QWidget()
    centre_layout = QVBoxLayout(centre)
    centre_layout.setContentsMargins(4, 8, 8, 4)
    w.preview = PreviewPanel()
    w.preview.view.setAcceptDrops(False)
    w.preview.view.viewport().setAcceptDrops(False)
    w.preview.view.set_placeholder("Drop a photo and a painting: the instant picture appears here")
    centre_layout.addWidget(w.preview, 1)
    centre_layout.addWidget(w.history.strip)
    w.banner = MessageBanner()
    w.banner_overlay = BannerOverlay(w.banner, w.preview)
    w.run_bar = RunBar()
    centre_layout.addWidget(w.run_bar)
    bar = w.run_bar
    w.stylize_button, w.stop_button = bar.stylize_button, bar.stop_button
    w.save_button, w.copy_button, w.progress = bar.save_button, bar.copy_button, bar.progress
    w.loss_plot = LossPlot()
    w.loss_plot.setMinimumHeight(96)  # with Details open at 700 px the tabs keep one row of cards
    w.loss_plot.hide()
    centre_layout.addWidget(w.loss_plot)

    w.tabs = QTabWidget()
    w.modes = Modes(
        w.threads,
        getattr(w.engine, "instant_picture", None),
        fast_store,
        controls=w.controls,
        gallery=w.gallery,
        view=w.preview.view,
        progress=w.progress,
        session=w.session,
        running=lambda: w.controller.busy,
        busy=w._busy,
        batch_running=lambda: w.batch_runner.running,  # made after the widgets
        shown=lambda: w.shown,
        photo=lambda: w.content if w.content_image is not None else None,
        before=lambda: w.content_pixels,
        settings=w.current_settings,
        dpi=lambda: w.print_dpi,
        regions=lambda styles: w.regions.job_inputs(styles),  # made below, with the Regions tab
        parent=w,
    )
    w.fast_styles = w.modes.fast_styles
    w.tabs.addTab(w.fast_styles, "Fast styles")
    w.tabs.setTabToolTip(w.tabs.indexOf(w.fast_styles), THREE_WAYS)
    w.region_tools = RegionTools()
    w.tabs.addTab(w.region_tools, "Regions")
    w.tabs.setTabToolTip(
        w.tabs.indexOf(w.region_tools), "Paint where each painting goes and where the photo is kept"
    )
    w.regions = Regions(
        w.region_tools,
        w.preview.view,
        w.modes.side_tasks,  # the instant picture's side thread: the two never compete
        styles=w.gallery.styles,
        photo=lambda: w.content_pixels,
        parent=w,
    )
    w.batch = BatchList(threads=w.threads)
    w.tabs.addTab(w.batch, "Batch")

    w.centre_splitter = QSplitter(Qt.Orientation.Vertical)
    w.centre_splitter.addWidget(centre)
    w.centre_splitter.addWidget(w.tabs)
    w.centre_splitter.setStretchFactor(0, 4)
    w.centre_splitter.setStretchFactor(1, 1)
    w.tabs.setMinimumHeight(80)  # the artist may shrink it to give the picture more
    w.centre_splitter.setSizes([600, 180])

    w.splitter = QSplitter(Qt.Orientation.Horizontal)
    w.splitter.addWidget(w.left)
    w.splitter.addWidget(w.centre_splitter)
    w.splitter.setStretchFactor(0, 0)
    w.splitter.setStretchFactor(1, 1)
    w.splitter.setSizes([350, 850])
    w.setCentralWidget(w.splitter)

    w.device_label = QLabel("Device: loads on the first run")
    w.device_label.setToolTip("Where the painting is computed")
    w.statusBar().addPermanentWidget(w.device_label)
    w.resize(1220, 800)
    w.preset_bar.message.connect(w.show_message)
    w.preset_bar.refresh()  # again, now that damaged files can be reported
    set_tab_order(w)


def set_tab_order(window: MainWindow) -> None:
    """Tab goes the way the work goes: the photo (focused at start), the paintings, the
    look's controls, Paint and Stop, then the picture and its zoom bar, the history, the
    rest of the run bar and the tabs. The left panel's scroll area is no stop of its own
    (it scrolls to the control that has the focus)."""
    left = window.left
    left.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    last_left: QWidget = left
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window:
        if left.isAncestorOf(widget):
            last_left = widget
        widget = widget.nextInFocusChain()
    QWidget.setTabOrder(last_left, window.stylize_button)
    QWidget.setTabOrder(window.stylize_button, window.stop_button)
    window.photo_area.setFocus()
