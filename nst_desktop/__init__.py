"""nst-desktop: a desktop studio for neural style transfer."""

__version__ = "0.1.0"
