"""What a request asks of the constraints (`Spec`) and where a hypothesis stands (`State`).

The decoder makes one State per token of every row, so a State is a flat frozen record that is
copied with `evolve`, not rebuilt. The parts only one verse kind reads are small records of their
own: the metered line's progress (`MeterState`) and the keywords' (`KeywordState`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from poetpad.core.prosody_zh import DEFAULT_RHYME_SYSTEM
from poetpad.core.text import Form


@dataclass
class Spec:
    """What to generate."""

    form: Form | None = None
    heads: str = ""                  # acrostic heads: one per line (whitespace is ignored)
    rhyme: bool = False              # even lines share a rhyme group
    rhyme_group: str | None = None   # fix the group instead of letting the model choose
    rhyme_first_line: bool = False   # line 1 rhymes too (common in 七言)
    no_repeat_in_line: bool = True   # ban a character twice in one line (soft: relaxed if it empties the choice)
    stop_after_lines: int | None = None  # continuation: stop once this many lines are complete
    rhyme_system: str = DEFAULT_RHYME_SYSTEM  # prosody_zh.RHYME_SYSTEMS: rhymes and tones
    tones: str = "off"               # off, basic or strict (see forms.shi); fixed Chinese forms only
    no_repeat_in_poem: bool = False  # soft: no hanzi twice in the poem (叠字, REPEATABLE aside), no bigram twice
    fixed: tuple[tuple[int, int, str], ...] = ()  # (line, position, hanzi) written as given: locks, revision
    keywords: tuple[str, ...] = ()   # words of one or two hanzi every poem must contain (fixed Chinese forms)


def _evolve(record, changes: dict):
    """A copy of a frozen record with `changes`, without running __init__ again: the decoder makes one
    per token of every row, and dataclasses.replace costs several times as much."""
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


class Gap(Enum):
    """What a metered line has just written, between its words."""

    LINE_START = ""  # nothing yet: the line starts
    SPACE = " "      # a space
    WORD = "w"       # a letter of the word being written
    MARK = "p"       # a punctuation mark (a space comes next)


@dataclass(frozen=True)
class MeterState:
    """A metered English line's progress."""

    syl: int = 0                     # the syllables of the line's finished words
    word: str = ""                   # the word being written (lower case)
    full: bool = False               # the line has its syllables; a mark or a break next
    gap: Gap = Gap.LINE_START
    ends: tuple[str, ...] = ()       # the last word of each finished line
    last: str = ""                   # the line's last finished word
    cap: bool = True                 # may the next word begin with a capital? (metered._CAPITAL_AFTER)

    def evolve(self, **changes) -> MeterState:
        return _evolve(self, changes)


@dataclass(frozen=True)
class KeywordState:
    """Which keywords (indices into Spec.keywords) are written, and the one being written."""

    done: frozenset[int] = frozenset()
    at: int = -1                     # the keyword being written (-1: none)
    written: int = 0                 # how many of its characters are written

    def evolve(self, **changes) -> KeywordState:
        return _evolve(self, changes)


_NO_KEYWORDS = KeywordState()
_NO_METER = MeterState()


@dataclass(frozen=True)
class State:
    line: int = 0                    # index of the line being written
    pos: int = 0                     # units (hanzi, or tokens for free lines) written in it
    closed: bool = False             # the line's punctuation is written; a break (or the end) comes next
    groups: frozenset[str] | None = None  # rhyme groups still open (None: not chosen yet)
    used: tuple[int, ...] = ()       # token ids used in this line
    rhymed: tuple[int, ...] = ()     # token ids used as rhyme characters
    done: bool = False
    templates: frozenset[int] | None = None   # strict tones: the templates the poem still fits (indices)
    relaxed: tuple[tuple[int, int], ...] = ()  # (line, position) of forced characters that fit no template
    poem_used: tuple[int, ...] = ()  # no_repeat_in_poem: the hanzi ids written so far
    bigrams: tuple[tuple[int, int], ...] = ()  # no_repeat_in_poem: the pairs of hanzi written so far, in a line
    prev: int = -1                   # no_repeat_in_poem: the hanzi just written in this line (-1: none)
    keywords: KeywordState = _NO_KEYWORDS  # fixed Chinese forms with keywords
    meter: MeterState = _NO_METER          # metered English

    def evolve(self, **changes) -> State:
        return _evolve(self, changes)
