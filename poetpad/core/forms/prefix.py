"""The text before the cursor: laid out the way the models read it, the form it implies, and the walk
that feeds it through the constraints, checking it fits and saying where it does not.

A prefix is held to less than the decoder's own text: it may hold characters the model lacks, any
line-end mark, long free lines and blank lines (each rule set's `prefix_fits` says what fits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetpad.core.forms.state import State
from poetpad.core.text import CLAUSE_MARKS, CLOSERS
from poetpad.errors import DecodeError

if TYPE_CHECKING:
    from poetpad.core.forms.constraints import Constraints

LINE_END_PUNCT = frozenset(CLAUSE_MARKS)
_CLOSERS = frozenset(CLOSERS)  # stay on the line of the clause mark they follow


def feed_prefix(cons: Constraints, tokens: list[str]) -> State:
    """Walk the machine over a prefix, checking it fits; raise DecodeError if it does not. Keywords the
    prefix already holds count as written."""
    rules = cons.rules
    state = cons.initial()
    rules.feeding = True  # the poet's text: rhyme words keep every reading, keywords are counted at the end
    try:
        for tok in tokens:
            if state.done:
                raise DecodeError(f"The text before the cursor does not fit the form {cons.form.name}: "
                                  "the poem is already complete.")
            if not rules.prefix_fits(state, tok):
                raise DecodeError(f"The text before the cursor does not fit the form {cons.form.name}: "
                                  f"{describe_misfit(cons, state, tok)}.")
            state = cons.advance(state, tok)
    finally:
        rules.feeding = False
    return rules.after_prefix(state, tokens)


def describe_misfit(cons: Constraints, state: State, tok: str) -> str:
    """Why `tok` cannot come next in a prefix at `state`."""
    rules = cons.rules
    line = state.line + 1
    shown = "a line break" if tok == "\n" else f"'{tok}'"
    if state.done or (state.closed and rules.last_line(state.line)):
        return "the poem is already complete"
    at_start = state.pos == 0 and not state.closed
    if at_start and state.line < len(rules.heads) and not rules.head_fits(rules.heads[state.line], tok):
        return f"line {line} should begin with '{rules.heads[state.line]}' for the acrostic"
    return rules.misfit(state, tok, shown) or f"{shown} does not fit after line {line}"


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
