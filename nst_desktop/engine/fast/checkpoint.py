"""Training checkpoints: a stopped or crashed training resumes exactly where it was.

A checkpoint holds the network, Adam's state, the step and the recipe (paintings, photos,
settings), so only the same training resumes from it; it is read with ``weights_only`` and so
never runs code. ``checkpoint_path`` needs no torch, so the window can look for one cheaply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..atomic import atomic_path
from ..errors import FastStyleError

if TYPE_CHECKING:
    import torch

    from .network import TransformerNet

CHECKPOINT_SUFFIX: Final = ".checkpoint"


def checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + CHECKPOINT_SUFFIX)


def save_checkpoint(
    path: Path,
    recipe: Mapping[str, Any],
    net: TransformerNet,
    opt: torch.optim.Optimizer,
    step: int,
) -> None:
    import torch

    state = {
        "recipe": json.dumps(recipe, sort_keys=True),
        "step": step,
        "net": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "optimizer": _to_cpu(opt.state_dict()),
    }
    try:
        with atomic_path(path) as temp:
            torch.save(state, temp)
    except OSError as exc:
        raise FastStyleError(f"The training checkpoint could not be written ({exc.strerror}).") from None


def load_checkpoint(
    path: Path,
    recipe: Mapping[str, Any],
    net: TransformerNet,
    opt: torch.optim.Optimizer,
    device: torch.device,
    max_steps: int,
    output_name: str,
) -> int:
    """Restore ``net`` and ``opt`` from ``path``; the step to continue from."""
    import torch

    if not path.is_file():
        raise FastStyleError(f"There is no checkpoint to resume from beside {output_name}.")
    try:
        # weights_only: a checkpoint is a file like any other; it must not run code.
        state = torch.load(path, map_location="cpu", weights_only=True)
        saved = json.loads(state["recipe"])
        mine = json.loads(json.dumps(recipe, sort_keys=True))
        step = int(state["step"])
        if _comparable(saved) != _comparable(mine):
            raise FastStyleError(
                "The checkpoint beside the output was made from other paintings, photos or "
                "settings; train without resuming to start afresh."
            )
        net.load_state_dict(state["net"])
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
    return step


def _comparable(recipe: Mapping[str, Any]) -> dict[str, Any]:
    """The recipe without what may change between a run and its resumption (step count)."""
    doc = json.loads(json.dumps(recipe))
    doc.get("settings", {}).pop("steps", None)
    doc.get("settings", {}).pop("checkpoint_seconds", None)
    doc.get("settings", {}).pop("device", None)
    # Like the device, the number format is this computer's: a training stopped on a GPU in
    # bfloat16 may resume on a CPU in float32 (the weights are float32 either way).
    doc.get("settings", {}).pop("precision", None)
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
