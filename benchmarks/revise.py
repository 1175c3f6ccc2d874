"""Revision speed: alternatives for one character and rewrites of one line, with a bundled model on the CPU.

    python benchmarks/revise.py [--model chinese-classical] [--runs 9] [--out revise.json]

Prints one JSON object: the median and worst time of eight one-character alternatives at a key
position and at a rhyme position of a Tang 七绝, of four rewrites of its third line, and of a 七绝
with two keywords (the calls the window's worker makes). Targets: 300 ms for the characters,
500 ms for a line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from common import emit_json, environment

from poetpad.core import library, modelfile
from poetpad.core.cpu import DECODE_THREADS_ENV
from poetpad.core.suggest import make_request, revise_char, revise_line, suggest

POEM = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"


def timed(fn, runs: int) -> dict:
    fn()  # the first call builds the tables
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="chinese-classical")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ[DECODE_THREADS_ENV] = str(args.threads)  # decoding on exactly these, not the idle cores
    bundle = modelfile.load_model(library.find(args.model).path)
    seeds = iter(range(10_000))
    result = {
        "benchmark": "revise", "model": args.model, "environment": environment(),
        "char_2_4_eight": timed(lambda: revise_char(bundle, POEM, 2, 4, n=8), args.runs),
        "char_4_7_rhyme_eight": timed(lambda: revise_char(bundle, POEM, 4, 7, n=8), args.runs),
        "line_3_four": timed(lambda: revise_line(bundle, POEM, 3, n=4, seed=next(seeds)), args.runs),
        "keywords_7x4_four": timed(lambda: suggest(bundle, make_request(mode="new", form="7x4", keywords="雁,霜",
                                                                        n=4, seed=next(seeds))), args.runs),
        "targets_ms": {"char": 300, "line": 500},
    }
    emit_json(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
