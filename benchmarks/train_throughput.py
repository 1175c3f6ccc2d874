"""Training throughput on the CPU: the default recipe against fp32 with the full softmax. Target: ≥ 3×.

    python benchmarks/train_throughput.py
    python benchmarks/train_throughput.py --preset small --batch 64 --seq-len 128 --steps 8 --repeats 2
    python benchmarks/train_throughput.py --quality-steps 300     # also the loss at an equal number of steps

Data: `tang_regulated.train.txt`, read as `poetpad train` reads any corpus (one poem per line,
clauses split, poem boundaries as tokens), with its character vocabulary (over 6,000 tokens). Every
setup trains the same model (`--preset`, default `small`: the bundled Chinese model's) from the
same initial weights on the same batches (`Batches(ids, seq_len, batch, seed).starts(0)`), through
the Trainer's own step (`Trainer._train_step`: autocast, the loss, backward, clipping, AdamW) with
the threads the trainer takes by default. Each setup runs `--warmup` untimed steps, then `--steps`
timed ones; with `--repeats` the setups take turns and the best run of each is kept (the one
least disturbed on a shared machine; the median is given too). `--quiet-wait S` waits up to S
seconds before each run for other processes to leave the CPU alone; each run records the share
of the CPU others used meanwhile (`others_cpu`).

Setups: fp32 + full softmax, bf16 + full, fp32 + adaptive, and the default recipe (`--precision
auto --softmax auto`, resolved for this machine); on a CPU without native bf16 the bf16 setups are
skipped and the default recipe is fp32 + adaptive. `speedup` is the default recipe over fp32 + full
with today's code. `fp32_full_before` is fp32 + full the way the trainer ran before issue 12
(F.dropout masks inside nn.LSTM, AdamW's foreach step rather than the fused one): the same
arithmetic, what users had; `speedup_over_before` compares with it.

`--quality-steps N` also trains fp32 + full and the default recipe N steps each from the same
weights on the same batches (the trainer's learning-rate schedule over those N steps) and scores
both in fp32 on `tang_regulated.valid.txt` (read the same way; blocks of 256 from a zero state):
the target is a difference of at most 0.03 nats.

Prints one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import math
import statistics
import sys
import time
from pathlib import Path

import torch
from common import (
    DEFAULT_DATA_DIR,
    TANG_TRAIN_FILE,
    TANG_VALID_FILE,
    BenchmarkError,
    MachineLoad,
    emit_json,
    environment,
    log,
    wait_quiet,
)

from poetpad.core import device as dev
from poetpad.core.corpus import load_corpus
from poetpad.core.model import PRESETS, ModelConfig, PoetLM, output_layer, preset_config
from poetpad.core.train import config as tcfg
from poetpad.core.train import data as tdata
from poetpad.core.train import loop as tloop
from poetpad.core.vocab import Vocab
from poetpad.errors import PoetPadError

TARGET_SPEEDUP = 3.0
TARGET_LOSS_GAP = 0.03


def setups(precision_auto: str, softmax_auto: str, native_bf16: bool) -> dict[str, tuple[str, str]]:
    """name → (precision, output layer); the default recipe resolved for this machine comes last."""
    out = {"fp32_full_before": ("fp32", "full"), "fp32_full": ("fp32", "full")}
    if native_bf16:
        out["bf16_full"] = ("bf16", "full")
    out["fp32_adaptive"] = ("fp32", "adaptive")
    out["default"] = (precision_auto, softmax_auto)
    return out


def build(config: ModelConfig, output: str, initial: dict[str, torch.Tensor]) -> PoetLM:
    """The network with `output` as its output layer, from the same initial weights (the adaptive layer's
    cluster rows start as its own init gives them)."""
    cutoffs = output_layer(output, config.vocab_size)[1]
    model = PoetLM(ModelConfig(**dict(config.to_dict(), output=output, cutoffs=cutoffs)), init=True)
    state = model.state_dict()
    for key, value in initial.items():
        if key in state and state[key].shape == value.shape:
            state[key] = value.clone()
    model.load_state_dict(state)
    return model


def trainer_for(model: PoetLM, vocab: Vocab, ids, cfg: tcfg.TrainConfig) -> tloop.Trainer:
    return tloop.Trainer(model, vocab, ids, ids[:2], cfg, checkpoint_path=None)


class _Before:
    """The trainer's step as it was before issue 12: F.dropout (inside nn.LSTM between the layers too) and
    AdamW's foreach step. The arithmetic is the same; only the implementation differs."""

    def __enter__(self) -> _Before:
        import torch.nn.functional as F

        from poetpad.core import model as model_module

        self._saved = (model_module.dropout, model_module.PoetLM._recur)
        model_module.dropout = lambda x, p, training: F.dropout(x, p, training)
        model_module.PoetLM._recur = lambda self, x, state: self.rnn(x, state)
        return self

    def __exit__(self, *exc: object) -> None:
        from poetpad.core import model as model_module

        model_module.dropout, model_module.PoetLM._recur = self._saved


def time_setup(model: PoetLM, vocab: Vocab, ids, cfg: tcfg.TrainConfig, batches: list[torch.Tensor],
               warmup: int, before: bool = False) -> dict:
    """Tokens per second over the timed steps of one setup (a fresh copy of the model each time)."""
    with _Before() if before else contextlib.nullcontext():
        trainer = trainer_for(copy.deepcopy(model), vocab, ids, cfg)
        if before:
            groups = [{k: v for k, v in g.items() if k not in ("fused", "foreach")}
                      for g in trainer.optimizer.param_groups]
            trainer.optimizer = torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.99), foreach=True)
        previous = torch.get_num_threads()
        torch.set_num_threads(trainer.threads)
        try:
            trainer.model.train()
            for batch in batches[:warmup]:
                trainer._train_step(batch)
            timed = batches[warmup:]
            load = MachineLoad().start()
            started = time.perf_counter()
            losses = [float(trainer._train_step(batch)) for batch in timed]
            seconds = time.perf_counter() - started
            others = load.share()
        finally:
            torch.set_num_threads(previous)
    tokens = sum(int(b[:, 1:].numel()) for b in timed)
    return {"tokens_per_s": tokens / seconds, "seconds": seconds, "steps": len(timed), "threads": trainer.threads,
            "last_loss": losses[-1] if losses else None, "others_cpu": others}


def train_steps(model: PoetLM, vocab: Vocab, ids, cfg: tcfg.TrainConfig, starts, steps: int) -> tuple[PoetLM, float]:
    """`steps` steps of the trainer's loop body (its schedule over `steps`); the model and the seconds taken."""
    trainer = trainer_for(copy.deepcopy(model), vocab, ids, cfg)
    trainer.total_steps = steps
    previous = torch.get_num_threads()
    torch.set_num_threads(trainer.threads)
    torch.manual_seed(cfg.seed)  # the same dropout masks for both recipes
    started = time.perf_counter()
    try:
        trainer.model.train()
        for step in range(steps):
            factor = tloop.lr_factor(cfg, step, step / steps)
            for group in trainer.optimizer.param_groups:
                group["lr"] = cfg.lr * factor
            trainer._train_step(trainer.batches.batch(starts, step % trainer.batches.count(starts)))
            if (step + 1) % max(1, steps // 10) == 0:
                log(f"  step {step + 1}/{steps} ({time.perf_counter() - started:.0f} s)")
    finally:
        torch.set_num_threads(previous)
    return trainer.model.eval(), time.perf_counter() - started


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=tuple(PRESETS), default="small")
    parser.add_argument("--embedding", type=int, help="override the preset's embedding size")
    parser.add_argument("--hidden", type=int, help="override the preset's hidden size")
    parser.add_argument("--layers", type=int, help="override the preset's layer count")
    parser.add_argument("--only", nargs="+", metavar="SETUP",
                        help="run only these setups (fp32_full_before fp32_full bf16_full fp32_adaptive default)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per setup and repeat")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=1, help="runs of every setup, taken in turns (median kept)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: the trainer's, every available core)")
    parser.add_argument("--quiet-wait", type=float, default=0.0,
                        help="wait up to this many seconds before each run for the machine to be quiet")
    parser.add_argument("--quality-steps", type=int, default=0,
                        help="also train fp32+full and the default recipe this many steps and compare their loss")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    if min(args.steps, args.repeats) < 1 or args.warmup < 0 or args.quality_steps < 0:
        parser.error("--steps and --repeats must be at least 1; --warmup and --quality-steps at least 0")
    return args


def run(args: argparse.Namespace) -> dict:
    train_file, valid_file = args.data_dir / TANG_TRAIN_FILE, args.data_dir / TANG_VALID_FILE
    if not train_file.is_file():
        raise BenchmarkError(f"The data file {train_file} does not exist; pass --data-dir to point at the data folder.")
    corpus = load_corpus([str(train_file)])
    vocab = Vocab.build((p.text for p in corpus.poems), kind="char")
    ids = vocab.encode_poems(p.text for p in corpus.poems)
    torch.manual_seed(args.seed)
    config = preset_config(args.preset, len(vocab), embedding=args.embedding, hidden=args.hidden, layers=args.layers)
    base = PoetLM(config)
    initial = {k: v.clone() for k, v in base.state_dict().items()}
    cfg = tcfg.recipe(tcfg.TrainConfig(epochs=1, batch_size=args.batch, seq_len=args.seq_len, device="cpu",
                                       seed=args.seed, samples=0, checkpoint_minutes=1e9, threads=args.threads),
                   fine_tuning=False)  # the learning rate and warm-up a new model trains with
    threads = args.threads or dev.default_threads()
    draw = tdata.Batches(ids, cfg.seq_len, cfg.batch_size, cfg.seed)
    starts = draw.starts(0)
    per_run = args.warmup + args.steps
    if draw.count(starts) < per_run:
        raise BenchmarkError("The corpus is too short for that many steps.")
    batches = [draw.batch(starts, i) for i in range(per_run)]

    cpu = torch.device("cpu")
    precision_auto = dev.resolve_precision("auto", cpu)[0]
    softmax_auto = output_layer("auto", len(vocab))[0]
    chosen = setups(precision_auto, softmax_auto, bool(dev.cpu_bf16()))
    if args.only:
        chosen = {name: chosen[name] for name in args.only if name in chosen}
    models = {output: build(config, output, initial) for output in {o for _, o in chosen.values()}}
    rates: dict[str, list[dict]] = {name: [] for name in chosen}
    log(f"vocabulary {len(vocab):,}, {args.preset} preset, batch {args.batch} x {args.seq_len}, "
        f"{threads} threads, native bf16: {dev.cpu_bf16() or 'no'}")
    for repeat in range(args.repeats):
        for name, (precision, output) in chosen.items():
            run_cfg = copy.copy(cfg)
            run_cfg.precision = precision
            if args.quiet_wait:
                wait_quiet(args.quiet_wait)
            result = time_setup(models[output], vocab, ids, run_cfg, batches, args.warmup,
                                before=name == "fp32_full_before")
            rates[name].append(result)
            others = "" if result["others_cpu"] is None else f" (others used {result['others_cpu']:.0%} of the CPU)"
            log(f"repeat {repeat + 1}: {name}: {result['tokens_per_s']:,.0f} tokens/s{others}")
    figures = {}
    for name, runs in rates.items():
        precision, output = chosen[name]
        figures[name] = {"precision": precision, "softmax": output,
                         "tokens_per_s": round(max(r["tokens_per_s"] for r in runs), 1),
                         "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in runs), 1),
                         "runs": [round(r["tokens_per_s"], 1) for r in runs],
                         "others_cpu": [None if r["others_cpu"] is None else round(r["others_cpu"], 3)
                                        for r in runs],
                         "parameters": models[output].num_parameters()}
    def ratio(name: str, over: str) -> float | None:
        if name not in figures or over not in figures:
            return None
        return round(figures[name]["tokens_per_s"] / figures[over]["tokens_per_s"], 2)

    for name, figure in figures.items():
        figure["speedup_over_fp32_full"] = ratio(name, "fp32_full")
    speedup = ratio("default", "fp32_full")
    speedup_before = ratio("default", "fp32_full_before")
    out = {
        "benchmark": "train_throughput",
        "data": {"file": TANG_TRAIN_FILE, "read": "as poetpad train reads a corpus", "tokens": int(len(ids)),
                 "vocab_size": len(vocab)},
        "model": dict(config.to_dict(), preset=args.preset),
        "cutoffs": output_layer("adaptive", len(vocab))[1],
        "batch": args.batch, "seq_len": args.seq_len, "warmup_steps": args.warmup, "timed_steps": args.steps,
        "repeats": args.repeats, "threads": threads, "cpu_bf16": dev.cpu_bf16() or None,
        "default_recipe": {"precision": precision_auto, "softmax": softmax_auto},
        "setups": figures,
        "speedup": speedup, "speedup_over_before": speedup_before, "target_speedup": TARGET_SPEEDUP,
        "met_speedup": None if speedup is None else speedup >= TARGET_SPEEDUP,
        "environment": environment(),
    }
    if args.quality_steps:
        out["quality"] = quality(args, config, initial, vocab, ids, cfg, starts, valid_file,
                                 (precision_auto, softmax_auto))
    return out


def quality(args, config, initial, vocab, ids, cfg, starts, valid_file: Path, default: tuple[str, str]) -> dict:
    """fp32 + full softmax and the default recipe after the same number of steps, scored alike in fp32."""
    if not valid_file.is_file():
        raise BenchmarkError(f"The data file {valid_file} does not exist; pass --data-dir to point at the data folder.")
    valid = load_corpus([str(valid_file)])
    valid_ids = vocab.encode_poems(p.text for p in valid.poems)
    out = {"steps": args.quality_steps, "valid_file": TANG_VALID_FILE, "valid_tokens": int(len(valid_ids)),
           "schedule": f"warm-up {cfg.warmup_steps} steps, cosine to {cfg.min_lr_ratio} of lr {cfg.lr} over the steps"}
    losses = {}
    for name, (precision, output) in (("fp32_full", ("fp32", "full")), ("default", default)):
        log(f"quality: {name} ({precision}, {output} softmax), {args.quality_steps} steps")
        run_cfg = copy.copy(cfg)
        run_cfg.precision = precision
        model, seconds = train_steps(build(config, output, initial), vocab, ids, run_cfg, starts, args.quality_steps)
        total, count = tdata.evaluate_stream(model, valid_ids, block=256, batch_size=64)
        losses[name] = total / count
        out[name] = {"precision": precision, "softmax": output, "valid_loss": round(losses[name], 5),
                     "seconds": round(seconds, 1)}
        log(f"quality: {name}: valid {losses[name]:.4f} nats/token after {seconds:.0f} s")
    gap = losses["default"] - losses["fp32_full"]
    out.update(gap=round(gap, 5), target_gap_at_most=TARGET_LOSS_GAP, met_gap=gap <= TARGET_LOSS_GAP,
               gap_bits=round(gap / math.log(2), 5))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except (BenchmarkError, PoetPadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit_json(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
