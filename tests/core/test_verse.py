"""Tests for poetpad.core.verse: rhyme groups, tones, form checks, acrostics and the copied-line fingerprint.

The rhyme and tone lookups live in prosody_zh now (tests/core/test_prosody_zh.py covers 平水韵 and
中华通韵); the 中华新韵 tests below call them through verse's re-exports, with the system named,
since check_poem and the lookups default to 平水韵.
"""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys

import pytest

from poetpad.core.prosody_zh import RHYME_SYSTEMS, XINYUN_GROUPS, pinyin_finals, rhyme_groups, shared_rhyme, tones
from poetpad.core.text import split_lines
from poetpad.core.verse import Fingerprint, LineCheck, PoemCheck, check_poem, copied_lines, detect_form, tone_note
from poetpad.errors import DecodeError, ModelFileError

JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
JINGYESI_LINES = ["床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。"]
# 李白《早发白帝城》: 间 还 山 rhyme in 十五删 (新韵: 八寒), line 1 included.
BAIDI = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
# 王维《山居秋暝》, a 五律 rhyming 秋 流 舟 留 in 十一尤 (平水韵; 七尤 in 新韵).
SHANJU = "空山新雨后，天气晚来秋。明月松间照，清泉石上流。竹喧归浣女，莲动下渔舟。随意春芳歇，王孙自可留。"
# 杜甫《春望》rhymes 深 心 金 簪 in 十二侵 under 平水韵, but 簪 is zān today, outside 新韵's 九文.
CHUNWANG = "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。"
# 李商隐《无题》, a 七律 rhyming 难 残 干 寒 看 in 十四寒 (新韵: 八寒), line 1 included.
WUTI = (
    "相见时难别亦难，东风无力百花残。春蚕到死丝方尽，蜡炬成灰泪始干。"
    "晓镜但愁云鬓改，夜吟应觉月光寒。蓬山此去无多路，青鸟殷勤为探看。"
)
# 杜甫《登高》rhymes 哀 回 来 台 杯 in 十灰 under 平水韵; today 回 and 杯 are in 五微, not 四开.
DENGGAO = (
    "风急天高猿啸哀，渚清沙白鸟飞回。无边落木萧萧下，不尽长江滚滚来。"
    "万里悲秋常作客，百年多病独登台。艰难苦恨繁霜鬓，潦倒新停浊酒杯。"
)
ENGLISH = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\nRough winds do shake"


# --------------------------------------------------------------------------- rhyme groups and tones (新韵)


@pytest.mark.parametrize(
    ("chars", "group"),
    [
        ("花家霞", "一麻"),
        ("波歌我", "二波"),
        ("谢月雪", "三皆"),
        ("来开怀", "四开"),
        ("飞归回", "五微"),
        ("高桥", "六豪"),
        ("楼流秋", "七尤"),
        ("天年山寒", "八寒"),
        ("人春云", "九文"),
        ("光霜乡", "十唐"),
        ("东声明", "十一庚"),
        ("衣西鱼居", "十二齐"),
        ("知资诗日思", "十三支"),
        ("湖古", "十四姑"),
    ],
)
def test_rhyme_groups_of_known_characters(chars, group):
    for ch in chars:
        assert group in rhyme_groups(ch, "xinyun"), ch


def test_apical_i_and_plain_i_are_different_groups():
    for ch in "知资诗":
        assert rhyme_groups(ch, "xinyun") == frozenset({"十三支"}), ch
    for ch in "衣西":
        assert rhyme_groups(ch, "xinyun") == frozenset({"十二齐"}), ch


def test_common_characters_have_one_group():
    # Dictionary-only readings (年 nìng, 明 mèng, 家 gū) do not add groups.
    for ch in "花霜乡来楼天人年明家":
        assert len(rhyme_groups(ch, "xinyun")) == 1, (ch, rhyme_groups(ch, "xinyun"))


def test_polyphone_has_both_groups():
    assert rhyme_groups("还", "xinyun") == frozenset({"四开", "八寒"})  # hái, huán
    assert rhyme_groups("行", "xinyun") >= {"十一庚", "十唐"}  # xíng, háng


@pytest.mark.parametrize("system", RHYME_SYSTEMS)
@pytest.mark.parametrize("ch", ["a", "，", "。", " ", "", "ab", "1", "☆"])
def test_non_hanzi_has_no_group_tone_or_final(ch, system):
    assert rhyme_groups(ch, system) == frozenset()
    assert tones(ch, system) == frozenset()
    assert pinyin_finals(ch) == []


def test_pinyin_finals_use_strict_spelling():
    assert pinyin_finals("鱼") == ["v"]
    assert pinyin_finals("云") == ["vn"]
    assert pinyin_finals("流") == ["iou"]
    assert pinyin_finals("重") == ["ong"]
    assert pinyin_finals("还") == ["ai", "uan"]


def test_every_group_name_is_in_the_table():
    found = set()
    for cp in range(0x4E00, 0x4E00 + 3000):
        found |= rhyme_groups(chr(cp), "xinyun")
    assert found <= set(XINYUN_GROUPS)
    assert len(XINYUN_GROUPS) == 14
    assert found == set(XINYUN_GROUPS)


def test_unknown_rhyme_system_raises():
    assert RHYME_SYSTEMS == ("pingshui", "xinyun", "tongyun")
    with pytest.raises(DecodeError, match="pingshui, xinyun, tongyun"):
        rhyme_groups("花", "guangyun")
    with pytest.raises(DecodeError, match="Unknown rhyme system 'guangyun'"):
        tones("花", "guangyun")
    with pytest.raises(DecodeError, match="pingshui"):
        check_poem(JINGYESI, system="xinyun2")


def test_modern_tones():
    assert tones("东", "xinyun") == frozenset({"平"})
    assert tones("人", "xinyun") == frozenset({"平"})
    assert tones("动", "xinyun") == frozenset({"仄"})
    assert tones("月", "xinyun") == frozenset({"仄"})
    assert tones("重", "xinyun") == frozenset({"平", "仄"})  # chóng, zhòng
    assert tones("看", "xinyun") == frozenset({"平", "仄"})  # kān, kàn
    assert tones("一", "xinyun") == frozenset({"平"})  # sandhi forms yí, yì are not tones of their own
    assert tones("不", "xinyun") == frozenset({"仄"})


def test_default_tones_are_classical():
    # 一 国 白 十 are level in Mandarin but were 入声, so 仄 under 平水韵, the default.
    for ch in "一国白十":
        assert tones(ch) == frozenset({"仄"}), ch
        assert tones(ch, "xinyun") == frozenset({"平"}), ch
    assert tones("东") == frozenset({"平"}) and tones("动") == frozenset({"仄"})
    assert "平水韵" in tone_note("pingshui") and "modern Mandarin" in tone_note("xinyun")
    assert "中华通韵" in tone_note("tongyun")


def test_shared_rhyme():
    assert shared_rhyme(list("霜乡"), "xinyun") == "十唐"
    assert shared_rhyme(list("间还山"), "xinyun") == "八寒"
    assert shared_rhyme(list("霜花"), "xinyun") is None
    assert shared_rhyme([], "xinyun") is None
    assert shared_rhyme(["霜", "a"], "xinyun") is None
    # 还 alone could be 四开 or 八寒: its usual reading (hái) wins, deterministically.
    assert shared_rhyme(["还"], "xinyun") == "四开"
    assert shared_rhyme(["还", "来"], "xinyun") == "四开"
    # Under 平水韵 (the default) 还 has no reading in 来's 十灰: hái is a modern reading.
    assert shared_rhyme(["还", "来"]) is None
    assert shared_rhyme(list("间还山")) == "十五删"


@pytest.mark.parametrize("system", RHYME_SYSTEMS)
def test_rhyme_groups_are_fast_for_a_vocabulary(system):
    # Warm the module once, then 3000 fresh characters must be quick (the decoder asks for ~10k).
    import time

    rhyme_groups("一", system)
    tones("一", system)
    start = time.perf_counter()
    for cp in range(0x5000, 0x5000 + 3000):
        rhyme_groups(chr(cp), system, level_only=True)
        tones(chr(cp), system)
    assert time.perf_counter() - start < 3.0


def test_import_does_not_pull_torch_qt_or_pypinyin():
    code = (
        "import sys, poetpad.core.verse; "
        "print(sorted(m for m in ('torch', 'PySide6', 'pypinyin', 'opencc') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- lines and forms


def test_split_lines_splits_clauses():
    assert split_lines(JINGYESI) == JINGYESI_LINES
    assert split_lines("\n".join(JINGYESI_LINES)) == JINGYESI_LINES
    assert split_lines("床前明月光，疑是地上霜。\n\n举头望明月，低头思故乡。\n") == JINGYESI_LINES
    assert split_lines("床前明月光 疑是地上霜") == ["床前明月光", "疑是地上霜"]
    assert split_lines("“何处去？”他问。") == ["“何处去？”", "他问。"]
    assert split_lines("  \n\n") == []
    assert split_lines(ENGLISH) == ENGLISH.split("\n")
    assert split_lines("One line, with a comma; and more.") == ["One line, with a comma; and more."]


def test_detect_form():
    assert detect_form(JINGYESI_LINES) == "5x4"
    assert detect_form(split_lines(BAIDI)) == "7x4"
    assert detect_form(split_lines(SHANJU)) == "5x8"
    assert detect_form(split_lines(WUTI)) == "7x8"
    assert detect_form(JINGYESI_LINES[:3]) == "free"
    assert detect_form(["床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡啊。"]) == "free"
    assert detect_form(["床前明月a，", "疑是地上霜。", "举头望明月，", "低头思故乡。"]) == "free"
    assert detect_form([]) == "free"
    assert detect_form(ENGLISH.split("\n")) == "free"


# --------------------------------------------------------------------------- check_poem


@pytest.mark.parametrize("text", [JINGYESI, "\n".join(JINGYESI_LINES)])
def test_jingyesi(text):
    check = check_poem(text)
    assert isinstance(check, PoemCheck)
    assert check.form == "5x4"
    assert check.form_ok is True
    assert check.problems == []
    assert check.rhyme_system == "pingshui"
    assert check.rhyme_group == "七阳"
    # 光 is in 七阳 too, so line 1 counts as rhymed (首句入韵) without being asked for.
    assert check.rhymes == [True, True, False, True]
    assert check.rhyme_ok is True
    assert check.acrostic_ok is None
    assert check.copied_lines == []
    assert [line.text for line in check.lines] == JINGYESI_LINES
    first = check.lines[0]
    assert first == LineCheck(text="床前明月光，", chars="床前明月光", length=5, tones="平平平仄平",
                              rhyme=frozenset({"七阳"}), head="床")
    assert all(len(line.tones) == line.length for line in check.lines)
    assert check_poem(text, form="5x4").form_ok is True
    # 静夜思 is a 古绝, not regulated verse: 平起首句入韵 wants ●●●○○ for line 2, whose 上 is 仄; 头 in
    # line 3 is 平 after 是 (失粘), and 头 again in line 4 (失对). Tone faults are not problems.
    assert check.template == "平起首句入韵"
    assert [(f["kind"], f["line"], f["pos"]) for f in check.faults] == [("平仄", 1, 3), ("失粘", 2, 1), ("失对", 3, 1)]
    assert all(set(f) == {"kind", "line", "pos", "message"} for f in check.faults)


def test_rhyme_systems_of_check_poem():
    modern = check_poem(JINGYESI, system="xinyun")
    assert modern.rhyme_system == "xinyun" and modern.rhyme_group == "十唐" and modern.rhyme_ok
    assert modern.lines[2].tones == "仄平仄平仄"  # 望 is wàng only today; classically 平 or 仄 ("?")
    assert check_poem(JINGYESI).lines[2].tones == "仄平?平仄"
    tongyun = check_poem(JINGYESI, system="tongyun")
    assert tongyun.rhyme_group == "十三昂" and tongyun.rhyme_ok


def test_qijue_rhymes_including_the_first_line():
    check = check_poem(BAIDI)
    assert check.form == "7x4" and check.form_ok
    assert check.rhyme_group == "十五删"
    assert check.rhyme_ok is True
    assert check.rhymes == [True, True, False, True]  # 间 shares the group: 首句入韵
    assert check.template == "平起首句入韵" and check.faults == []
    first = check_poem(BAIDI, rhyme_first_line=True)
    assert first.rhymes == [True, True, False, True]
    assert first.rhyme_ok is True
    modern = check_poem(BAIDI, system="xinyun")
    assert modern.rhyme_group == "八寒" and modern.rhymes == [True, True, False, True]


def test_first_line_that_does_not_rhyme_is_a_problem_when_required():
    check = check_poem(JINGYESI, rhyme_first_line=True)  # 光 is 十唐: it rhymes
    assert check.rhymes[0] is True
    broken = check_poem("床前明月花，疑是地上霜。举头望明月，低头思故乡。", rhyme_first_line=True)
    assert broken.rhyme_group == "七阳"
    assert broken.rhymes == [False, True, False, True]
    assert broken.rhyme_ok is False
    assert "Line 1 rhymes 花 (六麻) with 霜 (七阳): 出韵 under 平水韵." in broken.problems
    assert broken.form_ok is True  # the form itself is fine
    # Not asked for, line 1 need not rhyme: 花 is then just a line end (平 where 仄 is wanted).
    loose = check_poem("床前明月花，疑是地上霜。举头望明月，低头思故乡。")
    assert loose.rhyme_ok is True and loose.rhymes == [False, True, False, True]
    assert ("平仄", 0, 4) in [(f["kind"], f["line"], f["pos"]) for f in loose.faults]


def test_lushi():
    shanju = check_poem(SHANJU)
    assert shanju.form == "5x8"
    assert shanju.form_ok and shanju.rhyme_ok and shanju.rhyme_group == "十一尤"
    assert shanju.rhymes == [False, True] * 4
    assert shanju.faults == [] and shanju.template == "平起首句不入韵"
    assert check_poem(SHANJU, system="xinyun").rhyme_group == "七尤"
    wuti = check_poem(WUTI, rhyme_first_line=True)
    assert wuti.form == "7x8" and wuti.form_ok and wuti.rhyme_ok
    assert wuti.rhyme_group == "十四寒"
    assert wuti.rhymes == [True, True, False, True, False, True, False, True]
    assert wuti.faults == []


def test_modern_rhymes_differ_from_classical_ones():
    chunwang = check_poem(CHUNWANG)
    assert chunwang.form == "5x8" and chunwang.form_ok
    assert chunwang.rhyme_ok is True and chunwang.rhyme_group == "十二侵"
    assert rhyme_groups("簪", "xinyun") == frozenset({"八寒"})
    assert shared_rhyme(list("深心金"), "xinyun") == "九文"
    modern = check_poem(CHUNWANG, system="xinyun")
    assert modern.rhyme_ok is False
    assert "Line 8 rhymes 簪 (八寒) with 深 (九文): 出韵 under 中华新韵." in modern.problems
    denggao = check_poem(DENGGAO)
    assert denggao.form == "7x8" and denggao.form_ok and denggao.rhyme_ok is True
    assert denggao.rhyme_group == "十灰"
    assert check_poem(DENGGAO, system="xinyun").rhyme_ok is False


def test_poem_that_does_not_rhyme():
    check = check_poem("床前明月光，疑是地上霜。举头望明月，低头思故花。")
    assert check.form == "5x4" and check.form_ok
    # 霜 and 花 share nothing; 光 in line 1 tips the poem's group to 七阳, so 花 is the odd one out.
    assert check.rhyme_group == "七阳"
    assert check.rhyme_ok is False
    assert check.rhymes == [True, True, False, False]
    assert "Line 4 rhymes 花 (六麻) with 霜 (七阳): 出韵 under 平水韵." in check.problems
    # Rhyme words with no level reading at all leave no group to name.
    oblique = check_poem("床前明月光，疑是地上月。举头望明月，低头思故国。")
    assert oblique.rhyme_group is None and oblique.rhyme_ok is False
    assert [f["kind"] for f in oblique.faults if f["kind"] in ("韵脚非平", "重韵")] == ["韵脚非平", "韵脚非平"]


def test_rhyme_words_the_system_does_not_know():
    # 她 and 们 are modern characters, absent from the 平水韵 table: nothing to rhyme on.
    check = check_poem("床前明月光，疑是地上她。举头望明月，低头思故们。", form="5x4")
    assert check.rhyme_group is None and check.rhyme_ok is False
    assert check.lines[1].tones[-1] == "·"
    assert any("平水韵 does not list" in p for p in check.problems)


def test_line_with_wrong_length_is_named():
    text = "床前明月光，疑是地上霜。举头望明月，低头思故乡啊。"
    check = check_poem(text, form="5x4")
    assert check.form_ok is False
    assert check.form == "free"
    assert "Line 4 has 6 characters; 五绝 needs 5." in check.problems
    assert check.lines[3].length == 6


def test_requested_form_mismatch():
    check = check_poem(JINGYESI, form="7x8")
    assert check.form == "5x4"
    assert check.form_ok is False
    assert "The poem has 4 lines; 七律 needs 8." in check.problems
    assert "Line 1 has 5 characters; 七律 needs 7." in check.problems


def test_letters_inside_a_line_break_the_form():
    check = check_poem("床前明月光a，疑是地上霜。举头望明月，低头思故乡。", form="5x4")
    assert check.form_ok is False
    assert any(p.startswith("Line 1 ") for p in check.problems)


def test_free_forms():
    three = "\n".join(JINGYESI_LINES[:3])
    assert check_poem(three).form == "free"
    assert check_poem(three).form_ok is True
    assert check_poem(three, form="free").form_ok is True
    assert check_poem(three, form="free:3").form_ok is True
    wrong = check_poem(three, form="free:4")
    assert wrong.form_ok is False and "The poem has 3 lines; free:4 needs 4." in wrong.problems
    # Free verse is never held to a rhyme.
    assert check_poem("床前明月光，疑是地上霜。举头望明月，低头思故花。", form="free").rhyme_ok is True


def test_empty_poem_is_invalid():
    check = check_poem("  \n")
    assert check.form_ok is False
    assert check.lines == [] and check.form == "free"
    assert check.problems == ["The poem is empty."]
    assert check.rhyme_ok is True


@pytest.mark.parametrize("form", ["5x5", "free:", "free:x", "7x4x", "5 x 4"])
def test_unknown_form_raises(form):
    with pytest.raises(DecodeError, match="5x4"):
        check_poem(JINGYESI, form=form)


@pytest.mark.parametrize("form", ["free:0", "free:201"])
def test_free_line_count_out_of_range_raises(form):
    with pytest.raises(DecodeError, match="between 1 and 200"):
        check_poem(JINGYESI, form=form)


def test_acrostic_chinese():
    poem = "春眠不觉晓，夏日绿荫浓。秋风吹落叶，冬雪满山中。"
    ok = check_poem(poem, heads="春夏秋冬")
    assert ok.acrostic_ok is True
    assert not any("starts with" in p for p in ok.problems)
    bad = check_poem(poem, heads="春夏冬秋")
    assert bad.acrostic_ok is False
    assert "Line 3 starts with 秋, not 冬." in bad.problems
    short = check_poem("春眠不觉晓，夏日绿荫浓。", heads="春夏秋冬")
    assert short.acrostic_ok is False
    assert any("4 acrostic heads" in p for p in short.problems)
    assert check_poem(poem, heads="").acrostic_ok is None


def test_english_poem():
    check = check_poem(ENGLISH)
    assert check.form == "free"
    assert check.form_ok is True
    assert check.rhyme_ok is True
    assert check.rhymes == [False, False, False]
    assert check.rhyme_group is None
    assert all(line.tones == "" and line.rhyme == frozenset() for line in check.lines)
    assert [line.head for line in check.lines] == ["S", "T", "R"]
    assert check_poem(ENGLISH, heads="str").acrostic_ok is True
    assert check_poem(ENGLISH, heads="STR").acrostic_ok is True
    bad = check_poem(ENGLISH, heads="SAR")
    assert bad.acrostic_ok is False
    assert "Line 2 starts with T, not A." in bad.problems
    assert check_poem(ENGLISH, form="5x4").form_ok is False


def test_english_poem_gets_syllables_stress_and_scheme():
    # Sonnet 73's first quatrain: behold/cold and hang/sang rhyme in the CMU dictionary.
    poem = ("That time of year thou mayst in me behold\nWhen yellow leaves, or none, or few, do hang\n"
            "Upon those boughs which shake against the cold,\nBare ruin'd choirs, where late the sweet birds sang.\n")
    check = check_poem(poem)
    assert check.scheme == "ABAB"
    first = check.lines[0]
    # that 1, time 1, of 1, year 1, thou 1, mayst (estimated) 1, in 0, me 1, behold 01
    assert (first.syllables, first.stress, first.unknown) == (10, "1111110101", ["mayst"])
    assert check.lines[3].unknown == ["ruin'd"]
    assert check.form_ok is True and check.problems == []  # reported, not judged
    data = json.loads(json.dumps(check.to_dict()))
    assert data["scheme"] == "ABAB" and data["lines"][2]["syllables"] == 10
    assert check_poem(ENGLISH).scheme == "ABC"  # day, temperate, shake: no two rhyme
    chinese = check_poem(JINGYESI)
    assert chinese.scheme is None
    assert all(line.syllables is None and line.stress == "" and line.unknown == [] for line in chinese.lines)


def test_to_dict_is_json():
    check = check_poem(JINGYESI, heads="床疑举低")
    data = json.loads(json.dumps(check.to_dict(), ensure_ascii=False))
    assert data["form"] == "5x4"
    assert data["rhyme_group"] == "七阳"
    assert data["rhyme_system"] == "pingshui" and data["template"] == "平起首句入韵"
    assert [f["kind"] for f in data["faults"]] == ["平仄", "失粘", "失对"]
    assert data["acrostic_ok"] is True
    assert data["lines"][1]["rhyme"] == ["七阳"]
    assert data["lines"][0]["head"] == "床"
    assert data["copied_lines"] == []


# --------------------------------------------------------------------------- fingerprint


def _random_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = [chr(cp) for cp in range(0x4E00, 0x4E00 + 2000)]
    return ["".join(rng.choices(pool, k=rng.choice((5, 7)))) + rng.choice("，。") for _ in range(count)]


def test_fingerprint_contains_added_lines():
    lines = _random_lines(3000, seed=1)
    fp = Fingerprint.build(lines)
    assert len(fp) == 3000
    assert all(line in fp for line in lines)
    assert copied_lines(lines[:5], fp) == [0, 1, 2, 3, 4]


def test_fingerprint_normalizes():
    fp = Fingerprint.build(["床前明月光，", "Shall I compare thee to a summer's day?"])
    assert "床前明月光。" in fp
    assert "  床前 明月光！" in fp
    assert "shall i compare thee to a summers day" in fp
    assert "SHALL I COMPARE THEE TO A SUMMER’S DAY!" in fp
    assert "Ｓhall I compare thee to a summer's day" in fp  # full-width letter
    assert "床前明月" not in fp
    assert "疑是地上霜。" not in fp


def test_fingerprint_skips_short_lines():
    fp = Fingerprint.build(["春眠，", "abc", "", "，。！", "春眠不觉晓，", "春眠不觉晓。"])
    assert len(fp) == 1  # short lines skipped, duplicates after normalization counted once
    assert "春眠" not in fp and "abc" not in fp
    assert copied_lines(["春眠，", "春眠不觉晓"], fp) == [1]
    empty = Fingerprint.build([])
    assert len(empty) == 0 and "春眠不觉晓" not in empty


def test_fingerprint_false_positive_rate():
    fp = Fingerprint.build(_random_lines(5000, seed=2))
    unseen = _random_lines(2000, seed=3)
    hits = sum(line in fp for line in unseen)
    assert hits <= 20  # ≤ 1 %
    # A deliberately loose filter does let unseen lines through, so the check above can fail.
    loose = Fingerprint.build(_random_lines(5000, seed=2), fp_rate=0.5)
    assert sum(line in loose for line in unseen) > 20


def test_fingerprint_size():
    fp = Fingerprint.build(_random_lines(20000, seed=4), fp_rate=0.001)
    data = fp.to_dict()
    assert data["hashes"] == 10
    assert 1.7 <= len(base64.b64decode(data["data"])) / 20000 <= 1.9


def test_fingerprint_round_trip():
    lines = _random_lines(500, seed=5)
    fp = Fingerprint.build(lines)
    data = json.loads(json.dumps(fp.to_dict()))
    assert set(data) == {"kind", "version", "bits", "hashes", "lines", "data"}
    assert data["kind"] == "bloom" and data["version"] == 1 and data["lines"] == 500
    again = Fingerprint.from_dict(data)
    assert again == fp
    assert len(again) == 500
    assert all(line in again for line in lines)
    assert again.to_dict() == fp.to_dict()


def test_fingerprint_is_deterministic_across_processes():
    lines = ["床前明月光，", "疑是地上霜。"]
    here = Fingerprint.build(lines).to_dict()["data"]
    code = (
        "import json; from poetpad.core.verse import Fingerprint; "
        f"print(Fingerprint.build({lines!r}).to_dict()['data'])"
    )
    env_runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip()
        for seed in ("1", "2")
    }
    assert env_runs == {here}


def _good_dict() -> dict:
    return Fingerprint.build(_random_lines(50, seed=6)).to_dict()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: "not a dict",
        lambda d: None,
        lambda d: {**d, "kind": "cuckoo"},
        lambda d: {k: v for k, v in d.items() if k != "kind"},
        lambda d: {**d, "version": 2},
        lambda d: {**d, "version": True},
        lambda d: {**d, "bits": "1024"},
        lambda d: {**d, "bits": 2**33},
        lambda d: {**d, "bits": -8},
        lambda d: {**d, "bits": True},
        lambda d: {**d, "hashes": 0},
        lambda d: {**d, "hashes": 1000},
        lambda d: {**d, "lines": -1},
        lambda d: {**d, "lines": 1.5},
        lambda d: {**d, "data": "!!! not base64 !!!"},
        lambda d: {**d, "data": d["data"][:-4]},  # size mismatch
        lambda d: {**d, "bits": d["bits"] + 64},  # size mismatch
        lambda d: {**d, "data": 12},
        lambda d: {**d, "data": "ÿÿÿÿ"},
    ],
)
def test_fingerprint_from_dict_rejects_garbage(change):
    with pytest.raises(ModelFileError, match="fingerprint"):
        Fingerprint.from_dict(change(_good_dict()))


def test_check_poem_flags_copied_lines():
    fp = Fingerprint.build(["疑是地上霜。", "低头思故乡！", "春眠不觉晓，"])
    check = check_poem(JINGYESI, fingerprint=fp)
    assert check.copied_lines == [1, 3]
    assert "Line 2 repeats a line of the training text." in check.problems
    assert "Line 4 repeats a line of the training text." in check.problems
    assert check.form_ok is True  # copying is reported, not a form error
    assert check.to_dict()["copied_lines"] == [1, 3]
    assert check_poem(JINGYESI).copied_lines == []


# --------------------------------------------------------------------------- the one verdict


def test_ok_is_the_one_verdict_over_form_heads_rhyme_and_keywords():
    assert check_poem(JINGYESI).ok is True
    broken = check_poem("床前明月光，疑是地上霜。举头望明月，低头思故人。")  # 人 (十一真) in a 七阳 poem
    assert broken.form_ok is True and broken.rhyme_ok is False and broken.ok is False
    assert check_poem("床前明月光，疑是地上霜。举头望明月，低头思故人。", rhyme=False).ok is True  # not asked for
    assert check_poem(JINGYESI, heads="床疑举低").ok and not check_poem(JINGYESI, heads="春夏秋冬").ok
    assert not check_poem(JINGYESI, form="7x4").ok
    kept = check_poem(JINGYESI, keywords=("明月", "霜"))
    assert kept.ok and kept.problems == []
    missing = check_poem(JINGYESI, keywords=("明月", "雁", "秋"))
    assert not missing.ok and missing.problems == ["The keywords 雁、秋 are missing."]
    assert check_poem(JINGYESI, keywords=("雁",)).problems == ["The keyword 雁 is missing."]


def test_strict_tones_count_tone_faults_except_at_relaxed_places():
    # 静夜思's tone faults: 平仄 at (1, 3), 失粘 at (2, 1), 失对 at (3, 1); reported under basic tones.
    assert check_poem(JINGYESI, form="5x4").ok is True
    assert check_poem(JINGYESI, form="5x4", tone_mode="strict").ok is False
    relaxed = {(1, 3), (2, 1), (3, 1)}
    assert check_poem(JINGYESI, form="5x4", tone_mode="strict", relaxed=relaxed).ok is True
    assert check_poem(JINGYESI, form="5x4", tone_mode="strict", relaxed=relaxed - {(3, 1)}).ok is False


def test_a_poem_being_written_is_judged_by_the_lines_it_has():
    half = "床前明月光，\n疑是地上霜。"
    assert check_poem(half, form="5x4").ok is False  # two lines short
    assert check_poem(half, form="5x4", complete=False).ok is True
    assert check_poem(half, form="5x4", heads="床疑举低", complete=False).ok is True  # the heads so far
    assert check_poem(half, form="5x4", heads="床春举低", complete=False).ok is False


def test_an_english_metered_form_is_judged_by_its_meter_and_scheme():
    quatrain = ("Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
                "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date;")
    free = check_poem(quatrain)
    assert free.ok and free.problems == []  # no meter asked for: syllables are reported only
    judged = check_poem(quatrain, form="quatrain")
    # temperate scans as two syllables by the dictionary's first reading, and does not rhyme with date.
    assert judged.form_ok and not judged.ok
    assert "Line 2 has 9 syllables; quatrain needs 10–11." in judged.problems
    assert "Line 4 ends on 'date', which does not rhyme with 'temperate' (line 2)." in judged.problems


def test_copied_lines_are_reported_but_the_poem_stays_ok():
    check = check_poem(JINGYESI, fingerprint=Fingerprint.build(["举头望明月"]))
    assert check.ok and check.problems == ["Line 3 repeats a line of the training text."]


def test_half_width_marks_cut_a_chinese_line_as_the_editor_does():
    assert split_lines("床前明月光,疑是地上霜.") == ["床前明月光,", "疑是地上霜."]
    assert check_poem("床前明月光,疑是地上霜.举头望明月,低头思故乡.").form == "5x4"
