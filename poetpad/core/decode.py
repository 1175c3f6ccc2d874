"""Generating text from a PoetLM over its incremental state.

The prefix is run once; every later token costs one `step()` for the whole
batch. Generation always ends: at <eos>, or at `max_tokens`, which is raised
where the form needs more (a fixed form, a counted number of lines), so every
requested line gets written.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from poetpad.core.cpu import decode_autocast, decode_threads, torch_threads
from poetpad.core.forms import Constraints, Spec, State, prepare_prefix
from poetpad.core.model import PoetLM, select_state
from poetpad.core.plan import infer_form, verse_lines
from poetpad.core.request_options import CONTINUING_MODES, default
from poetpad.core.text import Form
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab, join_words
from poetpad.errors import DecodeError


@dataclass
class SampleSettings:
    """How the engine samples. Unlike a request (core.request_options, which the CLI and the window
    offer), it cuts nothing by default (top-k and top-p off), and it takes the wider ranges that
    validate() allows, for the trainer's samples, the benchmarks and the tests."""

    temperature: float = default("temperature")
    top_k: int = 0          # 0: no limit
    top_p: float = 1.0      # 1.0: no nucleus cut
    max_tokens: int = default("max_tokens")
    seed: int = 0

    def validate(self) -> None:
        if not 0.0 < self.temperature <= 5.0:
            raise DecodeError("The temperature must be above 0 and at most 5.")
        if self.top_k < 0:
            raise DecodeError("top-k must be 0 (off) or a positive whole number.")
        if not 0.0 < self.top_p <= 1.0:
            raise DecodeError("top-p must be above 0 and at most 1.")
        if not 1 <= self.max_tokens <= 10_000:
            raise DecodeError("The maximum length must be between 1 and 10,000 tokens.")


@dataclass
class Generated:
    text: str                       # the whole poem, prefix included
    seed: int
    score: float                    # mean log-probability per generated token
    tokens: list[int] = field(default_factory=list)
    continuation: str = ""          # only the new text
    form: Form | None = None        # the form it was written in (given, or inferred from the prefix or heads)
    notes: list[str] = field(default_factory=list)  # where the constraints gave way (a relaxed tone position)
    relaxed: tuple[tuple[int, int], ...] = ()        # those positions: (line, position)
    # Sampling: the log-probability each of `tokens` was drawn with (what `score` averages; nan for a
    # given head the model lacks, which is not scored). Empty from beam search.
    token_logps: list[float] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]


_NUCLEUS_HEAD = 256  # top-p looks at this many best tokens first; a row whose nucleus is larger is sorted whole


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Mask (to -inf) all but the top-k tokens and the smallest set holding top-p of the mass."""
    if top_k and top_k < logits.size(-1):  # exactly k, even when scores tie
        kept, keep = torch.topk(logits, top_k, dim=-1)  # sorted, best first: the nucleus needs no other sort
        if top_p < 1.0:
            kept = _nucleus(kept, torch.softmax(kept, dim=-1), top_p)
        return torch.full_like(logits, float("-inf")).scatter(-1, keep, kept)
    if top_p < 1.0:
        size = logits.size(-1)
        head = min(size, _NUCLEUS_HEAD)
        sorted_logits, order = torch.topk(logits, head, dim=-1)  # sorted, best first
        probs = torch.softmax(sorted_logits, dim=-1)
        if head < size:  # the head may not hold the whole mass: scale to its share
            probs = probs * _mass(sorted_logits, logits)
            if bool((probs.sum(-1) < top_p).any()):  # a nucleus beyond the head: sort it all
                sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
                probs = torch.softmax(sorted_logits, dim=-1)
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, _nucleus(sorted_logits, probs, top_p))
    return logits


def _nucleus(sorted_logits: torch.Tensor, probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Sorted logits (best first) with -inf for each token after the mass before it reaches top_p (the
    first token always stays); `probs` are their probabilities."""
    return sorted_logits.masked_fill((probs.cumsum(-1) - probs) >= top_p, float("-inf"))


def _mass(part: torch.Tensor, whole: torch.Tensor) -> torch.Tensor:
    """The share of each row's probability mass that the logits in `part` hold (as a [B, 1] factor)."""
    return torch.exp(torch.logsumexp(part, dim=-1, keepdim=True) - torch.logsumexp(whole, dim=-1, keepdim=True))


_NEVER = torch.tensor([PAD_ID, UNK_ID, BOS_ID])
_FLOOR = 1e4  # a model's ±inf or NaN score becomes ∓this: the constraints may need a token it rules out


def _never(logits: torch.Tensor) -> torch.Tensor:
    """Scores made finite, then -inf for the tokens a decoder must never emit: padding, unknown and <bos>.

    A model that gives an allowed token -inf (say an <eos> it never learnt) must not leave the decoder
    with nothing to choose, so non-finite scores are clamped first. Returns a new tensor.
    """
    logits = torch.nan_to_num(logits, nan=-_FLOOR, posinf=_FLOOR, neginf=-_FLOOR)
    return logits.index_fill_(-1, _NEVER, float("-inf"))


@dataclass
class Request:
    """A whole generation request: what to write and how to choose tokens."""

    prefix: str = ""
    mode: str = "poem"              # poem: finish the poem; line: finish the current line; next: one more line
    spec: Spec = field(default_factory=Spec)
    beam: int = 0                   # 0: sample; K ≥ 1: beam search of width K
    n: int = 1
    settings: SampleSettings = field(default_factory=SampleSettings)
    repetition_penalty: float = 1.0
    length_alpha: float = 1.0
    language: str | None = None     # default: from the vocabulary
    beam_groups: int = 1            # diverse beam search: G groups of width ⌈K / G⌉ that avoid each other's tokens
    pool: int = 0                   # beam search: return up to this many distinct poems (0: n), for reranking
    enough: int = 0                 # sampling: stop once this many rows are finished, dropping the rest (0: all)

    def validate(self) -> None:
        self.settings.validate()
        if self.mode not in CONTINUING_MODES:
            raise DecodeError(f"Unknown mode '{self.mode}'; use one of: {', '.join(CONTINUING_MODES)}.")
        if not 1 <= self.n <= 256:
            raise DecodeError("The number of poems must be between 1 and 256.")
        if not 0 <= self.beam <= 64:
            raise DecodeError("The beam width must be between 1 and 64 (or 0 to sample).")
        if self.beam and self.n > self.beam:
            raise DecodeError(f"Beam search of width {self.beam} gives at most {self.beam} poems, not {self.n}; "
                              "ask for fewer or widen the beam.")
        if not 1.0 <= self.repetition_penalty <= 5.0:
            raise DecodeError("The repetition penalty must be between 1 (off) and 5.")
        if not 0.0 <= self.length_alpha <= 2.0:
            raise DecodeError("The length normalisation exponent must be between 0 and 2.")
        if not 1 <= self.beam_groups <= max(1, self.beam):
            raise DecodeError("Diverse beam search needs between 1 group and one group per beam.")
        if not 0 <= self.enough <= self.n:
            raise DecodeError(f"Enough rows ({self.enough}) must be between 0 (all) and the {self.n} drawn.")


# Who hears how far a long request has got: a callable(step, steps) set for a block of work with
# `reporting` (the CLI shows a progress line; the GUI does not ask). Steps are tokens written.
_PROGRESS: contextvars.ContextVar[Callable[[int, int], None] | None] = contextvars.ContextVar("_PROGRESS",
                                                                                             default=None)


@contextlib.contextmanager
def reporting(callback: Callable[[int, int], None]):
    """Within the block, every decoding step calls `callback(step, steps)` (steps: the most it may take)."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


# What a model can use of a prefix: far more than a poem (the models train on windows of 256 tokens, from
# a zero state at each poem's start), far less than a book. A longer prefix is cut to its last lines.
MAX_PREFIX_CHARS = 4096


@dataclass
class _Setup:
    constraints: Constraints
    prefix_text: str        # the prefix as the model reads it
    prefix_tokens: list[str]
    state: State
    cut: int = 0            # characters of the prefix left out from its start (too long to use)


def cut_prefix(text: str, limit: int = MAX_PREFIX_CHARS) -> tuple[str, int]:
    """The last `limit` characters of `text` at most, from a line's start where one falls in them;
    and how many characters were left out."""
    if len(text) <= limit:
        return text, 0
    start = len(text) - limit
    line = text.find("\n", start)
    if line != -1 and line + 1 < len(text):
        start = line + 1
    return text[start:], start


def _setup(vocab: Vocab, req: Request, language: str) -> _Setup:
    text, cut = cut_prefix(prepare_prefix(req.prefix, language))
    tokens = vocab.tokenize(text)
    spec = replace(req.spec, heads="".join((req.spec.heads or "").split()), stop_after_lines=None)
    if spec.form is None:
        spec.form = infer_form(verse_lines(text), spec.heads, language)
    probe = Constraints(vocab, spec, language)
    state = probe.feed_prefix(tokens)
    if probe.complete(state):
        raise DecodeError(f"The poem before the cursor is already complete ({spec.form.name}); start a new poem.")
    stop = req.spec.stop_after_lines
    if req.mode == "line":
        stop = state.line + (2 if state.closed else 1)
    elif req.mode == "next":
        stop = state.line + (1 if state.pos == 0 and not state.closed else 2)
    if stop is None:
        return _Setup(probe, text, tokens, state, cut)
    constraints = Constraints(vocab, replace(spec, stop_after_lines=stop), language)
    state = constraints.feed_prefix(tokens)
    if state.done:
        raise DecodeError("The poem before the cursor is already complete; start a new line or a new poem.")
    return _Setup(constraints, text, tokens, state, cut)


def _prime(model, tokens: torch.Tensor, chunk: int = 512):
    """Scores for the token after `tokens` [1, T], and the state after them, without keeping a score per
    position: PoetLM.prime, or for any other model (forward and step only) its forward a chunk at a time."""
    prime = getattr(model, "prime", None)
    if prime is not None:
        return prime(tokens, chunk=chunk)
    state = None
    for start in range(0, tokens.size(1), chunk):
        logits, state = model(tokens[:, start:start + chunk], state)
        logits = logits[:, -1, :]
    return logits, state


def _penalizable(vocab: Vocab, tok: int) -> bool:
    """The repetition penalty falls on words and characters, never on punctuation or line breaks."""
    return tok >= len(SPECIALS) and vocab.tokens[tok].isalnum()


def _penalize(logits: torch.Tensor, seen: list[set[int]] | torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL-style repetition penalty on tokens already in each row's poem (`seen`: a set of ids per row,
    or a [B, V] bool mask)."""
    if penalty == 1.0:
        return logits
    if isinstance(seen, torch.Tensor):
        hit = seen
    else:
        rows = [row for row, ids in enumerate(seen) for _ in ids]
        if not rows:
            return logits
        hit = torch.zeros(logits.shape, dtype=torch.bool)
        hit[rows, [tok for ids in seen for tok in ids]] = True
    return torch.where(hit, torch.where(logits > 0, logits / penalty, logits * penalty), logits)


def _max_steps(cons: Constraints, req: Request, state: State) -> int:
    """The token limit, raised where the form needs more: a counted number of lines always gets written."""
    needed = cons.steps_needed(state)
    return req.settings.max_tokens if needed is None else max(req.settings.max_tokens, needed)


def _finish(vocab: Vocab, setup: _Setup, ids: list[int], seed: int, score: float, req: Request,
            state: State | None = None, token_logps: list[float] | None = None) -> Generated:
    if vocab.kind == "word":
        # Join from the prefix's own tokens, so words the model lacks stay as typed (not "<unk>").
        words = [vocab.tokens[i] for i in ids if len(SPECIALS) <= i < len(vocab)]
        base = join_words(setup.prefix_tokens)
        continuation = join_words(setup.prefix_tokens + words)[len(base):]
        if setup.prefix_text[-1:].isspace():
            continuation = continuation.lstrip(" ")
    else:
        continuation = vocab.decode(ids)
        for head in setup.constraints.unknown_heads(setup.state.line, setup.state.pos):  # given chars it lacks
            continuation = continuation.replace("\ufffd", head, 1)
    text = setup.prefix_text + continuation
    if req.mode == "poem":
        text = text.strip("\n")
    relaxed = state.relaxed if state is not None else ()
    notes = setup.constraints.relaxed_notes(state) if relaxed else []
    if setup.cut:
        notes = [f"The text before the cursor is too long to use whole: only its last {len(setup.prefix_text):,} "
                 f"characters were read ({setup.cut:,} before them were left out)."] + notes
    return Generated(text=text, seed=seed, score=score, tokens=ids, continuation=continuation,
                     form=setup.constraints.form, notes=notes, relaxed=relaxed, token_logps=token_logps or [])


@torch.no_grad()
def generate(model: PoetLM, vocab: Vocab, req: Request) -> list[Generated]:
    """Poems (or continuations) for `req`, valid under its constraints, best first for beam search."""
    req.validate()
    language = req.language or vocab.language
    setup = _setup(vocab, req, language)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch_threads(decode_threads()), decode_autocast(device):
        try:
            return _generate(model, vocab, req, setup, device)
        finally:
            model.train(was_training)


def _generate(model: PoetLM, vocab: Vocab, req: Request, setup: _Setup, device) -> list[Generated]:
    ids = [BOS_ID] + [vocab.id(t) for t in setup.prefix_tokens if t != "\n" or "\n" in vocab]
    logits, hidden = _prime(model, torch.tensor([ids], dtype=torch.long, device=device))
    logits = logits.float().cpu()
    prefix_seen = {vocab.id(t) for t in setup.prefix_tokens if _penalizable(vocab, vocab.id(t))}
    if req.beam:
        return _beam(model, vocab, setup, req, logits, hidden, prefix_seen)
    return _sample(model, vocab, setup, req, logits, hidden, prefix_seen)


def _sample(model, vocab, setup, req, logits, hidden, prefix_seen) -> list[Generated]:
    """`n` independent samples in one batch; row i draws from its own generator seeded seed + i."""
    cons, n, st = setup.constraints, req.n, req.settings
    device = next(model.parameters()).device
    noise = _GumbelNoise([torch.Generator(device="cpu").manual_seed(int(st.seed) + i) for i in range(n)], len(vocab))
    logits = logits.expand(n, -1)
    hidden = select_state(hidden, torch.zeros(n, dtype=torch.long, device=device))
    states = [setup.state] * n
    out: list[list[int]] = [[] for _ in range(n)]
    out_logps: list[list[float]] = [[] for _ in range(n)]
    logp_sum = [0.0] * n
    scored = [0] * n
    penalize = req.repetition_penalty != 1.0
    seen = torch.zeros(n, len(vocab), dtype=torch.bool)
    if prefix_seen:
        seen[:, sorted(prefix_seen)] = True
    steps, report = _max_steps(cons, req, setup.state), _PROGRESS.get()
    for step in range(steps):
        if report is not None:
            report(step, steps)
        live = [i for i in range(n) if not states[i].done]
        if not live:
            break
        forced, masks = cons.choices(states)
        scaled = _never(_penalize(logits, seen, req.repetition_penalty) / st.temperature)
        logps = torch.log_softmax(scaled, dim=-1)
        if forced is None:
            bonus = cons.bonuses(states)
            drawn = scaled if bonus is None else scaled + bonus
            drawn = filter_logits(drawn.masked_fill(~masks, float("-inf")), st.top_k, st.top_p)
            # Gumbel-max: the argmax of the logits plus Gumbel noise is a draw from their softmax.
            picks = (drawn + noise.next(live)).argmax(dim=-1).tolist()
        # A forced token (head, punctuation, break) is taken without a draw.
        taken = forced if forced is not None else picks
        nxt = [EOS_ID] * n
        for i in live:
            nxt[i] = taken[i]
        taken_logps = logps.gather(1, torch.tensor(nxt)[:, None])[:, 0].tolist()
        for i in live:
            tok = nxt[i]
            if tok != UNK_ID:  # a head the model lacks is written as given and not scored
                logp_sum[i] += taken_logps[i]
                scored[i] += 1
            states[i] = cons.advance(states[i], tok)
            if tok != EOS_ID:
                out[i].append(tok)
                out_logps[i].append(taken_logps[i] if tok != UNK_ID else math.nan)
                if penalize and _penalizable(vocab, tok):
                    seen[i, tok] = True
        finished = sum(s.done for s in states)
        if finished == n or (req.enough and finished >= req.enough):
            break
        logits, hidden = model.step(torch.tensor(nxt, device=device), hidden)
        logits = logits.float().cpu()
    # With `enough`, the rows still writing are left out: in a metered pool the last few to finish are the
    # lines that wander (a quatrain's slowest rows ran 221 tokens where most finished by 140).
    rows = [i for i in range(n) if states[i].done] if req.enough else range(n)
    return [_finish(vocab, setup, out[i], int(st.seed) + i, logp_sum[i] / max(1, scored[i]), req, states[i],
                    out_logps[i]) for i in rows]


_NOISE_FLOATS = 8192  # Gumbel noise is drawn for this many floats a row at a time (whole steps)


class _GumbelNoise:
    """Gumbel noise for sampling, each row's from its own generator, so that a row writes the same poem
    alone or in a batch. It is drawn several steps at a time for a small vocabulary: the same numbers as
    a draw per step (a generator fills a tensor in order), in far fewer calls."""

    def __init__(self, gens: list[torch.Generator], size: int) -> None:
        self.gens = gens
        self.steps = max(1, _NOISE_FLOATS // max(1, size))
        self.uniform = torch.empty(len(gens), self.steps, size)
        self.gumbel = self.uniform
        self.at = self.steps

    def next(self, live: list[int]) -> torch.Tensor:
        """[B, V] noise for the next draw; the rows not in `live` (finished) get stale numbers."""
        if self.at == self.steps:
            for i in live:
                self.uniform[i].uniform_(generator=self.gens[i])
            self.gumbel = -torch.log(-torch.log(self.uniform.clamp_(1e-20, 1.0 - 1e-7)))
            self.at = 0
        self.at += 1
        return self.gumbel[:, self.at - 1]


def _beam_candidates(cons: Constraints, states: list[State], scores: torch.Tensor, logps: torch.Tensor,
                     width: int) -> list[tuple[float, int, int]]:
    """(score, parent row, token) extensions, best first, at most 2 × width of them."""
    forced, masks = cons.choices(states)
    if forced is not None:  # each hypothesis has one way on: no masking or top-k needed
        rows = torch.arange(len(states))
        taken = torch.tensor(forced)
        step = logps[rows, taken].masked_fill(taken == UNK_ID, 0.0)  # a head the model lacks: not scored
        new = (scores + step).tolist()
        ranked = sorted(range(len(states)), key=lambda r: -new[r])
        return [(new[r], r, forced[r]) for r in ranked if new[r] != float("-inf")]
    bonus = cons.bonuses(states)
    cand = (scores[:, None] + (logps if bonus is None else logps + bonus)).masked_fill_(~masks, float("-inf"))
    # Best few of each row, then the best of those: cheaper than one top-k over every row's vocabulary.
    per_row = min(2 * width, cand.size(1))
    row_scores, row_tokens = torch.topk(cand, per_row, dim=1)
    top_scores, top_pos = torch.topk(row_scores.view(-1), min(2 * width, row_scores.numel()))
    toks = row_tokens.view(-1)[top_pos].tolist()
    return [(score, pos // per_row, tok) for score, pos, tok in zip(top_scores.tolist(), top_pos.tolist(), toks,
                                                                      strict=True) if score != float("-inf")]


DIVERSITY = 1.5  # diverse beam search: nats taken from a token that an earlier group chose at the same step


def _beam(model, vocab, setup, req, logits, hidden, prefix_seen) -> list[Generated]:
    """Beam search of width K; hypotheses are rows of one batch, reordered after each step.

    A hypothesis scores the sum of the model's log-probabilities of its tokens (the constraints
    choose among tokens, they do not renormalise), divided by length ** length_alpha to rank.

    With beam_groups G > 1 this is diverse beam search (Vijayakumar et al., 2018): G groups of width
    ⌈K / G⌉ run side by side, and a group choosing its next tokens pays DIVERSITY for each time an
    earlier group chose the same character at this step, so the groups write different poems. The
    penalty steers the search only: poems are ranked by the model's own scores.
    """
    groups = req.beam_groups
    device = next(model.parameters()).device
    penalize = req.repetition_penalty != 1.0
    search = _BeamSearch(setup.constraints, vocab, req, setup.state)
    if groups > 1:
        hidden = select_state(hidden, torch.zeros(groups, dtype=torch.long, device=device))
        logits = logits.expand(groups, -1)
    steps, report = _max_steps(setup.constraints, req, setup.state), _PROGRESS.get()
    for step in range(steps):
        if report is not None:
            report(step, steps)
        seen = [prefix_seen | {t for t in seq if _penalizable(vocab, t)} for seq in search.tokens] if penalize else []
        logps = torch.log_softmax(_never(_penalize(logits, seen, req.repetition_penalty)), dim=-1)
        step_out = search.extend(logps)
        live = search.keep(step_out)
        if not live:
            break
        parents = torch.tensor([step_out.parents[i] for i in live], dtype=torch.long, device=device)
        last = torch.tensor([step_out.last[i] for i in live], dtype=torch.long, device=device)
        logits, hidden = model.step(last, select_state(hidden, parents))
        logits = logits.float().cpu()
    return _beam_results(vocab, setup, req, search.ranked(), groups)


@dataclass
class _Extensions:
    """The live hypotheses one beam step makes, in order: each one's parent row, state, tokens, score,
    last token and group."""

    parents: list[int] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    tokens: list[list[int]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    last: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)

    def add(self, parent: int, state: State, tokens: list[int], score: float, last: int, group: int) -> None:
        self.parents.append(parent)
        self.states.append(state)
        self.tokens.append(tokens)
        self.scores.append(score)
        self.last.append(last)
        self.groups.append(group)


class _BeamSearch:
    """A beam search's hypotheses between steps (rows of the model's batch), by group, and the poems it
    has finished: (rank, tokens, score, state, group)."""

    def __init__(self, cons: Constraints, vocab: Vocab, req: Request, state: State) -> None:
        self.cons, self.vocab, self.alpha = cons, vocab, req.length_alpha
        self.groups = req.beam_groups
        self.width = -(-req.beam // self.groups)
        self.states = [state] * self.groups
        self.tokens: list[list[int]] = [[] for _ in range(self.groups)]
        self.scores = torch.zeros(self.groups)
        self.group_of = list(range(self.groups))
        self.finished: list[tuple[float, list[int], float, State, int]] = []
        self.stopped = [False] * self.groups

    def extend(self, logps: torch.Tensor) -> _Extensions:
        """Each group's best extensions under `logps` [rows, V]; a group stops once it cannot improve."""
        chosen = torch.zeros(logps.size(1))  # tokens the groups so far took at this step (diversity)
        out = _Extensions()
        for g in range(self.groups):
            rows = [r for r, owner in enumerate(self.group_of) if owner == g]
            if self.stopped[g] or not rows:
                continue
            self._extend_group(g, rows, logps, chosen, out)
            self.stopped[g] = _group_done(self.finished, g, self.width, self.alpha, out.scores, out.tokens,
                                          out.groups)
        return out

    def _extend_group(self, g: int, rows: list[int], logps: torch.Tensor, chosen: torch.Tensor,
                      out: _Extensions) -> None:
        """Group g's candidates, best first: the finished ones to `finished`, up to `width` live ones to `out`."""
        steer = logps[rows] - DIVERSITY * chosen if g else logps[rows]
        candidates = _beam_candidates(self.cons, [self.states[r] for r in rows], self.scores[rows], steer, self.width)
        kept = 0
        for _, sub, tok in candidates:
            parent = rows[sub]
            score = float(self.scores[parent]) + (0.0 if tok == UNK_ID else float(logps[parent, tok]))
            st = self.cons.advance(self.states[parent], tok)
            seq = self.tokens[parent] + ([tok] if tok != EOS_ID else [])
            if st.done:
                length = len(seq) + (1 if tok == EOS_ID else 0)
                self.finished.append((score / max(1, length) ** self.alpha, seq, score, st, g))
                continue
            out.add(parent, st, seq, score, tok, g)
            if _penalizable(self.vocab, tok):
                chosen[tok] += 1
            kept += 1
            if kept == self.width:
                break

    def keep(self, out: _Extensions) -> list[int]:
        """Make the extensions of the groups still searching the hypotheses; their indices in `out` (none:
        the search is over, and the hypotheses stay as they were)."""
        live = [i for i, g in enumerate(out.groups) if not self.stopped[g]]
        if live:
            self.states = [out.states[i] for i in live]
            self.tokens = [out.tokens[i] for i in live]
            self.scores = torch.tensor([out.scores[i] for i in live])
            self.group_of = [out.groups[i] for i in live]
        return live

    def ranked(self) -> list[tuple[float, list[int], float, State, int]]:
        """The finished poems; when the length cap came first, the best unfinished lines instead."""
        if self.finished:
            return self.finished
        return [(s / max(1, len(t)) ** self.alpha, t, s, st, g)
                for s, t, st, g in zip(self.scores.tolist(), self.tokens, self.states, self.group_of, strict=True)]


def _group_done(finished, group: int, width: int, alpha: float, scores, tokens, groups) -> bool:
    """Has a group `width` finished poems, and no live hypothesis that could rank above the width-th?
    With length_alpha 0 this is exact (scores only fall); otherwise it is the usual heuristic."""
    ranks = sorted((f[0] for f in finished if f[4] == group), reverse=True)
    live = [s / (len(t) + 1) ** alpha for s, t, g in zip(scores, tokens, groups, strict=True) if g == group]
    if not live:
        return True
    return len(ranks) >= width and max(live) <= ranks[width - 1]


def _beam_results(vocab, setup, req, finished, groups: int) -> list[Generated]:
    """The finished poems, best first; with several groups, each group's best before any group's second,
    so the first n are as different as the groups made them. Up to `pool` (or n) distinct texts."""
    finished.sort(key=lambda f: -f[0])
    if groups > 1:
        place: dict[int, int] = {}
        order = []
        for f in finished:
            place[f[4]] = place.get(f[4], 0) + 1
            order.append((place[f[4]], -f[0], f))
        finished = [f for _, _, f in sorted(order, key=lambda o: (o[0], o[1]))]
    limit = max(req.n, req.pool)
    results, texts = [], set()
    for norm, seq, _, state, _ in finished:
        gen = _finish(vocab, setup, seq, int(req.settings.seed), norm, req, state)
        if gen.text not in texts:
            texts.add(gen.text)
            results.append(gen)
        if len(results) == limit:
            break
    return results


@torch.no_grad()
def score_texts(model: PoetLM, vocab: Vocab, texts: list[str], language: str | None = None) -> list[float]:
    """The mean log-probability per token the model gives each whole text (<bos>, its tokens in the
    layout the model reads, <eos>), all in one batch: how revisions are ranked, so that what comes
    after a changed character counts too."""
    language = language or vocab.language
    rows = [[BOS_ID] + [vocab.id(t) for t in vocab.tokenize(prepare_prefix(text, language).strip("\n"))] + [EOS_ID]
            for text in texts]
    if not rows:
        return []
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), PAD_ID, dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = torch.tensor(row)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        logits, _ = model(ids[:, :-1].to(device))
    finally:
        model.train(was_training)
    logps = torch.log_softmax(logits.float().cpu(), dim=-1)
    target = ids[:, 1:]
    taken = logps.gather(-1, target.unsqueeze(-1)).squeeze(-1)
    known = (target != PAD_ID) & (target != UNK_ID)  # a character the model lacks is not scored
    return [float(taken[r][known[r]].mean()) if known[r].any() else float("-inf") for r in range(len(rows))]


@torch.no_grad()
def sample(model: PoetLM, vocab: Vocab, prefix: str = "", n: int = 1,
           settings: SampleSettings | None = None) -> list[Generated]:
    """`n` free continuations of `prefix` (a new poem when empty): the trainer's samples, plain CLI use."""
    return generate(model, vocab, Request(prefix=prefix, n=n, settings=settings or SampleSettings(),
                                          spec=Spec(no_repeat_in_line=False)))
