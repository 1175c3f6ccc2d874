"""The plan in core: what a request at the cursor does, and the one rule that infers the form."""

from __future__ import annotations

import pytest

from poetpad.core.forms import prepare_prefix
from poetpad.core.plan import first_line_forms, infer_form, plan, verse_lines
from poetpad.core.text import Form

QUATRAIN = "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"


def test_a_line_is_finished_by_a_clause_mark_or_a_line_break():
    assert verse_lines("白日依山尽") == [("白日依山尽", False)]
    assert verse_lines("白日依山尽\n") == [("白日依山尽", True)]
    assert verse_lines("白日依山尽，黄河") == [("白日依山尽，", True), ("黄河", False)]
    assert verse_lines("他说：“归去。”") == [("他说：“归去。”", True)]  # a closing quote after the mark
    assert verse_lines("白日依山尽\r\n黄河") == [("白日依山尽", True), ("黄河", False)]
    assert verse_lines("") == []


def test_infer_form():
    def infer(text, heads="", language="zh"):
        return infer_form(verse_lines(text), heads, language)

    assert infer("") == Form("free")
    assert infer("床前明") == Form("free")
    assert infer("床前明月光，\n疑是") == Form("5x4", 5, 4)
    assert infer("朝辞白帝彩云间，\n" * 5) == Form("7x8", 7, 8)
    assert infer("", "春夏秋冬") == Form("7x4", 7, 4)
    assert infer("床前明月光，", "春 夏 秋 冬") == Form("5x4", 5, 4)
    assert infer("", "春夏秋冬风花雪月") == Form("7x8", 7, 8)
    assert infer("", "ROSE", "en") == Form("free:4", None, 4)
    assert infer("Roses are red", "", "en") == Form("free")
    # A line break finishes a line as a comma does: the bug of issue 23 (the window said 五绝, the core wrote free).
    assert infer("白日依山尽\n") == Form("5x4", 5, 4)
    assert infer("白日依山尽\n黄河") == Form("5x4", 5, 4)
    assert infer("白日依山尽") == Form("free")  # still being written: suggest offers 五言 and 七言 (first_line_forms)
    # A line a 五言 form cannot take as it is (a half-width comma, a closing quote, two marks) does not set the form.
    for text in ("白日依山尽,\n", "白日依山尽。」\n", "白日依山尽？！\n", "白日a山尽，\n"):
        assert infer(text) == Form("free"), text


@pytest.mark.parametrize("prefix", ["白日依山尽\n", "白日依山尽，", "白日依山尽\n黄河入海流\n", "白日依山尽,\n",
                                    "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n春", "秋风", "Shall I\n"])
def test_the_summary_promises_the_form_the_decoder_infers(prefix):
    """The plan reads the text as typed; the decoder reads it one clause a line (prepare_prefix): the one
    rule gives both the same form, unless the first line is still open (then 五言 and 七言 are written)."""
    language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in prefix) else "en"
    planned = plan("line", "auto", "", prefix)
    decoded = infer_form(verse_lines(prepare_prefix(prefix, language)), "", language).name
    if first_line_forms(prefix):
        assert planned.shown_form == ""
    else:
        assert planned.shown_form == decoded


@pytest.mark.parametrize("prefix", ["白日依山尽,黄河入", "白日依山尽,黄河入海流.\n"])
def test_a_form_the_decoder_refuses_gives_way_in_the_plan(prefix):
    """Half-width marks cut no line for the decoder ("白日依山尽,黄河入" is one line of eight hanzi, too long
    for 5x4), so the plan, which says what will be written, lets the panel's 5x4 give way too."""
    from poetpad.core.forms import Constraints, Spec
    from poetpad.core.text import parse_form
    from poetpad.core.vocab import Vocab
    from poetpad.errors import DecodeError

    planned = plan("line", "5x4", "", prefix)
    assert planned.form is None and "form_mismatch" in planned.reasons
    vocab = Vocab.build([prefix + "，。\n"], kind="char")
    constraints = Constraints(vocab, Spec(form=parse_form("5x4")))
    with pytest.raises(DecodeError, match="does not fit the form"):
        constraints.feed_prefix(vocab.tokenize(prepare_prefix(prefix, "zh")))


def test_the_plan_for_a_line_break_without_a_comma_is_a_wujue():
    planned = plan("line", "auto", "", "白日依山尽\n")
    assert (planned.mode, planned.form, planned.shown_form, planned.reasons) == ("next", None, "5x4", ())
    assert plan("poem", "auto", "", "白日依山尽\n").mode == "poem"


def test_the_plan_falls_back_where_the_panel_does_not_apply():
    assert plan("line", "auto", "", "白日依山尽，").reasons == ("line_finished",)
    one_off = plan("new", "auto", "", "白日依山尽，")
    assert (one_off.mode, one_off.reasons) == ("next", ("one_off", "line_finished"))
    mismatch = plan("poem", "7x4", "", "白日依山尽，")
    assert (mismatch.form, mismatch.shown_form, mismatch.reasons) == (None, "5x4", ("form_mismatch",))
    assert plan("poem", "auto", "", QUATRAIN).complete and not plan("poem", "5x8", "", QUATRAIN).complete
    acrostic = plan("acrostic", "auto", "春夏秋", "", write=True)
    assert (acrostic.mode, acrostic.form, acrostic.shown_form) == ("acrostic", None, "7x3")
    assert plan("acrostic", "auto", "ROSE", "", write=True).shown_form == "free:4"
    assert plan("new", "auto", "", "", write=True).shown_form == ""
    assert plan("poem", "auto", "", "春风吹又生了，").shown_form == "free"  # a six-character line: free verse


def test_first_line_forms():
    assert first_line_forms("秋风") == ["5x4", "7x4"]
    assert first_line_forms("\n秋风起兮白云") == ["7x4"]
    assert first_line_forms("白日依山尽") == ["5x4", "7x4"]
    for prefix in ("白日依山尽，", "秋风\n", "秋风萧瑟天气凉草木", "Shall I", ""):
        assert first_line_forms(prefix) == [], prefix
