"""The one place the app asks the user something: questions, errors, recovery prompts, the file, text
and font dialogs, and About. The window's controllers call `window.ask`, and the training dialog and
the model manager hold an `Ask` of their own (titled for them); tests replace it with a fake once
(tests/gui/conftest.py) instead of patching QMessageBox or the widgets.

The strings keep the MainWindow translation context they had when the window asked itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFileDialog, QFontDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

if TYPE_CHECKING:  # the window's documents controller imports this module
    from poetpad.gui.documents import Recovered

_Button = QMessageBox.StandardButton


class Ask:
    """Modal questions over `parent`. Every answer is a plain value: a word, a bool, a path or None."""

    def __init__(self, parent: QWidget, title: str = "PoetPad") -> None:
        self.parent = parent
        self.title = title  # the title of its message boxes

    def error(self, message: str) -> None:
        QMessageBox.warning(self.parent, self.title, message)

    def confirm(self, question: str, title: str | None = None) -> bool:
        """A yes-or-no question whose safe answer, No, is the default."""
        answer = QMessageBox.question(self.parent, title or self.title, question, _Button.Yes | _Button.No,
                                      _Button.No)
        return answer == _Button.Yes

    def text(self, title: str, label: str, current: str) -> str | None:
        """A line of text (stripped), or None when cancelled."""
        text, ok = QInputDialog.getText(self.parent, title, label, QLineEdit.EchoMode.Normal, current)
        return text.strip() if ok else None

    def unsaved(self, name: str) -> str:
        """Before unsaved text is dropped: 'save', 'discard' or 'cancel'."""
        answer = QMessageBox.question(
            self.parent, "PoetPad",
            QCoreApplication.translate("MainWindow", "Save the changes to {name}?").format(name=name),
            _Button.Save | _Button.Discard | _Button.Cancel, _Button.Save)
        return {_Button.Save: "save", _Button.Discard: "discard"}.get(answer, "cancel")

    def open_truncated(self, exc: Exception) -> bool:
        answer = QMessageBox.question(
            self.parent, "PoetPad", str(exc) + "\n\n" + QCoreApplication.translate(
                "MainWindow", "Open the readable part? The cut-off character is left out."),
            _Button.Open | _Button.Cancel, _Button.Open)
        return answer == _Button.Open

    def open_large(self, path: Path, size: int) -> bool:
        answer = QMessageBox.question(
            self.parent, "PoetPad",
            QCoreApplication.translate(
                "MainWindow", "{name} is large ({size} MB). PoetPad is made for poems: a file this large opens "
                "slowly and every keystroke in it takes longer. Open it anyway?").format(
                name=path.name, size=f"{size / 1e6:,.1f}"),
            _Button.Open | _Button.Cancel, _Button.Cancel)
        return answer == _Button.Open

    def recover(self, recovered: Recovered) -> str:
        """An orphaned autosave copy: 'recover', 'discard' or 'later'."""
        what = recovered.path.name if recovered.path else QCoreApplication.translate("MainWindow",
                                                                                      "an unsaved new poem")
        lines = [line for line in recovered.text.strip().splitlines() if line.strip()]
        first = (lines[0][:40] + ("…" if len(lines[0]) > 40 else "")) if lines else ""
        box = QMessageBox(QMessageBox.Icon.Question, "PoetPad", QCoreApplication.translate(
            "MainWindow",
            "PoetPad did not close properly. Recover the unsaved text of {what}, autosaved at {when}?").format(
                what=what, when=recovered.when), parent=self.parent)
        if first:
            box.setInformativeText(first)
        recover = box.addButton(QCoreApplication.translate("MainWindow", "Recover"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(QCoreApplication.translate("MainWindow", "Discard"),
                                QMessageBox.ButtonRole.DestructiveRole)
        later = box.addButton(QCoreApplication.translate("MainWindow", "Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.setEscapeButton(later)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is recover else "discard" if clicked is discard else "later"

    def stop_training(self) -> bool:
        answer = QMessageBox.question(
            self.parent, "PoetPad", QCoreApplication.translate(
                "MainWindow", "A model is still training. Stop it and quit? The run is kept as a checkpoint, "
                "so you can resume it later."),
            _Button.Yes | _Button.No, _Button.No)
        return answer == _Button.Yes

    def open_file(self, title: str, start: str, filters: str) -> str:
        """A file to open, or ''."""
        path, _ = QFileDialog.getOpenFileName(self.parent, title, start, filters)
        return path

    def open_files(self, title: str, start: str, filters: str) -> list[str]:
        """Files to open (none when cancelled)."""
        paths, _ = QFileDialog.getOpenFileNames(self.parent, title, start, filters)
        return paths

    def folder(self, title: str) -> str:
        """A folder, or ''."""
        return QFileDialog.getExistingDirectory(self.parent, title)

    def save_file(self, title: str, start: str, filters: str) -> tuple[str, str]:
        """A file to write and the filter chosen, or ('', '')."""
        return QFileDialog.getSaveFileName(self.parent, title, start, filters)

    def font(self, current: QFont, title: str) -> QFont | None:
        ok, font = QFontDialog.getFont(current, self.parent, title)
        return font if ok else None

    def about(self, title: str, text: str) -> None:
        QMessageBox.about(self.parent, title, text)
