"""The poem editor's verse marks: tones, rhymes and 格律 faults under the chosen rhyme system."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from poetpad.gui.editor import PoemEditor, line_counts

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
