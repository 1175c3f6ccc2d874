"""The main window: the wiring between the editor, the Suggestions and Verse docks, the menus and
the controllers that do the work.

- requests.RequestController: Ctrl+Enter and Write → the worker → suggestions; Tab, Esc, stale requests.
- writer.ModelController: the generate worker, the active model and which model writes each language.
- revision.RevisionController: alternatives for a character, rewrites of a line or the unlocked text.
- documents.DocumentController: open, save, export, autosave and recovery.
- menus.Menus: the actions and menus; ask.Ask: every question the window puts to the user.

A line under the editor says what Ctrl+Enter will do, and shows the request's state and errors,
where the poet is looking; the Suggestions panel says the same. Settings are saved a moment after
they change (atomically), not only on quit.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from poetpad import __version__
from poetpad.gui import settings as settings_mod
from poetpad.gui.ask import Ask
from poetpad.gui.documents import DocumentController
from poetpad.gui.editor import PoemEditor
from poetpad.gui.menus import Menus
from poetpad.gui.requests import RequestController
from poetpad.gui.revision import RevisionController
from poetpad.gui.suggestions import SuggestionsPanel
from poetpad.gui.verse_panel import VersePanel
from poetpad.gui.writer import ModelController

log = logging.getLogger(__name__)

SETTINGS_SAVE_MS = 500   # settings are written this long after the last change
SUMMARY_MS = 120         # the summary follows the cursor this long after it stops

_SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()]  # every character str.isspace() is true of


def _timer(parent, ms: int, slot, single_shot: bool = True) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(single_shot)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


class MainWindow(QMainWindow):
    language_requested = Signal(str)              # "system", "en" or "zh_CN": app.py swaps the translator
    recovery_requested = Signal(object)           # a documents.Recovered for another window (app.py opens one)
    theme_requested = Signal(str)

    def __init__(self, settings: settings_mod.Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings or settings_mod.Settings()
        self.ask = Ask(self)
        self._build_central()
        self._build_docks()
        self._build_status_bar()
        self._counts_timer = _timer(self, 400, self._update_counts)
        self._settings_timer = _timer(self, SETTINGS_SAVE_MS, self.save_settings)
        self._summary_timer = _timer(self, SUMMARY_MS, self.update_summary)
        self.model = ModelController(self)
        self.requests = RequestController(self)
        self.revision = RevisionController(self)
        self.documents = DocumentController(self)
        self.menus = Menus(self)
        self._connect()
        self._restored_state = False
        self._size_to_screen()
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        if self.settings.window_state:
            self._restored_state = self.restoreState(QByteArray.fromBase64(self.settings.window_state.encode()))
        self.retranslate()  # the summary follows a moment later: the window shows first
        self._update_counts()
        self.editor.setFocus()

    def _build_central(self) -> None:
        """The editor, and under it what Ctrl+Enter will do and the state or error of the last request."""
        self.editor = PoemEditor()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("requestSummary")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.request_label = QLabel()
        self.request_label.setObjectName("requestMessage")
        self.request_label.setWordWrap(True)
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_label.hide()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 4)
        column.setSpacing(2)
        column.addWidget(self.editor, 1)
        for label in (self.request_label, self.summary_label):
            label.setContentsMargins(8, 0, 8, 0)
            column.addWidget(label)
        self.setCentralWidget(central)
        self._apply_font()

    def _build_docks(self) -> None:
        self.panel = VersePanel()
        self.panel.load_defaults(self.settings.decode)
        self.verse_dock = QDockWidget()
        self.verse_dock.setObjectName("verseDock")
        verse_scroll = QScrollArea()  # a short screen can still reach every setting
        verse_scroll.setWidget(self.panel)
        verse_scroll.setWidgetResizable(True)
        verse_scroll.setFrameShape(QFrame.Shape.NoFrame)
        verse_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verse_dock.setWidget(verse_scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.verse_dock)
        self.suggestions = SuggestionsPanel()
        self.suggestion_list = self.suggestions.list
        self._apply_list_font()
        self.suggestions_dock = QDockWidget()
        self.suggestions_dock.setObjectName("suggestionsDock")
        self.suggestions_dock.setWidget(self.suggestions)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.suggestions_dock)

    def _build_status_bar(self) -> None:
        self.form_label = QLabel()
        self.count_label = QLabel()
        self.model_label = QLabel()
        for label in (self.form_label, self.count_label, self.model_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.statusBar().addPermanentWidget(label)

    def _connect(self) -> None:
        editor, panel, suggestions, requests = self.editor, self.panel, self.suggestions, self.requests
        editor.continue_requested.connect(requests.continue_text)
        editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        editor.customContextMenuRequested.connect(self.menus.editor_context_menu)
        editor.write_requested.connect(requests.write)
        editor.escape_pressed.connect(requests.on_escape)
        editor.cycle_requested.connect(requests.on_cycle)
        editor.user_edited.connect(requests.on_user_edited)
        editor.suggestion_accepted.connect(requests.on_accepted)
        editor.suggestion_dismissed.connect(requests.on_dismissed)
        editor.textChanged.connect(self._update_counts)
        editor.document().modificationChanged.connect(self.update_title)
        panel.generate_clicked.connect(requests.write)
        panel.reroll_clicked.connect(requests.reroll)
        panel.changed.connect(self._on_panel_changed)
        panel.rhyme_system.currentIndexChanged.connect(self._on_panel_rhyme_system_changed)
        editor.set_rhyme_system(panel.rhyme_system_value)
        suggestions.current_changed.connect(requests.on_current_changed)
        suggestions.chosen.connect(requests.on_chosen)
        suggestions.insert_requested.connect(requests.on_insert_requested)
        editor.cursorPositionChanged.connect(self._summary_timer.start)
        editor.textChanged.connect(self._summary_timer.start)

    def _size_to_screen(self) -> None:
        """A first window that uses most of the screen (up to 1280×860), so the docks have room."""
        screen = self.screen() or QApplication.primaryScreen()
        area = screen.availableGeometry() if screen else None
        width = min(1280, int(area.width() * 0.92)) if area else 1100
        height = min(860, int(area.height() * 0.92)) if area else 720
        self.resize(max(800, width), max(560, height))

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if not self._restored_state:
            self._restored_state = True
            QTimer.singleShot(0, self, self._size_docks)  # once the docks have their first sizes

    def _size_docks(self) -> None:
        """The first time: the Suggestions panel gets what the Verse panel does not need."""
        total = self.verse_dock.height() + self.suggestions_dock.height()
        title = self.verse_dock.height() - self.verse_dock.widget().height()
        verse = self.panel.sizeHint().height() + title + 4
        self.resizeDocks([self.verse_dock, self.suggestions_dock], [verse, max(240, total - verse)],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.verse_dock], [max(340, self.panel.sizeHint().width() + 24)],
                         Qt.Orientation.Horizontal)

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.menus.retranslate()
        self.verse_dock.setWindowTitle(self.tr("Verse"))
        self.suggestions_dock.setWindowTitle(self.tr("Suggestions"))
        self.editor.setPlaceholderText(self.tr("Write a line, then press Ctrl+Enter for the next words. "
                                               "Tab accepts a suggestion, Esc dismisses it."))
        self.update_title()
        self._update_counts()
        self.model.show_state()
        self.requests.refresh_message()
        self._summary_timer.start()

    # -- the model and the requests: what the app, the smoke test and the benchmarks call ------------

    def start_model(self, name: str | None = None) -> None:
        self.model.start(name)

    @property
    def model_ready(self) -> bool:
        return self.model.ready

    @Slot()
    def request_continuation(self) -> None:
        self.requests.continue_text()

    @Slot()
    def write_from_panel(self) -> None:
        self.requests.write()

    @Slot()
    def library_changed(self) -> None:
        """A model was imported, renamed, deleted or trained: which model writes may have changed."""
        self.model.forget_languages()
        self._summary_timer.start()

    @property
    def request_message(self) -> str:
        """The sentence shown under the editor about the last request ("" when none)."""
        return self.request_label.text() if not self.request_label.isHidden() else ""

    # -- the summary and the status bar ----------------------------------------------------------------

    def summary_later(self) -> None:
        """Update the line under the editor a moment from now (a burst of changes updates it once)."""
        self._summary_timer.start()

    @Slot()
    def update_summary(self) -> None:
        """The line under the editor: "Ctrl+Enter: Continue the line · 七绝 · 平水韵 · sampling ×4 ·
        chinese-classical". Cheap (no file is read): it runs as the cursor moves."""
        planned = self.panel.plan(self.requests.prefix())
        self.panel.show_forms_for(planned.language)
        parts = [*self.panel.summary_parts(planned), self.model.name_for_summary(planned.language)]
        text = self.tr("Ctrl+Enter: {what}").format(what=" · ".join(parts))
        self.summary_label.setText(text)
        self.summary_label.setToolTip(text)
        # The status bar names the form of the poem at the cursor, the one the summary keeps to.
        self.form_label.setText(self.panel.form_text(planned.shown_form) if planned.shown_form else "")

    @Slot()
    def _on_panel_changed(self) -> None:
        self._summary_timer.start()
        self.schedule_settings_save()

    @Slot(int)
    def _on_panel_rhyme_system_changed(self, _index: int) -> None:
        self.editor.set_rhyme_system(self.panel.rhyme_system_value)

    def _update_counts(self) -> None:
        if self.editor.is_long and self.sender() is self.editor:
            self._counts_timer.start()  # a long document is counted once typing pauses
            return
        text = self.editor.toPlainText()
        chars = len(text) - sum(map(text.count, _SPACES))  # str.count runs in C: milliseconds for megabytes
        self.count_label.setText(self.tr("%n character(s)", "", chars))

    def update_title(self, *_args) -> None:
        path = self.documents.path
        name = path.name if path else self.tr("Untitled")
        modified = "*" if self.editor.document().isModified() else ""
        self.setWindowTitle(f"{name}{modified} — PoetPad")

    # -- view ---------------------------------------------------------------------------------------

    def _apply_font(self) -> None:
        from poetpad.gui.export import cjk_font_family

        font = QFont(self.settings.font_family or cjk_font_family())
        font.setPointSize(self.settings.font_size)
        self.editor.setFont(font)

    def _apply_list_font(self) -> None:
        """The editor's face, a little smaller, so whole poems fit in the Suggestions panel."""
        font = QFont(self.editor.font())
        font.setPointSizeF(max(9.0, font.pointSizeF() * 0.8))
        self.suggestion_list.setFont(font)

    def choose_font(self) -> None:
        font = self.ask.font(self.editor.font(), self.tr("Editor font"))
        if font is not None:
            self.settings.font_family = font.family()
            self.settings.font_size = max(8, font.pointSize())
            self._apply_font()
            self._apply_list_font()
            self.schedule_settings_save()

    def show_tones(self, on: bool) -> None:
        self.settings.show_tones = on
        self.editor.set_show_tones(on)
        self.schedule_settings_save()
        if on:
            self.statusBar().showMessage(self.tr("Blue: 平 (level) · orange: 仄 (oblique) · red underline: rhymes · "
                                                 "wavy red: a fault of 格律 (point at it to see which)"), 10000)

    def set_theme(self, theme: str) -> None:
        self.settings.theme = theme
        self.menus.theme_actions[theme].setChecked(True)
        self.theme_requested.emit(theme)
        self.schedule_settings_save()

    def set_language(self, language: str) -> None:
        self.settings.language = language
        self.menus.language_actions[language].setChecked(True)
        self.language_requested.emit(language)
        self.schedule_settings_save()

    # -- settings -----------------------------------------------------------------------------------

    def schedule_settings_save(self) -> None:
        """Save the settings a moment after the last change (a burst of changes is written once), so a
        crash or a kill keeps them."""
        self._settings_timer.start()

    @Slot()
    def save_settings(self) -> bool:
        """Write the settings now (atomically), with the panel's choices and the window's layout."""
        self._settings_timer.stop()
        self.settings.decode = self.panel.to_defaults()
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.window_state = bytes(self.saveState().toBase64()).decode()
        try:
            settings_mod.save(self.settings)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
            return False
        return True

    def tell_settings_problem(self, problem: str) -> None:
        """Say once that settings.json could not be used (settings.load_checked kept it as a backup)."""
        self.statusBar().showMessage(self.tr("The settings file could not be used, so PoetPad started with its "
                                             "defaults; the old file was kept as a backup."), 30000)
        log.warning("%s", problem)

    # -- dialogs ------------------------------------------------------------------------------------

    def _open_dialog(self, dialog):
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_shortcuts(self):
        from poetpad.gui.dialogs.help import ShortcutsDialog

        return self._open_dialog(ShortcutsDialog(self.menus.shortcut_rows, self))

    def open_quick_guide(self):
        from poetpad.gui.dialogs.help import QuickGuideDialog

        return self._open_dialog(QuickGuideDialog(self))

    def show_about(self) -> None:
        self.ask.about(self.tr("About PoetPad"), self.tr(
            "<h3>PoetPad {version}</h3><p>An offline companion for writing poems: Chinese classical verse "
            "and English verse.</p><p>Your poems and models stay on this computer.</p>").format(version=__version__))

    def open_model_manager(self):
        from poetpad.gui.dialogs.model_manager import ModelManagerDialog

        dialog = ModelManagerDialog(self.model.info["name"] if self.model.info else "", self)
        dialog.model_chosen.connect(self.use_model)
        dialog.active_deleted.connect(lambda: self.use_model(""))
        dialog.library_changed.connect(self.library_changed)
        return self._open_dialog(dialog)

    def open_training(self):
        from poetpad.gui.dialogs.training import TrainingDialog

        dialog = TrainingDialog(parent=self)
        dialog.use_model.connect(self.use_model)
        dialog.model_trained.connect(self.library_changed)
        return self._open_dialog(dialog)

    @Slot(str)
    def use_model(self, name: str) -> None:
        self.settings.default_model = name
        self.schedule_settings_save()
        self.start_model(name)

    # -- closing ------------------------------------------------------------------------------------

    def _running_trainings(self) -> list:
        module = sys.modules.get("poetpad.gui.dialogs.training")
        return [d for d in self.findChildren(module.TrainingDialog) if d.training] if module else []

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        trainings = self._running_trainings()
        if trainings and not self.ask.stop_training():
            event.ignore()
            return
        if not self.documents.maybe_save():
            event.ignore()
            return
        for dialog in trainings:
            dialog.cancel_training()
        self.save_settings()
        self.documents.close(keep=False)
        self.shutdown()
        event.accept()

    def terminate(self) -> None:
        """The session ends (SIGTERM, SIGHUP: a logout or a shutdown): no questions. The unsaved text stays
        in its autosave copy, offered at the next start; a running training stops with a checkpoint."""
        self.documents.autosave()
        self.documents.close(keep=True)  # released, not cleared: the next start recovers it
        for dialog in self._running_trainings():
            dialog.cancel_training()
        self.save_settings()
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the generate worker's thread and let every other worker thread end (a cancelled
        training saves its checkpoint first)."""
        if not self.model.shutdown(self.requests.last_id):
            log.warning("a worker thread did not stop within a minute")
        QApplication.processEvents()
