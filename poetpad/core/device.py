"""The device facts: where torch runs (CUDA, Apple MPS or the CPU), in what precision, with how many threads.

Training and generation both use these; generation imports this module, never the trainer.
"""

from __future__ import annotations

import torch

from poetpad.core.cpu import available_cores, cpu_bf16
from poetpad.core.train.config import DEVICES, PRECISIONS
from poetpad.errors import TrainingError


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA, then Apple MPS, then the CPU; an unavailable choice is an error."""
    if name not in DEVICES:
        raise TrainingError(f"Unknown device '{name}'; use one of: {', '.join(DEVICES)}.")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise TrainingError("No CUDA GPU is available here; use --device auto or --device cpu.")
    if name == "mps" and not mps:
        raise TrainingError("Apple's MPS device is not available here; use --device auto or --device cpu.")
    return torch.device(name)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def resolve_precision(name: str, device: torch.device, amp: bool = True) -> tuple[str, torch.dtype | None]:
    """("fp32" | "bf16" | "fp16", autocast dtype or None) for `--precision name` on `device`.

    auto: bf16 on a CPU that does it natively, bf16 (or fp16 where bf16 is missing) on CUDA, fp32
    elsewhere. An explicit choice the device cannot do well is an error, never a slow emulation.
    """
    if name not in PRECISIONS:
        raise TrainingError(f"Unknown precision '{name}'; use one of: {', '.join(PRECISIONS)}.")
    if not amp or name == "fp32":
        return "fp32", None
    if device.type == "cuda":
        bf16 = torch.cuda.is_bf16_supported()
        if name == "bf16" and not bf16:
            raise TrainingError("This GPU has no bf16; use --precision fp16, fp32 or auto.")
        return ("bf16", torch.bfloat16) if name == "bf16" or (name == "auto" and bf16) else ("fp16", torch.float16)
    if device.type == "cpu":
        if name == "fp16":
            raise TrainingError("fp16 training is for CUDA GPUs; on a CPU use --precision bf16, fp32 or auto.")
        if cpu_bf16():
            return "bf16", torch.bfloat16
        if name == "bf16":
            raise TrainingError("This CPU has no native bf16 (AMX or AVX512-BF16), where bf16 would be slower "
                                "than fp32; use --precision fp32 or auto.")
        return "fp32", None
    if name == "auto":
        return "fp32", None
    raise TrainingError(f"Mixed precision is not supported on {device.type.upper()}; use --precision fp32 or auto.")


def default_threads(local_processes: int = 1) -> int:
    """Threads per process when none are asked for: the available cores, shared among the local processes."""
    return max(1, available_cores() // max(1, local_processes))


def is_oom(exc: BaseException) -> bool:
    """Is `exc` the device running out of memory?"""
    oom_type = getattr(torch, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
