"""Verse benchmark: what a careful reader checks, for default suggestions, beside real Tang poems.

    python benchmarks/verse.py [--model chinese-classical] [--requests 40] [--n 4] [--out verse.json]

Prints one JSON object. Requests go through core.suggest exactly as the window and the CLI
send them (the defaults: 平水韵, basic tones, sample-then-rerank, n candidates). Heads and
first lines come from ../shared/data/tang_regulated.valid.txt, so they are ones real poets
wrote. For each kind of request, and for the real poems of the same file:

- rhyme_ok: the rhyme words share one 平水韵 group, are 平, and none is used twice
  (verse.check_poem under pingshui, for complete 绝句 and 律诗);
- repeated_chars: hanzi occurrences beyond the first per poem, 叠字 aside (rerank);
- repeated_bigram_poems: the share of poems that repeat a two-character sequence;
- candidate_overlap: per request, the largest share of lines two of its candidates have in
  common (max and mean over requests; the target is at most 0.25);
- strict_clean: with --tones strict, the share of poems with no tone fault (孤平, 三平尾, 失粘,
  失对, an off-pattern key position); for real poems under the same check;
- parallel_lushi: the share of 律诗 whose 颔联 and 颈联 are both judged parallel (rerank);
- ms: the median time of one request.
A few poems of each kind are printed too: read them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

import torch
from common import DEFAULT_DATA_DIR, TANG_VALID_FILE, emit_json, environment, log

from poetpad.core import library, modelfile, rerank
from poetpad.core.cpu import DECODE_THREADS_ENV
from poetpad.core.prosody_zh import TONE_FAULTS, tones
from poetpad.core.suggest import make_request, suggest
from poetpad.core.text import FIXED_FORMS, hanzi, split_lines
from poetpad.core.verse import check_poem

SYSTEM = "pingshui"


def real_poems(data_dir: Path) -> dict[str, list[list[str]]]:
    """The validation poems by form name, each as its verse lines."""
    by_form: dict[str, list[list[str]]] = {name: [] for name in FIXED_FORMS}
    for raw in (data_dir / TANG_VALID_FILE).read_text(encoding="utf-8").splitlines():
        lines = split_lines(raw)
        sizes = {len(hanzi(line)) for line in lines}
        name = f"{sizes.pop()}x{len(lines)}" if len(sizes) == 1 else ""
        if name in by_form:
            by_form[name].append(lines)
    return by_form


def measure(poems: list[str], form: str | None, overlaps: list[float] | None = None) -> dict:
    """The reader's figures for finished poems of one form."""
    rhyme_ok = strict = parallel = lushi = level_unrhymed = regular = 0
    repeats, bigram_poems = [], 0
    for text in poems:
        check = check_poem(text, form=form, system=SYSTEM)
        rhyme_ok += check.rhyme_ok
        regular += check.form in FIXED_FORMS
        first = split_lines(text)[0].rstrip("，。？！；、")[-1:] if text else ""
        # 首句: a line 1 that ends on 平 but does not rhyme breaks every template (it must end 仄 or rhyme).
        level_unrhymed += bool(first) and tones(first, SYSTEM) == {"平"} and not (check.rhymes[:1] or [False])[0]
        strict += not any(f["kind"] in TONE_FAULTS for f in check.faults)
        repeats.append(rerank.repeated_chars(text))
        bigram_poems += rerank.repeated_bigrams(text) > 0
        lines = split_lines(text)
        if len(lines) == 8:
            lushi += 1
            parallel += rerank.is_parallel(lines[2], lines[3]) and rerank.is_parallel(lines[4], lines[5])
    count = max(1, len(poems))
    out = {"poems": len(poems), "rhyme_ok": round(rhyme_ok / count, 4),
           "repeated_chars": round(statistics.mean(repeats), 3) if repeats else None,
           "repeated_bigram_poems": round(bigram_poems / count, 4), "strict_clean": round(strict / count, 4),
           "first_line_level_unrhymed": round(level_unrhymed / count, 4), "regular_form": round(regular / count, 4)}
    if lushi:
        out["parallel_lushi"] = round(parallel / lushi, 4)
    if overlaps is not None:
        out["candidate_overlap_max"] = round(max(overlaps), 3) if overlaps else None
        out["candidate_overlap_mean"] = round(statistics.mean(overlaps), 3) if overlaps else None
        out["requests_over_quarter"] = sum(o > 0.25 for o in overlaps)
    return out


def run_kind(bundle, name: str, requests: list[dict], n: int, seed: int) -> tuple[dict, list[str]]:
    poems, overlaps, times, invalid = [], [], [], 0
    form = None
    for i, options in enumerate(requests):
        request = make_request(n=n, seed=seed + i, **options)
        start = time.perf_counter()
        out = suggest(bundle, request, "bench")
        times.append((time.perf_counter() - start) * 1000)
        form = out[0].form if out and out[0].form in FIXED_FORMS else form
        poems.extend(s.text for s in out)
        invalid += sum(not s.valid for s in out)
        if len(out) > 1:
            overlaps.append(max(rerank.line_overlap(a.text.split("\n"), b.text.split("\n"))
                                for a, b in combinations(out, 2)))
    figures = measure(poems, options.get("form"), overlaps)
    figures |= {"requests": len(requests), "invalid": invalid, "ms_median": round(statistics.median(times), 1),
                "ms_max": round(max(times), 1)}
    log(f"{name}: {figures}")
    return figures, poems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="chinese-classical")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind")
    parser.add_argument("--n", type=int, default=4, help="candidates per request")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--samples", type=int, default=3, help="poems of each kind to print")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ[DECODE_THREADS_ENV] = str(args.threads)  # decoding on exactly these, not the idle cores
    torch.set_grad_enabled(False)
    bundle = modelfile.load_model(library.find(args.model).path)
    real = real_poems(args.data_dir)
    rng = random.Random(args.seed)

    def heads(form: str) -> list[str]:
        pool = real[form]
        return ["".join(line[0] for line in rng.choice(pool)) for _ in range(args.requests)]

    def first_lines(form: str) -> list[str]:
        pool = real[form]
        return [rng.choice(pool)[0] for _ in range(args.requests)]

    kinds = {
        "acrostic_7x4": [{"mode": "acrostic", "heads": h, "form": "7x4"} for h in heads("7x4")],
        "acrostic_5x4": [{"mode": "acrostic", "heads": h, "form": "5x4"} for h in heads("5x4")],
        "continue_5x4": [{"prefix": line, "form": "5x4"} for line in first_lines("5x4")],
        "continue_7x4": [{"prefix": line, "form": "7x4"} for line in first_lines("7x4")],
        "lushi_5x8": [{"prefix": line, "form": "5x8"} for line in first_lines("5x8")],
        "lushi_7x8": [{"prefix": line, "form": "7x8"} for line in first_lines("7x8")],
        "strict_acrostic_7x4": [{"mode": "acrostic", "heads": h, "form": "7x4", "tones": "strict"}
                                for h in heads("7x4")],
        "beam_acrostic_7x4": [{"mode": "acrostic", "heads": h, "form": "7x4", "beam": 8} for h in heads("7x4")],
        # Ctrl+Enter on a fresh line: two characters typed, no form chosen.
        "opening_no_form": [{"prefix": rng.choice(real[rng.choice(("5x4", "7x4"))])[0][:2]}
                            for _ in range(args.requests)],
    }
    result = {"benchmark": "verse", "model": args.model, "rhyme_system": SYSTEM, "n": args.n,
              "environment": environment(), "generated": {}, "real": {}, "samples": {}}
    for name, requests in kinds.items():
        figures, poems = run_kind(bundle, name, requests, args.n, args.seed)
        result["generated"][name] = figures
        result["samples"][name] = poems[:: max(1, len(poems) // args.samples)][: args.samples]
    for form, poems in real.items():
        result["real"][form] = measure(["\n".join(p) for p in poems], form)
    emit_json(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
