"""The flow between the editor and the panels (issue 16): what Ctrl+Enter will do, one-off panel
requests, focus, stale suggestions, a readable Suggestions panel, help, settings saved as they change,
and translated plurals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from poetpad import paths
from poetpad.core.suggest import Suggestion
from poetpad.gui import settings as settings_mod
from poetpad.gui.app import install_language
from poetpad.gui.dialogs.help import key_text
from poetpad.gui.suggestions import score_bar
from poetpad.gui.verse_panel import plan
from poetpad.gui.workers import device_label
from tests.gui.conftest import TIMEOUT, make_window
from tests.gui.test_main_window import _type

QUATRAIN = "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"


def _end(editor) -> None:
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.setTextCursor(cursor)


def _summary_says(win, qtbot, *parts: str) -> None:
    """Wait for the line under the editor to say all of `parts` (it follows the cursor after a moment)."""
    try:
        qtbot.waitUntil(lambda: all(p in win.summary_label.text() for p in parts), timeout=TIMEOUT)
    except qtbot.TimeoutError:
        pytest.fail(f"the summary says {win.summary_label.text()!r}, not all of {parts}")


def _ask(win, qtbot) -> None:
    qtbot.keyClick(win.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(win.editor.suggestion), timeout=TIMEOUT)


def _fake(continuation: str, rank: float = -2.0, valid: bool = True) -> Suggestion:
    return Suggestion(text=continuation, continuation=continuation, score=rank, seed=1, model="tiny", valid=valid,
                      problems=[] if valid else ["line 1 has 4 characters; the form needs 5"], rank=rank)


@pytest.fixture
def english_after(qapp):
    yield
    install_language(qapp, "en")


# -- what Ctrl+Enter will do -------------------------------------------------------------------------

def test_the_summary_says_what_ctrl_enter_will_do_and_follows_the_cursor(ready, qtbot):
    editor, panel = ready.editor, ready.panel
    _type(editor, "白日依")
    _summary_says(ready, qtbot, "Ctrl+Enter: Continue the line", "平水韵", "sampling ×4", "tiny")
    _type(editor, "山尽，")  # a finished line: continuing it means the next line, and the summary says why
    _summary_says(ready, qtbot, "Next line (this line is finished)", "五绝")
    panel.beam_radio.setChecked(True)
    panel.beam.setValue(6)
    _summary_says(ready, qtbot, "beam 6 ×4")
    panel.rhyme_system.setCurrentIndex(panel.rhyme_system.findData("tongyun"))
    _summary_says(ready, qtbot, "中华通韵")
    panel.mode.setCurrentIndex(2)  # finish the poem
    _summary_says(ready, qtbot, "Finish the poem")
    editor.setPlainText(QUATRAIN + "\n\n")
    _end(editor)  # a new poem after a blank line
    _summary_says(ready, qtbot, "A whole poem")
    panel.mode.setCurrentIndex(0)
    _summary_says(ready, qtbot, "A first line")
    panel.mode.setCurrentIndex(2)
    cursor = editor.textCursor()
    cursor.setPosition(QUATRAIN.index("黄"))
    editor.setTextCursor(cursor)  # back inside the first poem: the second line's start
    _summary_says(ready, qtbot, "Finish the poem", "五绝")
    editor.setPlainText(QUATRAIN)
    _end(editor)
    _summary_says(ready, qtbot, "Nothing to add: this 五绝 is complete")


def test_the_summary_names_the_model_that_will_write_in_the_poems_language(ready, qtbot, make_model_file):
    _type(ready.editor, "Shall I compare thee")
    _summary_says(ready, qtbot, "no English model")  # asked of the worker once, not on every cursor move
    make_model_file(paths.user_models_dir() / "tiny-en.poetpad", language="en")
    ready.library_changed()  # what the model manager and the training dialog signal
    _summary_says(ready, qtbot, "free verse", "tiny-en")
    assert "平水韵" not in ready.summary_label.text()  # Chinese rhymes are not for an English poem
    _type(ready.editor, " to")
    qtbot.wait(200)  # a cursor move reads the answer kept, without asking again
    assert not ready.model.resolving and ready.summary_label.text().endswith("tiny-en")


def test_a_form_that_does_not_fit_gives_way_and_the_summary_says_so(ready, qtbot):
    panel = ready.panel
    panel.mode.setCurrentIndex(2)  # finish the poem
    panel.form.setCurrentIndex(panel.form.findData("7x4"))  # left over from another poem
    _type(ready.editor, "床前明月光，")
    _summary_says(ready, qtbot, "七绝 does not fit this poem", "五绝")
    _ask(ready, qtbot)  # it writes, instead of failing on a form the poem does not have
    assert ready.requests.request.form is None and ready.request_message == ""


def test_plan_falls_back_to_continuing_the_text():
    assert plan("line", "auto", "", "Shall I compare thee to a summer's day?").mode == "next"
    assert plan("line", "auto", "", "Shall I compare thee").mode == "line"
    one_off = plan("acrostic", "auto", "春江花月", "Shall I compare thee")
    assert (one_off.mode, one_off.reasons) == ("line", ("one_off",))  # Ctrl+Enter continues the text
    written = plan("acrostic", "7x4", "春江花月", "Shall I compare thee", write=True)
    assert (written.mode, written.form, written.language) == ("acrostic", "7x4", "zh")  # Write: the panel's
    assert plan("poem", "7x4", "", "床前明月光，").form is None
    assert plan("poem", "5x8", "", QUATRAIN).complete is False  # a 律诗 goes on after four lines
    assert plan("poem", "auto", "", QUATRAIN).complete is True


def test_english_forms_are_offered_for_english_text_and_give_way_on_chinese(ready, qtbot):
    sonnet = plan("poem", "sonnet", "", "Shall I compare thee to a summer's day?\n")
    assert (sonnet.form, sonnet.shown_form, sonnet.reasons) == ("sonnet", "sonnet", ())
    chinese = plan("poem", "sonnet", "", "床前明月光，")
    assert chinese.form is None and chinese.reasons == ("form_mismatch",)
    panel = ready.panel
    rows = {panel.form.itemData(i): i for i in range(panel.form.count())}
    _type(ready.editor, "Shall I compare thee to a summer's day?")
    _summary_says(ready, qtbot, "Next line")
    view = panel.form.view()
    assert not view.isRowHidden(rows["sonnet"]) and view.isRowHidden(rows["7x4"])
    panel.form.setCurrentIndex(rows["quatrain"])
    _summary_says(ready, qtbot, "Quatrain")
    ready.editor.selectAll()
    _type(ready.editor, "床前明月光，")
    _summary_says(ready, qtbot, "Quatrain does not fit this poem")
    assert not view.isRowHidden(rows["quatrain"])  # the chosen form stays in the list
    assert view.isRowHidden(rows["sonnet"]) and not view.isRowHidden(rows["7x4"])


# -- one-off panel requests, focus -----------------------------------------------------------------------

def test_an_acrostic_from_the_panel_is_one_request_then_ctrl_enter_continues_in_english(ready, qtbot,
                                                                                           make_model_file):
    make_model_file(paths.user_models_dir() / "tiny-en.poetpad", language="en")
    editor, panel = ready.editor, ready.panel
    panel.mode.setCurrentIndex(4)  # acrostic
    panel.heads.setText("春江花月")
    panel.form.setCurrentIndex(panel.form.findData("7x4"))
    panel.generate.setFocus()
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    assert editor.hasFocus()  # Tab and Esc work at once
    qtbot.waitUntil(lambda: bool(editor.suggestion), timeout=TIMEOUT)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert [line[0] for line in editor.toPlainText().split("\n") if line.strip()] == list("春江花月")

    editor.insertPlainText("\n\nShall I compare thee")  # a new English poem; the panel still says Acrostic
    _summary_says(ready, qtbot, "Continue the line (the acrostic is written with Write; 七绝 does not fit this poem)",
                  "free verse", "tiny-en")
    _ask(ready, qtbot)
    assert ready.requests.request.mode == "line" and not ready.requests.request.heads
    assert all(c.model == "tiny-en" for c in ready.suggestions.candidates)
    suggestion = editor.suggestion
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText().endswith("Shall I compare thee" + suggestion)
    assert panel.mode_value == "acrostic"  # the panel keeps its choice for the next Write


def test_focus_returns_to_the_editor_after_write_reroll_and_insert(ready, qtbot):
    editor, panel = ready.editor, ready.panel
    _type(editor, "春眠")
    panel.reroll.setFocus()
    qtbot.mouseClick(panel.reroll, Qt.MouseButton.LeftButton)
    assert editor.hasFocus()
    qtbot.waitUntil(lambda: bool(editor.suggestion), timeout=TIMEOUT)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.suggestion == "" and editor.toPlainText() == "春眠"

    panel.generate.setFocus()
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    assert editor.hasFocus()
    qtbot.waitUntil(lambda: bool(ready.suggestions.candidates), timeout=TIMEOUT)
    ready.suggestions.insert_button.setFocus()
    chosen = ready.suggestions.candidates[-1].continuation
    ready.suggestion_list.setCurrentRow(len(ready.suggestions.candidates) - 1)
    qtbot.mouseClick(ready.suggestions.insert_button, Qt.MouseButton.LeftButton)
    assert editor.hasFocus() and editor.toPlainText() == "春眠" + chosen


def test_ctrl_shift_enter_writes_what_the_panel_says(ready, qtbot):
    ready.panel.mode.setCurrentIndex(3)  # a new poem
    _type(ready.editor, "春眠不觉晓，")
    qtbot.keyClick(ready.editor, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(ready.editor.suggestion), timeout=TIMEOUT)
    assert ready.requests.request.mode == "new" and ready.editor.suggestion.startswith("\n\n")


# -- stale state -----------------------------------------------------------------------------------------

def test_a_failed_request_leaves_nothing_insertable(ready, qtbot):
    editor, panel = ready.editor, ready.panel
    _type(editor, "春眠")
    _ask(ready, qtbot)
    old = editor.suggestion
    panel.mode.setCurrentIndex(4)
    panel.heads.setText("春江花月夜")  # five heads for a 七绝
    panel.form.setCurrentIndex(panel.form.findData("7x4"))
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "5 heads" in ready.request_message, timeout=TIMEOUT)
    message = ready.request_message
    assert "\n" not in message and ready.suggestions.message_text == message  # one sentence, where one looks
    assert editor.suggestion == "" and ready.suggestions.candidates == []
    assert not ready.suggestions.insert_button.isEnabled()
    qtbot.keyClick(editor, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    ready.suggestions.insert_requested.emit(0)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.suggestion == "" and old not in editor.toPlainText() and editor.toPlainText().startswith("春眠")


def test_esc_cancels_a_running_request_and_its_answer_is_dropped(ready, qtbot):
    editor = ready.editor
    _type(editor, "春眠")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert ready.request_message == "Cancelled."
    # The worker answers in order: once it has answered a later question, the cancelled request is done.
    with qtbot.waitSignal(ready.model.worker.model_resolved, timeout=TIMEOUT):
        ready.model.resolve_requested.emit("zh")
    QApplication.processEvents()
    assert editor.suggestion == "" and ready.suggestions.candidates == [] and editor.toPlainText() == "春眠"


def test_a_complete_poem_has_nothing_to_add(ready, qtbot):
    ready.editor.setPlainText(QUATRAIN)
    _end(ready.editor)
    asked = ready.requests.last_id
    ready.request_continuation()
    assert "nothing to add here" in ready.request_message and ready.requests.last_id == asked  # no request made
    assert "nothing to add here" in ready.suggestions.message_text


def test_a_suggestion_that_adds_nothing_is_not_offered(ready, qtbot, monkeypatch):
    from poetpad.core import suggest as suggest_mod

    answers = [[_fake("\n", -1.0), _fake("春风。", -2.0), _fake("\n", -2.5), _fake("春风。", -3.0)],
               [_fake("\n"), _fake("  \n")]]
    monkeypatch.setattr(suggest_mod, "suggest", lambda *a, **k: answers.pop(0))
    _type(ready.editor, "春眠")
    _ask(ready, qtbot)
    assert [c.continuation for c in ready.suggestions.candidates] == ["春风。"]  # no blank, no twin
    ready.editor.clear_suggestion()
    ready.request_continuation()
    qtbot.waitUntil(lambda: "Nothing to add here" in ready.request_message, timeout=TIMEOUT)
    assert ready.editor.suggestion == "" and ready.suggestions.candidates == []


# -- the Suggestions panel -------------------------------------------------------------------------------

def test_suggestions_come_best_first_whole_and_explained(ready, qtbot):
    ready.panel.candidates.setValue(4)
    ready.panel.mode.setCurrentIndex(2)  # whole poems
    _type(ready.editor, "春眠不觉晓，")
    _ask(ready, qtbot)
    candidates = ready.suggestions.candidates
    valid = [c.valid for c in candidates]
    assert valid == sorted(valid, reverse=True)  # the poems that keep the form first
    for group in (True, False):
        ranks = [c.rank for c in candidates if c.valid is group]
        assert ranks == sorted(ranks, reverse=True)  # then best first
    for row, c in enumerate(candidates):
        item = ready.suggestion_list.item(row)
        assert item.text().startswith(c.continuation.strip("\n"))  # the whole poem, not cut
        assert f"{c.rank:+.2f}" in item.text() and "higher is better" in item.toolTip().lower()
    assert ready.suggestion_list.wordWrap()


def test_the_score_bar_is_relative_to_the_best():
    assert score_bar(-2.0, -2.0) == "●●●●●"
    assert score_bar(-2.7, -2.0) == "●●○○○"  # half as likely per character
    assert score_bar(-9.0, -2.0) == "●○○○○"


def test_the_suggestions_panel_has_room_for_whole_poems(qapp, qtbot, tiny_model):
    win = make_window(qapp, qtbot)
    win.resize(1280, 860)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.suggestions_dock.height() > 0, timeout=TIMEOUT)
    line = win.suggestion_list.fontMetrics().lineSpacing()
    assert win.suggestion_list.height() >= 10 * line  # two quatrains with their score lines, at least
    assert win.panel.generate.isVisible() and not win.panel.details.isVisible()
    win.panel.details_toggle.click()
    assert win.panel.details.isVisible() and win.panel.temperature.isVisible()


def test_the_suggestions_panel_says_how_to_ask_when_it_is_empty(window):
    assert "Ctrl+Enter" in window.suggestions.message_text
    window.suggestions.set_candidates([_fake("春风。")])
    assert window.suggestions.message_text == ""


# -- help --------------------------------------------------------------------------------------------------

def test_keyboard_shortcuts_lists_every_shortcut(window, qtbot, qapp, english_after):
    dialog = window.open_shortcuts()
    keys = [k for k, _ in dialog.entries()]
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            assert key_text(sequence) in keys, action.text()
    for key in ("Ctrl+Return", "Ctrl+Shift+Return", "Tab", "Esc"):
        assert key_text(key) in keys
    assert all(what for _, what in dialog.entries())
    install_language(qapp, "zh_CN")
    qtbot.waitUntil(lambda: dialog.windowTitle() == "键盘快捷键", timeout=5000)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in what) for _, what in dialog.entries())
    dialog.close()


def test_the_quick_guide_covers_the_basics_and_the_real_places(window):
    dialog = window.open_quick_guide()
    text = dialog.browser.toPlainText()
    for topic in ("Ctrl+Enter", "Acrostic", "平水韵", "中华新韵", "中华通韵", "Train a model"):
        assert topic in text
    for place in (paths.user_models_dir(), paths.checkpoints_dir(), paths.logs_dir(), settings_mod.settings_path()):
        assert str(place) in text
    dialog.close()


def test_the_help_menu_has_the_guide_and_the_shortcuts(window):
    menus = window.menus
    assert menus.help_menu.actions()[:2] == [menus.act_guide, menus.act_shortcuts]


# -- settings ------------------------------------------------------------------------------------------------

def test_settings_are_saved_when_they_change_not_only_on_quit(window, qtbot, tmp_path):
    window.set_theme("dark")
    qtbot.waitUntil(lambda: settings_mod.settings_path().exists() and settings_mod.load().theme == "dark",
                    timeout=TIMEOUT)
    window.panel.beam_radio.setChecked(True)
    qtbot.waitUntil(lambda: settings_mod.load().decode.strategy == "beam", timeout=TIMEOUT)
    poem = tmp_path / "poem.txt"
    poem.write_text("春眠不觉晓", encoding="utf-8")
    window.documents.open_path(poem)
    qtbot.waitUntil(lambda: settings_mod.load().recent_files[:1] == [str(poem.resolve())], timeout=TIMEOUT)
    assert window.isVisible()  # all of it without closing the window


def test_a_killed_app_keeps_the_theme(tmp_path):
    code = ("import os, signal\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
            "import poetpad.gui\npoetpad.gui.immortalize_singletons()\napp = QApplication([])\n"
            "from poetpad.gui.app import create_window\nfrom poetpad.gui import settings\n"
            "w = create_window(app)\nw.show()\nw.set_theme('dark')\n"
            "def check():\n"
            "    if settings.settings_path().exists() and settings.load().theme == 'dark':\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "t = QTimer()\nt.timeout.connect(check)\nt.start(50)\nQTimer.singleShot(20000, app.quit)\napp.exec()\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == -9, proc.stderr[-2000:]  # killed: the settings were written before any quit
    assert settings_mod.load().theme == "dark"


# -- translation ---------------------------------------------------------------------------------------------

def test_plurals_and_the_device_are_translated(window, qapp, qtbot, english_after):
    assert device_label({"device": "cpu", "threads": 1}) == "CPU (1 thread)"
    assert device_label({"device": "cpu", "threads": 2}) == "CPU (2 threads)"
    assert device_label({"device": "cuda", "device_name": "NVIDIA H200"}) == "NVIDIA H200"
    window.editor.setPlainText("春")
    assert window.count_label.text() == "1 character"
    window.editor.setPlainText("春眠")
    assert window.count_label.text() == "2 characters"
    install_language(qapp, "zh_CN")
    qtbot.waitUntil(lambda: "字" in window.count_label.text(), timeout=5000)
    assert window.count_label.text() == "2 字"
    assert device_label({"device": "cpu", "threads": 2}) == "CPU（2 线程）"
