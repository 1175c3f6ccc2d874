"""How a run trains: the training options (declared once), TrainConfig, the recipe and the progress events.

Torch-free, so the CLI's parser and the training dialog can read the options without loading the engine.
Every option a person can set on a run is an `Option` in OPTIONS: TrainConfig's and TrainJob's
defaults and the `poetpad train` arguments are read from there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from poetpad.core.modelconfig import CELLS, PRESETS, SOFTMAX_CHOICES
from poetpad.core.options import Option, table
from poetpad.core.request_options import MAX_SEED
from poetpad.errors import TrainingError

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
TOKENIZERS = ("char", "word")  # core.vocab.KINDS (not imported: it would load numpy with the options)
SCRATCH_LR = 3e-3              # the learning rate of a new model
DEFAULT_MINUTES = 5.0          # the budget of a run given neither --max-minutes nor --epochs
FINETUNE_LR = 1e-3             # fine-tuning: gentler steps than from scratch (see benchmarks/RESULTS.md)
FINETUNE_WARMUP = 10           # steps; a base model needs no long warm-up
MIN_EVAL_STEPS = 5             # steps between validations at least, when epochs are a step or two (tiny corpora)

# The options of a run: TrainJob's (the model) and TrainConfig's (the training).
OPTIONS = table(
    Option("preset", str, "small", "the size of a new model; it implies --scratch", choices=tuple(PRESETS)),
    Option("cell", str, None, "a new model's recurrent cell (default: the preset's)", choices=CELLS),
    Option("tokenizer", str, "char", "a new model's tokens", choices=TOKENIZERS),
    Option("min_freq", int, None, "drop tokens rarer than this (word default 2)", low=1, high=10**9),
    Option("embedding", int, None, "override the preset's embedding size", low=1, high=16_384),
    Option("hidden", int, None, "override the preset's hidden size", low=1, high=16_384),
    Option("layers", int, None, "override the preset's layer count", low=1, high=64),
    Option("dropout", float, None, "override the preset's dropout", low=0.0, high=1.0, high_open=True),
    Option("tied", bool, None, "share the embedding with the output layer (override the preset's choice)"),
    Option("softmax", str, "auto", "the output layer: adaptive is several times faster for large vocabularies "
           "(auto: adaptive from 2,000 tokens on); fine-tuning keeps the base model's", choices=SOFTMAX_CHOICES),
    Option("epochs", int, None, "stop after this many passes over the poems (default: none; the time budget "
           "bounds the run)", low=1, high=10**9),
    Option("max_minutes", float, DEFAULT_MINUTES, "stop after this much training time, in minutes (the default "
           "applies when --epochs is not given)", low=0, high=10**7, low_open=True),
    Option("batch_size", int, 64, "windows per step (under torchrun: over all processes together)",
           low=1, high=65_536, flag="--batch", metavar="BATCH"),
    Option("seq_len", int, 256, "tokens per window", low=8, high=65_536),
    Option("lr", float, None, "learning rate (default: 1e-3 to fine-tune, 3e-3 from scratch)", low=0, high=1,
           low_open=True),
    Option("device", str, "auto", "where to train", choices=DEVICES),
    Option("precision", str, "auto", "auto: bf16 on a CPU with AMX or AVX512-BF16 and on CUDA, fp32 elsewhere; "
           "weights, optimiser and validation stay fp32", choices=PRECISIONS),
    Option("threads", int, None, "CPU threads (default: every core this process may use, shared among "
           "torchrun's processes on the machine)", low=1, high=4096),
    Option("patience", int, 3, "validations without improvement before stopping early", low=1, high=10**9),
    Option("checkpoint_minutes", float, 2.0, "minutes between checkpoints, counted from the last one; one is "
           "also written when the run stops (Ctrl+C, SIGTERM, SIGHUP) and before the model is saved",
           low=0, high=10**7, low_open=True),
    Option("seed", int, 1234, "the seed of the run's initial weights and batches", low=0, high=MAX_SEED),
)
# The options that belong to TrainJob (the model to train); the others are TrainConfig's.
JOB_OPTIONS = ("preset", "cell", "tokenizer", "min_freq", "embedding", "hidden", "layers", "dropout", "tied",
               "softmax")


def _default(name: str):
    return OPTIONS[name].default


@dataclass
class TrainConfig:
    """How one run trains. The run ends at the first of `epochs` and `max_minutes` that is set (the default
    is a time budget); `lr` None is the recipe's choice (see `recipe`)."""

    epochs: int | None = _default("epochs")
    batch_size: int = _default("batch_size")
    seq_len: int = _default("seq_len")
    lr: float | None = _default("lr")
    weight_decay: float = 0.01
    warmup_steps: int = 50
    min_lr_ratio: float = 0.1
    clip: float = 1.0
    max_minutes: float | None = _default("max_minutes")
    device: str = _default("device")
    amp: bool = True               # False: float32 whatever `precision` says (--no-amp)
    precision: str = _default("precision")  # autocast's dtype for the forward pass
    threads: int | None = _default("threads")  # None: every core this process may use (shared by local ranks)
    seed: int = _default("seed")
    patience: int = _default("patience")  # validations without improvement before stopping early
    valid_percent: int = 5
    eval_every: int = 0            # also validate every N steps (0: once per epoch)
    min_eval_steps: int = 1        # an epoch's end validates only this many steps after the last validation
    checkpoint_minutes: float = _default("checkpoint_minutes")
    samples: int = 3
    sample_tokens: int = 64
    progress_interval: float = 0.1  # seconds between StepProgress events

    def validate(self) -> None:
        """TrainingError, one sentence, for a run no trainer could do: a declared option out of its
        declared range (OPTIONS), or settings that no option declares."""
        for name in (f.name for f in fields(self)):
            problem = OPTIONS[name].problem(getattr(self, name)) if name in OPTIONS else None
            if problem:
                raise TrainingError(f"{OPTIONS[name].cli_flag}: {problem}")
        checks = [
            (self.epochs is not None or self.max_minutes is not None,
             "a run needs a time budget (--max-minutes) or a number of --epochs"),
            (self.threads is None or isinstance(self.threads, int), "--threads must be a whole number"),
            (0 <= self.valid_percent < 50, "the validation share must be 0 to 49 percent"),
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


def run_bound(epochs: int | None, max_minutes: float | None) -> str:
    """What ends a run: "time" (a budget alone), "epochs" (a count alone) or "both" (whichever comes first)."""
    if epochs is None:
        return "time"
    return "epochs" if max_minutes is None else "both"


# -- progress events: plain dataclasses, as `on_progress(event)` receives them ----------------------


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
    report: dict                # report.build_report's: figures, verdict, copied share, samples, advice
