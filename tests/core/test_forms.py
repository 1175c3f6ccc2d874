"""Tests for poetpad.core.forms: form names, prefixes, and the constraint machine's masks."""

from __future__ import annotations

import random

import pytest
import torch

from poetpad.core import forms
from poetpad.core.forms import Constraints, Spec, State, infer_form, prepare_prefix
from poetpad.core.text import Form, is_cjk, parse_form
from poetpad.core.verse import rhyme_groups
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


def test_infer_form():
    assert infer_form([], "", "zh") == Form("free")
    assert infer_form(["床前明"], "", "zh") == Form("free")
    assert infer_form(["床前明月光，", "疑是"], "", "zh") == Form("5x4", 5, 4)
    assert infer_form(["朝辞白帝彩云间，"] * 5, "", "zh") == Form("7x8", 7, 8)
    assert infer_form([], "春夏秋冬", "zh") == Form("7x4", 7, 4)
    assert infer_form(["床前明月光，"], "春 夏 秋 冬", "zh") == Form("5x4", 5, 4)
    assert infer_form([], "春夏秋冬风花雪月", "zh") == Form("7x8", 7, 8)
    assert infer_form([], "ROSE", "en") == Form("free:4", None, 4)
    assert infer_form(["Roses are red"], "", "en") == Form("free")


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


def test_rhyme_positions_take_the_group_of_the_first_rhyme(zh):
    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True))
    state = walk(cons, "春风花月夜，\n江山水云")
    first = allowed_tokens(cons, state)
    assert first == {ch for ch in hanzi(zh) - {"江", "山", "水", "云"} if rhyme_groups(ch)}
    state = walk(cons, "天。\n春风花月夜，\n江山水云", state)
    assert state.groups == rhyme_groups("天") == {"八寒"}
    # 天 again only if nothing else rhymes; 山 is in the group but already used in this line.
    assert allowed_tokens(cons, state) == {ch for ch in hanzi(zh) if "八寒" in rhyme_groups(ch)} - {"天", "山"}
    # Line 1 and 3 end freely.
    assert allowed_tokens(cons, walk(cons, "春风花月")) == hanzi(zh) - set("春风花月")


def test_a_polyphone_keeps_its_groups_open_until_the_next_rhyme(zh):
    assert rhyme_groups("落") >= {"一麻", "六豪"}
    cons = Constraints(zh, Spec(form=parse_form("5x4"), rhyme=True))
    state = walk(cons, "春风花月夜，\n江山水云落。\n春风花月夜，\n江山水云")
    assert state.groups == rhyme_groups("落")
    assert "家" in allowed_tokens(cons, state) and "高" in allowed_tokens(cons, state)
    assert walk(cons, "家", state).groups == {"一麻"}


def test_a_fixed_rhyme_group_and_rhyme_first_line(zh):
    cons = Constraints(zh, Spec(form=parse_form("7x4"), rhyme=True, rhyme_group="十唐", rhyme_first_line=True))
    tang = {ch for ch in hanzi(zh) if "十唐" in rhyme_groups(ch)}
    assert len(tang) >= 3
    assert allowed_tokens(cons, walk(cons, "春风花月夜山")) == tang
    with pytest.raises(DecodeError, match="十五"):
        Constraints(zh, Spec(form=parse_form("7x4"), rhyme=True, rhyme_group="十五"))


def test_soft_rules_give_way_when_nothing_else_is_left():
    vocab = Vocab(list(SPECIALS) + ["\n", "，", "。", "山", "天"])  # both 八寒
    cons = Constraints(vocab, Spec(form=parse_form("5x4"), rhyme=True))
    state = walk(cons, "山天")
    assert allowed_tokens(cons, state) == {"山", "天"}  # every hanzi is used: the ban goes
    assert allowed_tokens(cons, walk(cons, "山")) == {"天"}
    state = walk(cons, "山天山天山，\n天山天山天。\n山天山天山，\n天山天山")
    assert allowed_tokens(cons, state) == {"山"}  # 天 already rhymed, and 山 is used but the only other
    assert allowed_tokens(cons, state, soft=False) == {"山", "天"}


def random_states(cons: Constraints, rng: random.Random, n: int) -> list[State]:
    states = []
    state = cons.initial()
    while len(states) < n:
        choices = cons.allowed(state).nonzero().flatten().tolist()
        if not choices or state.done:
            state = cons.initial()
            continue
        states.append(state)
        state = cons.advance(state, rng.choice(choices))
    return states


@pytest.mark.parametrize("spec", [
    Spec(form=Form("5x4", 5, 4), heads="春风花月", rhyme=True),
    Spec(form=Form("7x8", 7, 8), rhyme=True, rhyme_first_line=True),
    Spec(form=Form("5x4", 5, 4), no_repeat_in_line=False, stop_after_lines=2),
    Spec(heads="春风花"),
    Spec(),
])
def test_batched_masks_equal_the_single_masks(spec, zh):
    # The batched path takes a shortcut for soft bans; it must agree with allowed() row by row.
    tiny = Vocab(list(SPECIALS) + ["\n", "，", "。"] + list("春风花月山天寒"))
    for vocab in (zh, tiny):
        if not set(spec.heads) <= set(vocab.tokens):
            continue
        cons = Constraints(vocab, spec)
        states = random_states(cons, random.Random(1), 120)
        batched = cons.masks(states)
        assert torch.equal(batched, torch.stack([cons.allowed(st) for st in states]))


# -- prefixes ---------------------------------------------------------------------------------------


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
    ("床前明月光，\n疑是地上白。", {"rhyme": True, "rhyme_group": "十唐"}, ["line 2", "十唐", "'白'"]),
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


def test_the_token_classes_are_cached_for_a_few_vocabularies():
    vocabs = [Vocab.build([f"春风{i}"]) for i in range(8)]
    for v in vocabs:
        Constraints(v, Spec())
    assert len(forms._VOCAB_CACHE) <= 4
    assert forms._classes(vocabs[-1], "xinyun") is forms._classes(vocabs[-1], "xinyun")
