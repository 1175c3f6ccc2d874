"""What every rule set shares: the line count, how a line may end, acrostic heads, and the hooks the
facade (forms.constraints) calls. A verse kind is a subclass that says which forms it takes (`takes`)
and fills in the inside of a line: its hard mask, how a token advances the state, and what a prefix
may hold."""

from __future__ import annotations

import torch

from poetpad.core.forms.classes import _Vocab
from poetpad.core.forms.state import Spec, State
from poetpad.core.text import Form, is_cjk
from poetpad.core.vocab import Vocab
from poetpad.errors import DecodeError


class RuleSet:
    """The rules of one verse kind for one Spec over one vocabulary. The hard masks they give are cached
    by the facade under `key(state)` and the request's signature, and shared between requests, so a
    mask may depend only on what the key and the signature hold."""

    dead_ends = 0  # states where no token fitted and the line went on freely (metered English counts them)
    bonus_rows = False  # does `bonus` add anything to the model's scores?
    feeding = False  # walking over the poet's text (forms.prefix), not the decoder's

    @classmethod
    def takes(cls, language: str, form: Form) -> bool:
        """Is this the rule set for `form` on a model of `language`?"""
        raise NotImplementedError

    def __init__(self, vocab: Vocab, spec: Spec, language: str, cls: _Vocab, form: Form, heads: list[str]):
        self.vocab = vocab
        self.spec = spec
        self.language = language
        self.cls = cls
        self.form = form
        self.heads = heads

    def signature(self) -> tuple:
        """What of the spec, beside the form, the heads and the line count, the hard masks depend on."""
        return ()

    # -- the line count -------------------------------------------------------------------------

    def limit(self) -> int | None:
        """The poem's number of lines: the form's, or the acrostic's; None: no count."""
        return self.form.lines if self.form.lines is not None else (len(self.heads) or None)

    def stop(self) -> int | None:
        """The number of lines to write: the poem's, or fewer for a continuation; None: no count."""
        limit, stop = self.limit(), self.spec.stop_after_lines
        if stop is not None:
            return stop if limit is None else min(limit, stop)
        return limit

    def last_line(self, line: int) -> bool:
        """Is `line` the last one to write?"""
        stop = self.stop()
        return stop is not None and line >= stop - 1

    def ends_poem(self, line: int) -> bool:
        """Does finishing `line` finish the poem (as opposed to stopping a continuation)?"""
        limit = self.limit()
        return limit is not None and line >= limit - 1

    def line_kind(self, line: int) -> int:
        """How `line` may end, all that `line_end` reads of it (so masks may be shared by it): 0 the model
        decides (no line count), 1 the poem's last line, 2 another line."""
        if self.limit() is None and self.spec.stop_after_lines is None:
            return 0
        return 1 if self.last_line(line) and self.ends_poem(line) else 2

    def line_end(self, state: State) -> torch.Tensor:
        """The tokens that may end a free line: a break, <eos>, or either when the model decides."""
        c, kind = self.cls, self.line_kind(state.line)
        if kind == 0:
            return c.only(["\n", "<eos>"])
        if kind == 1:
            return c.only(["<eos>"])
        return c.only(["\n"]) if c.newline is not None else c.only(["<eos>"])

    def line_tokens(self) -> int:
        """The most tokens a line takes, its end included (for the decoder's token limit)."""
        raise NotImplementedError

    # -- checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise DecodeError when the spec cannot be written on this vocabulary."""
        self.check_heads()

    def check_heads(self) -> None:
        form = self.form
        if not self.heads:
            return
        if form.lines is not None and form.lines != len(self.heads):
            raise DecodeError(f"The acrostic has {len(self.heads)} heads but the form {form.name} has "
                              f"{form.lines} lines.")
        for head in self.heads:
            if self.language == "zh":
                if not is_cjk(head):
                    raise DecodeError(f"'{head}' is not a Chinese character; acrostic heads on a Chinese "
                                      "model must be Chinese characters.")
            else:
                if not head.isalpha() or is_cjk(head):
                    raise DecodeError(f"'{head}' is not a letter; acrostic heads on an English model must be "
                                      "letters.")
                if not self.cls.first_letter(head.lower()).any():
                    raise DecodeError(f"The model has no word starting with '{head}'.")

    def check_lines(self) -> None:
        """A counted number of lines needs a line break in the vocabulary."""
        if self.cls.newline is None and (self.limit() or 0) > 1:
            raise DecodeError(f"The model's vocabulary has no line break, so it cannot write the {self.limit()} "
                              "lines asked for.")

    def check_not_fixed(self) -> None:
        """Locks and keywords belong to the Chinese fixed forms."""
        if self.spec.fixed:
            raise DecodeError("Locked or given characters need a Chinese form of fixed lines (5x4, 7x4, 5x8, 7x8).")
        if self.spec.keywords:
            raise DecodeError("Keywords work with Chinese forms of fixed lines for now (5x4, 7x4, 5x8, 7x8).")

    def check_rhyme(self) -> None:
        """A rhyme group asked for must be one of the vocabulary's, and some character must rhyme."""
        spec = self.spec
        if spec.rhyme_group is not None and spec.rhyme_group not in self.cls.group_masks:
            known = ", ".join(sorted(self.cls.group_masks)) or "none"
            raise DecodeError(f"Unknown rhyme group '{spec.rhyme_group}'; this model's groups: {known}.")
        if not self.cls.rhymable.any():
            raise DecodeError("The model knows no characters with a known rhyme, so it cannot rhyme.")

    # -- the machine --------------------------------------------------------------------------

    def initial(self, groups: frozenset[str] | None) -> State:
        """The state before the poem's first token; `groups`: the rhyme group the spec fixes."""
        return State(groups=groups)

    def key(self, state: State) -> tuple:
        """What the hard mask inside a line (not done, not closed) depends on."""
        raise NotImplementedError

    def inside(self, state: State) -> torch.Tensor:
        """The hard mask inside a line: a shared tensor, never modified."""
        raise NotImplementedError

    def entry(self, state: State) -> tuple[torch.Tensor, int, int] | None:
        """`inside`'s mask with its count and lone token when the rule set keeps them itself; None: the
        facade counts them."""
        return None

    def next_line(self, state: State) -> State:
        return state.evolve(line=state.line + 1, pos=0, closed=False, used=(), prev=-1, done=False)

    def advance(self, state: State, tid: int, tok: str) -> State:
        """The state after a token inside a line (not <eos>, not a line break)."""
        raise NotImplementedError

    def soft_bans(self, state: State) -> list[set[int]]:
        """The soft rules' bans for the next unit, in the order they are relaxed."""
        return []

    def bonus(self, state: State, row: int) -> torch.Tensor | None:
        """Additions to one row's log-probabilities (see Constraints.bonuses), or None."""
        return None

    def unknown_heads(self, from_line: int, from_pos: int) -> list[str]:
        """The given characters the model lacks from (from_line, from_pos) on, in order."""
        return [h for h in self.heads[from_line:] if h not in self.vocab]

    # -- prefixes (forms.prefix walks them) ---------------------------------------------------------

    def head_fits(self, head: str, tok: str) -> bool:
        if self.language == "zh":
            return tok == head
        return tok[:1].casefold() == head.casefold()

    def prefix_fits(self, state: State, tok: str) -> bool:
        """May `tok` come next in a prefix? Free lines take anything, but acrostic lines must start right."""
        if tok == "\n":
            return True
        if state.pos == 0 and not tok.isspace() and state.line < len(self.heads):
            return self.head_fits(self.heads[state.line], tok)
        return True

    def misfit(self, state: State, tok: str, shown: str) -> str | None:
        """Why `tok` (`shown` as the message shows it) does not fit inside a line, where the rule set can
        say more than forms.prefix does; None: it cannot."""
        return None

    def after_prefix(self, state: State, tokens: list[str]) -> State:
        """The state once the whole prefix is fed."""
        return state
