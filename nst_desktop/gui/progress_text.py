"""Words for the progress bar and durations (shared by the window's parts)."""

from __future__ import annotations

from nst_desktop.engine import Progress


def time_fraction(progress: Progress) -> float:
    """How far a run is, as the title bar, the taskbar, the bar and a stopped picture's label
    show it: in time, not steps (the coarse levels' steps are cheap: 87 % of the steps may be
    half the time, and a print's first tile takes minutes). The share of a time budget used
    where the job has one (a training), else elapsed over elapsed plus the time left where the
    run has an estimate, else the share of the steps."""
    if progress.budget_used is not None or progress.eta is None:
        return progress.fraction
    total = progress.elapsed + progress.eta
    return min(1.0, max(0.0, progress.elapsed / total)) if total > 0 else progress.fraction


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
