"""One way in for verse: the request a poet makes, and the checked candidates it gets back.

`poetpad generate` and the window's generation worker both build a `SuggestRequest` with
`make_request(...)` and call `suggest(bundle, request)`; both pick the model for the text
with `library.choose_model(request.language(), …)`. Everything between is decided here once:

- the modes: finish the line ("line"), write the next line ("next"), finish the poem
  ("poem"), a new poem ("new") and an acrostic ("acrostic");
- how the options become the engine's decode.Request (form, heads, rhyme, sampling or beam);
- the one validity rule every candidate is judged by (`judge`): the form (line lengths, and
  the line count once the poem is complete), the acrostic heads, the rhyme where the form
  rhymes (on 平, under the chosen rhyme system, no rhyme word twice) and, with strict tones,
  the whole 格律; lines copied from the model's training text are reported too;
- sample, then rerank: a sampling request draws a pool of candidates in one batch (POOL),
  scores each whole poem (rerank.poem_score: the model's log-probability, repetition, stock
  phrases, the 对仗 of a 律诗's middle couplets) and returns the best n that differ in
  substance (no two share more than a quarter of their lines). Beam search is diverse beam
  search, one group per candidate, reranked the same way.

Later features (tones, keywords, revision, English meter) are options of the request and
steps of `suggest`, so both faces get them at once.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields, replace

from poetpad.core.text import FREE, Form, language_of, parse_form
from poetpad.errors import DecodeError

MODES = ("line", "next", "poem", "new", "acrostic")
TONE_MODES = ("off", "basic", "strict")
POOL = 16                  # sampled candidates per request, at least (4 per candidate asked for, up to MAX_POOL)
MAX_POOL = 32
MAX_SHARED_LINES = 0.25    # two candidates may share at most this share of their lines
REPETITION_PENALTY = 1.1   # the default CTRL-style penalty on characters and words already in the poem
NEW_POEM_MODES = frozenset({"new", "acrostic"})  # the text before the cursor is not continued
MAX_SEED = 2**31 - 1


@dataclass
class SuggestRequest:
    """What to write and how to choose it. Build one with make_request()."""

    prefix: str = ""                 # the poem the cursor is in, up to the cursor
    mode: str = "poem"               # line, next, poem, new or acrostic (see MODES)
    form: str | None = None          # 5x4, 7x4, 5x8, 7x8, free, free:N; None: from the prefix or the heads
    heads: str = ""                  # acrostic heads, one per line (whitespace is ignored)
    rhyme: bool = True               # rhyme where the form rhymes (绝句 and 律诗); free verse never does
    rhyme_group: str | None = None   # fix the rhyme group, e.g. 十唐
    rhyme_first_line: bool = False   # line 1 rhymes too
    allow_repeat: bool = False       # allow a character twice in a line or a poem, a bigram twice
    rhyme_system: str = "pingshui"   # pingshui (平水韵), xinyun (中华新韵) or tongyun (中华通韵)
    tones: str | None = None         # off, basic or strict; None: basic for 绝句 and 律诗, else off
    beam: int = 0                    # 0: sample; K ≥ 1: beam search of width K
    n: int = 1                       # how many candidates
    temperature: float = 0.8
    top_k: int = 40                  # 0: off
    top_p: float = 0.95
    repetition_penalty: float = REPETITION_PENALTY
    max_tokens: int = 200
    seed: int | None = None          # None: a fresh random seed, reported with each candidate

    @property
    def new_poem(self) -> bool:
        return self.mode in NEW_POEM_MODES

    @property
    def clean_heads(self) -> str:
        return "".join(self.heads.split())

    def language(self) -> str | None:
        """The language the request is in, for choosing the model: the heads' when there are heads,
        else the text's (for a new poem, the text around the cursor still tells); None when neither
        tells (an empty document)."""
        return language_of(self.clean_heads) or language_of(self.prefix)

    def validate(self) -> None:
        """Raise DecodeError, one sentence, for a request no model could serve."""
        if self.mode not in MODES:
            raise DecodeError(f"Unknown mode '{self.mode}'; use one of: {', '.join(MODES)}.")
        if self.mode == "acrostic" and not self.clean_heads:
            raise DecodeError("An acrostic needs its heads: type the first character of each line.")
        parse_form(self.form)
        from poetpad.core.prosody_zh import check_system

        check_system(self.rhyme_system)
        if self.tones is not None and self.tones not in TONE_MODES:
            raise DecodeError(f"Unknown tone strictness '{self.tones}'; use one of: {', '.join(TONE_MODES)}.")
        if self.seed is not None and not 0 <= self.seed <= MAX_SEED:
            raise DecodeError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
        self.engine_request().validate()

    @property
    def tone_mode(self) -> str:
        """The tone strictness in force: as asked, or basic unless the form is free verse."""
        if self.tones is not None:
            return self.tones
        form = parse_form(self.form)
        return "basic" if form is None or form.fixed else "off"

    @property
    def pool(self) -> int:
        """How many candidates to draw for the n asked for."""
        return min(MAX_POOL, max(POOL, 4 * self.n))

    def engine_request(self, pooled: bool = False):
        """The decode.Request for this request (imports the engine). `pooled`: draw the rerank pool
        (sampling) or run diverse beam search (beam) instead of exactly n poems."""
        from poetpad.core.decode import Request, SampleSettings
        from poetpad.core.forms import Spec

        form = parse_form(self.form)
        rhyme = self.rhyme and (form is None or form.fixed)
        spec = Spec(form=form, heads=self.clean_heads, rhyme=rhyme, rhyme_group=self.rhyme_group or None,
                    rhyme_first_line=self.rhyme_first_line, no_repeat_in_line=not self.allow_repeat,
                    no_repeat_in_poem=not self.allow_repeat, rhyme_system=self.rhyme_system, tones=self.tone_mode)
        # A pool's rows draw from generators seeded seed, seed + 1, …: spread the request's seed so that the
        # pools of neighbouring seeds (a re-roll, a benchmark's seed + i) share no generator.
        seed = (self.seed if self.seed is not None else 0) * MAX_POOL
        settings = SampleSettings(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p,
                                  max_tokens=self.max_tokens, seed=seed)
        n, groups, pool = self.n, 1, 0
        if pooled and self.beam:
            groups, pool = min(self.n, self.beam), 4 * self.n
        elif pooled:
            n = max(self.n, self.pool)
        return Request(prefix="" if self.new_poem else self.prefix, mode="poem" if self.new_poem else self.mode,
                       spec=spec, beam=self.beam, n=n, settings=settings,
                       repetition_penalty=self.repetition_penalty, beam_groups=groups, pool=pool)


_FIELDS = frozenset(f.name for f in fields(SuggestRequest))


def make_request(**options) -> SuggestRequest:
    """The request for `options` (SuggestRequest's fields; None means the default).

    The CLI passes its arguments and the window its panel's values, so both get the same
    defaults. It imports nothing heavy, so the window can build a request on its own thread;
    `validate()` (which `suggest` calls first) gives the one-sentence errors."""
    unknown = sorted(set(options) - _FIELDS)
    if unknown:
        raise TypeError(f"unknown suggestion option(s): {', '.join(unknown)}")
    return SuggestRequest(**{key: value for key, value in options.items() if value is not None})


@dataclass
class Suggestion:
    """One checked candidate."""

    text: str                        # the whole poem, the prefix included
    continuation: str                # what goes in at the cursor (for a new poem: the poem)
    score: float                     # mean log-probability per generated token (higher is likelier)
    seed: int                        # the request's seed: the same request with it writes the same suggestions
    model: str                       # the model that wrote it
    valid: bool                      # keeps the form, the heads and the rhyme (see judge)
    problems: list[str] = field(default_factory=list)
    form: str = FREE                 # the form detected in the text
    rhymes: list[bool] = field(default_factory=list)
    rhyme_group: str | None = None
    copied_lines: list[int] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)   # 格律 faults under the rhyme system (kind, line, pos, message)
    notes: list[str] = field(default_factory=list)     # where the constraints gave way (a relaxed tone position)
    rank: float = 0.0                                   # the whole-poem rerank score (higher is better)

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]

    def to_dict(self) -> dict:
        return asdict(self) | {"lines": self.lines, "score": round(self.score, 5)}


@dataclass
class Judgement:
    valid: bool
    check: object  # verse.PoemCheck


TONE_FAULTS = frozenset({"孤平", "三平尾", "失粘", "失对", "平仄"})


def judge(text: str, request: SuggestRequest, form: Form | None, complete: bool, fingerprint=None,
          relaxed: tuple[tuple[int, int], ...] = ()) -> Judgement:
    """The one validity rule for a candidate: it keeps the form's line length (and, once the poem is
    complete, its line count), the acrostic heads of the lines it has, the rhyme where the form rhymes
    and rhyme was asked for (one group, on 平, no rhyme word twice, under the request's rhyme system),
    and with strict tones the 格律 (no 孤平, 三平尾, 失粘, 失对 or off-pattern key position), except
    at the positions the decoder had to relax. Copied lines are reported, not counted against it."""
    from poetpad.core.verse import check_poem, split_lines

    heads = request.clean_heads
    if form is not None and not complete:
        form = Form(form.name, form.chars, None)  # a continuation: the lines so far
        heads = heads[: len(split_lines(text))]
    check = check_poem(text, form=form, heads=heads or None, fingerprint=fingerprint,
                       rhyme_first_line=request.rhyme_first_line, system=request.rhyme_system)
    rhymed = request.engine_request().spec.rhyme
    valid = check.valid and check.acrostic_ok is not False and (check.rhyme_ok or not rhymed)
    if valid and request.tone_mode == "strict" and form is not None and form.fixed:
        valid = not any(f["kind"] in TONE_FAULTS and (f["line"], f["pos"]) not in relaxed for f in check.faults)
    return Judgement(valid, check)


def draw_seed(request: SuggestRequest) -> SuggestRequest:
    """The request with a fresh random seed when it has none (the seed is reported, so a poem can be
    written again)."""
    if request.seed is not None:
        return request
    return replace(request, seed=random.SystemRandom().randrange(1, MAX_SEED))


def suggest(bundle, request: SuggestRequest, model_name: str | None = None) -> list[Suggestion]:
    """Checked candidates for `request` from a loaded model (modelfile.ModelBundle), best first: a pool
    drawn in one batch (or by diverse beam search), each poem scored whole (rerank.poem_score) and
    judged by the one validity rule, and the best n that differ in substance returned."""
    from poetpad.core import rerank
    from poetpad.core.decode import generate

    request.validate()
    request = draw_seed(request)
    engine = request.engine_request(pooled=True)
    outputs = generate(bundle.model, bundle.vocab, engine)
    name = model_name or (bundle.path.stem if bundle.path is not None else "")
    fingerprint = bundle.fingerprint()
    complete = engine.mode == "poem"
    couplets = _couplets(outputs[0].form) if outputs else ()
    judged = []
    for gen in outputs:
        verdict = judge(gen.text, request, gen.form, complete, fingerprint, gen.relaxed)
        check = verdict.check
        lines = gen.text.split("\n")
        rank = rerank.poem_score([line for line in lines if line.strip()], float(gen.score),
                                 couplets=couplets if complete else ())
        judged.append(Suggestion(
            text=gen.text, continuation=gen.continuation if engine.prefix else gen.text, score=float(gen.score),
            seed=int(request.seed), model=name, valid=verdict.valid, problems=list(check.problems), form=check.form,
            rhymes=list(check.rhymes), rhyme_group=check.rhyme_group, copied_lines=list(check.copied_lines),
            faults=list(check.faults), notes=list(gen.notes), rank=rank))
    # Valid poems first, then the best whole-poem scores; then no two that share much.
    judged.sort(key=lambda s: (not s.valid, -s.rank))
    return rerank.pick_distinct(judged, request.n, lambda s: s.continuation.split("\n"), MAX_SHARED_LINES)


def _couplets(form: Form | None) -> tuple[tuple[int, int], ...]:
    """The couplets whose 对仗 counts in the rerank: a 律诗's 颔联 and 颈联."""
    if form is not None and form.fixed and form.lines == 8:
        return ((2, 3), (4, 5))
    return ()

