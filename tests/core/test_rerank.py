"""Whole-poem scores: repetition, stock phrases, couplet parallelism, distinct candidates.

The couplet and stock-phrase tests read the shipped poetpad/data/couplets.json (never the corpus);
the rest work on text made here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from poetpad.core import rerank
from poetpad.errors import DecodeError

# Middle couplets of well-known 律诗 (and two 工对 quatrains), parallel by any reader's judgement:
# noun faces noun, verb faces verb, number faces number, colour faces colour.
PARALLEL = [
    ("明月松间照", "清泉石上流"),  # 王维 山居秋暝
    ("竹喧归浣女", "莲动下渔舟"),
    ("感时花溅泪", "恨别鸟惊心"),  # 杜甫 春望
    ("烽火连三月", "家书抵万金"),
    ("星垂平野阔", "月涌大江流"),  # 杜甫 旅夜书怀
    ("大漠孤烟直", "长河落日圆"),  # 王维 使至塞上
    ("无边落木萧萧下", "不尽长江滚滚来"),  # 杜甫 登高
    ("万里悲秋常作客", "百年多病独登台"),
    ("两个黄鹂鸣翠柳", "一行白鹭上青天"),  # 杜甫 绝句
    ("窗含西岭千秋雪", "门泊东吴万里船"),
    ("白日依山尽", "黄河入海流"),  # 王之涣 登鹳雀楼
    ("国破山河在", "城春草木深"),  # 杜甫 春望
]
# Couplets that run on as one sentence (the openings and endings of 绝句), with no facing at all.
NOT_PARALLEL = [
    ("床前明月光", "疑是地上霜"),
    ("春眠不觉晓", "处处闻啼鸟"),
    ("借问酒家何处有", "牧童遥指杏花村"),
    ("劝君更尽一杯酒", "西出阳关无故人"),
    ("故人西辞黄鹤楼", "烟花三月下扬州"),
    ("洛阳亲友如相问", "一片冰心在玉壶"),
    ("夜来风雨声", "花落知多少"),
]
SHANJU = ["空山新雨后，", "天气晚来秋。", "明月松间照，", "清泉石上流。",
          "竹喧归浣女，", "莲动下渔舟。", "随意春芳歇，", "王孙自可留。"]
LUSHI = ((2, 3), (4, 5))


@pytest.fixture
def fresh_data():
    """load_data's cache emptied before and after, for tests that point it elsewhere."""
    rerank.load_data.cache_clear()
    yield
    rerank.load_data.cache_clear()


# -- couplets -----------------------------------------------------------------------------------


def test_a_parallel_line_scores_above_a_running_one():
    # 明/清 and 月/泉 (brightness, nature), 松/石 (things of the hills), 间/上 (place words), 照/流
    # (verbs) all face their kind, and the tones oppose at 月/泉 and 照/流; 一夜到天明 faces 明
    # with a number and 松 with a verb.
    parallel = rerank.couplet_score("明月松间照", "清泉石上流")
    running = rerank.couplet_score("明月松间照", "一夜到天明")
    assert parallel > running + 0.5


@pytest.mark.parametrize(("first", "second"), PARALLEL)
def test_famous_middle_couplets_are_parallel(first, second):
    assert rerank.is_parallel(first, second)


@pytest.mark.parametrize(("first", "second"), NOT_PARALLEL)
def test_run_on_couplets_are_not_parallel(first, second):
    assert not rerank.is_parallel(first, second)


def test_couplet_score_ignores_punctuation_and_needs_equal_lengths():
    assert rerank.couplet_score("明月松间照，", "清泉石上流。") == rerank.couplet_score("明月松间照", "清泉石上流")
    assert rerank.couplet_score("明月松间照", "清泉石上流水") == 0.0
    assert rerank.couplet_score("", "") == 0.0
    assert rerank.couplet_score("明月松间照", "清泉石上流") == rerank.couplet_score("清泉石上流", "明月松间照")


def test_a_character_facing_itself_earns_nothing():
    data = rerank.load_data()
    assert data.facing("月", "月") == 0.0
    assert data.facing("月", "泉") > 0.0


def test_tone_opposition_uses_classical_tones():
    # 白 and 石 are 入声 (仄) in 平水韵, though 白 is level in Mandarin: 青/白 oppose.
    assert rerank.tone_opposition("青", "白") == 1.0
    assert rerank.tone_opposition("青", "黄") == 0.0
    # 2nd, 4th and last positions: 月/泉 oppose, 间 (平 or 仄)/上 may, 照/流 oppose.
    assert rerank.tone_opposition("明月松间照", "清泉石上流") == pytest.approx(2.5 / 3)


# -- repetition ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("白日依山尽，黄河入海流。", 0),
    ("春风吹柳绿，春雨润花红。", 1),           # 春 twice
    ("萧萧落木下，滚滚长江来。", 0),           # 叠字 are a device
    ("萧萧落木下，萧瑟长江来。", 1),           # 萧萧 counts once, 萧瑟 repeats it
    ("山山山水水，", 0),                       # a run of three is still 叠字
    ("江上月，\n月下江。", 2),                 # 月 ends one line and starts the next: no 叠字
    ("春风春风春风", 4),                       # 春 and 风 twice more each
])
def test_repeated_chars(text, expected):
    assert rerank.repeated_chars(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("春风吹柳绿，春风润花红。", 1),
    ("春风吹柳绿，春风润花红。春风满江楼。", 2),
    ("萧萧落木下，萧萧长江来。", 0),           # 叠字 pairs are not words repeated
    ("明\n月明\n月", 0),                       # 明月 across a line break is no bigram
    ("白日依山尽，黄河入海流。", 0),
])
def test_repeated_bigrams(text, expected):
    assert rerank.repeated_bigrams(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("But but she did in good opinions bated", 1),
    ("And AND the the night", 2),                # any case, each pair
    ("No, no, my lord; away, away!", 0),          # a mark between: meant
    ("the theme of thee", 0),                     # a word that only begins like the last
    ("thou thou'rt", 0),                          # another word
    ("my love\nlove is", 0),                     # a line break between
])
def test_doubled_words(text, expected):
    assert rerank.doubled_words(text) == expected
    assert rerank.poem_score(text.split("\n"), -1.0) == pytest.approx(-1.0 - rerank.W_DOUBLED_WORDS * expected)


# -- stock phrases ------------------------------------------------------------------------------


def test_stock_penalty_counts_every_overused_bigram():
    stock = "不知何处去，何处不知归。不知何处是，何处不知还。"
    fresh = "竹喧归浣女，莲动下渔舟。"
    assert rerank.stock_penalty(stock) > 10 * max(1.0, rerank.stock_penalty(fresh))
    once = rerank.stock_penalty("不知")
    assert once > 1.0  # the most overused bigram weighs more than the least kept (1.0)
    assert rerank.stock_penalty("不知，不知。") == pytest.approx(2 * once)
    assert rerank.stock_penalty("知\n不") == 0.0  # no bigram across lines


# -- overlap and picking ------------------------------------------------------------------------


def test_line_overlap_is_the_larger_share_and_ignores_punctuation():
    a = ["一二三四五，", "上山采蘼芜。", "下山逢故夫，", "长跪问故夫。"]
    assert rerank.line_overlap(a, a) == 1.0
    assert rerank.line_overlap(a, ["一二三四五。", "六七八九十，", "甲乙丙丁戊，", "己庚辛壬癸。"]) == 0.25
    assert rerank.line_overlap(a, ["下山逢故夫", "别的诗句"]) == 0.5  # one of the shorter's two lines
    assert rerank.line_overlap(a, []) == 0.0
    assert rerank.line_overlap(["Shall I compare thee", "to a summer's day?"],
                               ["shall i compare thee!", "Thou art more lovely"]) == 0.5


def test_pick_distinct_keeps_order_and_limits_overlap():
    a = ("a", ["一", "二", "三", "四"])
    b = ("b", ["一", "二", "五", "六"])  # shares half of a's lines
    c = ("c", ["七", "八", "九", "十"])
    d = ("d", ["一", "甲", "乙", "丙"])  # shares a quarter with a
    e = ("e", ["一", "二", "三", "丁"])  # shares three quarters with a
    items = [a, b, c, d, e]

    def lines(item):
        return item[1]

    assert rerank.pick_distinct(items, 2, lines) == [a, c]
    assert rerank.pick_distinct(items, 3, lines) == [a, c, d]
    # Too few qualify: the least overlapping of the rest come after, b (½) before e (¾).
    assert rerank.pick_distinct(items, 5, lines) == [a, c, d, b, e]
    # Nothing may be shared: only a and c qualify, then d (¼) is the least overlapping of the rest.
    assert rerank.pick_distinct(items, 3, lines, max_shared=0.0) == [a, c, d]
    assert rerank.pick_distinct(items, 9, lines) == [a, c, d, b, e]
    assert rerank.pick_distinct(items, 0, lines) == []
    assert rerank.pick_distinct([], 3, lines) == []


# -- the whole poem -----------------------------------------------------------------------------


def test_poem_score_subtracts_faults_and_adds_couplets():
    base = -3.0
    clean = ["白日依山尽，", "黄河入海流。"]
    faulty = ["不知何处去，", "何处不知归。"]
    assert rerank.poem_score(clean, base) > rerank.poem_score(faulty, base)
    assert rerank.poem_score(faulty, base) < base
    text = "\n".join(faulty)
    expected = (base - rerank.W_REPEATED_CHARS * rerank.repeated_chars(text)
                - rerank.W_REPEATED_BIGRAMS * rerank.repeated_bigrams(text)
                - rerank.W_STOCK * rerank.stock_penalty(text))
    assert rerank.poem_score(faulty, base) == pytest.approx(expected)
    with_couplets = rerank.poem_score(SHANJU, base, couplets=LUSHI)
    expected_gain = rerank.W_COUPLET * sum(rerank.couplet_score(SHANJU[i], SHANJU[j]) for i, j in LUSHI)
    assert with_couplets - rerank.poem_score(SHANJU, base) == pytest.approx(expected_gain)
    assert expected_gain > 0
    with pytest.raises(ValueError):
        rerank.poem_score(clean, base, couplets=LUSHI)


def test_rhyme_word_logp_averages_the_words_that_answer_a_rhyme():
    scheme = {0: "A", 1: "B", 2: "A", 3: "B"}.get
    first = "Shall I compare thee to a summer's day?\n"
    rest = ("Thou art more lovely and more temperate:\nRough winds do shake the darling buds of May,\n"
            "And summer's lease hath all too short a date.")
    text = first + rest
    logps = [-1.0] * len(rest)
    may, date = rest.index("May"), rest.index("date")
    logps[may:may + 3] = [-3.0, -4.0, -5.0]  # "May" answers "day"
    logps[date:date + 4] = [-2.0, float("nan"), -2.0, -2.0]  # "date" answers "temperate"; one letter unscored
    assert rerank.rhyme_word_logp(text, rest, logps, scheme) == pytest.approx((-4.0 + -2.0) / 2)
    # Lines that open a rhyme, and the poet's own lines, do not count.
    second = rest.split("\n")[0]  # "…temperate:" opens B
    assert rerank.rhyme_word_logp(first + second, second, [-1.0] * len(second), scheme) is None
    given = first + rest.rsplit("\n", 1)[0] + "\n"  # the poet wrote three lines; only "date" is the model's
    last = rest.rsplit("\n", 1)[1]
    assert rerank.rhyme_word_logp(given + last, last, [-2.5] * len(last), scheme) == pytest.approx(-2.5)
    assert rerank.rhyme_word_logp(text, rest, logps, lambda i: "") is None  # blank verse: nothing answers
    assert rerank.rhyme_word_logp(text, rest, logps[:-1], scheme) is None  # one log-probability short


def test_poem_score_prefers_the_real_middle_couplets_to_swapped_lines():
    swapped = SHANJU[:3] + [SHANJU[5], SHANJU[4], SHANJU[3]] + SHANJU[6:]  # 明月松间照 / 莲动下渔舟 …
    assert rerank.poem_score(SHANJU, -3.0, couplets=LUSHI) > rerank.poem_score(swapped, -3.0, couplets=LUSHI)


# -- the data file ------------------------------------------------------------------------------


def test_the_shipped_data_records_its_source_and_figures():
    data = json.loads(rerank.DATA_FILE.read_text(encoding="utf-8"))
    assert rerank.DATA_FILE.stat().st_size < 2_000_000
    assert data["source"]["package"] == "chinese-poetry" and data["source"]["version"] == "2.0.1"
    assert len(data["source"]["archive_sha256"]) == 64
    assert "MIT" in data["licence"]
    evaluation = data["evaluation"]
    assert evaluation["real_parallel"] > 0.7 > 0.15 > evaluation["random_parallel"]
    loaded = rerank.load_data()
    assert len(loaded.pairs) == data["counts"]["pairs_kept"] > 10_000
    assert all(value > 0 for value in loaded.pairs.values())
    assert {"不知", "何处", "春风", "人间"} <= set(loaded.stock)


def test_missing_data_is_a_clear_error(tmp_path, monkeypatch, fresh_data):
    monkeypatch.setattr(rerank, "DATA_FILE", tmp_path / "couplets.json")
    with pytest.raises(DecodeError, match="couplet statistics"):
        rerank.couplet_score("明月松间照", "清泉石上流")
    (tmp_path / "couplets.json").write_text('{"format": "something else"}', encoding="utf-8")
    rerank.load_data.cache_clear()
    with pytest.raises(DecodeError):
        rerank.stock_penalty("不知")


def test_rerank_imports_neither_torch_nor_qt():
    code = ("import sys\nimport poetpad.core.rerank as r\nr.couplet_score('明月松间照', '清泉石上流')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'shiboken6')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


# -- the build ----------------------------------------------------------------------------------


def test_the_build_learns_facing_classes_from_a_tiny_corpus():
    """build_data on made-up 律诗 whose middle couplets face character class with class: the facing
    pairs it keeps are within a class, and it tells real couplets from lines of different poems."""
    import random

    from poetpad.core.corpus import Poem
    from poetpad.tools import build_couplets

    kinds = ["山水风月花草云雨", "红白青黄绿紫", "一二三千万百", "飞落流照生开", "东西南北前后"]
    kind_of = {ch: k for k, chars in enumerate(kinds) for ch in chars}
    everything = "".join(kinds)
    rng = random.Random(7)

    def poem() -> Poem:
        lines = ["".join(rng.choice(everything) for _ in range(5)) for _ in range(8)]
        for i, j in build_couplets.COUPLETS:
            shape = [rng.randrange(len(kinds)) for _ in range(5)]
            lines[i] = "".join(rng.choice(kinds[k]) for k in shape)
            lines[j] = "".join(rng.choice(kinds[k]) for k in shape)
        return Poem("\n".join(line + ("，" if n % 2 == 0 else "。") for n, line in enumerate(lines)))

    split = build_couplets.Split(learn=[poem() for _ in range(400)], dev=[poem() for _ in range(60)],
                                 test=[poem() for _ in range(60)])
    data = build_couplets.build_data(split, {"package": "made up"}, {}, on_line=lambda line: None)
    learnt = rerank.CoupletData.from_dict(data)
    assert len(learnt.pairs) > 50
    assert all(kind_of[key[0]] == kind_of[key[1]] for key in learnt.pairs)
    evaluation = data["evaluation"]
    assert evaluation["real_parallel"] > 0.9 and evaluation["random_parallel"] < 0.5
    assert evaluation["auc"] > 0.9
    assert len(learnt.stock) == min(build_couplets.STOCK_COUNT, data["counts"]["stock"]["distinct_bigrams"])


def test_the_reduplications_are_the_ones_poets_use():
    doubled = rerank.load_data().reduplicable
    assert set("萧依悠茫处年纷") <= doubled  # 萧萧 依依 悠悠 茫茫 处处 年年 纷纷
    assert not set("水来吹自此月") & doubled  # 水水 and 来来 occur, but are not how poets use 水 and 来
