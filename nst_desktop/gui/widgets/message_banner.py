"""The message banner above the picture: one plain sentence, whatever the sentence holds.

Messages quote outside text: file names (``<h1>big</h1>.png`` is a valid name) and values read
from a picture's embedded settings or a shared preset. A QLabel guesses "rich text" from
anything that looks like a tag, and a word-wrapped label laid out over a megabyte-long string
can stall or crash the window. So the banner shows plain text only, on one line's worth of
characters (:data:`MAX_CHARS`), with the full (but still capped) text in its tooltip.

The sentence wraps to the banner's width, long paths included (they get break opportunities
after their separators), over at most :data:`MAX_LINES` lines; a longer one ends in "…" and
is whole in the tooltip. Nothing is cut off at the edge.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

MAX_CHARS = 400
"""Characters the banner shows; the engine's messages quote values of at most ~120, so a real
sentence fits, and anything longer is cut rather than laid out."""
_TOOLTIP_CHARS = 2000
MAX_LINES = 4
"""Lines the banner covers the picture with at most; the rest is elided, whole in the tooltip."""
_ZWSP = "\u200b"
_LONG_RUN = 24
_BREAK_AFTER = "/\\_-.,;:=&?"


def breakable(text: str) -> str:
    """``text`` with an invisible break opportunity in each long run of non-spaces (a path, a
    URL): after its separators, else every :data:`_LONG_RUN` characters. A word-wrapped label
    then wraps it instead of letting it run past the right edge."""
    words = []
    for word in text.split(" "):
        if len(word) <= _LONG_RUN:
            words.append(word)
            continue
        out: list[str] = []
        run = 0
        for ch in word:
            out.append(ch)
            run += 1
            if ch in _BREAK_AFTER or run >= _LONG_RUN:
                out.append(_ZWSP)
                run = 0
        words.append("".join(out))
    return " ".join(words)


def banner_text(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as the banner shows it: one line, printable, at most ``limit`` characters.

    Only the first few times ``limit`` characters are looked at, so a huge string costs nothing.
    """
    head = str(text)[: limit * 4]
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in head).split())
    if len(clean) > limit or len(str(text)) > limit * 4:
        clean = clean[: limit - 1].rstrip() + "…"
    return clean


class MessageBanner(QFrame):
    """A plain sentence above the picture: errors in red, news in blue, dismissable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBanner")
        layout = self._layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        # Never rich text: a file name such as "<img src=...>.png" is shown as it is written.
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The banner's width is the picture's: a long word never widens the label past it.
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.label.setSizePolicy(policy)
        layout.addWidget(self.label, 1)
        close = self.close_button = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.is_error = False
        self._sentence = ""
        self._tooltip = ""
        self.hide()

    def show_message(self, text: str, error: bool) -> None:
        self.is_error = error
        colours = ("#5c1f1f", "#ffd9d9", "#a33") if error else ("#1d3a55", "#d9ecff", "#357")
        self.setStyleSheet(
            f"#MessageBanner {{ background: {colours[0]}; border: 1px solid {colours[2]};"
            " border-radius: 4px; }"
            f"#MessageBanner QLabel {{ color: {colours[1]}; }}"
        )
        shown = banner_text(text)
        self._sentence = shown
        self.label.setText(breakable(shown))
        full = banner_text(text, _TOOLTIP_CHARS)
        # A plain-text tooltip: Qt would otherwise guess rich text for it too.
        self._tooltip = f"<p>{_escape(full)}</p>"
        self.label.setToolTip(self._tooltip if full != shown else "")
        self.show()

    def fit(self, width: int) -> int:
        """Lay the sentence out for a banner ``width`` px wide, in at most :data:`MAX_LINES`
        lines (elided after, whole in the tooltip); returns the banner's height for it."""
        layout = self._layout
        margins = layout.contentsMargins()
        room = width - margins.left() - margins.right() - 2 * self.frameWidth()
        room -= layout.spacing() + self.close_button.sizeHint().width()
        room = max(40, room)
        metrics = self.label.fontMetrics()
        flags = int(Qt.TextFlag.TextWordWrap)
        limit = MAX_LINES * metrics.lineSpacing()

        def height(text: str) -> int:
            return metrics.boundingRect(QRect(0, 0, room, 100_000), flags, text).height()

        text = breakable(self._sentence)
        if height(text) > limit:
            low, high = 0, len(text)  # the longest start that fits with "…" after it
            while low < high:
                middle = (low + high + 1) // 2
                if height(text[:middle].rstrip() + "…") <= limit:
                    low = middle
                else:
                    high = middle - 1
            text = text[:low].rstrip() + "…"
            self.label.setToolTip(self._tooltip)
        if self.label.text() != text:
            self.label.setText(text)
        fitted = self.heightForWidth(width)
        return fitted if fitted > 0 else self.sizeHint().height()

    def lay_out(self) -> None:
        """Place the sentence and the close button in the banner's rectangle now: a banner
        moved and resized by its overlay could keep the label at the height of a message
        before (one line of a two-line message on show)."""
        self._layout.setGeometry(self.contentsRect())

    def text(self) -> str:
        """The sentence on show (whole, as :func:`banner_text` made it), "" when hidden."""
        return self._sentence if self.isVisible() else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
