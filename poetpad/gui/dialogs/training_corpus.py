"""The training dialog's corpus panel: the poems to learn from, and a preview of them read off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from poetpad.core.text import FIXED_FORMS
from poetpad.gui.ask import Ask
from poetpad.gui.workers import CorpusPreview, CorpusWorker, WorkerSlot

_HIST_BAR_WIDTH = 16


def language_name(code: str) -> str:
    """A corpus's or model's language in words ("" when unknown)."""
    return {"zh": QCoreApplication.translate("CorpusPanel", "Chinese"),
            "en": QCoreApplication.translate("CorpusPanel", "English")}.get(code, "" if code in ("", "?") else code)


class CorpusPanel(QGroupBox):
    """The files and folders to learn from, the simplify option, and a preview of the corpus they make:
    counts, a histogram of the forms, warnings and a few of the poems.

    A CorpusWorker reads the corpus in a WorkerSlot, again whenever the paths, the simplify option or
    the tokenizer (set_tokenizer) change; a reading that a newer one replaced is never shown.
    """

    changed = Signal()       # the paths or options changed: the corpus is being read again, or there is none
    previewed = Signal()     # the preview was shown or cleared: `corpus` is the new corpus, or None
    failed = Signal(str)     # the corpus could not be read: what to tell the user

    def __init__(self, ask: Callable[[], Ask], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ask = ask  # the dialog's Ask, looked up when asking (a test may have replaced it)
        self.setTitle(self.tr("Poems to learn from"))
        self._paths: list[str] = []
        self._corpus = None                  # the Corpus of the current preview, handed to the TrainWorker
        self._tokenizer = "char"
        self._locked = False                 # training: the paths and options stay as they are
        self._reader = WorkerSlot(self, "corpus-preview", self._on_reader_done, self._on_reader_failed)
        self._build()

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.add_files_button = QPushButton(self.tr("Add files…"))
        self.add_files_button.clicked.connect(self._on_add_files_clicked)
        self.add_folder_button = QPushButton(self.tr("Add folder…"))
        self.add_folder_button.clicked.connect(self._on_add_folder_clicked)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self._on_remove_clicked)
        row = QHBoxLayout()
        row.addWidget(self.add_files_button)
        row.addWidget(self.add_folder_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)

        self.path_list = QListWidget()
        self.path_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.path_list.setMaximumHeight(90)
        self.path_list.setToolTip(self.tr("Add .txt, .md or .json files, or folders of them; you can also drop "
                                          "them here."))
        self.path_list.itemSelectionChanged.connect(self._update_buttons)

        self.simplify_check = QCheckBox(self.tr("Simplify Chinese (traditional → simplified)"))
        self.simplify_check.toggled.connect(self._on_simplify_toggled)

        self.corpus_error_label = QLabel()
        self.corpus_error_label.setWordWrap(True)
        self.corpus_error_label.setStyleSheet("color: #b00020;")
        self.corpus_error_label.setVisible(False)

        self.warnings_label = QLabel()
        self.warnings_label.setObjectName("corpusWarnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("QLabel#corpusWarnings { background: #fff3cd; color: #664d03; "
                                          "border: 1px solid #e0c36a; border-radius: 3px; padding: 4px; }")
        self.warnings_label.setVisible(False)

        self.samples_view = QPlainTextEdit()
        self.samples_view.setReadOnly(True)
        self.samples_view.setPlaceholderText(self.tr("A few of the poems will show here."))
        self.samples_view.setMaximumHeight(110)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.path_list)
        layout.addWidget(self.simplify_check)
        layout.addWidget(self.corpus_error_label)
        layout.addLayout(self._build_stats())
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.samples_view)

    def _build_stats(self) -> QGridLayout:
        """Two columns of "name: value" pairs, then the forms across."""
        stats = QGridLayout()
        stats.setHorizontalSpacing(12)
        self.stat_labels: dict[str, QLabel] = {}
        for i, (key, title) in enumerate((
                ("poems", self.tr("Poems")), ("lines", self.tr("Lines")),
                ("chars", self.tr("Characters")), ("distinct", self.tr("Distinct characters")),
                ("vocab", self.tr("Vocabulary (tokens)")), ("language", self.tr("Language")),
                ("files", self.tr("Files")))):
            label = QLabel("–")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stat_labels[key] = label
            grid_row, grid_col = divmod(i, 2)
            stats.addWidget(QLabel(title + ":"), grid_row, grid_col * 2)
            stats.addWidget(label, grid_row, grid_col * 2 + 1)
        stats.setColumnStretch(1, 1)
        stats.setColumnStretch(3, 1)
        self.forms_label = QLabel()
        self.forms_label.setTextFormat(Qt.TextFormat.RichText)
        forms_title = QLabel(self.tr("Forms:"))
        forms_title.setAlignment(Qt.AlignmentFlag.AlignTop)
        stats.addWidget(forms_title, 4, 0)
        stats.addWidget(self.forms_label, 4, 1, 1, 3)
        return stats

    # -- state -------------------------------------------------------------------------------

    @property
    def paths(self) -> list[str]:
        return list(self._paths)

    @property
    def corpus(self):
        """The previewed core.corpus.Corpus; None while it is read, or when it cannot be."""
        return self._corpus

    @property
    def reading(self) -> bool:
        """True while the preview of the current paths and options is still to come."""
        return self._reader.busy

    @property
    def simplify(self) -> bool:
        return self.simplify_check.isChecked()

    def vocab_size(self) -> int:
        """The previewed corpus's vocabulary size with the 4 special tokens (0 when not known yet)."""
        text = self.stat_labels["vocab"].text().replace(",", "")
        return int(text) + 4 if text.isdigit() else 0

    def set_locked(self, locked: bool) -> None:
        """While training, the paths and options cannot change."""
        self._locked = locked
        for widget in (self.add_files_button, self.add_folder_button, self.path_list, self.simplify_check):
            widget.setEnabled(not locked)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(not self._locked and bool(self.path_list.selectedItems()))

    # -- the paths ---------------------------------------------------------------------------

    def add_paths(self, paths: list[str | Path]) -> None:
        """Add files or folders to the corpus (duplicates are ignored) and refresh the preview."""
        if self._locked:
            return
        added = False
        for given in paths:
            text = str(Path(given))
            if text not in self._paths:
                self._paths.append(text)
                self.path_list.addItem(text)
                added = True
        if added:
            self._read_again()

    def remove_paths(self, paths: list[str]) -> None:
        if self._locked:
            return
        gone = {str(Path(p)) for p in paths}
        if not gone & set(self._paths):
            return
        self._paths = [p for p in self._paths if p not in gone]
        self.path_list.clear()
        self.path_list.addItems(self._paths)
        self._read_again()

    def replace_paths(self, paths: list[str], simplify: bool) -> None:
        """Learn from `paths` (simplified or not) instead: an interrupted run's poems."""
        self._paths = []
        self.path_list.clear()
        with QSignalBlocker(self.simplify_check):
            self.simplify_check.setChecked(simplify)
        self.add_paths(paths)

    def set_tokenizer(self, tokenizer: str) -> None:
        """The tokenizer the vocabulary is counted with ("char" or "word"); the corpus is read again."""
        self._tokenizer = tokenizer
        self._read_again()

    def _on_add_files_clicked(self) -> None:
        self.add_paths(self._ask().open_files(self.tr("Add poem files"), "",
                                              self.tr("Poems (*.txt *.md *.markdown *.json);;All files (*)")))

    def _on_add_folder_clicked(self) -> None:
        folder = self._ask().folder(self.tr("Add a folder of poems"))
        if folder:
            self.add_paths([folder])

    def _on_remove_clicked(self) -> None:
        self.remove_paths([item.text() for item in self.path_list.selectedItems()])

    def _on_simplify_toggled(self, _checked: bool) -> None:
        self._read_again()

    # -- the preview -------------------------------------------------------------------------

    def _read_again(self) -> None:
        """The paths or options changed: read the corpus again (a reading under way is no longer shown)."""
        self._corpus = None
        self.corpus_error_label.setVisible(False)
        if not self._paths:
            self._reader.drop()
            self._clear_preview()
        else:
            self._reader.start(CorpusWorker(self._paths, simplify=self.simplify, tokenizer=self._tokenizer))
            self.stat_labels["poems"].setText(self.tr("reading…"))
        self.changed.emit()

    def _on_reader_done(self, preview: CorpusPreview) -> None:
        self._corpus = preview.corpus
        self._show_preview(preview.summary)

    def _on_reader_failed(self, message: str) -> None:
        self._corpus = None
        self._clear_preview()
        self.corpus_error_label.setText(message)
        self.corpus_error_label.setVisible(True)
        self.failed.emit(message)

    def _clear_preview(self) -> None:
        for label in self.stat_labels.values():
            label.setText("–")
        self.forms_label.clear()
        self.warnings_label.clear()
        self.warnings_label.setVisible(False)
        self.samples_view.clear()
        self.previewed.emit()

    def _show_preview(self, summary: dict) -> None:
        for key, label in self.stat_labels.items():
            value = summary.get(key)
            if key == "language":
                label.setText(language_name(str(value)) or str(value))
            else:
                label.setText(f"{value:,}" if isinstance(value, int) else str(value))
        self.forms_label.setText(self._forms_html(summary.get("forms", {})))
        warnings = summary.get("warnings", [])
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))
        self.samples_view.setPlainText("\n\n".join(summary.get("samples", [])))
        self.previewed.emit()

    def _forms_html(self, forms: dict[str, int]) -> str:
        if not forms:
            return "–"
        names = {name: form.title() for name, form in FIXED_FORMS.items()}
        names |= {"other": self.tr("other"), "english": self.tr("English verse")}
        top = max(forms.values()) or 1
        rows = []
        for key, count in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0])):
            bar = "█" * max(1, round(_HIST_BAR_WIDTH * count / top))
            rows.append(f"<tr><td>{names.get(key, key)}&nbsp;</td><td>{bar}</td>"
                        f"<td align='right'>&nbsp;{count:,}</td></tr>")
        return "<table cellspacing='0'>" + "".join(rows) + "</table>"
