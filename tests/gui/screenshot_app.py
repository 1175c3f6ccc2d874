"""Screenshots of the real app for tests/gui/test_screenshots.py (run as a script on a real X display).

    python tests/gui/screenshot_app.py OUT_DIR CORPUS_FILE

For each theme (light, dark) and language (en, zh_CN) it opens the main window with a poem and a
suggestion showing, the training dialog with a corpus previewed, and the model manager, saves
each as OUT_DIR/<window>-<theme>-<language>.png, and prints one JSON line per screenshot with the
texts on screen that the widget's font cannot draw (boxes instead of glyphs) and the menu titles.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QWidget

from poetpad.gui import immortalize_singletons
from poetpad.gui.app import apply_theme, create_window, install_language
from poetpad.gui.settings import Settings


def wait(app: QApplication, predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the app")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def missing_glyphs(root: QWidget) -> list[str]:
    """Visible texts with characters the widget's own font has no glyph for."""
    found = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisible():
            continue
        if isinstance(widget, (QLabel, QAbstractButton)):
            text = widget.text()
        elif isinstance(widget, QGroupBox):
            text = widget.title()
        else:
            continue
        metrics = QFontMetrics(widget.font())
        bad = sorted({ch for ch in text if ord(ch) > 0x2E7F and not metrics.inFontUcs4(ord(ch))})
        if bad:
            found.append(f"{type(widget).__name__} {text!r}: {''.join(bad)}")
    return found


def main() -> int:
    out, corpus = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    immortalize_singletons()  # before the QApplication: see poetpad/gui/__init__.py
    app = QApplication([])
    for theme in ("light", "dark"):
        for language in ("en", "zh_CN"):
            apply_theme(app, theme)
            install_language(app, language)
            window = create_window(app, Settings(theme=theme, language=language, show_tones=True))
            window.ask.unsaved = lambda _name: "discard"
            window.resize(1200, 760)
            window.show()
            window.start_model()
            wait(app, lambda w=window: w.model_ready)
            window.editor.setPlainText("床前明月光，\n疑是地上霜。\n举头望明月，\n春风")
            cursor = window.editor.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            window.editor.setTextCursor(cursor)
            window.request_continuation()
            wait(app, lambda w=window: bool(w.editor.suggestion))
            settle(app)
            shots = {"main": window}

            training = window.open_training()
            wait(app, lambda d=training: d.engine_ready)
            training.add_paths([corpus])
            training.name_edit.setText("my-poems")
            wait(app, lambda d=training: not d.busy and d._corpus is not None)
            settle(app)
            shots["training"] = training

            manager = window.open_model_manager()
            manager.resize(1000, 600)
            wait(app, lambda m=manager: not m.is_loading())
            if manager.models():
                manager.select(manager.models()[0].name)
            settle(app)
            shots["models"] = manager

            menus = window.menus
            for name, widget in shots.items():
                path = out / f"{name}-{theme}-{language}.png"
                widget.grab().save(str(path))
                print(json.dumps({"file": path.name, "missing_glyphs": missing_glyphs(widget),
                                  "menus": [m.title() for m in (menus.file_menu, menus.edit_menu, menus.view_menu,
                                                                menus.models_menu, menus.help_menu)],
                                  "title": widget.windowTitle()}, ensure_ascii=False), flush=True)
            manager.close()
            training.close()
            window.close()
            settle(app, 0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
