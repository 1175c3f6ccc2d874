"""The token classes of a vocabulary (hanzi, letters, rhyme groups, tones), computed once and shared by
every request on it, with the hard-mask caches that depend on nothing else."""

from __future__ import annotations

from functools import cached_property

import torch

from poetpad.core.text import is_cjk, is_standard_hanzi
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocab

_VOCAB_CACHE_SIZE = 4
# Function characters a regulated poem may use more than once (不 … 不, 之 … 之) without it reading as repetition.
REPEATABLE = frozenset("不之无而其以于")
# An acrostic head this rare (its frequency rank in the vocabulary, which is sorted by frequency), or one the
# model lacks, gets help to start a real word: the characters that follow it in a word of pypinyin's phrase
# dictionary get this much added to their log-probability at the line's second position.
RARE_HEAD_RANK = 1500
WORD_BONUS = 2.0


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
        self.first_letters: dict[int, str] = {}
        hanzi, space = [], []
        for i, tok in enumerate(vocab.tokens[4:], start=4):
            if len(tok) == 1 and is_cjk(tok):
                hanzi.append(i)
            elif tok[:1].isalpha() and not is_cjk(tok[:1]):
                self.first_letters[i] = tok[0].lower()
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
        # Metered English: (mask, count, lone token, dead end) by MeteredRules.key. The keys are
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

    def first_letter(self, letter: str) -> torch.Tensor:
        """Tokens that begin with `letter` (any case): where an English acrostic line may start. Shared: do
        not modify it."""
        cache = self.__dict__.setdefault("_first_letter_masks", {})
        if letter not in cache:
            mask = torch.zeros(self.size, dtype=torch.bool)
            ids = [i for i, first in self.first_letters.items() if first == letter]
            if ids:
                mask[ids] = True
            cache[letter] = mask
        return cache[letter]

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
