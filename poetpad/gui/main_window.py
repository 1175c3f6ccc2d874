"""The main window: the wiring between the editor, the Suggestions and Verse docks, the menus, the
document (gui.documents) and the generation worker (gui.workers, which calls core.suggest)."""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFontDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
)

from poetpad import __version__
from poetpad.core.suggest import Suggestion, SuggestRequest
from poetpad.core.text import FIXED_FORMS
from poetpad.errors import PoetPadError
from poetpad.gui import settings as settings_mod
from poetpad.gui.documents import Autosave, read_autosave, write_document
from poetpad.gui.editor import PoemEditor
from poetpad.gui.suggestions import SuggestionsPanel
from poetpad.gui.verse_panel import VersePanel
from poetpad.gui.workers import GenerateWorker, start_thread, stop_thread, wait_for_threads

log = logging.getLogger(__name__)

AUTOSAVE_MS = 10_000


def current_poem(text_before_cursor: str) -> str:
    """The poem the cursor is in: the text since the last blank line (a document may hold many poems)."""
    parts = re.split(r"\n[ \t\u3000]*\n", text_before_cursor)
    return parts[-1].lstrip("\n") if parts else ""


class MainWindow(QMainWindow):
    _generate_requested = Signal(int, object)     # to the worker: request id, core.suggest.SuggestRequest
    _load_requested = Signal(str, str, str)       # to the worker: model name, device, hint text
    language_requested = Signal(str)              # "system", "en" or "zh_CN": app.py swaps the translator
    theme_requested = Signal(str)

    def __init__(self, settings: settings_mod.Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings or settings_mod.Settings()
        self._path: Path | None = None
        self._request_id = 0
        self._pending: tuple[int, SuggestRequest] | None = None  # asked before the model was ready
        self._active_request: SuggestRequest | None = None
        self._model_state = "idle"
        self._model_info: dict | None = None   # the active model
        self._writer_info: dict | None = None  # the model that wrote the suggestions shown (by their language)
        self._thread = None
        self._worker: GenerateWorker | None = None
        self._asked_at = 0.0
        self._autosave_copy = Autosave()

        self.editor = PoemEditor()
        self.setCentralWidget(self.editor)
        self._apply_font()
        self.panel = VersePanel()
        self.panel.load_defaults(self.settings.decode)
        self.verse_dock = QDockWidget()
        self.verse_dock.setObjectName("verseDock")
        self.verse_dock.setWidget(self.panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.verse_dock)

        self.suggestions = SuggestionsPanel()
        self.suggestion_list = self.suggestions.list
        self.suggestion_list.setFont(self.editor.font())
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
        self.editor.cycle_requested.connect(self._on_editor_cycle)
        self.editor.user_edited.connect(self._on_editor_user_edited)
        self.editor.suggestion_accepted.connect(self._on_editor_suggestion_accepted)
        self.editor.suggestion_dismissed.connect(self._on_editor_suggestion_dismissed)
        self.editor.form_changed.connect(self._on_editor_form_changed)
        self.editor.textChanged.connect(self._update_counts)
        self.editor.document().modificationChanged.connect(self._update_title)
        self.panel.generate_clicked.connect(self.request_continuation)
        self.panel.rhyme_system.currentIndexChanged.connect(self._on_panel_rhyme_system_changed)
        self.editor.set_rhyme_system(self.panel.rhyme_system_value)
        self.suggestions.current_changed.connect(self._on_suggestions_current_changed)
        self.suggestions.insert_requested.connect(self._on_suggestions_insert_requested)

        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()

        self.resize(1100, 720)
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        if self.settings.window_state:
            self.restoreState(QByteArray.fromBase64(self.settings.window_state.encode()))
        self.retranslate()
        self._update_title()
        self._update_counts()
        self.editor.setFocus()

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
        self.act_tones = self._action(self._on_tones_toggled, checkable=True)
        self.act_tones.setChecked(self.settings.show_tones)
        self.editor.set_show_tones(self.settings.show_tones)
        self.act_font = self._action(self._on_font_clicked)
        self.act_models = self._action(self.open_model_manager)
        self.act_train = self._action(self.open_training)
        self.act_about = self._action(self._on_about)
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
        self.edit_menu.addAction(self.act_continue)
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
        self.editor.setPlaceholderText(self.tr("Write a line, then press Ctrl+Enter for the next words. "
                                               "Tab accepts a suggestion, Esc dismisses it."))
        self._update_title()
        self._update_counts()
        self._show_model_state()
        self._on_editor_form_changed(self.editor.form)

    # -- the model --------------------------------------------------------------------------------

    def start_model(self, name: str | None = None) -> None:
        """Start the generate worker (once) and load `name` (default: the settings' or by language)."""
        if self._worker is None:
            self._worker = GenerateWorker()
            self._worker.model_ready.connect(self._on_worker_model_ready)
            self._worker.model_failed.connect(self._on_worker_model_failed)
            self._worker.model_loading.connect(self._on_worker_model_loading)
            self._worker.results.connect(self._on_worker_results)
            self._worker.failed.connect(self._on_worker_failed)
            self._generate_requested.connect(self._worker.generate)
            self._load_requested.connect(self._worker.load)
            self._thread = start_thread(self._worker, "generate")
        name = self.settings.default_model if name is None else name
        self._model_state = "loading"
        self._writer_info = None
        self._show_model_state()
        self._load_requested.emit(name or "", self.settings.device, self.editor.toPlainText())

    @property
    def model_ready(self) -> bool:
        return self._model_state == "ready"

    @Slot(dict)
    def _on_worker_model_ready(self, info: dict) -> None:
        self._model_state, self._model_info = "ready", info
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
        self._pending = None
        self._show_model_state()
        self.statusBar().showMessage(message, 15000)

    @Slot(str)
    def _on_worker_model_loading(self, name: str) -> None:
        if name and self._model_state == "ready":  # a model for another language, on first use
            self.statusBar().showMessage(self.tr("Loading {name} for this poem's language…").format(name=name))

    def _show_model_state(self) -> None:
        """The status bar and the Verse panel name the model that wrote the suggestions shown, or
        the active model before any."""
        state, info = self._model_state, self._writer_info or self._model_info
        if state == "ready" and info:
            device = info.get("device_name") or info.get("device")
            self.model_label.setText(self.tr("{name} · {device}").format(name=info["name"], device=device))
        elif state == "loading":
            self.model_label.setText(self.tr("Loading the model…"))
        elif state == "failed":
            self.model_label.setText(self.tr("No model"))
        else:
            self.model_label.setText("")
        self.panel.set_model_state("ready" if state == "ready" else state if state != "idle" else "loading",
                                   info, getattr(self, "_model_error", ""))

    # -- continuation -----------------------------------------------------------------------------

    @Slot()
    def request_continuation(self) -> None:
        """Ctrl+Enter: ask for suggestions at the cursor (queued when the model is still loading).

        The request carries the poem the cursor is in even for a new poem, so the worker can pick
        the model by its language."""
        cursor = self.editor.textCursor()
        before = self.editor.toPlainText()[: cursor.position()]
        request = self.panel.request(current_poem(before))
        if request.mode == "acrostic" and not request.heads:
            self.statusBar().showMessage(self.tr("Type the acrostic heads in the Verse panel first."), 8000)
            self.panel.heads.setFocus()
            return
        self._request_id += 1
        self._active_request = request
        self._asked_at = time.perf_counter()
        self.editor.clear_suggestion()
        self.suggestions.clear()
        if self._worker is not None:
            self._worker.supersede(self._request_id)
        if self._model_state != "ready":
            if self._model_state == "failed":
                self.statusBar().showMessage(self.tr("No model is loaded: open Models → Model manager to choose "
                                                     "one."), 10000)
                return
            self._pending = (self._request_id, request)
            self.statusBar().showMessage(self.tr("The model is still loading; your request will run when it is "
                                                 "ready."), 10000)
            if self._worker is None:
                self.start_model()
            return
        self._send(self._request_id, request)

    def _send(self, request_id: int, request: SuggestRequest) -> None:
        self.statusBar().showMessage(self.tr("Writing…"))
        self._generate_requested.emit(request_id, request)

    @Slot(int, list, dict)
    def _on_worker_results(self, request_id: int, candidates: list, writer: dict) -> None:
        if request_id != self._request_id:
            return
        elapsed = (time.perf_counter() - self._asked_at) * 1000
        log.info("request %d: %d candidates from %s in %.0f ms", request_id, len(candidates), writer.get("name"),
                 elapsed)
        self._writer_info = writer
        self._show_model_state()
        self.suggestions.set_candidates([self._insertion(c) for c in candidates], writer.get("name", ""))
        if not candidates:
            self.statusBar().showMessage(self.tr("No suggestion this time; try again or change the settings."), 8000)
            return
        self.statusBar().showMessage(self.tr("{n} suggestions from {model} · Tab accepts, Esc dismisses, "
                                             "Alt+↑/↓ cycles").format(n=len(candidates), model=writer.get("name")),
                                     8000)
        self._show_candidate()

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
        if request_id == self._request_id:
            self.statusBar().showMessage(message, 12000)

    def _show_candidate(self) -> None:
        current = self.suggestions.current
        if current is not None:
            self.editor.show_suggestion(current.continuation)

    @Slot(int)
    def _on_editor_cycle(self, step: int) -> None:
        self.suggestions.cycle(step)
        self._show_candidate()

    @Slot(int)
    def _on_suggestions_current_changed(self, _row: int) -> None:
        self._show_candidate()

    @Slot(int)
    def _on_suggestions_insert_requested(self, row: int) -> None:
        if not 0 <= row < len(self.suggestions.candidates):
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
            self._request_id += 1
            if self._worker is not None:
                self._worker.supersede(self._request_id)
            self._pending = None
            self._forget_candidates()

    def _forget_candidates(self) -> None:
        self._active_request = None
        self.suggestions.clear()

    # -- status -----------------------------------------------------------------------------------

    @Slot(str)
    def _on_editor_form_changed(self, form: str) -> None:
        if not form:
            self.form_label.setText("")
        elif form in FIXED_FORMS:
            self.form_label.setText(FIXED_FORMS[form].short_name)
        else:
            self.form_label.setText(self.tr("free"))

    def _update_counts(self) -> None:
        text = self.editor.toPlainText()
        chars = sum(1 for ch in text if not ch.isspace())
        self.count_label.setText(self.tr("{n} characters").format(n=chars))

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
        from poetpad.core.corpus import read_text

        try:
            text = read_text(path)
        except PoetPadError as exc:
            self.show_error(str(exc))
            return False
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self._set_path(Path(path))
        self.settings.add_recent(path)
        self._autosave_copy.forget()
        return True

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
        """Write the unsaved text to the data dir (every ~10 s); True when something was written."""
        if not self.editor.document().isModified():
            return False
        return self._autosave_copy.write(self.editor.toPlainText(), self._path)

    def clear_autosave(self) -> None:
        self._autosave_copy.clear()

    def offer_recovery(self) -> bool:
        """After a crash: offer the autosaved text. True when it was restored."""
        recovered = read_autosave()
        if recovered is None:
            return False
        if not self._ask_recover(recovered.when):
            self.clear_autosave()
            return False
        self.editor.setPlainText(recovered.text)
        self._set_path(recovered.path)
        self.editor.document().setModified(True)
        self.statusBar().showMessage(self.tr("Recovered the poem autosaved at {when}.").format(when=recovered.when),
                                     8000)
        return True

    def _ask_recover(self, when: str) -> bool:
        answer = QMessageBox.question(
            self, "PoetPad",
            self.tr("PoetPad did not close properly last time. Recover the unsaved poem from {when}?").format(
                when=when),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    # -- view -------------------------------------------------------------------------------------

    def _apply_font(self) -> None:
        from poetpad.gui.export import cjk_font_family

        font = QFont(self.settings.font_family or cjk_font_family())
        font.setPointSize(self.settings.font_size)
        self.editor.setFont(font)

    def _on_font_clicked(self) -> None:
        ok, font = QFontDialog.getFont(self.editor.font(), self, self.tr("Editor font"))
        if ok:
            self.settings.font_family = font.family()
            self.settings.font_size = max(8, font.pointSize())
            self._apply_font()
            self.suggestion_list.setFont(self.editor.font())

    def _on_tones_toggled(self, on: bool) -> None:
        self.settings.show_tones = on
        self.editor.set_show_tones(on)
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

    def set_language(self, language: str) -> None:
        self.settings.language = language
        self.language_actions[language].setChecked(True)
        self.language_requested.emit(language)

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
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_training(self) -> None:
        from poetpad.gui.dialogs.training import TrainingDialog

        dialog = TrainingDialog(parent=self)
        dialog.use_model.connect(self.use_model)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot(str)
    def use_model(self, name: str) -> None:
        self.settings.default_model = name
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
        self.settings.decode = self.panel.to_defaults()
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.window_state = bytes(self.saveState().toBase64()).decode()
        try:
            settings_mod.save(self.settings)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)
        self._autosave.stop()
        self.clear_autosave()
        self.shutdown()
        event.accept()

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
