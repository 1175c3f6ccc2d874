"""Decoding benchmark: validity, rhyme rate, copying and speed of constrained generation.

    python benchmarks/decode.py --model NAME [--count 200] [--out decode.json]
    python benchmarks/decode.py --model-file path/to/model.poetpad

Prints one JSON object. Validity: random acrostic heads drawn from the model's frequent
characters, in 5x4, 7x4, 5x8 and 7x8, with beam search and with sampling, all with
--rhyme; a poem counts as valid when verse.check_poem finds the form, the heads and the
rhyme right. Rhyme: the share of even lines that rhyme, with the constraint and without.
Copying: the share of generated lines found in the model's training-line fingerprint at
the default sampling settings. Speed (CPU): the marginal time of a beam-8 7x4 acrostic
over the time of 32 batched one-step forwards at batch 8, plus greedy and sampling latency.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import torch

from poetpad.core import library, modelfile
from poetpad.core.decode import Request, SampleSettings, generate
from poetpad.core.forms import Spec
from poetpad.core.prosody_zh import rhyme_groups
from poetpad.core.text import is_cjk, parse_form, split_lines
from poetpad.core.verse import check_poem

FORMS = ("5x4", "7x4", "5x8", "7x8")


def even_line_rhyme_rate(texts: list[str]) -> float:
    """Share of even lines whose last character is in the group most even lines of its poem share."""
    hits = total = 0
    for text in texts:
        ends = [line.rstrip("，。！？；")[-1:] for i, line in enumerate(split_lines(text)) if i % 2 == 1]
        ends = [e for e in ends if e]
        if not ends:
            continue
        counts = Counter(g for e in ends for g in rhyme_groups(e))
        best = counts.most_common(1)[0][1] if counts else 0
        hits += best
        total += len(ends)
    return hits / max(1, total)


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a model in the library")
    parser.add_argument("--model-file", help="a .poetpad file")
    parser.add_argument("--count", type=int, default=200, help="acrostics per form and method")
    parser.add_argument("--beam", type=int, default=8)
    parser.add_argument("--speed-repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out")
    args = parser.parse_args()
    path = Path(args.model_file) if args.model_file else library.find(args.model).path
    bundle = modelfile.load_model(path)
    model, vocab = bundle.model, bundle.vocab
    fingerprint = bundle.fingerprint()
    torch.set_grad_enabled(False)
    rng = random.Random(args.seed)
    frequent = [t for t in vocab.tokens[4:] if len(t) == 1 and is_cjk(t)][:500]

    validity: dict[str, dict] = {}
    rhymed, free, copied_lines, all_lines = [], [], 0, 0
    start = time.perf_counter()
    for method in ("beam", "sample"):
        for form in FORMS:
            n_lines = int(form[-1])
            ok = 0
            for i in range(args.count):
                heads = "".join(rng.choice(frequent) for _ in range(n_lines))
                req = Request(spec=Spec(form=parse_form(form), heads=heads, rhyme=True),
                              beam=args.beam if method == "beam" else 0,
                              settings=SampleSettings(seed=args.seed + i))
                text = generate(model, vocab, req)[0].text
                check = check_poem(text, form=form, heads=heads)
                ok += check.ok
                if method == "sample":
                    rhymed.append(text)
            validity[f"{method}/{form}"] = {"valid": ok, "of": args.count, "rate": ok / max(1, args.count)}
            print(f"{method} {form}: {ok}/{args.count} valid", file=sys.stderr)
    for i in range(args.count):
        form = FORMS[i % len(FORMS)]
        heads = "".join(rng.choice(frequent) for _ in range(int(form[-1])))
        req = Request(spec=Spec(form=parse_form(form), heads=heads), settings=SampleSettings(seed=args.seed + i))
        text = generate(model, vocab, req)[0].text
        free.append(text)
        if fingerprint is not None:
            check = check_poem(text, form=form, heads=heads, fingerprint=fingerprint)
            copied_lines += len(check.copied_lines)
            all_lines += len(check.lines)
    quality_seconds = time.perf_counter() - start

    # Speed: the floor is 32 batched one-step forwards at batch 8 (a 7x4 poem is 32 tokens).
    state = model.init_state(8)
    tokens = torch.full((8,), 4, dtype=torch.long)

    def floor():
        s = state
        for _ in range(32):
            _, s = model.step(tokens, s)

    def beam_poem():
        generate(model, vocab, Request(spec=Spec(form=parse_form("7x4"), heads="春夏秋冬", rhyme=True), beam=8))

    def greedy_poem():
        generate(model, vocab, Request(spec=Spec(form=parse_form("7x4"), heads="春夏秋冬", rhyme=True), beam=1))

    def sample_poem():
        generate(model, vocab, Request(spec=Spec(form=parse_form("7x4"), heads="春夏秋冬", rhyme=True)))

    t_floor = median_time(floor, args.speed_repeats)
    t_beam = median_time(beam_poem, args.speed_repeats)
    t_greedy = median_time(greedy_poem, args.speed_repeats)
    t_sample = median_time(sample_poem, args.speed_repeats)
    total_valid = sum(v["valid"] for v in validity.values())
    total = sum(v["of"] for v in validity.values())
    result = {
        "model": path.name, "parameters": sum(p.numel() for p in model.parameters()), "vocab": len(vocab),
        "threads": torch.get_num_threads(),
        "validity": validity, "valid_rate": total_valid / max(1, total), "validity_target": 1.0,
        "rhyme_rate_constrained": even_line_rhyme_rate(rhymed),
        "rhyme_rate_unconstrained": even_line_rhyme_rate(free), "rhyme_target": 0.95,
        "copied_line_rate": (copied_lines / all_lines) if all_lines else None, "copy_target": 0.01,
        "copy_note": None if fingerprint is not None else "the model carries no fingerprint",
        "speed": {"floor_32_steps_batch8_s": t_floor, "beam8_7x4_acrostic_s": t_beam,
                  "ratio": t_beam / t_floor, "ratio_target": 1.5, "greedy_7x4_s": t_greedy,
                  "sample_7x4_s": t_sample},
        "quality_seconds": quality_seconds,
        "samples": rhymed[:3] + free[:3],
    }
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
