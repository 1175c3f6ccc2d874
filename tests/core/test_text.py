"""The ground floor: character classes, clauses, the table of forms and its parser, each defined once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from poetpad.core.text import (
    CLAUSE_RE,
    FIXED_FORMS,
    FREE,
    LINE_LENGTHS,
    WORD_RE,
    Form,
    clause_spans,
    count_alnum,
    count_cjk,
    count_words,
    fixed_form,
    full_width_marks,
    hanzi,
    is_chinese,
    is_cjk,
    language_of,
    parse_form,
)
from poetpad.errors import DecodeError

PACKAGE = Path(__file__).resolve().parents[2] / "poetpad"


def test_is_cjk():
    assert is_cjk("明") and is_cjk("㐀") and is_cjk("豈") and is_cjk("𠀀")
    assert is_cjk("\U000323af") and not is_cjk("\U000323b0")  # the last of extension H, then nothing
    assert not is_cjk("a") and not is_cjk("，") and not is_cjk("ア") and not is_cjk("明月") and not is_cjk("")


def test_counting_and_language():
    assert count_cjk("床前明月光，abc") == 5 and count_alnum("床前明月光，abc 12") == 10
    assert hanzi("床前 moon 明月，") == "床前明月"
    assert is_chinese("床前明月光") and is_chinese("春天 ab") and not is_chinese("春 ab") and not is_chinese("")
    assert language_of("Shall I compare thee") == "en"
    assert language_of("床前明月光，疑是") == "zh"
    assert language_of("") is None and language_of("，。 123") is None


def test_a_line_is_in_the_language_most_of_it_is_in():
    # The one language rule, for a line as for a poem: the gutter and `poetpad check` both ask it.
    assert language_of("I love 春") == "en" and not is_chinese("I love 春")
    assert language_of("春风 ok") == "zh" and language_of("春风吹 hello") == "en"  # 3 hanzi of 8 letters
    assert language_of("春风 is") == "zh"  # half the letters are hanzi: Chinese


def test_an_english_word_is_letters_with_apostrophes_inside():
    assert WORD_RE.findall("Shall I compare thee to a summer's day?") == [
        "Shall", "I", "compare", "thee", "to", "a", "summer's", "day"]
    assert WORD_RE.findall("’Tis o’er: 3 blind_mice, self-love") == ["Tis", "o’er", "blind", "mice", "self", "love"]
    assert count_words("Shall I compare thee to a summer's day?") == 8 and count_words("123 — !") == 0


def test_clause_spans_are_the_verse_lines_of_a_line():
    def lines(text):
        return [text[a:b] for a, b in clause_spans(text)]

    assert lines("床前明月光，疑是地上霜。") == ["床前明月光，", "疑是地上霜。"]
    assert lines("床前明月光,疑是地上霜.") == ["床前明月光,", "疑是地上霜."]  # half-width marks cut too
    assert lines("床前明月光 疑是地上霜") == ["床前明月光", "疑是地上霜"]  # spaces between whole clauses
    assert lines("床前 明月光，") == ["床前 明月光，"]  # a space inside a clause does not
    assert lines("Roses are red, violets blue.") == ["Roses are red, violets blue."]  # not Chinese: one line
    assert lines("I love 春, and you.") == ["I love 春, and you."]


def test_clauses_and_half_width_marks():
    assert CLAUSE_RE.findall("床前明月光，疑是地上霜。") == ["床前明月光，", "疑是地上霜。"]
    assert CLAUSE_RE.findall("谁言寸草心？！“报得三春晖。”") == ["谁言寸草心？！", "“报得三春晖。”"]
    line = "床前明月光,疑是地上霜."
    converted = full_width_marks(line)
    assert converted == "床前明月光，疑是地上霜。" and len(converted) == len(line)
    assert full_width_marks("Roses are red, violets blue.") == "Roses are red, violets blue."


def test_the_form_table():
    assert list(FIXED_FORMS) == ["5x4", "7x4", "5x8", "7x8"]
    for name, form in FIXED_FORMS.items():
        assert name == f"{form.chars}x{form.lines}" and form.fixed and form.short_name and form.long_name
    assert [f.label() for f in FIXED_FORMS.values()] == ["五绝", "七绝", "五律", "七律"]
    assert FIXED_FORMS["7x8"].title() == "七言律诗 (7×8)" and Form("free:3", None, 3).title() == "free:3"
    assert LINE_LENGTHS == {5, 7}
    assert fixed_form(7, 4) is FIXED_FORMS["7x4"]
    assert fixed_form(5, 3) == Form("5x3", 5, 3) and fixed_form(5, 3).label() == "5x3"


def test_parse_form():
    assert parse_form("5x4") is FIXED_FORMS["5x4"]
    assert parse_form(" 7X8 ") == Form("7x8", 7, 8)
    assert parse_form("free") == Form(FREE) and not parse_form("free").fixed
    assert parse_form("free:6") == Form("free:6", None, 6)
    assert parse_form(None) is None and parse_form("  ") is None
    assert parse_form("free:200").lines == 200
    for bad in ("5x5", "free:", "free:x", "ode"):
        with pytest.raises(DecodeError, match="5x4"):
            parse_form(bad)
    for bad in ("free:0", "free:201"):
        with pytest.raises(DecodeError, match="between 1 and 200"):
            parse_form(bad)


def _sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))]


def test_cjk_ranges_clause_pattern_form_table_and_english_word_are_written_once():
    """Another copy of these facts is how they came to disagree (the editor's CJK range ended at U+3134F)."""
    facts = {
        "a CJK code point range": re.compile(r"(?i)(\\u|0x)(00)?(3400|4e00|9fff|20000)"),
        "the clause marks": re.compile(r"，。！？；(?!：（）)"),  # corpus's half-to-full table maps to more marks
        "a form table": re.compile(r"[\"']5x4[\"']\s*:|五言绝句|\b5,\s*4\)"),
        "the English word": re.compile(r"\[\^\\W\\d_\]\+\(\?:\['’\]"),
    }
    for fact, pattern in facts.items():
        places = [path.relative_to(PACKAGE).as_posix() for path, text in _sources() if pattern.search(text)]
        assert places == ["core/text.py"], f"{fact} is written in {places}"
