"""How many CPU threads torch work gets.

Training takes every core this process may run on (`available_cores`). Decoding is a long
run of small steps (one token of a few dozen poems at a time), and each step's parallel
regions wait for all of their threads: when another program keeps a core busy, a thread
that waits for that core stalls every step, and a poem took 7× as long on two threads as on
one on a two-core machine with one core busy. So decoding uses the cores that are idle now
(`idle_cores`, from the load average), at most DECODE_MAX_THREADS, and never fewer than one.
"""

from __future__ import annotations

import contextlib
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


def decode_threads() -> int:
    """Threads for a decoding request now: the idle cores, 1 to DECODE_MAX_THREADS."""
    return max(1, min(DECODE_MAX_THREADS, idle_cores()))


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
