"""Nothing typed is lost: per-window autosave copies, recovery after a kill -9 whatever was opened,
unreadable copies kept aside, and a settings.json of any content that never stops the app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from poetpad import paths
from poetpad.gui import settings as settings_mod
from poetpad.gui.documents import autosave_dir, find_orphans
from tests.gui.conftest import make_window

ROOT = Path(__file__).resolve().parents[2]

_KILLED_WINDOW = textwrap.dedent("""
    import os, signal, sys
    from poetpad.gui import immortalize_singletons
    immortalize_singletons()
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from poetpad.gui.main_window import MainWindow
    window = MainWindow()
    window.editor.insertPlainText(sys.argv[1])
    assert window.documents.autosave()
    sys.stdout.write("autosaved\\n")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
""")


def _typed_then_killed(text: str) -> None:
    """A window in another process: the poet types, the copy is written, then the process is killed -9."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _KILLED_WINDOW, text], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "autosaved" in proc.stdout


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_two_windows_and_a_kill_never_lose_typed_text(qapp, qtbot, tmp_path):
    # A live window in this process has typed text of its own.
    live = make_window(qapp, qtbot)
    live.editor.insertPlainText("live window's poem")
    assert live.documents.autosave()
    # Another window, in another process, is killed -9 after typing.
    _typed_then_killed("白日依山尽，\n黄河入海流。")
    orphans, _ = find_orphans()
    assert [o.text for o in orphans] == ["白日依山尽，\n黄河入海流。"]  # the live window's copy is not a crash's

    # `poetpad poem.txt`: a file is opened, and the crashed window's text is still offered.
    poem = tmp_path / "poem.txt"
    poem.write_text("床前明月光\n", encoding="utf-8")
    opened = make_window(qapp, qtbot)
    assert opened.documents.open_path(poem)
    assert not opened.documents.offer_recovery()  # the fake answers Later
    assert [r.text for r in opened.ask.about_of("recover")] == ["白日依山尽，\n黄河入海流。"]
    opened.close()  # Later, then closing this window: the copy stays for the next start
    assert [o.text for o in find_orphans()[0]] == ["白日依山尽，\n黄河入海流。"]

    # The next start recovers it into a window of its own (the first one shows the opened file).
    again = make_window(qapp, qtbot)
    assert again.documents.open_path(poem)
    again.ask.answers["recover"] = "recover"
    extra: list = []

    def open_another(recovered):
        window = make_window(qapp, qtbot)
        window.documents.adopt_recovered(recovered)
        extra.append(window)

    again.recovery_requested.connect(open_another)
    assert not again.documents.offer_recovery()
    assert again.editor.toPlainText() == "床前明月光\n"
    assert [w.editor.toPlainText() for w in extra] == ["白日依山尽，\n黄河入海流。"]
    assert extra[0].editor.document().isModified()
    assert not find_orphans()[0]  # held by the new window's live copy now…
    assert json.loads(extra[0].documents.copy.path.read_text(encoding="utf-8"))["text"] == "白日依山尽，\n黄河入海流。"
    # …and the live window's copy was never touched.
    assert json.loads(live.documents.copy.path.read_text(encoding="utf-8"))["text"] == "live window's poem"


def test_a_live_window_is_never_taken_for_a_crash(qapp, qtbot):
    first = make_window(qapp, qtbot)
    first.editor.insertPlainText("一")
    assert first.documents.autosave()
    second = make_window(qapp, qtbot)
    second.ask.answers["recover"] = lambda recovered: pytest.fail("offered a live window's text")
    assert not second.documents.offer_recovery()
    second.close()
    assert first.documents.copy.path.exists()  # closing the other window leaves this one's copy alone


def test_an_unreadable_copy_is_kept_aside_and_told(qapp, qtbot):
    folder = autosave_dir()
    (folder / "0123456789abcdef.json").write_text("{not json", encoding="utf-8")
    window = make_window(qapp, qtbot)
    told = window.ask.errors
    assert not window.documents.offer_recovery()
    kept = list(folder.glob("*.unreadable"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert told and str(kept[0]) in told[0]
    told.clear()
    assert not window.documents.offer_recovery()
    assert not told  # said once


@pytest.mark.parametrize("fields", [{"saved_at": "yesterday", "path": 7}, {"saved_at": 1e308, "path": "a\0b"},
                                    {"saved_at": None, "path": ["x"]}])
def test_bad_fields_still_recover_the_text(qapp, qtbot, fields):
    (autosave_dir() / "fedcba9876543210.json").write_text(json.dumps({"text": "留得残荷听雨声"} | fields),
                                                          encoding="utf-8")
    window = make_window(qapp, qtbot)
    window.ask.answers["recover"] = "recover"
    assert window.documents.offer_recovery()
    assert window.editor.toPlainText() == "留得残荷听雨声"


def test_the_old_shared_copy_is_offered_too(qapp, qtbot):
    (paths.data_dir() / "autosave.json").write_text(json.dumps({"text": "旧", "saved_at": 0, "path": None}),
                                                    encoding="utf-8")
    window = make_window(qapp, qtbot)
    window.ask.answers["recover"] = "recover"
    assert window.documents.offer_recovery()
    assert window.editor.toPlainText() == "旧"
    assert not (paths.data_dir() / "autosave.json").exists()


# -- settings ---------------------------------------------------------------------------------------

BAD_SETTINGS = {
    "junk": b"\x00\xff garbage",
    "list": b"[1, 2, 3]",
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep_object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "huge_number": b'{"font_size": ' + b"9" * 400 + b', "decode": {"temperature": ' + b"9" * 400 + b"}}",
    "huge_float": b'{"decode": {"temperature": 1e400, "top_p": -1e400, "seed": ' + b"9" * 30 + b"}}",
    "huge_file": b'{"recent_files": ["' + b"x" * (2 * 1024 * 1024) + b'"]}',
}


@pytest.mark.parametrize("name", sorted(BAD_SETTINGS))
def test_any_settings_file_falls_back_and_keeps_a_backup(name):
    path = settings_mod.settings_path()
    path.write_bytes(BAD_SETTINGS[name])
    settings, problem = settings_mod.load_checked()
    decode = settings.decode
    assert 8 <= settings.font_size <= 72 and 0.05 <= decode.temperature <= 3.0 and 0.05 <= decode.top_p <= 1.0
    assert decode.seed is None or decode.seed < 2**63
    if problem is not None:  # refused whole: the file is kept beside, and said once
        backups = list(path.parent.glob("settings.bad-*.json"))
        assert len(backups) == 1 and backups[0].read_bytes() == BAD_SETTINGS[name]
        assert str(backups[0]) in problem
        assert settings_mod.load_checked()[1] is None
    settings_mod.save(settings)
    assert settings_mod.load_checked() == (settings, None)


def test_a_nested_settings_file_does_not_stop_the_window(qapp, qtbot):
    settings_mod.settings_path().write_bytes(BAD_SETTINGS["deep"])
    settings, problem = settings_mod.load_checked()
    assert problem
    window = make_window(qapp, qtbot, settings)
    window.tell_settings_problem(problem)
    assert "settings" in window.statusBar().currentMessage()


def test_a_large_file_warns_before_it_opens(qapp, qtbot, tmp_path, monkeypatch):
    from poetpad.gui import documents

    monkeypatch.setattr(documents, "LARGE_FILE_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("春风又绿江南岸\n" * 200, encoding="utf-8")
    window = make_window(qapp, qtbot)
    window.ask.answers["open_large"] = False
    assert not window.documents.open_path(big)
    assert window.ask.about_of("open_large") == [big] and window.editor.toPlainText() == ""
    window.ask.answers["open_large"] = True
    assert window.documents.open_path(big)
    assert window.editor.toPlainText().startswith("春风又绿江南岸")


def test_a_long_document_is_analysed_near_the_cursor_and_screen(qapp, qtbot, monkeypatch):
    from poetpad.gui import editor as editor_mod
    from poetpad.gui.editor import PoemEditor

    monkeypatch.setattr(editor_mod, "LOCAL_ANALYSIS_CHARS", 2_000)
    editor = PoemEditor()
    qtbot.addWidget(editor)
    editor.resize(400, 300)
    editor.show()
    quatrain = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n\n"
    regulated = ("白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。\n"
                 "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。\n")
    editor.setPlainText(quatrain * 2_000 + regulated)
    assert editor.is_long
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    read: list[str] = []
    from poetpad.core import verse

    real_split = verse.split_lines
    monkeypatch.setattr(verse, "split_lines", lambda text: read.append(text) or real_split(text))
    editor.set_show_tones(True)
    editor._analyse()
    assert read and max(len(t) for t in read) < 200  # the poem at the cursor, not the document
    assert editor.form == "5x8"  # the 律诗 at the cursor, not the 绝句 above it
    assert len(editor._poems()) < 200 < len(editor.poems())  # marks for what is on screen; revisions see it all


def test_terminating_the_session_keeps_the_text_for_recovery(qapp, qtbot, monkeypatch):
    window = make_window(qapp, qtbot)
    window.editor.insertPlainText("夜来风雨声")
    window.terminate()  # what SIGTERM and SIGHUP do in the running app
    assert [o.text for o in find_orphans()[0]] == ["夜来风雨声"]
