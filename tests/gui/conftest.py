"""GUI tests: Qt offscreen, and the guard against PySide6's None refcount bug applied before pytest-qt
creates the QApplication (see poetpad/gui/__init__.py); the main window with a tiny model."""

from __future__ import annotations

import os

import pytest

from poetpad.gui import immortalize_singletons

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
immortalize_singletons()

TIMEOUT = 30_000


@pytest.fixture
def english_ui(qapp):
    """The English translator, as the app installs it at start-up (it holds the plural forms: "2 models")."""
    from poetpad.gui.app import install_language

    install_language(qapp, "en")


@pytest.fixture
def tiny_model(make_model_file):
    """A tiny Chinese model named 'tiny' in the user library (random weights: any text will do)."""
    from poetpad import paths

    return make_model_file(paths.user_models_dir() / "tiny.poetpad")


class FakeAsk:
    """Stands in for gui.ask.Ask (the one service that asks the user): each question gets the answer in
    `answers` (a value, or a function of what is asked about), and is recorded in `asked`; errors are
    kept in `errors`; file dialogs answer `open_to`, `folder_to`, `save_to` (a path, or "" for Cancel)."""

    def __init__(self) -> None:
        self.answers = {"unsaved": "discard", "open_truncated": True, "open_large": True, "recover": "later",
                        "stop_training": True, "confirm": True, "text": None}
        self.asked: list[tuple[str, object]] = []
        self.errors: list[str] = []
        self.open_to = ""
        self.folder_to = ""
        self.save_to = ""
        self.save_filter = ""

    def _answer(self, question: str, about: object):
        self.asked.append((question, about))
        answer = self.answers[question]
        return answer(about) if callable(answer) else answer

    def about_of(self, question: str) -> list:
        """What each `question` asked was about, in order."""
        return [about for asked, about in self.asked if asked == question]

    def error(self, message: str) -> None:
        self.errors.append(message)

    def unsaved(self, name):
        return self._answer("unsaved", name)

    def open_truncated(self, exc):
        return self._answer("open_truncated", exc)

    def open_large(self, path, size):
        return self._answer("open_large", path)

    def recover(self, recovered):
        return self._answer("recover", recovered)

    def stop_training(self):
        return self._answer("stop_training", None)

    def confirm(self, question, title=None):
        return self._answer("confirm", question)

    def text(self, title, label, current):
        return self._answer("text", current)

    def open_file(self, title, start, filters):
        return str(self.open_to)

    def open_files(self, title, start, filters):
        return [str(self.open_to)] if self.open_to else []

    def folder(self, title):
        return str(self.folder_to)

    def save_file(self, title, start, filters):
        return str(self.save_to), self.save_filter

    def font(self, current, title):
        return None

    def about(self, title, text):
        self.asked.append(("about", title))


def make_window(qapp, qtbot, settings=None):
    """A main window whose questions a FakeAsk answers (unsaved text is discarded when pytest-qt closes it)."""
    from poetpad.gui import settings as settings_mod
    from poetpad.gui.app import create_window

    win = create_window(qapp, settings or settings_mod.Settings())
    win.ask = FakeAsk()
    qtbot.addWidget(win)
    return win


@pytest.fixture
def window(qapp, qtbot, tiny_model):
    from poetpad.gui import settings as settings_mod

    win = make_window(qapp, qtbot, settings_mod.Settings(default_model="tiny"))
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def ready(window, qtbot):
    window.start_model()
    qtbot.waitUntil(lambda: window.model_ready, timeout=TIMEOUT)
    return window
