"""Keywords of a Chinese fixed form: words of one or two hanzi that every poem must contain. They are
placed where the poem still has room for them (free positions, not a head or a lock, and not a line's
last place when rhyme or tones govern it), forced only when writing anything else would leave them
no room, and drawn in earlier by a bonus (see ShiRules.bonus)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from poetpad.core.forms.state import KeywordState, State
from poetpad.core.text import is_cjk
from poetpad.errors import DecodeError

if TYPE_CHECKING:
    from poetpad.core.forms.shi import ShiRules

KEYWORD_BONUS = 4.0  # nats added to a keyword's first character where a word may begin


class Keywords:
    """The keywords of one request, over the fixed form its ShiRules write."""

    def __init__(self, rules: ShiRules, words: tuple[str, ...]) -> None:
        self.rules = rules
        self.words = words

    def check(self) -> None:
        rules, form = self.rules, self.rules.form
        if len(self.words) > 4:
            raise DecodeError(f"{len(self.words)} keywords are too many; give one to four.")
        for word in self.words:
            if not 1 <= len(word) <= 2 or not all(is_cjk(ch) for ch in word):
                raise DecodeError(f"'{word}' is not a keyword of one or two Chinese characters.")
            missing = [ch for ch in word if ch not in rules.vocab]
            if missing:
                raise DecodeError(f"The model does not know the character '{missing[0]}' of the keyword '{word}'.")
        if not self.fit(self.words, self.free_runs(0, 0)):
            clash = " beside the acrostic heads" if rules.heads else ""
            raise DecodeError(f"The keywords {'、'.join(self.words)} do not fit in a {form.label()}{clash}; "
                              "give fewer or shorter ones.")

    def free_runs(self, line: int, pos: int) -> list[int]:
        """The lengths of the runs of free positions (not fixed, not a head) from (line, pos) to the end of
        the lines to write: where keywords can still go. A line's last place is left out when rhyme or
        tones govern it, since few keywords end on the right rhyme or tone."""
        rules = self.rules
        chars = rules.form.chars
        runs: list[int] = []
        last = rules.stop()
        end = chars - 1 if rules.spec.rhyme or rules.tones != "off" else chars
        for ln in range(line, last if last is not None else line + 1):
            run = 0
            for p in range(pos if ln == line else 0, end):
                if (ln, p) in rules.fixed:
                    if run:
                        runs.append(run)
                    run = 0
                else:
                    run += 1
            if run:
                runs.append(run)
        return runs

    @staticmethod
    def fit(words, runs: list[int]) -> bool:
        """Can words of one and two characters go into runs of free positions without crossing a run's
        end? With words of at most two characters: the two-character ones need ⌊run / 2⌋ places each
        run, the rest any place left."""
        twos = sum(len(w) == 2 for w in words)
        return twos <= sum(r // 2 for r in runs) and sum(len(w) for w in words) <= sum(runs)

    def pending(self, state: State) -> list[str]:
        kw = state.keywords
        return [w for k, w in enumerate(self.words) if k not in kw.done and k != kw.at]

    def starts(self, state: State) -> list[int]:
        """The keywords that may begin at the next position: not written yet, and room for them in the line."""
        kw = state.keywords
        if kw.at >= 0:
            return []
        line, pos = state.line, state.pos
        fixed, chars = self.rules.fixed, self.rules.form.chars
        starts = []
        for k, word in enumerate(self.words):
            if k in kw.done or pos + len(word) > chars:
                continue
            if any(fixed.get((line, pos + i), ch) != ch for i, ch in enumerate(word)):
                continue  # a given character (a head) may be part of the keyword, but only its own
            if not all(self.rules.fits_here(state.evolve(pos=pos + i), ch) for i, ch in enumerate(word)):
                continue
            starts.append(k)
        return starts

    def mask(self, state: State) -> torch.Tensor | None:
        """Where keywords force the next character: the rest of a keyword being written, or the start of
        one when writing anything else here would leave the remaining keywords no room. None: free."""
        kw = state.keywords
        if kw.at >= 0:
            return self.rules.cls.only([self.words[kw.at][kw.written]])
        pending = self.pending(state)
        if not pending or self.fit(pending, self.free_runs(state.line, state.pos + 1)):
            return None
        starts = self.starts(state)
        return self.rules.cls.only([self.words[i][0] for i in starts]) if starts else None

    def advance(self, state: State, tok: str) -> KeywordState:
        """The keywords' state after `tok` is written at `state`."""
        kw = state.keywords
        if kw.at >= 0:
            written = kw.written + 1
            if written == len(self.words[kw.at]):
                return kw.evolve(done=kw.done | {kw.at}, at=-1, written=0)
            return kw.evolve(written=written)
        for i in self.starts(state):
            if self.words[i][0] == tok:
                if len(self.words[i]) == 1:
                    return kw.evolve(done=kw.done | {i})
                return kw.evolve(at=i, written=1)
        return kw

    def add_bonus(self, state: State, row: int, bonus: torch.Tensor | None) -> torch.Tensor | None:
        """`bonus` with KEYWORD_BONUS on the first character of each keyword that may begin here, where a
        word begins (lines read 2 + 2 + 1 and 2 + 2 + 3). Row r pulls its keywords in from line r mod the
        form's lines on, so that a pool holds poems with the keywords early, in the middle and late."""
        form = self.rules.form
        if state.pos < form.chars - 1 and state.pos % 2 == 0 and state.line >= row % (form.lines or 1) \
                and (state.line, state.pos) not in self.rules.fixed:
            starts = self.starts(state)
            if starts:
                bonus = torch.zeros(self.rules.cls.size) if bonus is None else bonus.clone()
                bonus[[self.rules.vocab.id(self.words[k][0]) for k in starts]] += KEYWORD_BONUS
        return bonus

    def after_prefix(self, state: State, tokens: list[str]) -> State:
        """The keywords a prefix holds count as written; the rest must still fit in what is left."""
        text = "".join(tokens)
        state = state.evolve(keywords=state.keywords.evolve(
            done=frozenset(k for k, w in enumerate(self.words) if w in text)))
        pending = self.pending(state)
        if pending and not self.fit(pending, self.free_runs(state.line, state.pos)):
            raise DecodeError(f"The keywords {'、'.join(pending)} do not fit in what is left of the poem; "
                              "give fewer, or write less before asking.")
        return state
