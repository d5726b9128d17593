"""The main window as a package of small parts (see :mod:`.window` for the map)."""

from ..progress_text import describe_progress, format_seconds
from ..widgets.message_banner import MessageBanner
from ..worker import RealEngine
from .window import MainWindow

__all__ = ["MainWindow", "MessageBanner", "RealEngine", "describe_progress", "format_seconds"]
