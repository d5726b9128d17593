"""Training checkpoints: a stopped or crashed training resumes exactly where it was.

A checkpoint holds the network, Adam's state, the steps done, the training time spent, the loss
curve so far and the recipe (paintings, photos, settings), so only the same training resumes
from it, its curve goes on where it was after a restart of the app, and a time
budget continues where it was rather than anew. It is read with ``weights_only`` and so never
runs code. ``checkpoint_path`` needs no torch, so the window can look for one cheaply.

Schema 1 checkpoints (no ``schema`` key) hold no time: they resume with none spent, which is
all that can truly be said of them.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from ..atomic import atomic_path
from ..errors import FastStyleError
from ..text import os_reason
from .loss_history import LossHistory

if TYPE_CHECKING:
    import torch
    from torch import nn

CHECKPOINT_SUFFIX: Final = ".checkpoint"
SCHEMA: Final = 2


class Resumed(NamedTuple):
    """Where a checkpoint left its training: steps done, training seconds spent, the losses."""

    step: int
    seconds: float
    history: LossHistory | None = None


def checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + CHECKPOINT_SUFFIX)


def save_checkpoint(
    path: Path,
    recipe: Mapping[str, Any],
    net: nn.Module,
    opt: torch.optim.Optimizer,
    step: int,
    seconds: float = 0.0,
    history: LossHistory | None = None,
) -> None:
    import torch

    state = {
        "schema": SCHEMA,
        "recipe": json.dumps(recipe, sort_keys=True),
        "step": step,
        "seconds": float(seconds),
        "history": (history or LossHistory()).to_json(),
        "net": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "optimizer": _to_cpu(opt.state_dict()),
    }
    # Serialised in memory, then written: torch's own file writer reports a full disk as a
    # RuntimeError ("unexpected pos ..."), not as the OSError it is. The previous checkpoint
    # stays until the new one is complete (atomic_path).
    buffer = io.BytesIO()
    torch.save(state, buffer)
    try:
        with atomic_path(path) as temp, open(temp, "wb") as f:
            f.write(buffer.getbuffer())
    except OSError as exc:
        reason = os_reason(exc)
        raise FastStyleError(f"The training checkpoint could not be written ({reason}).") from None


def load_checkpoint(
    path: Path,
    recipe: Mapping[str, Any],
    net: nn.Module,
    opt: torch.optim.Optimizer,
    device: torch.device,
    max_steps: int,
    output_name: str,
) -> Resumed:
    """Restore ``net`` and ``opt`` from ``path``; the step and training time to continue from."""
    import torch

    if not path.is_file():
        raise FastStyleError(f"There is no checkpoint to resume from beside {output_name}.")
    try:
        # weights_only: a checkpoint is a file like any other; it must not run code.
        state = torch.load(path, map_location="cpu", weights_only=True)
        saved = json.loads(state["recipe"])
        mine = json.loads(json.dumps(recipe, sort_keys=True))
        step = int(state["step"])
        schema = int(state.get("schema", 1))
        if schema > SCHEMA:
            raise FastStyleError(
                "The training checkpoint was written by a newer nst-desktop; train without "
                "resuming to start afresh, or resume it with that version."
            )
        seconds = float(state.get("seconds", 0.0)) if schema >= 2 else 0.0
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("bad training time")
        if _comparable(saved) != _comparable(mine):
            raise FastStyleError(
                "The checkpoint beside the output was made from other paintings, photos or "
                "settings; train without resuming to start afresh."
            )
        net.load_state_dict(state["net"])
        if not all(bool(torch.isfinite(p).all()) for p in net.state_dict().values()):
            # A training resumed from this would write a style every reader refuses.
            raise FastStyleError("The training checkpoint holds invalid weights (not finite numbers); "
                                 "train without resuming to start afresh.")
        opt.load_state_dict(state["optimizer"])
        _optimizer_to(opt, device)
    except FastStyleError:
        raise
    except Exception:  # noqa: BLE001 - any damage reads as one sentence
        raise FastStyleError(
            "The training checkpoint is damaged; train without resuming to start afresh."
        ) from None
    if not 0 <= step <= max_steps:
        raise FastStyleError("The training checkpoint is past the number of steps asked for.")
    # The curve is a view of the training, not the training: a damaged one reads as none.
    return Resumed(step, seconds, LossHistory.from_json(state.get("history"), step))


def _comparable(recipe: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe without what may change between a run and its resumption (its budget)."""
    doc = json.loads(json.dumps(recipe))
    doc.get("settings", {}).pop("steps", None)
    doc.get("settings", {}).pop("seconds", None)
    doc.get("settings", {}).pop("checkpoint_seconds", None)
    doc.get("settings", {}).pop("device", None)
    # Like the device, the number format is this computer's: a training stopped on a GPU in
    # bfloat16 may resume on a CPU in float32 (the weights are float32 either way).
    doc.get("settings", {}).pop("precision", None)
    # Measuring the style after training changes nothing of the training itself.
    doc.get("settings", {}).pop("measure", None)
    # Checkpoints from before the instant kind all trained Johnson et al.'s network.
    if isinstance(doc.get("settings"), dict):
        doc["settings"].setdefault("network", "johnson")
    return dict(doc)


def _to_cpu(obj: Any) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


def _optimizer_to(opt: torch.optim.Optimizer, device: torch.device) -> None:
    import torch

    for state in opt.state.values():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and key != "step":
                state[key] = value.to(device)
