"""The guard in poetpad/gui/__init__.py keeps PySide6 6.12's None-decrementing calls from crashing Python."""

from __future__ import annotations

import subprocess
import sys

import pytest

CALLS = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
{guard}
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(20000):
    label.setText("春")
    app.processEvents()
print(before - sys.getrefcount(None))
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_many_qt_calls_do_not_free_none():
    proc = subprocess.run([sys.executable, "-c", CALLS.format(guard="import poetpad.gui")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "deallocating None" not in proc.stderr
    lost = int(proc.stdout.strip())
    assert lost >= 0  # when PySide6 stops leaking this is 0 and the guard can go


def test_guard_gives_none_true_and_false_headroom():
    from poetpad.gui import immortalize_singletons

    applied = immortalize_singletons()
    assert applied == (sys.version_info < (3, 12))
    if applied:
        assert min(sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)) > 1 << 59
