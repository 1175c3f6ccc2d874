"""PoetPad's Trainer throughput over a bare training loop, on the CPU. Target: at least 0.95.

    python benchmarks/trainer_overhead.py
    python benchmarks/trainer_overhead.py --preset seed --steps 100 --batch 32 --seq-len 128

Both sides train the same model (from the same initial weights) on exactly the batches the
trainer would draw (`Batches(ids, seq_len, batch, seed).starts(0)`). The bare loop has them
built beforehand and does forward, cross-entropy, zero_grad, backward, clip_grad_norm_(1.0)
and an AdamW step with the Trainer's settings (betas (0.9, 0.99), the same weight-decay
groups; constant learning rate). The Trainer runs one epoch over a stream cut so that one
epoch is exactly `--steps` steps, with real on_progress/should_stop/is_paused callbacks, no
checkpoints, no samples and no validation text. Runs alternate bare, trainer, bare, ... and
the medians are reported. Everything the Trainer does per step beyond the bare loop (batch
building, the learning-rate schedule, the loss accumulator, progress events) is the overhead.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from common import DEFAULT_DATA_DIR, SHAKESPEARE_FILE, BenchmarkError, Stopwatch, emit_json, environment, log, rounded

from poetpad.core.model import CELLS, PRESETS, PoetLM, preset_config
from poetpad.core.train.config import StepProgress, TrainConfig, TrainEvent
from poetpad.core.train.data import Batches
from poetpad.core.train.loop import Trainer
from poetpad.core.vocab import BOS_ID, PAD_ID, Vocab
from poetpad.errors import PoetPadError

TARGET = 0.95


def token_stream(data_dir: Path, length: int, seed: int) -> tuple[np.ndarray, Vocab, str]:
    """`length` token ids from tinyshakespeare (repeated if short), else a deterministic random stream."""
    path = data_dir / SHAKESPEARE_FILE
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        vocab = Vocab.build([text], kind="char")
        ids = vocab.encode(text)
        ids = np.resize(ids, length) if len(ids) < length else ids[:length]
        return np.ascontiguousarray(ids), vocab, f"{SHAKESPEARE_FILE} (first {length:,} characters, tiled if short)"
    alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,.;:!?'\n"
    vocab = Vocab.build([alphabet], kind="char")
    rng = np.random.default_rng(seed)
    ids = rng.integers(4, len(vocab), size=length).astype(np.int32)
    return ids, vocab, f"uniform random over {len(vocab) - 4} characters (seed {seed}); {SHAKESPEARE_FILE} not found"


def make_optimizer(model: PoetLM, cfg: TrainConfig) -> torch.optim.AdamW:
    """The Trainer's optimizer, parameter groups included (see Trainer.__init__)."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or "embed" in n]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr, betas=(0.9, 0.99))


def bare_step(model: PoetLM, optimizer: torch.optim.Optimizer, batch: torch.Tensor, clip: float) -> torch.Tensor:
    x, y = batch[:, :-1], batch[:, 1:].masked_fill(batch[:, 1:] == BOS_ID, PAD_ID)
    logits, _ = model(x)
    loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=PAD_ID)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach()


def run_bare(initial: PoetLM, cfg: TrainConfig, batches: list[torch.Tensor], warmup: int) -> tuple[float, list[float]]:
    """Seconds for len(batches) steps, timed after `warmup` untimed steps on the first batches, and per step."""
    model = copy.deepcopy(initial)
    model.train()
    optimizer = make_optimizer(model, cfg)
    for batch in batches[:warmup]:
        bare_step(model, optimizer, batch, cfg.clip)
    per_step = []
    started = time.perf_counter()
    for batch in batches:
        before = time.perf_counter()
        bare_step(model, optimizer, batch, cfg.clip)
        per_step.append(time.perf_counter() - before)
    return time.perf_counter() - started, per_step


class Recorder:
    """A real progress callback: keeps every event, as a GUI worker would forward them."""

    def __init__(self) -> None:
        self.events: list[TrainEvent] = []
        self.stop_requested = False

    def __call__(self, event: TrainEvent) -> None:
        self.events.append(event)

    def should_stop(self) -> bool:
        return self.stop_requested

    def is_paused(self) -> bool:
        return False


def run_trainer(initial: PoetLM, vocab: Vocab, ids: np.ndarray, cfg: TrainConfig) -> dict:
    """One epoch (== the requested steps) of the real Trainer: its clock, the wall clock, the events."""
    recorder = Recorder()
    trainer = Trainer(copy.deepcopy(initial), vocab, ids, np.zeros(0, dtype=np.int32), cfg, checkpoint_path=None,
                      on_progress=recorder, should_stop=recorder.should_stop, is_paused=recorder.is_paused)
    valid_clock = Stopwatch()
    trainer_validate = trainer.validate

    def timed_validate() -> float | None:
        with valid_clock:
            return trainer_validate()

    trainer.validate = timed_validate  # type: ignore[method-assign]
    started = time.perf_counter()
    result = trainer.run()
    wall = time.perf_counter() - started
    counts: dict[str, int] = {}
    for event in recorder.events:
        counts[type(event).__name__] = counts.get(type(event).__name__, 0) + 1
    # Seconds per step in each progress window (the trainer's clock), for the noise-resistant figure.
    per_step, step, elapsed = [], 0, 0.0
    for event in recorder.events:
        if isinstance(event, StepProgress):
            per_step.append((event.elapsed_s - elapsed) / max(1, event.step - step))
            step, elapsed = event.step, event.elapsed_s
    return {"steps": result.steps, "reason": result.reason, "trainer_seconds": result.seconds,
            "wall_seconds": wall, "validation_seconds": valid_clock.total, "events": counts,
            "per_step": per_step}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=tuple(PRESETS), default="small")
    parser.add_argument("--cell", choices=CELLS)
    parser.add_argument("--embedding", type=int)
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--layers", type=int)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before each bare run")
    parser.add_argument("--repeats", type=int, default=3, help="bare/trainer pairs, interleaved")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    for name in ("batch", "steps", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.seq_len < 8 or args.warmup < 0:
        parser.error("--seq-len must be at least 8 and --warmup at least 0")
    return args


def measure(args: argparse.Namespace) -> dict:
    # A stream of steps * batch windows plus one spare window: whatever the epoch's random
    # offset (below seq_len), Batches then yields exactly steps * batch windows, so one epoch
    # is exactly `steps` full batches.
    length = args.steps * args.batch * args.seq_len + args.seq_len
    ids, vocab, source = token_stream(args.data_dir, length, args.seed)
    cfg = TrainConfig(epochs=1, batch_size=args.batch, seq_len=args.seq_len, device="cpu", amp=False,
                      seed=args.seed, samples=0, eval_every=0, max_minutes=None, checkpoint_minutes=1e9)
    draw = Batches(ids, cfg.seq_len, cfg.batch_size, cfg.seed)
    if draw.steps_per_epoch() != args.steps:
        raise BenchmarkError(f"internal: one epoch is {draw.steps_per_epoch()} steps, not {args.steps}")
    starts = draw.starts(0)
    batches = [draw.batch(starts, i) for i in range(args.steps)]
    if any(b.shape != (args.batch, args.seq_len + 1) for b in batches):
        raise BenchmarkError("internal: a batch is not full")

    torch.manual_seed(args.seed)
    model_cfg = preset_config(args.preset, len(vocab), cell=args.cell, embedding=args.embedding,
                              hidden=args.hidden, layers=args.layers)
    initial = PoetLM(model_cfg)
    tokens_per_step = args.batch * args.seq_len
    log(f"model: {args.preset} {model_cfg.to_dict()}, {initial.num_parameters():,} parameters; "
        f"{args.steps} steps of {tokens_per_step:,} tokens; {torch.get_num_threads()} threads")

    # One untimed round of each first, so one-off costs (library set-up, allocator growth) fall on neither.
    run_bare(initial, cfg, batches[: max(1, args.warmup)], 0)  # times ignored
    warm_ids = ids[: max(1, args.warmup) * args.batch * args.seq_len + args.seq_len]
    run_trainer(initial, vocab, warm_ids, cfg)

    bare_runs: list[float] = []
    bare_steps: list[float] = []
    trainer_runs: list[dict] = []
    for i in range(args.repeats):
        seconds, per_step = run_bare(initial, cfg, batches, args.warmup)
        bare_runs.append(seconds)
        bare_steps.extend(per_step)
        trainer_runs.append(run_trainer(initial, vocab, ids, cfg))
        t = trainer_runs[-1]
        if t["steps"] != args.steps:
            raise BenchmarkError(f"internal: the trainer ran {t['steps']} steps, not {args.steps}")
        log(f"repeat {i + 1}: bare {tokens_per_step * args.steps / bare_runs[-1]:,.0f} tok/s; trainer "
            f"{tokens_per_step * args.steps / t['trainer_seconds']:,.0f} tok/s by its clock, "
            f"{tokens_per_step * args.steps / (t['wall_seconds'] - t['validation_seconds']):,.0f} by the wall clock")

    tokens = tokens_per_step * args.steps
    bare_rate = tokens / statistics.median(bare_runs)
    trainer_rate = tokens / statistics.median(t["trainer_seconds"] for t in trainer_runs)
    wall_rate = tokens / statistics.median(t["wall_seconds"] - t["validation_seconds"] for t in trainer_runs)
    ratio = wall_rate / bare_rate
    # Per-step medians shrug off a busy neighbour better than whole-run medians do; the trainer's
    # side comes from its progress windows (one step each when steps are slower than its 0.1 s interval).
    bare_step_median = statistics.median(bare_steps)
    trainer_step_median = statistics.median(s for t in trainer_runs for s in t["per_step"])
    return {
        "benchmark": "trainer_overhead",
        "device": "cpu",
        "steps": args.steps,
        "warmup_steps": args.warmup,
        "repeats": args.repeats,
        "tokens_per_step": tokens_per_step,
        "batch": args.batch,
        "seq_len": args.seq_len,
        "stream": source,
        "model": {"preset": args.preset, **model_cfg.to_dict()},
        "parameters": initial.num_parameters(),
        "bare_tokens_per_s": rounded(bare_rate, 1),
        "trainer_tokens_per_s": rounded(wall_rate, 1),
        "trainer_tokens_per_s_by_trainer_clock": rounded(trainer_rate, 1),
        "ratio": rounded(ratio, 4),
        "ratio_by_trainer_clock": rounded(trainer_rate / bare_rate, 4),
        "ratio_note": ("ratio uses the wall clock around Trainer.run() minus its validation (zero-length "
                       "validation text here); ratio_by_trainer_clock uses TrainResult.seconds, which "
                       "leaves out the work between steps (callbacks, progress events); ratio_median_step divides "
                       "median seconds per step (bare steps vs. the trainer's progress windows), which a busy "
                       "machine disturbs less"),
        "ratio_median_step": rounded(bare_step_median / trainer_step_median, 4),
        "median_step_seconds": {"bare": rounded(bare_step_median, 5), "trainer": rounded(trainer_step_median, 5)},
        "target": TARGET,
        "met": bool(ratio >= TARGET),
        "runs": {"bare_seconds": [rounded(s, 4) for s in bare_runs],
                 "trainer": [{k: rounded(v, 4) if isinstance(v, float) else v for k, v in t.items()
                              if k != "per_step"} for t in trainer_runs]},
        "environment": environment(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = measure(args)
    except (BenchmarkError, PoetPadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit_json(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
