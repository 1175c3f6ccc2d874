"""English meter and rhyme as decoding constraints: the lexicon side.

A metered English line has a syllable budget (10 for pentameter, with an unstressed 11th
allowed: a feminine ending) and, in a rhymed form, its last word must rhyme with its partner
in the scheme. A character model writes words letter by letter, so the decoder needs to know,
for a partial word, which next letters can still lead to a word that fits: `Lexicon.fits`
answers that from the CMU dictionary (prosody_en) with sorted word lists and per-word
bitmasks of syllable counts (bit k: a pronunciation of k syllables), OR-ed over the range of
words that share a prefix. forms.metered asks it; nothing here knows about tokens.

The words it writes are the dictionary's words that poets use: those of the corpus the bundled
English model is trained on (poetpad/data/en_words.json, built by tools/build_words.py), not
the dictionary's many names and rare forms. Words the dictionary lacks can be read in a prefix
(their syllables are estimated) but are never written, and never chosen as rhyme words. A line
ends only on a word that has ended lines of verse in that corpus (en_words.json's line-end
words), so a rhyme is a word a poet would rhyme on, not one the dictionary merely allows.
"""

from __future__ import annotations

import bisect
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PRODUCTIVE_RHYME = 4  # a line that opens a rhyme ends on a word with at least this many rhyme partners
MIN_PARTNERS = 2      # fewer line-end words than this rhyme with a line: any word of the lexicon may
WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "en_words.json"
# Words no line of verse ends on (a line ending on "and" or "the" runs on by accident, not by art).
NO_LINE_END = frozenset("a an the and or nor but of to in on at by for from with as than that which who whom whose "
                        "is are was were be am my thy your his her its our their i we he she they it if so".split())
_MAX_SYLLABLES = 30


@dataclass(frozen=True)
class Need:
    """What the rest of a line needs from the next word (or the word being written).

    `left`: syllables the line still needs before it may end (its minimum minus what is written);
    `extra`: how many more it may take (a feminine ending: 1 for pentameter, whose 11th syllable must
    be unstressed; a limerick's 8–9: the 9th may be anything, `extra_free`). `rhyme`: the rhyming parts
    the line's last word must share (None: any word, an unrhymed line; () : a word that opens a rhyme,
    so one with enough partners); `not_words`: words the last word may not be (its partners)."""

    left: int
    extra: int = 0
    extra_free: bool = False
    rhyme: tuple[str, ...] | None = None
    not_words: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()      # rhyming parts taken by the poem's other rhymes (a line that opens a rhyme)


class Lexicon:
    """The dictionary's words as sorted arrays with syllable bitmasks, for prefix queries."""

    def __init__(self, allowed: frozenset[str] | None = None, line_ends: frozenset[str] | None = None) -> None:
        from poetpad.core.prosody_en import entries, rhyme_prons

        allowed = poets_words() if allowed is None else allowed
        line_ends = line_end_words() if line_ends is None else line_ends
        rows = []
        for word, prons in entries():
            if not word or len(word) > 24 or (allowed and word not in allowed):
                continue
            if (len(word) == 1 and word not in "aio") or not all(p.stress for p in prons):
                continue  # single letters are words only as a, I and O; hm and shh have no syllable
            rows.append((word, prons))
        rows.sort(key=lambda r: r[0])
        self.words = [w for w, _ in rows]
        self._index = {w: i for i, w in enumerate(self.words)}
        self.prons = {w: p for w, p in rows}
        self.rhyme_prons = {w: rhyme_prons(p) for w, p in rows}  # the stressed readings rhymes go by
        # The words a line may end on (every word, without the list).
        self.line_ends = frozenset(w for w, _ in rows if (not line_ends or w in line_ends) and w not in NO_LINE_END)
        ending = np.array([w in self.line_ends for w, _ in rows], dtype=bool)
        counts: dict[str, int] = {}
        for word in self.line_ends:
            for part in {p.rhyme for p in self.rhyme_prons[word]}:
                counts[part] = counts.get(part, 0) + 1
        self.rhyme_counts = counts
        self.any_k = np.array([_bits(p.stress for p in prons) for _, prons in rows], dtype=np.int64)
        # Words whose last syllable is unstressed, by syllable count: a feminine ending.
        self.fem_k = np.array([_bits(p.stress for p in prons if p.stress.endswith("0")) for _, prons in rows],
                              dtype=np.int64)
        self.end_k = np.where(ending, self.any_k, 0)
        self.end_fem_k = np.where(ending, self.fem_k, 0)
        productive = {part for part, n in counts.items() if n > PRODUCTIVE_RHYME}
        self.open_k = np.array([_bits(p.stress for p in self.rhyme_prons[w] if p.rhyme in productive)
                                if w in self.line_ends else 0 for w, _ in rows], dtype=np.int64)
        self.open_fem_k = np.array([_bits(p.stress for p in self.rhyme_prons[w]
                                          if counts.get(p.rhyme, 0) > PRODUCTIVE_RHYME and p.stress.endswith("0"))
                                    if w in self.line_ends else 0 for w, _ in rows], dtype=np.int64)
        self._by_rhyme: dict[str, list[str]] = {}      # the line-end words, by rhyming part
        self._by_rhyme_any: dict[str, list[str]] = {}  # every word but NO_LINE_END's, by rhyming part
        for word, _ in rows:
            for part in {p.rhyme for p in self.rhyme_prons[word]}:
                if word not in NO_LINE_END:
                    self._by_rhyme_any.setdefault(part, []).append(word)
                if word in self.line_ends:
                    self._by_rhyme.setdefault(part, []).append(word)

    # -- queries ------------------------------------------------------------------------------------

    def span(self, prefix: str) -> tuple[int, int]:
        """The range of words starting with `prefix`."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff")
        return lo, hi

    def _or(self, array: np.ndarray, lo: int, hi: int) -> int:
        return int(np.bitwise_or.reduce(array[lo:hi])) if hi > lo else 0

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 - one lexicon lives as long as the process
    def masks(self, prefix: str) -> tuple[int, int, int, int, int]:
        """The OR of the bitmasks over the words that start with `prefix`: any word, and the line-end
        words (any, feminine, opening a rhyme, opening a rhyme with a feminine ending)."""
        lo, hi = self.span(prefix)
        return (self._or(self.any_k, lo, hi), self._or(self.end_k, lo, hi), self._or(self.end_fem_k, lo, hi),
                self._or(self.open_k, lo, hi), self._or(self.open_fem_k, lo, hi))

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _rhyme_words(self, parts: tuple[str, ...], not_words: tuple[str, ...]) -> tuple[list[str], np.ndarray,
                                                                                         np.ndarray]:
        """The words a line may end on to rhyme on `parts` (not `not_words`): the line-end words, or when
        fewer than MIN_PARTNERS of them rhyme there (a rhyme on a word that verse spells otherwise:
        "strained" where Shakespeare wrote "strain'd"), every word the lexicon has that does."""
        words = sorted({w for part in parts for w in self._by_rhyme.get(part, ())} - set(not_words))
        if len(words) < MIN_PARTNERS:
            words = sorted({w for part in parts for w in self._by_rhyme_any.get(part, ())} - set(not_words))
        any_k = np.array([_bits(p.stress for p in self.rhyme_prons[w] if p.rhyme in parts) for w in words],
                         dtype=np.int64)
        fem_k = np.array([_bits(p.stress for p in self.rhyme_prons[w] if p.rhyme in parts and p.stress.endswith("0"))
                          for w in words], dtype=np.int64)
        return words, any_k, fem_k

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _rhyme_set(self, parts: tuple[str, ...], not_words: tuple[str, ...]) -> frozenset[str]:
        return frozenset(self._rhyme_words(parts, not_words)[0])

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _rhyme_masks(self, parts: tuple[str, ...], not_words: tuple[str, ...], prefix: str) -> tuple[int, int]:
        words, any_k, fem_k = self._rhyme_words(parts, not_words)
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\U0010ffff")
        return self._or(any_k, lo, hi), self._or(fem_k, lo, hi)

    def next_chars(self, prefix: str, need: Need) -> str:
        """The characters that may come after `prefix` (a word being written): those that begin a longer
        prefix that `fits` `need` (goes on in the line or ends it). Only the child prefixes the lexicon
        has are asked, rather than every letter of the alphabet.

        When the line needs more syllables than any word beginning with `prefix` has, no such word can
        end it and every one can go on, whatever the rhyme: all such needs get one answer (cached once)."""
        most = self.masks(prefix)[0].bit_length() - 1  # the most syllables of a word beginning so
        if most <= self._go_limit(need):  # (then most < need.left too: no such word ends the line)
            need = Need(left=most + 1)
        return self._next_chars(prefix, need)

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _next_chars(self, prefix: str, need: Need) -> str:
        """`fits` for every child prefix at once: the same answer, without a cached lookup per child."""
        go_on = self._go_bits(need)
        children = self._child_masks(prefix)
        if need.rhyme:
            rhyming = self._rhyme_children(need.rhyme, need.not_words, prefix)
            return "".join(ch for ch, _, any_k, *_ in children
                           if any_k & go_on or _can_end(*rhyming.get(ch, (0, 0)), need))
        if need.rhyme is None:
            return "".join(ch for ch, _, any_k, end_k, end_fem, _, _ in children
                           if any_k & go_on or _can_end(end_k, end_fem, need))
        if need.avoid or need.not_words:
            return "".join(ch for ch, child, any_k, *_ in children
                           if any_k & go_on or _can_end(*self._open_masks(need.avoid, need.not_words, child), need))
        return "".join(ch for ch, _, any_k, _, _, open_k, open_fem in children
                       if any_k & go_on or _can_end(open_k, open_fem, need))

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _child_masks(self, prefix: str) -> tuple[tuple[str, str, int, int, int, int, int], ...]:
        """(next character, longer prefix, that prefix's `masks`) for each child of `prefix`."""
        return tuple((ch, child, *self.masks(child)) for ch, child in self._children(prefix))

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _rhyme_children(self, parts: tuple[str, ...], not_words: tuple[str, ...],
                        prefix: str) -> dict[str, tuple[int, int]]:
        """`_rhyme_masks` of each child of `prefix`, by its next character, in one pass over the rhyme
        words that begin with `prefix`."""
        words, any_k, fem_k = self._rhyme_words(parts, not_words)
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + "\U0010ffff")
        n, out = len(prefix), {}
        for i in range(lo, hi):
            if len(words[i]) > n:
                ch = words[i][n]
                a, f = out.get(ch, (0, 0))
                out[ch] = (a | int(any_k[i]), f | int(fem_k[i]))
        return out

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _children(self, prefix: str) -> tuple[tuple[str, str], ...]:
        """(next character, longer prefix) for each way a word of the lexicon goes on from `prefix`."""
        words, n = self.words, len(prefix)
        lo, hi = self.span(prefix)
        out = []
        while lo < hi:
            word = words[lo]
            if len(word) == n:  # `prefix` itself
                lo += 1
                continue
            child = word[:n + 1]
            out.append((word[n], child))
            lo = bisect.bisect_left(words, child + "\U0010ffff", lo, hi)
        return tuple(out)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _open_arrays(self, avoid: tuple[str, ...], not_words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray,
                                                                                        list[int]]:
        """open_k and open_fem_k for a line that opens a rhyme when some sounds and words are taken
        (`avoid`, `not_words`): the words those touch get their bits again without them, so that a
        prefix never promises a word that `_ends` then refuses (the decoder would find no way on). Also
        the touched words' places in `words`, sorted."""
        any_k, fem_k = self.open_k.copy(), self.open_fem_k.copy()
        touched = set(not_words).union(*(self._by_rhyme.get(part, ()) for part in avoid))
        places = sorted(i for i in map(self._index.get, touched) if i is not None)
        for i in places:
            word = self.words[i]
            ok = [] if word in not_words or word not in self.line_ends else [
                p for p in self.rhyme_prons[word]
                if self.rhyme_counts.get(p.rhyme, 0) > PRODUCTIVE_RHYME and p.rhyme not in avoid]
            any_k[i] = _bits(p.stress for p in ok)
            fem_k[i] = _bits(p.stress for p in ok if p.stress.endswith("0"))
        return any_k, fem_k, places

    @functools.lru_cache(maxsize=200_000)  # noqa: B019
    def _open_masks(self, avoid: tuple[str, ...], not_words: tuple[str, ...], prefix: str) -> tuple[int, int]:
        any_k, fem_k, places = self._open_arrays(avoid, not_words)
        lo, hi = self.span(prefix)
        if bisect.bisect_left(places, lo) == bisect.bisect_left(places, hi):  # none of its words is touched
            return self.masks(prefix)[3:5]
        return self._or(any_k, lo, hi), self._or(fem_k, lo, hi)

    def fits(self, prefix: str, need: Need, whole: bool = False) -> tuple[bool, bool]:
        """(a word beginning with `prefix` can go on in the line, one can end it) — or, with `whole`, the
        same for exactly the word `prefix`. A word that goes on leaves syllables that some word the line
        may end on can still fill (`_go_limit`); one that ends the line takes it to its minimum, or one
        more (feminine: unstressed last syllable)."""
        if whole:
            prons = self.prons.get(prefix)
            if not prons:
                return False, False
            limit = self._go_limit(need)
            go_on = any(len(p.stress) <= limit for p in prons)
            return go_on, self._ends(prefix, prons, need)
        go_on = bool(self.masks(prefix)[0] & self._go_bits(need))
        return go_on, _can_end(*self._end_masks(prefix, need), need)

    def _end_masks(self, prefix: str, need: Need) -> tuple[int, int]:
        """The syllable bitmasks (any, feminine) of the words beginning with `prefix` that may end a line
        with `need`'s rhyme: any line-end word, one opening a rhyme, or one rhyming on its parts."""
        if need.rhyme is None:
            return self.masks(prefix)[1:3]
        if not need.rhyme:
            return (self._open_masks(need.avoid, need.not_words, prefix) if need.avoid or need.not_words
                    else self.masks(prefix)[3:5])
        return self._rhyme_masks(need.rhyme, need.not_words, prefix)

    @functools.lru_cache(maxsize=20_000)  # noqa: B019
    def _go_limit(self, need: Need) -> int:
        """The most syllables a word may have and not end the line: what it leaves must be enough for a
        word the line may end on (with one-syllable words before it). Most lines can end on a word of
        one syllable, so this is need.left - 1; a line whose rhyme only longer words answer
        ("lullaby": "hereby", "butterfly") must leave room for one."""
        end_k, end_fem = self._end_masks("", need)
        for rest in range(1, need.left):
            if _can_end(end_k, end_fem, Need(left=rest, extra=need.extra, extra_free=need.extra_free)):
                return need.left - rest
        return 0

    def _go_bits(self, need: Need) -> int:
        """`_go_limit` as a bitmask of syllable counts (1 … the limit)."""
        limit = self._go_limit(need)
        return (1 << (limit + 1)) - 2 if limit > 0 else 0

    def _ends(self, word: str, prons, need: Need) -> bool:
        if need.rhyme is not None and word in need.not_words:
            return False
        # Neither list holds a NO_LINE_END word.
        if word not in (self.line_ends if not need.rhyme else self._rhyme_set(need.rhyme, need.not_words)):
            return False
        for p in (self.rhyme_prons.get(word, prons) if need.rhyme is not None else prons):
            if p.rhyme in need.avoid:
                continue
            if need.rhyme is None:
                pass
            elif not need.rhyme:
                if self.rhyme_counts.get(p.rhyme, 0) <= PRODUCTIVE_RHYME:
                    continue
            elif p.rhyme not in need.rhyme:
                continue
            k = len(p.stress)
            if k == need.left or (need.left < k <= need.left + need.extra
                                  and (need.extra_free or p.stress.endswith("0"))):
                return True
        return False


def _bits(stresses) -> int:
    out = 0
    for stress in stresses:
        if 0 < len(stress) < _MAX_SYLLABLES:
            out |= 1 << len(stress)
    return out


def _can_end(end_k: int, end_fem: int, need: Need) -> bool:
    if need.left > 0 and end_k >> need.left & 1:
        return True
    for extra in range(1, need.extra + 1):
        k = need.left + extra
        if k > 0 and (end_k if need.extra_free else end_fem) >> k & 1:
            return True
    return False


@functools.cache
def _word_list(key: str) -> frozenset[str]:
    """One word list of en_words.json (read once); empty when the file or the list is missing."""
    try:
        return frozenset(_words_file()[key].split())
    except (KeyError, AttributeError, TypeError):
        return frozenset()


@functools.cache
def _words_file() -> dict:
    try:
        return json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def poets_words() -> frozenset[str]:
    """The words the decoder may write (en_words.json); empty, meaning every dictionary word, without it."""
    return _word_list("words")


def line_end_words() -> frozenset[str]:
    """The words a metered line may end on (en_words.json); empty, meaning any word, without the list."""
    return _word_list("line_end_words")


@functools.cache
def lexicon() -> Lexicon:
    """The one lexicon, built on first use (about a second)."""
    return Lexicon()
