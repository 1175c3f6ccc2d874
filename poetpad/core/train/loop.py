"""The Trainer: one run of training steps over token streams.

The Trainer knows nothing about threads or Qt. It reports through `on_progress(event)` (plain
dataclasses, throttled) and asks `should_stop()` and `is_paused()` between batches. It checkpoints
every few minutes and when stopped, so a killed run resumes where it left off.

Each step goes through the same phases: stop or pause, fetch batch, forward-backward and step,
report, evaluate, checkpoint. On a CPU it uses every core the process may run on and, where the CPU
does bf16 natively, bf16 autocast; the loss, the optimiser state, the saved weights and validation
stay float32. With a `Distributed` (torchrun) every process trains on its share of every batch.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from poetpad import __version__
from poetpad.core import modelfile
from poetpad.core.device import default_threads, device_name, is_oom, resolve_device, resolve_precision
from poetpad.core.model import PoetLM
from poetpad.core.train.checkpoint import (
    check_world,
    pack_checkpoint,
    read_shared,
    restore_weights,
)
from poetpad.core.train.config import (
    SCRATCH_LR,
    Checkpointed,
    EvalDone,
    Note,
    PauseChanged,
    StepProgress,
    TrainConfig,
    TrainEvent,
    TrainFinished,
    TrainStarted,
)
from poetpad.core.train.data import Batches, evaluate_stream, targets
from poetpad.core.train.distributed import Distributed, FollowerError, is_peer_failure, peer_failure
from poetpad.core.train.report import epoch_samples
from poetpad.core.vocab import PAD_ID, Vocab
from poetpad.errors import PoetPadError, TrainingError

log = logging.getLogger(__name__)

# The figures of the report that `poetpad train --json` prints.
REPORT_SUMMARY_KEYS = ("base_model", "held_out_loss", "base_held_out_loss", "uniform_loss", "verdict",
                       "copied_share")


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
    report: dict | None = None  # what the model learnt (report.build_report), once the run has finished
    checkpoint_step: int | None = None  # the step of the last checkpoint written (None: none this run)

    @classmethod
    def of(cls, trainer: Trainer, reason: str) -> TrainResult:
        """What `trainer`'s run came to, once it ended for `reason`."""
        return cls(
            model=trainer.model, vocab=trainer.vocab, reason=reason, steps=trainer.step,
            epochs_done=trainer.step / trainer.steps_per_epoch, seconds=trainer.elapsed,
            best_valid_loss=trainer.best_loss, history=trainer.history, device=str(trainer.device),
            device_name=device_name(trainer.device), amp=_amp_name(trainer.amp_dtype), precision=trainer.precision,
            softmax=trainer.softmax, threads=trainer.threads, world_size=trainer.world, tokens=trainer.tokens,
            checkpoint_step=trainer.checkpoint_step)

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


def lr_factor(cfg: TrainConfig, step: int, progress: float) -> float:
    """The learning rate's share at `step`: a linear warm-up, then a cosine down to `min_lr_ratio`."""
    warm = min(1.0, (step + 1) / max(1, cfg.warmup_steps))
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return warm * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * cosine)


def _amp_name(dtype: torch.dtype | None) -> str:
    """Autocast's dtype as events show it ("bfloat16", "float16"), or "off"."""
    return str(dtype).replace("torch.", "") if dtype else "off"


def _adamw(model: PoetLM, cfg: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """AdamW, with no weight decay on embeddings, biases and norms."""
    named = list(model.named_parameters())
    decay = [p for n, p in named if p.dim() >= 2 and "embed" not in n]
    no_decay = [p for n, p in named if p.dim() < 2 or "embed" in n]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr, betas=(0.9, 0.99), fused=device.type in ("cuda", "cpu"))


def _snapshot(model: PoetLM) -> dict[str, torch.Tensor]:
    """The model's weights, copied to the CPU (the best so far)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _eval_done(epoch: int, step: int, train_loss: float, valid: float, best: bool, samples: list[str]) -> EvalDone:
    return EvalDone(epoch=epoch, step=step, train_loss=train_loss, valid_loss=valid,
                    perplexity=math.exp(min(valid, 50.0)), bits_per_char=valid / math.log(2), best=best,
                    samples=samples)


def _unwritten(exc: OSError, step: int, last_step: int | None, path: Path, minutes: float) -> Note:
    """The note a checkpoint that could not be written leaves: what is kept, and that training goes on."""
    kept = (f"the checkpoint of step {last_step} is kept" if last_step is not None
            else "the previous checkpoint is kept" if path.exists() else "there is no checkpoint yet")
    return Note(f"Could not write a checkpoint at step {step} ({exc.strerror or exc}); {kept}, and training goes on "
                f"(the next try is in {minutes:g} minutes).")


def _out_of_memory(device: torch.device, batch_size: int) -> TrainingError:
    """The device ran out of memory: what to try instead (CUDA's cached blocks are let go)."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return TrainingError(f"The {device.type.upper()} device ran out of memory at batch size {batch_size}; try "
                         f"--batch {max(1, batch_size // 2)} or a smaller preset.")


class _Objective(torch.nn.Module):
    """The training loss as a module's forward, so DistributedDataParallel can wrap it."""

    def __init__(self, model: PoetLM):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.model.loss(x, y)


class _Clock:
    """The loop's timing: the training time not yet counted (pauses, validations and checkpoints are not
    training), the window the throughput is measured over, and when progress was last reported."""

    def __init__(self, interval: float):
        now = time.monotonic()
        self.interval = interval
        self.last_report = now
        self.window_start, self.window_steps = now, 0
        self.mark: float | None = None  # where the training time not yet counted began (None: not yet)

    def restart(self) -> None:
        """After a pause or a validation: a new throughput window, and no training time until the next step."""
        self.window_start, self.window_steps, self.mark = time.monotonic(), 0, None

    def stop_counting(self) -> None:
        """After a checkpoint: its time is not training time."""
        self.mark = None

    def begin_step(self) -> None:
        if self.mark is None:
            self.mark = time.monotonic()

    def stepped(self) -> None:
        self.window_steps += 1

    def report_due(self, now: float) -> bool:
        return now - self.last_report >= self.interval

    def rate(self, now: float, tokens_per_step: int) -> float:
        """Tokens per second over the window, which (with the reporting interval) starts again at `now`."""
        rate = self.window_steps * tokens_per_step / max(1e-9, now - self.window_start)
        self.window_start, self.window_steps, self.last_report = now, 0, now
        return rate

    def lap(self) -> float:
        """The training time since the mark, which moves to now."""
        end = time.monotonic()
        spent = end - self.mark
        self.mark = end
        return spent


class _LossMeter:
    """The training loss, summed on the device and read (a sync) only when it is reported or validated."""

    def __init__(self, device: torch.device):
        self.total = torch.zeros((), device=device)
        self.n = 0
        self.last = float("nan")

    def add(self, loss: torch.Tensor) -> None:
        self.total += loss
        self.n += 1

    def drain(self) -> float:
        """The mean training loss since the last call (the last known one if no step ran)."""
        if self.n:
            self.last = float(self.total) / self.n
        self.total.zero_()
        self.n = 0
        return self.last


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
        self.cfg = config if config.lr is not None else replace(config, lr=SCRATCH_LR)
        self.vocab = vocab
        self.dist = dist
        self.world = dist.world_size if dist else 1
        self.rank = dist.rank if dist else 0
        if dist and config.batch_size % self.world:
            raise (TrainingError if dist.main else FollowerError)(
                f"--batch {config.batch_size} does not divide among {self.world} processes; "
                f"use a multiple of {self.world}.")
        self._place(model)
        self.train_ids = train_ids
        self.valid_ids = valid_ids
        self.batches = Batches(train_ids, config.seq_len, config.batch_size, config.seed)
        self.checkpoint_path = checkpoint_path
        self.checkpoint_extra = checkpoint_extra or {}
        self.on_progress = (on_progress if self.main else None) or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.is_paused = is_paused or (lambda: False)
        self.sample_primes = list(sample_primes)[: config.samples] if self.main else []
        self.optimizer = _adamw(self.model, self.cfg, self.device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.steps_per_epoch = self.batches.steps_per_epoch(self.world)
        # With no epoch limit the run is bounded by time alone and its length in steps is not known (0).
        self.total_steps = self.steps_per_epoch * config.epochs if config.epochs else 0
        # Validate before the first step too (fine-tuning: the base model's own score on the held-out poems).
        self.evaluate_first = evaluate_first
        self._reset_run_state()

    def _place(self, model: PoetLM) -> None:
        """The device, precision and threads the run uses, and the model (wrapped for DDP) on that device."""
        self.device = resolve_device(self.cfg.device)
        if self.dist and self.device.type == "cuda":
            self.device = torch.device("cuda", torch.cuda.current_device())
        self.precision, self.amp_dtype = resolve_precision(self.cfg.precision, self.device, self.cfg.amp)
        self.threads = self.cfg.threads or default_threads(self.dist.local_world_size if self.dist else 1)
        self.model = model.to(self.device)
        self.objective: torch.nn.Module = _Objective(self.model)
        if self.dist:
            from torch.nn.parallel import DistributedDataParallel

            # DDP starts every process from rank 0's weights; its gradient average is turned into
            # the global batch's mean loss in _train_step.
            self.objective = DistributedDataParallel(
                self.objective, device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def _reset_run_state(self) -> None:
        """The run's state at step 0 (a checkpoint saves it and `load_checkpoint` restores it)."""
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.elapsed = 0.0
        self.tokens = 0
        self.best_loss: float | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_evals = 0
        self.history: list[dict] = []
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

    @property
    def _budget(self) -> float | None:
        """The time budget in seconds (None: none)."""
        return self.cfg.max_minutes * 60.0 if self.cfg.max_minutes else None

    # -- checkpoints --------------------------------------------------------------------------

    def _run_state(self) -> dict:
        return {
            "poetpad_version": __version__, "step": self.step, "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch, "elapsed": self.elapsed, "tokens": self.tokens,
            "best_loss": self.best_loss, "bad_evals": self.bad_evals, "history": self.history,
            "train_config": self.cfg.to_dict(), "world_size": self.world,
            "model_config": self.model.config.to_dict(), "vocab": self.vocab.to_dict(),
        }

    def save_checkpoint(self) -> Path | None:
        if self.checkpoint_path is None or not self.main:
            self._last_ckpt = time.monotonic()
            return None
        data = pack_checkpoint(self.model, self.best_state, self.optimizer, self._run_state(),
                               self.checkpoint_extra, self._finished)
        path = self.checkpoint_path
        # The next one is due an interval from now, written or not: a full disk is tried again later.
        self._last_ckpt = time.monotonic()
        try:
            modelfile.atomic_write_bytes(path, data)
        except OSError as exc:
            log.warning("checkpoint at step %d failed: %s", self.step, exc)
            self.on_progress(_unwritten(exc, self.step, self.checkpoint_step, path, self.cfg.checkpoint_minutes))
            return None
        self.checkpoint_step = self.step
        self.on_progress(Checkpointed(step=self.step, path=str(path)))
        return path

    def load_checkpoint(self, path: Path) -> None:
        header, tensors = read_shared(path, self.dist)
        check_world(header, self.world)
        best = restore_weights(self.model, self.optimizer, self.device, header, tensors)
        if best is not None:
            self.best_state = best
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

    def _evaluate(self, train_loss: float) -> bool:
        """Validate, keep the best weights, and say whether to stop early."""
        valid = self.validate()
        loss_for_best = valid if valid is not None else train_loss
        best = self.best_loss is None or loss_for_best < self.best_loss - 1e-4
        if best:
            self.best_loss = loss_for_best
            self.best_state = _snapshot(self.model)
            self.bad_evals = 0
        else:
            self.bad_evals += 1
        record = {"epoch": round(self.step / self.steps_per_epoch, 3), "step": self.step,
                  "train_loss": round(train_loss, 5), "valid_loss": None if valid is None else round(valid, 5),
                  "seconds": round(self.elapsed, 2)}
        self.history.append(record)
        shown = valid if valid is not None else train_loss
        epoch = max(1, math.ceil(self.step / self.steps_per_epoch))
        samples = epoch_samples(self.model, self.vocab, self.sample_primes, self.cfg.sample_tokens, self.cfg.seed)
        self.on_progress(_eval_done(epoch, self.step, train_loss, shown, best, samples))
        # Never before the warm-up is over: a model still warming up has not had its chance.
        return self.bad_evals >= self.cfg.patience and self.step >= self.cfg.warmup_steps

    def _evaluate_start(self) -> None:
        """Validate the starting weights (step 0): a fine-tuned model's base scored on the held-out poems.

        They are the first best, so a run that only makes the model worse keeps the base's weights."""
        valid = self.validate()
        if valid is None:
            return
        self.best_loss = valid
        self.best_state = _snapshot(self.model)
        self.history.append({"epoch": 0.0, "step": 0, "train_loss": None, "valid_loss": round(valid, 5),
                             "seconds": 0.0})
        self.on_progress(_eval_done(0, 0, float("nan"), valid, True, []))

    # -- one run --------------------------------------------------------------------------------

    def run(self, resume_from: Path | None = None) -> TrainResult:
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            self._start(resume_from)
            # A run that had finished but whose model could not be written goes straight to the save.
            reason = self._finished or self._train()
            return self._finish(reason)
        except PoetPadError:
            raise
        except Exception as exc:
            if self.dist is not None and is_peer_failure(exc):
                raise peer_failure(exc, self.rank, self.step, self.checkpoint_path) from exc
            raise
        finally:
            torch.set_num_threads(previous_threads)

    def _start(self, resume_from: Path | None) -> None:
        """Resume (or seed this process), announce the run, and validate the starting weights if asked."""
        if resume_from is not None:
            self.load_checkpoint(resume_from)
        elif self.dist is not None:
            torch.manual_seed(self.cfg.seed + 7919 * self.rank)
        self.model.train()
        params = sum(p.numel() for p in self.model.parameters())
        self.on_progress(TrainStarted(
            device=str(self.device), device_name=device_name(self.device), amp=_amp_name(self.amp_dtype),
            parameters=params, vocab_size=len(self.vocab), train_tokens=len(self.train_ids),
            valid_tokens=len(self.valid_ids), steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps, epochs=self.cfg.epochs, resumed_step=self.step,
            precision=self.precision, softmax=self.softmax, threads=self.threads, world_size=self.world,
            batch_size=self.cfg.batch_size, max_minutes=self.cfg.max_minutes, resumed_seconds=self.elapsed))
        self._last_ckpt = time.monotonic()
        if self.evaluate_first and self.step == 0 and not self.history:
            self._evaluate_start()

    def _train(self) -> str:
        """The loop, with running out of memory said in a sentence; why it ended."""
        try:
            return self._loop()
        except Exception as exc:
            if is_oom(exc):
                raise _out_of_memory(self.device, self.cfg.batch_size) from exc
            raise

    def _finish(self, reason: str) -> TrainResult:
        """The last checkpoint (before the model file is written: if that fails, it keeps the whole run),
        the best weights, and the result."""
        if reason != "cancelled":
            self._finished = reason
        self.save_checkpoint()
        if reason != "cancelled" and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        self.on_progress(TrainFinished(reason=reason, steps=self.step, seconds=self.elapsed,
                                       best_valid_loss=self.best_loss))
        return TrainResult.of(self, reason)

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

    # -- the loop: epochs of steps, each step in phases -----------------------------------------

    def _loop(self) -> str:
        clock = _Clock(self.cfg.progress_interval)
        losses = _LossMeter(self.device)
        while self.cfg.epochs is None or self.epoch < self.cfg.epochs:
            starts = self.batches.starts(self.epoch)
            n_batches = self.batches.count(starts, self.world)
            while self.batch_in_epoch < n_batches:
                reason = self._step(starts, clock, losses)
                if reason is not None:
                    return reason
            self.epoch += 1
            self.batch_in_epoch = 0
            if self._epoch_end_due():
                if self._evaluate(losses.drain()):
                    return "early_stop"
                clock.restart()
        return "completed"

    def _epoch_end_due(self) -> bool:
        """Validate at an epoch's end? A tiny corpus makes an epoch of a step or two: validating (and
        sampling) after every one would take most of the time, so it waits for min_eval_steps steps."""
        since = self.step - (self.history[-1]["step"] if self.history else 0)
        return since >= self.cfg.min_eval_steps and not self._eval_step_due()

    def _eval_step_due(self) -> bool:
        return bool(self.cfg.eval_every and self.step % self.cfg.eval_every == 0)

    def _step(self, starts: np.ndarray, clock: _Clock, losses: _LossMeter) -> str | None:
        """One step of the loop, phase by phase; why the run ends, or None to go on."""
        # Stop or pause: asked between batches. Under torchrun the processes agree in the step instead
        # (_agree), since one process alone must not stop.
        if self.dist is None and self.should_stop():
            return "cancelled"
        if self.dist is None and self.is_paused():
            if self._wait_while_paused():
                return "cancelled"
            clock.restart()
        clock.begin_step()
        # Fetch batch.
        factor = self._set_lr()
        batch = self.batches.batch(starts, self.batch_in_epoch, self.rank, self.world)
        # Forward-backward and step.
        losses.add(self._train_step(batch))
        self.step += 1
        self.batch_in_epoch += 1
        clock.stepped()
        # Report.
        self._report_progress(clock, losses, factor)
        # Counted from the end of the last step's bookkeeping, so GPU work that only finishes
        # when the loss is read (the sync in drain) is still training time.
        self.elapsed += clock.lap()
        if self.dist is not None and self._stop_agreed:
            return "cancelled"
        # Evaluate.
        out_of_time = self._time_agreed if self.dist is not None else \
            self._budget is not None and self.elapsed >= self._budget
        if out_of_time or self._eval_step_due():
            if self._evaluate(losses.drain()) and not out_of_time:
                return "early_stop"
            clock.restart()
        if out_of_time:
            return "time_budget"
        # Checkpoint.
        if time.monotonic() - self._last_ckpt >= self.cfg.checkpoint_minutes * 60.0:
            self.save_checkpoint()
            clock.stop_counting()
        return None

    def _progress(self) -> float:
        frac = self.step / self.total_steps if self.total_steps else 0.0
        if self.cfg.max_minutes:
            frac = max(frac, self.elapsed / (self.cfg.max_minutes * 60.0))
        return min(1.0, frac)

    def _set_lr(self) -> float:
        """Set this step's learning rate (warm-up, then cosine); its share of the configured one."""
        factor = lr_factor(self.cfg, self.step, self._progress())
        for group in self.optimizer.param_groups:
            group["lr"] = self.cfg.lr * factor
        return factor

    def _agree(self, count: int, out_of_time: bool) -> int:
        """Add up the targets of this step's global batch over the processes, and whether any process was
        asked to stop or rank 0's clock ran out (acted on after the step, by all processes alike)."""
        if self.dist is None:
            return count
        total, self._stop_agreed, self._time_agreed = self.dist.agree(count, self.should_stop(), out_of_time)
        return total

    def _train_step(self, batch: torch.Tensor) -> torch.Tensor:
        """One optimiser step on `batch` (this process's share of the global batch); its mean loss, detached."""
        x, y = batch[:, :-1], targets(batch[:, 1:])
        count = int((y != PAD_ID).sum())
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        with torch.autocast(device_type=self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None):
            total = self.objective(x, y)  # summed in float32 whatever the autocast dtype
        budget = self._budget
        all_count = self._agree(count, budget is not None and self.elapsed >= budget)
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

    def _report_progress(self, clock: _Clock, losses: _LossMeter, factor: float) -> None:
        """A StepProgress event, at most every `progress_interval` seconds."""
        now = time.monotonic()
        if not clock.report_due(now):
            return
        train_loss = losses.drain()
        tokens_per_step = self.cfg.batch_size * self.batches.seq_len
        rate = clock.rate(now, tokens_per_step)
        eta = ((self.total_steps - self.step) * tokens_per_step / max(rate, 1e-9) if self.total_steps
               else math.inf)
        if self._budget:
            eta = min(eta, max(0.0, self._budget - self.elapsed))
        self.on_progress(StepProgress(
            step=self.step, total_steps=self.total_steps, epoch=self.epoch + 1, epochs=self.cfg.epochs,
            train_loss=train_loss, lr=self.cfg.lr * factor, tokens_per_s=rate, elapsed_s=self.elapsed,
            eta_s=eta, fraction=self._progress()))
