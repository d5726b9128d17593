"""The few exception types the CLI and the GUI turn into one plain sentence.

Every user-facing failure is an :class:`EngineError` whose ``str()`` is a complete sentence
an artist can read; anything else reaching the user is a bug. :class:`Cancelled` is not an
error: it is how a run reports that the user stopped it.
"""

from __future__ import annotations


class EngineError(Exception):
    """A failure whose message is fit to show to the user as it is."""


class ImageError(EngineError):
    """An input image cannot be used (unreadable, truncated, too large, too small...)."""


class OutputError(EngineError):
    """A result could not be written."""


class SettingsError(EngineError):
    """Settings are invalid, or a settings document cannot be understood."""


class PresetError(EngineError):
    """A preset cannot be read, written, renamed or deleted."""


class WeightsError(EngineError):
    """The VGG19 weights are missing or damaged."""


class DeviceError(EngineError):
    """The requested compute device is not available."""


class OutOfMemory(EngineError):
    """The device ran out of memory; the engine stays usable for a smaller run."""


class Cancelled(Exception):
    """The run was stopped through its cancel token."""


class FastStyleError(EngineError):
    """A fast-style file cannot be read, written, trained or found."""
