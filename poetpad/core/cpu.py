"""What the CPU offers torch work: how many threads it gets, and whether bf16 is native.

Training takes every core this process may run on (`available_cores`). Decoding is a long
run of small steps (one token of a few dozen poems at a time), and each step's parallel
regions wait for all of their threads: when another program keeps a core busy, a thread
that waits for that core stalls every step, and a poem took 7× as long on two threads as on
one on a two-core machine with one core busy. So decoding uses the cores that are idle now
(`idle_cores`, from the load average), at most DECODE_MAX_THREADS, and never fewer than one.

On a CPU with native bf16 (`cpu_bf16`: AMX or AVX512-BF16) training runs under bf16 autocast, and
so does decoding (`decode_autocast`): reading a prefix, torch.lstm in bf16 took 3.4 ms a token where
float32 took 8.9 (batch 16, one thread). The one-token steps after it take PoetLM's own LSTM step,
whose products are bf16 for a batch of 16 or more (model.BF16_STEP_ROWS) and float32 below.
"""

from __future__ import annotations

import contextlib
import functools
import os

DECODE_MAX_THREADS = 4  # a decoding step is too small to gain from more


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def idle_cores() -> int:
    """The available cores less those busy over the last minute (the load average), at least one."""
    cores = available_cores()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows): assume the machine is ours
        busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))


def decode_max_threads() -> int:
    """The most threads decoding takes on this machine."""
    return min(DECODE_MAX_THREADS, available_cores())


DECODE_THREADS_ENV = "POETPAD_DECODE_THREADS"  # a fixed number instead (benchmarks pin it; 0 or unset: idle cores)


def decode_threads() -> int:
    """Threads for a decoding request now: $POETPAD_DECODE_THREADS when set, else the idle cores,
    1 to DECODE_MAX_THREADS."""
    try:
        fixed = int(os.environ.get(DECODE_THREADS_ENV, "0") or 0)
    except ValueError:
        fixed = 0
    if fixed > 0:
        return min(fixed, available_cores())
    return max(1, min(DECODE_MAX_THREADS, idle_cores()))


@functools.cache
def cpu_bf16() -> str:
    """How this CPU does bf16 natively: "AMX", "AVX512-BF16", or "" when it would only emulate it.

    Asks torch (torch.cpu.get_capabilities, or the older torch.cpu._is_avx512_bf16_supported), then
    /proc/cpuinfo's flags. Emulated bf16 is slower than float32, so "" means: train in float32.
    """
    import torch

    caps: dict = {}
    try:
        caps = dict(torch.cpu.get_capabilities())
    except Exception:  # an older torch, or one built without the probe
        try:
            caps = {"avx512_bf16": bool(torch.cpu._is_avx512_bf16_supported())}
        except Exception:
            caps = {}
    if not caps:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
                flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
            caps = {"amx_bf16": "amx_bf16" in flags, "avx512_bf16": "avx512_bf16" in flags}
        except OSError:
            caps = {}
    if caps.get("amx_bf16"):
        return "AMX"
    if caps.get("avx512_bf16"):
        return "AVX512-BF16"
    return ""


def decode_autocast(device):
    """The autocast context decoding on `device` runs in: bf16 on a CPU that does it natively (the
    precision the bundled models trained in), else none."""
    import torch

    if device.type == "cpu" and cpu_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@contextlib.contextmanager
def torch_threads(n: int):
    """Within the block, torch's CPU work runs on `n` threads; the previous number is restored after."""
    import torch

    previous = torch.get_num_threads()
    if n != previous:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
