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

import math
import random
import re
from dataclasses import asdict, dataclass, field, fields, replace

from poetpad.core.plan import first_line_forms as _first_line_forms
from poetpad.core.prosody_zh import DEFAULT_RHYME_SYSTEM
from poetpad.core.request_options import CONTINUING_MODES, MAX_SEED, NEW_POEM_MODES, REQUEST_OPTIONS, default
from poetpad.core.text import FREE, LINE_LENGTHS, Form, fixed_form, is_cjk, language_of, parse_form, with_meter
from poetpad.errors import DecodeError

POOL = 16                  # sampled candidates per request, at least (4 per candidate asked for, up to MAX_POOL)
ENGLISH_POOL = 8           # for English forms longer than a quatrain
MAX_POOL = 32
ENOUGH_SHARE = 0.75        # a pool is done when this share of it is (the rows still writing are left out)
MAX_SHARED_LINES = 0.25    # two candidates may share at most this share of their lines
FREE_MARK = "□"  # a position of a rewrite template that the model fills
_KEYWORD_SPLIT_RE = re.compile(r"[\s,，、;；/]+")


@dataclass
class SuggestRequest:
    """What to write and how to choose it. Build one with make_request(). The options' defaults and
    ranges are declared once, in request_options.REQUEST_OPTIONS."""

    prefix: str = default("prefix")  # the poem the cursor is in, up to the cursor
    mode: str = default("mode")      # line, next, poem, new, acrostic or rewrite (see request_options.MODES)
    form: str | None = default("form")  # 5x4, 7x4, 5x8, 7x8, free, free:N; None: from the prefix or the heads
    heads: str = default("heads")    # acrostic heads, one per line (whitespace is ignored)
    keywords: str = default("keywords")  # words every candidate contains: "雁,霜" (one to four, of 1–2 hanzi)
    template: str = ""               # rewrite: the poem with □ where the model writes (locks, revision)
    at: tuple[int, int] | None = None  # revise: (line, column) from 1 of the character to replace; column 0: the line
    syllables: int | None = default("syllables")  # English: every line's syllables (one more: a feminine ending)
    rhyme_scheme: str = default("rhyme_scheme")  # English: one letter a line (ABAB…; x: unrhymed), over the form's
    rhyme: bool = default("rhyme")   # rhyme where the form rhymes (绝句 and 律诗); free verse never does
    rhyme_group: str | None = default("rhyme_group")  # fix the rhyme group, e.g. 十唐
    rhyme_first_line: bool = default("rhyme_first_line")  # line 1 rhymes too
    allow_repeat: bool = default("allow_repeat")  # a character twice in a line or a poem, a bigram twice
    rhyme_system: str = default("rhyme_system")  # pingshui (平水韵), xinyun (中华新韵) or tongyun (中华通韵)
    tones: str | None = default("tones")  # off, basic or strict; None: basic for 绝句 and 律诗, else off
    beam: int = default("beam")      # 0: sample; K ≥ 1: beam search of width K
    n: int = default("n")            # how many candidates
    temperature: float = default("temperature")
    top_k: int = default("top_k")    # 0: off
    top_p: float = default("top_p")
    repetition_penalty: float = default("repetition_penalty")  # CTRL-style, on characters and words in the poem
    max_tokens: int = default("max_tokens")
    seed: int | None = default("seed")  # None: a fresh random seed, reported with each candidate

    @property
    def new_poem(self) -> bool:
        return self.mode in NEW_POEM_MODES

    @property
    def clean_heads(self) -> str:
        return "".join(self.heads.split())

    @property
    def keyword_list(self) -> tuple[str, ...]:
        return tuple(w for w in _KEYWORD_SPLIT_RE.split(self.keywords.strip()) if w)

    def template_layout(self) -> tuple[Form, tuple[tuple[int, int, str], ...]]:
        """The rewrite template's form and its given characters (line, position, hanzi)."""
        from poetpad.core.text import split_lines

        rows = [[ch for ch in line if ch == FREE_MARK or is_cjk(ch)] for line in split_lines(self.template)]
        sizes = {len(row) for row in rows}
        if not rows or len(sizes) != 1 or sizes.pop() not in LINE_LENGTHS:
            raise DecodeError("A rewrite needs a poem of five- or seven-character lines, with □ where PoetPad "
                              "may write.")
        fixed = tuple((i, j, ch) for i, row in enumerate(rows) for j, ch in enumerate(row) if ch != FREE_MARK)
        if len(fixed) == sum(map(len, rows)):
            raise DecodeError("Nothing to rewrite: every character is locked.")
        return fixed_form(len(rows[0]), len(rows)), fixed

    def language(self) -> str | None:
        """The language the request is in, for choosing the model: the heads' when there are heads,
        else the text's (for a new poem, the text around the cursor still tells); None when neither
        tells (an empty document)."""
        return language_of(self.clean_heads) or language_of(self.template) or language_of(self.keywords) \
            or language_of(self.prefix)

    def validate(self) -> None:
        """Raise DecodeError, one sentence, for a request no model could serve."""
        for option in REQUEST_OPTIONS.values():
            problem = option.problem(getattr(self, option.name))
            if problem:
                raise DecodeError(problem)
        if self.mode == "acrostic" and not self.clean_heads:
            raise DecodeError("An acrostic needs its heads: type the first character of each line.")
        if self.mode == "rewrite":
            self.template_layout()
        if self.mode == "revise" and (self.at is None or len(self.at) != 2):
            raise DecodeError("A revision needs the place: a line and a column (column 0 for the whole line).")
        self.form_value()
        if self.mode == "revise":
            poem_rows(self.prefix)  # the revision itself builds and checks its rewrite request
            return
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
        """How many candidates to draw for the n asked for (fewer for long English forms, written letter by
        letter: a sonnet is some 600 steps)."""
        form = self.form_value()
        if form is not None and form.metered and (form.lines or 14) > 4:
            return min(MAX_POOL, max(ENGLISH_POOL, 2 * self.n))
        return min(MAX_POOL, max(POOL, 4 * self.n))

    def form_value(self) -> Form | None:
        """The form asked for, with the English meter and scheme options applied."""
        form = parse_form(self.form)
        if form is not None and (self.syllables is not None or self.rhyme_scheme):
            if form.fixed:
                raise DecodeError("Syllables and rhyme schemes are for English forms; Chinese forms count characters.")
            from dataclasses import replace as _replace

            if not form.metered:  # free verse given a meter: pentameter-like lines of that many syllables
                form = _replace(form, syllables=(10, 11))
            form = with_meter(form, self.syllables, self.rhyme_scheme or None)
        return form

    def engine_request(self, pooled: bool = False):
        """The decode.Request for this request (imports the engine). `pooled`: draw the rerank pool
        (sampling) or run diverse beam search (beam) instead of exactly n poems."""
        from poetpad.core.decode import Request, SampleSettings
        from poetpad.core.forms import Spec

        form, fixed = self.form_value(), ()
        if self.mode == "rewrite":
            form, fixed = self.template_layout()
        rhyme = self.rhyme and (form is None or form.fixed)
        spec = Spec(form=form, heads=self.clean_heads, rhyme=rhyme, rhyme_group=self.rhyme_group or None,
                    fixed=fixed, keywords=self.keyword_list,
                    rhyme_first_line=self.rhyme_first_line, no_repeat_in_line=not self.allow_repeat,
                    no_repeat_in_poem=not self.allow_repeat, rhyme_system=self.rhyme_system, tones=self.tone_mode)
        # A pool's rows draw from generators seeded seed, seed + 1, …: spread the request's seed so that the
        # pools of neighbouring seeds (a re-roll, a benchmark's seed + i) share no generator.
        seed = (self.seed if self.seed is not None else 0) * MAX_POOL
        settings = SampleSettings(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p,
                                  max_tokens=self.max_tokens, seed=seed)
        n, groups, pool, enough = self.n, 1, 0, 0
        if pooled and self.beam:
            groups, pool = min(self.n, self.beam), 4 * self.n
        elif pooled:
            n = max(self.n, self.pool)
            enough = max(self.n, math.ceil(ENOUGH_SHARE * n))
        return Request(prefix="" if self.new_poem else self.prefix, mode="poem" if self.new_poem else self.mode,
                       spec=spec, beam=self.beam, n=n, settings=settings,
                       repetition_penalty=self.repetition_penalty, beam_groups=groups, pool=pool, enough=enough)


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


def judge(text: str, request: SuggestRequest, form: Form | None, complete: bool, fingerprint=None,
          relaxed: tuple[tuple[int, int], ...] = ()) -> Judgement:
    """The one verdict (verse.check_poem's `ok`) on a candidate, by the request's rules: its form (the
    line count once the poem is `complete`), the acrostic heads of the lines it has, the rhyme where
    the form rhymes and rhyme was asked for, the keywords, an English form's meter and, with strict
    tones, the 格律 except at the positions the decoder had to relax. Copied lines are reported only."""
    from poetpad.core.verse import check_poem

    check = check_poem(text, form=form, heads="" if request.mode == "rewrite" else request.clean_heads,
                       fingerprint=fingerprint, rhyme_first_line=request.rhyme_first_line,
                       system=request.rhyme_system, keywords=request.keyword_list,
                       rhyme=request.engine_request().spec.rhyme, tone_mode=request.tone_mode,
                       complete=complete, relaxed=relaxed)
    return Judgement(check.ok, check)


def draw_seed(request: SuggestRequest) -> SuggestRequest:
    """The request with a fresh random seed when it has none (the seed is reported, so a poem can be
    written again)."""
    if request.seed is not None:
        return request
    return replace(request, seed=random.SystemRandom().randrange(1, MAX_SEED))


def suggest(bundle, request: SuggestRequest, model_name: str | None = None) -> list[Suggestion]:
    """Checked candidates for `request` from a loaded model (modelfile.ModelBundle), best first: a pool
    drawn in one batch (or by diverse beam search), each poem scored whole (rerank.poem_score) and
    judged by the one validity rule, and the best n that differ in substance returned. A 'revise'
    request (the poem as prefix, `at` the place) returns the alternatives of revise_char or
    revise_line as suggestions: the whole poem in `text`, the new character or line in `continuation`."""
    from poetpad.core import rerank

    request.validate()
    if request.mode == "revise":
        return _revisions_as_suggestions(bundle, request, model_name)
    request = draw_seed(request)
    forms = first_line_forms(request)
    if not forms:
        return rerank.pick_distinct(_judged_pool(bundle, request, model_name), request.n,
                                    lambda s: s.continuation.split("\n"), MAX_SHARED_LINES)
    # The poem's first line is still being written and no form was given: write it as a 五言 and as a
    # 七言 line, each poem under its form's rules (rhyme, tones, no repeats); the best of each length
    # first, so that several candidates offer both, then the rest by their whole-poem score.
    pools = [_judged_pool(bundle, replace(request, form=form), model_name) for form in forms]
    merged = sorted((s for pool in pools for s in pool), key=lambda s: (not s.valid, -s.rank))
    leaders = sorted((pool[0] for pool in pools if pool), key=lambda s: (not s.valid, -s.rank))
    ordered = leaders + [s for s in merged if all(s is not lead for lead in leaders)]
    return rerank.pick_distinct(ordered, request.n, lambda s: s.continuation.split("\n"), MAX_SHARED_LINES)


def first_line_forms(request: SuggestRequest) -> list[str]:
    """The forms a Chinese poem may take when no form was given and its first line is still being
    written, no acrostic (plan.first_line_forms: 5x4 and 7x4, those the line still fits). Empty when
    the form is known or follows from the text (plan.infer_form)."""
    if request.form is not None or request.mode not in CONTINUING_MODES or request.clean_heads:
        return []
    return _first_line_forms(request.prefix)


def _judged_pool(bundle, request: SuggestRequest, model_name: str | None) -> list[Suggestion]:
    """Every poem of the request's pool judged and scored, valid ones first, best first, each text once."""
    from poetpad.core import rerank
    from poetpad.core.decode import generate

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
        verse_lines = [line for line in lines if line.strip()]
        rank = rerank.poem_score(verse_lines, float(gen.score), couplets=couplets if complete else ())
        if gen.form is not None and gen.form.metered:
            rank += rerank.W_METER * rerank.meter_score(verse_lines)
            if bundle.vocab.kind == "char":  # a token a character: the log-probabilities are the characters'
                # None (nothing answers a rhyme: blank verse, or a line that opens one) holds for the whole pool
                rhyme_words = rerank.rhyme_word_logp(gen.text, gen.continuation, gen.token_logps, gen.form.letter)
                rank += rerank.W_RHYME_WORDS * (rhyme_words or 0.0)
        judged.append(Suggestion(
            text=gen.text, continuation=gen.continuation if engine.prefix else gen.text, score=float(gen.score),
            seed=int(request.seed), model=name, valid=verdict.valid, problems=list(check.problems), form=check.form,
            rhymes=list(check.rhymes), rhyme_group=check.rhyme_group, copied_lines=list(check.copied_lines),
            faults=list(check.faults), notes=list(gen.notes), rank=rank))
    # Valid poems first, then the best whole-poem scores; then no two that share much.
    judged.sort(key=lambda s: (not s.valid, -s.rank))
    seen: set[str] = set()
    return [s for s in judged if not (s.text in seen or seen.add(s.text))]  # each poem once, at its best


def _couplets(form: Form | None) -> tuple[tuple[int, int], ...]:
    """The couplets whose 对仗 counts in the rerank: a 律诗's 颔联 and 颈联."""
    if form is not None and form.fixed and form.lines == 8:
        return ((2, 3), (4, 5))
    return ()



# --------------------------------------------------------------------------- revision


@dataclass
class Revision:
    text: str                        # the whole poem, one clause a line
    score: float                     # the model's mean log-probability per token of the whole poem
    char: str = ""                   # a one-character revision: the new character
    line: str = ""                   # a line revision: the new line
    valid: bool = True
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {"text": self.text, "score": round(self.score, 5)}
        if self.char:
            out["char"] = self.char
        if self.line:
            out["line"] = self.line
        return out | {"valid": self.valid, "problems": self.problems}


@dataclass
class Revisions:
    original: Revision
    alternatives: list[Revision]     # best first

    def to_dict(self) -> dict:
        return {"original": {"text": self.original.text, "score": round(self.original.score, 5)},
                "alternatives": [a.to_dict() for a in self.alternatives]}


def poem_rows(text: str) -> list[str]:
    """The poem's lines (one clause each, with its punctuation) when every line holds the same number
    (five or seven) of hanzi and nothing else; else DecodeError."""
    from poetpad.core.text import split_lines

    lines = split_lines(text)
    sizes = {sum(map(is_cjk, line)) for line in lines}
    if not lines or len(sizes) != 1 or sizes.pop() not in LINE_LENGTHS \
            or any(sum(ch.isalnum() for ch in line) != sum(map(is_cjk, line)) for line in lines):
        raise DecodeError("This is not a poem of five- or seven-character lines, so it cannot be revised.")
    return lines


def _place(rows: list[str], line: int, col: int) -> tuple[int, int]:
    """0-based (line, position) for 1-based LINE:COL, or DecodeError saying what is wrong."""
    if not 1 <= line <= len(rows):
        raise DecodeError(f"The poem has {len(rows)} line{'s' if len(rows) != 1 else ''}; there is no line {line}.")
    chars = sum(map(is_cjk, rows[line - 1]))
    if col < 1:
        raise DecodeError("Columns count from 1, the line's first character.")
    if col > chars:
        raise DecodeError(f"Line {line} has {chars} characters; column {col} is its punctuation or past its end.")
    return line - 1, col - 1


def _with(rows: list[str], line: int, replacement) -> list[str]:
    out = list(rows)
    out[line] = replacement(rows[line])
    return out


def first_line_rhymes(text: str, system: str = DEFAULT_RHYME_SYSTEM) -> bool:
    """Does the poem's first line rhyme with its even lines (首句入韵)? A revision keeps it so."""
    from poetpad.core.verse import check_poem

    check = check_poem(text, system=system)
    return bool(check.rhymes[:1] == [True] and check.rhyme_group)


def _request_for(rows: list[str], original: list[str], options: dict) -> SuggestRequest:
    """A rewrite of the template `rows`; line 1 rhymes when it does in the original poem."""
    options = {k: v for k, v in options.items() if k not in ("prefix", "mode", "template")}
    if options.get("tones") is None:  # the tone each place needs: the strict template the rest of the poem fits
        options["tones"] = "strict"
    if "rhyme_first_line" not in options:
        options["rhyme_first_line"] = first_line_rhymes("\n".join(original),
                                                        options.get("rhyme_system") or DEFAULT_RHYME_SYSTEM)
    return make_request(**options, mode="rewrite", template="\n".join(rows))


def revise_char(bundle, text: str, line: int, col: int, n: int = 8, **options) -> Revisions:
    """The best `n` poems that differ from `text` at LINE:COL only (both from 1, over the poem's lines
    and their characters). The new character keeps the form, the tone its place needs and the rhyme
    when it is a rhyme position (under the options' tones and rhyme system, as in suggest), and is not
    one the poem already uses. The model proposes the likeliest characters for the place; each
    candidate poem is then scored whole, in one batch, so the characters after it count too."""
    import torch

    from poetpad.core.decode import prepare_prefix, score_texts
    from poetpad.core.forms import Constraints
    from poetpad.core.vocab import BOS_ID

    rows = poem_rows(text)
    at_line, at_pos = _place(rows, line, col)
    hanzi_at = [i for i, ch in enumerate(rows[at_line]) if is_cjk(ch)]
    index = hanzi_at[at_pos]
    original_char = rows[at_line][index]
    template = _with(rows, at_line, lambda row: row[:index] + FREE_MARK + row[index + 1:])
    request = _request_for(template, rows, options)
    request.validate()
    engine = request.engine_request()
    vocab, model = bundle.vocab, bundle.model
    constraints = Constraints(vocab, engine.spec, "zh")
    state = constraints.initial()
    before = "\n".join(rows[:at_line] + [rows[at_line][:index]])
    for tok in vocab.tokenize(prepare_prefix(before, "zh")):
        state = constraints.advance(state, tok)
    allowed = constraints.allowed(state)
    allowed[vocab.id(original_char)] = False
    with torch.no_grad():
        device = next(model.parameters()).device
        ids = [BOS_ID] + [vocab.id(t) for t in vocab.tokenize(prepare_prefix(before, "zh"))]
        logits, _ = model(torch.tensor([ids], device=device))
        logps = torch.log_softmax(logits[0, -1].float().cpu(), dim=-1)
    logps = logps.masked_fill(~allowed, float("-inf"))
    proposals = int(min(int(allowed.sum()), max(4 * n, 24)))
    picks = [int(i) for i in torch.topk(logps, proposals).indices if logps[int(i)] > float("-inf")] if proposals else []
    chars = [vocab.tokens[i] for i in picks]
    poems = ["\n".join(_with(rows, at_line, lambda row, c=c: row[:index] + c + row[index + 1:])) for c in chars]
    original_text = "\n".join(rows)
    scores = score_texts(model, vocab, [original_text, *poems], "zh")
    ranked = sorted(zip(scores[1:], chars, poems, strict=True), key=lambda t: -t[0])[:n]
    fingerprint = bundle.fingerprint()
    alternatives = []
    for score, ch, poem in ranked:
        verdict = judge(poem, request, engine.spec.form, True, fingerprint)
        alternatives.append(Revision(poem, score, char=ch, valid=verdict.valid, problems=list(verdict.check.problems)))
    return Revisions(Revision(original_text, scores[0], char=original_char), alternatives)


def revise_line(bundle, text: str, line: int, n: int = 4, **options) -> Revisions:
    """The best `n` rewrites of line LINE (from 1) of `text`, given the lines before and after it: the
    same length, rhyme and tones (as in suggest), the other lines unchanged. Candidates are drawn as a
    rewrite with every other character locked, and ranked by the model's score of the whole poem."""
    from poetpad.core.decode import score_texts

    rows = poem_rows(text)
    at_line, _ = _place(rows, line, 1)
    template = _with(rows, at_line, lambda row: "".join(FREE_MARK if is_cjk(ch) else ch for ch in row))
    request = _request_for(template, rows, options | {"n": max(n, 1)})
    original_text = "\n".join(rows)
    found = [s for s in suggest(bundle, request) if s.text.split("\n")[at_line] != rows[at_line]]
    scores = score_texts(bundle.model, bundle.vocab, [original_text, *(s.text for s in found)], "zh")
    ranked = sorted(zip(scores[1:], found, strict=True), key=lambda t: -t[0])[:n]
    alternatives = [Revision(s.text, score, line=s.text.split("\n")[at_line], valid=s.valid, problems=s.problems)
                    for score, s in ranked]
    return Revisions(Revision(original_text, scores[0], line=rows[at_line]), alternatives)


def _revisions_as_suggestions(bundle, request: SuggestRequest, model_name: str | None) -> list[Suggestion]:
    line, col = request.at
    options = {"rhyme_system": request.rhyme_system, "tones": request.tones, "seed": draw_seed(request).seed}
    if col:
        found = revise_char(bundle, request.prefix, line, col, n=request.n, **options)
    else:
        found = revise_line(bundle, request.prefix, line, n=request.n, **options)
    name = model_name or (bundle.path.stem if bundle.path is not None else "")
    return [Suggestion(text=alt.text, continuation=alt.char or alt.line, score=alt.score, seed=options["seed"],
                       model=name, valid=alt.valid, problems=list(alt.problems), rank=alt.score)
            for alt in found.alternatives]
