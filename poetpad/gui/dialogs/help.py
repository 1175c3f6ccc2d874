"""Help → Keyboard shortcuts (a table of every key the window answers to) and Help → Quick guide
(one short page: writing, acrostics, forms and rhyme systems, training, where the files live).

Both are translated, follow a language switch while open, and read nothing but poetpad.paths.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from poetpad import paths


def key_text(keys: QKeySequence | str) -> str:
    """A key sequence as the platform writes it (Ctrl+S, ⌘S)."""
    sequence = keys if isinstance(keys, QKeySequence) else QKeySequence(keys)
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


class ShortcutsDialog(QDialog):
    """A two-column table: the keys and what they do. `rows` is a callable returning (keys, what)
    pairs in the UI's language, so a language switch refills the table."""

    def __init__(self, rows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self._rows = rows
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("shortcutsTable")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())  # rewrap the long ones
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 600)
        self.retranslate()

    def entries(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("What they do")])
        rows = list(self._rows())
        self.table.setRowCount(len(rows))
        for r, (keys, what) in enumerate(rows):
            key_item = QTableWidgetItem(keys)
            key_item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 0, key_item)
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.resizeRowsToContents()


class QuickGuideDialog(QDialog):
    """One page on how to use PoetPad, with the real places of this computer's files."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickGuideDialog")
        self.browser = QTextBrowser()
        self.browser.setObjectName("quickGuide")
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(680, 640)
        self.retranslate()

    @staticmethod
    def places() -> dict[str, str]:
        """Where PoetPad keeps its files on this computer (poetpad.paths; the folders are created)."""
        from poetpad.gui.documents import autosave_dir
        from poetpad.gui.settings import settings_path

        bundled = paths.bundled_models_dir()
        return {"models": str(paths.user_models_dir()), "checkpoints": str(paths.checkpoints_dir()),
                "logs": str(paths.logs_dir()), "settings": str(settings_path()),
                "autosave": str(autosave_dir(create=False)),
                "bundled": str(bundled) if bundled else ""}

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Quick guide"))
        places = {key: html.escape(value) for key, value in self.places().items()}
        sections = [
            (self.tr("Writing"), self.tr(
                "Type a line, then press <b>Ctrl+Enter</b>: the best suggestion appears in grey at the cursor. "
                "<b>Tab</b> inserts it, <b>Esc</b> dismisses it, <b>Alt+↑/↓</b> shows the others, which the "
                "Suggestions panel lists best first. The line under the editor says what Ctrl+Enter will do "
                "there: continue the line, write the next line or finish the poem, in which form, under which "
                "rhyme system and with which model. A setting that does not fit the poem at the cursor gives "
                "way, and that line says so.")),
            (self.tr("Acrostics and new poems"), self.tr(
                "In the Verse panel choose <i>Acrostic</i>, type the heads (春江花月: one character a line) and "
                "press <b>Write</b> or <b>Ctrl+Shift+Enter</b>. <i>New poem</i> works the same way. They are "
                "written once and start a new paragraph; Ctrl+Enter goes on continuing the text. "
                "<b>Re-roll</b> asks again with a new seed.")),
            (self.tr("Forms, rhymes and tones"), self.tr(
                "<b>Form</b>: 五绝 and 七绝 have four lines of five or seven characters, 五律 and 七律 eight; "
                "<i>Auto</i> follows the poem at the cursor; free verse has no fixed length. The even lines "
                "rhyme, on a level tone. <b>Rhymes</b>: 平水韵 is the classical system of Tang and Song verse "
                "(its 入声 characters count as 仄); 中华新韵 (14 groups) and 中华通韵 (16 groups, the 2019 "
                "national standard) follow modern Mandarin. Do not mix them in one poem. <b>Tones</b>: basic "
                "keeps rhymes on 平 and other line ends on 仄; strict keeps the whole 格律 (粘对, no 孤平 or "
                "三平尾). <b>View → Show tones</b> colours 平 and 仄, underlines the rhymes and marks faults "
                "with a wavy line; point at one to read what is wrong.")),
            (self.tr("Training your own model"), self.tr(
                "<b>Models → Train a model</b> reads your poems (text files, or folders of chinese-poetry "
                "JSON), shows what it found, and trains with a live loss chart; you can pause, resume or "
                "cancel, and an interrupted run is kept to resume later. <b>Models → Model manager</b> lists "
                "the bundled models and yours, and chooses the one that writes. On the command line: "
                "<code>poetpad train</code>.")),
            (self.tr("Where your files live"), self.tr(
                "Your models: {models}<br>Checkpoints of unfinished training: {checkpoints}<br>"
                "Logs: {logs}<br>Settings: {settings}<br>The unsaved poem's autosave copy: {autosave}<br>"
                "Your poems stay where you save them; nothing leaves this computer.").format(**places)),
        ]
        if places["bundled"]:
            sections[-1] = (sections[-1][0], sections[-1][1] + "<br>" + self.tr(
                "The bundled models (read only): {bundled}").format(bundled=places["bundled"]))
        heading = html.escape(self.tr("PoetPad in five minutes"))
        body = "".join(f"<h3>{title}</h3><p>{text}</p>" for title, text in sections)
        self.browser.setHtml(f"<h2>{heading}</h2>{body}")
