"""The decoder's side of the constraints: one facade over the rule set of the request's verse kind.

`Constraints` keeps the mask protocol the decoder calls (`initial`, `choices`, `masks`, `allowed`,
`bonuses`, `advance`, `complete`, `steps_needed`, `feed_prefix`) and the cache of hard masks; what a
line may hold comes from the rule set chosen once, from the Spec, among RULE_SETS. The hard mask of a
state depends only on where it is (the rule set's `key`) and on the request's signature, so it is
computed once and shared by every request with that signature on the vocabulary; the soft rules come
on top, each dropped when it would leave nothing to choose.
"""

from __future__ import annotations

import torch

from poetpad.core.forms import prefix
from poetpad.core.forms.classes import _classes, _counted
from poetpad.core.forms.free import FreeRules
from poetpad.core.forms.metered import MeteredRules
from poetpad.core.forms.rules import RuleSet
from poetpad.core.forms.shi import ShiRules
from poetpad.core.forms.state import Spec, State
from poetpad.core.request_options import TONE_MODES
from poetpad.core.text import FREE, Form
from poetpad.core.vocab import EOS_ID, Vocab
from poetpad.errors import DecodeError

# The verse kinds, asked in this order which takes the request's form; the last takes any. A new kind
# is a new RuleSet module and a row here.
RULE_SETS: tuple[type[RuleSet], ...] = (ShiRules, MeteredRules, FreeRules)


class Constraints:
    """The state machine for one Spec over one vocabulary."""

    def __init__(self, vocab: Vocab, spec: Spec, language: str = "zh"):
        self.vocab = vocab
        self.spec = spec
        self.language = language
        self.cls = _classes(vocab, spec.rhyme_system)
        self.form = spec.form or Form(FREE)
        self.heads = [h for h in (spec.heads or "") if not h.isspace()]
        if spec.tones not in TONE_MODES:
            raise DecodeError(f"Unknown tone strictness '{spec.tones}'; use one of: {', '.join(TONE_MODES)}.")
        kind = next(rules for rules in RULE_SETS if rules.takes(language, self.form))
        self.rules: RuleSet = kind(vocab, spec, language, self.cls, self.form, self.heads)
        # Hard mask per state key: (mask, how many tokens it allows, the token when that is one, else -1).
        self._base_cache: dict[tuple, tuple[torch.Tensor, int, int]] = self.cls.base_cache(
            (language, self.form, tuple(self.heads), spec.rhyme, spec.rhyme_first_line, spec.stop_after_lines,
             kind.__name__, *self.rules.signature()))
        self.rules.check()

    @property
    def dead_ends(self) -> int:
        """Metered English: states where no word fitted, so the line went on freely. The lexicon's prefix
        answers should never lead there."""
        return self.rules.dead_ends

    # -- the poem's course ----------------------------------------------------------------------

    def initial(self) -> State:
        spec = self.spec
        return self.rules.initial(frozenset([spec.rhyme_group]) if spec.rhyme and spec.rhyme_group else None)

    def feed_prefix(self, tokens: list[str]) -> State:
        """The state after the text before the cursor; DecodeError when it does not fit (forms.prefix)."""
        return prefix.feed_prefix(self, tokens)

    def advance(self, state: State, token: int | str) -> State:
        """The state after `token` (an id, or the text of one token from a prefix)."""
        tok = self.vocab.tokens[token] if isinstance(token, int) else token
        tid = token if isinstance(token, int) else self.vocab.id(token)
        if tid == EOS_ID and isinstance(token, int):
            return state.evolve(done=True)
        if tok == "\n":
            if state.pos == 0 and not state.closed:
                return state  # blank lines in a prefix change nothing
            if self.rules.last_line(state.line):
                return state.evolve(done=True, closed=True)
            return self.rules.next_line(state)
        return self.rules.advance(state, tid, tok)

    def finished(self, state: State) -> bool:
        return state.done

    def complete(self, state: State) -> bool:
        """Is the poem finished (its last line closed, or the end reached)?"""
        if state.done:
            return self.spec.stop_after_lines is None or self.rules.ends_poem(state.line)
        return state.closed and self.rules.ends_poem(state.line)

    def steps_needed(self, state: State) -> int | None:
        """An upper bound on the tokens that finish the poem (or continuation) from `state`; None when
        nothing bounds it (free verse with no line count, which ends at <eos> or the token limit)."""
        limit = self.rules.stop()
        if limit is None:
            return None
        return max(0, limit - state.line) * self.rules.line_tokens() + 2

    def unknown_heads(self, from_line: int, from_pos: int = 0) -> list[str]:
        """The given characters (heads, locks) the model lacks from (from_line, from_pos) on, in order: what
        the <unk> tokens of the generated text stand for."""
        return self.rules.unknown_heads(from_line, from_pos)

    def relaxed_notes(self, state: State) -> list[str]:
        """One sentence per position where the strict template gave way to a forced character."""
        return [f"Line {line + 1}, character {pos + 1}: the tone template was relaxed there, because the "
                "character given (a head or your text) fits no template." for line, pos in state.relaxed]

    # -- masks ----------------------------------------------------------------------------------

    def allowed(self, state: State, soft: bool = True) -> torch.Tensor:
        """Bool mask [V] of the tokens allowed next (a new tensor the caller may keep)."""
        mask = self._base(state)[0]
        if soft:
            for bans in self.rules.soft_bans(state):
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
        soft_bans = self.rules.soft_bans
        for r, (st, (_, count, _)) in enumerate(zip(states, bases, strict=True)):
            stages = soft_bans(st)
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

    def bonuses(self, states: list[State]) -> torch.Tensor | None:
        """[B, V] additions to the next token's log-probabilities, or None: after a rare (or unknown) acrostic
        head, the characters that make a word with it (so 顺 starts 顺风, not a fragment); and where a
        keyword still to write may begin, its first character, so that keywords come where the poem has
        room for them rather than all at the end, where the constraints would force them."""
        if not self.rules.bonus_rows:
            return None
        rows = [self.rules.bonus(st, row) for row, st in enumerate(states)]
        if all(row is None for row in rows):
            return None
        zeros = torch.zeros(self.cls.size)
        return torch.stack([zeros if row is None else row for row in rows])

    def _base(self, state: State) -> tuple[torch.Tensor, int, int]:
        """The hard mask for `state` and how many tokens it allows, cached by what it depends on."""
        if state.done:
            key: tuple = ("done",)
        elif state.closed:
            key = ("closed", state.line, state.groups)
        else:
            key = self.rules.key(state)
        entry = self._base_cache.get(key)
        if entry is None:
            if not state.done and not state.closed:
                entry = self.rules.entry(state)
            entry = self._base_cache[key] = entry or _counted(self._hard(state))
        return entry

    def _hard(self, state: State) -> torch.Tensor:
        c = self.cls
        if state.done:
            return torch.zeros(c.size, dtype=torch.bool)
        if state.closed:  # the line's punctuation is written
            if self.rules.last_line(state.line):
                return c.only(["<eos>"])
            if c.newline is not None:
                return c.only(["\n"])
            return self._hard(self.rules.next_line(state))
        return self.rules.inside(state)
