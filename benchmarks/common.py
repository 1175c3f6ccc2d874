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
