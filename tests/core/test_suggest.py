"""The one suggestion API: requests built from options, one validity rule, checked candidates."""

from __future__ import annotations

import itertools

import pytest

from poetpad.core.modelfile import ModelBundle
from poetpad.core.prosody_zh import TONE_FAULTS
from poetpad.core.request_options import MODES, REQUEST_OPTIONS
from poetpad.core.suggest import SuggestRequest, judge, make_request, suggest
from poetpad.core.text import FIXED_FORMS, Form
from poetpad.core.verse import Fingerprint
from poetpad.errors import DecodeError
from tests.helpers import chinese_quatrains

JINGYESI = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。"


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def zh_bundle(make_model):
    model, vocab = make_model(texts=chinese_quatrains(40) + [JINGYESI], embedding=16, hidden=32)
    return ModelBundle(config=model.config, vocab=vocab, meta={"language": "zh"}, model=model)


def test_make_request_fills_defaults_and_refuses_unknown_options():
    request = make_request(prefix="春", mode="line", rhyme=None, seed=None, top_k=None)
    assert request == SuggestRequest(prefix="春", mode="line")
    assert request.rhyme is True and request.seed is None and request.top_k == 40
    with pytest.raises(TypeError, match="temprature"):
        make_request(temprature=0.5)
    assert set(MODES) == {"line", "next", "poem", "new", "acrostic", "rewrite", "revise"}


@pytest.mark.parametrize(("options", "message"), [
    ({"mode": "sonnet"}, "Unknown mode 'sonnet'"),
    ({"mode": "acrostic", "heads": "  "}, "needs its heads"),
    ({"form": "6x4"}, "Unknown form '6x4'"),
    ({"seed": -1}, "seed must be"),
    ({"beam": 2, "n": 3}, "at most 2 poems"),
    ({"temperature": 0.0}, "temperature"),
    ({"temperature": float("nan")}, "temperature must be 0.05 to 3"),
    ({"beam": 33}, "beam width must be 0 to 32"),
    ({"n": 33}, "number of poems must be 1 to 32"),
    ({"top_k": 501}, "top-k must be 0 to 500"),
])
def test_bad_requests_get_one_sentence(options, message):
    with pytest.raises(DecodeError, match=message):
        make_request(**options).validate()


def test_a_request_s_defaults_and_ranges_are_the_declared_ones():
    request = SuggestRequest()
    for name, option in REQUEST_OPTIONS.items():
        assert getattr(request, name) == option.default, name
        if option.low is None:
            continue
        for value in (option.low, option.high):  # the ends of each range are allowed…
            make_request(**{name: value}).validate()
        for value in (option.low - 1, option.high + 1):  # …a step past either is refused, in the declared words
            with pytest.raises(DecodeError) as refused:
                make_request(**{name: value}).validate()
            assert str(refused.value) == option.problem(value)


def test_the_language_of_a_request():
    assert make_request(prefix="Shall I compare thee").language() == "en"
    assert make_request(prefix="Roses are red", mode="acrostic", heads="春 夏").language() == "zh"
    assert make_request(prefix="床前明月光，", mode="new").language() == "zh"  # a new poem, in a Chinese document
    assert make_request(mode="new").language() is None


def test_the_engine_request():
    new = make_request(prefix="床前明月光，", mode="acrostic", heads="春 夏 秋 冬", form="5x4").engine_request()
    assert new.prefix == "" and new.mode == "poem" and new.spec.heads == "春夏秋冬" and new.spec.rhyme
    line = make_request(prefix="床前", mode="line", allow_repeat=True, seed=9).engine_request()
    assert line.prefix == "床前" and line.mode == "line" and not line.spec.no_repeat_in_line
    assert line.settings.seed == 9 * 32  # pools of neighbouring seeds share no generator
    assert not make_request(form="free:4").engine_request().spec.rhyme  # free verse never rhymes
    assert not make_request(form="5x4", rhyme=False).engine_request().spec.rhyme
    assert make_request(form="5x4").engine_request().spec.form is FIXED_FORMS["5x4"]


def test_suggest_writes_checked_acrostics(zh_bundle):
    request = make_request(mode="acrostic", heads="春风花月", form="5x4", n=3, seed=7, top_k=20)
    out = suggest(zh_bundle, request, "tiny-zh")
    assert [s.seed for s in out] == [7, 7, 7]  # the request's seed, which writes them again
    for s in out:
        assert s.model == "tiny-zh" and s.valid and s.problems == []
        assert s.form == "5x4" and [line[0] for line in s.lines] == list("春风花月")
        assert s.continuation == s.text  # a new poem goes in whole
        assert s.rhymes[1::2] == [True, True] and s.rhyme_group


def test_a_drawn_seed_is_reported_and_writes_the_same_poem_again(zh_bundle):
    first = suggest(zh_bundle, make_request(prefix="春", form="5x4"))[0]
    assert first.seed > 0
    again = suggest(zh_bundle, make_request(prefix="春", form="5x4", seed=first.seed))[0]
    assert again.text == first.text


def test_a_continuation_is_judged_as_the_lines_so_far(zh_bundle):
    prefix = "床前明月光，\n疑是"
    out = suggest(zh_bundle, make_request(prefix=prefix, mode="line", form="5x4", n=2, seed=3))
    for s in out:
        assert s.text.startswith(prefix) and not s.continuation.startswith("床")
        assert len(s.lines) == 2 and s.valid, s.problems  # two lines of a 五绝 are not a broken 五绝


def test_judge_is_the_one_validity_rule():
    form = FIXED_FORMS["5x4"]
    broken_rhyme = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故人。"
    assert not judge(broken_rhyme, make_request(form="5x4"), form, complete=True).valid
    assert judge(broken_rhyme, make_request(form="5x4", rhyme=False), form, complete=True).valid
    half = "床前明月光，\n疑是地上霜。"
    assert judge(half, make_request(prefix=half, mode="next"), form, complete=False).valid
    assert not judge(half, make_request(form="5x4"), form, complete=True).valid  # two lines short
    wrong_head = make_request(mode="acrostic", heads="春夏秋冬")
    assert not judge(JINGYESI, wrong_head, form, complete=True).valid
    assert judge("春眠不觉晓，\n夏日绿荫浓。", wrong_head, Form("5x4", 5, 4), complete=False).valid  # heads so far
    copied = judge(JINGYESI, make_request(), form, True, Fingerprint.build(["举头望明月"]))
    assert copied.valid and copied.check.copied_lines == [2]  # reported, not a fault


def test_suggestions_differ_in_substance_and_are_reranked(zh_bundle):
    from poetpad.core import rerank

    for beam in (0, 8):
        out = suggest(zh_bundle, make_request(mode="acrostic", heads="春风花月", form="5x4", n=4, beam=beam, seed=5))
        assert len(out) == 4
        for a, b in itertools.combinations(out, 2):
            assert rerank.line_overlap(a.text.split("\n"), b.text.split("\n")) <= 0.25, (a.text, b.text)
        valid = [s.rank for s in out if s.valid]
        assert valid == sorted(valid, reverse=True)  # best whole-poem score first


def test_tones_and_rhyme_systems_reach_the_decoder(zh_bundle):
    assert make_request(form="7x8").tone_mode == "basic" and make_request(form="free").tone_mode == "off"
    spec = make_request(form="5x4", tones="strict", rhyme_system="xinyun").engine_request().spec
    assert (spec.tones, spec.rhyme_system, spec.no_repeat_in_poem) == ("strict", "xinyun", True)
    assert not make_request(allow_repeat=True).engine_request().spec.no_repeat_in_poem
    with pytest.raises(DecodeError, match="Unknown rhyme system 'tang'"):
        make_request(rhyme_system="tang").validate()
    with pytest.raises(DecodeError, match="tone strictness 'hard'"):
        make_request(tones="hard").validate()
    out = suggest(zh_bundle, make_request(mode="acrostic", heads="春风花天", form="5x4", tones="strict", n=3, seed=2))
    for s in out:
        assert s.valid and not [f for f in s.faults if f["kind"] in TONE_FAULTS], (s.text, s.faults)


def test_a_first_line_in_progress_may_become_a_wujue_or_a_qijue():
    from poetpad.core.suggest import first_line_forms

    assert first_line_forms(make_request(prefix="秋风")) == ["5x4", "7x4"]
    assert first_line_forms(make_request(prefix="\n秋风起兮白云", mode="line")) == ["7x4"]  # six: only 七言 is left
    assert first_line_forms(make_request(prefix="白日依山尽", mode="line")) == ["5x4", "7x4"]  # whole, or begun
    for request in (make_request(prefix="秋风", form="5x4"),          # a form was given
                    make_request(prefix="白日依山尽，"),               # the first line is finished: infer_form decides
                    make_request(prefix="秋风\n"),                     # so is a line ended by a break
                    make_request(prefix="秋风萧瑟天气凉草木"),          # longer than any regulated line
                    make_request(prefix="秋风", heads="春夏秋冬"),       # an acrostic's form follows its heads
                    make_request(prefix="Autumn wind"), make_request(prefix=""),
                    make_request(prefix="秋风", mode="new")):
        assert first_line_forms(request) == [], request


def test_without_a_form_the_first_line_sets_one_and_the_poem_keeps_it(zh_bundle):
    """Ctrl+Enter on a fresh line of two characters: every candidate is a whole 五绝 or 七绝 under the
    form's rules (rhyme, no repeats), not free text of any length; several candidates offer both."""
    out = suggest(zh_bundle, make_request(prefix="秋风", mode="poem", n=4, seed=11), "tiny-zh")
    assert len(out) == 4
    for s in out:
        assert s.valid, (s.text, s.problems)
        assert s.text.startswith("秋风") and s.form in ("5x4", "7x4") and len(s.lines) == 4
        assert s.rhymes[1::2] == [True, True] and s.rhyme_group
    assert {s.form for s in out} == {"5x4", "7x4"}
    lines = suggest(zh_bundle, make_request(prefix="秋风", mode="line", n=3, seed=11))
    assert all(len(s.lines) == 1 and len(s.lines[0].rstrip("，。")) in (5, 7) for s in lines), [s.text for s in lines]
