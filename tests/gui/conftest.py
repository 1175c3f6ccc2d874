"""GUI tests: Qt offscreen, and the guard against PySide6's None refcount bug applied before pytest-qt
creates the QApplication (see poetpad/gui/__init__.py)."""

from __future__ import annotations

import os

from poetpad.gui import immortalize_singletons

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
immortalize_singletons()
