"""Learn the couplet and stock-phrase statistics of poetpad/data/couplets.json from the corpus.

    python -m poetpad.tools.build_couplets [--cache DIR] [--out FILE] [--bench-dir DIR]

The corpus is the one the bundled Chinese model is built from, fetched and prepared by
build_models (`npm pack chinese-poetry@2.0.1`, OpenCC to simplified, the corpus loader's
cleaning, regular 5- and 7-character shi, the benchmark's validation poems left out). Poems
are split by their md5 bucket (poetpad.core.corpus.poem_bucket):

- buckets 0–2, the project's fixed test split: only measured, for the figures printed at the
  end and stored under "evaluation";
- buckets 3–4: the development split, which chooses the tone weight, the back-off weight and
  the parallelism threshold;
- buckets 5–99: what the statistics are learnt from.

From the 律诗 (8 lines, all 5 or all 7 hanzi) it learns how often character a faces character
b in the 颔联 (lines 3–4) and 颈联 (lines 5–6), as PMI against the characters' frequencies in
those lines, and a coarse back-off: characters clustered by the characters they face, with the
PMI between clusters. From all the poems it takes the most frequent two-character sequences
as stock phrases. Nothing here runs inside the app; rerank.py reads the result.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from poetpad.core import rerank
from poetpad.core.corpus import Poem, poem_bucket
from poetpad.core.text import hanzi
from poetpad.errors import PoetPadError
from poetpad.tools.build_models import DEFAULT_CACHE, REPO_ROOT, SPECS, prepare
from poetpad.tools.corpora import TEST_BUCKETS

log = logging.getLogger(__name__)

DEFAULT_OUT = REPO_ROOT / "poetpad" / "data" / "couplets.json"
DEV_BUCKETS = 5  # buckets TEST_BUCKETS..DEV_BUCKETS-1: the development split
COUPLETS = ((2, 3), (4, 5))  # 颔联 and 颈联, 0-based line indices

# Facing pairs.
MIN_PAIR_COUNT = 3  # a pair seen fewer times is left to the back-off
PSEUDO_COUNT = 1.0  # PMI = ln((n + m) / (E + m)): pulls the PMI of rarely seen pairs towards 0
PMI_SCALE = 100  # PMI stored as integer hundredths of a nat
# Back-off classes.
CLASS_MIN_COUNT = 20  # characters faced at least this often get a class
CLASS_DIMS = 64  # rank of the facing-PPMI factorisation the clusters are found in
CLASSES = 128
KMEANS_ROUNDS = 25
SEED = 0
# Chosen on the development split (by ROC AUC, real couplets vs. random line pairs).
TONE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
BACKOFF_WEIGHTS = (0.0, 0.5, 1.0)
# Stock bigrams.
STOCK_COUNT = 400


@dataclass
class Split:
    learn: list[Poem]
    dev: list[Poem]
    test: list[Poem]


def lines_of(poem: Poem) -> list[str]:
    return [hanzi(line) for line in poem.text.split("\n")]


def is_lushi(lines: Sequence[str]) -> bool:
    return len(lines) == 8 and len({len(line) for line in lines}) == 1 and len(lines[0]) in (5, 7)


def lushi(poems: Iterable[Poem]) -> list[list[str]]:
    return [lines for poem in poems if is_lushi(lines := lines_of(poem))]


def is_tang(poem: Poem) -> bool:
    return Path(poem.source).name.startswith("poet.tang.")


# -- facing pairs -------------------------------------------------------------------------------


def facing_counts(poems: list[list[str]]) -> tuple[Counter[str], Counter[str]]:
    """(pair counts keyed as rerank keys them, how often each character takes part), over the
    颔联 and 颈联; each facing is counted once, whichever line a character stands in."""
    pairs: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for lines in poems:
        for i, j in COUPLETS:
            for a, b in zip(lines[i], lines[j], strict=True):
                pairs[rerank.pair_key(a, b)] += 1
                chars[a] += 1
                chars[b] += 1
    return pairs, chars


def shrunk_pmi(n: float, count_a: float, count_b: float, total: float, same: bool) -> float:
    """ln((n + m) / (E + m)), E the count expected if the two characters faced each other by chance."""
    expected = count_a * count_b / (2 * total) * (0.5 if same else 1.0)
    return math.log((n + PSEUDO_COUNT) / (expected + PSEUDO_COUNT))


def pair_table(pairs: Counter[str], chars: Counter[str]) -> dict[str, int]:
    """Pairs seen at least MIN_PAIR_COUNT times with a positive PMI, in hundredths."""
    total = sum(pairs.values())
    table = {}
    for key, n in pairs.items():
        if n < MIN_PAIR_COUNT or key[0] == key[1]:
            continue
        value = round(PMI_SCALE * shrunk_pmi(n, chars[key[0]], chars[key[1]], total, False))
        if value > 0:
            table[key] = value
    return dict(sorted(table.items(), key=lambda kv: (-kv[1], kv[0])))


def facing_classes(pairs: Counter[str], chars: Counter[str]) -> list[str]:
    """Characters faced at least CLASS_MIN_COUNT times, clustered by the characters they face.

    The symmetric matrix of positive PMI between facing characters is factorised (randomised
    SVD, rank CLASS_DIMS) and the unit-length rows are clustered with spherical k-means; a class
    is returned as the string of its members, most frequent first.
    """
    members = [ch for ch, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])) if n >= CLASS_MIN_COUNT]
    index = {ch: i for i, ch in enumerate(members)}
    size = len(members)
    count = min(CLASSES, size)
    if count < 2:
        return []
    matrix = np.zeros((size, size), np.float64)
    for key, n in pairs.items():
        a, b = index.get(key[0]), index.get(key[1])
        if a is not None and b is not None:
            matrix[a, b] += n
            if a != b:
                matrix[b, a] += n
    rows = matrix.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.log(matrix * rows.sum() / np.outer(rows, rows))
    ppmi[matrix < 2] = 0.0
    ppmi = np.maximum(ppmi, 0.0)
    rng = np.random.default_rng(SEED)
    dims = min(CLASS_DIMS, size)
    basis = ppmi @ rng.standard_normal((size, min(dims + 32, size)))
    for _ in range(3):
        basis, _ = np.linalg.qr(basis)
        basis = ppmi @ (ppmi.T @ basis)
    basis, _ = np.linalg.qr(basis)
    u, s, _ = np.linalg.svd(basis.T @ ppmi, full_matrices=False)
    vectors = (basis @ u)[:, :dims] * np.sqrt(s[:dims])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    centres = vectors[rng.choice(size, count, replace=False)].copy()
    for _ in range(KMEANS_ROUNDS):
        label = np.argmax(vectors @ centres.T, axis=1)
        for k in range(count):
            mine = vectors[label == k]
            if len(mine):
                centres[k] = mine.mean(axis=0)
                centres[k] /= np.linalg.norm(centres[k]) + 1e-12
    label = np.argmax(vectors @ centres.T, axis=1)
    classes = ["".join(ch for ch, k in zip(members, label, strict=True) if k == c) for c in range(count)]
    return [c for c in classes if c]


def class_table(pairs: Counter[str], classes: list[str]) -> list[list[int]]:
    """[i, j, PMI in hundredths] for the class pairs (i ≤ j) with a positive PMI."""
    class_of = {ch: k for k, members in enumerate(classes) for ch in members}
    counts: Counter[tuple[int, int]] = Counter()
    sizes: Counter[int] = Counter()
    for key, n in pairs.items():
        if key[0] == key[1]:
            continue  # rerank gives a character facing itself nothing
        ca, cb = class_of.get(key[0]), class_of.get(key[1])
        if ca is None or cb is None:
            continue
        counts[min(ca, cb), max(ca, cb)] += n
        sizes[ca] += n
        sizes[cb] += n
    total = sum(counts.values())
    table = []
    for (i, j), n in sorted(counts.items()):
        value = round(PMI_SCALE * shrunk_pmi(n, sizes[i], sizes[j], total, i == j))
        if value > 0:
            table.append([i, j, value])
    return table


# -- stock bigrams ------------------------------------------------------------------------------


def stock_bigrams(poems: Iterable[Poem]) -> tuple[dict[str, float], dict]:
    """The STOCK_COUNT most frequent two-hanzi sequences within a line, each weighted
    1 + ln(count / the count of the last one kept): from 1 up to about 3 for 不知."""
    counts: Counter[str] = Counter()
    for poem in poems:
        counts.update(rerank.clause_bigrams(poem.text))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:STOCK_COUNT]
    floor = top[-1][1]
    weights = {bigram: round(1.0 + math.log(n / floor), 3) for bigram, n in top}
    values = sorted(counts.values())
    report = {"distinct_bigrams": len(counts), "bigram_tokens": sum(values), "kept": len(top),
              "median_bigram_count": values[len(values) // 2], "count_of_last_kept": floor,
              "count_of_first": top[0][1], "token_share_of_kept": round(sum(n for _, n in top) / sum(values), 4)}
    return weights, report


REDUPLICATION_MIN_COUNT = 30    # 叠字 the corpus uses at least this often,
REDUPLICATION_MIN_SHARE = 0.01  # and in at least this share of the character's uses, are the ones a poem may use


def reduplications(poems: Iterable[Poem]) -> tuple[str, dict]:
    """The characters the poets doubled (萧萧, 依依, 处处) at least REDUPLICATION_MIN_COUNT times and in at
    least REDUPLICATION_MIN_SHARE of their uses (水水 and 来来 occur, but are not how poets use 水 and 来),
    in code-point order: the decoder allows 叠字 of these only."""
    doubled: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for poem in poems:
        for line in lines_of(poem):
            uses.update(line)
            doubled.update(a for a, b in zip(line, line[1:], strict=False) if a == b)
    kept = sorted(ch for ch, n in doubled.items()
                  if n >= REDUPLICATION_MIN_COUNT and 2 * n >= REDUPLICATION_MIN_SHARE * uses[ch])
    return "".join(kept), {"distinct": len(doubled), "kept": len(kept), "min_count": REDUPLICATION_MIN_COUNT,
                           "min_share": REDUPLICATION_MIN_SHARE}


# -- judging ------------------------------------------------------------------------------------


def real_and_random(poems: list[list[str]]) -> dict[str, list[tuple[str, str]]]:
    """The 颔联 and 颈联 of each poem, and as many random pairs: the first line of a poem's
    couplet with the second line of the same couplet of the next poem of the same length."""
    by_length: dict[int, list[list[str]]] = {}
    for lines in poems:
        by_length.setdefault(len(lines[0]), []).append(lines)
    found: dict[str, list[tuple[str, str]]] = {"real": [], "random": []}
    for group in by_length.values():
        if len(group) < 2:
            continue
        for k, lines in enumerate(group):
            other = group[(k + 1) % len(group)]
            for i, j in COUPLETS:
                found["real"].append((lines[i], lines[j]))
                found["random"].append((lines[i], other[j]))
    return found


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """ROC AUC: the chance a positive scores above a negative (ties count half)."""
    values = np.concatenate([np.asarray(positive, float), np.asarray(negative, float)])
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def youden_threshold(positive: Sequence[float], negative: Sequence[float]) -> float:
    """The score threshold (score ≥ it counts as parallel) that maximises the share of positives
    above it minus the share of negatives above it."""
    pos, neg = np.sort(np.asarray(positive, float)), np.sort(np.asarray(negative, float))
    best, best_gain = float(pos[0]), -1.0
    for threshold in np.unique(pos):
        gain = 1 - np.searchsorted(pos, threshold) / len(pos) - (1 - np.searchsorted(neg, threshold) / len(neg))
        if gain > best_gain:
            best, best_gain = float(threshold), gain
    return round(best, 3)


def rates(data: rerank.CoupletData, pairs: dict[str, list[tuple[str, str]]]) -> dict:
    scores = {kind: [data.couplet_score(a, b) for a, b in found] for kind, found in pairs.items()}
    result = {"couplets": len(pairs["real"]), "auc": round(auc(scores["real"], scores["random"]), 4)}
    for kind, values in scores.items():
        result[f"{kind}_parallel"] = round(float(np.mean(np.asarray(values) >= data.threshold)), 4)
        result[f"{kind}_mean_score"] = round(float(np.mean(values)), 3)
    return result


def build_data(split: Split, source: dict, preparation: dict, on_line: Callable[[str], None] = print) -> dict:
    learn, dev, test = lushi(split.learn), lushi(split.dev), lushi(split.test)
    on_line(f"律诗: {len(learn):,} to learn from, {len(dev):,} to calibrate on, {len(test):,} held out")
    pairs, chars = facing_counts(learn)
    table = pair_table(pairs, chars)
    classes = facing_classes(pairs, chars)
    class_pairs = class_table(pairs, classes)
    stock, stock_report = stock_bigrams(split.learn)
    doubled, doubled_report = reduplications(split.learn)
    on_line(f"{len(table):,} facing pairs kept of {len(pairs):,}; {len(classes)} classes; "
            f"{len(class_pairs):,} class pairs; {len(stock)} stock bigrams")
    data = {
        "format": rerank.DATA_FORMAT,
        "version": rerank.DATA_VERSION,
        "about": "Couplet (对仗) and stock-phrase statistics for PoetPad's reranker (poetpad/core/rerank.py), "
                 "generated by `python -m poetpad.tools.build_couplets`; do not edit by hand.",
        "source": {**source, "files": "dist/quantangshi/poet.tang.*.json and poet.song.*.json"},
        "licence": "Derived statistics of the chinese-poetry npm package 2.0.1, MIT licence, "
                   "Copyright (c) 2016 JackeyGao; the Tang and Song poems themselves are in the public domain.",
        "preparation": {**preparation,
                        "splits": f"md5 bucket < {TEST_BUCKETS}: held out (evaluation only); "
                                  f"{TEST_BUCKETS}–{DEV_BUCKETS - 1}: development (weights, threshold); "
                                  f"≥ {DEV_BUCKETS}: learnt from",
                        "poems_learnt_from": len(split.learn), "lushi_learnt_from": len(learn),
                        "lushi_development": len(dev), "lushi_held_out": len(test)},
        "thresholds": {"min_pair_count": MIN_PAIR_COUNT, "pseudo_count": PSEUDO_COUNT, "keep": "PMI > 0",
                       "pmi": "ln((n + m) / (E + m)), E = count(a) × count(b) / (2 × facings); pairs unordered",
                       "class_min_count": CLASS_MIN_COUNT, "class_dims": CLASS_DIMS, "classes": len(classes),
                       "stock_count": STOCK_COUNT, "stock_weight": "1 + ln(count / count of the last kept)"},
        "counts": {"facings": sum(pairs.values()), "distinct_pairs": len(pairs), "pairs_kept": len(table),
                   "class_pairs_kept": len(class_pairs), "stock": stock_report,
                   "reduplications": doubled_report},
        "couplet": {
            "pmi_scale": PMI_SCALE, "tone_weight": 0.0, "backoff_weight": 0.0, "parallel_threshold": 0.0,
            "tones": f"prosody_zh.tones(ch, {rerank.TONE_SYSTEM!r})",
            "pairs": {"chars": "".join(table), "pmi": list(table.values())},
            "classes": classes,
            "class_pairs": class_pairs,
        },
        "stock": {"weights": stock},
        "reduplications": doubled,
    }
    calibrate(data, real_and_random(dev), on_line)
    evaluate(data, real_and_random(test), split.test, on_line)
    return data


def calibrate(data: dict, dev: dict[str, list[tuple[str, str]]], on_line: Callable[[str], None]) -> None:
    """Choose the tone and back-off weights by ROC AUC on the development split, then the threshold."""
    couplet = data["couplet"]
    grid = {}
    for tone_weight in TONE_WEIGHTS:
        for backoff in BACKOFF_WEIGHTS:
            couplet.update(tone_weight=tone_weight, backoff_weight=backoff)
            scored = rerank.CoupletData.from_dict(data)
            real = [scored.couplet_score(a, b) for a, b in dev["real"]]
            random = [scored.couplet_score(a, b) for a, b in dev["random"]]
            grid[tone_weight, backoff] = round(auc(real, random), 4)
    tone_weight, backoff = max(grid, key=lambda k: (grid[k], -k[0], -k[1]))
    couplet.update(tone_weight=tone_weight, backoff_weight=backoff)
    scored = rerank.CoupletData.from_dict(data)
    real = [scored.couplet_score(a, b) for a, b in dev["real"]]
    random = [scored.couplet_score(a, b) for a, b in dev["random"]]
    couplet["parallel_threshold"] = youden_threshold(real, random)
    data["calibration"] = {
        "split": "development (md5 buckets 3–4)", "couplets": len(dev["real"]),
        "chosen_by": "ROC AUC of couplet_score, real 颔联/颈联 vs. random line pairs; "
                     "threshold: the largest real-minus-random parallel rate",
        "auc_by_tone_and_backoff_weight": {f"tone {t}, backoff {b}": v for (t, b), v in grid.items()},
    }
    on_line(f"development AUC by (tone weight, back-off weight): {grid}")
    on_line(f"chosen: tone weight {tone_weight}, back-off weight {backoff}, "
            f"threshold {couplet['parallel_threshold']}")


def evaluate(data: dict, test: dict[str, list[tuple[str, str]]], test_poems: list[Poem],
             on_line: Callable[[str], None]) -> None:
    """The held-out figures: parallel rates of real and random couplets, and reference values of
    the other scores on real poems (what poem_score's weights are set against)."""
    scored = rerank.CoupletData.from_dict(data)
    found = rates(scored, test)
    for offset, name in enumerate(("颔联", "颈联")):
        # real_and_random lists each poem's couplets in COUPLETS order
        part = {kind: pairs[offset::len(COUPLETS)] for kind, pairs in test.items()}
        sub = rates(scored, part)
        found[name] = {"real_parallel": sub["real_parallel"], "random_parallel": sub["random_parallel"]}
    no_backoff = rerank.CoupletData.from_dict({**data, "couplet": {**data["couplet"], "backoff_weight": 0.0}})
    found["auc_without_backoff"] = rates(no_backoff, test)["auc"]
    reference: dict[str, dict] = {}
    for label, poems in (("tang", [p for p in test_poems if is_tang(p)]), ("all", test_poems)):
        for form in ("5x4", "7x4", "5x8", "7x8"):
            chars, count = int(form[0]), int(form[2])
            texts = [p.text for p in poems if len(lines := lines_of(p)) == count and len(lines[0]) == chars]
            if not texts:
                continue
            reference.setdefault(label, {})[form] = {
                "poems": len(texts),
                "repeated_chars": round(float(np.mean([rerank.repeated_chars(t) for t in texts])), 3),
                "share_with_repeated_bigram": round(float(np.mean([rerank.repeated_bigrams(t) > 0 for t in texts])), 4),
                "stock_penalty": round(float(np.mean([scored.stock_penalty(t) for t in texts])), 3),
            }
    data["evaluation"] = {"split": f"held out (md5 buckets < {TEST_BUCKETS})", **found,
                          "random_pairs": "first line of a poem's 颔联 (颈联) with the second line of the same "
                                          "couplet of the next held-out 律诗 of the same length",
                          "reference_scores_per_poem": reference}
    on_line(f"held out: {found['couplets']:,} real 颔联/颈联, {found['real_parallel']:.1%} judged parallel; "
            f"random line pairs {found['random_parallel']:.1%}; AUC {found['auc']} "
            f"(without back-off {found['auc_without_backoff']})")
    for name in ("颔联", "颈联"):
        on_line(f"  {name}: real {found[name]['real_parallel']:.1%}, random {found[name]['random_parallel']:.1%}")
    on_line(f"reference scores per held-out poem: {json.dumps(reference, ensure_ascii=False)}")


# -- the build ----------------------------------------------------------------------------------


def split_poems(poems: Iterable[Poem], test: list[Poem]) -> Split:
    learn: list[Poem] = []
    dev: list[Poem] = []
    for poem in poems:
        (dev if poem_bucket(poem.text) < DEV_BUCKETS else learn).append(poem)
    return Split(learn, dev, test)


def write_json(path: Path, data: dict) -> None:
    """Compact UTF-8 JSON, written to a temp file beside `path` and moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            fh.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; it is a package data file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(cache: Path, out: Path, bench_dir: Path | None, on_line: Callable[[str], None] = print) -> dict:
    started = time.perf_counter()
    spec = SPECS["zh"]
    # The same poems as the model build: the benchmark's validation poems are left out there.
    exclude = [p for f in spec.benchmarks.values()
               if spec.exclude_benchmarks and bench_dir and (p := bench_dir / f).exists()]
    on_line(f"fetching and preparing {spec.package} {spec.version} …")
    prepared, source = prepare(spec, cache, exclude)
    split = split_poems(prepared.corpus.poems, prepared.test)
    data = build_data(split, source, prepared.report, on_line)
    write_json(out, data)
    on_line(f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - started:.0f} s")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_couplets", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloads and work files (shared with "
                        "build_models)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON file to write")
    parser.add_argument("--bench-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data",
                        help="folder with the benchmark sets whose poems are left out, as in build_models")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        build(args.cache, args.out, args.bench_dir if args.bench_dir.is_dir() else None)
    except PoetPadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
