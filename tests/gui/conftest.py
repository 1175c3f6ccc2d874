"""GUI tests: Qt offscreen, and poetpad.gui imported first (it guards against PySide6's None refcount bug)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import poetpad.gui  # noqa: E402,F401  (before any Qt call: see poetpad/gui/__init__.py)
