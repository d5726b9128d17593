"""The window's building blocks, each usable and testable on its own."""
