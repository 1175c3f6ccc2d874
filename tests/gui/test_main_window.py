"""The main window as a poet uses it: type, Ctrl+Enter, Tab; acrostics; documents; autosave; export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from poetpad import paths
from poetpad.gui import settings as settings_mod
from poetpad.gui.documents import autosave_dir
from tests.gui.conftest import TIMEOUT, make_window


def _end(editor):
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.setTextCursor(cursor)


def _type(editor, text: str) -> None:
    """Type `text` the way an input method commits it (QTest only knows ASCII keys)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _ask(win, qtbot):
    qtbot.keyClick(win.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(win.editor.suggestion), timeout=TIMEOUT)


def test_window_appears_before_torch_is_imported(tmp_path):
    code = ("import sys\nfrom PySide6.QtWidgets import QApplication\nimport poetpad.gui\n"
            "poetpad.gui.immortalize_singletons()\napp = QApplication([])\n"
            "from poetpad.gui.app import create_window\nw = create_window(app)\nw.show()\napp.processEvents()\n"
            "print(w.windowTitle(), 'torch' in sys.modules, app.focusWidget() is w.editor)\n"
            "w.editor.document().setModified(False)\nw.close()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    title, torch_loaded, focused = proc.stdout.strip().rsplit(" ", 2)
    assert "PoetPad" in title and torch_loaded == "False" and focused == "True"


def test_type_ctrl_enter_and_tab_inserts_the_continuation(ready, qtbot):
    editor = ready.editor
    _type(editor, "床前")
    _ask(ready, qtbot)
    suggestion = editor.suggestion
    assert editor.toPlainText() == "床前"  # a suggestion is not text until accepted
    assert ready.suggestion_list.count() >= 1
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "床前" + suggestion
    assert editor.suggestion == "" and ready.suggestion_list.count() == 0
    editor.undo()
    assert editor.toPlainText() == "床前"  # one undo step takes the whole suggestion back


def test_escape_dismisses_and_alt_down_cycles(ready, qtbot):
    editor = ready.editor
    ready.panel.candidates.setValue(3)
    _type(editor, "春眠")
    _ask(ready, qtbot)
    count = len(ready.suggestions.candidates)
    assert 2 <= count <= 3  # a random tiny model may write one that adds nothing: that one is not offered
    qtbot.keyClick(editor, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert editor.suggestion == ready.suggestions.candidates[1].continuation and ready.suggestion_list.currentRow() == 1
    qtbot.keyClick(editor, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert ready.suggestion_list.currentRow() == count - 1  # wraps around
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.suggestion == "" and editor.toPlainText() == "春眠"


def test_typing_drops_the_pending_request(ready, qtbot):
    editor = ready.editor
    seen = []
    ready.model.worker.results.connect(lambda request_id, _c, _model: seen.append(request_id))
    _type(editor, "床")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stale = ready.requests.last_id
    _type(editor, "前")   # typing makes the request stale
    assert ready.requests.last_id > stale and ready.requests.active is None
    _ask(ready, qtbot)                # a new request still works
    last = ready.requests.last_id
    assert last not in seen[:-1] and all(rid == last for rid in seen[-1:])
    assert editor.toPlainText() == "床前"


def test_a_request_before_the_model_is_ready_waits_for_it(window, qtbot):
    editor = window.editor
    _type(editor, "举头")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "loading" in window.statusBar().currentMessage()
    window.start_model()
    qtbot.waitUntil(lambda: bool(editor.suggestion), timeout=TIMEOUT)
    assert window.model_label.text().startswith("tiny")


def test_acrostic_is_inserted_with_its_heads_marked(ready, qtbot):
    panel = ready.panel
    panel.mode.setCurrentIndex(4)  # acrostic
    panel.heads.setText("床疑举低")
    panel.form.setCurrentIndex(panel.form.findData("5x4"))
    qtbot.mouseClick(panel.generate, Qt.MouseButton.LeftButton)  # Write: an acrostic is the panel's, once
    qtbot.waitUntil(lambda: bool(ready.editor.suggestion), timeout=TIMEOUT)
    qtbot.keyClick(ready.editor, Qt.Key.Key_Tab)
    lines = [line for line in ready.editor.toPlainText().split("\n") if line.strip()]
    assert [line[0] for line in lines] == list("床疑举低")
    heads = [s for s in ready.editor.extraSelections() if s.format.fontWeight() > 400]
    assert sorted(s.cursor.selectedText() for s in heads) == sorted("床疑举低")


def test_acrostic_without_heads_says_what_to_do(ready, qtbot):
    ready.panel.mode.setCurrentIndex(4)
    ready.panel.heads.setText("")
    ready.write_from_panel()
    assert "heads" in ready.statusBar().currentMessage()
    assert "heads" in ready.request_message and "heads" in ready.suggestions.message_text
    assert ready.editor.suggestion == ""


def test_autosave_and_recovery(window, qapp, qtbot):
    first = window.documents
    window.editor.insertPlainText("春眠不觉晓，\n处处闻啼鸟。")  # typed, so unsaved
    assert first.autosave()
    saved = json.loads(first.copy.path.read_text(encoding="utf-8"))
    assert saved["text"] == "春眠不觉晓，\n处处闻啼鸟。"
    assert not first.autosave()  # nothing new since

    second = make_window(qapp, qtbot)
    second.ask.answers["recover"] = "recover"
    assert not second.documents.offer_recovery()  # the first window is alive: its copy is not a crash's
    assert not second.ask.asked
    first.copy.close()  # as if the first window had died without closing
    assert second.documents.offer_recovery()
    assert [r.text for r in second.ask.about_of("recover")] == ["春眠不觉晓，\n处处闻啼鸟。"]
    assert second.editor.toPlainText() == "春眠不觉晓，\n处处闻啼鸟。"
    assert second.editor.document().isModified()
    assert not first.copy.path.exists()  # now in the second window's own copy
    assert second.documents.copy.path.exists()

    second.documents.copy.close()
    third = make_window(qapp, qtbot)
    third.ask.answers["recover"] = "discard"
    assert not third.documents.offer_recovery()
    assert not list(autosave_dir(create=False).glob("*.json"))  # discarded: the copy is gone


def test_save_open_and_unsaved_changes(window, tmp_path):
    target = tmp_path / "poems" / "静夜思.txt"
    target.parent.mkdir()
    window.ask.save_to, window.ask.save_filter = target, "Text (*.txt)"
    documents = window.documents
    window.editor.setPlainText("床前明月光，\n疑是地上霜。")
    assert documents.save()
    assert target.read_text(encoding="utf-8") == "床前明月光，\n疑是地上霜。\n"
    assert "静夜思.txt" in window.windowTitle() and "*" not in window.windowTitle()
    assert window.settings.recent_files[0] == str(target.resolve())

    window.editor.selectAll()
    window.editor.insertPlainText("改了")
    window.ask.answers["unsaved"] = "cancel"
    documents.new()
    assert window.editor.toPlainText() == "改了"  # cancelled: nothing lost
    assert window.ask.about_of("unsaved") == ["静夜思.txt"]
    window.ask.answers["unsaved"] = "discard"
    documents.new()
    assert window.editor.toPlainText() == "" and documents.path is None
    assert documents.open_path(target)
    assert window.editor.toPlainText() == "床前明月光，\n疑是地上霜。\n" and documents.path == target


def test_opening_a_bad_file_shows_one_message(window, tmp_path):
    shown = window.ask.errors
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    assert not window.documents.open_path(bad)
    assert len(shown) == 1 and "\n" not in shown[0] and "bad.txt" in shown[0]


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "odt", "pdf", "png"])
def test_export_from_the_window(window, tmp_path, fmt):
    out = tmp_path / f"card.{fmt}"
    window.ask.save_to = out
    window.editor.setPlainText("白日依山尽，\n黄河入海流。")
    assert window.documents.export_as(fmt) == out
    data = out.read_bytes()
    assert len(data) > 20
    if fmt in ("txt", "md", "html"):
        assert "黄河入海流" in data.decode("utf-8")


def test_settings_are_saved_on_close(qapp, qtbot, tiny_model):
    win = make_window(qapp, qtbot)
    win.show()
    win.panel.beam_radio.setChecked(True)
    win.panel.beam.setValue(5)
    win.set_theme("dark")
    win.close()
    saved = settings_mod.load()
    assert (saved.theme, saved.decode.strategy, saved.decode.beam) == ("dark", "beam", 5)
    assert saved.window_geometry


def _training_ready(win, qtbot, tmp_path, name: str, epochs: int):
    """The window's training dialog with a tiny CPU job for `name` filled in, ready to start."""
    from tests.gui.test_training_dialog import shrink
    from tests.helpers import write_chinese_corpus

    dialog = win.open_training()
    qtbot.waitUntil(lambda: dialog.engine_ready, timeout=TIMEOUT)
    dialog.job_hook = shrink([])
    dialog.add_paths([write_chinese_corpus(tmp_path / "c", n=200)])
    dialog.name_edit.setText(name)
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("seed"))
    dialog.epochs_spin.setValue(epochs)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=TIMEOUT)
    return dialog


def test_quitting_while_a_model_trains_asks_and_keeps_a_checkpoint(qapp, qtbot, tmp_path):
    from poetpad.core.train.checkpoint import has_checkpoint

    win = make_window(qapp, qtbot)
    win.show()
    dialog = _training_ready(win, qtbot, tmp_path, "quitter", epochs=1000)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.train_series.count() > 0, timeout=TIMEOUT)

    win.ask.answers["stop_training"] = False
    assert not win.close()           # declined: the window stays and training goes on
    assert win.ask.about_of("stop_training") and dialog.training and win.isVisible()
    win.ask.answers["stop_training"] = True
    assert win.close()
    assert not dialog.training       # stopped before the window went away
    assert has_checkpoint("quitter")


def test_a_model_trained_in_the_dialog_shows_in_the_manager_and_can_be_used(qapp, qtbot, tmp_path):
    win = make_window(qapp, qtbot)
    win.show()
    dialog = _training_ready(win, qtbot, tmp_path, "my-poems", epochs=1)
    with qtbot.waitSignal(dialog.model_trained, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.training, timeout=TIMEOUT)

    manager = win.open_model_manager()
    qtbot.waitUntil(lambda: not manager.is_loading(), timeout=TIMEOUT)
    assert [m.name for m in manager.models()] == ["my-poems"]
    manager.select("my-poems")
    qtbot.mouseClick(manager.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.model_ready, timeout=TIMEOUT)
    assert win.model_label.text().startswith("my-poems") and win.settings.default_model == "my-poems"
    manager.close()


@pytest.mark.parametrize(("before", "poem"), [
    ("床前", "床前"),
    ("第一首。\n\n床前", "床前"),
    ("第一首。\n \n\n第二首，\n床前", "第二首，\n床前"),
    ("第一首。\n\n", ""),
    ("第一首。\n\u00a0\n第二首，\n床前", "第二首，\n床前"),  # a blank line as the gutter sees one
])
def test_suggestions_continue_the_poem_the_cursor_is_in(before, poem):
    from poetpad.core.analysis import current_poem, poem_spans

    assert current_poem(before) == poem
    if poem.strip():  # the request continues the last poem the gutter and the tone marks see
        lines = before.split("\n")
        assert "\n".join(lines[poem_spans(lines)[-1].start:]) == poem


def test_ctrl_a_and_ctrl_c_are_the_standard_ones(window, qtbot):
    window.editor.setPlainText("床前明月光，\n疑是地上霜。")
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.editor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "床前明月光，\n疑是地上霜。"


def test_english_text_is_continued_by_an_english_model(ready, qtbot, make_model_file):
    """The active model is Chinese; the poet writes English: the English model writes, and says so."""
    make_model_file(paths.user_models_dir() / "tiny-en.poetpad", language="en")
    editor = ready.editor
    _type(editor, "Shall I compare thee ")
    _ask(ready, qtbot)
    candidates = ready.suggestions.candidates
    assert candidates and all(c.model == "tiny-en" for c in candidates)
    assert not any("，" in c.continuation or "。" in c.continuation for c in candidates)
    assert ready.model_label.text().startswith("tiny-en") and "tiny-en" in ready.panel.model_name.text()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText().startswith("Shall I compare thee ") and "，" not in editor.toPlainText()
    # Back in a Chinese poem, the active Chinese model writes again.
    editor.setPlainText("")
    _type(editor, "床前")
    _ask(ready, qtbot)
    assert all(c.model == "tiny" for c in ready.suggestions.candidates)
    assert ready.model_label.text().startswith("tiny ") and ready.settings.default_model == "tiny"


def test_without_a_model_for_the_language_the_status_bar_says_what_to_train(ready, qtbot):
    _type(ready.editor, "Shall I compare thee")
    qtbot.keyClick(ready.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "English" in ready.statusBar().currentMessage(), timeout=TIMEOUT)
    message = ready.statusBar().currentMessage()
    assert "poetpad train" in message and "\n" not in message
    assert ready.request_message == message == ready.suggestions.message_text  # where the poet looks, too
    assert ready.editor.suggestion == "" and ready.editor.toPlainText() == "Shall I compare thee"
