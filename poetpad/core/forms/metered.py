"""Metered English: whole dictionary words whose syllables fit each line's budget (core.meter's Lexicon
answers which letters may come next), the rhyme scheme's partners at the line ends, at most one mark
after a word, capitals only where a sentence starts, and a full stop at the poem's end."""

from __future__ import annotations

import torch

from poetpad.core.forms.classes import _counted
from poetpad.core.forms.rules import RuleSet
from poetpad.core.forms.state import Gap, MeterState, State
from poetpad.core.text import Form

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


class MeteredRules(RuleSet):
    """A metered English form (sonnet, quatrain, limerick, couplets) on an English model."""

    @classmethod
    def takes(cls, language: str, form: Form) -> bool:
        return language != "zh" and form.metered

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.dead_ends = 0  # states where no word fitted: the line then goes on freely rather than stop
        self._needs: dict[tuple, object] = {}  # meter.Need by (line, syllables, line ends)
        self._has_end_marks = bool(self.cls.only(_POEM_END_MARKS).any())  # can a poem end on a full stop?

    def line_tokens(self) -> int:
        return _METERED_LINE_TOKENS + 1

    def check(self) -> None:
        self.check_heads()
        self.check_lines()
        self.check_not_fixed()

    # -- what a line needs ----------------------------------------------------------------------

    def _partners(self, state: State) -> tuple[str, ...]:
        """The last words of the earlier lines that the current line must rhyme with."""
        letter = self.form.letter(state.line)
        if not letter:
            return ()
        return tuple(word for j, word in enumerate(state.meter.ends) if self.form.letter(j) == letter and word)

    def _need(self, state: State):
        """What the current line needs from its words (meter.Need), worked out once per line, syllables
        written and earlier line ends (what it depends on)."""
        key = (state.line, state.meter.syl, state.meter.ends)
        need = self._needs.get(key)
        if need is None:
            need = self._needs[key] = self._work_out_need(state)
        return need

    def _work_out_need(self, state: State):
        from poetpad.core.meter import Need
        from poetpad.core.prosody_en import normalize, rhyming_parts

        least, most = self.form.budget(state.line)
        letter = self.form.letter(state.line)
        ends = state.meter.ends
        rhyme = None
        not_words: tuple[str, ...] = ()
        avoid: tuple[str, ...] = ()
        if letter:
            partners = self._partners(state)
            if partners:
                parts = frozenset().union(*(rhyming_parts(w) for w in partners))
                rhyme = tuple(sorted(parts)) or None  # a partner the dictionary lacks: rhyme cannot be kept
                not_words = tuple(normalize(w) for w in partners)
            elif any(self.form.letter(j) == letter for j in range(state.line + 1, self.limit() or 0)):
                rhyme = ()  # this line opens the rhyme: end on a word with partners, and not another rhyme's sound
                taken = [w for j, w in enumerate(ends) if self.form.letter(j) not in ("", letter) and w]
                not_words = tuple(taken)
                avoid = tuple(sorted(frozenset().union(*(rhyming_parts(w) for w in taken)))) if taken else ()
        return Need(left=least - state.meter.syl, extra=most - least, extra_free=self.form.any_stress, rhyme=rhyme,
                    not_words=not_words, avoid=avoid)

    # -- masks ----------------------------------------------------------------------------------

    def key(self, state: State) -> tuple:
        m = state.meter
        return ("metered", state.line, state.pos == 0, state.pos >= _METERED_LINE_TOKENS, m.syl, m.word, m.full,
                m.gap, m.cap, m.ends if self.form.scheme else ())

    def inside(self, state: State) -> torch.Tensor:
        return self.entry(state)[0]

    def entry(self, state: State) -> tuple[torch.Tensor, int, int]:
        """The mask with its count and lone token. It depends only on what `_shared_key` holds, far less
        than the state does, so it is built once per such key and shared by every request on this
        vocabulary."""
        if self.vocab.kind == "word":
            return _counted(self._words_mask(state, self._need(state), self.line_end(state)))
        key = self._shared_key(state)
        entry = self.cls.metered_masks.get(key)
        if entry is None:
            mask, dead = self._letters_mask(key, state)
            entry = self.cls.metered_masks[key] = (*_counted(mask), dead)
        if entry[3]:
            self.dead_ends += 1
        return entry[:3]

    def _shared_key(self, state: State) -> tuple:
        """What a metered line's next-token mask depends on: the letters that may come next, whether the
        word written so far may go on or end the line, and how the line ends (`line_kind`)."""
        from poetpad.core.meter import lexicon

        m = state.meter
        kind = self.line_kind(state.line)
        if m.full:
            return "full", m.gap is Gap.MARK, kind
        if state.pos >= _METERED_LINE_TOKENS:
            return "runaway", kind
        if not m.word:
            if m.gap is Gap.MARK:
                return ("space",)
            head = self.heads[state.line].lower() if state.pos == 0 and state.line < len(self.heads) else None
            return "start", lexicon().next_chars("", self._need(state)), head, m.cap
        need = self._need(state)
        lex = lexicon()
        return "word", lex.next_chars(m.word, need), *lex.fits(m.word, need, whole=True), kind

    def _letters_mask(self, key: tuple, state: State) -> tuple[torch.Tensor, bool]:
        """A character vocabulary's mask for `_shared_key`'s `key`, and whether it is a dead end."""
        c, what = self.cls, key[0]
        end = self.line_end(state)
        if what == "full":
            return (end if key[1] else self._line_close(state, end)), False
        if what == "runaway":  # a runaway line: let it go rather than never end
            return end, False
        if what == "space":
            return c.only([" "]), False
        if what == "start":
            mask = c.letters(key[1].replace("'", ""), None if key[3] else _CAPITALS_INSIDE)
            if key[2] is not None:
                mask = mask & c.first_letter(key[2])
            return (mask, False) if mask.any() else (c.text & ~c.space, True)
        _, chars, go_on, ends, _ = key
        mask = c.letters(chars, "").clone()  # no capital inside a word
        if go_on:
            mask |= c.only(_SPACE_OR_MID_MARKS)
        if ends:
            mask |= self._line_close(state, end)
        return (mask, False) if mask.any() else (c.text | end, True)

    def _words_mask(self, state: State, need, end: torch.Tensor) -> torch.Tensor:
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
        if state.pos > 0 and state.meter.gap is not Gap.MARK:
            mask |= c.only(list(_MID_MARKS))
        return mask if any_word else c.text | end

    def _line_close(self, state: State, end: torch.Tensor) -> torch.Tensor:
        """What may come after a metered line's last word: a mark that ends a line, or the break. The
        poem's last line ends on a full stop, "!" or "?" (where the vocabulary has one)."""
        if self._poem_end_marked(state.line):
            return self.cls.only(_POEM_END_MARKS)
        return end | self.cls.only(_LINE_MARKS)

    def _poem_end_marked(self, line: int) -> bool:
        """Must `line` end on one of _POEM_END_MARKS? The last line of a poem (not of a continuation)."""
        return self._has_end_marks and self.line_kind(line) == 1

    # -- the state ------------------------------------------------------------------------------

    def next_line(self, state: State) -> State:
        from poetpad.core.prosody_en import normalize

        m = state.meter
        last = normalize(m.word) if m.word else m.last
        return state.evolve(meter=MeterState(ends=m.ends + (last,)), line=state.line + 1, pos=0, closed=False,
                            used=(), prev=-1, done=False)

    def advance(self, state: State, tid: int, tok: str) -> State:
        """The state after one token of a metered English line (or of its prefix)."""
        m = state.meter
        if self.vocab.kind == "word" and tok[:1].isalpha():
            return self._end_word(state.evolve(pos=state.pos + 1, meter=m.evolve(word=tok.lower())), "word")
        if tok.isalpha() or (tok in ("'", "’") and m.word):
            return state.evolve(pos=state.pos + 1, meter=m.evolve(word=m.word + tok.lower().replace("’", "'"),
                                                                  gap=Gap.WORD, cap=False))
        if tok == " ":
            ended = self._end_word(state, "space") if m.word else state
            after = ended.meter if ended.meter.full else ended.meter.evolve(gap=Gap.SPACE)
            return ended.evolve(pos=state.pos + 1, meter=after)
        ended = self._end_word(state, tok) if m.word else state
        return ended.evolve(pos=state.pos + 1, meter=ended.meter.evolve(gap=Gap.MARK, cap=tok in _CAPITAL_AFTER))

    def _end_word(self, state: State, how: str) -> State:
        """Count the finished word: its syllables, and whether it ends the line. `how` is what ended the
        word: "space" (the line goes on), "word" (a word vocabulary's token) or the mark written; on
        the poem's last line only a mark of _POEM_END_MARKS ends it."""
        from poetpad.core.meter import lexicon
        from poetpad.core.prosody_en import normalize, syllables

        m = state.meter
        word = normalize(m.word)
        prons = lexicon().prons.get(word)
        need = self._need(state)
        ending = how != "space" and (how == "word" or how in _POEM_END_MARKS
                                     or not self._poem_end_marked(state.line))
        if prons:
            lengths = sorted({len(p.stress) for p in prons})
            if ending and lexicon().fits(word, need, whole=True)[1]:
                k = next(k for k in lengths if need.left <= k <= need.left + need.extra)
                return state.evolve(meter=m.evolve(syl=m.syl + k, word="", full=True, last=word))
            k = next((k for k in lengths if k < need.left), lengths[0])
            return state.evolve(meter=m.evolve(syl=m.syl + k, word="", last=word))
        k = syllables(word)  # a word of the poet's the dictionary lacks: its syllables estimated
        full = ending and m.syl + k >= self.form.budget(state.line)[0]
        return state.evolve(meter=m.evolve(syl=m.syl + k, word="", full=full, last=word))
