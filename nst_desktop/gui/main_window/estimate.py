"""The warning before a long run: how long Paint will take here, from earlier runs' speed.

The engine's work model (:mod:`nst_desktop.engine.eta`) turns settings into units of work; the
seconds per unit come from the runs this computer finished before, remembered per device
choice, so the figure is this machine's and not a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nst_desktop.engine import Settings, memory, threads
from nst_desktop.engine.eta import expected_seconds as engine_expected
from nst_desktop.engine.eta import updated_rate
from nst_desktop.engine.memory import amount

from ..progress_text import rough_duration
from . import state
from .picture import Picture

if TYPE_CHECKING:
    from .window import MainWindow

WARN_SECONDS = 180.0
"""Runs expected to take longer than this are confirmed first."""


def _key(device: str) -> str:
    return f"{state.PAINT_RATE}/{device}"


def stored_rate(window: MainWindow, device: str) -> float | None:
    return state.positive_float(window.qsettings, _key(device))


def expected_seconds(window: MainWindow, settings: Settings) -> float | None:
    image = window.content_image
    if image is None:
        return None
    memory = _cpu_memory(window, settings)
    budget, used = memory if memory is not None else (None, 0)
    # The threads the job will take (engine/threads.py): tiles cost more on several.
    cpu_threads = threads.choose(settings.threads, threads.machine()) if memory is not None else 1
    return engine_expected(
        settings,
        image.width(),
        image.height(),
        stored_rate(window, settings.device),
        budget=budget,
        used=used,
        threads=cpu_threads,
    )


def _cpu_memory(window: MainWindow, settings: Settings) -> tuple[int, int] | None:
    """(budget, bytes in use) of an optimiser run on the CPU; None where the window cannot
    know (a GPU, whose free memory only torch can tell)."""
    if settings.method != "optimise" or settings.device not in ("auto", "cpu"):
        return None
    if settings.device == "auto" and window.device_text and not window.device_text.upper().startswith("CPU"):
        return None
    from nst_desktop.engine import memory

    return memory.cpu_budget(settings.memory_budget_mb), memory.process_rss()


def memory_estimate(window: MainWindow, settings: Settings) -> tuple[int, bool, int] | None:
    """(estimated peak bytes, painted in tiles, budget bytes) of an optimiser run on the CPU;
    None where the window cannot know (a GPU, or no photo yet)."""
    image = window.content_image
    cpu = _cpu_memory(window, settings)
    if image is None or cpu is None:
        return None
    from nst_desktop.engine import memory
    from nst_desktop.engine.schedule import fit

    budget, used = cpu
    width, height = fit(image.width(), image.height(), settings.size)
    plan = memory.plan_level(width, height, budget, used)
    return plan.peak, plan.tiled, budget


def long_run_question(window: MainWindow, settings: Settings) -> str | None:
    """What to ask before a run that takes minutes or is painted in tiles; None to just paint.

    The facts come first and the question last, so it reads as what it asks. Without a speed
    measured on this computer nothing is said about time: a guess would be wrong by the
    hundredfold between a laptop's CPU and a GPU.
    """
    seconds = expected_seconds(window, settings)
    mem = memory_estimate(window, settings)
    tiled = mem is not None and mem[1]
    if (seconds is None or seconds < WARN_SECONDS) and not tiled:
        return None
    parts = []
    if seconds is not None:
        parts.append(f"take about {rough_duration(seconds)} on this computer")
    if mem is not None:
        parts.append(f"use about {amount(mem[0])} of memory")
    facts = f"This {settings.size} px picture will {' and '.join(parts)}." if parts else ""
    if tiled:
        facts += " It is painted in tiles, to fit in memory."
    if mem is not None and memory.overrun(mem[0], mem[2]):
        # Even the smallest tiles need the full-size picture and photo: say so, not "fits".
        facts += (
            f" Even in the smallest tiles that is {amount(mem[0] - mem[2])} more than the "
            f"{amount(mem[2])} it may use; the computer may slow down or stop the run."
        )
    return (
        f"{facts.strip()}\n\n"
        "A lower Quality (fewer steps) or a smaller output size is quicker; the Quick preset "
        "starts from the instant picture; Stop keeps what is painted so far.\n\nPaint anyway?"
    )


def remember(window: MainWindow, picture: Picture) -> None:
    """After a finished optimiser run: blend its measured speed into the stored one."""
    if picture.settings.method != "optimise" or picture.seconds_per_unit is None:
        return
    device = picture.job.settings.device
    rate = updated_rate(stored_rate(window, device), picture.seconds_per_unit)
    if rate is not None:
        window.qsettings.setValue(_key(device), rate)
