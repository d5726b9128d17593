"""The window's parts laid out: the inputs panel on the left, the picture and its run bar in
the centre, fast styles and the batch in tabs below, the loss plot behind "Details".

Only construction and geometry live here; what the parts do is wired in :mod:`.window`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nst_desktop.engine.presets import PresetStore

from ..widgets.controls import ControlsPanel
from ..widgets.drag_out import DragOutButton
from ..widgets.image_drop import DropArea
from ..widgets.message_banner import MessageBanner
from ..widgets.preset_bar import PresetBar
from ..widgets.progress_line import ProgressLine
from ..widgets.style_gallery import StyleGallery

LEFT_MIN_WIDTH = 330
CENTRE_MIN_WIDTH = 640
"""What the picture and its run bar keep at least: the panel never pushes the window wider
than a small screen. Its rows are built to fit the room left at 1024 px (long texts elide,
Advanced's long rows wrap under their captions), so it never has to scroll sideways."""
PAINT_STYLE = (
    "#StylizeButton { background: #2f6fd1; color: white; font-weight: bold; padding: 6px 14px;"
    " border-radius: 4px; } #StylizeButton:disabled { background: #5a6170; color: #c8c8c8; }"
)


class LeftPanel(QScrollArea):
    """Photo, paintings and the look, in a panel of fixed width that scrolls only vertically.

    The width follows the panel's widest row *while it is shown*: opening Advanced may widen
    it, closing it gives the width back to the picture. The inner widget always takes the
    viewport's width; there is no horizontal scroll bar, so nothing may need more than that
    (see :data:`CENTRE_MIN_WIDTH`).
    """

    def __init__(self, presets: PresetStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = QWidget()
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)

        photo_box = QGroupBox("Photo")
        photo_layout = QVBoxLayout(photo_box)
        photo_layout.setContentsMargins(6, 6, 6, 6)
        self.photo_area = DropArea("Drop a photo here\nor click to browse · Ctrl+V to paste", min_height=84)
        self.photo_area.setToolTip("The picture to repaint. Drop several photos at once to batch them.")
        photo_layout.addWidget(self.photo_area)
        layout.addWidget(photo_box)

        style_box = QGroupBox("Paintings")
        style_layout = QVBoxLayout(style_box)
        style_layout.setContentsMargins(6, 6, 6, 6)
        self.gallery = StyleGallery()
        style_layout.addWidget(self.gallery)
        layout.addWidget(style_box)

        look_box = QGroupBox("Look")
        look_layout = QVBoxLayout(look_box)
        look_layout.setContentsMargins(6, 6, 6, 6)
        self.controls = ControlsPanel()
        self.preset_bar = PresetBar(self.controls.settings, presets)
        # A long preset name elides in the box (the list shows it in full) instead of widening
        # the panel past the picture's share of a 1024 px window.
        self.preset_bar.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_bar.combo.setMinimumContentsLength(12)
        preset_row = QHBoxLayout()
        preset_row.addWidget(QLabel("Preset"))
        preset_row.addWidget(self.preset_bar, 1)
        look_layout.addLayout(preset_row)
        look_layout.addWidget(self.controls)
        layout.addWidget(look_box)
        layout.addStretch(1)

        self.setWidget(self.panel)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.fit_width()
        # After the section has been shown or hidden and the layout has taken it in.
        self.controls.advanced_toggle.toggled.connect(self.fit_width)

    @Slot()
    def fit_width(self) -> None:
        """Wide enough for the widest row plus a scroll bar, as long as the picture keeps
        :data:`CENTRE_MIN_WIDTH`: the window never grows wider than a small screen for it."""
        # Nested layouts cache their hints until their own turn comes: refresh the chain from
        # the controls up to the panel now, so the width follows Advanced at once.
        widget: QWidget | None = self.controls
        while widget is not None:
            inner = widget.layout()
            if inner is not None:
                inner.invalidate()
                inner.activate()
            if widget is self.panel:
                break
            widget = widget.parentWidget()
        bar = self.verticalScrollBar().sizeHint().width()
        wanted = max(LEFT_MIN_WIDTH, self.panel.minimumSizeHint().width() + bar)
        window = self.window()
        if window is not None and window is not self and window.isVisible():
            room = max(LEFT_MIN_WIDTH, window.width() - CENTRE_MIN_WIDTH)
            wanted = min(wanted, room)
        self.setMinimumWidth(wanted)
        self.setMaximumWidth(wanted + 120)


class RunBar(QWidget):
    """Paint, Stop, the progress line, Save picture…, Copy and the Details toggle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(4)
        self.progress = ProgressLine()
        layout.addWidget(self.progress)
        row = QHBoxLayout()
        self.stylize_button = QPushButton("Paint")
        self.stylize_button.setObjectName("StylizeButton")
        self.stylize_button.setDefault(True)
        self.stylize_button.setMinimumWidth(110)
        self.stylize_button.setToolTip(
            "Paint with the optimiser: the best picture, in minutes on a CPU. It starts from the photo, "
            "or refines the instant picture (the Quick preset, or Advanced › Start from). Ctrl+Enter"
        )
        self.stylize_button.setStyleSheet(PAINT_STYLE)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop painting and keep the picture so far (Esc)")
        self.save_button = QPushButton("Save picture…")
        self.save_button.setToolTip(
            "Save the picture on show as PNG, JPEG or TIFF, with its settings inside (Ctrl+S)"
        )
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the picture to the clipboard (Ctrl+C)")
        self.details_button = QPushButton("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show the loss curves of the run")
        row.addWidget(self.stylize_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        self.drag_button = DragOutButton()
        row.addWidget(self.drag_button)
        row.addWidget(self.details_button)
        row.addWidget(self.save_button)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)


class BannerOverlay(QObject):
    """Keeps the message banner floating over the top of the picture area, so showing or
    hiding a message never moves the picture."""

    def __init__(self, banner: MessageBanner, host: QWidget) -> None:
        super().__init__(host)
        self.banner, self.host = banner, host
        banner.setParent(host)
        host.installEventFilter(self)
        banner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.place()
        return False

    def place(self) -> None:
        width = max(100, self.host.width() - 24)
        height = self.banner.fit(width)
        self.banner.setGeometry(12, 8, width, height)
        self.banner.lay_out()
        self.banner.raise_()
