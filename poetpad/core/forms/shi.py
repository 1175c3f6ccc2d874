"""The Chinese fixed forms (绝句 and 律诗: lines of 5 or 7 hanzi): acrostic heads and locked characters
written as given, keywords (forms.keywords), rhyme, and the tones of regulated verse.

The machine, for a line of L characters: L hanzi (the first one the acrostic head, the last one in
the rhyme group on rhyme lines), then the line's punctuation, then a line break (or <eos> after the
last line).

With `tones`, the masks also keep the tones of regulated verse under the chosen rhyme system
(prosody_zh): "basic" puts the rhyme words on 平 (they always are: a rhyme position takes the 平
groups only) and the other line ends on 仄; "strict" follows a whole 近体 template (平起 or 仄起,
prosody_zh.templates), kept as the set of templates the poem still fits: the heads and the prefix
narrow it, and the first character that settles a key position chooses. When a forced character (a
head, or the text before the cursor) fits no template left, that one position is relaxed and recorded
in the state, so the machine never dead-ends.

The soft rules (no character twice in a line or, with no_repeat_in_poem, in the poem; no
two-character sequence twice; no rhyme character twice) come on top of the hard mask, and each gives
way when it would leave nothing to choose.
"""

from __future__ import annotations

import torch

from poetpad.core.forms.keywords import Keywords
from poetpad.core.forms.prefix import LINE_END_PUNCT
from poetpad.core.forms.rules import RuleSet
from poetpad.core.forms.state import State
from poetpad.core.text import LINE_LENGTHS, Form, is_cjk
from poetpad.core.vocab import SPECIALS, UNK_ID
from poetpad.errors import DecodeError


class ShiRules(RuleSet):
    """A Chinese form of fixed lines: heads, locks, keywords, rhyme and tones."""

    @classmethod
    def takes(cls, language: str, form: Form) -> bool:
        return form.fixed  # on an English model too, which `check` then refuses with a clear message

    def __init__(self, *args) -> None:
        super().__init__(*args)
        spec, form = self.spec, self.form
        # The characters written as given, by (line, position): the heads, locks, revision.
        self.fixed: dict[tuple[int, int], str] = {(line, pos): ch for line, pos, ch in spec.fixed}
        self.fixed.update({(line, 0): head for line, head in enumerate(self.heads)})
        self.keywords = Keywords(self, tuple(spec.keywords))
        self.tones = spec.tones if self.language == "zh" and form.chars in LINE_LENGTHS else "off"
        self.templates = self._templates() if self.tones == "strict" else ()
        self.bonus_rows = bool(self.heads or self.keywords.words)

    def _templates(self) -> tuple:
        """The 近体 templates of this form whose first line rhymes as asked (prosody_zh.templates)."""
        from poetpad.core.prosody_zh import templates

        found = templates(self.form.chars, self.form.lines)
        return tuple(t for t in found if t.rhymes[0] == self.spec.rhyme_first_line) or found

    def signature(self) -> tuple:
        return self.tones, tuple(sorted(self.fixed.items())), self.keywords.words

    def line_tokens(self) -> int:
        return self.form.chars + 2

    def check(self) -> None:
        form = self.form
        self.check_heads()
        if self.language != "zh":
            raise DecodeError(f"The form {form.name} is for Chinese verse; use 'free' or 'free:N' with an "
                              "English model.")
        for p in sorted(form.odd_punct | form.even_punct):
            if p not in self.vocab:
                raise DecodeError(f"The model's vocabulary lacks the punctuation '{p}', so it cannot write "
                                  f"the form {form.name}.")
        if not self.cls.hanzi.any():
            raise DecodeError("The model knows no Chinese characters.")
        for (line, pos), ch in self.fixed.items():
            if not (0 <= line < (form.lines or 0) and 0 <= pos < (form.chars or 0)) or not is_cjk(ch):
                raise DecodeError(f"Line {line + 1}, character {pos + 1} is not a place for '{ch}' in the form "
                                  f"{form.name}.")
        if self.keywords.words:
            self.keywords.check()
        if self.spec.rhyme:
            self.check_rhyme()

    # -- rhyme ----------------------------------------------------------------------------------

    def is_rhyme_line(self, line: int) -> bool:
        if not self.spec.rhyme:
            return False
        return line % 2 == 1 or (line == 0 and self.spec.rhyme_first_line)

    def rhyme_lines(self) -> int:
        """How many lines of the poem rhyme (1 when it is not counted)."""
        lines = self.form.lines
        return max(1, sum(self.is_rhyme_line(line) for line in range(lines))) if lines else 1

    def rhyme_pos(self, state: State) -> bool:
        """Is the next unit the rhyme character of a line (and not an acrostic head)?"""
        return (not state.closed and state.pos == self.form.chars - 1 and self.is_rhyme_line(state.line)
                and not (state.pos == 0 and state.line < len(self.heads)))

    def rhyme_mask(self, groups: frozenset[str] | None) -> torch.Tensor:
        c = self.cls
        if groups is None:  # the first rhyme: a group with a rhyme word for every rhyme position
            return c.rhymable_with(self.rhyme_lines())
        mask = torch.zeros(c.size, dtype=torch.bool)
        for g in groups:
            if g in c.group_masks:
                mask |= c.group_masks[g]
        return mask

    def _groups_written(self, tid: int, tok: str) -> frozenset[str]:
        """The rhyme groups a rhyme word sets: for the poet's text (a prefix), every 平 reading's, kept open
        until the next rhyme word; for the decoder's own, its common reading's (cls.groups_of)."""
        if tid < len(SPECIALS) and tid != UNK_ID:
            return frozenset()
        if self.feeding or tid == UNK_ID:
            return self._level_groups(tok)
        return self.cls.groups_of[tid]

    def _level_groups(self, ch: str) -> frozenset[str]:
        """Every 平 group of a character given (a lock, a revision's rhyme word): the poet's reading may be
        any of them."""
        from poetpad.core.prosody_zh import rhyme_groups

        return rhyme_groups(ch, self.spec.rhyme_system, level_only=True)

    # -- tones ----------------------------------------------------------------------------------

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

    def _line_end_tone(self, line: int) -> str:
        """basic tones: 平 at the end of a line of the rhyme (whether or not rhyme is enforced), else 仄."""
        from poetpad.core.prosody_zh import PING, ZE

        return PING if line % 2 == 1 or (line == 0 and self.spec.rhyme_first_line) else ZE

    def tone_mask(self, state: State) -> torch.Tensor | None:
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
            and not self.is_rhyme_line(0)

    def _first_rhyme_mask(self, groups: frozenset[str] | None) -> torch.Tensor:
        """The 平 characters line 1 may end on and rhyme: in the open groups, or in a group with a rhyme
        word for every rhyme position and line 1."""
        return self.rhyme_mask(groups) if groups is not None else self.cls.rhymable_with(self.rhyme_lines() + 1)

    def fits_here(self, state: State, ch: str) -> bool:
        """May `ch` stand at the state's position under the rhyme and the tones (for placing a keyword)?"""
        tid = self.vocab.id(ch)
        if self.rhyme_pos(state) and not bool(self.rhyme_mask(state.groups)[tid]):
            return False
        tones = self.tone_mask(state)
        return tones is None or bool(tones[tid])

    # -- the machine ----------------------------------------------------------------------------

    def initial(self, groups: frozenset[str] | None) -> State:
        rhymed: tuple[int, ...] = ()
        if self.spec.rhyme:
            # Rhyme words given later in the poem (a revision keeps them) choose the group and are not reused.
            for (line, pos), ch in sorted(self.fixed.items()):
                if pos == self.form.chars - 1 and self.is_rhyme_line(line) and pos > 0:
                    own = self._level_groups(ch)
                    if own:
                        groups = own if groups is None else (groups & own) or groups
                    rhymed += (self.vocab.id(ch),)
        used = tuple(self.vocab.id(ch) for ch in self.fixed.values() if ch in self.vocab) \
            if self.spec.no_repeat_in_poem else ()
        return State(groups=groups, rhymed=rhymed, templates=self._initial_templates(), poem_used=used)

    def key(self, state: State) -> tuple:
        rhyming = self.rhyme_pos(state) or self._first_end_may_rhyme(state)
        kw = state.keywords
        return ("in", state.line, state.pos, state.groups if rhyming else None, state.templates,
                kw.done, kw.at, kw.written)

    def inside(self, state: State) -> torch.Tensor:
        c = self.cls
        if state.pos >= self.form.chars:
            return c.only(self.form.punct(state.line))
        given = self.fixed.get((state.line, state.pos))
        if given is not None:  # the head's token; <unk> for one the model lacks (see unknown_heads)
            return c.only([given]) if given in self.vocab else c.only(["<unk>"])
        keyword = self.keywords.mask(state) if self.keywords.words else None
        if keyword is not None:
            return keyword
        mask = c.hanzi & self.rhyme_mask(state.groups) if self.rhyme_pos(state) else c.hanzi
        tones = self.tone_mask(state)
        if tones is not None and (mask & tones).any():  # the tones never leave nothing to write
            mask = mask & tones
        if (mask & c.writable).any():
            mask = mask & c.writable
        return mask

    def advance(self, state: State, tid: int, tok: str) -> State:
        if tok in LINE_END_PUNCT or tok in self.form.punct(state.line):
            closed = state.evolve(closed=True)
            if self.last_line(state.line) and self.spec.stop_after_lines is not None \
                    and not self.ends_poem(state.line):
                return closed.evolve(done=True)
            if self.cls.newline is None and not self.last_line(state.line):
                return self.next_line(state)
            return closed
        if state.closed and self.cls.newline is None:
            state = self.next_line(state)
        return self._advance_hanzi(state, tid, tok)

    def _advance_hanzi(self, state: State, tid: int, tok: str) -> State:
        """The state after one character of a line: rhyme groups, templates, repetition, keywords."""
        groups, rhymed = self._advance_rhyme(state, tid, tok)
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
        if self.keywords.words and not self.feeding:
            new = new.evolve(keywords=self.keywords.advance(state, tok))
        return new

    def _advance_rhyme(self, state: State, tid: int, tok: str) -> tuple[frozenset[str] | None, tuple[int, ...]]:
        """The open rhyme groups and the rhyme characters once `tok` is written at `state`."""
        groups, rhymed = state.groups, state.rhymed
        if self.rhyme_pos(state):
            own = self._groups_written(tid, tok)
            big = frozenset(g for g in own if self.cls.group_size(g) >= self.rhyme_lines())
            own = big or own  # a polyphone's small groups would soon have to reuse a rhyme word
            if own:
                groups = own if groups is None else (groups & own) or groups
            rhymed = rhymed + (tid,)
        elif state.line == 0 and state.pos == self.form.chars - 1 and self.spec.rhyme \
                and tid >= len(SPECIALS) and self.cls.groups_of[tid]:
            rhymed = rhymed + (tid,)  # line 1's end rhymes when it shares the group: never a rhyme word again
            # A 平 ending (written here or in the prefix) sets the rhyme: the poem rhymes with its first line,
            # where a group of that reading has a word for every rhyme position still to come.
            big = frozenset(g for g in self._groups_written(tid, tok) if self.cls.group_size(g) > self.rhyme_lines())
            if big:
                groups = big if groups is None else (groups & big) or groups
        return groups, rhymed

    # -- soft rules and bonuses -------------------------------------------------------------------

    def soft_bans(self, state: State) -> list[set[int]]:
        if state.done or state.closed or state.pos >= self.form.chars:
            return []
        stages = []
        if state.rhymed and self.rhyme_pos(state):
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

    def _reduplication_allowed(self, state: State) -> bool:
        """May the character just written come again (叠字, 萧萧)? Only a character real poems double
        (rerank's corpus list: 萧 依 处 …, not 吹 or 自), once in the poem, as the second half of a
        two-character word: lines read 2+2+1 (five) and 2+2+3 (seven), so at an odd position, and
        never as the line's last character."""
        return (state.prev >= 0 and state.prev in self.cls.reduplicable and state.pos % 2 == 1
                and state.pos < self.form.chars - 1 and state.poem_used.count(state.prev) == 1)

    def bonus(self, state: State, row: int) -> torch.Tensor | None:
        """After a rare (or unknown) acrostic head, the characters that make a word with it (so 顺 starts
        顺风, not a fragment); and where a keyword may begin, its first character (Keywords.add_bonus)."""
        if state.done or state.closed:
            return None
        bonus = None
        if state.pos == 1 and state.line < len(self.heads):
            bonus = self.cls.word_bonus(self.heads[state.line])
        if self.keywords.words:
            bonus = self.keywords.add_bonus(state, row, bonus)
        return bonus

    def unknown_heads(self, from_line: int, from_pos: int) -> list[str]:
        return [ch for (line, pos), ch in sorted(self.fixed.items())
                if (line, pos) >= (from_line, from_pos) and ch not in self.vocab]

    # -- prefixes -------------------------------------------------------------------------------

    def prefix_fits(self, state: State, tok: str) -> bool:
        """A prefix may hold characters the model lacks and any line-end mark; the poet's text is not held
        to the tones, but a line must have its length and a rhyme word must rhyme."""
        form = self.form
        if tok == "\n":  # also closes a full line that lacks its punctuation
            return state.closed or state.pos == 0 or state.pos == form.chars
        if state.closed:  # only a break may follow (without one in the vocab, closed means the end)
            return False
        if state.pos == form.chars:
            return tok in LINE_END_PUNCT or tok in form.punct(state.line)
        tid = self.vocab.id(tok)
        if tid == UNK_ID:  # a hanzi the model lacks fits wherever a hanzi may come, unless a head is due
            if state.pos == 0 and state.line < len(self.heads):
                return tok == self.heads[state.line]
            return is_cjk(tok)
        if state.pos == 0 and state.line < len(self.heads):
            return tok == self.heads[state.line]
        if self.rhyme_pos(state):  # the poet's own rhyme word may be of any tone, but must rhyme
            from poetpad.core.prosody_zh import rhyme_groups

            own = rhyme_groups(tok, self.spec.rhyme_system)
            return bool(own) and (state.groups is None or bool(own & state.groups))
        return tid in self.cls.hanzi_ids

    def misfit(self, state: State, tok: str, shown: str) -> str | None:
        form, line = self.form, state.line + 1
        if state.closed:
            return f"line {line} is complete, so {shown} cannot come before a line break"
        if state.pos >= form.chars:
            return f"line {line} is longer than {form.chars} characters"
        if tok == "\n" or tok in LINE_END_PUNCT:
            return f"line {line} ends after {state.pos} characters, but the form needs {form.chars}"
        if is_cjk(tok) and self.rhyme_pos(state):
            wanted = "/".join(sorted(state.groups)) if state.groups else "any known rhyme"
            return f"line {line} must end in a rhyming character ({wanted}), not '{tok}'"
        return f"{shown} comes where line {line} needs a Chinese character ({form.chars} per line)"

    def after_prefix(self, state: State, tokens: list[str]) -> State:
        return self.keywords.after_prefix(state, tokens) if self.keywords.words else state
