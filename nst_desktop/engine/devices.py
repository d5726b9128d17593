"""Choosing the compute device, describing it to a person, and recognising out-of-memory."""

from __future__ import annotations

import torch

from .errors import DeviceError


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """Device kinds this machine can run, best first (always ends with ``cpu``)."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    return [*found, "cpu"]


def resolve_device(choice: str) -> torch.device:
    """``auto`` means CUDA, then Apple's MPS, then the CPU; an explicit choice must exist."""
    if choice == "auto":
        return torch.device(available_devices()[0])
    if choice == "cpu":
        return torch.device("cpu")
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                "CUDA was requested, but PyTorch sees no NVIDIA GPU here; choose Automatic or CPU."
            )
        return torch.device("cuda")
    if choice == "mps":
        if not _mps_available():
            raise DeviceError(
                "Apple GPU (MPS) was requested, but it is not available here; choose Automatic or CPU."
            )
        return torch.device("mps")
    raise DeviceError(f"Unknown device {choice!r}; choose auto, cpu, cuda or mps.")


def describe_device(device: torch.device) -> str:
    """A short name for the status bar, e.g. ``CPU (8 threads)``."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text or "not enough memory" in text
    )


def release_memory(device: torch.device) -> None:
    """Give cached blocks back after a failure so the next, smaller run can succeed."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()
