"""The main window's actions and menus: built once, connected to the window and its controllers,
retranslated when the language changes, and read back for the keyboard shortcuts table.

The strings keep the MainWindow translation context they had when the window built its own menus.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from poetpad.gui import settings as settings_mod
from poetpad.gui.dialogs.help import key_text

EXPORT_FORMATS = ("txt", "md", "html", "odt", "pdf", "png")


class Menus:
    """Every QAction of the window (owned by it) and the menu bar."""

    def __init__(self, window) -> None:
        self.w = window
        self._build_file_actions()
        self._build_edit_actions()
        self._build_view_actions()
        self._build_menus()

    def _action(self, slot, shortcut=None, checkable=False) -> QAction:
        action = QAction(self.w)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_file_actions(self) -> None:
        sk, documents = QKeySequence.StandardKey, self.w.documents
        self.act_new = self._action(documents.new, sk.New)
        self.act_open = self._action(documents.open, sk.Open)
        self.act_save = self._action(documents.save, sk.Save)
        self.act_save_as = self._action(documents.save_as, sk.SaveAs)
        self.act_quit = self._action(self.w.close, sk.Quit)
        self.act_copy_poem = self._action(documents.copy_poem)
        self.export_actions = {fmt: self._action(lambda _=False, f=fmt: documents.export_as(f))
                               for fmt in EXPORT_FORMATS}
        self.act_export_vertical = self._action(lambda: documents.export_as("png", vertical=True))

    def _build_edit_actions(self) -> None:
        requests, revision = self.w.requests, self.w.revision
        self.act_continue = self._action(requests.continue_text)  # Ctrl+Enter lives in the editor
        self.act_continue.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_write = self._action(requests.write)  # Ctrl+Shift+Enter too
        self.act_alternatives = self._action(revision.ask_alternatives, QKeySequence("Ctrl+J"))
        self.act_rewrite_line = self._action(revision.ask_line_rewrite, QKeySequence("Ctrl+Shift+J"))
        self.act_lock = self._action(revision.toggle_lock, QKeySequence("Ctrl+L"))
        self.act_rewrite_unlocked = self._action(revision.ask_rewrite_unlocked, QKeySequence("Ctrl+Shift+L"))
        self.act_unlock_all = self._action(revision.unlock_all)

    def _build_view_actions(self) -> None:
        w, settings = self.w, self.w.settings
        self.act_tones = self._action(w.show_tones, checkable=True)
        self.act_tones.setChecked(settings.show_tones)
        w.editor.set_show_tones(settings.show_tones)
        self.act_font = self._action(w.choose_font)
        self.act_models = self._action(w.open_model_manager)
        self.act_train = self._action(w.open_training)
        self.act_about = self._action(w.show_about)
        self.act_guide = self._action(w.open_quick_guide, QKeySequence.StandardKey.HelpContents)
        self.act_shortcuts = self._action(w.open_shortcuts, QKeySequence("Ctrl+/"))
        themes = QActionGroup(w)  # owned by the window
        self.theme_actions = {}
        for theme in settings_mod.THEMES:
            action = self._action(lambda _=False, t=theme: w.set_theme(t), checkable=True)
            action.setChecked(theme == settings.theme)
            themes.addAction(action)
            self.theme_actions[theme] = action
        languages = QActionGroup(w)
        self.language_actions = {}
        for language in settings_mod.LANGUAGES:
            action = self._action(lambda _=False, lang=language: w.set_language(lang), checkable=True)
            action.setChecked(language == settings.language)
            languages.addAction(action)
            self.language_actions[language] = action

    def revision_actions(self) -> list[QAction]:
        return [self.act_alternatives, self.act_rewrite_line, self.act_lock, self.act_rewrite_unlocked,
                self.act_unlock_all]

    def _build_menus(self) -> None:
        bar = self.w.menuBar()
        self.file_menu = bar.addMenu("")
        self.file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = self.file_menu.addMenu("")
        self.recent_menu.aboutToShow.connect(lambda: self.w.documents.fill_recent_menu(self.recent_menu))
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
        self.edit_menu.addActions(self.revision_actions())
        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.act_tones)
        self.view_menu.addAction(self.act_font)
        self.theme_menu = self.view_menu.addMenu("")
        self.theme_menu.addActions(list(self.theme_actions.values()))
        self.language_menu = self.view_menu.addMenu("")
        self.language_menu.addActions(list(self.language_actions.values()))
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.w.verse_dock.toggleViewAction())
        self.view_menu.addAction(self.w.suggestions_dock.toggleViewAction())
        self.models_menu = bar.addMenu("")
        self.models_menu.addActions([self.act_models, self.act_train])
        self.help_menu = bar.addMenu("")
        self.help_menu.addActions([self.act_guide, self.act_shortcuts])
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.act_about)

    def editor_context_menu(self, point) -> None:
        """The editor's own context menu, with the revision actions below it."""
        editor = self.w.editor
        menu = editor.createStandardContextMenu(point)
        menu.addSeparator()
        menu.addActions(self.revision_actions())
        menu.exec(editor.viewport().mapToGlobal(point))
        menu.deleteLater()

    # -- text ---------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._retranslate_file()
        self._retranslate_edit()
        self._retranslate_view()
        self.models_menu.setTitle(QCoreApplication.translate("MainWindow", "&Models"))
        self.act_models.setText(QCoreApplication.translate("MainWindow", "&Model manager…"))
        self.act_train.setText(QCoreApplication.translate("MainWindow", "&Train a model…"))
        self.help_menu.setTitle(QCoreApplication.translate("MainWindow", "&Help"))
        self.act_about.setText(QCoreApplication.translate("MainWindow", "&About PoetPad"))
        self.act_guide.setText(QCoreApplication.translate("MainWindow", "&Quick guide"))
        self.act_shortcuts.setText(QCoreApplication.translate("MainWindow", "&Keyboard shortcuts"))

    def _retranslate_file(self) -> None:
        self.file_menu.setTitle(QCoreApplication.translate("MainWindow", "&File"))
        self.act_new.setText(QCoreApplication.translate("MainWindow", "&New"))
        self.act_open.setText(QCoreApplication.translate("MainWindow", "&Open…"))
        self.recent_menu.setTitle(QCoreApplication.translate("MainWindow", "Open &Recent"))
        self.act_save.setText(QCoreApplication.translate("MainWindow", "&Save"))
        self.act_save_as.setText(QCoreApplication.translate("MainWindow", "Save &As…"))
        self.export_menu.setTitle(QCoreApplication.translate("MainWindow", "&Export"))
        names = {"txt": QCoreApplication.translate("MainWindow", "Plain text…"),
                 "md": QCoreApplication.translate("MainWindow", "Markdown…"),
                 "html": QCoreApplication.translate("MainWindow", "HTML…"),
                 "odt": QCoreApplication.translate("MainWindow", "OpenDocument (ODT)…"),
                 "pdf": QCoreApplication.translate("MainWindow", "PDF…"),
                 "png": QCoreApplication.translate("MainWindow", "Poem card (PNG)…")}
        for fmt, action in self.export_actions.items():
            action.setText(names[fmt])
        self.act_export_vertical.setText(QCoreApplication.translate("MainWindow", "Poem card, vertical (PNG)…"))
        self.act_copy_poem.setText(QCoreApplication.translate("MainWindow", "&Copy the poem"))
        self.act_quit.setText(QCoreApplication.translate("MainWindow", "&Quit"))

    def _retranslate_edit(self) -> None:
        self.edit_menu.setTitle(QCoreApplication.translate("MainWindow", "&Edit"))
        self.act_continue.setText(QCoreApplication.translate("MainWindow", "&Write on\tCtrl+Enter"))
        self.act_write.setText(QCoreApplication.translate(
            "MainWindow", "Write what the &Verse panel says\tCtrl+Shift+Enter"))
        self.act_alternatives.setText(QCoreApplication.translate("MainWindow", "&Alternatives for this character"))
        self.act_rewrite_line.setText(QCoreApplication.translate("MainWindow", "Rewrite this &line"))
        self.act_lock.setText(QCoreApplication.translate("MainWindow", "Loc&k or unlock the selection"))
        self.act_rewrite_unlocked.setText(QCoreApplication.translate("MainWindow", "Rewrite the &unlocked text"))
        self.act_unlock_all.setText(QCoreApplication.translate("MainWindow", "Unlock everything"))

    def _retranslate_view(self) -> None:
        self.view_menu.setTitle(QCoreApplication.translate("MainWindow", "&View"))
        self.act_tones.setText(QCoreApplication.translate("MainWindow", "Show &tones and rhymes (平/仄)"))
        self.act_font.setText(QCoreApplication.translate("MainWindow", "Editor &font…"))
        self.theme_menu.setTitle(QCoreApplication.translate("MainWindow", "&Theme"))
        themes = (QCoreApplication.translate("MainWindow", "System"), QCoreApplication.translate("MainWindow", "Light"),
                  QCoreApplication.translate("MainWindow", "Dark"))
        for theme, text in zip(settings_mod.THEMES, themes, strict=True):
            self.theme_actions[theme].setText(text)
        self.language_menu.setTitle(QCoreApplication.translate("MainWindow", "&Language"))
        languages = (QCoreApplication.translate("MainWindow", "System"), "English", "中文（简体）")
        for language, text in zip(settings_mod.LANGUAGES, languages, strict=True):
            self.language_actions[language].setText(text)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every key the window answers to, and what it does, in the UI's language: the menu actions'
        shortcuts first (read from the actions, so the table is never out of date), then the editor's keys."""
        rows = []
        for action in self.w.findChildren(QAction):
            for keys in action.shortcuts():
                if not keys.isEmpty():
                    rows.append((key_text(keys), action.text().split("\t")[0].replace("&&", "\0").replace(
                        "&", "").replace("\0", "&")))
        rows.extend((keys if "(" in keys or "↑" in keys else key_text(keys), what) for keys, what in _editor_keys())
        return rows


def _editor_keys() -> list[tuple[str, str]]:
    """The editor's own keys (not menu actions), for the shortcuts table."""
    return [
        ("Ctrl+Return", QCoreApplication.translate(
            "MainWindow", "Continue the text at the cursor (what the line under the editor says)")),
        ("Ctrl+Shift+Return", QCoreApplication.translate(
            "MainWindow", "Write what the Verse panel says: a new poem, an acrostic, or a continuation")),
        ("Tab", QCoreApplication.translate("MainWindow", "Insert the grey suggestion")),
        ("Esc", QCoreApplication.translate(
            "MainWindow", "Dismiss the suggestion; with none showing, cancel the request being written")),
        (QCoreApplication.translate("MainWindow", "Alt+↑ / Alt+↓"),
         QCoreApplication.translate("MainWindow", "Show the previous or next suggestion")),
        ("Ctrl+Z", QCoreApplication.translate("MainWindow", "Undo (an inserted suggestion is one step)")),
        ("Ctrl+Shift+Z", QCoreApplication.translate("MainWindow", "Redo")),
        ("Ctrl+A", QCoreApplication.translate("MainWindow", "Select all")),
        ("Ctrl+X", QCoreApplication.translate("MainWindow", "Cut")),
        ("Ctrl+C", QCoreApplication.translate("MainWindow", "Copy")),
        ("Ctrl+V", QCoreApplication.translate("MainWindow", "Paste")),
        (QCoreApplication.translate("MainWindow", "Return (in Heads)"),
         QCoreApplication.translate("MainWindow", "Write the acrostic")),
        (QCoreApplication.translate("MainWindow", "Return (in Suggestions)"),
         QCoreApplication.translate("MainWindow", "Insert the selected suggestion")),
    ]
