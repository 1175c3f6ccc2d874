"""Tests for poetpad.core.corpus and poetpad.core.cleaning: encodings, cleaning, splitting, JSON, stats and splits."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from poetpad.core import corpus
from poetpad.core.cleaning import normalize_punctuation, split_poems
from poetpad.core.corpus import (
    CorpusStats,
    Poem,
    compute_stats,
    detect_encoding,
    load_corpus,
    poem_bucket,
    read_text,
    split_train_valid,
)
from poetpad.errors import CorpusError

JINGYESI_SIMPLIFIED = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
JINGYESI_TRADITIONAL = "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。"
JINGYESI_LINES = ["床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。"]

# 杜甫《登高》, a 七律.
DENGGAO_LINES = [
    "风急天高猿啸哀，",
    "渚清沙白鸟飞回。",
    "无边落木萧萧下，",
    "不尽长江滚滚来。",
    "万里悲秋常作客，",
    "百年多病独登台。",
    "艰难苦恨繁霜鬓，",
    "潦倒新停浊酒杯。",
]

# Four 五绝 used for layout tests.
WUJUE = [
    "秦川雄帝宅，函谷壮皇居。绮殿千寻起，离宫百雉余。",
    "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
    "千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。",
    JINGYESI_SIMPLIFIED,
]


def verse(flat: str) -> str:
    """The expected layout of a regular poem: one clause per line."""
    lines, current = [], ""
    for ch in flat:
        current += ch
        if ch in "，。！？；":
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return "\n".join(lines)


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("text", "data_of", "expected"),
    [
        (JINGYESI_SIMPLIFIED, lambda t: t.encode("utf-8"), "utf-8"),
        (JINGYESI_SIMPLIFIED, lambda t: t.encode("utf-8-sig"), "utf-8-sig"),
        (JINGYESI_SIMPLIFIED, lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16"),
        (JINGYESI_SIMPLIFIED, lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
        (JINGYESI_SIMPLIFIED, lambda t: t.encode("gbk"), "gb18030"),
        (JINGYESI_SIMPLIFIED, lambda t: t.encode("gb18030"), "gb18030"),
        (JINGYESI_TRADITIONAL, lambda t: t.encode("big5"), "big5"),
        (JINGYESI_TRADITIONAL, lambda t: t.encode("gbk"), "gb18030"),  # traditional text saved as GBK
        ("Shall I compare thee to a summer's day?", lambda t: t.encode("ascii"), "utf-8"),
    ],
    ids=["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gbk", "gb18030", "big5", "gbk-trad", "ascii"],
)
def test_detects_encoding_of_short_texts(tmp_path, text, data_of, expected):
    data = data_of(text)
    assert detect_encoding(data) == expected
    path = write(tmp_path / "poem.txt", data)
    assert read_text(path) == text


def test_big5_and_gbk_files_load_to_the_same_lines(tmp_path):
    write(tmp_path / "big5.txt", JINGYESI_TRADITIONAL, "big5")
    write(tmp_path / "gbk.txt", JINGYESI_SIMPLIFIED, "gbk")
    trad = load_corpus(tmp_path / "big5.txt")
    simp = load_corpus(tmp_path / "gbk.txt")
    assert trad.poems[0].text == "床前明月光，\n疑是地上霜。\n舉頭望明月，\n低頭思故鄉。"
    assert simp.poems[0].text == "\n".join(JINGYESI_LINES)


def test_longer_gbk_and_big5_texts(tmp_path):
    gb_text = "\n\n".join(WUJUE) + "\n"
    assert detect_encoding(gb_text.encode("gbk")) == "gb18030"
    big5_text = "登鸛雀樓\n白日依山盡，黃河入海流。\n欲窮千里目，更上一層樓。\n"
    assert detect_encoding(big5_text.encode("big5")) == "big5"


def test_newlines_and_bom_are_normalized(tmp_path):
    path = write(tmp_path / "crlf.txt", "\ufeffline one\r\nline two\rline three\r\n", "utf-8")
    assert read_text(path) == "line one\nline two\nline three\n"


def test_binary_file_is_rejected(tmp_path):
    path = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    with pytest.raises(CorpusError, match="binary") as info:
        read_text(path)
    assert str(path) in str(info.value)


def test_control_characters_without_nul_count_as_binary(tmp_path):
    path = write(tmp_path / "controls.txt", b"abc" + bytes(range(1, 9)) * 20 + b"def")
    with pytest.raises(CorpusError, match="binary"):
        read_text(path)
    with pytest.raises(CorpusError, match="binary"):
        detect_encoding(b"abc" + bytes(range(1, 9)) * 20)


def test_utf16_with_bom_is_not_called_binary(tmp_path):
    path = write(tmp_path / "u16.txt", codecs.BOM_UTF16_LE + "Roses are red\n".encode("utf-16-le"))
    assert read_text(path) == "Roses are red\n"


def test_undecodable_text_is_reported(tmp_path):
    # Latin-1 bytes that are neither UTF-8 nor a plausible GB18030/Big5 text.
    path = write(tmp_path / "latin.txt", "Déjà vu à la fenêtre\n", "latin-1")
    with pytest.raises(CorpusError, match="Could not tell the text encoding") as info:
        read_text(path)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)


def test_empty_file_is_rejected(tmp_path):
    path = write(tmp_path / "empty.txt", b"")
    with pytest.raises(CorpusError, match="is empty") as info:
        load_corpus(path)
    assert str(path) in str(info.value)
    blank = write(tmp_path / "blank.txt", "\n  \n\n")
    with pytest.raises(CorpusError, match="is empty"):
        load_corpus(blank)


def test_missing_path_is_rejected(tmp_path):
    missing = tmp_path / "nowhere" / "poems.txt"
    with pytest.raises(CorpusError, match="does not exist") as info:
        load_corpus([missing])
    assert str(missing) in str(info.value)
    with pytest.raises(CorpusError, match="does not exist"):
        read_text(missing)


def test_file_larger_than_limit_is_rejected(tmp_path, monkeypatch):
    path = write(tmp_path / "big.txt", "Roses are red\n" * 10)
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 50)
    with pytest.raises(CorpusError, match="larger than") as info:
        read_text(path)
    assert str(path) in str(info.value)


def test_directory_named_to_read_text_is_rejected(tmp_path):
    with pytest.raises(CorpusError, match="is a folder"):
        read_text(tmp_path)


# --------------------------------------------------------------------------- folders


def test_folder_with_nothing_usable(tmp_path):
    folder = tmp_path / "poems"
    write(folder / "cover.png", b"\x89PNG\x00\x00")
    write(folder / "empty.txt", b"")
    write(folder / "notes.json", json.dumps({"name": "x"}))
    with pytest.raises(CorpusError) as info:
        load_corpus([folder])
    message = str(info.value)
    assert "No .txt, .md or chinese-poetry .json files with poems were found in" in message
    assert str(folder) in message
    assert "2 files passed over" in message


def test_folder_error_names_the_first_file_passed_over(tmp_path):
    folder = tmp_path / "poems"
    empty = write(folder / "only.txt", b"")
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    # The file's own sentence ("… is empty.") is quoted without its full stop, and one file is singular.
    assert str(info.value) == (
        f"No .txt, .md or chinese-poetry .json files with poems were found in {folder} "
        f"(1 file passed over; first: {empty} is empty)."
    )


def test_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match="No .txt, .md or chinese-poetry .json"):
        load_corpus(tmp_path)


def test_folder_skips_bad_files_and_loads_good_ones(tmp_path):
    folder = tmp_path / "poems"
    good_a = write(folder / "a.txt", WUJUE[0])
    bad = write(folder / "b.txt", b"\x00\x01\x02binary\x00")
    not_poetry = write(folder / "c.json", json.dumps([{"name": "李白", "desc": "诗人"}], ensure_ascii=False))
    good_d = write(folder / "sub" / "d.md", "# 登鹳雀楼\n\n" + WUJUE[1])
    write(folder / ".hidden.txt", WUJUE[2])
    write(folder / ".git" / "x.txt", WUJUE[3])
    write(folder / "cover.jpg", b"\xff\xd8\xff\x00")

    result = load_corpus([folder])

    assert [p.text for p in result.poems] == [verse(WUJUE[0]), verse(WUJUE[1])]
    assert result.files == [str(good_a), str(good_d)]
    assert [path for path, _ in result.skipped] == [str(bad), str(not_poetry)]
    assert "binary" in result.skipped[0][1]
    assert "not a chinese-poetry JSON file" in result.skipped[1][1]
    assert result.poems[1].title == "登鹳雀楼"
    assert result.poems[0].source == str(good_a)


def test_explicit_bad_file_raises_even_next_to_good_ones(tmp_path):
    good = write(tmp_path / "good.txt", WUJUE[0])
    bad = write(tmp_path / "bad.json", "[1, 2, 3]")
    with pytest.raises(CorpusError, match="not a chinese-poetry JSON file") as info:
        load_corpus([good, bad])
    assert str(bad) in str(info.value)


def test_explicit_file_with_other_extension_is_read_as_text(tmp_path):
    path = write(tmp_path / "poems.poem", JINGYESI_SIMPLIFIED)
    assert [p.text for p in load_corpus(str(path)).poems] == ["\n".join(JINGYESI_LINES)]


def test_same_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path / "a.txt", WUJUE[0])
    result = load_corpus([path, tmp_path])
    assert result.files == [str(path)]
    assert len(result.poems) == 1


# --------------------------------------------------------------------------- splitting and cleaning


def test_one_poem_per_line_and_blank_line_layouts_agree():
    per_line = "\n".join(WUJUE) + "\n"
    blank_lines = "\n\n".join(verse(p) for p in WUJUE) + "\n"
    expected = [verse(p) for p in WUJUE]
    assert split_poems(per_line) == expected
    assert split_poems(blank_lines) == expected


def test_file_without_blank_lines_that_is_not_poem_per_line_is_one_poem():
    text = "The sea is calm tonight.\nThe tide is full, the moon lies fair\nUpon the straits."
    assert split_poems(text) == [text]


def test_seven_character_regular_poem_written_in_long_lines_stays_one_poem():
    couplets = [DENGGAO_LINES[i] + DENGGAO_LINES[i + 1] for i in range(0, 8, 2)]
    assert split_poems("\n".join(couplets)) == ["\n".join(DENGGAO_LINES)]
    halves = ["".join(DENGGAO_LINES[:4]), "".join(DENGGAO_LINES[4:])]
    assert split_poems("\n".join(halves)) == ["\n".join(DENGGAO_LINES)]


def test_clause_splitting_of_wujue_and_qilu():
    assert split_poems(JINGYESI_SIMPLIFIED) == ["\n".join(JINGYESI_LINES)]
    assert split_poems("".join(DENGGAO_LINES)) == ["\n".join(DENGGAO_LINES)]
    half_width = "床前明月光,疑是地上霜.举头望明月,低头思故乡."
    assert split_poems(half_width) == ["\n".join(JINGYESI_LINES)]


def test_irregular_clauses_keep_lines_as_written():
    ci = "寻寻觅觅，冷冷清清，凄凄惨惨戚戚。\n知否，知否？应是绿肥红瘦。"
    assert split_poems(ci) == [ci]


def test_spaces_between_hanzi_are_removed_and_spaced_clauses_become_lines():
    assert split_poems("床 前 明 月 光 ， 疑 是 地 上 霜 。") == ["床前明月光，\n疑是地上霜。"]
    assert split_poems("床前明月光 疑是地上霜\n举头望明月 低头思故乡") == [
        "床前明月光\n疑是地上霜\n举头望明月\n低头思故乡"
    ]


def test_english_poems_are_kept_as_written():
    text = (
        "Because I could not stop for Death –  \n"
        "He kindly stopped   for me –\n"
        "The Carriage held but just Ourselves –\n"
        "\n"
        "We slowly drove – He knew no haste,\n"
        "And I had put away.\n"
    )
    assert split_poems(text) == [
        "Because I could not stop for Death –\n"
        "He kindly stopped for me –\n"
        "The Carriage held but just Ourselves –",
        "We slowly drove – He knew no haste,\nAnd I had put away.",
    ]


def test_normalize_punctuation_only_touches_chinese():
    english = "Hello, world. (Yes!) Is it; really: so?"
    assert normalize_punctuation(english) == english
    assert normalize_punctuation("你好,世界!真的?(注)") == "你好，世界！真的？（注）"
    assert normalize_punctuation("I said 你好, then left (quietly).") == "I said 你好， then left (quietly)."


def test_notes_in_brackets_and_gap_marks():
    text = (
        "床前明月光（一作看月光），疑是地上霜【注】。举头望明月(一作山月)，低头思故乡〔一〕。\n"
        "\n"
        "白日依□尽，黄河入海流。欲穷千里目，更上一层楼。\n"
        "\n"
        "千山鸟飞绝[1]，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。"
    )
    assert split_poems(text) == [
        "\n".join(JINGYESI_LINES),
        "千山鸟飞绝[1]，\n万径人踪灭。\n孤舟蓑笠翁，\n独钓寒江雪。",
    ]


def test_title_and_author_lines_above_a_chinese_poem(tmp_path):
    path = write(tmp_path / "p.txt", "静夜思\n李白\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n")
    (poem,) = load_corpus(path).poems
    assert (poem.title, poem.author, poem.text) == ("静夜思", "李白", "\n".join(JINGYESI_LINES))


def test_title_prefix_lines_in_one_poem_per_line_files(tmp_path):
    path = write(
        tmp_path / "p.txt", "静夜思:" + WUJUE[3] + "\n登鹳雀楼：" + WUJUE[1] + "\n" + WUJUE[2] + "\n"
    )
    poems = load_corpus(path).poems
    assert [(p.title, p.text) for p in poems] == [
        ("静夜思", verse(WUJUE[3])),
        ("登鹳雀楼", verse(WUJUE[1])),
        ("", verse(WUJUE[2])),
    ]


def test_markdown_headings_become_titles(tmp_path):
    text = (
        "---\n"
        "title: My notebook\n"
        "---\n"
        "# 静夜思\n"
        "\n"
        "> **床前明月光，疑是地上霜。**\n"
        "> 举头望明月，低头思故乡。\n"
        "\n"
        "***\n"
        "## Ozymandias ##\n"
        "I met a traveller from an antique land,\n"
        "*Who said—Two vast and trunkless legs of stone*\n"
        "---\n"
        "_Stand in the desert._\n"
    )
    path = write(tmp_path / "notebook.md", text)
    poems = load_corpus(path).poems
    assert [(p.title, p.text) for p in poems] == [
        ("静夜思", "\n".join(JINGYESI_LINES)),
        (
            "Ozymandias",
            "I met a traveller from an antique land,\nWho said—Two vast and trunkless legs of stone",
        ),
        ("", "Stand in the desert."),
    ]


def test_chinese_poetry_json_list_with_notes_and_gaps(tmp_path):
    items = [
        {
            "author": "李白",
            "title": "静夜思",
            "paragraphs": ["床前明月光（一作看月光），疑是地上霜。", "举头望明月，低头思故乡。"],
        },
        {
            "author": "王之涣",
            "title": "登鹳雀楼",
            "paragraphs": ["白日依□尽，黄河入海流。", "欲穷千里目，更上一层楼。"],
        },
        {"author": "李清照", "rhythmic": "如梦令", "paragraphs": ["常记溪亭日暮，沉醉不知归路。"]},
    ]
    path = write(tmp_path / "poet.tang.0.json", json.dumps(items, ensure_ascii=False))
    poems = load_corpus(path).poems
    assert [(p.title, p.author, p.text) for p in poems] == [
        ("静夜思", "李白", "\n".join(JINGYESI_LINES)),
        ("如梦令", "李清照", "常记溪亭日暮，\n沉醉不知归路。"),
    ]
    assert all(p.source == str(path) for p in poems)


def test_chinese_poetry_json_single_object(tmp_path):
    item = {
        "title": "江雪",
        "author": "柳宗元",
        "paragraphs": ["千山鸟飞绝，万径人踪灭。", "孤舟蓑笠翁，独钓寒江雪。"],
    }
    path = write(tmp_path / "one.json", json.dumps(item, ensure_ascii=True))
    (poem,) = load_corpus(path).poems
    assert poem == Poem(verse(WUJUE[2]), "江雪", "柳宗元", str(path))


def test_simplify_converts_traditional_to_simplified(tmp_path):
    path = write(tmp_path / "trad.txt", JINGYESI_TRADITIONAL, "big5")
    assert load_corpus(path, simplify=True).poems[0].text == "\n".join(JINGYESI_LINES)
    assert "舉頭望明月，" in load_corpus(path).poems[0].text
    item = {"title": "靜夜思", "author": "李白", "paragraphs": [JINGYESI_TRADITIONAL]}
    json_path = write(tmp_path / "trad.json", json.dumps(item, ensure_ascii=False))
    (poem,) = load_corpus(json_path, simplify=True).poems
    assert (poem.title, poem.text) == ("静夜思", "\n".join(JINGYESI_LINES))


def test_duplicates_are_dropped_keeping_the_first(tmp_path):
    a = write(tmp_path / "a.txt", WUJUE[0] + "\n\n" + WUJUE[1] + "\n\n" + WUJUE[0])
    b = write(tmp_path / "b.txt", "\n".join(verse(WUJUE[1]).split("\n")))
    c = write(tmp_path / "c.txt", WUJUE[2])
    result = load_corpus([a, b, c])
    assert [p.text for p in result.poems] == [verse(WUJUE[0]), verse(WUJUE[1]), verse(WUJUE[2])]
    assert result.files == [str(a), str(c)]
    assert all(p.source == str(a) for p in result.poems[:2])


def test_traditional_duplicate_of_simplified_poem_is_dropped_when_simplifying(tmp_path):
    a = write(tmp_path / "a.txt", JINGYESI_SIMPLIFIED)
    b = write(tmp_path / "b.txt", JINGYESI_TRADITIONAL, "big5")
    assert len(load_corpus([a, b], simplify=True).poems) == 1
    assert len(load_corpus([a, b]).poems) == 2


def test_poem_texts_have_no_blank_or_trailing_lines(tmp_path):
    path = write(tmp_path / "p.txt", "\n\n  Line one  \n\tline two\t\n\n\n\nline three\n\n")
    poems = load_corpus(path).poems
    assert [p.text for p in poems] == ["Line one\nline two", "line three"]


# --------------------------------------------------------------------------- sha, stats, split


def test_sha256_covers_poem_texts_in_order(tmp_path):
    path = write(tmp_path / "p.txt", "\n\n".join(WUJUE))
    result = load_corpus(path)
    expected = hashlib.sha256("\n\n".join(verse(p) for p in WUJUE).encode("utf-8")).hexdigest()
    assert result.sha256 == expected


def test_stats_for_a_known_input(tmp_path):
    english = ["Roses are red,", "Violets are blue, my dear"]
    poems_lines = [JINGYESI_LINES, DENGGAO_LINES, english]
    text = "\n\n".join("\n".join(lines) for lines in poems_lines)
    path = write(tmp_path / "mix.txt", text)
    stats = load_corpus(path).stats

    all_lines = [line for lines in poems_lines for line in lines]
    hanzi = sum(1 for line in JINGYESI_LINES + DENGGAO_LINES for ch in line if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for line in english for ch in line if ch.isalpha())
    assert stats.poems == 3
    assert stats.lines == 4 + 8 + 2
    assert stats.chars == sum(len(line) for line in all_lines)
    assert stats.distinct_chars == len(set("".join(all_lines)))
    expected_hist = Counter(sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff") for line in JINGYESI_LINES)
    expected_hist.update(sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff") for line in DENGGAO_LINES)
    expected_hist.update(len(re.findall(r"[A-Za-z]+", line)) for line in english)
    assert stats.line_length_hist == dict(expected_hist) == {5: 5, 7: 8, 3: 1}
    assert stats.form_hist == {"5x4": 1, "7x8": 1, "english": 1}
    assert stats.language == ("zh" if hanzi >= letters else "en") == "zh"


def test_stats_line_lengths_and_forms_count_only_hanzi():
    poems = [
        Poem("白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"),
        Poem("春眠不觉晓\n处处闻啼鸟"),  # 2 lines of 5: "other"
        Poem("The fog comes\non little cat feet."),
    ]
    stats = compute_stats(poems)
    assert stats.line_length_hist == {5: 6, 3: 1, 4: 1}
    assert stats.form_hist == {"5x4": 1, "other": 1, "english": 1}
    assert stats.chars == 6 * 4 + 5 * 2 + len("The fog comes") + len("on little cat feet.")
    assert stats.lines == 8


def test_language_is_english_for_mostly_latin_text():
    stats = compute_stats([Poem("Shall I compare thee to a summer's day?"), Poem("春眠不觉晓")])
    assert stats.language == "en"


def test_stats_to_dict_is_json_able():
    stats = CorpusStats(2, 8, 40, 30, {5: 8}, {"5x4": 2}, "zh")
    data = json.loads(json.dumps(stats.to_dict()))
    assert data["line_length_hist"] == {"5": 8}
    assert data["form_hist"] == {"5x4": 2}
    assert data["poems"] == 2 and data["language"] == "zh"


def test_split_is_deterministic_partition_following_bucket_rule():
    poems = [Poem(f"第{i}首，春风又绿江南岸。") for i in range(300)]
    train, valid = split_train_valid(poems, valid_percent=10)
    again = split_train_valid(list(poems), valid_percent=10)
    assert (train, valid) == again
    assert len(train) + len(valid) == len(poems)
    assert set(train).isdisjoint(valid)
    assert sorted(train + valid, key=poems.index) == poems
    for poem in poems:
        bucket = int(hashlib.md5(poem.text.encode("utf-8")).hexdigest(), 16) % 100
        assert poem_bucket(poem.text) == bucket
        assert (poem in valid) == (bucket < 10)
    assert 10 <= len(valid) <= 50  # about 10% of 300
    assert split_train_valid(poems, valid_percent=0) == (poems, [])


def test_min_chars_error_names_both_numbers(tmp_path):
    path = write(tmp_path / "p.txt", JINGYESI_SIMPLIFIED)
    chars = len(JINGYESI_SIMPLIFIED)
    with pytest.raises(CorpusError) as info:
        load_corpus(path, min_chars=corpus.MIN_TRAIN_CHARS)
    assert str(info.value) == f"The corpus has {chars} characters of poems; training needs at least 1000."
    assert load_corpus(path, min_chars=chars).stats.chars == chars


def test_importing_corpus_loads_no_qt_torch_or_opencc():
    code = (
        "import sys, poetpad.core.corpus; "
        "print(sorted(m for m in ('PySide6', 'torch', 'opencc') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"
