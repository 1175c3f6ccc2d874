"""The Suggestions panel: the candidates of the last request, which one is shown, and inserting one.

It holds the candidates (core.suggest.Suggestion, with what accepting one inserts at the
cursor) and the current index; the window shows the current one as ghost text in the editor
and cycles with Alt+↑/↓. It knows nothing about models or the editor: it emits signals.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class SuggestionsPanel(QWidget):
    current_changed = Signal(int)    # the row now shown (by a click or the keyboard in the list)
    insert_requested = Signal(int)   # the row to insert (double-click, Enter, or the button)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates: list = []   # core.suggest.Suggestion, continuation = what goes in at the cursor
        self.index = 0
        self.list = QListWidget()
        self.list.setObjectName("suggestionList")
        self.list.setWordWrap(True)
        self.insert_button = QPushButton()
        self.insert_button.setEnabled(False)
        box = QVBoxLayout(self)
        box.addWidget(self.list, 1)
        box.addWidget(self.insert_button)
        self.list.currentRowChanged.connect(self._on_list_row_changed)
        self.list.itemActivated.connect(self._on_list_activated)
        self.insert_button.clicked.connect(self._on_insert_clicked)
        self.retranslate()

    @property
    def current(self):
        """The candidate shown, or None."""
        return self.candidates[self.index] if self.candidates else None

    def set_candidates(self, candidates: list, model: str = "") -> None:
        """Show `candidates` (best first), the first one current."""
        self.candidates = list(candidates)
        self.index = 0
        self.list.blockSignals(True)
        self.list.clear()
        for c in self.candidates:
            item = QListWidgetItem(f"{c.continuation.strip()}   {c.score:+.2f}{'' if c.valid else ' ⚠'}")
            notes = list(c.problems) or [self.tr("Score: mean log-probability per character")]
            if model:
                notes.append(self.tr("Written by {model}").format(model=model))
            item.setToolTip("\n".join(notes))
            self.list.addItem(item)
        if self.candidates:
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self.insert_button.setEnabled(bool(self.candidates))

    def clear(self) -> None:
        self.set_candidates([])

    def cycle(self, step: int) -> None:
        """Make the next (+1) or previous (-1) candidate current, wrapping around."""
        if self.candidates:
            self.select((self.index + step) % len(self.candidates))

    def select(self, row: int) -> None:
        if 0 <= row < len(self.candidates):
            self.index = row
            self.list.blockSignals(True)
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)

    @Slot(int)
    def _on_list_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.candidates) and row != self.index:
            self.index = row
            self.current_changed.emit(row)

    @Slot(QListWidgetItem)
    def _on_list_activated(self, item: QListWidgetItem) -> None:
        self.insert_requested.emit(self.list.row(item))

    @Slot()
    def _on_insert_clicked(self) -> None:
        self.insert_requested.emit(self.list.currentRow())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.insert_button.setText(self.tr("Insert the selected suggestion"))
