"""Free verse, Chinese or English: any text, with acrostic heads, a counted number of lines and a cap on
a line's length."""

from __future__ import annotations

import torch

from poetpad.core.forms.rules import RuleSet
from poetpad.core.forms.state import State
from poetpad.core.text import Form

_LATIN_LINE_TOKENS = {"char": 72, "word": 14}  # a free English line is closed after this many tokens
_ZH_FREE_LINE_TOKENS = 40


class FreeRules(RuleSet):
    """Lines of any text; the first token of a line is the acrostic head where there is one."""

    @classmethod
    def takes(cls, language: str, form: Form) -> bool:
        return True  # the rule set of last resort: whatever no other kind takes

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.max_line = _LATIN_LINE_TOKENS[self.vocab.kind] if self.language != "zh" else _ZH_FREE_LINE_TOKENS

    def line_tokens(self) -> int:
        return self.max_line + 1

    def check(self) -> None:
        self.check_heads()
        self.check_lines()
        self.check_not_fixed()
        if self.spec.rhyme and self.language == "zh":
            self.check_rhyme()

    def key(self, state: State) -> tuple:
        return "free", state.line, state.pos == 0, state.pos >= self.max_line

    def inside(self, state: State) -> torch.Tensor:
        c = self.cls
        if state.pos == 0:  # a line starts: no empty lines, no spaces, no ending yet
            if state.line < len(self.heads):
                head = self.heads[state.line]
                return c.only([head]) if self.language == "zh" else c.first_letter(head.lower())
            return c.text & c.writable if self.language == "zh" else c.text & ~c.space
        end = self.line_end(state)
        if state.pos >= self.max_line:
            return end
        if self.language == "zh":
            return (c.text & ~c.hanzi) | c.writable | end
        return c.text | end

    def advance(self, state: State, tid: int, tok: str) -> State:
        if tok.isspace():
            return state if state.pos == 0 else state.evolve(pos=state.pos + 1)
        return state.evolve(pos=state.pos + 1)
