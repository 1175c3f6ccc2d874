"""Verse forms, acrostics and rhyme as decoding constraints.

A `Spec` says what to write (form, acrostic heads, rhyme, where to stop). A
`Constraints` object turns it into a small state machine over tokens: for each
hypothesis it gives an additive mask (0 or -inf) over the vocabulary, and
advances the state by the token chosen. The decoder, beam search or sampling,
applies the mask before every choice, so every finished poem satisfies the form
whatever the model would have preferred.

The machine, for a Chinese line of L characters: L hanzi (the first one the
acrostic head, the last one in the rhyme group on rhyme lines), then the line's
punctuation, then a line break (or <eos> after the last line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

import torch

from poetpad.core.corpus import is_cjk
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocab
from poetpad.errors import DecodeError

FIXED_FORMS = {"5x4": (5, 4), "7x4": (7, 4), "5x8": (5, 8), "7x8": (7, 8)}
FORM_CHOICES = ("5x4", "7x4", "5x8", "7x8", "free", "free:N")
ODD_PUNCT = frozenset("，")
EVEN_PUNCT = frozenset("。")
LINE_END_PUNCT = frozenset("，。！？；")
_NEG = float("-inf")
_FREE_RE = re.compile(r"^free(?::(\d+))?$")
_LATIN_LINE_TOKENS = {"char": 72, "word": 14}  # a free English line is closed after this many tokens


@dataclass(frozen=True)
class Form:
    """`chars` per line (None: free length) and `lines` (None: any number)."""

    name: str
    chars: int | None = None
    lines: int | None = None
    odd_punct: frozenset[str] = ODD_PUNCT     # after lines 1, 3, 5, …
    even_punct: frozenset[str] = EVEN_PUNCT   # after lines 2, 4, 6, …

    @property
    def fixed(self) -> bool:
        return self.chars is not None

    def punct(self, line: int) -> frozenset[str]:
        return self.odd_punct if line % 2 == 0 else self.even_punct

    def label(self) -> str:
        return self.name


def parse_form(text: str | None) -> Form | None:
    """'5x4', '7x8', 'free', 'free:6' → Form; None or '' → None (decide from the prefix)."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip().lower()
    if text in FIXED_FORMS:
        chars, lines = FIXED_FORMS[text]
        return Form(text, chars, lines)
    match = _FREE_RE.match(text)
    if match:
        n = int(match.group(1)) if match.group(1) else None
        if n is not None and not 1 <= n <= 200:
            raise DecodeError("A free form's line count must be between 1 and 200.")
        return Form(text, None, n)
    raise DecodeError(f"Unknown form '{text}'; use one of: {', '.join(FORM_CHOICES)}.")


@dataclass
class Spec:
    """What to generate."""

    form: Form | None = None
    heads: str = ""                  # acrostic heads: one per line
    rhyme: bool = False              # even lines share a rhyme group
    rhyme_group: str | None = None   # fix the group instead of letting the model choose
    rhyme_first_line: bool = False   # line 1 rhymes too (common in 七言)
    no_repeat_in_line: bool = True   # ban a character twice in one line (soft: relaxed if it empties the choice)
    stop_after_lines: int | None = None  # continuation: stop once this many lines are complete


@dataclass(frozen=True)
class State:
    line: int = 0                    # index of the line being written
    pos: int = 0                     # units (hanzi, or tokens for free lines) written in it
    closed: bool = False             # the line's punctuation is written; a break (or the end) comes next
    groups: frozenset[str] | None = None  # rhyme groups still open (None: not chosen yet)
    used: tuple[int, ...] = ()       # token ids used in this line
    rhymed: tuple[int, ...] = ()     # token ids used as rhyme characters
    done: bool = False


class _Vocab:
    """Per-vocabulary token classes and masks, computed once."""

    def __init__(self, vocab: Vocab, rhyme_system: str):
        self.vocab = vocab
        size = len(vocab)
        self.size = size
        self.hanzi = torch.zeros(size, dtype=torch.bool)
        self.latin_words = torch.zeros(size, dtype=torch.bool)
        self.newline = vocab.id("\n") if "\n" in vocab else None
        self.first_letter: dict[int, str] = {}
        for i, tok in enumerate(vocab.tokens):
            if i < 4:
                continue
            if len(tok) == 1 and is_cjk(tok):
                self.hanzi[i] = True
            if tok[:1].isalpha() and not is_cjk(tok[:1]):
                self.latin_words[i] = True
                self.first_letter[i] = tok[0].lower()
        self.rhyme_system = rhyme_system

    @cached_property
    def groups_of(self) -> list[frozenset[str]]:
        from poetpad.core.verse import rhyme_groups

        return [rhyme_groups(tok, self.rhyme_system) if self.hanzi[i] else frozenset()
                for i, tok in enumerate(self.vocab.tokens)]

    @cached_property
    def group_masks(self) -> dict[str, torch.Tensor]:
        masks: dict[str, torch.Tensor] = {}
        for i, groups in enumerate(self.groups_of):
            for g in groups:
                masks.setdefault(g, torch.zeros(self.size, dtype=torch.bool))[i] = True
        return masks

    @cached_property
    def rhymable(self) -> torch.Tensor:
        return torch.tensor([bool(g) for g in self.groups_of], dtype=torch.bool)

    def only(self, tokens) -> torch.Tensor:
        mask = torch.zeros(self.size, dtype=torch.bool)
        for tok in tokens:
            if tok in self.vocab:
                mask[self.vocab.id(tok)] = True
        return mask


_VOCAB_CACHE: dict[tuple[int, str], _Vocab] = {}


def _classes(vocab: Vocab, system: str) -> _Vocab:
    key = (id(vocab), system)
    entry = _VOCAB_CACHE.get(key)
    if entry is None or entry.vocab is not vocab:
        entry = _VOCAB_CACHE[key] = _Vocab(vocab, system)
    return entry


class Constraints:
    """The state machine for one Spec over one vocabulary."""

    def __init__(self, vocab: Vocab, spec: Spec, language: str = "zh", rhyme_system: str = "xinyun"):
        self.vocab = vocab
        self.spec = spec
        self.language = language
        self.cls = _classes(vocab, rhyme_system)
        self.form = spec.form or Form("free")
        self.heads = list(spec.heads or "")
        self._letters: dict[str, torch.Tensor] = {}
        self._check()
        self._max_line = _LATIN_LINE_TOKENS[vocab.kind] if language != "zh" else 40

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
                    if head not in self.vocab:
                        raise DecodeError(f"The model does not know the character '{head}', so no line can "
                                          "begin with it; choose another head.")
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
            for p in form.odd_punct | form.even_punct:
                if p not in self.vocab:
                    raise DecodeError(f"The model's vocabulary lacks the punctuation '{p}', so it cannot write "
                                      f"the form {form.name}.")
            if not self.cls.hanzi.any():
                raise DecodeError("The model knows no Chinese characters.")
        if spec.rhyme and zh:
            if spec.rhyme_group is not None and spec.rhyme_group not in self.cls.group_masks:
                known = ", ".join(sorted(self.cls.group_masks)) or "none"
                raise DecodeError(f"Unknown rhyme group '{spec.rhyme_group}'; this model's groups: {known}.")
            if not self.cls.rhymable.any():
                raise DecodeError("The model knows no characters with a known rhyme, so it cannot rhyme.")

    def _letter_mask(self, letter: str) -> torch.Tensor:
        """Tokens that begin with `letter` (any case): where an English acrostic line may start."""
        if letter not in self._letters:
            mask = torch.zeros(self.cls.size, dtype=torch.bool)
            for i, first in self.cls.first_letter.items():
                if first == letter:
                    mask[i] = True
            self._letters[letter] = mask
        return self._letters[letter]

    # -- the machine --------------------------------------------------------------------------

    def _is_rhyme_line(self, line: int) -> bool:
        if not (self.spec.rhyme and self.language == "zh"):
            return False
        return line % 2 == 1 or (line == 0 and self.spec.rhyme_first_line)

    def _last_line(self, line: int) -> bool:
        """Is `line` the last one to write?"""
        limit = self._limit()
        if self.spec.stop_after_lines is not None:
            limit = self.spec.stop_after_lines if limit is None else min(limit, self.spec.stop_after_lines)
        return limit is not None and line >= limit - 1

    def _ends_poem(self, line: int) -> bool:
        """Does finishing `line` finish the poem (as opposed to stopping a continuation)?"""
        limit = self._limit()
        return limit is not None and line >= limit - 1

    def initial(self) -> State:
        groups = frozenset([self.spec.rhyme_group]) if self.spec.rhyme and self.spec.rhyme_group else None
        return State(groups=groups)

    def allowed(self, state: State, soft: bool = True) -> torch.Tensor:
        """Bool mask of the tokens allowed next."""
        c = self.cls
        size = c.size
        if state.done:
            return torch.zeros(size, dtype=torch.bool)
        if state.closed:  # the line's punctuation is written
            if self._last_line(state.line):
                return self._eos_mask()
            return c.only(["\n"]) if c.newline is not None else self._line_start(state, soft)
        return self._inside(state, soft)

    def _eos_mask(self) -> torch.Tensor:
        mask = torch.zeros(self.cls.size, dtype=torch.bool)
        mask[EOS_ID] = True
        return mask

    def _line_start(self, state: State, soft: bool) -> torch.Tensor:
        nxt = replace(state, line=state.line + 1, pos=0, closed=False, used=())
        return self._inside(nxt, soft)

    def _inside(self, state: State, soft: bool) -> torch.Tensor:
        c, form = self.cls, self.form
        if self.language == "zh" and form.fixed:
            if state.pos < form.chars:
                mask = c.hanzi.clone()
                if state.pos == 0 and state.line < len(self.heads):
                    mask = c.only([self.heads[state.line]])
                elif state.pos == form.chars - 1 and self._is_rhyme_line(state.line):
                    mask &= self._rhyme_mask(state, soft)
                if soft and self.spec.no_repeat_in_line and state.used:
                    relaxed = mask.clone()
                    relaxed[list(state.used)] = False
                    if relaxed.any():
                        mask = relaxed
                return mask
            return c.only(form.punct(state.line))
        return self._free_inside(state, soft)

    def _rhyme_mask(self, state: State, soft: bool) -> torch.Tensor:
        c = self.cls
        if state.groups is None:
            mask = c.rhymable.clone()
        else:
            mask = torch.zeros(c.size, dtype=torch.bool)
            for g in state.groups:
                mask |= c.group_masks.get(g, mask)
        if soft and state.rhymed:
            relaxed = mask.clone()
            relaxed[list(state.rhymed)] = False  # classical verse does not reuse a rhyme character
            if relaxed.any():
                mask = relaxed
        return mask

    def _free_inside(self, state: State, soft: bool) -> torch.Tensor:
        """Free verse: any text, with acrostic heads, a counted number of lines and a cap on line length."""
        c = self.cls
        if state.pos == 0:  # a line starts: no empty lines, no ending yet
            if state.line < len(self.heads):
                head = self.heads[state.line]
                return c.only([head]) if self.language == "zh" else self._letter_mask(head.lower())
            mask = torch.ones(c.size, dtype=torch.bool)
            mask[[PAD_ID, UNK_ID, BOS_ID, EOS_ID]] = False
            if c.newline is not None:
                mask[c.newline] = False
            return mask & c.hanzi if self.language == "zh" else mask
        end = self._line_end(state)
        if state.pos >= self._max_line:
            return end
        mask = torch.ones(c.size, dtype=torch.bool)
        mask[[PAD_ID, UNK_ID, BOS_ID, EOS_ID]] = False
        if c.newline is not None:
            mask[c.newline] = False
        return mask | end

    def _limit(self) -> int | None:
        return self.form.lines if self.form.lines is not None else (len(self.heads) or None)

    def _line_end(self, state: State) -> torch.Tensor:
        """The tokens that may end a free line: a break, <eos>, or either when the model decides."""
        newline = self.cls.only(["\n"]) if self.cls.newline is not None else self._eos_mask()
        if self._limit() is None and self.spec.stop_after_lines is None:
            return newline | self._eos_mask()
        if self._last_line(state.line) and self._ends_poem(state.line):
            return self._eos_mask()
        return newline

    def advance(self, state: State, token: int | str) -> State:
        """The state after `token` (an id, or the text of one token from a prefix)."""
        tok = self.vocab.tokens[token] if isinstance(token, int) else token
        tid = token if isinstance(token, int) else self.vocab.id(token)
        if tid == EOS_ID and isinstance(token, int):
            return replace(state, done=True)
        if tok == "\n":
            if state.pos == 0 and not state.closed:
                return state  # blank lines in a prefix change nothing
            if self._last_line(state.line):
                return replace(state, done=True, closed=True)
            return State(line=state.line + 1, groups=state.groups, rhymed=state.rhymed)
        if self.language == "zh" and self.form.fixed:
            if tok in LINE_END_PUNCT or tok in self.form.punct(state.line):
                closed = replace(state, closed=True)
                if self._last_line(state.line) and self.spec.stop_after_lines is not None \
                        and not self._ends_poem(state.line):
                    return replace(closed, done=True)
                if self.cls.newline is None and not self._last_line(state.line):
                    return State(line=state.line + 1, groups=state.groups, rhymed=state.rhymed)
                return closed
            if state.closed and self.cls.newline is None:
                state = State(line=state.line + 1, groups=state.groups, rhymed=state.rhymed)
            groups, rhymed = state.groups, state.rhymed
            if state.pos == self.form.chars - 1 and self._is_rhyme_line(state.line):
                own = self.cls.groups_of[tid] if tid >= 4 else frozenset()
                if own:
                    groups = own if groups is None else (groups & own) or groups
                rhymed = rhymed + (tid,)
            return replace(state, pos=state.pos + 1, used=state.used + (tid,), groups=groups, rhymed=rhymed)
        if tok.strip() == "" and tok != "\n":
            return state if state.pos == 0 else replace(state, pos=state.pos + 1)
        return replace(state, pos=state.pos + 1, used=state.used + (tid,))

    def finished(self, state: State) -> bool:
        return state.done

    # -- prefixes -----------------------------------------------------------------------------

    def describe_misfit(self, state: State, tok: str) -> str:
        form = self.form
        line = state.line + 1
        if form.fixed and not state.closed and state.pos == 0 and state.line < len(self.heads) \
                and tok != self.heads[state.line]:
            return f"line {line} should begin with '{self.heads[state.line]}' for the acrostic"
        if form.fixed and not state.closed and state.pos < (form.chars or 0):
            return f"'{tok}' comes where line {line} needs a Chinese character ({form.chars} per line)"
        if form.fixed and not state.closed:
            return f"line {line} is longer than {form.chars} characters"
        if state.done or (state.closed and self._last_line(state.line)):
            return "the poem is already complete"
        return f"'{tok}' does not fit after line {line}"

    def feed_prefix(self, tokens: list[str]) -> State:
        """Walk the machine over a prefix, checking it fits; raise DecodeError if it does not."""
        state = self.initial()
        for tok in tokens:
            if state.done:
                raise DecodeError(f"The text before the cursor does not fit the form {self.form.name}: "
                                  "the poem is already complete.")
            tid = self.vocab.id(tok)
            allowed = self.allowed(state, soft=False)
            fits = bool(allowed[tid]) if tid != UNK_ID else self._unknown_fits(state, tok)
            if tok == "\n" and self.cls.newline is not None:
                fits = fits or (state.pos == 0 and not state.closed)
            if not fits:
                raise DecodeError(f"The text before the cursor does not fit the form {self.form.name}: "
                                  f"{self.describe_misfit(state, tok)}.")
            state = self.advance(state, tok)
        return state

    def _unknown_fits(self, state: State, tok: str) -> bool:
        """A prefix may hold characters the model lacks: they fit wherever their kind fits."""
        if self.form.fixed and not state.closed and state.pos < (self.form.chars or 0):
            if state.pos == 0 and state.line < len(self.heads):
                return tok == self.heads[state.line]
            return is_cjk(tok)
        return not self.form.fixed and not state.done


def prepare_prefix(prefix: str, language: str) -> str:
    """Put a Chinese prefix one clause per line, the layout the models are trained on."""
    if language != "zh":
        return prefix
    out = []
    for i, ch in enumerate(prefix):
        out.append(ch)
        if ch in LINE_END_PUNCT and i + 1 < len(prefix) and prefix[i + 1] != "\n":
            out.append("\n")
    return "".join(ch for ch in "".join(out) if ch not in " \t\u3000")


def infer_form(prefix_lines: list[str], heads: str, language: str) -> Form:
    """The form to use when none was given: from the acrostic or the prefix's first full line."""
    if language != "zh":
        return Form(f"free:{len(heads)}", None, len(heads)) if heads else Form("free")
    chars = None
    for line in prefix_lines:
        n = sum(1 for ch in line if is_cjk(ch))
        if line and line[-1] in LINE_END_PUNCT and n in (5, 7):
            chars = n
            break
    if heads:
        chars = chars or 7
        name = {4: f"{chars}x4", 8: f"{chars}x8"}.get(len(heads), f"{chars}x{len(heads)}")
        return Form(name, chars, len(heads))
    if chars is None:
        return Form("free")
    lines = 8 if len(prefix_lines) > 4 else 4
    return Form(f"{chars}x{lines}", chars, lines)
