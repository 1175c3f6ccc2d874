"""The whole job, which both faces call: corpus → vocab → model → Trainer → model file.

`train_model` checks the job under the run's lock, starts the model one of three ways (fresh,
fine-tuned from a base model, or resumed from a checkpoint), makes sure the run can write what it
will write, trains, reports what the model learnt, and saves it into the user library.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch

from poetpad import __version__, paths
from poetpad.core import library, modelfile
from poetpad.core.corpus import (
    MIN_FINETUNE_CHARS,
    MIN_TRAIN_CHARS,
    SCRATCH_RECOMMENDED_CHARS,
    Corpus,
    load_corpus,
)
from poetpad.core.model import ModelConfig, PoetLM, output_layer, preset_config
from poetpad.core.train.checkpoint import (
    check_world,
    checkpoint_path,
    clean_leftovers,
    discard_checkpoint,
    lock_run,
    read_checkpoint_header,
)
from poetpad.core.train.config import OPTIONS, Note, TrainConfig, TrainEvent, TrainReport, recipe
from poetpad.core.train.data import split_streams
from poetpad.core.train.distributed import Distributed, FollowerError, on_rank0
from poetpad.core.train.loop import Trainer, TrainResult
from poetpad.core.train.report import build_report, sample_primes
from poetpad.core.verse import Fingerprint
from poetpad.core.vocab import Vocab
from poetpad.errors import PoetPadError, TrainingError
from poetpad.locks import FileLock

log = logging.getLogger(__name__)



@dataclass
class TrainJob:
    """Everything `train_model` needs; the CLI and the GUI fill one in."""

    paths: list[str]
    name: str
    preset: str = OPTIONS["preset"].default
    cell: str | None = OPTIONS["cell"].default
    tokenizer: str = OPTIONS["tokenizer"].default
    min_freq: int | None = OPTIONS["min_freq"].default
    embedding: int | None = OPTIONS["embedding"].default
    hidden: int | None = OPTIONS["hidden"].default
    layers: int | None = OPTIONS["layers"].default
    dropout: float | None = OPTIONS["dropout"].default
    tied: bool | None = OPTIONS["tied"].default
    softmax: str = OPTIONS["softmax"].default  # auto | full | adaptive (a fine-tuned model keeps its base's)
    base_model: str | None = None
    resume: bool = False
    fresh: bool = False            # discard an interrupted run of `name` first (under the run's lock)
    simplify: bool = False
    vocab: Vocab | None = None     # a ready vocabulary for a fresh run (else built from the corpus)
    extend_vocab: bool = True      # fine-tuning adds the corpus's new tokens (False: a warm restart on the base's text)
    config: TrainConfig = field(default_factory=TrainConfig)


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
        on_rank0(dist, lambda: held.append(lock_run(job.name)))  # rank 0 holds it; the others learn the outcome
        lock = held[0] if held else None
        return _train(job, on_progress, should_stop, is_paused, corpus, dist, lock)
    finally:
        for lock in held:
            lock.release()
        if dist is not None:
            dist.stop()


def _train(job: TrainJob, on_progress, should_stop, is_paused, corpus: Corpus | None,
           dist: Distributed | None, lock: FileLock | None = None) -> tuple[TrainResult, Path | None]:
    main = dist is None or dist.main
    notify = (on_progress if main else None) or (lambda event: None)
    name, ckpt = on_rank0(dist, lambda: _check_job(job, lock))
    cfg = job.config
    torch.manual_seed(cfg.seed)  # before any model is built, so a run's initial weights are repeatable
    corpus = _training_corpus(job, corpus, fine_tuning=bool(job.base_model))
    base_name = None if job.resume else _resolve_base(job, corpus, notify)
    base = modelfile.load_model(library.find(base_name).path) if base_name else None
    if dist is not None and len(set(dist.gather(corpus.sha256))) > 1:
        raise (TrainingError if main else FollowerError)(
            "The processes of this run read different poems; give every process the same files.")

    if job.resume:
        header = on_rank0(dist, lambda: read_checkpoint_header(ckpt))
        check_world(header, dist.world_size if dist else 1)
        vocab, model, cfg, base_name = _resumed_start(header, corpus, cfg)
    elif base is not None:
        vocab, model = _fine_tuning_start(base, base_name, corpus, notify, job.softmax, job.extend_vocab)
    else:
        vocab, model = _fresh_start(job, corpus)
    cfg = recipe(cfg, fine_tuning=base_name is not None)

    on_rank0(dist, lambda: preflight(name, model, vocab, corpus, job.resume))
    train_ids, valid_ids, split = split_streams(corpus, vocab, cfg.valid_percent)
    if base_name is None:
        _note_small_corpus(corpus, notify)
    primes = sample_primes(corpus, vocab, cfg.samples)
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


# -- what the job may do, and from which model -----------------------------------------------------


def _check_job(job: TrainJob, lock: FileLock | None = None) -> tuple[str, Path]:
    """The job's model name and checkpoint path, once its options, name and checkpoint state allow the run
    (`lock`: the run lock, held by now; leftover temp files of earlier runs of the name go)."""
    name = library.check_name(job.name)
    job.config.validate()
    if lock is not None:
        clean_leftovers(name)
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


def _resolve_base(job: TrainJob, corpus: Corpus, notify: Callable[[TrainEvent], None]) -> str | None:
    """The model a run starts from: the job's, the bundled one of the poems' language for library.AUTO_BASE
    (announced in a Note), or None to train from scratch (then the corpus must be large enough for that)."""
    base = job.base_model
    chars = corpus.stats.chars
    if base == library.AUTO_BASE:
        language = corpus.stats.language
        info = library.default_base(language)
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
    if base is None and job.base_model is None and chars < SCRATCH_RECOMMENDED_CHARS and library.default_base(
            corpus.stats.language) is not None:
        notify(Note("Training from scratch as asked; with this few poems, fine-tuning the bundled model "
                    "(the default) usually writes far better. " + scratch_advice(chars)))
    return base


def scratch_advice(chars: int) -> str:
    """When a new model is worth training from nothing, and why (for a Note and the CLI's help)."""
    return (f"Train from scratch (--scratch) only with {SCRATCH_RECOMMENDED_CHARS:,} characters of poems or more "
            f"(this corpus has {chars:,}): a new model must learn the language itself before it can learn "
            "your style, and the bundled models learnt it from millions of characters over hours.")


def _note_small_corpus(corpus: Corpus, notify: Callable[[TrainEvent], None]) -> None:
    if corpus.stats.chars < 20_000:
        notify(Note(f"The corpus is small ({corpus.stats.chars:,} characters): the model will tend to copy "
                    "your poems rather than write new ones."))


# -- the three starts: fresh, fine-tuned, resumed --------------------------------------------------


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


# -- room to write what the run will write ---------------------------------------------------------


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


# -- saving the model ------------------------------------------------------------------------------


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


def _kept(result: TrainResult, name: str) -> str:
    """What is kept of a run whose model was not saved, and how to go on."""
    if result.checkpoint_step is not None and checkpoint_path(name).exists():
        return (f"The run is kept as a checkpoint (step {result.checkpoint_step}): resume it with --resume "
                "(Resume in the window) to save the model.")
    return "No checkpoint could be written either, so the run is lost."


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
