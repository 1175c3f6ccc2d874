"""English meter and rhyme while decoding: syllable budgets, rhyme schemes, prefixes kept, on untrained models."""

from __future__ import annotations

import pytest
import torch

from poetpad.core.meter import NO_LINE_END, Need, lexicon
from poetpad.core.modelfile import ModelBundle
from poetpad.core.prosody_en import rhymes, scan_line
from poetpad.core.suggest import make_request, suggest
from poetpad.core.text import ENGLISH_FORMS, parse_form, with_meter
from poetpad.errors import DecodeError

TEXT = ["Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:",
        "The quick brown fox jumps over the lazy dog; now, then: why? yes! 'tis well.\n"
        "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date."]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def bundle():
    from poetpad.core.model import ModelConfig, PoetLM
    from poetpad.core.vocab import Vocab

    vocab = Vocab.build(TEXT + ["abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    torch.manual_seed(0)
    model = PoetLM(ModelConfig(len(vocab), embedding=16, hidden=32, layers=1, dropout=0.0)).eval()
    return ModelBundle(config=model.config, vocab=vocab, meta={"language": "en"}, model=model)


def test_the_english_forms():
    sonnet = parse_form("sonnet")
    assert (sonnet.lines, sonnet.scheme, sonnet.budget(3)) == (14, "ABABCDCDEFEFGG", (10, 11))
    assert parse_form("couplets:6").scheme == "AABBCC" and parse_form("blank:3").lines == 3
    limerick = ENGLISH_FORMS["limerick"]
    assert [limerick.budget(i) for i in range(5)] == [(8, 9), (8, 9), (5, 6), (5, 6), (8, 9)]
    assert with_meter(parse_form("quatrain"), 8, "AABB").budget(0) == (8, 9)
    with pytest.raises(DecodeError, match="couplets:N"):
        parse_form("couplets:3")
    with pytest.raises(DecodeError, match="4 lines"):
        with_meter(parse_form("quatrain"), scheme="ABA")


def test_the_lexicon_answers_for_prefixes_and_whole_words():
    lex = lexicon()
    assert lex.fits("compa", Need(left=3)) == (True, False) or lex.fits("compa", Need(left=3))[0]
    assert lex.fits("compare", Need(left=2), whole=True) == (False, True)  # two syllables end a line needing two
    assert lex.fits("day", Need(left=1, rhyme=("EY",), not_words=("day",)), whole=True) == (False, False)
    assert lex.fits("may", Need(left=1, rhyme=("EY",), not_words=("day",)), whole=True)[1]
    assert not lex.fits("and", Need(left=1), whole=True)[1]  # no line ends on "and"
    assert "and" in NO_LINE_END


@pytest.mark.parametrize("need", [Need(left=10), Need(left=3, extra=1), Need(left=1, extra=1),
                                  Need(left=2, rhyme=("EY",), not_words=("day",)), Need(left=1, rhyme=()),
                                  Need(left=9, extra=1, extra_free=True, rhyme=("AY T",)),
                                  Need(left=1, rhyme=(), avoid=("EY",), not_words=("day",)),  # no "say", "bright"
                                  Need(left=1, rhyme=(), avoid=("AY T",), not_words=("night",)),
                                  Need(left=2, extra=1, rhyme=(), not_words=("love", "above"))])
@pytest.mark.parametrize("prefix", ["", "s", "th", "compa", "day", "lov", "o'", "zzq", "sa", "bri"])
def test_next_chars_are_the_letters_that_fit_one_at_a_time(prefix, need):
    lex = lexicon()
    one_at_a_time = "".join(ch for ch in "abcdefghijklmnopqrstuvwxyz'" if any(lex.fits(prefix + ch, need)))
    assert sorted(lex.next_chars(prefix, need)) == sorted(one_at_a_time)


def test_a_word_leaves_room_for_a_rhyme_only_long_words_make():
    # Every word that rhymes on "-ition" has three syllables or more: with three left, a one-syllable word
    # would leave two, which no rhyme word fills, so the line must end on one now; with four left, it may.
    lex = lexicon()
    three = Need(left=3, rhyme=("IH SH AH N",), not_words=("ambition",))
    four = Need(left=4, rhyme=("IH SH AH N",), not_words=("ambition",))
    assert lex.fits("the", three, whole=True) == (False, False)
    assert lex.fits("the", four, whole=True) == (True, False)
    assert lex.fits("addition", three, whole=True) == (False, True)
    assert lex.next_chars("th", three) == "" and "e" in lex.next_chars("th", four)
    assert set(lex.next_chars("", three)) <= set("abcdefghijklmnopqrstuvwxyz") - set("t")  # no "the"


@pytest.mark.parametrize("form", ["sonnet", "quatrain", "limerick", "couplets:4"])
def test_a_metered_line_never_reaches_a_dead_end(bundle, form):
    # Walk the constraints with random choices among the tokens they allow: a prefix the lexicon let
    # through must always lead to a word that fits. A line once ended on "and", which no line may end
    # on, because the prefix "and" promised words that the whole-word check then refused; and a word
    # could leave one syllable where the rhyme had only longer words ("lullaby").
    import random

    from poetpad.core.forms import Constraints, Spec

    vocab = bundle.vocab
    for seed in range(8):
        rng = random.Random(seed)
        cons = Constraints(vocab, Spec(form=parse_form(form)), "en")
        state = cons.feed_prefix([])
        for _ in range(3000):
            if state.done:
                break
            forced, masks = cons.choices([state])
            state = cons.advance(state, forced[0] if masks is None else rng.choice(masks[0].nonzero()[:, 0].tolist()))
        assert state.done and cons.dead_ends == 0, (seed, state)


def test_inside_a_metered_line_a_capital_begins_a_word_only_after_a_full_stop(bundle):
    # Random choices among the allowed tokens take a capital wherever one is allowed: inside a line that
    # is after . ! ? or : (and for I and O), never inside a word.
    import random
    import re

    from poetpad.core.forms import Constraints, Spec
    from poetpad.core.vocab import SPECIALS

    vocab = bundle.vocab
    rng = random.Random(11)
    starts = inside = 0
    for _ in range(5):
        cons = Constraints(vocab, Spec(form=parse_form("quatrain")), "en")
        state, out = cons.feed_prefix([]), []
        while not state.done:
            forced, masks = cons.choices([state])
            tok = forced[0] if masks is None else rng.choice(masks[0].nonzero()[:, 0].tolist())
            out.append(vocab.tokens[tok] if tok >= len(SPECIALS) else "")
            state = cons.advance(state, tok)
        for line in "".join(out).split("\n"):
            for match in re.finditer(r"[A-Za-z']+", line):
                word, before = match.group(0), line[:match.start()].rstrip()
                assert not any(ch.isupper() for ch in word[1:]), line
                if not before:
                    starts += word[0].isupper()
                elif word[0].isupper():
                    assert before[-1] in ".!?:" or word[0] in "IO", line
                    inside += 1
    assert starts >= 5 and inside >= 1  # capitals were there to take where they are allowed


def test_lines_end_on_line_end_words_and_rhyme_on_them_where_enough_do():
    from poetpad.core.meter import Lexicon

    words = frozenset("day may say gray play bay sun done gained stained mon ran sight night".split())
    lex = Lexicon(allowed=words, line_ends=frozenset("day may say gray play sun done sight night".split()))
    assert lex.fits("sun", Need(left=1), whole=True)[1]
    assert not lex.fits("ran", Need(left=1), whole=True)[1]  # a word, but not one verse ends a line on
    assert lex.fits("ra", Need(left=1)) == (False, False) and lex.fits("ra", Need(left=2))[0]  # ran goes on
    rhyme = Need(left=1, rhyme=("EY",), not_words=("day",))
    assert lex.fits("may", rhyme, whole=True)[1] and lex.fits("pl", rhyme)[1]
    assert not lex.fits("mon", rhyme, whole=True)[1]
    # No line-end word rhymes with "gained": the lexicon's other words may, rather than none at all.
    gained = Need(left=1, rhyme=tuple({p.rhyme for p in lex.rhyme_prons["gained"]}), not_words=("gained",))
    assert lex.fits("stained", gained, whole=True)[1] and lex.fits("sta", gained)[1]
    assert lexicon().line_ends and len(lexicon().line_ends) < len(lexicon().words)  # the shipped list applies


@pytest.mark.parametrize(("form", "prefix"), [
    ("quatrain", ""), ("couplet", ""), ("limerick", ""), ("blank:3", ""),
    ("quatrain", "Shall I compare thee to a summer's day?\n"), ("couplets:4", "Rough winds do shake the"),
])
def test_every_form_keeps_its_meter_and_rhyme_on_an_untrained_model(bundle, form, prefix):
    shape = parse_form(form)
    for s in suggest(bundle, make_request(prefix=prefix, form=form, n=2, seed=7, mode="poem")):
        lines = [line for line in s.text.split("\n") if line.strip()]
        assert len(lines) == shape.lines, s.text
        if prefix.endswith("\n"):
            assert lines[0] == prefix.strip()  # a whole line given stays line 1, word for word
        elif prefix:
            assert lines[0].startswith(prefix)
        for i, line in enumerate(lines):
            scan = scan_line(line)
            least, most = shape.budget(i)
            if not (prefix.endswith("\n") and i == 0):
                assert least <= scan.syllables <= most, (line, scan.syllables)
                assert not scan.unknown, line  # only dictionary words are written
            partner = next((j for j in range(i) if shape.letter(i) and shape.letter(j) == shape.letter(i)), None)
            if partner is not None:
                a, b = scan_line(lines[partner]).words[-1], scan.words[-1]
                assert rhymes(a, b), (lines[partner], line)
        assert lines[-1][-1] in ".!?", s.text  # a poem ends on a full stop, not on a comma or nothing
        assert s.valid, (s.text, s.problems)


def test_only_the_poem_ends_on_a_full_stop_not_a_continued_line(bundle):
    # Continuing one line of a poem still to be finished: the line may end on any mark or none.
    ends = {s.text.split("\n")[-1][-1:] for seed in range(6)
            for s in suggest(bundle, make_request(prefix="Shall I compare thee to a summer's day?\n", form="sonnet",
                                                  mode="line", n=2, seed=seed))}
    assert ends - set(".!?"), ends


def test_syllables_and_scheme_can_be_overridden(bundle):
    for s in suggest(bundle, make_request(form="quatrain", syllables=6, rhyme_scheme="AABB", n=1, seed=2)):
        lines = s.text.split("\n")
        assert all(6 <= scan_line(line).syllables <= 7 for line in lines), s.text
        assert rhymes(scan_line(lines[0]).words[-1], scan_line(lines[1]).words[-1])
    with pytest.raises(DecodeError, match="English forms"):
        make_request(form="5x4", syllables=7).validate()


def test_the_metered_state_is_a_typed_record_that_follows_the_words(bundle):
    from poetpad.core.forms import Constraints, Spec
    from poetpad.core.forms.metered import MeteredRules
    from poetpad.core.forms.state import Gap, MeterState

    cons = Constraints(bundle.vocab, Spec(form=parse_form("quatrain")), "en")
    assert type(cons.rules) is MeteredRules
    assert cons.initial().meter == MeterState()
    shall = cons.feed_prefix(list("Shall I"))
    assert (shall.meter.gap, shall.meter.word, shall.meter.syl, shall.meter.last) == (Gap.WORD, "i", 1, "shall")
    spaced = cons.advance(shall, " ")
    assert (spaced.meter.gap, spaced.meter.word, spaced.meter.syl) == (Gap.SPACE, "", 2)
    marked = cons.advance(spaced, ",")
    assert marked.meter.gap is Gap.MARK and not marked.meter.cap
    ended = cons.feed_prefix(list("Shall I compare thee to a summer's day?\n"))
    assert ended.line == 1 and ended.meter == MeterState(ends=("day",))
