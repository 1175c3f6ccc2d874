"""The main window: the wiring between the editor, the Suggestions and Verse docks, the menus, the
document (gui.documents) and the generation worker (gui.workers, which calls core.suggest).

Asking: Ctrl+Enter continues the text at the cursor; Write (the Verse panel's button, or
Ctrl+Shift+Enter) does what the panel says once, a new poem or an acrostic included (see
gui.verse_panel.plan). A line under the editor says what Ctrl+Enter will do, and shows the
request's state and errors, where the poet is looking; the Suggestions panel says the same.
One request at a time: a new one, typing, Esc or a failure drops the last one's suggestions, so
nothing from an older request can be inserted.

Settings are saved a moment after they change (atomically), not only on quit.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import SIGNAL, QByteArray, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QFont, QKeySequence, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFontDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from poetpad import __version__
from poetpad.core.suggest import FREE_MARK, Suggestion, SuggestRequest, first_line_rhymes, make_request
from poetpad.core.text import is_cjk
from poetpad.errors import PoetPadError
from poetpad.gui import settings as settings_mod
from poetpad.gui.dialogs.help import key_text
from poetpad.gui.documents import Autosave, Recovered, find_orphans, write_document
from poetpad.gui.editor import PoemEditor
from poetpad.gui.revision import AlternativesPopup, Place, place_at, poem_text, replace_span, template
from poetpad.gui.suggestions import ERROR_COLOR, SuggestionsPanel
from poetpad.gui.verse_panel import Plan, VersePanel
from poetpad.gui.workers import GenerateWorker, device_label, start_thread, stop_thread, wait_for_threads

log = logging.getLogger(__name__)

AUTOSAVE_MS = 10_000
AUTOSAVE_IDLE_MS = 1_500  # and this long after typing stops, so a crash loses at most a moment's work
LARGE_FILE_BYTES = 4 * 1024 * 1024  # opening a larger file asks first
PREFIX_WINDOW = 100_000  # characters before the cursor searched for the poem it is in (a request reads fewer)
SETTINGS_SAVE_MS = 500   # settings are written this long after the last change
SUMMARY_MS = 120         # the summary follows the cursor this long after it stops


_SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()]  # every character str.isspace() is true of


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a == b


def current_poem(text_before_cursor: str) -> str:
    """The poem the cursor is in: the text since the last blank line (a document may hold many poems)."""
    parts = re.split(r"\n[ \t\u3000]*\n", text_before_cursor)
    return parts[-1].lstrip("\n") if parts else ""


class MainWindow(QMainWindow):
    _generate_requested = Signal(int, object)     # to the worker: request id, core.suggest.SuggestRequest
    _load_requested = Signal(str, str, str)       # to the worker: model name, device, hint text
    _resolve_requested = Signal(str)              # to the worker: which model would write in this language?
    language_requested = Signal(str)              # "system", "en" or "zh_CN": app.py swaps the translator
    recovery_requested = Signal(object)           # a documents.Recovered for another window (app.py opens one)
    theme_requested = Signal(str)

    def __init__(self, settings: settings_mod.Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings or settings_mod.Settings()
        self._path: Path | None = None
        self._request_id = 0
        self._pending: tuple[int, SuggestRequest] | None = None  # asked before the model was ready
        self._active_request: SuggestRequest | None = None       # the request whose suggestions show or will
        self._running = False                                    # the active request is still being written
        self._revision: tuple[str, Place] | None = None           # a revision's kind (char, line, poem) and place
        self._last_write = False                                 # the last request came from Write (for Re-roll)
        self._models_by_language: dict[str, tuple[str, str]] = {}  # language → (model name, why none)
        self._resolving: set[str] = set()
        self._request_message = ("", "info")                     # the sentence under the editor, and its kind
        self._model_state = "idle"
        self._model_info: dict | None = None   # the active model
        self._writer_info: dict | None = None  # the model that wrote the suggestions shown (by their language)
        self._thread = None
        self._worker: GenerateWorker | None = None
        self._asked_at = 0.0
        self._autosave_copy = Autosave()

        self.editor = PoemEditor()
        # Under the editor: what Ctrl+Enter will do, and the state or error of the last request.
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

        self.form_label = QLabel()
        self.count_label = QLabel()
        self.model_label = QLabel()
        for label in (self.form_label, self.count_label, self.model_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.statusBar().addPermanentWidget(label)

        self._build_actions()
        self._build_menus()
        self.editor.continue_requested.connect(self.request_continuation)
        self.editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.editor.customContextMenuRequested.connect(self._on_editor_context_menu)
        self.editor.write_requested.connect(self.write_from_panel)
        self.editor.escape_pressed.connect(self._on_editor_escape_pressed)
        self.editor.cycle_requested.connect(self._on_editor_cycle)
        self.editor.user_edited.connect(self._on_editor_user_edited)
        self.editor.suggestion_accepted.connect(self._on_editor_suggestion_accepted)
        self.editor.suggestion_dismissed.connect(self._on_editor_suggestion_dismissed)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(400)
        self._counts_timer.timeout.connect(self._update_counts)
        self.editor.textChanged.connect(self._update_counts)
        self.editor.document().modificationChanged.connect(self._update_title)
        self.panel.generate_clicked.connect(self.write_from_panel)
        self.panel.reroll_clicked.connect(self.reroll)
        self.panel.changed.connect(self._on_panel_changed)
        self.panel.rhyme_system.currentIndexChanged.connect(self._on_panel_rhyme_system_changed)
        self.editor.set_rhyme_system(self.panel.rhyme_system_value)
        self.suggestions.current_changed.connect(self._on_suggestions_current_changed)
        self.suggestions.chosen.connect(self._on_suggestions_chosen)
        self.suggestions.insert_requested.connect(self._on_suggestions_insert_requested)

        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._autosave_idle = QTimer(self)
        self._autosave_idle.setSingleShot(True)
        self._autosave_idle.setInterval(AUTOSAVE_IDLE_MS)
        self._autosave_idle.timeout.connect(self.autosave)
        self.editor.textChanged.connect(self._autosave_idle.start)
        self._settings_timer = QTimer(self)
        self._settings_timer.setSingleShot(True)
        self._settings_timer.setInterval(SETTINGS_SAVE_MS)
        self._settings_timer.timeout.connect(self.save_settings)
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_MS)
        self._summary_timer.timeout.connect(self.update_summary)
        self.editor.cursorPositionChanged.connect(self._summary_timer.start)
        self.editor.textChanged.connect(self._summary_timer.start)

        self._restored_state = False
        self._size_to_screen()
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        if self.settings.window_state:
            self._restored_state = self.restoreState(QByteArray.fromBase64(self.settings.window_state.encode()))
        self.retranslate()  # the summary follows a moment later: the window shows first
        self._update_title()
        self._update_counts()
        self.editor.setFocus()

    def _size_to_screen(self) -> None:
        """A first window that uses most of the screen (up to 1280×860), so the docks have room."""
        screen = self.screen() or QApplication.primaryScreen()
        area = screen.availableGeometry() if screen else None
        width = min(1280, int(area.width() * 0.92)) if area else 1100
        height = min(860, int(area.height() * 0.92)) if area else 720
        self.resize(max(800, width), max(560, height))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
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

    # -- actions and menus ------------------------------------------------------------------------

    def _action(self, slot, shortcut=None, checkable=False) -> QAction:
        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        sk = QKeySequence.StandardKey
        self.act_new = self._action(self.new_document, sk.New)
        self.act_open = self._action(self.open_document, sk.Open)
        self.act_save = self._action(self.save, sk.Save)
        self.act_save_as = self._action(self.save_as, sk.SaveAs)
        self.act_quit = self._action(self.close, sk.Quit)
        self.act_copy_poem = self._action(self._on_copy_poem)
        self.export_actions = {fmt: self._action(lambda _=False, f=fmt: self.export_as(f))
                               for fmt in ("txt", "md", "html", "odt", "pdf", "png")}
        self.act_export_vertical = self._action(lambda: self.export_as("png", vertical=True))
        self.act_continue = self._action(self.request_continuation)  # Ctrl+Enter lives in the editor
        self.act_continue.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_write = self._action(self.write_from_panel)  # Ctrl+Shift+Enter too
        self.act_alternatives = self._action(self.ask_alternatives, QKeySequence("Ctrl+J"))
        self.act_rewrite_line = self._action(self.ask_line_rewrite, QKeySequence("Ctrl+Shift+J"))
        self.act_lock = self._action(self.toggle_lock, QKeySequence("Ctrl+L"))
        self.act_rewrite_unlocked = self._action(self.ask_rewrite_unlocked, QKeySequence("Ctrl+Shift+L"))
        self.act_unlock_all = self._action(self.unlock_all)
        self.act_tones = self._action(self._on_tones_toggled, checkable=True)
        self.act_tones.setChecked(self.settings.show_tones)
        self.editor.set_show_tones(self.settings.show_tones)
        self.act_font = self._action(self._on_font_clicked)
        self.act_models = self._action(self.open_model_manager)
        self.act_train = self._action(self.open_training)
        self.act_about = self._action(self._on_about)
        self.act_guide = self._action(self.open_quick_guide, sk.HelpContents)
        self.act_shortcuts = self._action(self.open_shortcuts, QKeySequence("Ctrl+/"))
        self.theme_group = QActionGroup(self)
        self.theme_actions = {}
        for theme in settings_mod.THEMES:
            action = self._action(lambda _=False, t=theme: self.set_theme(t), checkable=True)
            action.setChecked(theme == self.settings.theme)
            self.theme_group.addAction(action)
            self.theme_actions[theme] = action
        self.language_group = QActionGroup(self)
        self.language_actions = {}
        for language in settings_mod.LANGUAGES:
            action = self._action(lambda _=False, lang=language: self.set_language(lang), checkable=True)
            action.setChecked(language == self.settings.language)
            self.language_group.addAction(action)
            self.language_actions[language] = action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = self.file_menu.addMenu("")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.file_menu.addActions([self.act_save, self.act_save_as])
        self.file_menu.addSeparator()
        self.export_menu = self.file_menu.addMenu("")
        self.export_menu.addActions(list(self.export_actions.values()) + [self.act_export_vertical])
        self.file_menu.addAction(self.act_copy_poem)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_quit)
        self.edit_menu = bar.addMenu("")
        self.edit_menu.addActions([self.act_continue, self.act_write])
        self.edit_menu.addSeparator()
        self.edit_menu.addActions(self._revision_actions())
        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.act_tones)
        self.view_menu.addAction(self.act_font)
        self.theme_menu = self.view_menu.addMenu("")
        self.theme_menu.addActions(list(self.theme_actions.values()))
        self.language_menu = self.view_menu.addMenu("")
        self.language_menu.addActions(list(self.language_actions.values()))
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.verse_dock.toggleViewAction())
        self.view_menu.addAction(self.suggestions_dock.toggleViewAction())
        self.models_menu = bar.addMenu("")
        self.models_menu.addActions([self.act_models, self.act_train])
        self.help_menu = bar.addMenu("")
        self.help_menu.addActions([self.act_guide, self.act_shortcuts])
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.act_about)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.act_new.setText(self.tr("&New"))
        self.act_open.setText(self.tr("&Open…"))
        self.recent_menu.setTitle(self.tr("Open &Recent"))
        self.act_save.setText(self.tr("&Save"))
        self.act_save_as.setText(self.tr("Save &As…"))
        self.export_menu.setTitle(self.tr("&Export"))
        names = {"txt": self.tr("Plain text…"), "md": self.tr("Markdown…"), "html": self.tr("HTML…"),
                 "odt": self.tr("OpenDocument (ODT)…"), "pdf": self.tr("PDF…"), "png": self.tr("Poem card (PNG)…")}
        for fmt, action in self.export_actions.items():
            action.setText(names[fmt])
        self.act_export_vertical.setText(self.tr("Poem card, vertical (PNG)…"))
        self.act_copy_poem.setText(self.tr("&Copy the poem"))
        self.act_quit.setText(self.tr("&Quit"))
        self.edit_menu.setTitle(self.tr("&Edit"))
        self.act_continue.setText(self.tr("&Write on\tCtrl+Enter"))
        self.act_write.setText(self.tr("Write what the &Verse panel says\tCtrl+Shift+Enter"))
        self.act_alternatives.setText(self.tr("&Alternatives for this character"))
        self.act_rewrite_line.setText(self.tr("Rewrite this &line"))
        self.act_lock.setText(self.tr("Loc&k or unlock the selection"))
        self.act_rewrite_unlocked.setText(self.tr("Rewrite the &unlocked text"))
        self.act_unlock_all.setText(self.tr("Unlock everything"))
        self.view_menu.setTitle(self.tr("&View"))
        self.act_tones.setText(self.tr("Show &tones and rhymes (平/仄)"))
        self.act_font.setText(self.tr("Editor &font…"))
        self.theme_menu.setTitle(self.tr("&Theme"))
        for theme, text in zip(settings_mod.THEMES, (self.tr("System"), self.tr("Light"), self.tr("Dark")),
                               strict=True):
            self.theme_actions[theme].setText(text)
        self.language_menu.setTitle(self.tr("&Language"))
        for language, text in zip(settings_mod.LANGUAGES, (self.tr("System"), "English", "中文（简体）"), strict=True):
            self.language_actions[language].setText(text)
        self.verse_dock.setWindowTitle(self.tr("Verse"))
        self.suggestions_dock.setWindowTitle(self.tr("Suggestions"))
        self.models_menu.setTitle(self.tr("&Models"))
        self.act_models.setText(self.tr("&Model manager…"))
        self.act_train.setText(self.tr("&Train a model…"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.act_about.setText(self.tr("&About PoetPad"))
        self.act_guide.setText(self.tr("&Quick guide"))
        self.act_shortcuts.setText(self.tr("&Keyboard shortcuts"))
        self.editor.setPlaceholderText(self.tr("Write a line, then press Ctrl+Enter for the next words. "
                                               "Tab accepts a suggestion, Esc dismisses it."))
        self._update_title()
        self._update_counts()
        self._show_model_state()
        self._request_message_shown()
        self._summary_timer.start()

    # -- the model --------------------------------------------------------------------------------

    def start_model(self, name: str | None = None) -> None:
        """Start the generate worker (once) and load `name` (default: the settings' or by language)."""
        if self._worker is None:
            self._worker = GenerateWorker()
            self._worker.model_ready.connect(self._on_worker_model_ready)
            self._worker.model_failed.connect(self._on_worker_model_failed)
            self._worker.model_loading.connect(self._on_worker_model_loading)
            self._worker.model_resolved.connect(self._on_worker_model_resolved)
            self._worker.results.connect(self._on_worker_results)
            self._worker.failed.connect(self._on_worker_failed)
            self._generate_requested.connect(self._worker.generate)
            self._load_requested.connect(self._worker.load)
            self._resolve_requested.connect(self._worker.resolve)
            self._thread = start_thread(self._worker, "generate")
        name = self.settings.default_model if name is None else name
        self._model_state = "loading"
        self._writer_info = None
        self._forget_models_by_language()
        self._show_model_state()
        self._load_requested.emit(name or "", self.settings.device, self.editor.toPlainText())

    @property
    def model_ready(self) -> bool:
        return self._model_state == "ready"

    @Slot(dict)
    def _on_worker_model_ready(self, info: dict) -> None:
        self._model_state, self._model_info = "ready", info
        self._forget_models_by_language()
        self._show_model_state()
        if self._pending is not None:
            request_id, params = self._pending
            self._pending = None
            if request_id == self._request_id:
                self._send(request_id, params)

    @Slot(str)
    def _on_worker_model_failed(self, message: str) -> None:
        self._model_state = "failed"
        self._model_error = message
        self._show_model_state()
        self.statusBar().showMessage(message, 15000)
        if self._pending is not None:
            self._pending = None
            self._request_failed(message)

    @Slot(str)
    def _on_worker_model_loading(self, name: str) -> None:
        if name and self._model_state == "ready":  # a model for another language, on first use
            text = self.tr("Loading {name} for this poem's language…").format(name=name)
            self.statusBar().showMessage(text)
            if self._running:
                self._show_request_message(text, "busy")

    def _show_model_state(self) -> None:
        """The status bar and the Verse panel name the model that wrote the suggestions shown, or
        the active model before any."""
        state, info = self._model_state, self._writer_info or self._model_info
        if state == "ready" and info:
            self.model_label.setText(self.tr("{name} · {device}").format(name=info["name"],
                                                                          device=device_label(info)))
        elif state == "loading":
            self.model_label.setText(self.tr("Loading the model…"))
        elif state == "failed":
            self.model_label.setText(self.tr("No model"))
        else:
            self.model_label.setText("")
        self.panel.set_model_state("ready" if state == "ready" else state if state != "idle" else "loading",
                                   info, getattr(self, "_model_error", ""))
        self._summary_timer.start()

    # -- which model writes -------------------------------------------------------------------------
    #
    # The summary names the model that will write. For the active model's language (or text that tells
    # none) that is the active model. For another language the worker asks library.choose_model, which
    # reads the model files: so the window asks once per language, off the GUI thread, and keeps the
    # answer until the active model or the library changes (or a request in that language reports
    # which model wrote it). Cursor moves only read this cache.

    def _forget_models_by_language(self) -> None:
        self._models_by_language.clear()
        self._resolving.clear()

    @Slot()
    def library_changed(self) -> None:
        """A model was imported, renamed, deleted or trained: which model writes may have changed."""
        self._forget_models_by_language()
        self._summary_timer.start()

    def _model_for_summary(self, language: str | None) -> str:
        if self._model_state == "loading" or (self._model_state == "idle" and self._worker is None):
            return self.tr("loading the model…")
        if self._model_state == "failed" or not self._model_info:
            return self.tr("no model")
        if not language or self._model_info.get("language") == language:
            return self._model_info["name"]
        if language in self._models_by_language:
            name, _why = self._models_by_language[language]
            return name or self.tr("no {language} model").format(language=self._language_name(language))
        if language not in self._resolving and self._worker is not None:
            self._resolving.add(language)
            self._resolve_requested.emit(language)
        return self.tr("a {language} model").format(language=self._language_name(language))

    def _language_name(self, language: str) -> str:
        return {"zh": self.tr("Chinese"), "en": self.tr("English")}.get(language, language)

    @Slot(str, str, str)
    def _on_worker_model_resolved(self, language: str, name: str, why: str) -> None:
        if language in self._resolving:
            self._resolving.discard(language)
            self._models_by_language[language] = (name, why)
            self._summary_timer.start()

    # -- what Ctrl+Enter will do ------------------------------------------------------------------

    def _prefix(self) -> str:
        """The poem the cursor is in, up to the cursor."""
        before = self.editor.toPlainText()[: self.editor.textCursor().position()]
        return current_poem(before[-PREFIX_WINDOW:])  # a long document: the poem is near the cursor

    @Slot()
    def update_summary(self) -> None:
        """The line under the editor: "Ctrl+Enter: Continue the line · 七绝 · 平水韵 · sampling ×4 ·
        chinese-classical". Cheap (no file is read): it runs as the cursor moves."""
        planned = self.panel.plan(self._prefix())
        self.panel.show_forms_for(planned.language)
        parts = [*self.panel.summary_parts(planned), self._model_for_summary(planned.language)]
        text = self.tr("Ctrl+Enter: {what}").format(what=" · ".join(parts))
        self.summary_label.setText(text)
        self.summary_label.setToolTip(text)
        # The status bar names the form of the poem at the cursor, the one the summary keeps to.
        self.form_label.setText(self.panel.form_text(planned.shown_form) if planned.shown_form else "")

    @Slot()
    def _on_panel_changed(self) -> None:
        self._summary_timer.start()
        self.schedule_settings_save()

    # -- requests ---------------------------------------------------------------------------------

    @Slot()
    def request_continuation(self) -> None:
        """Ctrl+Enter: continue the text at the cursor (queued when the model is still loading)."""
        self._ask(write=False)

    @Slot()
    def write_from_panel(self) -> None:
        """Write (the Verse panel's button, or Ctrl+Shift+Enter): what the panel says, once; the focus
        goes back to the editor, where the suggestion will show."""
        self._ask(write=True)
        self.editor.setFocus()

    @Slot()
    def reroll(self) -> None:
        """Re-roll: the last kind of request again with a new seed (the panel has drawn it)."""
        self._ask(write=self._last_write)
        self.editor.setFocus()

    def _ask(self, write: bool) -> None:
        """Ask for suggestions at the cursor, as the panel's plan says. The request carries the poem the
        cursor is in even for a new poem, so the worker can pick the model by its language."""
        prefix = self._prefix()
        planned: Plan = self.panel.plan(prefix, write)
        self._drop_request()
        self._last_write = write
        if planned.complete:
            self._show_request_message(self.panel.nothing_text(planned), "info")
            return
        if planned.mode == "acrostic" and not "".join(self.panel.heads.text().split()):
            message = self.tr("Type the acrostic heads in the Verse panel first.")
            self.statusBar().showMessage(message, 8000)
            self._show_request_message(message, "error")
            self.panel.heads.setFocus()
            return
        request = self.panel.request(prefix, planned=planned)
        self._start_request(request)
        if self._model_state != "ready":
            if self._model_state == "failed":
                self._request_failed(self.tr("No model is loaded: open Models → Model manager to choose one."))
                return
            self._pending = (self._request_id, request)
            message = self.tr("The model is still loading; your request will run when it is ready.")
            self.statusBar().showMessage(message, 10000)
            self._show_request_message(message, "busy")
            if self._worker is None:
                self.start_model()
            return
        self._send(self._request_id, request)

    def _send(self, request_id: int, request: SuggestRequest) -> None:
        self.statusBar().showMessage(self.tr("Writing…"))
        self._show_request_message(self.tr("Writing…"), "busy")
        self._generate_requested.emit(request_id, request)

    def _start_request(self, request) -> None:
        """Make `request` the running one: a new id, so the worker drops any older request's result."""
        self._request_id += 1
        self._active_request = request
        self._running = True
        self._asked_at = time.perf_counter()
        if self._worker is not None:
            self._worker.supersede(self._request_id)

    def _drop_request(self) -> None:
        """Forget the last request: its answer will be ignored, its suggestions are gone."""
        self._revision = None
        if self._running or self._pending is not None:
            self._request_id += 1
            if self._worker is not None:
                self._worker.supersede(self._request_id)
        self._pending = None
        self._running = False
        self._active_request = None
        self.editor.clear_suggestion()
        self.suggestions.clear()
        self._show_request_message("")

    def cancel_request(self) -> bool:
        """Esc with no suggestion showing: drop the running request; True when there was one."""
        if not self._running and self._pending is None:
            return False
        self._drop_request()
        message = self.tr("Cancelled.")
        self.statusBar().showMessage(message, 4000)
        self._show_request_message(message, "info")
        return True

    @Slot()
    def _on_editor_escape_pressed(self) -> None:
        if not self.cancel_request():
            self._show_request_message("")

    @Slot(int, list, dict)
    def _on_worker_results(self, request_id: int, candidates: list, writer: dict) -> None:
        if request_id != self._request_id or not self._running:
            return
        self._running = False
        elapsed = (time.perf_counter() - self._asked_at) * 1000
        log.info("request %d: %d candidates from %s in %.0f ms", request_id, len(candidates), writer.get("name"),
                 elapsed)
        self._writer_info = writer
        if self._active_request is not None:
            language = self._active_request.language()
            if language:
                self._models_by_language[language] = (writer.get("name", ""), "")
        self._show_model_state()
        if self._revision is not None:
            self._show_revisions(candidates, writer)
            return
        offered = self._worth_offering([self._insertion(c) for c in candidates])
        if not offered:
            self._active_request = None
            self.suggestions.clear()
            message = self.tr("Nothing to add here: the model had nothing more for this poem. Try Next line or "
                              "Finish the poem, or change the settings.") if candidates else \
                self.tr("No suggestion this time; try again or change the settings.")
            self.statusBar().showMessage(message, 8000)
            self._show_request_message(message, "info")
            return
        self.suggestions.set_candidates(offered, writer.get("name", ""))
        self._show_request_message("")
        self.statusBar().showMessage(self.tr("%n suggestion(s) from {model} · Tab accepts, Esc dismisses, "
                                             "Alt+↑/↓ cycles", "", len(offered)).format(model=writer.get("name")),
                                     8000)
        self._show_candidate()

    @staticmethod
    def _worth_offering(candidates: list[Suggestion]) -> list[Suggestion]:
        """The candidates that add something, each once, in the order given (best first): a candidate that
        inserts only line breaks or spaces is not offered."""
        seen, out = set(), []
        for c in candidates:
            key = c.continuation.strip()
            if key and key not in seen:
                seen.add(key)
                out.append(c)
        return out

    def _insertion(self, c: Suggestion) -> Suggestion:
        """What accepting the candidate inserts at the cursor: new poems start on a fresh paragraph."""
        request = self._active_request
        if request is not None and request.new_poem:
            before = self.editor.toPlainText()[: self.editor.textCursor().position()]
            lead = "" if not before.strip() else ("\n" if before.endswith("\n\n") else
                                                  "\n\n" if not before.endswith("\n") else "\n")
            return replace(c, continuation=lead + c.text)
        return c

    @Slot(int, str)
    def _on_worker_failed(self, request_id: int, message: str) -> None:
        if request_id == self._request_id and self._running:
            self._request_failed(message)

    def _request_failed(self, message: str) -> None:
        """The request failed: nothing of it (or of an older one) stays insertable; say why, once."""
        self._pending = None
        self._running = False
        self._active_request = None
        self.editor.clear_suggestion()
        self.suggestions.clear()
        self.statusBar().showMessage(message, 12000)
        self._show_request_message(message, "error")

    def _show_request_message(self, text: str, kind: str = "info") -> None:
        """One sentence under the editor and in the Suggestions panel ("" hides it): busy, info or error."""
        self._request_message = (text, kind)
        self._request_message_shown()
        if text:
            self.suggestions.show_message(text, kind)
        else:
            self.suggestions.show_message("", "hint")

    def _request_message_shown(self) -> None:
        text, kind = getattr(self, "_request_message", ("", "info"))
        self.request_label.setText(text)
        self.request_label.setStyleSheet(f"color: {ERROR_COLOR};" if kind == "error" else "")
        self.request_label.setVisible(bool(text))

    @property
    def request_message(self) -> str:
        """The sentence shown under the editor about the last request ("" when none)."""
        return self.request_label.text() if not self.request_label.isHidden() else ""

    def _show_candidate(self) -> None:
        current = self.suggestions.current
        if current is not None and self._revision is None:  # a revision replaces text: no grey preview
            self.editor.show_suggestion(current.continuation)

    @Slot(int)
    def _on_editor_cycle(self, step: int) -> None:
        self.suggestions.cycle(step)
        self._show_candidate()

    @Slot(int)
    def _on_suggestions_current_changed(self, _row: int) -> None:
        self._show_candidate()

    @Slot(int)
    def _on_suggestions_chosen(self, row: int) -> None:
        """A click in the list: show that one at the cursor, and give the editor the keys (Tab, Esc)."""
        self.suggestions.select(row)
        self._show_candidate()
        self.editor.setFocus()

    @Slot(int)
    def _on_suggestions_insert_requested(self, row: int) -> None:
        if not 0 <= row < len(self.suggestions.candidates):
            return
        if self._revision is not None:
            self._apply_revision(self.suggestions.candidates[row].text)
            return
        self.suggestions.select(row)
        self._show_candidate()
        self.editor.accept_suggestion()
        self.editor.setFocus()

    @Slot(str)
    def _on_editor_suggestion_accepted(self, text: str) -> None:
        request = self._active_request
        if request is not None and request.mode == "acrostic" and request.heads:
            end = self.editor.textCursor().position()
            self.editor.mark_heads(end - len(text), text, request.clean_heads)
        self.statusBar().clearMessage()
        self._forget_candidates()

    @Slot()
    def _on_editor_suggestion_dismissed(self) -> None:
        self.statusBar().clearMessage()
        self._forget_candidates()

    @Slot()
    def _on_editor_user_edited(self) -> None:
        # Typing makes any running request stale: its answer would continue old text.
        if self._pending is not None or self.suggestions.candidates or self._active_request is not None:
            self._drop_request()
        elif self.request_message:
            self._show_request_message("")

    def _forget_candidates(self) -> None:
        self._revision = None
        self._active_request = None
        self._running = False
        self.suggestions.clear()
        self._show_request_message("")

    # -- revising with the poet ---------------------------------------------------------------------

    def _revision_actions(self) -> list[QAction]:
        return [self.act_alternatives, self.act_rewrite_line, self.act_lock, self.act_rewrite_unlocked,
                self.act_unlock_all]

    def _on_editor_context_menu(self, point) -> None:
        menu = self.editor.createStandardContextMenu(point)
        menu.addSeparator()
        menu.addActions(self._revision_actions())
        menu.exec(self.editor.viewport().mapToGlobal(point))
        menu.deleteLater()

    def _place(self) -> Place | None:
        place = place_at(self.editor.poems(), self.editor.textCursor().position())
        if place is None:
            self._request_failed(self.tr("Put the cursor in a Chinese poem of five- or seven-character lines."))
        return place

    @Slot()
    def ask_alternatives(self) -> None:
        """Ctrl+J: alternatives for the character at (or before) the cursor, in a popup."""
        place = self._place()
        if place is not None:
            self._ask_revision("char", place, at=(place.line + 1, place.col + 1), n=8, text=poem_text(place))

    @Slot()
    def ask_line_rewrite(self) -> None:
        """Ctrl+Shift+J: rewrites of the cursor's line, given the lines around it, in the Suggestions panel."""
        place = self._place()
        if place is not None:
            self._ask_revision("line", place, at=(place.line + 1, 0), n=self.panel.n_value, text=poem_text(place))

    @Slot()
    def toggle_lock(self) -> None:
        locked = self.editor.toggle_lock()
        self.statusBar().showMessage(self.tr("Locked: a rewrite keeps it.") if locked else self.tr("Unlocked."), 4000)

    @Slot()
    def unlock_all(self) -> None:
        self.editor.unlock_all()

    @Slot()
    def ask_rewrite_unlocked(self) -> None:
        """Ctrl+Shift+L: rewrite every character of the cursor's poem that is not locked."""
        place = self._place()
        if place is None:
            return
        locked = self.editor.locked_positions()
        if not any(pos in locked for row in place.lines for pos, _ in row):
            self._request_failed(self.tr("Lock the characters to keep first (select them, Ctrl+L); the rest is "
                                         "rewritten."))
            return
        self._ask_revision("poem", place, template=template(place, locked), n=self.panel.n_value)

    def _ask_revision(self, kind: str, place: Place, **options) -> None:
        panel = self.panel
        text = options.pop("text", "")
        mode = "rewrite" if kind == "poem" else "revise"
        tones = None if panel.tones.currentData() == "auto" else panel.tones.currentData()
        if kind == "poem":  # a rewrite of the unlocked text keeps line 1 rhyming if it does
            options["rhyme_first_line"] = first_line_rhymes(poem_text(place), panel.rhyme_system_value)
        request = make_request(mode=mode, prefix=text, rhyme_system=panel.rhyme_system_value, tones=tones,
                               keywords=panel.keywords.text().strip() if kind == "poem" else "", **options)
        self._drop_request()
        self._revision = (kind, place)
        self._start_request(request)
        if self._model_state != "ready":
            self._request_failed(self.tr("The model is not loaded yet; try again in a moment."))
            return
        self._send(self._request_id, request)

    def _show_revisions(self, candidates: list, writer: dict) -> None:
        kind, place = self._revision
        self._show_request_message("")
        if kind == "char":
            from poetpad.core.prosody_zh import tone_symbol

            system = self.panel.rhyme_system_value
            popup = AlternativesPopup(candidates, lambda ch: tone_symbol(ch, system), self)
            popup.chosen.connect(self._on_alternatives_chosen)
            popup.aboutToHide.connect(popup.deleteLater)
            cursor = self.editor.textCursor()
            cursor.setPosition(place.char_position)
            rect = self.editor.cursorRect(cursor)
            popup.show_at(self.editor.viewport().mapToGlobal(rect.bottomLeft()))
            self._running = False
            self.statusBar().showMessage(self.tr("Pick a character, or Esc to keep the one there."), 8000)
            return
        if not candidates:
            self._request_failed(self.tr("No rewrite keeps the form, the tones and the rhyme here."))
            return
        self.suggestions.set_candidates(candidates, writer.get("name", ""))
        self.statusBar().showMessage(self.tr("Pick a rewrite in the Suggestions panel (Enter or double-click) to "
                                             "put it in place."), 8000)

    @Slot(str)
    def _on_alternatives_chosen(self, char: str) -> None:
        if self._revision is None:
            return
        _, place = self._revision
        replace_span(self.editor, place.char_position, place.char_position + 1, char)
        self._revision = None
        self.editor.setFocus()

    def _apply_revision(self, new_poem: str) -> None:
        """Put a chosen rewrite in place: the new characters at the old ones' positions, as one undo step."""
        kind, place = self._revision
        new_rows = [[ch for ch in row if ch == FREE_MARK or is_cjk(ch)] for row in new_poem.split("\n")]
        rows = [place.line] if kind == "line" else range(len(place.lines))
        changes = [(pos, new_rows[i][j]) for i in rows for j, (pos, old) in enumerate(place.lines[i])
                   if i < len(new_rows) and j < len(new_rows[i]) and new_rows[i][j] != old]
        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        for pos, ch in sorted(changes, reverse=True):
            cursor.setPosition(pos)
            cursor.setPosition(pos + 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(ch)
        cursor.endEditBlock()
        self._forget_candidates()
        self.statusBar().clearMessage()
        self.editor.setFocus()

    # -- status -----------------------------------------------------------------------------------

    def _update_counts(self) -> None:
        if self.editor.is_long and self.sender() is self.editor:
            self._counts_timer.start()  # a long document is counted once typing pauses
            return
        text = self.editor.toPlainText()
        chars = len(text) - sum(map(text.count, _SPACES))  # str.count runs in C: milliseconds for megabytes
        self.count_label.setText(self.tr("%n character(s)", "", chars))

    def _update_title(self, *_args) -> None:
        name = self._path.name if self._path else self.tr("Untitled")
        modified = "*" if self.editor.document().isModified() else ""
        self.setWindowTitle(f"{name}{modified} — PoetPad")

    # -- documents --------------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current text (saved, discarded, or unchanged)."""
        if not self.editor.document().isModified() or not self.editor.toPlainText().strip():
            return True
        answer = self._ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(self, "PoetPad", self.tr("Save the changes to {name}?").format(
            name=self._path.name if self._path else self.tr("this poem")), buttons, QMessageBox.StandardButton.Save)

    def new_document(self) -> None:
        if not self.maybe_save():
            return
        self.clear_autosave()  # saved or discarded
        self.editor.clear()
        self._set_path(None)
        self.editor.document().setModified(False)
        self.editor.setFocus()

    def open_document(self) -> None:
        if not self.maybe_save():
            return
        start = str(self._path.parent) if self._path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a poem"), start, self._document_filter())
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        from poetpad.core.corpus import TruncatedTextError, read_text

        try:
            size = Path(path).stat().st_size
        except OSError:
            size = 0
        if size > LARGE_FILE_BYTES and not self._confirm_large_file(Path(path), size):
            return False
        truncated = False
        try:
            text = read_text(path)
        except TruncatedTextError as exc:
            if not self._confirm_truncated(exc):
                return False
            text, truncated = exc.text, True
        except PoetPadError as exc:
            self.show_error(str(exc))
            return False
        self.clear_autosave()  # the text it replaces was saved or discarded (maybe_save) or unchanged
        self.editor.setPlainText(text)
        self.editor.document().setModified(truncated)  # saving it would change the file: ask on close
        self._set_path(Path(path))
        self.settings.add_recent(path)
        self.schedule_settings_save()
        self._autosave_copy.forget()
        return True

    def _confirm_truncated(self, exc) -> bool:
        answer = QMessageBox.question(
            self, "PoetPad", str(exc) + "\n\n" + self.tr("Open the readable part? The cut-off character is left out."),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Open)
        return answer == QMessageBox.StandardButton.Open

    def _confirm_large_file(self, path: Path, size: int) -> bool:
        answer = QMessageBox.question(
            self, "PoetPad",
            self.tr("{name} is large ({size} MB). PoetPad is made for poems: a file this large opens slowly "
                    "and every keystroke in it takes longer. Open it anyway?").format(
                name=path.name, size=f"{size / 1e6:,.1f}"),
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open

    def save(self) -> bool:
        if self._path is None:
            return self.save_as()
        return self._write(self._path)

    def save_as(self) -> bool:
        start = str(self._path) if self._path else str(Path.home() / self.tr("poem.txt"))
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("Save the poem"), start, self._document_filter())
        if not path:
            return False
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".md" if "*.md" in chosen and "*.txt" not in chosen else ".txt")
        return self._write(target)

    def _document_filter(self) -> str:
        return ";;".join((self.tr("Poems (*.txt *.md)"), self.tr("Text (*.txt)"), self.tr("Markdown (*.md)"),
                          self.tr("All files (*)")))

    def _write(self, path: Path) -> bool:
        text = self.editor.toPlainText()
        try:
            write_document(path, text)
        except OSError as exc:
            self.show_error(self.tr("Could not save {path}: {reason}.").format(path=path,
                                                                               reason=exc.strerror or exc))
            return False
        self._set_path(path)
        self.editor.document().setModified(False)
        self.settings.add_recent(path)
        self.schedule_settings_save()
        self.clear_autosave()
        self.statusBar().showMessage(self.tr("Saved {path}").format(path=path), 5000)
        return True

    def _set_path(self, path: Path | None) -> None:
        self._path = path
        self._update_title()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.settings.recent_files:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _=False, p=entry: self.maybe_save() and self.open_path(p))
        if not self.settings.recent_files:
            self.recent_menu.addAction(self.tr("(none yet)")).setEnabled(False)

    # -- export -----------------------------------------------------------------------------------

    def export_as(self, fmt: str, vertical: bool = False) -> Path | None:
        from poetpad.gui import export

        text = self.editor.toPlainText()
        if not text.strip():
            self.show_error(self.tr("There is nothing to export: the poem is empty."))
            return None
        stem = self._path.stem if self._path else self.tr("poem")
        start = str((self._path.parent if self._path else Path.home()) / f"{stem}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the poem"), start, export.FORMATS[fmt])
        if not path:
            return None
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(f".{fmt}")
        options = export.ExportOptions(title=self._path.stem if self._path else "", vertical=vertical,
                                       font_family=self.editor.font().family())
        try:
            out = export.export(text, target, fmt, options)
        except PoetPadError as exc:
            self.show_error(str(exc))
            return None
        self.statusBar().showMessage(self.tr("Exported {path}").format(path=out), 5000)
        return out

    def _on_copy_poem(self) -> None:
        from poetpad.gui import export

        export.copy_to_clipboard(self.editor.toPlainText())
        self.statusBar().showMessage(self.tr("The poem is on the clipboard."), 4000)

    # -- autosave and recovery ------------------------------------------------------------------

    @Slot()
    def autosave(self) -> bool:
        """Write the unsaved text to this window's autosave copy (every ~10 s while typing, and a moment
        after it stops); True when something was written."""
        self._autosave_idle.stop()
        if not self.editor.document().isModified():
            return False
        return self._autosave_copy.write(self.editor.toPlainText(), self._path)

    def clear_autosave(self) -> None:
        self._autosave_copy.clear()

    def offer_recovery(self) -> bool:
        """Offer every autosave copy that no running window holds (after a crash or a kill), whether or
        not a file was opened. The first that fits goes into this window (an empty one, or one showing
        the file the copy belongs to); the others open in windows of their own (recovery_requested).
        A copy is removed only once it is in a window's own copy or the user discards it; Later keeps
        it for the next start. True when this window took one."""
        found, aside = find_orphans()
        if aside:
            self._tell_kept_aside(aside)
        taken = False
        for recovered in found:
            if not recovered.claim():
                continue  # another window is offering it right now
            choice = self._ask_recover(recovered)
            if choice == "later":
                recovered.release()
            elif choice == "discard":
                recovered.discard()
            elif not taken and self._can_take(recovered):
                self.adopt_recovered(recovered)
                taken = True
            elif self.receivers(SIGNAL("recovery_requested(PyObject)")) > 0:
                self.recovery_requested.emit(recovered)
            else:
                recovered.release()
        return taken

    def _can_take(self, recovered: Recovered) -> bool:
        document = self.editor.document()
        if document.isModified() and self.editor.toPlainText().strip():
            return False
        return not self.editor.toPlainText().strip() or (
            self._path is not None and recovered.path is not None and _same_file(self._path, recovered.path))

    def adopt_recovered(self, recovered: Recovered) -> None:
        """Show the recovered text, write it to this window's own copy, and only then drop the old copy
        (kept when the new one cannot be written: nothing is lost either way)."""
        self.editor.setPlainText(recovered.text)
        self._set_path(recovered.path)
        self.editor.document().setModified(True)
        self._autosave_copy.forget()
        if self.autosave():
            recovered.discard()
        else:
            recovered.release()
        self.statusBar().showMessage(self.tr("Recovered the poem autosaved at {when}.").format(when=recovered.when),
                                     8000)

    def _ask_recover(self, recovered: Recovered) -> str:
        """'recover', 'discard' or 'later'."""
        what = recovered.path.name if recovered.path else self.tr("an unsaved new poem")
        lines = [line for line in recovered.text.strip().splitlines() if line.strip()]
        first = (lines[0][:40] + ("…" if len(lines[0]) > 40 else "")) if lines else ""
        box = QMessageBox(QMessageBox.Icon.Question, "PoetPad", self.tr(
            "PoetPad did not close properly. Recover the unsaved text of {what}, autosaved at {when}?").format(
                what=what, when=recovered.when), parent=self)
        if first:
            box.setInformativeText(first)
        recover = box.addButton(self.tr("Recover"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.setEscapeButton(later)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is recover else "discard" if clicked is discard else "later"

    def _tell_kept_aside(self, kept: list[Path]) -> None:
        self.show_error(self.tr("An autosaved copy of an unsaved poem could not be read. It was kept, not deleted, "
                                "as {path}.").format(path=", ".join(str(p) for p in kept)))

    # -- view -------------------------------------------------------------------------------------

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

    def _on_font_clicked(self) -> None:
        ok, font = QFontDialog.getFont(self.editor.font(), self, self.tr("Editor font"))
        if ok:
            self.settings.font_family = font.family()
            self.settings.font_size = max(8, font.pointSize())
            self._apply_font()
            self._apply_list_font()
            self.schedule_settings_save()

    def _on_tones_toggled(self, on: bool) -> None:
        self.settings.show_tones = on
        self.editor.set_show_tones(on)
        self.schedule_settings_save()
        if on:
            self.statusBar().showMessage(self.tr("Blue: 平 (level) · orange: 仄 (oblique) · red underline: rhymes · "
                                                 "wavy red: a fault of 格律 (point at it to see which)"), 10000)

    @Slot(int)
    def _on_panel_rhyme_system_changed(self, _index: int) -> None:
        self.editor.set_rhyme_system(self.panel.rhyme_system_value)

    def set_theme(self, theme: str) -> None:
        self.settings.theme = theme
        self.theme_actions[theme].setChecked(True)
        self.theme_requested.emit(theme)
        self.schedule_settings_save()

    def set_language(self, language: str) -> None:
        self.settings.language = language
        self.language_actions[language].setChecked(True)
        self.language_requested.emit(language)
        self.schedule_settings_save()

    # -- settings ---------------------------------------------------------------------------------

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

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every key the window answers to, and what it does, in the UI's language: the menu actions'
        shortcuts first (read from the actions, so the table is never out of date), then the editor's keys."""
        rows = []
        for action in self.findChildren(QAction):
            for keys in action.shortcuts():
                if not keys.isEmpty():
                    rows.append((key_text(keys), action.text().split("\t")[0].replace("&&", "\0").replace(
                        "&", "").replace("\0", "&")))
        editor_keys = [
            ("Ctrl+Return", self.tr("Continue the text at the cursor (what the line under the editor says)")),
            ("Ctrl+Shift+Return", self.tr("Write what the Verse panel says: a new poem, an acrostic, or a "
                                          "continuation")),
            ("Tab", self.tr("Insert the grey suggestion")),
            ("Esc", self.tr("Dismiss the suggestion; with none showing, cancel the request being written")),
            (self.tr("Alt+↑ / Alt+↓"), self.tr("Show the previous or next suggestion")),
            ("Ctrl+Z", self.tr("Undo (an inserted suggestion is one step)")),
            ("Ctrl+Shift+Z", self.tr("Redo")),
            ("Ctrl+A", self.tr("Select all")),
            ("Ctrl+X", self.tr("Cut")),
            ("Ctrl+C", self.tr("Copy")),
            ("Ctrl+V", self.tr("Paste")),
            (self.tr("Return (in Heads)"), self.tr("Write the acrostic")),
            (self.tr("Return (in Suggestions)"), self.tr("Insert the selected suggestion")),
        ]
        rows.extend((keys if "(" in keys or "↑" in keys else key_text(keys), what) for keys, what in editor_keys)
        return rows

    def open_shortcuts(self):
        from poetpad.gui.dialogs.help import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_rows, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_quick_guide(self):
        from poetpad.gui.dialogs.help import QuickGuideDialog

        dialog = QuickGuideDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _on_about(self) -> None:
        QMessageBox.about(self, self.tr("About PoetPad"), self.tr(
            "<h3>PoetPad {version}</h3><p>An offline companion for writing poems: Chinese classical verse "
            "and English verse.</p><p>Your poems and models stay on this computer.</p>").format(version=__version__))

    # -- dialogs ----------------------------------------------------------------------------------

    def open_model_manager(self) -> None:
        from poetpad.gui.dialogs.model_manager import ModelManagerDialog

        active = self._model_info["name"] if self._model_info else ""
        dialog = ModelManagerDialog(active, self)
        dialog.model_chosen.connect(self.use_model)
        dialog.active_deleted.connect(lambda: self.use_model(""))
        dialog.library_changed.connect(self.library_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_training(self) -> None:
        from poetpad.gui.dialogs.training import TrainingDialog

        dialog = TrainingDialog(parent=self)
        dialog.use_model.connect(self.use_model)
        dialog.model_trained.connect(self.library_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot(str)
    def use_model(self, name: str) -> None:
        self.settings.default_model = name
        self.schedule_settings_save()
        self.start_model(name)

    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "PoetPad", message)

    # -- closing ----------------------------------------------------------------------------------

    def _running_trainings(self) -> list:
        module = sys.modules.get("poetpad.gui.dialogs.training")
        return [d for d in self.findChildren(module.TrainingDialog) if d.training] if module else []

    def _confirm_stop_training(self) -> bool:
        answer = QMessageBox.question(
            self, "PoetPad", self.tr("A model is still training. Stop it and quit? The run is kept as a checkpoint, "
                                     "so you can resume it later."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        trainings = self._running_trainings()
        if trainings and not self._confirm_stop_training():
            event.ignore()
            return
        if not self.maybe_save():
            event.ignore()
            return
        for dialog in trainings:
            dialog.cancel_training()
        self.save_settings()
        self._autosave.stop()
        self._autosave_idle.stop()
        self.clear_autosave()
        self._autosave_copy.close()
        self.shutdown()
        event.accept()

    def terminate(self) -> None:
        """The session ends (SIGTERM, SIGHUP: a logout or a shutdown): no questions. The unsaved text stays
        in its autosave copy, offered at the next start; a running training stops with a checkpoint."""
        self.autosave()
        self._autosave.stop()
        self._autosave_idle.stop()
        self._autosave_copy.close()  # released, not cleared: the next start recovers it
        for dialog in self._running_trainings():
            dialog.cancel_training()
        self.save_settings()
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the generate worker's thread and let every other worker thread end (a cancelled
        training saves its checkpoint first)."""
        if self._worker is not None:
            self._worker.supersede(self._request_id + 1)
        stop_thread(self._thread, 10000)
        self._thread = None
        if self._worker is not None:
            self._worker.deleteLater()
            self._worker = None
        if not wait_for_threads(60000):
            log.warning("a worker thread did not stop within a minute")
        QApplication.processEvents()
