"""Writing with the poet: keywords, rewrites of unlocked text, and alternatives for a character or a line."""

from __future__ import annotations

import pytest
import torch

from poetpad.core.forms.classes import REPEATABLE
from poetpad.core.modelfile import ModelBundle
from poetpad.core.prosody_zh import tones
from poetpad.core.suggest import FREE_MARK, make_request, poem_rows, revise_char, revise_line, suggest
from poetpad.core.verse import check_poem
from poetpad.errors import DecodeError
from tests.helpers import chinese_quatrains

ZAOFA = "朝辞白帝彩云间，\n千里江陵一日还。\n两岸猿声啼不住，\n轻舟已过万重山。"
CLASSICS = [ZAOFA, "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。",
            "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def bundle():
    from poetpad.core.model import ModelConfig, PoetLM
    from poetpad.core.vocab import Vocab

    texts = chinese_quatrains(60) + chinese_quatrains(30, seed=2, width=7) + CLASSICS + \
        ["关湾闲环攀颜班，雁霜秋雪风。"]  # more words of 十五删, and the keywords
    vocab = Vocab.build(texts)
    torch.manual_seed(0)
    model = PoetLM(ModelConfig(len(vocab), embedding=16, hidden=32, layers=1, dropout=0.0)).eval()
    return ModelBundle(config=model.config, vocab=vocab, meta={"language": "zh"}, model=model)


# -- keywords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("keywords", "options"), [
    ("雁,霜", {"form": "7x4", "mode": "new"}),
    ("秋风", {"form": "5x4", "mode": "acrostic", "heads": "春夏秋冬"}),
    ("雁 霜、江山", {"form": "5x8", "mode": "new", "beam": 4}),
    ("月", {"form": "5x4", "prefix": "床前", "mode": "poem"}),
])
def test_every_candidate_contains_every_keyword(bundle, keywords, options):
    words = make_request(keywords=keywords).keyword_list
    for seed in range(3):
        for s in suggest(bundle, make_request(keywords=keywords, n=3, seed=seed, **options)):
            assert all(w in s.text for w in words), (words, s.text)
            assert s.valid, (s.text, s.problems)


@pytest.mark.parametrize(("keywords", "options", "message"), [
    ("春风,秋月,冬雪,夏雨,江山", {"form": "5x4"}, "too many"),
    ("春风秋", {"form": "5x4"}, "one or two Chinese characters"),
    ("moon", {"form": "5x4"}, "one or two Chinese characters"),
    ("龘", {"form": "5x4"}, "does not know the character '龘'"),
    ("春风,秋月", {"form": "5x4", "prefix": "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故"},
     "do not fit in what is left"),
    ("雁", {"form": "free"}, "Chinese forms of fixed lines"),
])
def test_impossible_keywords_get_one_sentence(bundle, keywords, options, message):
    with pytest.raises(DecodeError, match=message):
        suggest(bundle, make_request(keywords=keywords, mode=options.pop("mode", "poem"), **options))


# -- rewrites of unlocked text ---------------------------------------------------------------------------


def test_a_rewrite_keeps_what_is_locked_and_fills_the_rest(bundle):
    template = "朝辞白帝彩云间，\n千里江陵一日还。\n□□□□□□□，\n轻舟□过万重山。"
    for s in suggest(bundle, make_request(mode="rewrite", template=template, n=4, seed=1)):
        lines = s.text.split("\n")
        assert lines[:2] == ZAOFA.split("\n")[:2] and lines[3][:2] == "轻舟" and lines[3][3:] == "过万重山。"
        assert s.valid and lines[2] != "□" * 7 + "，" and FREE_MARK not in s.text


def test_a_bad_template_says_why(bundle):
    with pytest.raises(DecodeError, match="five- or seven-character"):
        suggest(bundle, make_request(mode="rewrite", template="床前□月光，\n疑是地上霜霜。"))
    with pytest.raises(DecodeError, match="every character is locked"):
        suggest(bundle, make_request(mode="rewrite", template=ZAOFA))


# -- alternatives for one character ------------------------------------------------------------------------


def _differences(a: str, b: str) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


@pytest.mark.parametrize("place", [(2, 4), (4, 7), (1, 1), (3, 7)])
def test_character_alternatives_change_only_that_character(bundle, place):
    line, col = place
    found = revise_char(bundle, ZAOFA, line, col, n=6)
    original = found.original.text
    index = original.index(original.split("\n")[line - 1]) + col - 1
    assert found.original.char == original[index] and len(found.alternatives) >= 5
    scores = [a.score for a in found.alternatives]
    assert scores == sorted(scores, reverse=True)
    for alt in found.alternatives:
        assert _differences(alt.text, original) == [index] and alt.char == alt.text[index]
        assert alt.char not in original or alt.char in REPEATABLE  # no character the poem already uses
        if col == 7 and line in (2, 4):  # a rhyme position keeps the rhyme with the others (十五删)
            assert check_poem(alt.text, system="pingshui", rhyme_first_line=True).rhyme_ok, alt.text
        if col % 2 == 0 or col == 7:  # a key position keeps the tone the pattern needs there
            assert tones(alt.char) & tones(original[index]), (alt.char, original[index])


def test_line_alternatives_rewrite_that_line_only(bundle):
    found = revise_line(bundle, ZAOFA, 3, n=3, seed=2)
    assert len(found.alternatives) >= 3
    rows = ZAOFA.split("\n")
    for alt in found.alternatives:
        lines = alt.text.split("\n")
        assert lines[:2] == rows[:2] and lines[3] == rows[3] and lines[2] != rows[2] and alt.line == lines[2]
        assert len(lines[2]) == 8 and lines[2].endswith("，")
        assert "仄" in tones(lines[2][-2]), lines[2]  # an odd line that does not rhyme ends on 仄
    assert [a.score for a in found.alternatives] == sorted((a.score for a in found.alternatives), reverse=True)


@pytest.mark.parametrize(("args", "message"), [
    ((9, 1), "4 lines; there is no line 9"),
    ((2, 0), "count from 1"),
    ((2, 8), "column 8 is its punctuation"),
])
def test_bad_places_get_one_sentence(bundle, args, message):
    with pytest.raises(DecodeError, match=message):
        revise_char(bundle, ZAOFA, *args)


@pytest.mark.parametrize("text", ["Shall I compare thee to a summer's day?", "床前明月光，疑是地上霜霜。", ""])
def test_text_that_is_not_a_regular_poem_is_refused(bundle, text):
    with pytest.raises(DecodeError, match="not a poem of five- or seven-character lines"):
        poem_rows(text)
    with pytest.raises(DecodeError):
        revise_line(bundle, text, 1)


def test_keywords_and_locks_work_together(bundle):
    template = "朝辞白帝彩云间，\n□□□□□□□。\n□□□□□□□，\n轻舟已过万重山。"
    for s in suggest(bundle, make_request(mode="rewrite", template=template, keywords="秋风", n=3, seed=4)):
        assert "秋风" in s.text and s.text.startswith("朝辞白帝彩云间") and s.text.endswith("万重山。")
