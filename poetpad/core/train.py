"""Training PoetLM models: the Trainer loop and `train_model`, which both faces call.

The Trainer knows nothing about threads or Qt. It reports through
`on_progress(event)` (plain dataclasses, throttled) and asks `should_stop()`
and `is_paused()` between batches. It checkpoints to one safetensors file
(tensors plus a JSON header, no pickle) every few minutes and when stopped, so
a killed run resumes where it left off.

On a CPU it uses every core the process may run on and, where the CPU does bf16
natively (AMX or AVX512-BF16), bf16 autocast; the loss, the optimiser state, the
saved weights and validation stay float32. Under torchrun (WORLD_SIZE > 1) the
same loop runs as DistributedDataParallel: each process trains on its share of
every batch, and rank 0 alone reports, checkpoints and saves the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors

from poetpad import __version__, paths
from poetpad.core import library, modelfile
from poetpad.core.corpus import (
    MIN_FINETUNE_CHARS,
    MIN_TRAIN_CHARS,
    SCRATCH_RECOMMENDED_CHARS,
    Corpus,
    load_corpus,
    split_train_valid,
)
from poetpad.core.cpu import available_cores, cpu_bf16
from poetpad.core.decode import SampleSettings, sample
from poetpad.core.model import ModelConfig, PoetLM, output_layer, preset_config
from poetpad.core.verse import Fingerprint, copied_lines
from poetpad.core.vocab import BOS_ID, PAD_ID, Vocab
from poetpad.errors import PoetPadError, TrainingError
from poetpad.locks import FileLock, LockHeld, clean_temp_files, is_live
from poetpad.locks import holder as lock_holder

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_CKPT_FILE = "checkpoint.safetensors"
SCRATCH_LR = 3e-3              # the learning rate of a new model
DEFAULT_MINUTES = 5.0          # the budget of a run given neither --max-minutes nor --epochs
AUTO_BASE = library.AUTO_BASE  # TrainJob.base_model: fine-tune the bundled model of the poems' language
FINETUNE_LR = 1e-3             # fine-tuning: gentler steps than from scratch (see benchmarks/RESULTS.md)
FINETUNE_WARMUP = 10           # steps; a base model needs no long warm-up
MIN_EVAL_STEPS = 5             # steps between validations at least, when epochs are a step or two (tiny corpora)
HELD_OUT_CHARS = 2_000         # a small corpus holds out whole poems until about this much text …
HELD_OUT_MAX_PERCENT = 20      # … but never more than this share of its poems
# The figures of the report that `poetpad train --json` prints.
REPORT_SUMMARY_KEYS = ("base_model", "held_out_loss", "base_held_out_loss", "uniform_loss", "verdict",
                       "copied_share")


# -- configuration and events -----------------------------------------------------------------


@dataclass
class TrainConfig:
    """How one run trains. The run ends at the first of `epochs` and `max_minutes` that is set (the default
    is a time budget); `lr` None is the recipe's choice (see `recipe`)."""

    epochs: int | None = None
    batch_size: int = 64
    seq_len: int = 256
    lr: float | None = None
    weight_decay: float = 0.01
    warmup_steps: int = 50
    min_lr_ratio: float = 0.1
    clip: float = 1.0
    max_minutes: float | None = DEFAULT_MINUTES
    device: str = "auto"
    amp: bool = True               # False: float32 whatever `precision` says (--no-amp)
    precision: str = "auto"        # auto | fp32 | bf16 | fp16: autocast's dtype for the forward pass
    threads: int | None = None     # CPU threads; None: every core this process may use (shared by local ranks)
    seed: int = 1234
    patience: int = 3              # validations without improvement before stopping early
    valid_percent: int = 5
    eval_every: int = 0            # also validate every N steps (0: once per epoch)
    min_eval_steps: int = 1        # an epoch's end validates only this many steps after the last validation
    checkpoint_minutes: float = 2.0
    samples: int = 3
    sample_tokens: int = 64
    progress_interval: float = 0.1  # seconds between StepProgress events

    def validate(self) -> None:
        checks = [
            (self.epochs is None or self.epochs >= 1, "--epochs must be at least 1"),
            (self.epochs is not None or self.max_minutes is not None,
             "a run needs a time budget (--max-minutes) or a number of --epochs"),
            (self.batch_size >= 1, "--batch must be at least 1"),
            (self.seq_len >= 8, "the sequence length must be at least 8"),
            (self.lr is None or 0 < self.lr <= 1, "--lr must be above 0 and at most 1"),
            (self.max_minutes is None or self.max_minutes > 0, "--max-minutes must be above 0"),
            (self.device in DEVICES, f"--device must be one of {', '.join(DEVICES)}"),
            (self.precision in PRECISIONS, f"--precision must be one of {', '.join(PRECISIONS)}"),
            (self.threads is None or (isinstance(self.threads, int) and self.threads >= 1),
             "--threads must be at least 1"),
            (0 <= self.valid_percent < 50, "the validation share must be 0 to 49 percent"),
            (self.patience >= 1, "the early-stopping patience must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainingError(message[0].upper() + message[1:] + ".")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def run_bound(epochs: int | None, max_minutes: float | None) -> str:
    """What ends a run: "time" (a budget alone), "epochs" (a count alone) or "both" (whichever comes first)."""
    if epochs is None:
        return "time"
    return "epochs" if max_minutes is None else "both"


@dataclass
class TrainEvent:
    """Base class of every progress event."""


@dataclass
class TrainStarted(TrainEvent):
    device: str
    device_name: str
    amp: str                    # autocast's dtype ("bfloat16", "float16") or "off"
    parameters: int
    vocab_size: int
    train_tokens: int
    valid_tokens: int
    steps_per_epoch: int
    total_steps: int            # 0 when only time bounds the run
    epochs: int | None          # None: no epoch limit
    resumed_step: int
    precision: str = "fp32"     # fp32 | bf16 | fp16: what the forward pass runs in
    softmax: str = "full"       # full | adaptive
    threads: int = 1            # CPU threads of each process
    world_size: int = 1         # processes training together (torchrun)
    batch_size: int = 0         # the global batch, split among the processes
    max_minutes: float | None = None  # the time budget (None: none)
    resumed_seconds: float = 0.0      # training time before this run resumed

    @property
    def bound(self) -> str:
        """What ends the run: "time", "epochs" or "both" (whichever comes first)."""
        return run_bound(self.epochs, self.max_minutes)


@dataclass
class StepProgress(TrainEvent):
    step: int
    total_steps: int            # 0 when only time bounds the run
    epoch: int
    epochs: int | None
    train_loss: float
    lr: float
    tokens_per_s: float
    elapsed_s: float
    eta_s: float
    fraction: float


@dataclass
class EvalDone(TrainEvent):
    epoch: int
    step: int
    train_loss: float
    valid_loss: float
    perplexity: float
    bits_per_char: float
    best: bool
    samples: list[str] = field(default_factory=list)


@dataclass
class Checkpointed(TrainEvent):
    step: int
    path: str


@dataclass
class PauseChanged(TrainEvent):
    paused: bool


@dataclass
class Note(TrainEvent):
    text: str


@dataclass
class TrainFinished(TrainEvent):
    reason: str                 # completed | early_stop | time_budget | cancelled
    steps: int
    seconds: float
    best_valid_loss: float | None


@dataclass
class TrainReport(TrainEvent):
    report: dict                # build_report's: figures, verdict, copied share, samples, advice


@dataclass
class TrainResult:
    model: PoetLM
    vocab: Vocab
    reason: str
    steps: int
    epochs_done: float
    seconds: float
    best_valid_loss: float | None
    history: list[dict]
    device: str
    device_name: str
    amp: str
    precision: str = "fp32"
    softmax: str = "full"
    threads: int = 1
    world_size: int = 1
    tokens: int = 0             # training tokens seen, over all processes (resumed runs included)
    report: dict | None = None  # what the model learnt (build_report), once the run has finished
    checkpoint_step: int | None = None  # the step of the last checkpoint written (None: none this run)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict:
        """The run in figures, as `poetpad train --json` prints it."""
        return {"tokens_per_second": round(self.tokens_per_second, 1), "steps": self.steps,
                "epochs": round(self.epochs_done, 4), "seconds": round(self.seconds, 2),
                "best_valid_loss": None if self.best_valid_loss is None else round(self.best_valid_loss, 5),
                "precision": self.precision, "softmax": self.softmax, "device": self.device,
                "world_size": self.world_size, "threads": self.threads, "reason": self.reason,
                **{key: (self.report or {}).get(key) for key in REPORT_SUMMARY_KEYS}}


# -- devices ------------------------------------------------------------------------------------


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


def _is_oom(exc: BaseException) -> bool:
    oom_type = getattr(torch, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


# -- many processes (torchrun) -----------------------------------------------------------------------


def torchrun_world_size() -> int:
    """The number of processes torchrun (or another launcher with its variables) started; 1 without one."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


class FollowerError(TrainingError):
    """An error rank 0 found and told the other processes about: only rank 0 shows it."""


@dataclass
class Distributed:
    """This process's place in a torchrun run: DDP goes over `group`, the loop's small agreements
    (targets counted, stop asked, time up, validation sums) over the gloo group `control`."""

    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    backend: str
    control: object = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def start(cls, device: str) -> Distributed:
        """Join the process group torchrun's variables describe (gloo on CPU, NCCL on CUDA)."""
        import torch.distributed as dist

        if not dist.is_available():
            raise TrainingError("This PyTorch has no torch.distributed; train with one process.")
        env = os.environ
        try:
            rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
            local_rank = int(env.get("LOCAL_RANK", rank))
            local_world = int(env.get("LOCAL_WORLD_SIZE", world))
        except (KeyError, ValueError) as exc:
            raise TrainingError("The torchrun environment (RANK, WORLD_SIZE) is incomplete; start the run with "
                                "torchrun.") from exc
        cuda = resolve_device(device).type == "cuda"
        if cuda:
            torch.cuda.set_device(local_rank % max(1, torch.cuda.device_count()))
        backend = "nccl" if cuda else "gloo"
        # Setting up (reading a large corpus) may take the processes a while, each at its own pace.
        dist.init_process_group(backend=backend, timeout=timedelta(minutes=10))
        # Every training step agrees over this group first, so a process that vanishes without closing
        # its connections is noticed within a minute.
        control = dist.new_group(backend="gloo", timeout=timedelta(seconds=60))
        return cls(rank, world, local_rank, local_world, backend, control)

    def stop(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    def all_sum(self, values: list[float]) -> list[float]:
        import torch.distributed as dist

        tensor = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(tensor, group=self.control)
        return tensor.tolist()

    def share(self, obj: object) -> object:
        """Rank 0's `obj`, on every rank."""
        import torch.distributed as dist

        box = [obj]
        dist.broadcast_object_list(box, src=0, group=self.control)
        return box[0]

    def gather(self, obj: object) -> list:
        import torch.distributed as dist

        out: list = [None] * self.world_size
        dist.all_gather_object(out, obj, group=self.control)
        return out

    def share_bytes(self, data: bytes | None) -> bytes:
        """Rank 0's bytes (a checkpoint) on every rank, so resuming needs the file on rank 0's machine only."""
        import torch.distributed as dist

        size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64)
        dist.broadcast(size, src=0, group=self.control)
        buf = (torch.frombuffer(bytearray(data), dtype=torch.uint8) if self.main and data
               else torch.empty(int(size), dtype=torch.uint8))
        if int(size):
            dist.broadcast(buf, src=0, group=self.control)
        return buf.numpy().tobytes()


def _peer_failure(exc: BaseException, rank: int, step: int, checkpoint: Path | None) -> TrainingError:
    text = str(exc).lower()
    if any(word in text for word in ("reset", "closed", "broken pipe", "eof")):
        why = "its connection closed"
    elif "timed out" in text or "timeout" in text:
        why = "it stopped answering"
    else:
        why = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
    kept = (f" The last checkpoint ({checkpoint}) is kept: run the same command with --resume and the same "
            "number of processes to continue." if checkpoint is not None and checkpoint.exists()
            else " No checkpoint had been written yet.")
    return TrainingError(f"Another process of this training run stopped ({why}), so process {rank} stopped too, "
                         f"at step {step}.{kept}")


def _is_peer_failure(exc: BaseException) -> bool:
    """Is `exc` a collective that failed because another process went away?"""
    import torch.distributed as dist

    if isinstance(exc, getattr(dist, "DistError", ())):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        word in text for word in ("gloo", "nccl", "connection", "timed out", "peer", "socket", "broken pipe"))


# -- data ---------------------------------------------------------------------------------------


def _targets(ids: torch.Tensor) -> torch.Tensor:
    """Targets with <bos> masked: after an <eos> the next <bos> is given, not predicted."""
    return ids.masked_fill(ids == BOS_ID, PAD_ID)


class Batches:
    """Windows of `seq_len + 1` tokens over one token stream, shuffled per epoch.

    Window starts step by `seq_len` from a random offset, and snap back to a poem's
    <bos> when one lies within a quarter window, so the model often sees poems begin
    from a zero state, as they do when it writes. The order depends only on the
    seed and the epoch, which makes a resumed run see the batches it would have seen.
    """

    def __init__(self, ids: np.ndarray, seq_len: int, batch_size: int, seed: int):
        self.ids = ids
        self.seq_len = max(2, min(seq_len, len(ids) - 1))
        self.batch_size = batch_size
        self.seed = seed
        self._bos = np.flatnonzero(ids == BOS_ID)
        self._arange = np.arange(self.seq_len + 1)

    def starts(self, epoch: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, epoch])
        span = len(self.ids) - self.seq_len - 1
        offset = int(rng.integers(0, min(self.seq_len, span + 1)))
        starts = np.arange(offset, span + 1, self.seq_len, dtype=np.int64)
        if len(self._bos):
            idx = np.searchsorted(self._bos, starts, side="right") - 1
            prev = np.where(idx >= 0, self._bos[np.maximum(idx, 0)], -1)
            snap = (prev >= 0) & (starts - prev <= self.seq_len // 4)
            starts = np.where(snap, prev, starts)
        return rng.permutation(starts)

    def steps_per_epoch(self, parts: int = 1) -> int:
        """Batches per epoch; split `parts` ways, a last batch too small for every part to get a window is dropped."""
        span = len(self.ids) - self.seq_len - 1
        n = len(range(0, span + 1, self.seq_len))
        full, rest = divmod(n, self.batch_size)
        return max(1, full + (1 if rest >= parts else 0))

    def count(self, starts: np.ndarray, parts: int = 1) -> int:
        """How many batches `starts` make (split `parts` ways, as steps_per_epoch counts them)."""
        full, rest = divmod(len(starts), self.batch_size)
        return full + (1 if rest >= parts else 0)

    def batch(self, starts: np.ndarray, index: int, part: int = 0, parts: int = 1) -> torch.Tensor:
        """Batch `index` of an epoch, or with `parts` > 1 this process's equal share of it (the global
        batch's windows are cut into `parts` runs; a remainder that does not divide is left out)."""
        chosen = starts[index * self.batch_size:(index + 1) * self.batch_size]
        if parts > 1:
            share = len(chosen) // parts
            chosen = chosen[part * share:(part + 1) * share]
        return torch.from_numpy(self.ids[chosen[:, None] + self._arange].astype(np.int64))


@torch.no_grad()
def evaluate_stream(model: PoetLM, ids: np.ndarray, block: int = 256, batch_size: int = 64,
                    device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None,
                    part: int = 0, parts: int = 1) -> tuple[float, int]:
    """Summed cross-entropy (nats) and count over non-overlapping blocks, each from a zero state.

    Block k holds tokens [k*block, k*block + block] and predicts the last `block` of them;
    the final block may be shorter. <bos> targets are not counted. The loss comes from
    `PoetLM.loss`, so an adaptive softmax is scored exactly without scoring every token.
    With `parts` > 1 only every parts-th group of blocks from `part` on is scored (the
    processes of a torchrun run share the work and add up their sums).
    """
    device = torch.device(device)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    n = len(ids) - 1
    starts = list(range(0, n, block))
    full = [s for s in starts if s + block <= n]
    tail = [s for s in starts if s + block > n]
    try:
        groups = [(full[i:i + batch_size], block) for i in range(0, len(full), batch_size)]
        groups += [([s], n - s) for s in tail]
        for group, length in groups[part::parts]:
            arr = np.stack([ids[s:s + length + 1] for s in group]).astype(np.int64)
            x = torch.from_numpy(arr).to(device)
            y = _targets(x[:, 1:])
            with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                loss = model.loss(x[:, :-1], y)
            total += float(loss)
            count += int((y != PAD_ID).sum())
    finally:
        model.train(was_training)
    return total, count


# -- the loop -----------------------------------------------------------------------------------


def _lr_factor(cfg: TrainConfig, step: int, progress: float) -> float:
    warm = min(1.0, (step + 1) / max(1, cfg.warmup_steps))
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return warm * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * cosine)


class _Objective(torch.nn.Module):
    """The training loss as a module's forward, so DistributedDataParallel can wrap it."""

    def __init__(self, model: PoetLM):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.model.loss(x, y)


class Trainer:
    """Trains one model on token streams. Call `run()` once.

    With `dist` (a torchrun run) every process builds its own Trainer on the same streams; each
    trains on its share of every global batch of `config.batch_size` windows, and only rank 0
    reports progress, writes checkpoints and keeps samples.
    """

    def __init__(self, model: PoetLM, vocab: Vocab, train_ids: np.ndarray, valid_ids: np.ndarray,
                 config: TrainConfig, *, checkpoint_path: Path | None = None,
                 on_progress: Callable[[TrainEvent], None] | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 is_paused: Callable[[], bool] | None = None,
                 sample_primes: Sequence[str] = (), checkpoint_extra: dict | None = None,
                 dist: Distributed | None = None, evaluate_first: bool = False):
        config.validate()
        if len(train_ids) < 3:
            raise TrainingError("The training text is too short to train on.")
        if config.lr is None:
            config = replace(config, lr=SCRATCH_LR)
        self.cfg = config
        self.vocab = vocab
        self.dist = dist
        self.world = dist.world_size if dist else 1
        self.rank = dist.rank if dist else 0
        if dist and config.batch_size % self.world:
            error = TrainingError if dist.main else FollowerError
            raise error(f"--batch {config.batch_size} does not divide among {self.world} processes; "
                        f"use a multiple of {self.world}.")
        self.device = resolve_device(config.device)
        if dist and self.device.type == "cuda":
            self.device = torch.device("cuda", torch.cuda.current_device())
        self.precision, self.amp_dtype = resolve_precision(config.precision, self.device, config.amp)
        self.threads = config.threads or default_threads(dist.local_world_size if dist else 1)
        self.model = model.to(self.device)
        self.objective: torch.nn.Module = _Objective(self.model)
        if dist:
            from torch.nn.parallel import DistributedDataParallel

            # DDP starts every process from rank 0's weights; its gradient average is turned into
            # the global batch's mean loss in _train_step.
            self.objective = DistributedDataParallel(
                self.objective, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self.train_ids = train_ids
        self.valid_ids = valid_ids
        self.batches = Batches(train_ids, config.seq_len, config.batch_size, config.seed)
        self.checkpoint_path = checkpoint_path
        self.checkpoint_extra = checkpoint_extra or {}
        main = dist is None or dist.main
        self.on_progress = (on_progress if main else None) or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.is_paused = is_paused or (lambda: False)
        self.sample_primes = list(sample_primes)[: config.samples] if main else []
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n]
        no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or "embed" in n]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=self.cfg.lr, betas=(0.9, 0.99), fused=self.device.type in ("cuda", "cpu"))
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        # Run state, saved in checkpoints.
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.elapsed = 0.0
        self.tokens = 0
        self.best_loss: float | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_evals = 0
        self.history: list[dict] = []
        self.steps_per_epoch = self.batches.steps_per_epoch(self.world)
        # With no epoch limit the run is bounded by time alone and its length in steps is not known (0).
        self.total_steps = self.steps_per_epoch * config.epochs if config.epochs else 0
        # Validate before the first step too (fine-tuning: the base model's own score on the held-out poems).
        self.evaluate_first = evaluate_first
        self.checkpoint_step: int | None = None  # the step of the last checkpoint written by this run
        self._finished: str | None = None        # why the loop ended, once it has (saved in the last checkpoint)
        self._last_ckpt = time.monotonic()
        # What the processes agreed on in the last step (see _agree).
        self._stop_agreed = False
        self._time_agreed = False

    @property
    def main(self) -> bool:
        return self.dist is None or self.dist.main

    @property
    def softmax(self) -> str:
        return self.model.config.output

    # -- checkpoints --------------------------------------------------------------------------

    def save_checkpoint(self) -> Path | None:
        if self.checkpoint_path is None or not self.main:
            self._last_ckpt = time.monotonic()
            return None
        tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()
                   if not (self.model.config.tied and k == "head.weight")}
        if self.best_state is not None:
            tensors.update({f"best.{k}": v for k, v in self.best_state.items()
                            if not (self.model.config.tied and k == "head.weight")})
        opt = self.optimizer.state_dict()
        for pid, pstate in opt["state"].items():
            for key, value in pstate.items():
                if torch.is_tensor(value):
                    tensors[f"opt.{pid}.{key}"] = value.detach().cpu().contiguous().reshape(-1) \
                        if value.dim() == 0 else value.detach().cpu().contiguous()
        tensors["rng.cpu"] = torch.get_rng_state()
        header = {
            "poetpad_version": __version__, "step": self.step, "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch, "elapsed": self.elapsed, "tokens": self.tokens,
            "best_loss": self.best_loss, "bad_evals": self.bad_evals, "history": self.history,
            "train_config": self.cfg.to_dict(), "world_size": self.world,
            "model_config": self.model.config.to_dict(), "vocab": self.vocab.to_dict(),
            "param_groups": [{k: v for k, v in g.items() if k != "params"} | {"params": g["params"]}
                             for g in opt["param_groups"]],
            "scalar_opt": sorted(f"{pid}.{k}" for pid, s in opt["state"].items()
                                 for k, v in s.items() if torch.is_tensor(v) and v.dim() == 0),
            "extra": self.checkpoint_extra,
        }
        if self._finished is not None:
            header["finished"] = self._finished
        data = save_safetensors(tensors, metadata={"poetpad": json.dumps(header, ensure_ascii=False)})
        del tensors
        path = self.checkpoint_path
        # The next one is due an interval from now, written or not: a full disk is tried again later.
        self._last_ckpt = time.monotonic()
        try:
            modelfile.atomic_write_bytes(path, data)
        except OSError as exc:
            log.warning("checkpoint at step %d failed: %s", self.step, exc)
            kept = (f"the checkpoint of step {self.checkpoint_step} is kept" if self.checkpoint_step is not None
                    else "the previous checkpoint is kept" if path.exists() else "there is no checkpoint yet")
            self.on_progress(Note(f"Could not write a checkpoint at step {self.step} ({exc.strerror or exc}); "
                                  f"{kept}, and training goes on (the next try is in "
                                  f"{self.cfg.checkpoint_minutes:g} minutes)."))
            return None
        self.checkpoint_step = self.step
        self.on_progress(Checkpointed(step=self.step, path=str(path)))
        return path

    def load_checkpoint(self, path: Path) -> None:
        if self.dist is not None:  # rank 0 reads the file and hands every process the same bytes
            data = path.read_bytes() if self.main else None
            header, tensors = parse_checkpoint(self.dist.share_bytes(data), path)
        else:
            header, tensors = read_checkpoint(path)
        _check_world(header, self.world)
        model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        if self.model.config.tied:
            model_state["head.weight"] = model_state["embed.weight"]
        try:
            self.model.load_state_dict(model_state)
        except RuntimeError as exc:
            raise TrainingError("The checkpoint does not fit this model; start afresh without --resume.") from exc
        best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
        if best:
            if self.model.config.tied:
                best["head.weight"] = best["embed.weight"]
            self.best_state = best
        scalar = set(header.get("scalar_opt", []))
        state: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith("opt."):
                _, pid, name = key.split(".", 2)
                value = value.reshape(()) if f"{pid}.{name}" in scalar else value
                state.setdefault(int(pid), {})[name] = value.to(self.device) if name != "step" else value
        groups = header["param_groups"]
        for g in groups:
            if "betas" in g:
                g["betas"] = tuple(g["betas"])
        self.optimizer.load_state_dict({"state": state, "param_groups": groups})
        torch.set_rng_state(tensors["rng.cpu"])
        self.step = int(header["step"])
        self.epoch = int(header["epoch"])
        self.batch_in_epoch = int(header["batch_in_epoch"])
        self.elapsed = float(header["elapsed"])
        self.tokens = int(header.get("tokens", 0))
        self.best_loss = header["best_loss"]
        self.bad_evals = int(header["bad_evals"])
        self.history = list(header["history"])
        self.checkpoint_step = self.step
        finished = header.get("finished")
        self._finished = finished if finished in ("completed", "early_stop", "time_budget") else None
        if self.dist is not None and not self.main:  # dropout differs between the processes
            torch.manual_seed(self.cfg.seed + 7919 * self.rank + self.step)

    # -- evaluation and samples ---------------------------------------------------------------

    def validate(self) -> float | None:
        """The mean validation loss, always in float32 (the processes of a torchrun run share the blocks)."""
        if len(self.valid_ids) < 2:
            return None
        total, count = evaluate_stream(self.model, self.valid_ids, self.cfg.seq_len, self.cfg.batch_size,
                                       self.device, None, part=self.rank, parts=self.world)
        if self.dist is not None:
            total, count = self.dist.all_sum([total, count])
        return total / max(1, count)

    def samples(self) -> list[str]:
        out = []
        settings = SampleSettings(temperature=0.8, top_k=40, max_tokens=self.cfg.sample_tokens,
                                  seed=self.cfg.seed)
        for prime in self.sample_primes:
            try:
                out.append(sample(self.model, self.vocab, prime, 1, settings)[0].text)
            except PoetPadError as exc:  # a sample is a courtesy; never stop training for it
                log.warning("sample failed: %s", exc)
        return out

    # -- main loop ----------------------------------------------------------------------------

    def _progress(self) -> float:
        frac = self.step / self.total_steps if self.total_steps else 0.0
        if self.cfg.max_minutes:
            frac = max(frac, self.elapsed / (self.cfg.max_minutes * 60.0))
        return min(1.0, frac)

    def _agree(self, count: int, out_of_time: bool) -> int:
        """Add up the targets of this step's global batch over the processes, and whether any process was
        asked to stop or rank 0's clock ran out (acted on after the step, by all processes alike)."""
        if self.dist is None:
            return count
        stop = self.should_stop()
        total, stops, times = self.dist.all_sum([count, float(stop), float(out_of_time and self.main)])
        self._stop_agreed = stops > 0
        self._time_agreed = times > 0
        return int(total)

    def _train_step(self, batch: torch.Tensor) -> torch.Tensor:
        """One optimiser step on `batch` (this process's share of the global batch); its mean loss, detached."""
        x, y = batch[:, :-1], _targets(batch[:, 1:])
        count = int((y != PAD_ID).sum())
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        with torch.autocast(device_type=self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None):
            total = self.objective(x, y)  # summed in float32 whatever the autocast dtype
        budget = self.cfg.max_minutes * 60.0 if self.cfg.max_minutes else None
        out_of_time = budget is not None and self.elapsed >= budget
        all_count = self._agree(count, out_of_time)
        # DDP averages the processes' gradients; scaled by the world size, that is the global batch's mean.
        loss = total * (self.world / max(1, all_count))
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.cfg.clip:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.tokens += all_count
        return total.detach() / max(1, count)

    def _evaluate(self, train_loss: float) -> bool:
        """Validate, keep the best weights, and say whether to stop early."""
        valid = self.validate()
        loss_for_best = valid if valid is not None else train_loss
        best = self.best_loss is None or loss_for_best < self.best_loss - 1e-4
        if best:
            self.best_loss = loss_for_best
            self.best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
            self.bad_evals = 0
        else:
            self.bad_evals += 1
        record = {"epoch": round(self.step / self.steps_per_epoch, 3), "step": self.step,
                  "train_loss": round(train_loss, 5), "valid_loss": None if valid is None else round(valid, 5),
                  "seconds": round(self.elapsed, 2)}
        self.history.append(record)
        shown = valid if valid is not None else train_loss
        epoch = max(1, math.ceil(self.step / self.steps_per_epoch))
        self.on_progress(EvalDone(epoch=epoch, step=self.step, train_loss=train_loss, valid_loss=shown,
                                  perplexity=math.exp(min(shown, 50.0)), bits_per_char=shown / math.log(2),
                                  best=best, samples=self.samples()))
        # Never before the warm-up is over: a model still warming up has not had its chance.
        return self.bad_evals >= self.cfg.patience and self.step >= self.cfg.warmup_steps

    def _evaluate_start(self) -> None:
        """Validate the starting weights (step 0): a fine-tuned model's base scored on the held-out poems.

        They are the first best, so a run that only makes the model worse keeps the base's weights."""
        valid = self.validate()
        if valid is None:
            return
        self.best_loss = valid
        self.best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
        self.history.append({"epoch": 0.0, "step": 0, "train_loss": None, "valid_loss": round(valid, 5),
                             "seconds": 0.0})
        self.on_progress(EvalDone(epoch=0, step=0, train_loss=float("nan"), valid_loss=valid,
                                  perplexity=math.exp(min(valid, 50.0)), bits_per_char=valid / math.log(2),
                                  best=True))

    def _amp_name(self) -> str:
        return str(self.amp_dtype).replace("torch.", "") if self.amp_dtype else "off"

    def run(self, resume_from: Path | None = None) -> TrainResult:
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            return self._run(resume_from)
        except PoetPadError:
            raise
        except Exception as exc:
            if self.dist is not None and _is_peer_failure(exc):
                raise _peer_failure(exc, self.rank, self.step, self.checkpoint_path) from exc
            raise
        finally:
            torch.set_num_threads(previous_threads)

    def _run(self, resume_from: Path | None) -> TrainResult:
        if resume_from is not None:
            self.load_checkpoint(resume_from)
        elif self.dist is not None:
            torch.manual_seed(self.cfg.seed + 7919 * self.rank)
        self.model.train()
        params = sum(p.numel() for p in self.model.parameters())
        self.on_progress(TrainStarted(
            device=str(self.device), device_name=device_name(self.device), amp=self._amp_name(),
            parameters=params, vocab_size=len(self.vocab), train_tokens=len(self.train_ids),
            valid_tokens=len(self.valid_ids), steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps, epochs=self.cfg.epochs, resumed_step=self.step,
            precision=self.precision, softmax=self.softmax, threads=self.threads, world_size=self.world,
            batch_size=self.cfg.batch_size, max_minutes=self.cfg.max_minutes, resumed_seconds=self.elapsed))
        self._last_ckpt = time.monotonic()
        if self.evaluate_first and self.step == 0 and not self.history:
            self._evaluate_start()
        reason = "completed"
        try:
            # A run that had finished but whose model could not be written goes straight to the save.
            reason = self._finished or self._loop()
        except Exception as exc:
            if _is_oom(exc):
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                half = max(1, self.cfg.batch_size // 2)
                raise TrainingError(f"The {self.device.type.upper()} device ran out of memory at batch size "
                                    f"{self.cfg.batch_size}; try --batch {half} or a smaller preset.") from exc
            raise
        if reason == "cancelled":
            self.save_checkpoint()
        else:
            # Before the model file is written: if that fails, this checkpoint keeps the whole run.
            self._finished = reason
            self.save_checkpoint()
        if reason != "cancelled" and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        self.on_progress(TrainFinished(reason=reason, steps=self.step, seconds=self.elapsed,
                                       best_valid_loss=self.best_loss))
        return TrainResult(
            model=self.model, vocab=self.vocab, reason=reason, steps=self.step,
            epochs_done=self.step / self.steps_per_epoch, seconds=self.elapsed,
            best_valid_loss=self.best_loss, history=self.history, device=str(self.device),
            device_name=device_name(self.device), amp=self._amp_name(), precision=self.precision,
            softmax=self.softmax, threads=self.threads, world_size=self.world, tokens=self.tokens,
            checkpoint_step=self.checkpoint_step)

    def _wait_while_paused(self) -> bool:
        """Block while paused (the clock stops); return True if a stop was asked for meanwhile."""
        if not self.is_paused():
            return False
        self.save_checkpoint()
        self.on_progress(PauseChanged(paused=True))
        while self.is_paused():
            if self.should_stop():
                return True
            time.sleep(0.05)
        self.on_progress(PauseChanged(paused=False))
        return False

    def _loop(self) -> str:
        cfg = self.cfg
        budget = cfg.max_minutes * 60.0 if cfg.max_minutes else None
        tokens_per_step = cfg.batch_size * self.batches.seq_len
        loss_sum = torch.zeros((), device=self.device)
        loss_n = 0
        last_report = time.monotonic()
        window_t, window_steps = last_report, 0
        last_loss = float("nan")
        mark: float | None = None
        many = self.dist is not None

        def drain() -> float:
            """The mean training loss since the last call (the last known one if no step ran)."""
            nonlocal loss_n, last_loss
            if loss_n:
                last_loss = float(loss_sum) / loss_n
            loss_sum.zero_()
            loss_n = 0
            return last_loss

        while cfg.epochs is None or self.epoch < cfg.epochs:
            starts = self.batches.starts(self.epoch)
            n_batches = self.batches.count(starts, self.world)
            while self.batch_in_epoch < n_batches:
                # One process alone must not stop: under torchrun the processes agree in the step (_agree).
                if not many and self.should_stop():
                    return "cancelled"
                if not many and self.is_paused():
                    if self._wait_while_paused():
                        return "cancelled"
                    window_t, window_steps, mark = time.monotonic(), 0, None
                if mark is None:  # after a pause, validation or checkpoint: those are not training time
                    mark = time.monotonic()
                factor = _lr_factor(cfg, self.step, self._progress())
                for group in self.optimizer.param_groups:
                    group["lr"] = cfg.lr * factor
                batch = self.batches.batch(starts, self.batch_in_epoch, self.rank, self.world)
                loss_sum += self._train_step(batch)
                loss_n += 1
                self.step += 1
                self.batch_in_epoch += 1
                window_steps += 1
                now = time.monotonic()
                if now - last_report >= cfg.progress_interval:
                    drain()
                    rate = window_steps * tokens_per_step / max(1e-9, now - window_t)
                    window_t, window_steps = now, 0
                    eta = ((self.total_steps - self.step) * tokens_per_step / max(rate, 1e-9) if self.total_steps
                           else math.inf)
                    if budget:
                        eta = min(eta, max(0.0, budget - self.elapsed))
                    self.on_progress(StepProgress(
                        step=self.step, total_steps=self.total_steps, epoch=self.epoch + 1, epochs=cfg.epochs,
                        train_loss=last_loss, lr=cfg.lr * factor, tokens_per_s=rate, elapsed_s=self.elapsed,
                        eta_s=eta, fraction=self._progress()))
                    last_report = now
                # Counted from the end of the last step's bookkeeping, so GPU work that only finishes
                # when the loss is read (the sync in drain) is still training time.
                end = time.monotonic()
                self.elapsed += end - mark
                mark = end
                if many and self._stop_agreed:
                    return "cancelled"
                out_of_time = self._time_agreed if many else budget is not None and self.elapsed >= budget
                if out_of_time or (cfg.eval_every and self.step % cfg.eval_every == 0):
                    if self._evaluate(drain()) and not out_of_time:
                        return "early_stop"
                    window_t, window_steps, mark = time.monotonic(), 0, None
                if out_of_time:
                    return "time_budget"
                if time.monotonic() - self._last_ckpt >= cfg.checkpoint_minutes * 60.0:
                    self.save_checkpoint()
                    mark = None
            self.epoch += 1
            self.batch_in_epoch = 0
            # A tiny corpus makes an epoch of a step or two: validating (and sampling) after every one would
            # take most of the time, so it waits for min_eval_steps steps.
            since = self.step - (self.history[-1]["step"] if self.history else 0)
            if since >= cfg.min_eval_steps and not (cfg.eval_every and self.step % cfg.eval_every == 0):
                if self._evaluate(drain()):
                    return "early_stop"
                window_t, window_steps, mark = time.monotonic(), 0, None
        return "completed"


def read_checkpoint_header(path: Path) -> dict:
    """The JSON header of a checkpoint file, without reading its tensors."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            header = json.loads((fh.metadata() or {}).get("poetpad", "{}"))
    except Exception as exc:  # any damage to the file means the same thing to the user
        raise TrainingError(f"The checkpoint {path} is damaged; start afresh without --resume.") from exc
    if not isinstance(header, dict) or "step" not in header:
        raise TrainingError(f"The checkpoint {path} is not a PoetPad checkpoint; start afresh without --resume.")
    return header


def parse_checkpoint(data: bytes, path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """The header and tensors of a checkpoint held in memory (`path` names it in errors)."""
    damaged = TrainingError(f"The checkpoint {path} is damaged; start afresh without --resume.")
    try:
        (size,) = struct.unpack("<Q", data[:8])
        meta = json.loads(data[8:8 + size].decode("utf-8")).get("__metadata__") or {}
        header = json.loads(meta.get("poetpad", "{}"))
        tensors = load_safetensors_bytes(data)
    except Exception as exc:  # any damage to the file means the same thing to the user
        raise damaged from exc
    if not isinstance(header, dict) or "step" not in header:
        raise TrainingError(f"The checkpoint {path} is not a PoetPad checkpoint; start afresh without --resume.")
    return header, tensors


def read_checkpoint(path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """The header and tensors of a checkpoint file (safetensors; no code runs)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TrainingError(f"The checkpoint {path} cannot be read; start afresh without --resume.") from exc
    return parse_checkpoint(data, path)


# -- the whole job: corpus → vocab → model → trainer → model file --------------------------------


def checkpoint_path(name: str) -> Path:
    return paths.checkpoints_dir() / library.check_name(name) / _CKPT_FILE


def has_checkpoint(name: str) -> bool:
    return checkpoint_path(name).exists()


@dataclass
class InterruptedRun:
    """A run kept as a checkpoint, as the training dialog offers it for resuming."""

    name: str
    step: int
    seconds: float               # training time so far
    epochs: int | None           # the run's own bounds, from its checkpoint
    max_minutes: float | None
    base_model: str | None
    paths: list[str]             # the poems it trained on ([] for a checkpoint older than this field)
    simplify: bool


def interrupted_runs() -> list[InterruptedRun]:
    """Every interrupted run in the data dir, newest first; damaged checkpoints are left out (and logged)."""
    found: list[tuple[float, InterruptedRun]] = []
    for ckpt in paths.checkpoints_dir().glob(f"*/{_CKPT_FILE}"):
        try:
            header = read_checkpoint_header(ckpt)
            config = header.get("train_config") or {}
            extra = header.get("extra") or {}
            run = InterruptedRun(
                name=ckpt.parent.name, step=int(header["step"]), seconds=float(header.get("elapsed", 0.0)),
                epochs=config.get("epochs"), max_minutes=config.get("max_minutes"),
                base_model=extra.get("base_model"), paths=[str(p) for p in extra.get("paths") or []],
                simplify=bool(extra.get("simplify", False)))
            found.append((ckpt.stat().st_mtime, run))
        except (TrainingError, OSError, TypeError, ValueError, KeyError) as exc:
            log.warning("ignoring the checkpoint %s: %s", ckpt, exc)
    return [run for _, run in sorted(found, key=lambda pair: pair[0], reverse=True)]


def run_lock_path(name: str) -> Path:
    """The lock that keeps one run per model name (see poetpad.locks; library.is_training reads it)."""
    return library.training_lock_path(name)


def _refuse_if_training(name: str, lock: FileLock | None = None) -> None:
    if (lock is None or not lock.held) and is_live(run_lock_path(name)):
        who = LockHeld(run_lock_path(name), lock_holder(run_lock_path(name))).describe()
        raise TrainingError(f"'{name}' is being trained right now (by {who}); wait for that run to end, or "
                            "choose another name.")


def discard_checkpoint(name: str, lock: FileLock | None = None) -> None:
    """Remove an interrupted run's checkpoint and any temp files its writes left; refused while another
    process trains `name` (`lock`: the run lock this caller holds)."""
    _refuse_if_training(name, lock)
    path = checkpoint_path(name)
    path.unlink(missing_ok=True)
    clean_temp_files(path.parent, older_than=0)
    try:
        path.parent.rmdir()
    except OSError:
        pass


@dataclass
class TrainJob:
    """Everything `train_model` needs; the CLI and the GUI fill one in."""

    paths: list[str]
    name: str
    preset: str = "small"
    cell: str | None = None
    tokenizer: str = "char"
    min_freq: int | None = None
    embedding: int | None = None
    hidden: int | None = None
    layers: int | None = None
    dropout: float | None = None
    tied: bool | None = None
    softmax: str = "auto"          # auto | full | adaptive (a fine-tuned model keeps its base's)
    base_model: str | None = None
    resume: bool = False
    fresh: bool = False            # discard an interrupted run of `name` first (under the run's lock)
    simplify: bool = False
    vocab: Vocab | None = None     # a ready vocabulary for a fresh run (else built from the corpus)
    extend_vocab: bool = True      # fine-tuning adds the corpus's new tokens (False: a warm restart on the base's text)
    config: TrainConfig = field(default_factory=TrainConfig)


def held_out_percent(chars: int, valid_percent: int) -> int:
    """The share of the poems held out: `valid_percent`, raised for a small corpus until the held-out poems
    hold about HELD_OUT_CHARS characters (at most HELD_OUT_MAX_PERCENT), so that one poem more or less
    does not decide when training stops or what the report says."""
    if not valid_percent:
        return 0
    wanted = math.ceil(100 * HELD_OUT_CHARS / max(1, chars))
    return max(valid_percent, min(HELD_OUT_MAX_PERCENT, wanted))


def _split_poems(corpus: Corpus, percent: int, valid_percent: int) -> tuple[list, list, str]:
    """(train, held-out, how): a large corpus splits by md5(poem) mod 100; a small one holds out exactly
    `percent` of its poems, those of the lowest md5 (stable, whatever the order of the files)."""
    if percent <= valid_percent:
        train, valid = split_train_valid(corpus.poems, valid_percent)
        return train, valid, f"md5(poem) mod 100 < {valid_percent} is validation"
    poems = corpus.poems
    k = min(len(poems) - 1, max(1, round(len(poems) * percent / 100)))
    order = sorted(range(len(poems)), key=lambda i: hashlib.md5(poems[i].text.encode("utf-8"),
                                                                 usedforsecurity=False).hexdigest())
    held = set(order[:k])
    train = [p for i, p in enumerate(poems) if i not in held]
    valid = [p for i, p in enumerate(poems) if i in held]
    return train, valid, f"the {k} poems of lowest md5 ({percent}% of a small corpus) are validation"


def _split_streams(corpus: Corpus, vocab: Vocab, valid_percent: int) -> tuple[np.ndarray, np.ndarray, dict]:
    percent = held_out_percent(corpus.stats.chars, valid_percent)
    train_poems, valid_poems, method = _split_poems(corpus, percent, valid_percent)
    train_ids = vocab.encode_poems(p.text for p in train_poems)
    valid_ids = vocab.encode_poems(p.text for p in valid_poems)
    split = {"method": method, "train_poems": len(train_poems), "valid_poems": len(valid_poems)}
    # Too few validation poems (small corpora): hold out the last tenth of the stream instead.
    total = len(train_ids) + len(valid_ids)
    if valid_percent and len(valid_ids) < max(64, total // 100):
        ids = vocab.encode_poems(p.text for p in corpus.poems)
        cut = int(len(ids) * 0.9)
        train_ids, valid_ids = ids[:cut], ids[cut:]
        split = {"method": "last 10% of the token stream is validation (too few poems for a per-poem split)",
                 "train_poems": None, "valid_poems": None}
    split.update(train_tokens=int(len(train_ids)), valid_tokens=int(len(valid_ids)))
    return train_ids, valid_ids, split


def _grow_vocab(bundle: modelfile.ModelBundle, vocab: Vocab) -> PoetLM:
    """A copy of the bundle's model with rows for the tokens `vocab` appended."""
    old = bundle.model
    config = ModelConfig.from_dict(dict(old.config.to_dict(), vocab_size=len(vocab)))
    model = PoetLM(config)
    state = old.state_dict()
    new_state = model.state_dict()
    n_old = old.config.vocab_size
    for key, value in state.items():
        target = new_state[key]
        if value.shape == target.shape:
            target.copy_(value)
        else:  # embedding, head weight or head bias: copy old rows, start new ones near the average
            target[:n_old] = value
            target[n_old:] = value.mean(dim=0) if value.dim() > 1 else value.min()
    model.load_state_dict(new_state)
    return model


def _check_job(job: TrainJob, lock: FileLock | None = None) -> tuple[str, Path]:
    """The job's model name and checkpoint path, once its options, name and checkpoint state allow the run
    (`lock`: the run lock, held by now; leftover temp files of earlier runs of the name go)."""
    name = library.check_name(job.name)
    job.config.validate()
    if lock is not None:
        _clean_leftovers(name)
    if job.fresh:
        discard_checkpoint(name, lock)
    if library.exists(name):
        raise TrainingError(f"A model called '{name}' already exists; choose another name or delete it first.")
    ckpt = checkpoint_path(name)
    if job.resume and not ckpt.exists():
        raise TrainingError(f"There is no interrupted run of '{name}' to resume.")
    if not job.resume and ckpt.exists():
        raise TrainingError(f"An interrupted run of '{name}' exists; add --resume to continue it, or --fresh to "
                            "discard it and start again.")
    return name, ckpt


def _training_corpus(job: TrainJob, corpus: Corpus | None, fine_tuning: bool) -> Corpus:
    """The corpus given, or the job's files read; either must hold enough text to train on."""
    min_chars = MIN_FINETUNE_CHARS if fine_tuning else MIN_TRAIN_CHARS
    if corpus is None:
        return load_corpus(job.paths, simplify=job.simplify, min_chars=min_chars)
    if corpus.stats.chars < min_chars:
        raise TrainingError(f"The corpus has {corpus.stats.chars:,} characters of poems; training needs at least "
                            f"{min_chars:,}.")
    return corpus


def _check_world(header: dict, world: int) -> None:
    """A run resumes with as many processes as it had (each one's share of every batch depends on it)."""
    saved = int(header.get("world_size", 1))
    if saved != world:
        raise TrainingError(f"The interrupted run trained with {saved} process{'' if saved == 1 else 'es'}; "
                            f"resume it with the same number, not {world}.")


def _resumed_start(header: dict, corpus: Corpus, cfg: TrainConfig) -> tuple[Vocab, PoetLM, TrainConfig, str | None]:
    """Vocab, model, training config and base model name of the interrupted run (weights load later).

    The recipe is the checkpoint's; where it runs (device, precision, threads) is the caller's.
    """
    extra = header.get("extra", {})
    if extra.get("corpus_sha256") != corpus.sha256:
        raise TrainingError("The corpus changed since the interrupted run; resume with the same files, or "
                            "use --fresh to start again.")
    vocab = Vocab.from_dict(header["vocab"])
    model = PoetLM(ModelConfig.from_dict(header["model_config"]))
    here = {"device": cfg.device, "precision": cfg.precision, "amp": cfg.amp, "threads": cfg.threads,
            "checkpoint_minutes": cfg.checkpoint_minutes}
    cfg = TrainConfig.from_dict(header["train_config"] | here)
    return vocab, model, cfg, extra.get("base_model")


def _fine_tuning_start(base: modelfile.ModelBundle, base_name: str, corpus: Corpus,
                       notify: Callable[[TrainEvent], None], softmax: str = "auto",
                       extend: bool = True) -> tuple[Vocab, PoetLM]:
    """The base model, grown by the corpus's new tokens (announced in a Note), and its vocab.

    The model keeps its base's output layer. An adaptive softmax keeps its cutoffs too: new
    tokens are appended to the vocabulary, so they join the last (rarest) cluster, where a token
    the base model never saw belongs, and no id or cluster of the base model moves.
    """
    if softmax not in ("auto", base.config.output):
        notify(Note(f"Fine-tuning keeps {base_name}'s {base.config.output} softmax; --softmax {softmax} does "
                    "not apply."))
    vocab = base.vocab
    if not extend:
        return vocab, base.model
    vocab, added = vocab.extended(p.text for p in corpus.poems)
    model = _grow_vocab(base, vocab) if added else base.model
    if added:
        shown = "".join(added[:20]) if vocab.kind == "char" else ", ".join(added[:10])
        notify(Note(f"Added {len(added)} new tokens to {base_name}'s vocabulary: {shown}"
                    f"{'…' if len(added) > (20 if vocab.kind == 'char' else 10) else ''}"))
    return vocab, model


def _fresh_start(job: TrainJob, corpus: Corpus) -> tuple[Vocab, PoetLM]:
    """The job's vocab (or one built from the corpus) and a new model of the job's preset and options."""
    default_min = 2 if job.tokenizer == "word" else 1
    vocab = job.vocab or Vocab.build((p.text for p in corpus.poems), kind=job.tokenizer,
                                     min_freq=job.min_freq if job.min_freq is not None else default_min)
    try:
        output, cutoffs = output_layer(job.softmax, len(vocab))
        overrides = dict(cell=job.cell, embedding=job.embedding, hidden=job.hidden, layers=job.layers,
                         dropout=job.dropout, tied=job.tied, output=output, cutoffs=cutoffs or None)
        model = PoetLM(preset_config(job.preset, len(vocab), **overrides))
    except PoetPadError as exc:
        raise TrainingError(str(exc).replace("The model configuration's", "The option")) from exc
    return vocab, model


def _note_small_corpus(corpus: Corpus, notify: Callable[[TrainEvent], None]) -> None:
    if corpus.stats.chars < 20_000:
        notify(Note(f"The corpus is small ({corpus.stats.chars:,} characters): the model will tend to copy "
                    "your poems rather than write new ones."))


default_base = library.default_base


def scratch_advice(chars: int) -> str:
    """When a new model is worth training from nothing, and why (for a Note and the CLI's help)."""
    return (f"Train from scratch (--scratch) only with {SCRATCH_RECOMMENDED_CHARS:,} characters of poems or more "
            f"(this corpus has {chars:,}): a new model must learn the language itself before it can learn "
            "your style, and the bundled models learnt it from millions of characters over hours.")


def _resolve_base(job: TrainJob, corpus: Corpus, notify: Callable[[TrainEvent], None]) -> str | None:
    """The model a run starts from: the job's, the bundled one of the poems' language for AUTO_BASE
    (announced in a Note), or None to train from scratch (then the corpus must be large enough for that)."""
    base = job.base_model
    chars = corpus.stats.chars
    if base == AUTO_BASE:
        language = corpus.stats.language
        info = default_base(language)
        base = info.name if info is not None else None
        if base is not None:
            notify(Note(f"Fine-tuning {base}, the bundled {library.LANGUAGES.get(language, language)} model, on "
                        f"these poems, so the new model keeps how it writes and learns your style. "
                        + scratch_advice(chars)))
        else:
            notify(Note(f"No bundled model writes {library.LANGUAGES.get(language, language)}, so a new model is "
                        "trained from scratch."))
    if base is None and chars < MIN_TRAIN_CHARS:
        raise TrainingError(f"The corpus has {chars:,} characters of poems; training a new model needs at least "
                            f"{MIN_TRAIN_CHARS:,}, or fine-tune an existing one.")
    if base is None and job.base_model is None and chars < SCRATCH_RECOMMENDED_CHARS and default_base(
            corpus.stats.language) is not None:
        notify(Note("Training from scratch as asked; with this few poems, fine-tuning the bundled model "
                    "(the default) usually writes far better. " + scratch_advice(chars)))
    return base


def recipe(cfg: TrainConfig, fine_tuning: bool) -> TrainConfig:
    """The run's config with the choices left to the recipe made: the learning rate, and for fine-tuning a
    short warm-up. Fine-tuning steps gently (FINETUNE_LR) and keeps its best weights by the held-out poems,
    the base model's own score among them, so it can only move away from the base where that helps.
    Validation waits MIN_EVAL_STEPS steps at least, so a tiny corpus trains rather than validates."""
    changes: dict = {}
    if cfg.lr is None:
        changes["lr"] = FINETUNE_LR if fine_tuning else SCRATCH_LR
    if fine_tuning:
        changes["warmup_steps"] = min(cfg.warmup_steps, FINETUNE_WARMUP)
    changes["min_eval_steps"] = max(cfg.min_eval_steps, MIN_EVAL_STEPS)
    return replace(cfg, **changes)


def _unigram_loss(train_ids: np.ndarray, valid_ids: np.ndarray, size: int) -> float | None:
    """Nats per token on the held-out text of guessing by how often each token occurs in the training text
    (add-one smoothed): a model no better than this has learnt only which characters are common."""
    targets = valid_ids[1:]
    targets = targets[(targets != BOS_ID) & (targets != PAD_ID)]
    if not len(targets):
        return None
    counts = np.bincount(train_ids[(train_ids != BOS_ID) & (train_ids != PAD_ID)], minlength=size)[:size] + 1.0
    probs = counts / counts.sum()
    return float(-np.log(probs[targets]).mean())


def _report_samples(model: PoetLM, vocab: Vocab, corpus: Corpus, n: int, seed: int) -> list[str]:
    """`n` poems the trained model writes, each begun with the first token of one of the user's poems."""
    poems = corpus.poems
    tokens = sum(len(vocab.tokenize(p.text)) for p in poems[:200]) / max(1, min(200, len(poems)))
    settings = SampleSettings(temperature=0.8, top_k=40, max_tokens=int(min(400, max(32, 1.5 * tokens))), seed=seed)
    out: list[str] = []
    for prime in _sample_primes(corpus, vocab, n):
        try:
            out.append(sample(model.cpu(), vocab, prime, 1, settings)[0].text.strip())
        except PoetPadError as exc:  # a sample is a courtesy; the report does without it
            log.warning("report sample failed: %s", exc)
        settings = replace(settings, seed=settings.seed + 1)
    return [text for text in out if text]


# Verdicts, from the figures: see build_report.
LEARNT_STYLE, LEARNT_NOTHING, MEMORISED = "learnt_style", "learnt_nothing", "memorised"
MIN_GAIN = 0.01        # nats per character: less than this over the base (or over guessing by frequency) is nothing
COPIED_TOO_MUCH = 0.25  # a quarter of the lines it writes found in the user's poems: it mostly memorised them


def build_report(result: TrainResult, vocab: Vocab, corpus: Corpus, train_ids: np.ndarray,
                 valid_ids: np.ndarray, split: dict, base_name: str | None, seed: int = 0,
                 samples: int = 6) -> dict:
    """What the run learnt, in figures and plain words: the held-out loss of the new model next to the base
    model's (its step-0 validation) and to uniform guessing, the share of lines it writes that are copied
    from the user's poems, a few sample poems, a verdict and what to do about it."""
    held = result.best_valid_loss if len(valid_ids) > 1 else None
    base_loss = next((r.get("valid_loss") for r in result.history if r.get("step") == 0), None) \
        if base_name else None
    uniform = math.log(len(vocab))
    unigram = _unigram_loss(train_ids, valid_ids, len(vocab))
    texts = _report_samples(result.model, vocab, corpus, samples, seed)
    fp = Fingerprint.build(line for p in corpus.poems for line in p.text.split("\n"))
    lines = [line for text in texts for line in text.split("\n") if len(line.strip()) >= 4]
    copied = len(copied_lines(lines, fp))
    share = copied / len(lines) if lines else None
    if share is not None and share >= COPIED_TOO_MUCH:
        verdict = MEMORISED
    elif held is None:
        verdict = LEARNT_NOTHING if result.steps == 0 else LEARNT_STYLE
    elif base_loss is not None:
        verdict = LEARNT_STYLE if held <= base_loss - MIN_GAIN else LEARNT_NOTHING
    else:
        floor = unigram if unigram is not None else uniform
        verdict = LEARNT_STYLE if held <= floor - MIN_GAIN else LEARNT_NOTHING
    report = {
        "base_model": base_name,
        "held_out_loss": None if held is None else round(held, 4),
        "base_held_out_loss": None if base_loss is None else round(base_loss, 4),
        "uniform_loss": round(uniform, 4),
        "unigram_loss": None if unigram is None else round(unigram, 4),
        "held_out_poems": split.get("valid_poems"), "held_out_tokens": split.get("valid_tokens"),
        "verdict": verdict,
        "copied_share": None if share is None else round(share, 3),
        "copied_lines": copied, "sample_lines": len(lines),
        "samples": texts[:4], "sample_poems": len(texts),
        "chars": corpus.stats.chars, "steps": result.steps, "reason": result.reason,
    }
    report["advice"] = _advice(report)
    return report


def _advice(report: dict) -> list[str]:
    """What to try next, as keys the faces word themselves: more_poems, more_time, fine_tune, less_time."""
    verdict, base = report["verdict"], report["base_model"]
    advice = []
    if verdict == LEARNT_NOTHING:
        if report["chars"] < 20_000:
            advice.append("more_poems")
        if report["reason"] == "time_budget":
            advice.append("more_time")
        if base is None:
            advice.append("fine_tune")
    elif verdict == MEMORISED:
        advice.append("more_poems")
        if base is None:
            advice.append("fine_tune")
    return advice


_ADVICE_TEXT = {
    "more_poems": "give it more poems (a few thousand characters at least)",
    "more_time": "give it more time (--max-minutes)",
    "fine_tune": "fine-tune a model that already writes (the default, or --from MODEL) instead of training "
                 "from scratch",
}


def report_lines(report: dict) -> list[str]:
    """The report in plain English sentences (the CLI prints them; the window words its own)."""
    held, base, uniform = report.get("held_out_loss"), report.get("base_held_out_loss"), report.get("uniform_loss")
    poems = report.get("held_out_poems")
    where = f"{poems} of your poems it did not train on" if poems else "held-out text from your poems"
    lines = []
    if held is not None:
        figures = f"On {where}: {held:.3f} nats per character"
        if base is not None:
            figures += f", against {base:.3f} for {report['base_model']}"
        figures += f" and {uniform:.3f} for guessing at random (lower is better)."
        lines.append(figures)
    verdict = report.get("verdict")
    if verdict == LEARNT_STYLE:
        if base is not None and held is not None:
            lines.append(f"It learnt your style: it predicts your poems {100 * (1 - math.exp(held - base)):.0f}% "
                         f"better per character than {report['base_model']} did, and still writes like it.")
        else:
            lines.append("It learnt your style: it predicts your poems better than guessing by how often each "
                         "character occurs.")
    elif verdict == LEARNT_NOTHING:
        if base is not None:
            lines.append(f"It learnt nothing measurable from your poems: it scores them as {report['base_model']} "
                         f"does, and writes as {report['base_model']} does.")
        else:
            lines.append("It learnt nothing: it predicts your poems no better than guessing by how often each "
                         "character occurs, so what it writes will be gibberish.")
    elif verdict == MEMORISED:
        lines.append("It mostly memorised your poems: many of the lines it writes are copied from them.")
    share = report.get("copied_share")
    if share is not None:
        lines.append(f"Lines copied from your poems: {report['copied_lines']} of {report['sample_lines']} "
                     f"({100 * share:.0f}%) in {report.get('sample_poems')} sample poems.")
    advice = [_ADVICE_TEXT[key] for key in report.get("advice", []) if key in _ADVICE_TEXT]
    if advice:
        lines.append("To do better: " + "; ".join(advice) + ".")
    return lines


def _clean_leftovers(name: str) -> None:
    """Temp files that runs of `name` left when they died (the caller holds the name's run lock), and any
    temp file in the user library older than an hour."""
    ckpt = checkpoint_path(name)
    clean_temp_files(ckpt.parent, older_than=0)
    models = paths.user_models_dir()
    clean_temp_files(models, older_than=0, target=library.user_path(name).name)
    clean_temp_files(models)


def _kept(result: TrainResult, name: str) -> str:
    """What is kept of a run whose model was not saved, and how to go on."""
    if result.checkpoint_step is not None and checkpoint_path(name).exists():
        return (f"The run is kept as a checkpoint (step {result.checkpoint_step}): resume it with --resume "
                "(Resume in the window) to save the model.")
    return "No checkpoint could be written either, so the run is lost."


# Bytes per stored value: the weights, the best weights and AdamW's two moments (float32 each).
_CKPT_BYTES_PER_PARAM = 16
_MODEL_BYTES_PER_PARAM = 4
_SLACK = 2 * 1024 * 1024


def space_needed(model: PoetLM, vocab: Vocab, corpus: Corpus) -> tuple[int, int]:
    """(checkpoint, model file) sizes in bytes, estimated before training: what the run will write."""
    params = sum(p.numel() for p in model.parameters())
    extra = 64 * len(vocab) + 64 * 1024
    fingerprint = corpus.stats.chars // 2  # the lines' Bloom filter, in base64: under half a byte per character
    return params * _CKPT_BYTES_PER_PARAM + extra, params * _MODEL_BYTES_PER_PARAM + extra + fingerprint


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def preflight(name: str, model: PoetLM, vocab: Vocab, corpus: Corpus, resume: bool) -> None:
    """Before any work: can the checkpoints and the model be written, and is there room for them?

    At most, a checkpoint is rewritten beside the last one (two at once) and the model is written
    while the last checkpoint stays. Raise a TrainingError saying what is missing."""
    import shutil

    from poetpad.fileio import open_temp_beside

    ckpt = checkpoint_path(name)
    target = library.user_path(name)
    for folder in (ckpt.parent, target.parent):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = open_temp_beside(folder / ".write-test")
            os.close(fd)
            tmp.unlink()
        except OSError as exc:
            raise TrainingError(f"PoetPad cannot write to {folder} ({exc.strerror or exc}), so it could keep neither "
                                "checkpoints nor the model; make the data folder writable, or set "
                                "POETPAD_DATA_DIR to a writable one.") from exc
    ckpt_size, model_size = space_needed(model, vocab, corpus)
    existing = ckpt.stat().st_size if resume and ckpt.exists() else 0
    needed = max(2 * ckpt_size, ckpt_size + model_size) - existing + _SLACK
    try:
        same = os.stat(ckpt.parent).st_dev == os.stat(target.parent).st_dev
        free = shutil.disk_usage(ckpt.parent).free
        if not same:  # two disks: each needs its share
            free_models = shutil.disk_usage(target.parent).free
            if free_models < model_size + _SLACK:
                raise TrainingError(f"Training '{name}' needs {_mb(model_size + _SLACK)} free in {target.parent} "
                                    f"for the model, and there is {_mb(free_models)}; free some space first.")
            needed = 2 * ckpt_size - existing + _SLACK
    except OSError as exc:
        log.warning("could not measure free space: %s", exc)
        return
    if free < needed:
        raise TrainingError(f"Training '{name}' needs {_mb(needed)} free in {paths.data_dir()} (checkpoints of "
                            f"{_mb(ckpt_size)} and a model of {_mb(model_size)}), and there is {_mb(free)}; free "
                            "some space, or choose a smaller preset.")


def _save_trained(name: str, corpus: Corpus, vocab: Vocab, result: TrainResult, cfg: TrainConfig, split: dict,
                  base_name: str | None, lock: FileLock | None = None) -> Path:
    """Save the trained model into the user library and drop its checkpoint; refuse diverged weights.

    The run's last checkpoint was written just before (Trainer._run): when the model cannot be
    written, it is kept and the error says how to resume."""
    if not all(torch.isfinite(p).all() for p in result.model.parameters()):
        raise TrainingError("Training diverged (the weights became NaN or infinite); try a lower --lr. "
                            "Nothing was saved.")
    meta = build_meta(name, corpus, vocab, result, cfg, split, base_name)
    if library.exists(name):
        raise TrainingError(f"A model called '{name}' appeared while training. {_kept(result, name)}")
    try:
        path = modelfile.save_model(library.user_path(name), result.model.cpu(), vocab, meta)
    except OSError as exc:
        raise TrainingError(f"Could not save the model '{name}' ({exc.strerror or exc}). "
                            f"{_kept(result, name)}") from exc
    discard_checkpoint(name, lock)
    log.info("trained %s in %.1fs (%s): best valid loss %s", name, result.seconds, result.reason,
             result.best_valid_loss)
    return path


def train_model(job: TrainJob, *, on_progress: Callable[[TrainEvent], None] | None = None,
                should_stop: Callable[[], bool] | None = None, is_paused: Callable[[], bool] | None = None,
                corpus: Corpus | None = None, distributed: bool = False) -> tuple[TrainResult, Path | None]:
    """Train (or fine-tune, or resume) and save the model into the user library.

    Returns the result and the saved model's path, or None when the run was cancelled
    (its checkpoint stays, so `resume=True` continues it).

    `distributed=True` is for a process torchrun started (see `torchrun_world_size`): every
    process calls this with the same job; rank 0 checks the job, reports, checkpoints and saves,
    and the other processes return None for the path.
    """
    dist = Distributed.start(job.config.device) if distributed else None
    held: list[FileLock] = []
    try:
        _on_rank0(dist, lambda: held.append(_lock_run(job.name)))  # rank 0 holds it; the others learn the outcome
        lock = held[0] if held else None
        return _train(job, on_progress, should_stop, is_paused, corpus, dist, lock)
    finally:
        for lock in held:
            lock.release()
        if dist is not None:
            dist.stop()


def _lock_run(name: str) -> FileLock:
    """Hold the lock of `name`'s run, or refuse at once: one run per model name."""
    name = library.check_name(name)
    path = run_lock_path(name)
    try:
        return FileLock(path, name=name).acquire()
    except LockHeld as exc:
        raise TrainingError(f"'{name}' is being trained right now (by {exc.describe()}); wait for that run to end, "
                            "or choose another name.") from None
    except OSError as exc:
        raise TrainingError(f"PoetPad cannot write to {path.parent} ({exc.strerror or exc}), so it could keep neither "
                            "checkpoints nor the model; make the data folder writable, or set POETPAD_DATA_DIR to "
                            "a writable one.") from exc


def _on_rank0(dist: Distributed | None, work: Callable[[], object]) -> object:
    """work() on rank 0, its result (or its PoetPadError, shown by rank 0 alone) on every process."""
    if dist is None:
        return work()
    outcome: tuple[str, object] = ("ok", None)
    if dist.main:
        try:
            outcome = ("ok", work())
        except PoetPadError as exc:
            dist.share(("error", str(exc)))
            raise
    kind, value = dist.share(outcome)
    if kind == "error":
        raise FollowerError(str(value))
    return value


def _train(job: TrainJob, on_progress, should_stop, is_paused, corpus: Corpus | None,
           dist: Distributed | None, lock: FileLock | None = None) -> tuple[TrainResult, Path | None]:
    main = dist is None or dist.main
    notify = (on_progress if main else None) or (lambda event: None)
    name, ckpt = _on_rank0(dist, lambda: _check_job(job, lock))
    cfg = job.config
    torch.manual_seed(cfg.seed)  # before any model is built, so a run's initial weights are repeatable
    corpus = _training_corpus(job, corpus, fine_tuning=bool(job.base_model))
    base_name = None if job.resume else _resolve_base(job, corpus, notify)
    base = modelfile.load_model(library.find(base_name).path) if base_name else None
    if dist is not None and len(set(dist.gather(corpus.sha256))) > 1:
        raise (TrainingError if main else FollowerError)(
            "The processes of this run read different poems; give every process the same files.")

    if job.resume:
        header = _on_rank0(dist, lambda: read_checkpoint_header(ckpt))
        _check_world(header, dist.world_size if dist else 1)
        vocab, model, cfg, base_name = _resumed_start(header, corpus, cfg)
    elif base is not None:
        vocab, model = _fine_tuning_start(base, base_name, corpus, notify, job.softmax, job.extend_vocab)
    else:
        vocab, model = _fresh_start(job, corpus)
    cfg = recipe(cfg, fine_tuning=base_name is not None)

    _on_rank0(dist, lambda: preflight(name, model, vocab, corpus, job.resume))
    train_ids, valid_ids, split = _split_streams(corpus, vocab, cfg.valid_percent)
    if base_name is None:
        _note_small_corpus(corpus, notify)
    primes = _sample_primes(corpus, vocab, cfg.samples)
    trainer = Trainer(model, vocab, train_ids, valid_ids, cfg, checkpoint_path=ckpt, on_progress=notify,
                      should_stop=should_stop, is_paused=is_paused, sample_primes=primes,
                      checkpoint_extra={"corpus_sha256": corpus.sha256, "base_model": base_name,
                                        "paths": [str(path) for path in job.paths], "simplify": job.simplify},
                      dist=dist, evaluate_first=base_name is not None)
    result = trainer.run(resume_from=ckpt if job.resume else None)
    if result.reason == "cancelled" or not main:
        return result, None
    result.report = build_report(result, vocab, corpus, train_ids, valid_ids, split, base_name, cfg.seed)
    notify(TrainReport(result.report))
    return result, _save_trained(name, corpus, vocab, result, cfg, split, base_name, lock)


def _sample_primes(corpus: Corpus, vocab: Vocab, n: int) -> list[str]:
    """Openings for the per-epoch samples: the first token of a few poems, spread over the corpus."""
    primes: list[str] = []
    poems = corpus.poems
    for i in range(n):
        text = poems[(i * 7919) % len(poems)].text if poems else ""
        tokens = vocab.tokenize(text)
        primes.append(tokens[0] if tokens else "")
    return primes


def build_meta(name: str, corpus: Corpus, vocab: Vocab, result: TrainResult, cfg: TrainConfig, split: dict,
               base_model: str | None) -> dict:
    best = result.best_valid_loss
    return {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "poetpad_version": __version__,
        "torch_version": torch.__version__,
        "language": corpus.stats.language,
        "corpus": {"files": [Path(f).name for f in corpus.files][:200], "file_count": len(corpus.files),
                   "sha256": corpus.sha256, "stats": corpus.stats.to_dict(), "split": split},
        "training": {
            "config": cfg.to_dict(), "base_model": base_model, "device": result.device,
            "device_name": result.device_name, "amp": result.amp, "precision": result.precision,
            "softmax": result.softmax, "threads": result.threads, "processes": result.world_size,
            "tokens": result.tokens, "seconds": round(result.seconds, 2),
            "steps": result.steps, "epochs": round(result.epochs_done, 3), "stopped": result.reason,
            "best_valid_loss": None if best is None else round(best, 5),
            "best_valid_bits_per_char": None if best is None else round(best / math.log(2), 5),
            "history": result.history,
        },
        "vocab": {"kind": vocab.kind, "size": len(vocab), "min_freq": vocab.min_freq},
        # What it learnt (build_report), before the fingerprint so that listing the library reads it.
        "report": result.report,
        # Lines the model saw, as a Bloom filter: generated lines found here are flagged as copied.
        "fingerprint": Fingerprint.build(line for p in corpus.poems for line in p.text.split("\n")).to_dict(),
    }
