"""The Suggestions panel: the candidates of the last request, which one is shown, and inserting one.

It holds the candidates (core.suggest.Suggestion, with what accepting one inserts at the
cursor) and the current index; the window shows the current one as ghost text in the editor
and cycles with Alt+↑/↓. Candidates stay in the order they come in: core.suggest returns them
best first (the poems that keep the form first, then by their whole-poem score). Each row shows
the whole candidate, wrapped, and a bar for its score relative to the best; the tooltip explains
the score. Without candidates the panel shows one sentence instead: how to ask, "Writing…", or
why the last request gave nothing. It knows nothing about models or the editor: it emits signals.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

BAR_STEPS = 5
ERROR_COLOR = "#c8463c"  # readable on the light and the dark theme


def score_bar(rank: float, best: float) -> str:
    """Five dots, filled by how likely the candidate is next to the best (exp of the difference of
    their per-character scores): the best is ●●●●●, one half as likely per character ●●●○○."""
    filled = max(1, min(BAR_STEPS, round(BAR_STEPS * math.exp(min(0.0, rank - best)))))
    return "●" * filled + "○" * (BAR_STEPS - filled)


class SuggestionsPanel(QWidget):
    current_changed = Signal(int)    # the row now shown (by the keyboard in the list)
    chosen = Signal(int)             # a row clicked: show it in the editor (the focus goes back there)
    insert_requested = Signal(int)   # the row to insert (double-click, Enter, or the button)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates: list = []   # core.suggest.Suggestion, continuation = what goes in at the cursor
        self.index = 0
        self._model = ""
        self._message = ""
        self._message_kind = "hint"  # hint, busy, info or error
        self.message = QLabel()
        self.message.setObjectName("suggestionsMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        self.list.setObjectName("suggestionList")
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)  # re-wrap the rows when the panel is resized
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        self.insert_button = QPushButton()
        self.insert_button.setEnabled(False)
        box = QVBoxLayout(self)
        box.addWidget(self.message)
        box.addWidget(self.list, 1)
        box.addWidget(self.insert_button)
        self.list.currentRowChanged.connect(self._on_list_row_changed)
        self.list.itemClicked.connect(self._on_list_clicked)
        self.list.itemActivated.connect(self._on_list_activated)
        self.insert_button.clicked.connect(self._on_insert_clicked)
        self.retranslate()

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(320, 360)

    @property
    def current(self):
        """The candidate shown, or None."""
        return self.candidates[self.index] if self.candidates else None

    @property
    def message_text(self) -> str:
        """The sentence shown instead of candidates ("" while candidates show)."""
        return self.message.text() if self.message.isVisibleTo(self) else ""

    def set_candidates(self, candidates: list, model: str = "") -> None:
        """Show `candidates` (best first, as core.suggest returns them), the first one current."""
        self.candidates = list(candidates)
        self.index = 0
        self._model = model
        self.list.blockSignals(True)
        self.list.clear()
        best = max((c.rank for c in self.candidates if c.valid), default=None)
        if best is None:
            best = max((c.rank for c in self.candidates), default=0.0)
        for c in self.candidates:
            item = QListWidgetItem(self._row_text(c, best))
            item.setToolTip(self._tooltip(c))
            self.list.addItem(item)
        if self.candidates:
            self.list.setCurrentRow(0)
            self.list.scrollToTop()
        self.list.blockSignals(False)
        self.insert_button.setEnabled(bool(self.candidates))
        if self.candidates:
            self._message, self._message_kind = "", "hint"
        self._show_message()

    def _row_text(self, c, best: float) -> str:
        poem = c.continuation.strip("\n")
        mark = "" if c.valid else "  ⚠"
        return f"{poem}\n{score_bar(c.rank, best)}  {c.rank:+.2f}{mark}"

    def _tooltip(self, c) -> str:
        notes = [self.tr("Score {score:+.2f}: how likely the model finds this poem, per character, less a "
                         "penalty for repeated words and stock phrases. Higher is better; the best comes "
                         "first.").format(score=c.rank)]
        if not c.valid:
            notes.append(self.tr("It breaks a rule of the form, so it comes after those that keep it:"))
        notes.extend(c.problems)
        notes.extend(c.notes)
        if self._model:
            notes.append(self.tr("Written by {model}").format(model=self._model))
        return "\n".join(notes)

    def clear(self) -> None:
        self.set_candidates([])

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show one sentence instead of candidates, dropping any: kind is busy, info or error. "" goes back
        to the hint on how to ask (candidates showing stay)."""
        self._message, self._message_kind = text, kind
        if text and self.candidates:
            self.set_candidates([])
        else:
            self._show_message()

    def _show_message(self) -> None:
        if self.candidates:
            self.message.hide()
            return
        text = self._message or self.tr("No suggestions yet. Write in the editor and press Ctrl+Enter; "
                                        "the Verse panel's Write button writes a new poem or an acrostic.")
        kind = self._message_kind if self._message else "hint"
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};" if kind == "error" else "")
        self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText if kind == "hint"
                                       else QPalette.ColorRole.WindowText)
        self.message.show()

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
    def _on_list_clicked(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.candidates):
            self.index = row
            self.chosen.emit(row)

    @Slot(QListWidgetItem)
    def _on_list_activated(self, item: QListWidgetItem) -> None:
        self.insert_requested.emit(self.list.row(item))

    @Slot()
    def _on_insert_clicked(self) -> None:
        self.insert_requested.emit(self.list.currentRow())

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.insert_button.setText(self.tr("Insert the selected suggestion"))
        if self.candidates:
            self.set_candidates(self.candidates, self._model)
        else:
            self._show_message()
