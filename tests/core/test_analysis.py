"""core.analysis: what the editor's gutter and overlay show, by the same rules as `poetpad check`."""

from __future__ import annotations

from poetpad.core import analysis
from poetpad.core.analysis import (
    Verdicts,
    count_label,
    english_labels,
    form_of,
    line_counts,
    poem_spans,
    tone_marks,
    verse_hanzi,
)
from poetpad.core.verse import check_poem

BROKEN = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故人。"  # 人 (十一真) in a 七阳 poem: 出韵


def test_poems_are_split_at_blank_lines():
    assert poem_spans(["a", "b", "", "  ", "c", ""]) == [range(0, 2), range(4, 5)]
    assert poem_spans([]) == [] and poem_spans(["", " "]) == []


def test_a_line_is_counted_in_the_language_most_of_it_is_in():
    assert line_counts("床前明月光，疑是地上霜。") == [5, 5]
    assert line_counts("床前明月光 疑是地上霜") == [5, 5]  # as split_lines cuts it for `poetpad check`
    assert line_counts("I love 春") == [3]  # English, mostly: words, not hanzi
    assert line_counts("春风 ok") == [2]  # Chinese, mostly: hanzi
    assert line_counts("—— 123") == []
    assert english_labels(["I love 春", "床前明月光，"]) == {0: "3 x"}  # 春 is no word the dictionary has
    assert verse_hanzi("I love 春") == [] and verse_hanzi("春风 ok", 10) == [[(10, "春"), (11, "风")]]


def test_count_labels_are_wrong_only_for_a_closed_chinese_line_that_breaks_the_form():
    assert count_label("床前明月光，疑是地上霜。") == ("5·5", False)
    assert count_label("床前明月光，疑是地上霜。", 7) == ("5·5", True)  # a 七言 poem
    assert count_label("床前明月光，疑是地上") == ("5·4", False)  # the clause being typed is not wrong yet
    assert count_label("床前明月光，疑是地上。") == ("5·4", True)
    assert count_label("Shall I compare thee to a summer's day?", 5) == ("8", False)
    assert count_label("") == ("", False)


def test_tone_marks_place_tones_rhymes_and_faults():
    lines = BROKEN.split("\n")
    offsets = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    poem = [place for i, line in enumerate(lines) for place in verse_hanzi(line, offsets[i])]
    marks = tone_marks([poem], "pingshui")
    ren = BROKEN.index("人")
    assert marks.tones[BROKEN.index("床")] == "平" and marks.tones[BROKEN.index("月")] == "仄"
    assert BROKEN.index("霜") in marks.rhymes and ren not in marks.rhymes
    assert any(f.startswith("出韵: ") for f in marks.faults[ren])


def test_form_of_and_the_verdicts_on_each_poem():
    assert form_of(BROKEN) == "5x4" and form_of("  \n") == ""
    lines = [*BROKEN.split("\n"), "", "白日依山尽，", "黄河入海流。", "欲穷千里目，", "更上一层楼。"]
    verdicts = Verdicts()
    found = verdicts.judge(lines, "pingshui")
    assert set(found) == {0, 1, 2, 3, 5, 6, 7, 8}  # no verdict for the blank line
    assert not found[0].ok and found[0] is found[3] and found[5].ok
    assert found[0].ok == check_poem(BROKEN).ok  # the same verdict as `poetpad check`


def test_a_poem_is_judged_again_only_when_it_changed(monkeypatch):
    from poetpad.core import verse

    judged = []
    real = verse.check_poem
    monkeypatch.setattr(verse, "check_poem", lambda text, **kw: judged.append(text) or real(text, **kw))
    verdicts = analysis.Verdicts()
    lines = ["床前明月光，", "疑是地上霜。", "", "白日依山尽，"]
    verdicts.judge(lines, "pingshui")
    assert len(judged) == 2
    verdicts.judge([*lines[:3], "白日依山尽，黄河入海流。"], "pingshui")
    assert judged[2:] == ["白日依山尽，黄河入海流。"]  # the first poem kept its verdict
    verdicts.judge([*lines[:3], "白日依山尽，黄河入海流。"], "xinyun")
    assert len(judged) == 5  # another rhyme system judges both again
