"""Revising in the window: alternatives for a character, rewrites of a line, locked text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from poetpad.gui.revision import AlternativesPopup, place_at, poem_text, template
from tests.gui.conftest import TIMEOUT

POEM = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。"


def _cursor_at(editor, position: int) -> None:
    cursor = editor.textCursor()
    cursor.setPosition(position)
    editor.setTextCursor(cursor)


def _popup(qtbot):
    found = []
    qtbot.waitUntil(lambda: found.append(next((w for w in QApplication.topLevelWidgets()
                                                if isinstance(w, AlternativesPopup) and w.isVisible()), None))
                    or found[-1] is not None, timeout=TIMEOUT)
    return found[-1]


def test_places_in_the_document(qtbot):
    from poetpad.gui.editor import PoemEditor

    editor = PoemEditor()
    qtbot.addWidget(editor)
    editor.setPlainText("第一首。\n\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。")
    poems = editor.poems()
    text = editor.toPlainText()
    place = place_at(poems, text.index("地") + 1)
    assert (place.line, place.col) == (1, 2) and place.char_position == text.index("地")
    assert poem_text(place) == POEM
    assert template(place, {text.index("床"), text.index("光")}).split("\n")[0] == "床□□□光"
    assert place_at(poems, 2).lines == poems[0]


def test_alternatives_replace_one_character_as_one_undo_step(ready, qtbot):
    editor = ready.editor
    editor.setPlainText(POEM)
    _cursor_at(editor, POEM.index("明") + 1)
    ready.revision.ask_alternatives()
    popup = _popup(qtbot)
    actions = [a for a in popup.actions() if a.isEnabled()]
    assert actions, "no alternatives"
    new = actions[0].text().split()[0]
    assert new != "明"
    actions[0].trigger()
    text = editor.toPlainText()
    assert text == POEM[:POEM.index("明")] + new + POEM[POEM.index("明") + 1:]
    editor.undo()
    assert editor.toPlainText() == POEM


def test_rewrite_a_line_from_the_suggestions_panel(ready, qtbot):
    editor = ready.editor
    editor.setPlainText(POEM)
    _cursor_at(editor, POEM.index("望"))
    ready.revision.ask_line_rewrite()
    qtbot.waitUntil(lambda: bool(ready.suggestions.candidates), timeout=TIMEOUT)
    assert editor.suggestion == ""  # a rewrite replaces text: no grey preview at the cursor
    ready.suggestions.insert_requested.emit(0)
    lines = editor.toPlainText().split("\n")
    original = POEM.split("\n")
    assert lines[:2] == original[:2] and lines[3] == original[3] and lines[2] != original[2]
    assert len(lines[2]) == 6 and lines[2].endswith("，")


def test_locked_text_is_kept_and_the_rest_rewritten(ready, qtbot):
    editor = ready.editor
    editor.setPlainText(POEM)
    cursor = editor.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(5, cursor.MoveMode.KeepAnchor)  # line 1
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert editor.locked_positions() == set(range(5))
    ready.revision.ask_rewrite_unlocked()
    qtbot.waitUntil(lambda: bool(ready.suggestions.candidates), timeout=TIMEOUT)
    ready.suggestions.insert_requested.emit(0)
    lines = editor.toPlainText().split("\n")
    assert lines[0] == "床前明月光，" and len(lines) == 4 and lines[1:] != POEM.split("\n")[1:]
    assert all(len(line) == 6 for line in lines)
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # unlock again
    assert editor.locked_positions() == set()


def test_revising_outside_a_poem_says_what_to_do(ready, qtbot):
    ready.editor.setPlainText("Shall I compare thee")
    ready.revision.ask_alternatives()
    assert "Chinese poem" in ready.request_message
