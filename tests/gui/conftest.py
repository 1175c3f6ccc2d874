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


def make_window(qapp, qtbot, settings=None):
    """A main window that discards unsaved text when pytest-qt closes it after the test."""
    from PySide6.QtWidgets import QMessageBox

    from poetpad.gui import settings as settings_mod
    from poetpad.gui.app import create_window

    win = create_window(qapp, settings or settings_mod.Settings())
    win._ask_unsaved = lambda: QMessageBox.StandardButton.Discard
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
