"""Helpers shared by the benchmark scripts: where the data lives, loading it, printing JSON.

The scripts are run as files (`python benchmarks/train_quality.py`), so this module is
imported as `common` from the scripts' own folder; it is not part of the poetpad package.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

import poetpad

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

SHAKESPEARE_FILE = "tinyshakespeare.txt"
TANG_TRAIN_FILE = "tang_regulated.train.txt"
TANG_VALID_FILE = "tang_regulated.valid.txt"


class BenchmarkError(Exception):
    """A problem the person running the benchmark can fix (missing data, bad option)."""


@dataclass
class Dataset:
    name: str
    train_text: str
    valid_text: str
    files: list[str]
    split: str


def _read(path: Path) -> str:
    if not path.is_file():
        raise BenchmarkError(f"The data file {path} does not exist; pass --data-dir to point at the data folder.")
    return path.read_text(encoding="utf-8")


def load_dataset(name: str, data_dir: Path) -> Dataset:
    """The train and validation text of a benchmark dataset, each as one raw stream."""
    if name == "shakespeare":
        text = _read(data_dir / SHAKESPEARE_FILE)
        cut = int(len(text) * 0.9)
        return Dataset(name, text[:cut], text[cut:], [SHAKESPEARE_FILE],
                       "first 90% of characters train, last 10% valid (nanoGPT's split)")
    if name == "tang":
        return Dataset(name, _read(data_dir / TANG_TRAIN_FILE), _read(data_dir / TANG_VALID_FILE),
                       [TANG_TRAIN_FILE, TANG_VALID_FILE],
                       "the given train and valid files, each read as one stream (newlines are tokens)")
    raise BenchmarkError(f"Unknown dataset '{name}'; use shakespeare or tang.")


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so wall-clock timings mean what they say."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Stopwatch:
    """Accumulates wall time over several intervals."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start: float | None = None

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._start is not None
        self.total += time.perf_counter() - self._start
        self._start = None


def environment() -> dict:
    return {
        "poetpad_version": poetpad.__version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(),
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit_json(data: object, out: Path | None) -> None:
    """Print `data` as JSON on stdout and, with --out, also write it to that file."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    print(text, flush=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


class MachineLoad:
    """How much of the machine's CPU time other processes used between start() and share().

    Reads /proc/stat (Linux); elsewhere share() is None. On a shared machine, timings taken while
    others were busy are not comparable: scripts record the share and can wait for a quiet machine.
    """

    def __init__(self) -> None:
        self._start: tuple[int, int, float] | None = None

    @staticmethod
    def _snapshot() -> tuple[int, int, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                values = [int(v) for v in fh.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return sum(values), values[3] + values[4], time.process_time()

    def start(self) -> MachineLoad:
        self._start = self._snapshot()
        return self

    def share(self) -> float | None:
        """Other processes' share of all cores' time since start() (0 to 1)."""
        end = self._snapshot()
        if self._start is None or end is None:
            return None
        import os

        total = end[0] - self._start[0]
        busy = total - (end[1] - self._start[1])
        own = (end[2] - self._start[2]) * os.sysconf("SC_CLK_TCK")
        return max(0.0, min(1.0, (busy - own) / total)) if total > 0 else 0.0


def wait_quiet(max_seconds: float, threshold: float = 0.1) -> float | None:
    """Wait (up to `max_seconds`) until other processes use under `threshold` of the CPU for 3 s running;
    returns the last share seen."""
    deadline = time.monotonic() + max_seconds
    quiet = 0
    share = None
    while time.monotonic() < deadline:
        load = MachineLoad().start()
        time.sleep(1.0)
        share = load.share()
        if share is None:
            return None
        quiet = quiet + 1 if share < threshold else 0
        if quiet >= 3:
            return share
    if share is not None and share >= threshold:
        log(f"note: the machine is still busy ({share:.0%} of its CPU used by others); measuring anyway")
    return share
