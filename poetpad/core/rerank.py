"""Whole-poem scores, for choosing among the candidates the decoder draws.

The decoder writes one poem at a time under hard form constraints; what it cannot see while
writing is the poem as a whole. These scores look at finished candidates:

- `repeated_chars`, `repeated_bigrams`: repetition inside one poem (叠字 such as 萧萧 is a
  device and is not counted).
- `stock_penalty`: the corpus's most overused two-character sequences (不知, 何处, 春风 …), each
  weighted by how overused it is.
- `couplet_score`, `is_parallel`: how parallel (对仗) two lines are, from how often the
  characters facing each other face each other in the middle couplets of real 律诗, plus the
  tone opposition a couplet needs.
- `poem_score`: all of it in one number next to the model's own log-probability;
  `line_overlap` and `pick_distinct` keep the returned candidates from sharing their lines.

The statistics come from poetpad/data/couplets.json, generated from the chinese-poetry corpus
by `python -m poetpad.tools.build_couplets`; it is read once, on first use. Nothing here
imports torch or Qt.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from poetpad.core.text import CJK_CLASS, WORD_PATTERN
from poetpad.errors import DecodeError

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "couplets.json"
DATA_FORMAT = "poetpad-couplets"
DATA_VERSION = 1
TONE_SYSTEM = "pingshui"  # couplets.json's "tones": the system its statistics were counted in

# The weights of poem_score, in nats per token: the unit of the model's mean log-probability.
# Starting values, chosen so that one fault costs a fraction of the spread of the model's own
# score and the faults together about as much as that spread. The bundled model gives held-out
# real 律诗 a mean log-probability of -4.1 nats per token with a standard deviation of 0.4; with
# these weights the rest of poem_score adds 0.37 ± 0.21 to the same poems (both middle couplets
# scored). Per poem, on held-out real verse (couplets.json, "evaluation"):
# - repeated characters: 0.4–1.1 in real poems. 0.05 each: three more than a real poem cost 0.15.
# - repeated two-character words: 2–5 % of real poems have one. 0.15 each, on top of the two
#   repeated characters each one also brings (0.25 in all).
# - stock bigrams: 2–5 units in a real poem (weights run from 1 to 3.1 for 不知); four lines
#   built of 不知 何处 春风 人间 不可 score about 25. Tuned on generated poems (40 acrostic 七绝,
#   pools of 16, benchmarks-style): at 0.015 a unit the picks kept 8.7 units a poem, at 0.05 6.0,
#   at 0.1 4.1 (the mean log-probability falling from -2.95 to -3.17 nats per token). 0.08 keeps
#   them near real verse (about 3) for a small cost in likelihood.
# - couplet_score: real 颔联 and 颈联 average 1.5, two unrelated lines 0.4. 0.15 a couplet: a
#   律诗 with both middle couplets parallel gains about 0.33 over one with none, the largest
#   single term, as missing 对仗 is what readers notice first in a 律诗.
W_REPEATED_CHARS = 0.05
W_REPEATED_BIGRAMS = 0.15
W_STOCK = 0.08
W_COUPLET = 0.15
# English metered lines: the mean iambic fit (prosody_en.iambic_fit, 0–1) of the lines. Stress is a
# tendency, not a rule (a trochee opens many good lines), so it only ranks candidates: a poem whose
# lines all fit gains about as much as a 律诗 gains from two parallel couplets.
W_METER = 0.5
# English rhymed lines: the mean log-probability per character (sampling's, as `score`) of the words
# that answer an earlier line's rhyme. The decoder must end such a line on a rhyming word, and when
# the model was heading elsewhere it is pushed into one it would not write ("a lover's bee", "before
# the shoe"). Measured on 21 openings (the held-out sonnets' and six famous ones), the bundled model
# scoring the picked poems: for quatrains (pools of 16) 0.3 lifts those words from -2.04 to -1.72
# nats a character while the generated text as a whole falls from -1.018 to -1.057; for sonnets
# (pools of 8) from -2.16 to -2.02, and -1.108 to -1.124. It changed 12 of the 21 quatrains: read
# side by side, 5 were better ("before the shoe" became "which shall be none"), 3 worse, 4 no better.
W_RHYME_WORDS = 0.3
# A word written twice with only a space between ("But but she did"): a slip of the character model,
# 4 of 266 candidates in those quatrain pools. Costs more than the pool's spread of scores (0.1), so
# such a poem is picked only when nothing else is; "had had" and "that that" are rare in verse.
W_DOUBLED_WORDS = 0.3

_RUN_RE = re.compile(f"[{CJK_CLASS}]+")  # a clause's hanzi: punctuation, spaces and breaks split runs
_WORD_RE = re.compile(r"[^\W_]+")
_DOUBLED_RE = re.compile(rf"\b({WORD_PATTERN})[ \t]+\1\b(?!['’])", re.IGNORECASE)
_LAST_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # an English word, with its apostrophes (thou'rt)

T = TypeVar("T")


# --------------------------------------------------------------------------- data


@functools.cache
def _tones_function() -> Callable[[str], frozenset[str]]:
    """Tones under TONE_SYSTEM, the rhyme system the couplet statistics were built with (平水韵: 入声 is
    仄), whatever system a request rhymes in."""
    from poetpad.core.prosody_zh import tones

    return functools.partial(tones, system=TONE_SYSTEM)


@functools.cache
def _tones(ch: str) -> frozenset[str]:
    return _tones_function()(ch)


def pair_key(a: str, b: str) -> str:
    """The table key of two facing characters, in either order: the two in code-point order."""
    return a + b if a <= b else b + a


@dataclass(frozen=True)
class CoupletData:
    """The learnt statistics of couplets.json, and the scores that use them.

    `pairs` maps two facing characters (in code-point order, so either line may come first) to
    their PMI in nats; `classes` maps a character to its class and `class_pairs` two classes
    (i ≤ j) to their PMI, the back-off for a pair the table lacks, scaled by `backoff`.
    """

    pairs: dict[str, float]
    classes: dict[str, int]
    class_pairs: dict[tuple[int, int], float]
    backoff: float
    tone_weight: float
    threshold: float
    stock: dict[str, float]
    reduplicable: frozenset[str] = frozenset()  # the characters real poems double (萧萧): 叠字 the decoder allows
    meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: dict) -> CoupletData:
        """The statistics from the parsed JSON; ValueError, KeyError or TypeError when malformed."""
        if data.get("format") != DATA_FORMAT or data.get("version") != DATA_VERSION:
            raise ValueError(f"not a {DATA_FORMAT} version {DATA_VERSION} file")
        couplet = data["couplet"]
        chars, pmi = couplet["pairs"]["chars"], couplet["pairs"]["pmi"]
        scale = couplet["pmi_scale"]
        if len(chars) != 2 * len(pmi):
            raise ValueError("pairs.chars and pairs.pmi differ in length")
        pairs = {chars[2 * i:2 * i + 2]: v / scale for i, v in enumerate(pmi)}
        classes = {ch: index for index, members in enumerate(couplet["classes"]) for ch in members}
        class_pairs = {(int(i), int(j)): v / scale for i, j, v in couplet["class_pairs"]}
        return cls(pairs=pairs, classes=classes, class_pairs=class_pairs, backoff=float(couplet["backoff_weight"]),
                   tone_weight=float(couplet["tone_weight"]), threshold=float(couplet["parallel_threshold"]),
                   stock={k: float(v) for k, v in data["stock"]["weights"].items()},
                   reduplicable=frozenset(data.get("reduplications", "")),
                   meta={k: v for k, v in data.items() if k not in ("couplet", "stock", "reduplications")})

    def facing(self, a: str, b: str) -> float:
        """What two characters facing each other in a couplet are worth: their PMI, else the scaled
        PMI of their classes, else 0. The same character facing itself is worth nothing (合掌)."""
        if a == b:
            return 0.0
        found = self.pairs.get(pair_key(a, b))
        if found is not None:
            return found
        ca, cb = self.classes.get(a), self.classes.get(b)
        if ca is None or cb is None:
            return 0.0
        return self.backoff * self.class_pairs.get((min(ca, cb), max(ca, cb)), 0.0)

    def couplet_score(self, first: str, second: str) -> float:
        """See the module function `couplet_score`."""
        a, b = _hanzi(first), _hanzi(second)
        if not a or len(a) != len(b):
            return 0.0
        pmi = sum(self.facing(x, y) for x, y in zip(a, b, strict=True)) / len(a)
        return pmi + self.tone_weight * tone_opposition(a, b)

    def stock_penalty(self, text: str) -> float:
        """See the module function `stock_penalty`."""
        return sum(self.stock.get(bigram, 0.0) for bigram in clause_bigrams(text))


@functools.cache
def load_data() -> CoupletData:
    """The packaged couplet statistics, read once."""
    try:
        data = CoupletData.from_dict(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.error("cannot read %s: %s", DATA_FILE, exc)
        raise DecodeError("PoetPad's couplet statistics are missing or damaged; reinstall PoetPad "
                          "(or run python -m poetpad.tools.build_couplets in a source checkout).") from None
    return data


# --------------------------------------------------------------------------- text


def _hanzi(line: str) -> str:
    return "".join(_RUN_RE.findall(line))


def _runs(text: str) -> list[str]:
    """The hanzi runs of `text`: one per clause (verse line) of well-punctuated verse."""
    return _RUN_RE.findall(text)


def clause_bigrams(text: str) -> list[str]:
    """Every two-hanzi sequence inside a clause, in order."""
    return [run[i:i + 2] for run in _runs(text) for i in range(len(run) - 1)]


def _key_positions(length: int) -> list[int]:
    """0-based positions whose tones oppose across a couplet: the 2nd, 4th, 6th (before the
    last) and the last character."""
    return [i for i in range(1, length - 1, 2)] + [length - 1]


def tone_opposition(first: str, second: str) -> float:
    """The share (0–1) of the key positions (2, 4, 6 and the end) where the two lines' tones
    oppose: a position counts 1 when each character has one tone and they differ, ½ when one may
    be read either way, 0 when they agree or a tone is unknown. Tones are those of 平水韵."""
    a, b = _hanzi(first), _hanzi(second)
    if not a or len(a) != len(b):
        return 0.0
    keys = _key_positions(len(a))
    total = 0.0
    for i in keys:
        ta, tb = _tones(a[i]), _tones(b[i])
        if not ta or not tb:
            continue
        if len(ta) == 1 and len(tb) == 1:
            total += ta != tb
        else:
            total += 0.5
    return total / len(keys)


# --------------------------------------------------------------------------- the scores


def couplet_score(first: str, second: str) -> float:
    """How parallel (对仗) two lines are: the mean PMI of the characters facing each other,
    learnt from the 颔联 and 颈联 of real 律诗, plus a bonus for tone opposition at positions
    2, 4, (6) and the end. Punctuation is ignored; 0.0 unless both lines hold the same number of
    hanzi. Real 颔联 and 颈联 score about 1.5 on average, two unrelated lines about 0.4
    (couplets.json, "evaluation")."""
    return load_data().couplet_score(first, second)


def is_parallel(first: str, second: str) -> bool:
    """Whether the couplet reads as parallel: couplet_score at or above the threshold calibrated on
    real 律诗 held out from the statistics (the rates it gives are in couplets.json, "evaluation")."""
    data = load_data()
    return data.couplet_score(first, second) >= data.threshold


def stock_penalty(text: str) -> float:
    """The sum of the stock-bigram weights of every two-hanzi sequence in `text` (within a clause,
    each occurrence counted)."""
    return load_data().stock_penalty(text)


def repeated_chars(text: str) -> int:
    """Hanzi occurrences beyond the first of each character. The second character of 叠字 (the
    same character twice in a row within a clause, 萧萧) is not an occurrence of its own."""
    counts: Counter[str] = Counter()
    for run in _runs(text):
        counts.update(ch for i, ch in enumerate(run) if i == 0 or run[i - 1] != ch)
    return sum(n - 1 for n in counts.values())


def repeated_bigrams(text: str) -> int:
    """Two-hanzi sequences within a clause that occur more than once in `text`, counted beyond the
    first occurrence; 叠字 pairs (萧萧) are not counted."""
    counts = Counter(bigram for bigram in clause_bigrams(text) if bigram[0] != bigram[1])
    return sum(n - 1 for n in counts.values())


def doubled_words(text: str) -> int:
    """How often a word comes twice in a row with only spaces between, in any case ("But but"); a
    mark between ("No, no") makes it a repetition a poet means."""
    return len(_DOUBLED_RE.findall(text))


def _line_key(line: str) -> str:
    """A line as compared between candidates: its hanzi, or for other text its words in lower case."""
    return _hanzi(line) or " ".join(_WORD_RE.findall(line.casefold()))


def line_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """The share of lines two candidates have in common, as the larger of the two shares (common
    lines over the shorter candidate's lines). Lines are compared by their hanzi (words for other
    text), so punctuation does not matter; empty lines are ignored."""
    ka = Counter(k for line in a if (k := _line_key(line)))
    kb = Counter(k for line in b if (k := _line_key(line)))
    if not ka or not kb:
        return 0.0
    common = sum((ka & kb).values())
    return common / min(sum(ka.values()), sum(kb.values()))


def poem_score(lines: Sequence[str], mean_logprob: float, *, couplets: tuple[tuple[int, int], ...] = ()) -> float:
    """The whole-poem rerank score (higher is better): the model's mean log-probability per token,
    minus W_REPEATED_CHARS × repeated_chars, W_REPEATED_BIGRAMS × repeated_bigrams, W_STOCK ×
    stock_penalty and W_DOUBLED_WORDS × doubled_words, plus W_COUPLET × couplet_score for each pair
    of 0-based line indices in `couplets` (((2, 3), (4, 5)) for a 律诗)."""
    text = "\n".join(lines)
    score = (mean_logprob - W_REPEATED_CHARS * repeated_chars(text) - W_REPEATED_BIGRAMS * repeated_bigrams(text)
             - W_STOCK * stock_penalty(text) - W_DOUBLED_WORDS * doubled_words(text))
    for i, j in couplets:
        if not (0 <= i < len(lines) and 0 <= j < len(lines)):
            raise ValueError(f"couplet ({i}, {j}) is outside a poem of {len(lines)} lines")
        score += W_COUPLET * couplet_score(lines[i], lines[j])
    return score


def meter_score(lines: Sequence[str]) -> float:
    """How iambic an English poem's lines are, 0–1: the mean of prosody_en.iambic_fit over them."""
    from poetpad.core.prosody_en import iambic_fit, scan_line

    fits = [iambic_fit(scan_line(line).stress) for line in lines if line.strip()]
    return sum(fits) / len(fits) if fits else 0.0


def rhyme_word_logp(text: str, continuation: str, char_logps: Sequence[float], scheme: Callable[[int], str]
                    ) -> float | None:
    """The mean, over the written lines that answer an earlier line's rhyme (`scheme(i)`: line i's
    letter, "" for none), of the mean log-probability per character of the line's last word, from
    `char_logps` (one per character of `continuation`, the end of `text`; nan where not scored).
    None when no such word was written, or when the log-probabilities do not fit the text."""
    if len(char_logps) != len(continuation) or not text.endswith(continuation):
        return None
    start = len(text) - len(continuation)
    means, offset, index, seen = [], 0, 0, set()
    for line in text.split("\n"):
        if line.strip():
            letter = scheme(index)
            words = list(_LAST_WORD_RE.finditer(line))
            if letter in seen and words and offset + words[-1].start() >= start:
                a, z = offset + words[-1].start() - start, offset + words[-1].end() - start
                scored = [lp for lp in char_logps[a:z] if lp == lp]  # nan is not scored
                if scored:
                    means.append(sum(scored) / len(scored))
            if letter:
                seen.add(letter)
            index += 1
        offset += len(line) + 1
    return sum(means) / len(means) if means else None


def pick_distinct(items: Sequence[T], n: int, lines_of: Callable[[T], Sequence[str]],
                  max_shared: float = 0.25) -> list[T]:
    """Up to `n` of `items` (given best first) that differ in substance.

    Greedily, in the given order, an item is taken when its line_overlap with every item taken so
    far is at most `max_shared`. When fewer than `n` qualify, the rest are filled in from the items
    passed over, each time the one whose largest overlap with those taken is smallest (the better
    one on a tie), and these come after the qualifying ones. So the result is shorter than `n` only
    when `items` is.
    """
    if n <= 0:
        return []
    lines = [lines_of(item) for item in items]
    picked: list[int] = []
    for index in range(len(items)):
        if len(picked) == n:
            break
        if all(line_overlap(lines[index], lines[p]) <= max_shared for p in picked):
            picked.append(index)
    taken = set(picked)
    rest = [i for i in range(len(items)) if i not in taken]
    while len(picked) < n and rest:
        best = min(rest, key=lambda i: (max((line_overlap(lines[i], lines[p]) for p in picked), default=0.0), i))
        picked.append(best)
        rest.remove(best)
    return [items[i] for i in picked]
