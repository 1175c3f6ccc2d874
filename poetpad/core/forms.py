"""Verse forms, acrostics and rhyme as decoding constraints.

A `Spec` says what to write (form, acrostic heads, rhyme, where to stop). A
`Constraints` object turns it into a small state machine over tokens: for each
hypothesis it gives a boolean mask over the vocabulary (the tokens allowed next),
and advances the state by the token chosen. The decoder, beam search or sampling,
applies the mask before every choice, so every finished poem satisfies the form
whatever the model would have preferred.

The machine, for a Chinese line of L characters: L hanzi (the first one the
acrostic head, the last one in the rhyme group on rhyme lines), then the line's
punctuation, then a line break (or <eos> after the last line).

With `tones`, the masks also keep the tones of regulated verse under the chosen
rhyme system (prosody_zh): "basic" puts the rhyme words on 平 (they always are: a
rhyme position takes the 平 groups only) and the other line ends on 仄; "strict"
follows a whole 近体 template (平起 or 仄起, prosody_zh.templates), kept as the set of
templates the poem still fits: the heads and the prefix narrow it, and the first
character that settles a key position chooses. When a forced character (a head, or
the text before the cursor) fits no template left, that one position is relaxed and
recorded in the state, so the machine never dead-ends.

The hard part of a mask depends only on where the hypothesis is (line, position,
open rhyme groups, templates still open), so it is computed once per request and
reused; the soft rules (no character twice in a line or, with no_repeat_in_poem, in
the poem; no two-character sequence twice; no rhyme character twice) are applied on
top, and each gives way when it would leave nothing to choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

from poetpad.core.text import CLAUSE_MARKS, CLOSERS, FREE, LINE_LENGTHS, Form, is_cjk, is_standard_hanzi
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab
from poetpad.errors import DecodeError

LINE_END_PUNCT = frozenset(CLAUSE_MARKS)
_CLOSERS = frozenset(CLOSERS)  # stay on the line of the clause mark they follow
_LATIN_LINE_TOKENS = {"char": 72, "word": 14}  # a free English line is closed after this many tokens
_ZH_FREE_LINE_TOKENS = 40
_VOCAB_CACHE_SIZE = 4
TONE_MODES = ("off", "basic", "strict")
# Function characters a regulated poem may use more than once (不 … 不, 之 … 之) without it reading as repetition.
REPEATABLE = frozenset("不之无而其以于")
# An acrostic head this rare (its frequency rank in the vocabulary, which is sorted by frequency), or one the
# model lacks, gets help to start a real word: the characters that follow it in a word of pypinyin's phrase
# dictionary get this much added to their log-probability at the line's second position.
RARE_HEAD_RANK = 1500
WORD_BONUS = 2.0
_METERED_LINE_TOKENS = 120  # a metered English line that runs this long may end anyway
_MID_MARKS = (",", ";", ":", "—")  # may follow a word inside a metered line (a space comes next)
_LINE_MARKS = (",", ".", ";", ":", "!", "?")  # may end a metered line
_SPACE_OR_MID_MARKS = (" ", *_MID_MARKS)
_POEM_END_MARKS = (".", "!", "?")  # end a metered poem's last line (not a comma: the poem is over)
# In a metered line a word begins with a capital at the line's start and after these marks; elsewhere
# only "I" and "O" do. The lexicon holds no names (build_words leaves out the words that verse
# capitalises inside a line), so another capital there is a slip ("the Green Parchment").
_CAPITAL_AFTER = (".", "!", "?", ":")
_CAPITALS_INSIDE = "io"
KEYWORD_BONUS = 4.0  # nats added to a keyword's first character where a word may begin


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
    rhyme_system: str = "pingshui"   # pingshui (平水韵), xinyun (中华新韵), tongyun (中华通韵): rhymes and tones
    tones: str = "off"               # off, basic or strict (see the module docstring); fixed Chinese forms only
    no_repeat_in_poem: bool = False  # soft: no hanzi twice in the poem (叠字, REPEATABLE aside), no bigram twice
    fixed: tuple[tuple[int, int, str], ...] = ()  # (line, position, hanzi) written as given: locks, revision
    keywords: tuple[str, ...] = ()   # words of one or two hanzi every poem must contain (fixed Chinese forms)


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
    kw_done: frozenset[int] = frozenset()  # keywords: the ones written (indices into Spec.keywords)
    kw_at: tuple[int, int] = (-1, 0)   # keywords: (the one being written, its characters written so far)
    syl: int = 0                     # metered English: the syllables of the line's finished words
    word: str = ""                   # metered English: the word being written (lower case)
    full: bool = False               # metered English: the line has its syllables; a mark or a break next
    gap: str = ""                    # metered English: "" line start, " " after a space, "p" after a mark
    ends: tuple[str, ...] = ()       # metered English: the last word of each finished line
    last: str = ""                   # metered English: the line's last finished word
    cap: bool = True                 # metered English: may the next word begin with a capital? (_CAPITAL_AFTER)

    def evolve(self, **changes) -> State:
        """dataclasses.replace without running __init__ again: the decoder makes one State per token of
        every row, and replace costs several times as much."""
        new = object.__new__(State)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


def _counted(mask: torch.Tensor) -> tuple[torch.Tensor, int, int]:
    """A hard mask as the decoder keeps it: (mask, how many tokens it allows, the token when that is one,
    else -1)."""
    count = int(mask.sum())
    return mask, count, int(mask.nonzero()[0, 0]) if count == 1 else -1


class _Vocab:
    """Per-vocabulary token classes and masks, computed once."""

    def __init__(self, vocab: Vocab, rhyme_system: str):
        from poetpad.core.prosody_zh import check_system

        check_system(rhyme_system)
        self.vocab = vocab
        size = len(vocab)
        self.size = size
        self.newline = vocab.id("\n") if "\n" in vocab else None
        self.first_letter: dict[int, str] = {}
        hanzi, space = [], []
        for i, tok in enumerate(vocab.tokens[4:], start=4):
            if len(tok) == 1 and is_cjk(tok):
                hanzi.append(i)
            elif tok[:1].isalpha() and not is_cjk(tok[:1]):
                self.first_letter[i] = tok[0].lower()
            if tok.isspace() and tok != "\n":
                space.append(i)
        self.hanzi_ids = frozenset(hanzi)
        # Metered English: the letter tokens by lower-case letter, apostrophes, and whole-word tokens.
        self.letter_ids: dict[str, list[int]] = {}
        self.word_ids: list[int] = []
        for i, tok in enumerate(vocab.tokens[4:], start=4):
            if len(tok) == 1 and tok.isascii() and tok.isalpha():
                self.letter_ids.setdefault(tok.lower(), []).append(i)
            elif vocab.kind == "word" and tok[:1].isalpha() and not is_cjk(tok[:1]):
                self.word_ids.append(i)
        self.apostrophe_ids = [vocab.id(t) for t in ("'", "’") if t in vocab]
        self._letter_masks: dict[tuple[str, str | None], torch.Tensor] = {}
        self.hanzi = torch.zeros(size, dtype=torch.bool)
        self.hanzi[hanzi] = True
        # What the decoder writes of its own: standard simplified characters (GB2312), not the variants
        # and old forms a converted corpus keeps (髪 for 发); all hanzi when the vocabulary has none.
        self.writable = torch.zeros(size, dtype=torch.bool)
        self.writable[[i for i in hanzi if is_standard_hanzi(vocab.tokens[i])]] = True
        if not self.writable.any():
            self.writable = self.hanzi.clone()
        self.space = torch.zeros(size, dtype=torch.bool)
        self.space[space] = True
        self.rhyme_system = rhyme_system
        self._only: dict[tuple[str, ...], torch.Tensor] = {}
        self._bases: dict[tuple, dict] = {}
        # Metered English: (mask, count, lone token, dead end) by Constraints._metered_key. The keys are
        # few (the letter sets the lexicon gives, times a handful of flags), so the cache is not bounded.
        self.metered_masks: dict[tuple, tuple[torch.Tensor, int, int, bool]] = {}

    def base_cache(self, signature: tuple) -> dict:
        """The hard-mask cache shared by every Constraints with this signature: a re-rolled request,
        or the probe and the real machine of one request, build each mask once. Bounded."""
        cache = self._bases.pop(signature, None)
        if cache is None:
            cache = {}
        self._bases[signature] = cache  # most recently used last
        while len(self._bases) > _BASE_CACHES:
            del self._bases[next(iter(self._bases))]
        return cache

    @cached_property
    def groups_of(self) -> list[frozenset[str]]:
        """The rhyme group each token rhymes in when the decoder writes it: that of its first 平 reading
        (rhyme words of 近体 are 平), the common one, which the tables list first. A rhyme that leans on
        a rare reading reads as no rhyme: 还 (十五删) with 平 (八庚) rhymed through 一先, where both have a
        rare reading. 行 keeps 八庚 only and 看 十四寒; the check (verse) still accepts every reading."""
        from poetpad.core.prosody_zh import common_level_group

        groups = [common_level_group(tok, self.rhyme_system) if i in self.hanzi_ids else None
                  for i, tok in enumerate(self.vocab.tokens)]
        return [frozenset([g]) if g else frozenset() for g in groups]

    @cached_property
    def tones_of(self) -> list[frozenset[str]]:
        from poetpad.core.prosody_zh import tones

        return [tones(tok, self.rhyme_system) if i in self.hanzi_ids else frozenset()
                for i, tok in enumerate(self.vocab.tokens)]

    @cached_property
    def tone_masks(self) -> dict[str, torch.Tensor]:
        """'平' and '仄': the hanzi with a reading of that tone (a character with both is in both);
        '中': every hanzi whose tone is known."""
        from poetpad.core.prosody_zh import PING, ZE

        masks = {}
        for tone in (PING, ZE):
            masks[tone] = torch.tensor([tone in t for t in self.tones_of], dtype=torch.bool)
        masks["中"] = masks[PING] | masks[ZE]
        return masks

    def word_bonus(self, head: str) -> torch.Tensor | None:
        """Added to the log-probabilities after a rare head: the characters that make a word with it."""
        cache = self.__dict__.setdefault("_word_bonus", {})
        if head not in cache:
            bonus = None
            rank = self.vocab.id(head)
            if head not in self.vocab or rank >= RARE_HEAD_RANK:
                ids = [self.vocab.id(ch) for ch in _words_after(head) if ch in self.vocab]
                if ids:
                    bonus = torch.zeros(self.size)
                    bonus[ids] = WORD_BONUS
            cache[head] = bonus
        return cache[head]

    @cached_property
    def group_masks(self) -> dict[str, torch.Tensor]:
        members: dict[str, list[int]] = {}
        for i, groups in enumerate(self.groups_of):
            for g in groups:
                members.setdefault(g, []).append(i)
        masks = {}
        for g, ids in members.items():
            masks[g] = torch.zeros(self.size, dtype=torch.bool)
            masks[g][ids] = True
        return masks

    @cached_property
    def reduplicable(self) -> frozenset[int]:
        """The characters a poem may double (叠字), as ids."""
        from poetpad.core.rerank import load_data

        return frozenset(self.vocab.id(ch) for ch in load_data().reduplicable if ch in self.vocab)

    @cached_property
    def repeatable(self) -> frozenset[int]:
        return frozenset(self.vocab.id(ch) for ch in REPEATABLE if ch in self.vocab)

    def group_size(self, group: str) -> int:
        """How many of the vocabulary's characters may rhyme in `group`."""
        mask = self.group_masks.get(group)
        return int(mask.sum()) if mask is not None else 0

    def rhymable_with(self, words: int) -> torch.Tensor:
        """The characters with a rhyme group that holds at least `words` of the vocabulary's characters
        (all rhymable characters when no group is that large)."""
        cache = self.__dict__.setdefault("_rhymable_with", {})
        if words not in cache:
            mask = torch.zeros(self.size, dtype=torch.bool)
            for group, members in self.group_masks.items():
                if self.group_size(group) >= words:
                    mask |= members
            cache[words] = mask if mask.any() else self.rhymable
        return cache[words]

    @cached_property
    def rhymable(self) -> torch.Tensor:
        return torch.tensor([bool(g) for g in self.groups_of], dtype=torch.bool)

    @cached_property
    def text(self) -> torch.Tensor:
        """Every token but the specials and the line break: what may fill a free line."""
        mask = torch.ones(self.size, dtype=torch.bool)
        mask[[PAD_ID, UNK_ID, BOS_ID, EOS_ID]] = False
        if self.newline is not None:
            mask[self.newline] = False
        return mask

    def letters(self, chars: str, upper: str | None = None) -> torch.Tensor:
        """The mask of the letter tokens and apostrophes among `chars` (lower-case letters and "'"): each
        letter in lower case, and in upper case too when it is in `upper` (None: every letter). Shared:
        do not modify it."""
        key = (chars, upper)
        mask = self._letter_masks.get(key)
        if mask is None:
            mask = torch.zeros(self.size, dtype=torch.bool)
            ids = [i for ch in chars for i in (self.apostrophe_ids if ch == "'" else self.letter_ids.get(ch, ()))
                   if upper is None or ch in upper or not self.vocab.tokens[i].isupper()]
            if ids:
                mask[ids] = True
            self._letter_masks[key] = mask
        return mask

    def only(self, tokens) -> torch.Tensor:
        """The mask of `tokens` (those the vocab has). Shared: do not modify it."""
        key = tuple(tokens)  # hashed as given: cheaper than a frozenset, at the cost of one mask per order
        mask = self._only.get(key)
        if mask is None:
            mask = torch.zeros(self.size, dtype=torch.bool)
            ids = [self.vocab.id(tok) for tok in key if tok in self.vocab]
            if ids:
                mask[ids] = True
            self._only[key] = mask
        return mask


def _words_after(head: str) -> frozenset[str]:
    """The characters that follow `head` in the two-character words of pypinyin's phrase dictionary."""
    return _word_starts().get(head, frozenset())


_WORD_STARTS: dict[str, frozenset[str]] | None = None


def _word_starts() -> dict[str, frozenset[str]]:
    global _WORD_STARTS
    if _WORD_STARTS is None:
        from pypinyin.phrases_dict import phrases_dict

        starts: dict[str, set[str]] = {}
        for word in phrases_dict:
            if len(word) == 2 and is_cjk(word[0]) and is_cjk(word[1]):
                starts.setdefault(word[0], set()).add(word[1])
        _WORD_STARTS = {ch: frozenset(after) for ch, after in starts.items()}
    return _WORD_STARTS


_VOCAB_CACHE: dict[tuple[int, str], _Vocab] = {}
_BASE_CACHES = 32  # hard-mask caches kept per vocabulary


def _classes(vocab: Vocab, system: str) -> _Vocab:
    """The token classes of `vocab`, kept for the last few vocabularies used (a model switch is rare)."""
    key = (id(vocab), system)
    entry = _VOCAB_CACHE.pop(key, None)
    if entry is None or entry.vocab is not vocab:
        entry = _Vocab(vocab, system)
    _VOCAB_CACHE[key] = entry  # most recently used last
    while len(_VOCAB_CACHE) > _VOCAB_CACHE_SIZE:
        del _VOCAB_CACHE[next(iter(_VOCAB_CACHE))]
    return entry


class Constraints:
    """The state machine for one Spec over one vocabulary."""

    def __init__(self, vocab: Vocab, spec: Spec, language: str = "zh"):
        self.vocab = vocab
        self.spec = spec
        self.language = language
        self.cls = _classes(vocab, spec.rhyme_system)
        self.form = spec.form or Form(FREE)
        self.heads = [h for h in (spec.heads or "") if not h.isspace()]
        # The characters written as given, by (line, position): a Chinese poem's heads, locks, revision.
        self.fixed: dict[tuple[int, int], str] = {(line, pos): ch for line, pos, ch in spec.fixed}
        if language == "zh" and self.form.fixed:
            self.fixed.update({(line, 0): head for line, head in enumerate(self.heads)})
        self.keywords = tuple(spec.keywords)
        if spec.tones not in TONE_MODES:
            raise DecodeError(f"Unknown tone strictness '{spec.tones}'; use one of: {', '.join(TONE_MODES)}.")
        self.tones = spec.tones if language == "zh" and self.form.fixed and self.form.chars in LINE_LENGTHS else "off"
        self.templates = self._templates() if self.tones == "strict" else ()
        self._letters: dict[str, torch.Tensor] = {}
        self._needs: dict[tuple, object] = {}  # metered English: meter.Need by (line, syllables, line ends)
        # Metered English: states where no word fitted. The lexicon's prefix answers should never lead
        # there; the line then goes on freely rather than stop the poem.
        self.dead_ends = 0
        self._has_end_marks = bool(self.cls.only(_POEM_END_MARKS).any())  # can a poem end on a full stop?
        # Hard mask per state key: (mask, how many tokens it allows, the token when that is one, else -1).
        # The masks depend on nothing else of the spec than this signature.
        self._base_cache: dict[tuple, tuple[torch.Tensor, int, int]] = self.cls.base_cache(
            (language, self.form, tuple(self.heads), spec.rhyme, spec.rhyme_first_line, spec.stop_after_lines,
             self.tones, tuple(sorted(self.fixed.items())), self.keywords))
        self._max_line = _LATIN_LINE_TOKENS[vocab.kind] if language != "zh" else _ZH_FREE_LINE_TOKENS
        self._feeding = False  # walking over a prefix: keywords are not tracked (see feed_prefix)
        self.metered = language != "zh" and self.form.metered
        self._check()

    def _templates(self) -> tuple:
        """The 近体 templates of this form whose first line rhymes as asked (prosody_zh.templates)."""
        from poetpad.core.prosody_zh import templates

        found = templates(self.form.chars, self.form.lines)
        return tuple(t for t in found if t.rhymes[0] == self.spec.rhyme_first_line) or found

    # -- validation ---------------------------------------------------------------------------

    def _check(self) -> None:
        spec, form = self.spec, self.form
        zh = self.language == "zh"
        if self.heads:
            if form.lines is not None and form.lines != len(self.heads):
                raise DecodeError(f"The acrostic has {len(self.heads)} heads but the form {form.name} has "
                                  f"{form.lines} lines.")
            for head in self.heads:
                if zh:
                    if not is_cjk(head):
                        raise DecodeError(f"'{head}' is not a Chinese character; acrostic heads on a Chinese "
                                          "model must be Chinese characters.")
                else:
                    if not head.isalpha() or is_cjk(head):
                        raise DecodeError(f"'{head}' is not a letter; acrostic heads on an English model must be "
                                          "letters.")
                    if not self._letter_mask(head.lower()).any():
                        raise DecodeError(f"The model has no word starting with '{head}'.")
        if form.fixed:
            if not zh:
                raise DecodeError(f"The form {form.name} is for Chinese verse; use 'free' or 'free:N' with an "
                                  "English model.")
            for p in sorted(form.odd_punct | form.even_punct):
                if p not in self.vocab:
                    raise DecodeError(f"The model's vocabulary lacks the punctuation '{p}', so it cannot write "
                                      f"the form {form.name}.")
            if not self.cls.hanzi.any():
                raise DecodeError("The model knows no Chinese characters.")
        elif self.cls.newline is None and (self._limit() or 0) > 1:
            raise DecodeError(f"The model's vocabulary has no line break, so it cannot write the {self._limit()} "
                              "lines asked for.")
        self._check_fixed_and_keywords()
        if spec.rhyme and zh:
            if spec.rhyme_group is not None and spec.rhyme_group not in self.cls.group_masks:
                known = ", ".join(sorted(self.cls.group_masks)) or "none"
                raise DecodeError(f"Unknown rhyme group '{spec.rhyme_group}'; this model's groups: {known}.")
            if not self.cls.rhymable.any():
                raise DecodeError("The model knows no characters with a known rhyme, so it cannot rhyme.")

    def _check_fixed_and_keywords(self) -> None:
        form = self.form
        fixed_form = self.language == "zh" and form.fixed
        if self.spec.fixed and not fixed_form:
            raise DecodeError("Locked or given characters need a Chinese form of fixed lines (5x4, 7x4, 5x8, 7x8).")
        for (line, pos), ch in self.fixed.items():
            if not (0 <= line < (form.lines or 0) and 0 <= pos < (form.chars or 0)) or not is_cjk(ch):
                raise DecodeError(f"Line {line + 1}, character {pos + 1} is not a place for '{ch}' in the form "
                                  f"{form.name}.")
        if not self.keywords:
            return
        if not fixed_form:
            raise DecodeError("Keywords work with Chinese forms of fixed lines for now (5x4, 7x4, 5x8, 7x8).")
        if len(self.keywords) > 4:
            raise DecodeError(f"{len(self.keywords)} keywords are too many; give one to four.")
        for word in self.keywords:
            if not 1 <= len(word) <= 2 or not all(is_cjk(ch) for ch in word):
                raise DecodeError(f"'{word}' is not a keyword of one or two Chinese characters.")
            missing = [ch for ch in word if ch not in self.vocab]
            if missing:
                raise DecodeError(f"The model does not know the character '{missing[0]}' of the keyword '{word}'.")
        if not self._keywords_fit(self.keywords, self._free_runs(0, 0)):
            clash = " beside the acrostic heads" if self.heads else ""
            raise DecodeError(f"The keywords {'、'.join(self.keywords)} do not fit in a {form.label()}{clash}; "
                              "give fewer or shorter ones.")

    # -- keywords -----------------------------------------------------------------------------

    def _free_runs(self, line: int, pos: int) -> list[int]:
        """The lengths of the runs of free positions (not fixed, not a head) from (line, pos) to the end of
        the lines to write: where keywords can still go. A line's last place is left out when rhyme or
        tones govern it, since few keywords end on the right rhyme or tone."""
        runs: list[int] = []
        last = self._stop()
        end = self.form.chars - 1 if self.spec.rhyme or self.tones != "off" else self.form.chars
        for ln in range(line, last if last is not None else line + 1):
            run = 0
            for p in range(pos if ln == line else 0, end):
                if (ln, p) in self.fixed:
                    if run:
                        runs.append(run)
                    run = 0
                else:
                    run += 1
            if run:
                runs.append(run)
        return runs

    @staticmethod
    def _keywords_fit(words, runs: list[int]) -> bool:
        """Can words of one and two characters go into runs of free positions without crossing a run's
        end? With words of at most two characters: the two-character ones need ⌊run / 2⌋ places each
        run, the rest any place left."""
        twos = sum(len(w) == 2 for w in words)
        return twos <= sum(r // 2 for r in runs) and sum(len(w) for w in words) <= sum(runs)

    def _pending(self, state: State) -> list[str]:
        return [w for k, w in enumerate(self.keywords) if k not in state.kw_done and k != state.kw_at[0]]

    def _keyword_starts(self, state: State) -> list[int]:
        """The keywords that may begin at the next position: not written yet, and room for them in the line."""
        if state.kw_at[0] >= 0:
            return []
        line, pos = state.line, state.pos
        starts = []
        for k, word in enumerate(self.keywords):
            if k in state.kw_done or pos + len(word) > self.form.chars:
                continue
            if any(self.fixed.get((line, pos + i), ch) != ch for i, ch in enumerate(word)):
                continue  # a given character (a head) may be part of the keyword, but only its own
            if not all(self._fits_here(state.evolve(pos=pos + i), ch) for i, ch in enumerate(word)):
                continue
            starts.append(k)
        return starts

    def _fits_here(self, state: State, ch: str) -> bool:
        """May `ch` stand at the state's position under the rhyme and the tones (for placing a keyword)?"""
        tid = self.vocab.id(ch)
        if self._rhyme_pos(state) and not bool(self._rhyme_mask(state.groups)[tid]):
            return False
        tones = self._tone_mask(state)
        return tones is None or bool(tones[tid])

    def _keyword_mask(self, state: State) -> torch.Tensor | None:
        """Where keywords force the next character: the rest of a keyword being written, or the start of
        one when writing anything else here would leave the remaining keywords no room. None: free."""
        if not self.keywords:
            return None
        k, done = state.kw_at
        if k >= 0:
            return self.cls.only([self.keywords[k][done]])
        pending = self._pending(state)
        if not pending or self._keywords_fit(pending, self._free_runs(state.line, state.pos + 1)):
            return None
        starts = self._keyword_starts(state)
        return self.cls.only([self.keywords[i][0] for i in starts]) if starts else None

    def _advance_keywords(self, state: State, tok: str) -> State:
        k, done = state.kw_at
        if k >= 0:
            done += 1
            if done == len(self.keywords[k]):
                return state.evolve(kw_done=state.kw_done | {k}, kw_at=(-1, 0))
            return state.evolve(kw_at=(k, done))
        for i in self._keyword_starts(state):
            if self.keywords[i][0] == tok:
                if len(self.keywords[i]) == 1:
                    return state.evolve(kw_done=state.kw_done | {i})
                return state.evolve(kw_at=(i, 1))
        return state

    def _letter_mask(self, letter: str) -> torch.Tensor:
        """Tokens that begin with `letter` (any case): where an English acrostic line may start."""
        if letter not in self._letters:
            mask = torch.zeros(self.cls.size, dtype=torch.bool)
            ids = [i for i, first in self.cls.first_letter.items() if first == letter]
            if ids:
                mask[ids] = True
            self._letters[letter] = mask
        return self._letters[letter]

    def _head_fits(self, head: str, tok: str) -> bool:
        if self.language == "zh":
            return tok == head
        return tok[:1].casefold() == head.casefold()

    # -- tones --------------------------------------------------------------------------------

    def _token_tones(self, tid: int, tok: str) -> frozenset[str]:
        if tid >= len(SPECIALS):
            return self.cls.tones_of[tid]
        from poetpad.core.prosody_zh import tones

        return tones(tok, self.spec.rhyme_system)  # a character the model lacks (in a prefix, or a head)

    def _slot_fits(self, template: int, line: int, pos: int, tones: frozenset[str]) -> bool:
        """Does a character of `tones` fit the template's slot? An unknown tone fits anywhere."""
        slot = self.templates[template].slots[line][pos]
        return slot == "中" or not tones or slot in tones

    def _initial_templates(self) -> frozenset[int] | None:
        """The templates that fit the most heads (all of them, when one does: the heads choose 平起 or 仄起)."""
        if not self.templates:
            return None
        fits = {i: sum(self._slot_fits(i, line, pos, self._token_tones(self.vocab.id(ch), ch))
                       for (line, pos), ch in self.fixed.items()) for i in range(len(self.templates))}
        best = max(fits.values())
        return frozenset(i for i, n in fits.items() if n == best)

    def _line_end_tone(self, line: int) -> str | None:
        """basic tones: 平 at the end of a line of the rhyme (whether or not rhyme is enforced), else 仄."""
        from poetpad.core.prosody_zh import PING, ZE

        return PING if line % 2 == 1 or (line == 0 and self.spec.rhyme_first_line) else ZE

    def _tone_mask(self, state: State) -> torch.Tensor | None:
        """The hanzi the tones allow at the next position, or None when the tones say nothing there."""
        c, chars = self.cls, self.form.chars
        if self.tones == "strict" and state.templates:
            mask = torch.zeros(c.size, dtype=torch.bool)
            for i in state.templates:
                slot = self.templates[i].slots[state.line][state.pos]
                mask |= c.hanzi if slot == "中" else c.tone_masks[slot]
            return mask
        if self.tones != "off" and state.pos == chars - 1:
            if self._first_end_may_rhyme(state):
                from poetpad.core.prosody_zh import PING, ZE

                return c.tone_masks[ZE] | (c.tone_masks[PING] & self._first_rhyme_mask(state.groups))
            return c.tone_masks[self._line_end_tone(state.line)]
        return None

    def _first_end_may_rhyme(self, state: State) -> bool:
        """At the end of line 1 of a rhymed poem whose line 1 need not rhyme: it ends on 仄, or on 平 and then
        rhymes (首句入韵, as most 七言 and some 五言 poems do): a 平 ending that rhymes with nothing is a fault."""
        return state.line == 0 and state.pos == self.form.chars - 1 and self.spec.rhyme \
            and not self._is_rhyme_line(0) and self.language == "zh" and self.form.fixed

    def _first_rhyme_mask(self, groups: frozenset[str] | None) -> torch.Tensor:
        """The 平 characters line 1 may end on and rhyme: in the open groups, or in a group with a rhyme
        word for every rhyme position and line 1."""
        return self._rhyme_mask(groups) if groups is not None else self.cls.rhymable_with(self._rhyme_lines() + 1)

    def _next_line(self, state: State) -> State:
        if self.metered:
            from poetpad.core.prosody_en import normalize

            last = normalize(state.word) if state.word else state.last
            state = state.evolve(ends=state.ends + (last,), syl=0, word="", full=False, gap="", last="", cap=True)
        return state.evolve(line=state.line + 1, pos=0, closed=False, used=(), prev=-1, done=False)

    def relaxed_notes(self, state: State) -> list[str]:
        """One sentence per position where the strict template gave way to a forced character."""
        notes = []
        for line, pos in state.relaxed:
            notes.append(f"Line {line + 1}, character {pos + 1}: the tone template was relaxed there, because "
                         "the character given (a head or your text) fits no template.")
        return notes

    # -- the machine --------------------------------------------------------------------------

    def _is_rhyme_line(self, line: int) -> bool:
        if not (self.spec.rhyme and self.language == "zh"):
            return False
        return line % 2 == 1 or (line == 0 and self.spec.rhyme_first_line)

    def _rhyme_lines(self) -> int:
        """How many lines of the poem rhyme (1 when it is not counted)."""
        lines = self.form.lines if self.form.fixed else None
        return max(1, sum(self._is_rhyme_line(line) for line in range(lines))) if lines else 1

    def _rhyme_pos(self, state: State) -> bool:
        """Is the next unit the rhyme character of a fixed line (and not an acrostic head)?"""
        form = self.form
        return (self.language == "zh" and form.fixed and not state.closed and state.pos == form.chars - 1
                and self._is_rhyme_line(state.line) and not (state.pos == 0 and state.line < len(self.heads)))

    def _stop(self) -> int | None:
        """The number of lines to write: the poem's, or fewer for a continuation; None: no count."""
        limit, stop = self._limit(), self.spec.stop_after_lines
        if stop is not None:
            return stop if limit is None else min(limit, stop)
        return limit

    def _last_line(self, line: int) -> bool:
        """Is `line` the last one to write?"""
        stop = self._stop()
        return stop is not None and line >= stop - 1

    def _ends_poem(self, line: int) -> bool:
        """Does finishing `line` finish the poem (as opposed to stopping a continuation)?"""
        limit = self._limit()
        return limit is not None and line >= limit - 1

    def complete(self, state: State) -> bool:
        """Is the poem finished (its last line closed, or the end reached)?"""
        if state.done:
            return self.spec.stop_after_lines is None or self._ends_poem(state.line)
        return state.closed and self._ends_poem(state.line)

    def steps_needed(self, state: State) -> int | None:
        """An upper bound on the tokens that finish the poem (or continuation) from `state`; None when
        nothing bounds it (free verse with no line count, which ends at <eos> or the token limit)."""
        limit = self._stop()
        if limit is None:
            return None
        per_line = self.form.chars + 2 if self.language == "zh" and self.form.fixed else self._max_line + 1
        return max(0, limit - state.line) * per_line + 2

    def initial(self) -> State:
        groups = frozenset([self.spec.rhyme_group]) if self.spec.rhyme and self.spec.rhyme_group else None
        rhymed: tuple[int, ...] = ()
        if self.spec.rhyme and self.language == "zh" and self.form.fixed:
            # Rhyme words given later in the poem (a revision keeps them) choose the group and are not reused.
            for (line, pos), ch in sorted(self.fixed.items()):
                if pos == self.form.chars - 1 and self._is_rhyme_line(line) and pos > 0:
                    own = self._level_groups(ch)
                    if own:
                        groups = own if groups is None else (groups & own) or groups
                    rhymed += (self.vocab.id(ch),)
        used = tuple(self.vocab.id(ch) for ch in self.fixed.values() if ch in self.vocab) \
            if self.spec.no_repeat_in_poem else ()
        return State(groups=groups, rhymed=rhymed, templates=self._initial_templates(), poem_used=used)

    def _groups_written(self, tid: int, tok: str) -> frozenset[str]:
        """The rhyme groups a rhyme word sets: for the poet's text (a prefix), every 平 reading's, kept open
        until the next rhyme word; for the decoder's own, its common reading's (cls.groups_of)."""
        if tid < len(SPECIALS) and tid != UNK_ID:
            return frozenset()
        if self._feeding or tid == UNK_ID:
            return self._level_groups(tok)
        return self.cls.groups_of[tid]

    def _level_groups(self, ch: str) -> frozenset[str]:
        """Every 平 group of a character given (a lock, a revision's rhyme word): the poet's reading may be
        any of them."""
        from poetpad.core.prosody_zh import rhyme_groups

        return rhyme_groups(ch, self.spec.rhyme_system, level_only=True)

    def allowed(self, state: State, soft: bool = True) -> torch.Tensor:
        """Bool mask [V] of the tokens allowed next (a new tensor the caller may keep)."""
        mask = self._base(state)[0]
        if soft:
            for bans in self._soft_bans(state):
                relaxed = mask.clone()
                relaxed[list(bans)] = False
                if relaxed.any():
                    mask = relaxed
        return mask.clone()

    def masks(self, states: list[State]) -> torch.Tensor:
        """Bool masks [B, V] for a batch of states, soft rules applied: `allowed` for many rows at once.

        A soft ban is dropped when it would leave nothing. The cached count of the hard mask settles
        that without touching the tensor whenever the mask is larger than the bans; otherwise the row
        is worked out exactly.
        """
        return self._batched(states, [self._base(st) for st in states])

    def _batched(self, states: list[State], bases: list[tuple[torch.Tensor, int, int]]) -> torch.Tensor:
        out = torch.stack([b for b, _, _ in bases])
        rows: list[int] = []
        cols: list[int] = []
        for r, (st, (_, count, _)) in enumerate(zip(states, bases, strict=True)):
            stages = self._soft_bans(st)
            if not stages:
                continue
            ban: set[int] = set()
            for bans in stages:
                if count - len(ban) <= len(bans):  # the bans might empty the mask: do it exactly
                    out[r] = self.allowed(st)
                    break
                ban |= bans
            else:
                rows.extend([r] * len(ban))
                cols.extend(ban)
        if rows:
            out[rows, cols] = False
        return out

    def choices(self, states: list[State]) -> tuple[list[int] | None, torch.Tensor | None]:
        """One decoding step's options: (tokens, None) when every state has exactly one allowed token
        (an acrostic head, the line's punctuation, a break, <eos>), else (None, masks [B, V]) in which a
        finished state allows only <eos> (it is fed but never read). Soft bans never remove a lone
        token, so the first case is exact. Raises DecodeError when a live state has no way on."""
        bases = [self._base(st) for st in states]
        if all(count == 1 for _, count, _ in bases):
            return [lone for _, _, lone in bases], None
        out = self._batched(states, bases)
        for row, (st, (_, count, _)) in enumerate(zip(states, bases, strict=True)):
            if count == 0:  # the soft rules never empty a row, so only the hard mask can
                if not st.done:
                    raise DecodeError("The constraints leave no possible next character; try another form or "
                                      "heads.")
                out[row, EOS_ID] = True
        return None, out

    def _reduplication_allowed(self, state: State) -> bool:
        """May the character just written come again (叠字, 萧萧)? Only a character real poems double
        (rerank's corpus list: 萧 依 处 …, not 吹 or 自), once in the poem, as the second half of a
        two-character word: lines read 2+2+1 (five) and 2+2+3 (seven), so at an odd position, and
        never as the line's last character."""
        return (state.prev >= 0 and state.prev in self.cls.reduplicable and state.pos % 2 == 1
                and state.pos < self.form.chars - 1 and state.poem_used.count(state.prev) == 1)

    def bonuses(self, states: list[State]) -> torch.Tensor | None:
        """[B, V] additions to the next token's log-probabilities, or None: after a rare (or unknown) acrostic
        head, the characters that make a word with it (so 顺 starts 顺风, not a fragment); and where a
        keyword still to write may begin, its first character, so that keywords come where the poem has
        room for them rather than all at the end, where the constraints would force them."""
        if not (self.language == "zh" and self.form.fixed and (self.heads or self.keywords)):
            return None
        rows = [self._bonus(st, row) for row, st in enumerate(states)]
        if all(row is None for row in rows):
            return None
        zeros = torch.zeros(self.cls.size)
        return torch.stack([zeros if row is None else row for row in rows])

    def _bonus(self, state: State, row: int = 0) -> torch.Tensor | None:
        """The additions for one row. Rows of a pool pull their keywords in from different lines (row r
        from line r mod the form's lines on), so that the pool holds poems with the keywords early, in
        the middle and late, and the rerank chooses where they read best."""
        if state.done or state.closed:
            return None
        bonus = None
        if state.pos == 1 and state.line < len(self.heads):
            bonus = self.cls.word_bonus(self.heads[state.line])
        if self.keywords and state.pos < self.form.chars - 1 and state.pos % 2 == 0 \
                and state.line >= row % (self.form.lines or 1) \
                and (state.line, state.pos) not in self.fixed:  # where a word begins: 2 + 2 + 1 or 2 + 2 + 3
            starts = self._keyword_starts(state)
            if starts:
                bonus = torch.zeros(self.cls.size) if bonus is None else bonus.clone()
                bonus[[self.vocab.id(self.keywords[k][0]) for k in starts]] += KEYWORD_BONUS
        return bonus

    def _soft_bans(self, state: State) -> list[set[int]]:
        """The soft rules' bans for the next unit, in the order they are relaxed."""
        form = self.form
        if state.done or state.closed or not (self.language == "zh" and form.fixed) or state.pos >= form.chars:
            return []
        stages = []
        if state.rhymed and self._rhyme_pos(state):
            stages.append(set(state.rhymed))  # classical verse does not reuse a rhyme character
        if self.spec.no_repeat_in_poem:
            if state.poem_used:
                ban = set(state.poem_used) - self.cls.repeatable
                if self._reduplication_allowed(state):
                    ban.discard(state.prev)  # 叠字: the character just written, once more (萧萧)
                stages.append(ban)
            follows = {b for a, b in state.bigrams if a == state.prev}
            if follows:
                stages.append(follows)  # no two-character sequence twice
        elif self.spec.no_repeat_in_line and state.used:
            stages.append(set(state.used))
        return stages

    def _base(self, state: State) -> tuple[torch.Tensor, int, int]:
        """The hard mask for `state` and how many tokens it allows, cached by what it depends on."""
        if state.done:
            key: tuple = ("done",)
        elif state.closed:
            key = ("closed", state.line, state.groups)
        elif self.language == "zh" and self.form.fixed:
            rhyming = self._rhyme_pos(state) or self._first_end_may_rhyme(state)
            key = ("in", state.line, state.pos, state.groups if rhyming else None, state.templates,
                   state.kw_done, state.kw_at)
        elif self.metered:
            key = ("metered", state.line, state.pos == 0, state.pos >= _METERED_LINE_TOKENS, state.syl, state.word,
                   state.full, state.gap, state.cap, state.ends if self.form.scheme else ())
        else:
            key = ("free", state.line, state.pos == 0, state.pos >= self._max_line)
        entry = self._base_cache.get(key)
        if entry is None and self.metered and not state.done and not state.closed:
            entry = self._base_cache[key] = self._metered_entry(state)
        if entry is None:
            entry = self._base_cache[key] = _counted(self._hard(state))
        return entry

    def _hard(self, state: State) -> torch.Tensor:
        c = self.cls
        if state.done:
            return torch.zeros(c.size, dtype=torch.bool)
        if state.closed:  # the line's punctuation is written
            if self._last_line(state.line):
                return c.only(["<eos>"])
            if c.newline is not None:
                return c.only(["\n"])
            return self._hard(self._next_line(state))
        form = self.form
        if self.language == "zh" and form.fixed:
            if state.pos < form.chars:
                given = self.fixed.get((state.line, state.pos))
                if given is not None:
                    return self._head_mask(given)
                keyword = self._keyword_mask(state)
                if keyword is not None:
                    return keyword
                mask = c.hanzi & self._rhyme_mask(state.groups) if self._rhyme_pos(state) else c.hanzi
                tones = self._tone_mask(state)
                if tones is not None and (mask & tones).any():  # the tones never leave nothing to write
                    mask = mask & tones
                if (mask & c.writable).any():
                    mask = mask & c.writable
                return mask
            return c.only(form.punct(state.line))
        if self.metered:
            return self._metered_inside(state)
        return self._free_inside(state)

    def _head_mask(self, head: str) -> torch.Tensor:
        """The head's token; <unk> for a head the model lacks (it is written as given: see unknown_heads)."""
        return self.cls.only([head]) if head in self.vocab else self.cls.only(["<unk>"])

    def unknown_heads(self, from_line: int, from_pos: int = 0) -> list[str]:
        """The given characters (heads, locks) the model lacks from (from_line, from_pos) on, in order: what
        the <unk> tokens of the generated text stand for."""
        if self.language == "zh" and self.form.fixed:
            return [ch for (line, pos), ch in sorted(self.fixed.items())
                    if (line, pos) >= (from_line, from_pos) and ch not in self.vocab]
        return [h for h in self.heads[from_line:] if h not in self.vocab]

    def _rhyme_mask(self, groups: frozenset[str] | None) -> torch.Tensor:
        c = self.cls
        if groups is None:  # the first rhyme: a group with a rhyme word for every rhyme position
            return c.rhymable_with(self._rhyme_lines())
        mask = torch.zeros(c.size, dtype=torch.bool)
        for g in groups:
            if g in c.group_masks:
                mask |= c.group_masks[g]
        return mask

    def _free_inside(self, state: State) -> torch.Tensor:
        """Free verse: any text, with acrostic heads, a counted number of lines and a cap on line length."""
        c = self.cls
        if state.pos == 0:  # a line starts: no empty lines, no spaces, no ending yet
            if state.line < len(self.heads):
                head = self.heads[state.line]
                return c.only([head]) if self.language == "zh" else self._letter_mask(head.lower())
            return c.text & c.writable if self.language == "zh" else c.text & ~c.space
        end = self._line_end(state)
        if state.pos >= self._max_line:
            return end
        if self.language == "zh":
            return (c.text & ~c.hanzi) | c.writable | end
        return c.text | end

    # -- metered English ------------------------------------------------------------------------

    def _partners(self, state: State) -> tuple[str, ...]:
        """The last words of the earlier lines that the current line must rhyme with."""
        letter = self.form.letter(state.line)
        if not letter:
            return ()
        return tuple(word for j, word in enumerate(state.ends) if self.form.letter(j) == letter and word)

    def _need(self, state: State):
        """What the current line needs from its words (meter.Need), worked out once per line, syllables
        written and earlier line ends (what it depends on)."""
        key = (state.line, state.syl, state.ends)
        need = self._needs.get(key)
        if need is None:
            need = self._needs[key] = self._work_out_need(state)
        return need

    def _work_out_need(self, state: State):
        from poetpad.core.meter import Need
        from poetpad.core.prosody_en import normalize, rhyming_parts

        least, most = self.form.budget(state.line)
        letter = self.form.letter(state.line)
        rhyme = None
        not_words: tuple[str, ...] = ()
        avoid: tuple[str, ...] = ()
        if letter:
            partners = self._partners(state)
            if partners:
                parts = frozenset().union(*(rhyming_parts(w) for w in partners))
                rhyme = tuple(sorted(parts)) or None  # a partner the dictionary lacks: rhyme cannot be kept
                not_words = tuple(normalize(w) for w in partners)
            elif any(self.form.letter(j) == letter for j in range(state.line + 1, self._limit() or 0)):
                rhyme = ()  # this line opens the rhyme: end on a word with partners, and not another rhyme's sound
                taken = [w for j, w in enumerate(state.ends) if self.form.letter(j) not in ("", letter) and w]
                not_words = tuple(taken)
                avoid = tuple(sorted(frozenset().union(*(rhyming_parts(w) for w in taken)))) if taken else ()
        return Need(left=least - state.syl, extra=most - least, extra_free=self.form.any_stress, rhyme=rhyme,
                    not_words=not_words, avoid=avoid)

    def _metered_inside(self, state: State) -> torch.Tensor:
        """A metered English line: whole dictionary words whose syllables fit the line's budget, its last
        word rhyming with its partner, then at most one mark and the line break."""
        return self._metered_entry(state)[0]

    def _metered_entry(self, state: State) -> tuple[torch.Tensor, int, int]:
        """`_metered_inside`'s mask with its count and lone token (as `_base` keeps them). The mask depends
        only on what `_metered_key` holds, far less than the state does, so it is built once per key
        and shared by every request on this vocabulary."""
        if self.vocab.kind == "word":
            return _counted(self._metered_words(state, self._need(state), self._line_end(state)))
        key = self._metered_key(state)
        entry = self.cls.metered_masks.get(key)
        if entry is None:
            mask, dead = self._metered_mask(key, state)
            entry = self.cls.metered_masks[key] = (*_counted(mask), dead)
        if entry[3]:
            self.dead_ends += 1
        return entry[:3]

    def _metered_key(self, state: State) -> tuple:
        """What a metered line's next-token mask depends on: the letters that may come next, whether the
        word written so far may go on or end the line, and how the line ends (`_line_kind`)."""
        from poetpad.core.meter import lexicon

        kind = self._line_kind(state.line)
        if state.full:
            return "full", state.gap == "p", kind
        if state.pos >= _METERED_LINE_TOKENS:
            return "runaway", kind
        if not state.word:
            if state.gap == "p":
                return ("space",)
            head = self.heads[state.line].lower() if state.pos == 0 and state.line < len(self.heads) else None
            return "start", lexicon().next_chars("", self._need(state)), head, state.cap
        need = self._need(state)
        lex = lexicon()
        return "word", lex.next_chars(state.word, need), *lex.fits(state.word, need, whole=True), kind

    def _metered_mask(self, key: tuple, state: State) -> tuple[torch.Tensor, bool]:
        """The mask for `_metered_key`'s `key`, and whether it is a dead end (see `dead_ends`)."""
        c, what = self.cls, key[0]
        end = self._line_end(state)
        if what == "full":
            return (end if key[1] else self._line_close(state, end)), False
        if what == "runaway":  # a runaway line: let it go rather than never end
            return end, False
        if what == "space":
            return c.only([" "]), False
        if what == "start":
            mask = c.letters(key[1].replace("'", ""), None if key[3] else _CAPITALS_INSIDE)
            if key[2] is not None:
                mask = mask & self._letter_mask(key[2])
            return (mask, False) if mask.any() else (c.text & ~c.space, True)
        _, chars, go_on, ends, _ = key
        mask = c.letters(chars, "").clone()  # no capital inside a word
        if go_on:
            mask |= c.only(_SPACE_OR_MID_MARKS)
        if ends:
            mask |= self._line_close(state, end)
        return (mask, False) if mask.any() else (c.text | end, True)

    def _line_kind(self, line: int) -> int:
        """How `line` may end, all that `_line_end` and `_line_close` read of it (so the metered masks may
        be shared by it): 0 the model decides (no line count), 1 the poem's last line, 2 another line."""
        if self._limit() is None and self.spec.stop_after_lines is None:
            return 0
        return 1 if self._last_line(line) and self._ends_poem(line) else 2

    def _metered_words(self, state: State, need, end: torch.Tensor) -> torch.Tensor:
        """A word vocabulary: the words that fit whole; marks between them, a mark and the break at the end."""
        from poetpad.core.meter import lexicon
        from poetpad.core.prosody_en import normalize

        c, lex = self.cls, lexicon()
        mask = torch.zeros(c.size, dtype=torch.bool)
        any_word = False
        for i in c.word_ids:
            go_on, ends = lex.fits(normalize(self.vocab.tokens[i]), need, whole=True)
            if go_on or ends:
                mask[i] = True
                any_word = True
        if state.pos > 0 and state.gap != "p":
            mask |= c.only(list(_MID_MARKS))
        return mask if any_word else c.text | end

    def _advance_metered(self, state: State, tok: str) -> State:
        """The state after one token of a metered English line (or of its prefix)."""
        if self.vocab.kind == "word" and tok[:1].isalpha():
            return self._end_word(state.evolve(word=tok.lower(), pos=state.pos + 1), "word")
        if tok.isalpha() or (tok in ("'", "’") and state.word):
            return state.evolve(word=state.word + tok.lower().replace("’", "'"), gap="w", pos=state.pos + 1, cap=False)
        if tok == " ":
            ended = self._end_word(state, "space") if state.word else state
            return ended.evolve(gap=" " if not ended.full else ended.gap, pos=state.pos + 1)
        ended = self._end_word(state, tok) if state.word else state
        return ended.evolve(gap="p", pos=state.pos + 1, cap=tok in _CAPITAL_AFTER)

    def _line_close(self, state: State, end: torch.Tensor) -> torch.Tensor:
        """What may come after a metered line's last word: a mark that ends a line, or the break. The
        poem's last line ends on a full stop, "!" or "?" (where the vocabulary has one)."""
        if self._poem_end_marked(state.line):
            return self.cls.only(_POEM_END_MARKS)
        return end | self.cls.only(_LINE_MARKS)

    def _poem_end_marked(self, line: int) -> bool:
        """Must `line` end on one of _POEM_END_MARKS? The last line of a poem (not of a continuation)."""
        return self._has_end_marks and self._line_kind(line) == 1

    def _end_word(self, state: State, how: str) -> State:
        """Count the finished word: its syllables, and whether it ends the line. `how` is what ended the
        word: "space" (the line goes on), "word" (a word vocabulary's token) or the mark written; on
        the poem's last line only a mark of _POEM_END_MARKS ends it."""
        from poetpad.core.meter import lexicon
        from poetpad.core.prosody_en import normalize, syllables

        word = normalize(state.word)
        prons = lexicon().prons.get(word)
        need = self._need(state)
        ending = how != "space" and (how == "word" or how in _POEM_END_MARKS
                                     or not self._poem_end_marked(state.line))
        if prons:
            lengths = sorted({len(p.stress) for p in prons})
            if ending and lexicon().fits(word, need, whole=True)[1]:
                k = next(k for k in lengths if need.left <= k <= need.left + need.extra)
                return state.evolve(syl=state.syl + k, word="", full=True, last=word)
            k = next((k for k in lengths if k < need.left), lengths[0])
            return state.evolve(syl=state.syl + k, word="", last=word)
        k = syllables(word)  # a word of the poet's the dictionary lacks: its syllables estimated
        full = ending and state.syl + k >= self.form.budget(state.line)[0]
        return state.evolve(syl=state.syl + k, word="", full=full, last=word)

    def _limit(self) -> int | None:
        return self.form.lines if self.form.lines is not None else (len(self.heads) or None)

    def _line_end(self, state: State) -> torch.Tensor:
        """The tokens that may end a free line: a break, <eos>, or either when the model decides."""
        c, kind = self.cls, self._line_kind(state.line)
        if kind == 0:
            return c.only(["\n", "<eos>"])
        if kind == 1:
            return c.only(["<eos>"])
        return c.only(["\n"]) if c.newline is not None else c.only(["<eos>"])

    def advance(self, state: State, token: int | str) -> State:
        """The state after `token` (an id, or the text of one token from a prefix)."""
        tok = self.vocab.tokens[token] if isinstance(token, int) else token
        tid = token if isinstance(token, int) else self.vocab.id(token)
        if tid == EOS_ID and isinstance(token, int):
            return state.evolve(done=True)
        if tok == "\n":
            if state.pos == 0 and not state.closed:
                return state  # blank lines in a prefix change nothing
            if self._last_line(state.line):
                return state.evolve(done=True, closed=True)
            return self._next_line(state)
        if self.language == "zh" and self.form.fixed:
            if tok in LINE_END_PUNCT or tok in self.form.punct(state.line):
                closed = state.evolve(closed=True)
                if self._last_line(state.line) and self.spec.stop_after_lines is not None \
                        and not self._ends_poem(state.line):
                    return closed.evolve(done=True)
                if self.cls.newline is None and not self._last_line(state.line):
                    return self._next_line(state)
                return closed
            if state.closed and self.cls.newline is None:
                state = self._next_line(state)
            return self._advance_hanzi(state, tid, tok)
        if self.metered:
            return self._advance_metered(state, tok)
        if tok.isspace():
            return state if state.pos == 0 else state.evolve(pos=state.pos + 1)
        return state.evolve(pos=state.pos + 1)

    def _advance_hanzi(self, state: State, tid: int, tok: str) -> State:
        """The state after one character of a fixed Chinese line: rhyme groups, templates, repetition."""
        groups, rhymed = state.groups, state.rhymed
        if self._rhyme_pos(state):
            own = self._groups_written(tid, tok)
            big = frozenset(g for g in own if self.cls.group_size(g) >= self._rhyme_lines())
            own = big or own  # a polyphone's small groups would soon have to reuse a rhyme word
            if own:
                groups = own if groups is None else (groups & own) or groups
            rhymed = rhymed + (tid,)
        elif state.line == 0 and state.pos == self.form.chars - 1 and self.spec.rhyme \
                and tid >= len(SPECIALS) and self.cls.groups_of[tid]:
            rhymed = rhymed + (tid,)  # line 1's end rhymes when it shares the group: never a rhyme word again
            # A 平 ending (written here or in the prefix) sets the rhyme: the poem rhymes with its first line,
            # where a group of that reading has a word for every rhyme position still to come.
            big = frozenset(g for g in self._groups_written(tid, tok) if self.cls.group_size(g) > self._rhyme_lines())
            if big:
                groups = big if groups is None else (groups & big) or groups
        templates, relaxed = state.templates, state.relaxed
        if templates is not None and state.pos < self.form.chars:
            tones = self._token_tones(tid, tok)
            fitting = frozenset(i for i in templates if self._slot_fits(i, state.line, state.pos, tones))
            if fitting:
                templates = fitting
            else:
                relaxed = relaxed + ((state.line, state.pos),)
        new = state.evolve(pos=state.pos + 1, used=state.used + (tid,), groups=groups, rhymed=rhymed,
                           templates=templates, relaxed=relaxed)
        if self.spec.no_repeat_in_poem and tid >= len(SPECIALS):
            bigrams = state.bigrams + ((state.prev, tid),) if state.prev >= 0 else state.bigrams
            new = new.evolve(poem_used=state.poem_used + (tid,), bigrams=bigrams, prev=tid)
        if self.keywords and not self._feeding:
            new = self._advance_keywords(state, tok).evolve(
                pos=new.pos, used=new.used, groups=new.groups, rhymed=new.rhymed, templates=new.templates,
                relaxed=new.relaxed, poem_used=new.poem_used, bigrams=new.bigrams, prev=new.prev)
        return new

    def finished(self, state: State) -> bool:
        return state.done

    # -- prefixes -----------------------------------------------------------------------------

    def describe_misfit(self, state: State, tok: str) -> str:
        form = self.form
        line = state.line + 1
        shown = "a line break" if tok == "\n" else f"'{tok}'"
        if state.done or (state.closed and self._last_line(state.line)):
            return "the poem is already complete"
        at_start = state.pos == 0 and not state.closed
        if at_start and state.line < len(self.heads) and not self._head_fits(self.heads[state.line], tok):
            return f"line {line} should begin with '{self.heads[state.line]}' for the acrostic"
        if form.fixed and not state.closed:
            if state.pos >= form.chars:
                return f"line {line} is longer than {form.chars} characters"
            if tok == "\n" or tok in LINE_END_PUNCT:
                return f"line {line} ends after {state.pos} characters, but the form needs {form.chars}"
            if is_cjk(tok) and self._rhyme_pos(state):
                wanted = "/".join(sorted(state.groups)) if state.groups else "any known rhyme"
                return f"line {line} must end in a rhyming character ({wanted}), not '{tok}'"
            return f"{shown} comes where line {line} needs a Chinese character ({form.chars} per line)"
        if form.fixed:
            return f"line {line} is complete, so {shown} cannot come before a line break"
        return f"{shown} does not fit after line {line}"

    def feed_prefix(self, tokens: list[str]) -> State:
        """Walk the machine over a prefix, checking it fits; raise DecodeError if it does not. Keywords the
        prefix already holds count as written."""
        state = self.initial()
        self._feeding = True
        try:
            for tok in tokens:
                if state.done:
                    raise DecodeError(f"The text before the cursor does not fit the form {self.form.name}: "
                                      "the poem is already complete.")
                if not self._prefix_fits(state, tok):
                    raise DecodeError(f"The text before the cursor does not fit the form {self.form.name}: "
                                      f"{self.describe_misfit(state, tok)}.")
                state = self.advance(state, tok)
        finally:
            self._feeding = False
        if self.keywords:
            text = "".join(tokens)
            state = state.evolve(kw_done=frozenset(k for k, w in enumerate(self.keywords) if w in text))
            pending = self._pending(state)
            if pending and not self._keywords_fit(pending, self._free_runs(state.line, state.pos)):
                raise DecodeError(f"The keywords {'、'.join(pending)} do not fit in what is left of the poem; "
                                  "give fewer, or write less before asking.")
        return state

    def _prefix_fits(self, state: State, tok: str) -> bool:
        """May `tok` come next in a prefix? Stricter than nothing, looser than generation: a prefix may
        hold characters the model lacks, any line-end mark, long free lines and blank lines."""
        form = self.form
        if tok == "\n":  # also closes a full line that lacks its punctuation
            return state.closed or state.pos == 0 or not form.fixed or state.pos == form.chars
        if not form.fixed:  # free verse: anything, but acrostic lines must start right
            if state.pos == 0 and not tok.isspace() and state.line < len(self.heads):
                return self._head_fits(self.heads[state.line], tok)
            return True
        if state.closed:  # only a break may follow (without one in the vocab, closed means the end)
            return False
        if state.pos == form.chars:
            return tok in LINE_END_PUNCT or tok in form.punct(state.line)
        tid = self.vocab.id(tok)
        if tid == UNK_ID:
            return self._unknown_fits(state, tok)
        if state.pos == 0 and state.line < len(self.heads):
            return tok == self.heads[state.line]
        if self._rhyme_pos(state):  # the poet's own rhyme word may be of any tone, but must rhyme
            from poetpad.core.prosody_zh import rhyme_groups

            own = rhyme_groups(tok, self.spec.rhyme_system)
            return bool(own) and (state.groups is None or bool(own & state.groups))
        return tid in self.cls.hanzi_ids  # the poet's text is not held to the tones

    def _unknown_fits(self, state: State, tok: str) -> bool:
        """A hanzi the model lacks fits wherever a hanzi may come, unless an acrostic head is due."""
        if state.pos == 0 and state.line < len(self.heads):
            return tok == self.heads[state.line]
        return is_cjk(tok)


def prepare_prefix(prefix: str, language: str) -> str:
    """Put a Chinese prefix one clause per line, the layout the models are trained on.

    Line endings become "\\n"; for Chinese, spaces go, a break follows each clause mark (one break
    after a run such as "？！"), and blank lines collapse.
    """
    prefix = prefix.replace("\r\n", "\n").replace("\r", "\n")
    if language != "zh":
        return prefix
    text = "".join(ch for ch in prefix if ch not in " \t\u3000\u00a0")
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "\n" and (not out or out[-1] == "\n"):
            continue
        out.append(ch)
        nxt = text[i + 1] if i + 1 < len(text) else "\n"
        if (ch in LINE_END_PUNCT or (ch in _CLOSERS and out[-2:-1] and out[-2] in LINE_END_PUNCT)) \
                and nxt != "\n" and nxt not in LINE_END_PUNCT and nxt not in _CLOSERS:
            out.append("\n")
    return "".join(out)

