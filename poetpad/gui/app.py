"""Start the app: the window first, then the model in a worker (torch is imported off the start-up path)."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from poetpad import paths
from poetpad.gui import immortalize_singletons
from poetpad.gui import settings as settings_mod

log = logging.getLogger(__name__)

APP_NAME = "PoetPad"
_translators: list[QTranslator] = []


def translations_dir():
    root = paths.resources_dir()
    return root / "translations" if root else None


def resolve_language(language: str) -> str:
    """'en' or 'zh_CN' for a setting of system, en or zh_CN."""
    if language == "system":
        return "zh_CN" if QLocale.system().name().startswith("zh") else "en"
    return language


def install_language(app: QApplication, language: str) -> str:
    """Swap the app's translators for `language`; returns the language in use."""
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    chosen = resolve_language(language)
    folder = translations_dir()
    ours = QTranslator(app)
    # English is the source language; its translation holds only the plural forms ("1 thread", "2 threads").
    if folder and ours.load(f"poetpad_{chosen}", str(folder)):
        app.installTranslator(ours)
        _translators.append(ours)
    else:
        log.warning("no translation for %s in %s", chosen, folder)
    if chosen == "en":
        return chosen
    qt = QTranslator(app)
    if qt.load(f"qtbase_{chosen}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _translators.append(qt)
    return chosen


def dark_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: QColor(37, 37, 40), QPalette.ColorRole.WindowText: QColor(225, 225, 228),
        QPalette.ColorRole.Base: QColor(28, 28, 31), QPalette.ColorRole.AlternateBase: QColor(44, 44, 48),
        QPalette.ColorRole.Text: QColor(230, 230, 232), QPalette.ColorRole.Button: QColor(48, 48, 52),
        QPalette.ColorRole.ButtonText: QColor(225, 225, 228), QPalette.ColorRole.Highlight: QColor(88, 120, 190),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255), QPalette.ColorRole.ToolTipBase: QColor(50, 50, 54),
        QPalette.ColorRole.ToolTipText: QColor(230, 230, 232),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 146),
        QPalette.ColorRole.Link: QColor(120, 160, 240), QPalette.ColorRole.BrightText: QColor(255, 90, 90),
    }
    for role, color in colors.items():
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 126))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """Fusion with a light or dark palette, or the platform's own look for 'system'."""
    if not hasattr(app, "_poetpad_default_style"):
        app._poetpad_default_style = app.style().name()
        app._poetpad_default_palette = QPalette(app.palette())
    if theme == "system":
        app.setStyle(app._poetpad_default_style)
        app.setPalette(app._poetpad_default_palette)
        return
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())


_windows: list = []  # the windows run_app opened, kept alive while they are open


def create_window(app: QApplication, settings: settings_mod.Settings | None = None):
    """The main window wired to the app's theme and language (the model is not loaded yet)."""
    from poetpad.gui.main_window import MainWindow

    settings = settings or settings_mod.load()
    apply_theme(app, settings.theme)
    install_language(app, settings.language)
    window = MainWindow(settings)
    window.theme_requested.connect(lambda theme: apply_theme(app, theme))
    window.language_requested.connect(lambda language: install_language(app, language))
    return window


def open_recovered(app: QApplication, recovered, settings: settings_mod.Settings):
    """Another window for a recovered poem (when the first window already holds one)."""
    window = create_window(app, settings)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.recovery_requested.connect(lambda other: open_recovered(app, other, settings))
    _windows.append(window)
    window.destroyed.connect(lambda _=None, w=window: _windows.remove(w) if w in _windows else None)
    window.show()
    window.documents.adopt_recovered(recovered)
    window.start_model()
    return window


def run_app(file: str | None = None, argv: list[str] | None = None) -> int:
    immortalize_singletons()  # before any Qt call: see poetpad/gui/__init__.py
    QGuiApplication.setApplicationName(APP_NAME)
    QGuiApplication.setApplicationDisplayName(APP_NAME)
    QGuiApplication.setDesktopFileName("poetpad")
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    icon_root = paths.resources_dir()
    if icon_root and (icon_root / "icons" / "poetpad.png").exists():
        app.setWindowIcon(QIcon(str(icon_root / "icons" / "poetpad.png")))
    settings, problem = settings_mod.load_checked()
    window = create_window(app, settings)
    window.recovery_requested.connect(lambda recovered: open_recovered(app, recovered, window.settings))
    window.show()

    def after_show() -> None:
        if problem:
            window.tell_settings_problem(problem)
        if file:
            window.documents.open_path(file)
        window.documents.offer_recovery()  # at every start: a crashed window's text is offered whatever was opened
        window.start_model()

    QTimer.singleShot(0, after_show)
    _end_on_signals(app)
    return app.exec()


def _end_on_signals(app: QApplication) -> None:
    """SIGTERM and SIGHUP (a logout, a shutdown, the terminal closing) end the app as quitting does, minus
    the questions: every window keeps its unsaved text for recovery and a training keeps a checkpoint."""
    import signal

    def terminate() -> None:
        from poetpad.gui.main_window import MainWindow

        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.terminate()
        app.quit()

    def on_signal(_signum, _frame) -> None:
        QTimer.singleShot(0, terminate)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)
    # Python runs signal handlers between bytecodes; a timer gives it some while Qt's loop waits.
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(300)
