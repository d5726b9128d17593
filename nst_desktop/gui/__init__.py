"""The Qt desktop app. Nothing here is imported by the engine, and nothing here imports torch
at module level: the window must appear before the model is loaded."""
