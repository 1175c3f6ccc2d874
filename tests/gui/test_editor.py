"""The poem editor's verse marks: tones, rhymes and 格律 faults under the chosen rhyme system."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from poetpad.core.analysis import english_labels, line_counts
from poetpad.gui.editor import PoemEditor

# 真/侵: one rhyme in 中华新韵 (chun, xun: 九文), two groups in 平水韵 (十一真, 十二侵).
MIXED = "春眠不觉晓，\n处处闻啼春。\n夜来风雨声，\n花落知多寻。"


def show(qtbot, text: str, system: str = "pingshui") -> PoemEditor:
    editor = PoemEditor()
    qtbot.addWidget(editor)
    editor.resize(600, 400)
    editor.show()
    editor.setPlainText(text)
    editor.set_rhyme_system(system)
    editor.set_show_tones(True)
    return editor


def test_faults_follow_the_rhyme_system(qtbot):
    editor = show(qtbot, MIXED)
    xun = MIXED.index("寻")
    assert any(f.startswith("出韵") for f in editor.fault_at(xun))
    editor.set_rhyme_system("xinyun")
    assert not any(f.startswith("出韵") for f in editor.fault_at(xun))
    editor.set_show_tones(False)
    assert editor.fault_at(xun) == []  # nothing is marked while the tones are hidden


def test_a_fault_shows_as_a_tooltip_on_its_character(qtbot):
    editor = show(qtbot, MIXED)
    cursor = QTextCursor(editor.document())
    cursor.setPosition(MIXED.index("寻"))
    rect = editor.cursorRect(cursor)
    on = QPoint(rect.left() + editor.fontMetrics().horizontalAdvance("寻") // 2, rect.center().y())
    assert any("十二侵" in f for f in editor._faults_under(on))
    cursor.setPosition(MIXED.index("花"))
    elsewhere = editor.cursorRect(cursor).center()
    assert editor._faults_under(elsewhere) == []


def test_a_clean_quatrain_has_no_fault_marks(qtbot):
    editor = show(qtbot, "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。")
    assert editor._faults == {}


def test_line_counts_use_the_core_clause_pattern():
    assert line_counts("床前明月光，疑是地上霜。") == [5, 5]
    assert line_counts("床前明月光,疑是地上霜.") == [5, 5]  # half-width marks in a Chinese line
    assert line_counts("Shall I compare thee to a summer's day?") == [8]


def test_the_placeholder_hides_while_a_suggestion_shows(qtbot):
    editor = PoemEditor()
    qtbot.addWidget(editor)
    editor.setPlaceholderText("Write a line")
    assert editor.placeholderText() == "Write a line"
    editor.show_suggestion("春眠不觉晓，")  # an empty document: the grey suggestion alone is drawn
    assert editor.placeholderText() == "" and editor.placeholder() == "Write a line"
    editor.setPlaceholderText("Another language")  # a language switch while it shows keeps it hidden
    assert editor.placeholderText() == ""
    editor.clear_suggestion()
    assert editor.placeholderText() == "Another language"


def test_ctrl_shift_enter_writes_and_esc_without_a_suggestion_cancels(qtbot):
    editor = PoemEditor()
    qtbot.addWidget(editor)
    seen = []
    editor.continue_requested.connect(lambda: seen.append("continue"))
    editor.write_requested.connect(lambda: seen.append("write"))
    editor.escape_pressed.connect(lambda: seen.append("escape"))
    editor.suggestion_dismissed.connect(lambda: seen.append("dismissed"))
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    editor.show_suggestion("春风")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert seen == ["continue", "write", "escape", "dismissed"] and editor.toPlainText() == ""


SONNET_START = ("Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n"
                "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date;")


def test_english_lines_are_labelled_with_syllables_and_rhyme_letters():
    blocks = [*SONNET_START.split("\n"), "", "The cat", "床前明月光，", "sat on the mat"]
    labels = english_labels(blocks)
    # By the dictionary's first pronunciations, as `poetpad check` counts: temperate has three
    # syllables, and temperate/date rhymed in 1609 but not today, so date takes a new letter.
    assert labels == {0: "10 A", 1: "9 B", 2: "10 A", 3: "10 C", 5: "2 A", 7: "4 A"}
    assert 4 not in labels and 6 not in labels  # a blank line and a Chinese one get no label


def test_the_gutter_follows_english_text_as_it_changes(qtbot):
    editor = PoemEditor()
    qtbot.addWidget(editor)
    editor.setPlainText(SONNET_START)
    editor._analyse()
    assert editor._english[2] == "10 A"
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    cursor.insertText("\nSometime too hot the eye of heaven shines,")
    editor._analyse()
    assert editor._english[4] == "10 D"
    cursor.insertText("\nAnd every fair from fair sometime declines")
    editor._analyse()
    assert editor._english[5] == "11 D"  # every: three syllables by the dictionary


BROKEN = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故人。"  # 人 (十一真) in a 七阳 poem: 出韵


def _bar_is_red(editor: PoemEditor, block_number: int) -> bool:
    """Whether the gutter draws its red bar (a poem that is not ok) beside block `block_number`."""
    from poetpad.gui.gutter import NOT_OK_COLOR

    image = editor._gutter.grab().toImage()
    block = editor.document().findBlockByNumber(block_number)
    y = round(editor.blockBoundingGeometry(block).translated(editor.contentOffset()).center().y())
    return image.pixelColor(1, y).name() == NOT_OK_COLOR.name()


def test_a_rhyme_fault_is_not_ok_in_check_the_gutter_and_the_suggestion_list(qtbot):
    from poetpad.core.suggest import judge, make_request
    from poetpad.core.text import FIXED_FORMS
    from poetpad.core.verse import check_poem

    editor = show(qtbot, BROKEN + "\n\n" + "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。")
    editor._analyse()
    in_gutter = editor.verdict_at(3)
    assert in_gutter is not None and not in_gutter.ok
    assert any("十二侵" in p or "十一真" in p for p in in_gutter.problems)
    assert not check_poem(BROKEN).ok  # `poetpad check`
    assert not judge(BROKEN, make_request(form="5x4"), FIXED_FORMS["5x4"], complete=True).valid  # the list
    assert editor.verdict_at(4) is None and editor.verdict_at(5).ok  # the blank line; the clean poem
    assert _bar_is_red(editor, 0) and _bar_is_red(editor, 3) and not _bar_is_red(editor, 6)
    assert editor._gutter.problems_at(round(editor.cursorRect(editor.textCursor()).center().y())) \
        == in_gutter.problems  # the cursor is at the start, in the broken poem: its problems are the tooltip
    editor.set_rhyme_system("xinyun")  # the verdict follows the rhyme system, as the check's does
    assert editor.verdict_at(0).ok == check_poem(BROKEN, system="xinyun").ok


def test_the_gutter_counts_a_line_in_the_language_most_of_it_is_in(qtbot):
    editor = show(qtbot, "I love 春\n春风 ok")
    editor._analyse()
    first, second = editor.document().firstBlock(), editor.document().firstBlock().next()
    assert editor.gutter_label(first) == ("3 x", False)  # English: syllables and rhyme letter, as check has it
    assert editor.gutter_label(second) == ("2", False)  # Chinese: hanzi
    assert editor._poems() == [[[(len("I love 春\n"), "春"), (len("I love 春\n") + 1, "风")]]]


def test_the_verdicts_follow_the_screen(qtbot):
    quatrain = "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。\n\n"
    editor = show(qtbot, quatrain * 300 + BROKEN)
    editor._analyse()
    last = editor.document().blockCount() - 1
    assert editor.verdict_at(0).ok and editor.verdict_at(last) is None  # far below the screen: not judged yet
    editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: editor.verdict_at(last) is not None)
    assert not editor.verdict_at(last).ok and editor.verdict_at(0) is None
