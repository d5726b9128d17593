"""Words for the progress bar and durations (shared by the window's parts)."""

from __future__ import annotations

from nst_desktop.engine import Progress


def describe_progress(progress: Progress) -> str:
    if progress.stage == "loading":
        return "Loading the model…"
    if progress.stage == "measuring":
        return "Measuring the style against the optimiser on a photo it never saw…"
    level = f"Level {progress.level}/{progress.levels}" if progress.levels > 1 else ""
    if progress.stage == "preparing":
        w, h = progress.size
        if progress.tiles > 0:
            # A print-size level's pass over the whole picture (or painting): minutes at
            # 4096 px, so its parts are counted rather than one silent "preparing".
            parts = [p for p in (level, f"{w}×{h} px", f"statistics {progress.tile}/{progress.tiles}") if p]
            if progress.eta is not None:
                parts.append(f"about {format_seconds(progress.eta)} left")
            return " · ".join(parts)
        return f"{level + ' · ' if level else ''}preparing {w}×{h} px…"
    if progress.stage == "training":
        level = "Training"
    parts = [p for p in (level, f"step {progress.step}/{progress.total}") if p]
    if progress.tiles > 0:
        tile = f"tile {progress.tile}/{progress.tiles}"
        # On the last level its time left is the run's, said once below.
        if progress.level_eta is not None and progress.level < progress.levels:
            tile += f" (level: {format_seconds(progress.level_eta)} left)"
        parts.append(tile)
    if progress.eta is not None:
        parts.append("almost done" if progress.eta < 1.0 else f"about {format_seconds(progress.eta)} left")
    elif progress.step < progress.total:
        # The engine says nothing until its figure is reliable (engine/eta.py); saying so
        # tells the artist a figure is coming rather than that something is missing.
        parts.append("estimating…")
    return " · ".join(parts)


def rough_duration(seconds: float) -> str:
    """A duration as a forecast reads: minutes, or hours to ten minutes (it is a guess)."""
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(round(seconds / 600) * 10, 60)
    return f"{hours} hour{'s' if hours > 1 else ''}" + (f" {rest} minutes" if rest else "")


def format_seconds(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
