"""Tests for poetpad.core.forms: form names, prefixes, and the constraint machine's masks."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from poetpad.core.forms import Constraints, Spec, State, classes, prepare_prefix
from poetpad.core.prosody_zh import rhyme_groups, tones
from poetpad.core.text import Form, is_cjk, parse_form
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab
from poetpad.errors import DecodeError
from tests.helpers import chinese_quatrains

POEMS = chinese_quatrains(40) + ["床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。"]
EN = ["Roses are red\nover the sea\nso sweet\nevery day", "rain on the river\nOpen skies"]


@pytest.fixture(scope="module")
def zh() -> Vocab:
    return Vocab.build(POEMS)


def allowed_tokens(cons: Constraints, state: State, soft: bool = True) -> set[str]:
    return {cons.vocab.tokens[i] for i in cons.allowed(state, soft).nonzero().flatten().tolist()}


def hanzi(vocab: Vocab) -> set[str]:
    return {t for t in vocab.tokens if len(t) == 1 and is_cjk(t)}


def walk(cons: Constraints, text: str, state: State | None = None) -> State:
    state = state or cons.initial()
    for ch in text:
        state = cons.advance(state, cons.vocab.id(ch))
    return state


# -- names, prefixes, inference -----------------------------------------------------------------------


def test_parse_form():
    assert parse_form("5x4") == Form("5x4", 5, 4)
    assert parse_form(" 7X8 ") == Form("7x8", 7, 8)
    assert parse_form("free") == Form("free", None, None)
    assert parse_form("free:6") == Form("free:6", None, 6)
    assert parse_form(None) is None and parse_form("  ") is None
    assert parse_form("7x4").fixed and not parse_form("free:3").fixed
    assert parse_form("5x8").punct(0) == {"，"} and parse_form("5x8").punct(3) == {"。"}
    for bad, part in [("6x9", "6x9"), ("free:0", "0"), ("free:201", "201"), ("free:x", "free:x")]:
        with pytest.raises(DecodeError, match=part):
            parse_form(bad)


def test_prepare_prefix_puts_one_clause_per_line():
    assert prepare_prefix("床前明月光，疑是地上霜。", "zh") == "床前明月光，\n疑是地上霜。"
    assert prepare_prefix("床前明月光，\n疑是地上霜。", "zh") == "床前明月光，\n疑是地上霜。"
    assert prepare_prefix("床前 明月光， 疑是\u3000地上霜。", "zh") == "床前明月光，\n疑是地上霜。"
    assert prepare_prefix("床前明月光，\r\n\r\n疑是地上霜。\r\n", "zh") == "床前明月光，\n疑是地上霜。\n"
    assert prepare_prefix("何处是归程？！长亭", "zh") == "何处是归程？！\n长亭"
    assert prepare_prefix("他说：“归去。”明月", "zh") == "他说：“归去。”\n明月"
    assert prepare_prefix("Roses are red,  violets\r\n", "en") == "Roses are red,  violets\n"


# -- the machine ------------------------------------------------------------------------------------


def test_a_quatrain_step_by_step(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4"), heads="春风花月"))
    state = cons.initial()
    assert allowed_tokens(cons, state) == {"春"}
    state = cons.advance(state, zh.id("春"))
    assert allowed_tokens(cons, state) == hanzi(zh) - {"春"}  # no character twice in a line
    state = walk(cons, "江山水云", state)
    assert allowed_tokens(cons, state) == {"，"}
    state = cons.advance(state, zh.id("，"))
    assert state.closed and allowed_tokens(cons, state) == {"\n"}
    state = cons.advance(state, zh.id("\n"))
    assert state == State(line=1) and allowed_tokens(cons, state) == {"风"}
    state = walk(cons, "风江山水云", state)
    assert allowed_tokens(cons, state) == {"。"}
    state = walk(cons, "。\n花江山水云，\n月江山水云", state)
    assert allowed_tokens(cons, state) == {"。"}
    state = walk(cons, "。", state)
    assert allowed_tokens(cons, state) == {"<eos>"} and not cons.finished(state)
    state = cons.advance(state, EOS_ID)
    assert cons.finished(state) and not cons.allowed(state).any()
    assert cons.complete(state)


def test_specials_are_never_allowed(zh):
    rng = random.Random(0)
    for spec in [Spec(form=parse_form("7x4"), rhyme=True), Spec(), Spec(heads="春风")]:
        cons = Constraints(zh, spec)
        state = cons.initial()
        for _ in range(40):
            mask = cons.allowed(state)
            assert not mask[[PAD_ID, UNK_ID, BOS_ID]].any()
            choices = mask.nonzero().flatten().tolist()
            if not choices:
                break
            state = cons.advance(state, rng.choice(choices))


def level(ch: str, system: str = "pingshui") -> frozenset[str]:
    """The groups a character may rhyme in: those of its 平 readings."""
    return rhyme_groups(ch, system, level_only=True)


def test_rhyme_positions_take_the_group_of_the_first_rhyme(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True))
    state = walk(cons, "春风花月夜，\n江山水云")
    first = allowed_tokens(cons, state)
    # The first rhyme comes from a group that holds a word for each of the two rhyme lines.
    sizes = Counter(g for ch in hanzi(zh) for g in level(ch))
    assert first == {ch for ch in hanzi(zh) - set("江山水云") if any(sizes[g] >= 2 for g in level(ch))}
    state = walk(cons, "天。\n春风花月夜，\n江山水云", state)
    assert state.groups == level("天") == {"一先"}
    # 天 again only if nothing else rhymes.
    assert allowed_tokens(cons, state) == {ch for ch in hanzi(zh) if "一先" in level(ch)} - {"天"}
    # Line 1 and 3 end freely.
    assert allowed_tokens(cons, walk(cons, "春风花月")) == hanzi(zh) - set("春风花月")


def test_rhyme_words_are_level_under_every_system(zh):
    for system in ("pingshui", "xinyun", "tongyun"):
        cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True, rhyme_system=system))
        rhymes = allowed_tokens(cons, walk(cons, "春风花月夜，\n江山水云"))
        assert rhymes and all("平" in tones(ch, system) for ch in rhymes), system
        assert "白" not in rhymes if system == "pingshui" else True  # 白 is 入声, so 仄, classically


def test_a_polyphone_in_the_prefix_keeps_its_groups_open_until_the_next_rhyme():
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月夜江山水云行声明堂光"))
    assert level("行", "xinyun") == {"十一庚", "十唐"}
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), rhyme=True, rhyme_system="xinyun"))
    state = cons.feed_prefix(list("春风花月夜，\n江山水云行。\n春风花月夜，\n江山水云"))
    assert state.groups == {"十一庚", "十唐"}  # the poet may read 行 either way
    assert {"明", "堂"} <= allowed_tokens(cons, state)
    assert walk(cons, "堂", state).groups == {"十唐"}


def test_the_decoder_rhymes_on_a_characters_common_reading():
    """平 (八庚; rarely 一先) after 还 (十五删; rarely 一先) is no rhyme to a reader, so the decoder never
    rhymes them through their rare readings, and its own 行 is 八庚."""
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月夜江山水云还平闲关明行"))
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), rhyme=True))
    state = walk(cons, "春风花月夜，\n江山水云还。\n春风花月夜，\n江山水云")
    assert state.groups == {"十五删"}
    assert allowed_tokens(cons, state) == {"闲", "关"}
    written = walk(cons, "春风花月夜，\n江山水云行")
    assert written.groups == {"八庚"}


def test_a_fixed_rhyme_group_and_rhyme_first_line(zh):
    spec = dict(form=parse_form("7x4"), rhyme=True, rhyme_first_line=True, rhyme_system="xinyun")
    cons = Constraints(zh, Spec(rhyme_group="十唐", **spec))
    tang = {ch for ch in hanzi(zh) if "十唐" in level(ch, "xinyun")}
    assert len(tang) >= 3
    assert allowed_tokens(cons, walk(cons, "春风花月夜山")) == tang
    with pytest.raises(DecodeError, match="十五"):
        Constraints(zh, Spec(rhyme_group="十五", **spec))


def test_soft_rules_give_way_when_nothing_else_is_left():
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。", "山", "天", "水"])  # 山 天: both 八寒 in 中华新韵
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), rhyme=True, rhyme_system="xinyun"))
    state = walk(cons, "山天水")
    assert allowed_tokens(cons, state) == {"山", "天", "水"}  # every hanzi is used: the ban goes
    assert allowed_tokens(cons, walk(cons, "山")) == {"天", "水"}
    state = walk(cons, "山天山天水，\n天山天山天。\n山天山天山，\n天山天山")
    assert allowed_tokens(cons, state) == {"山"}  # 天 already rhymed, and 山 is used but the only other
    assert allowed_tokens(cons, state, soft=False) == {"山", "天"}


def feed(vocab: Vocab, text: str, **spec) -> State:
    cons = Constraints(vocab, Spec(**spec))
    return cons.feed_prefix(vocab.tokenize(prepare_prefix(text, "zh")))


def test_prefixes_that_fit(zh):
    five = parse_form("5x4")
    assert feed(zh, "床前明月光，疑是", form=five) == State(line=1, pos=2, used=(zh.id("疑"), zh.id("是")))
    assert feed(zh, "床𠀋明", form=five).pos == 3  # a character the model lacks still counts
    assert feed(zh, "床前明月光？\n疑是地上霜！\n", form=five).line == 2  # any clause mark ends a line
    assert feed(zh, "床前明月光\n疑", form=five).line == 1  # so does a break after a full line
    assert feed(zh, "春风", form=five, heads="春花秋月").pos == 2
    assert feed(zh, "\n\n", form=five) == State()
    assert feed(zh, "任意的自由诗句子，长短都行\n再来", form=None).line == 2  # a clause mark starts a line


@pytest.mark.parametrize("text, spec, parts", [
    ("床前明月光好", {}, ["line 1", "longer than 5"]),
    ("床前明月，", {}, ["line 1", "4 characters", "needs 5"]),
    ("床前\n", {}, ["line 1", "2 characters"]),
    ("a", {}, ["'a'", "line 1", "Chinese character"]),
    ("秋风", {"heads": "春花秋月"}, ["line 1", "'春'"]),
    ("床前明月光，\n疑是地上白。", {"rhyme": True, "rhyme_group": "十唐", "rhyme_system": "xinyun"},
     ["line 2", "十唐", "'白'"]),
    ("床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n春", {}, ["complete"]),
])
def test_prefixes_that_do_not_fit_say_why(text, spec, parts, zh):
    with pytest.raises(DecodeError) as info:
        feed(zh, text, form=parse_form("5x4"), **spec)
    for part in parts:
        assert part in str(info.value)


def test_complete_and_steps_needed(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4")))
    full = cons.feed_prefix(list("床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。"))
    assert cons.complete(full) and not cons.complete(cons.feed_prefix(list("床前明月光，")))
    assert cons.steps_needed(cons.initial()) == 4 * 7 + 2
    assert Constraints(zh, Spec()).steps_needed(State()) is None
    assert Constraints(zh, Spec(heads="春风")).steps_needed(State()) == 2 * 41 + 2
    line = Constraints(zh, Spec(form=parse_form("7x8"), stop_after_lines=3))
    assert line.steps_needed(State(line=2)) == 9 + 2


# -- free verse and English ---------------------------------------------------------------------------


def test_free_lines_start_with_text_and_end_by_break_or_eos(zh):
    cons = Constraints(zh, Spec())
    start = allowed_tokens(cons, State())
    assert start == hanzi(zh)
    inside = allowed_tokens(cons, State(pos=3))
    assert {"\n", "<eos>", "，"} <= inside and not inside & {"<pad>", "<unk>", "<bos>"}
    assert allowed_tokens(cons, State(pos=40)) == {"\n", "<eos>"}  # a line is capped
    counted = Constraints(zh, Spec(form=parse_form("free:2")))
    assert "<eos>" not in allowed_tokens(counted, State(pos=3)) and "\n" in allowed_tokens(counted, State(pos=3))
    assert allowed_tokens(counted, State(line=1, pos=40)) == {"<eos>"}


@pytest.mark.parametrize("kind", ["char", "word"])
def test_english_acrostic_line_starts(kind):
    vocab = Vocab.build(EN, kind=kind)
    cons = Constraints(vocab, Spec(heads="RO SE"), language="en")
    assert cons.heads == ["R", "O", "S", "E"]
    r_start = allowed_tokens(cons, State())
    assert r_start and all(t[0] in "Rr" for t in r_start)
    if kind == "word":
        assert {"Roses", "red", "rain", "river"} <= r_start
    else:
        assert r_start == {"R", "r"}
    assert all(t[0] in "Oo" for t in allowed_tokens(cons, State(line=1)))
    free = Constraints(vocab, Spec(), language="en")
    assert not {" ", "\n", "<eos>"} & allowed_tokens(free, State())  # no blank or space-led lines
    with pytest.raises(DecodeError, match="'Q'"):
        Constraints(vocab, Spec(heads="Q"), language="en")
    with pytest.raises(DecodeError, match="7x4"):
        Constraints(vocab, Spec(form=parse_form("7x4")), language="en")
    # A word the model lacks may start a line when its first letter is the head.
    prefix = Constraints(vocab, Spec(heads="RO"), language="en")
    assert prefix.feed_prefix(vocab.tokenize("Rhapsody in blue\nO")).line == 1
    with pytest.raises(DecodeError, match="'R'"):
        prefix.feed_prefix(vocab.tokenize("Blue rhapsody"))


def test_vocabularies_that_cannot_write_the_request():
    no_comma = Vocab(list(SPECIALS) + ["\n", "。", "山"])
    with pytest.raises(DecodeError, match="'，'"):
        Constraints(no_comma, Spec(form=parse_form("5x4")))
    no_break = Vocab(list(SPECIALS) + ["a", "b"])
    with pytest.raises(DecodeError, match="3 lines"):
        Constraints(no_break, Spec(form=parse_form("free:3")), language="en")
    Constraints(no_break, Spec(form=parse_form("free:1")), language="en")
    no_rhyme = Vocab(list(SPECIALS) + ["\n", "，", "。", "嗯"])
    with pytest.raises(DecodeError, match="rhyme"):
        Constraints(no_rhyme, Spec(form=parse_form("5x4"), rhyme=True))


def test_a_fixed_form_without_line_breaks_moves_on_after_the_punctuation():
    vocab = Vocab(list(SPECIALS) + ["，", "。"] + list("春风花月山天"))
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), heads="春风花月"))
    state = walk(cons, "春花月山天，")
    assert state == State(line=1) and allowed_tokens(cons, state) == {"风"}
    state = walk(cons, "风花月山天。花春月山天，月春花山天。", state)
    assert allowed_tokens(cons, state) == {"<eos>"}
    assert cons.feed_prefix(list(prepare_prefix("春花月山天，风花", "zh"))).line == 1


def test_the_facade_chooses_one_rule_set_by_verse_kind(zh):
    from poetpad.core.forms.free import FreeRules
    from poetpad.core.forms.shi import ShiRules

    assert type(Constraints(zh, Spec(form=parse_form("5x4"))).rules) is ShiRules
    assert type(Constraints(zh, Spec()).rules) is FreeRules
    assert type(Constraints(zh, Spec(form=parse_form("sonnet"))).rules) is FreeRules  # no Chinese meter
    with pytest.raises(DecodeError, match="is for Chinese verse"):
        Constraints(zh, Spec(form=parse_form("5x4")), "en")


def test_keywords_are_tracked_in_a_typed_record(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4"), keywords=("明月", "山")))
    state = walk(cons, "明")
    assert (state.keywords.at, state.keywords.written, state.keywords.done) == (0, 1, frozenset())
    state = walk(cons, "月", state)
    assert (state.keywords.at, state.keywords.written, state.keywords.done) == (-1, 0, {0})
    assert cons.feed_prefix(list("山明月")).keywords.done == {0, 1}  # a prefix's keywords count as written


def test_the_token_classes_are_cached_for_a_few_vocabularies():
    vocabs = [Vocab.build([f"春风{i}"]) for i in range(8)]
    for v in vocabs:
        Constraints(v, Spec())
    assert len(classes._VOCAB_CACHE) <= 4
    assert classes._classes(vocabs[-1], "xinyun") is classes._classes(vocabs[-1], "xinyun")


# -- tones, repetition and heads ------------------------------------------------------------------------

TONE_KINDS = {"孤平", "三平尾", "失粘", "失对", "平仄"}
CLASSIC_POEMS = POEMS + ["白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。",
                         "朝辞白帝彩云间，\n千里江陵一日还。\n两岸猿声啼不住，\n轻舟已过万重山。"]


@pytest.fixture(scope="module")
def wide() -> Vocab:
    return Vocab.build(CLASSIC_POEMS + chinese_quatrains(40, seed=3, width=7))


def random_walk(cons: Constraints, rng: random.Random) -> tuple[str, State]:
    """Write a whole poem by choosing uniformly among the allowed tokens."""
    state, text = cons.initial(), []
    while not state.done:
        choices = cons.allowed(state).nonzero().flatten().tolist()
        tok = rng.choice(choices)
        state = cons.advance(state, tok)
        if tok != EOS_ID:
            text.append(cons.vocab.tokens[tok])
    return "".join(text), state


def test_basic_tones_put_rhymes_on_level_and_other_line_ends_on_oblique(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True, tones="basic"))
    third_end = allowed_tokens(cons, walk(cons, "春风花月夜，\n江山水云天。\n明月照高"))
    assert third_end and all("仄" in tones(ch) for ch in third_end)
    assert "上" in third_end and "光" not in third_end  # 上 is 仄; 光 only 平
    rhyme = allowed_tokens(cons, walk(cons, "春风花月夜，\n江山水云"))
    assert rhyme and all("平" in tones(ch) for ch in rhyme)


def test_line_one_ends_on_oblique_or_rhymes(zh):
    """首句: 仄, or 平 and then the poem rhymes with it (首句入韵); never a 平 that rhymes with nothing."""
    from poetpad.core.prosody_zh import rhyme_groups

    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True, tones="basic"))
    first_end = allowed_tokens(cons, walk(cons, "春风花月"))
    assert "夜" in first_end and "光" in first_end  # 去声, or 七阳 with 乡 and 霜 to rhyme with
    level = [ch for ch in first_end if tones(ch) == {"平"}]
    assert level and all(any(cons.cls.group_size(g) > 2 for g in rhyme_groups(ch, level_only=True))
                         for ch in level)  # a group with words for line 1 and both rhyme lines
    after = walk(cons, "春风花月光，\n江山水云")
    assert after.groups and "七阳" in after.groups
    rhyme = allowed_tokens(cons, after)
    assert rhyme and all("七阳" in rhyme_groups(ch, level_only=True) for ch in rhyme) and "光" not in rhyme
    oblique = walk(cons, "春风花月夜，\n江山水云")
    assert oblique.groups is None  # a 仄 ending leaves the rhyme to line 2


@pytest.mark.parametrize("form", ["5x4", "7x4", "5x8"])
def test_strict_tones_write_poems_that_pass_the_gelv_check(form, wide):
    from poetpad.core.prosody_zh import check_gelv

    cons = Constraints(wide, Spec(form=parse_form(form), rhyme=True, tones="strict", no_repeat_in_poem=True))
    for seed in range(6):
        text, state = random_walk(cons, random.Random(seed))
        report = check_gelv(text.split("\n"), "pingshui", rhyme_first_line=False)
        faults = [f.message for f in report.faults if f.kind in TONE_KINDS]
        assert not faults and not state.relaxed, (text, faults)
    loose = Constraints(wide, Spec(form=parse_form(form), rhyme=True))
    clean = sum(not any(f.kind in TONE_KINDS for f in check_gelv(random_walk(loose, random.Random(s))[0]
                                                                   .split("\n"), "pingshui").faults)
                for s in range(6))
    assert clean < 6  # without the template, random poems break the rules


def test_the_heads_choose_the_template(zh):
    # 月 (仄) heads line 2: a line that must start on 平 (its 孤平 slot) in 仄起首句不入韵, so 平起 it is.
    cons = Constraints(zh, Spec(form=parse_form("5x4"), heads="春月花风", rhyme=True, tones="strict"))
    assert [cons.rules.templates[i].name for i in cons.initial().templates] == ["平起首句不入韵"]
    cons = Constraints(zh, Spec(form=parse_form("5x4"), heads="春风花天", rhyme=True, tones="strict"))
    assert len(cons.initial().templates) == 2  # either fits


def test_a_head_that_fits_no_template_is_relaxed_and_said(wide):
    # 月 rules out 仄起 (line 2 needs 平) and 白 rules out 平起 (line 4 needs 平): one position gives way.
    cons = Constraints(wide, Spec(form=parse_form("5x4"), heads="春月花白", rhyme=True, tones="strict"))
    text, state = random_walk(cons, random.Random(1))
    assert [line[0] for line in text.split("\n")] == list("春月花白")
    assert len(state.relaxed) == 1 and state.relaxed[0][1] == 0
    assert "relaxed" in cons.relaxed_notes(state)[0]


def test_no_character_twice_in_a_poem_and_no_bigram_twice():
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月夜江山水云不知何处天人家吹"))
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), no_repeat_in_poem=True))
    state = walk(cons, "春风不知夜，\n处")
    allowed = allowed_tokens(cons, state)
    assert not allowed & set("春风知夜") and "不" in allowed  # 不 is a function word: it may come again
    assert "处" in allowed  # 叠字 (处处) in the second place
    assert "吹" not in allowed_tokens(cons, walk(cons, "吹", walk(cons, "春风不知夜，\n")))  # poets never double 吹
    state = walk(cons, "山", state)
    assert "山" not in allowed_tokens(cons, state)  # nor in the third place
    state = walk(cons, "不", state)
    assert "知" not in allowed_tokens(cons, state)  # 不知 once is enough
    free = Constraints(vocab, Spec(form=parse_form("5x4")))
    assert set("春风知夜") <= allowed_tokens(free, walk(free, "春风不知夜，\n江"))


def test_a_head_the_model_lacks_is_written_as_unknown_and_helped_into_a_word():
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月夜江山水云从天"))
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), heads="顺春花月"))
    state = cons.initial()
    assert allowed_tokens(cons, state) == {"<unk>"}
    state = cons.advance(state, UNK_ID)
    bonus = cons.bonuses([state])[0]
    assert bonus[vocab.id("风")] > 0 and bonus[vocab.id("从")] > 0  # 顺风, 顺从
    assert bonus[vocab.id("夜")] == 0 and bonus.nonzero().numel() == 2
    assert cons.unknown_heads(0) == ["顺"]
    with pytest.raises(DecodeError, match="'R'"):
        Constraints(vocab, Spec(form=parse_form("5x4"), heads="R春花月"))


def test_the_decoder_writes_standard_simplified_characters():
    """A converted corpus keeps variants (髪 for 发, 疎 for 疏); the decoder writes the standard forms,
    and reads a poet's variant as written."""
    from poetpad.core.text import is_standard_hanzi

    assert is_standard_hanzi("发") and not is_standard_hanzi("髪") and not is_standard_hanzi("風")
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月夜江山水云白髪发疎疏"))
    for form in ("5x4", "free:4"):
        cons = Constraints(vocab, Spec(form=parse_form(form)))
        allowed = allowed_tokens(cons, walk(cons, "春风"))
        assert {"发", "疏"} <= allowed and not {"髪", "疎"} & allowed, form
    cons = Constraints(vocab, Spec(form=parse_form("5x4")))
    assert cons.feed_prefix(list("白髪")).pos == 2


def test_rows_of_a_pool_pull_keywords_in_from_different_lines(zh):
    """Row r of a pool favours a keyword's start only from line r mod 4 on, so the pool has poems with
    the keyword early and late, rather than all of them forced into the last line."""
    from poetpad.core.forms.keywords import KEYWORD_BONUS

    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True, keywords=("明月",)))
    start = cons.initial()
    bonus = cons.bonuses([start] * 4)
    first = zh.id("明")
    assert bonus is not None and [float(b) for b in bonus[:, first]] == [KEYWORD_BONUS, 0.0, 0.0, 0.0]
    third_line = walk(cons, "春风花月夜，\n江山水云天。\n")
    bonus = cons.bonuses([third_line] * 4)
    assert [float(b) for b in bonus[:, first]] == [KEYWORD_BONUS, KEYWORD_BONUS, KEYWORD_BONUS, 0.0]
