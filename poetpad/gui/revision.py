"""Revising with the poet: where a character or line sits in its poem, locked text, the popup of
alternatives for one character, and the controller behind Ctrl+J, Ctrl+Shift+J, Ctrl+L and
Ctrl+Shift+L.

The core does the work (core.suggest: mode "revise" for a character or a line, mode "rewrite"
with a template of locked and free places); this module only maps between the editor's
document positions and the poem's lines and columns, asks through the window's request
controller (gui.requests), and puts what comes back in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Signal, Slot
from PySide6.QtGui import QAction, QTextCursor
from PySide6.QtWidgets import QMenu, QWidget

from poetpad.core.suggest import FREE_MARK, first_line_rhymes, make_request
from poetpad.core.text import is_cjk
from poetpad.gui.highlight import span_cursor

Hanzi = tuple[int, str]  # (document position, character)


@dataclass
class Place:
    """A position in the poem the cursor is in."""

    lines: list[list[Hanzi]]   # the poem's verse lines: (document position, hanzi) each
    line: int                  # 0-based line of the position
    col: int                   # 0-based hanzi of the line at (or just before) the position

    @property
    def char_position(self) -> int:
        return self.lines[self.line][self.col][0]


def place_at(poems: list[list[list[Hanzi]]], position: int) -> Place | None:
    """The place of cursor `position` among `poems` (as PoemEditor.poems gives them): the character just
    before the cursor (the one a poet has just typed or clicked after), else the one after it, else the
    nearest before; None outside every poem."""
    for poem in poems:
        start, end = poem[0][0][0], poem[-1][-1][0] + 1
        if not start <= position <= end + 1:
            continue
        found = {pos: (i, j) for i, row in enumerate(poem) for j, (pos, _) in enumerate(row)}
        best = found.get(position - 1) or found.get(position)
        if best is None:
            before = [pos for pos in found if pos < position]
            best = found[max(before)] if before else (0, 0)
        return Place(poem, best[0], best[1])
    return None


def template(place: Place, locked: set[int]) -> str:
    """The poem with □ at every character not in `locked` (document positions), one line a line: what
    a rewrite of the unlocked text fills."""
    return "\n".join("".join(ch if pos in locked else FREE_MARK for pos, ch in row) for row in place.lines)


def poem_text(place: Place) -> str:
    """The poem's characters, one line a line (what the core revises; punctuation is the form's)."""
    marks = "，。"
    return "\n".join("".join(ch for _, ch in row) + marks[i % 2] for i, row in enumerate(place.lines))


def replace_span(editor, start: int, end: int, text: str) -> None:
    """Replace the document's [start, end) with `text` as one undo step."""
    cursor = span_cursor(editor.document(), start, end)
    cursor.beginEditBlock()
    cursor.insertText(text)
    cursor.endEditBlock()


class AlternativesPopup(QMenu):
    """The alternatives for one character: the character, its tone and the poem's score; picking one
    emits `chosen` with the new character."""

    chosen = Signal(str)

    def __init__(self, alternatives: list, tone_of, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alternativesPopup")
        if not alternatives:
            empty = self.addAction(self.tr("No other character keeps the form, the tones and the rhyme here."))
            empty.setEnabled(False)
        for alt in alternatives:
            action = QAction(f"{alt.continuation}   {tone_of(alt.continuation)}   {alt.score:+.2f}", self)
            action.setToolTip(alt.text.replace("\n", " "))
            action.triggered.connect(lambda _=False, ch=alt.continuation: self.chosen.emit(ch))
            self.addAction(action)

    def show_at(self, point: QPoint) -> None:
        self.popup(point)


@dataclass
class Revision:
    """What a revision request replaces: a character ("char"), a line ("line") or the unlocked text
    of a poem ("poem"), at `place`."""

    kind: str
    place: Place


class RevisionController(QObject):
    """Alternatives for a character, rewrites of a line or of the unlocked text, and locks."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window

    def _place(self) -> Place | None:
        editor = self.w.editor
        place = place_at(editor.poems(), editor.textCursor().position())
        if place is None:
            self.w.requests.fail(QCoreApplication.translate(
                "MainWindow", "Put the cursor in a Chinese poem of five- or seven-character lines."))
        return place

    @Slot()
    def ask_alternatives(self) -> None:
        """Ctrl+J: alternatives for the character at (or before) the cursor, in a popup."""
        place = self._place()
        if place is not None:
            self._ask("char", place, at=(place.line + 1, place.col + 1), n=8, text=poem_text(place))

    @Slot()
    def ask_line_rewrite(self) -> None:
        """Ctrl+Shift+J: rewrites of the cursor's line, given the lines around it, in the Suggestions panel."""
        place = self._place()
        if place is not None:
            self._ask("line", place, at=(place.line + 1, 0), n=self.w.panel.n_value, text=poem_text(place))

    @Slot()
    def toggle_lock(self) -> None:
        locked = self.w.editor.toggle_lock()
        self.w.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Locked: a rewrite keeps it.")
                                       if locked else QCoreApplication.translate("MainWindow", "Unlocked."), 4000)

    @Slot()
    def unlock_all(self) -> None:
        self.w.editor.unlock_all()

    @Slot()
    def ask_rewrite_unlocked(self) -> None:
        """Ctrl+Shift+L: rewrite every character of the cursor's poem that is not locked."""
        place = self._place()
        if place is None:
            return
        locked = self.w.editor.locked_positions()
        if not any(pos in locked for row in place.lines for pos, _ in row):
            self.w.requests.fail(QCoreApplication.translate(
                "MainWindow", "Lock the characters to keep first (select them, Ctrl+L); the rest is rewritten."))
            return
        self._ask("poem", place, template=template(place, locked), n=self.w.panel.n_value)

    def _ask(self, kind: str, place: Place, **options) -> None:
        panel = self.w.panel
        text = options.pop("text", "")
        mode = "rewrite" if kind == "poem" else "revise"
        tones = None if panel.tones.currentData() == "auto" else panel.tones.currentData()
        if kind == "poem":  # a rewrite of the unlocked text keeps line 1 rhyming if it does
            options["rhyme_first_line"] = first_line_rhymes(poem_text(place), panel.rhyme_system_value)
        request = make_request(mode=mode, prefix=text, rhyme_system=panel.rhyme_system_value, tones=tones,
                               keywords=panel.keywords.text().strip() if kind == "poem" else "", **options)
        self.w.requests.ask_revision(request, Revision(kind, place))

    def show(self, revision: Revision, candidates: list, writer: dict) -> None:
        """The answer to a revision: a popup at the character, or rewrites in the Suggestions panel."""
        status = self.w.statusBar()
        if revision.kind == "char":
            from poetpad.core.prosody_zh import tone_symbol

            editor, system = self.w.editor, self.w.panel.rhyme_system_value
            popup = AlternativesPopup(candidates, lambda ch: tone_symbol(ch, system), self.w)
            popup.chosen.connect(self._on_alternatives_chosen)
            popup.aboutToHide.connect(popup.deleteLater)
            cursor = editor.textCursor()
            cursor.setPosition(revision.place.char_position)
            rect = editor.cursorRect(cursor)
            popup.show_at(editor.viewport().mapToGlobal(rect.bottomLeft()))
            status.showMessage(QCoreApplication.translate("MainWindow",
                                                          "Pick a character, or Esc to keep the one there."), 8000)
            return
        if not candidates:
            self.w.requests.fail(QCoreApplication.translate(
                "MainWindow", "No rewrite keeps the form, the tones and the rhyme here."))
            return
        self.w.suggestions.set_candidates(candidates, writer.get("name", ""))
        status.showMessage(QCoreApplication.translate(
            "MainWindow", "Pick a rewrite in the Suggestions panel (Enter or double-click) to put it in place."),
            8000)

    @Slot(str)
    def _on_alternatives_chosen(self, char: str) -> None:
        active = self.w.requests.active
        if active is None or active.revision is None:
            return
        place = active.revision.place
        replace_span(self.w.editor, place.char_position, place.char_position + 1, char)
        active.revision = None
        self.w.editor.setFocus()

    def apply(self, revision: Revision, new_poem: str) -> None:
        """Put a chosen rewrite in place: the new characters at the old ones' positions, as one undo step."""
        place = revision.place
        new_rows = [[ch for ch in row if ch == FREE_MARK or is_cjk(ch)] for row in new_poem.split("\n")]
        rows = [place.line] if revision.kind == "line" else range(len(place.lines))
        changes = [(pos, new_rows[i][j]) for i in rows for j, (pos, old) in enumerate(place.lines[i])
                   if i < len(new_rows) and j < len(new_rows[i]) and new_rows[i][j] != old]
        cursor = QTextCursor(self.w.editor.document())
        cursor.beginEditBlock()
        for pos, ch in sorted(changes, reverse=True):
            cursor.setPosition(pos)
            cursor.setPosition(pos + 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(ch)
        cursor.endEditBlock()
        self.w.requests.forget()
        self.w.statusBar().clearMessage()
        self.w.editor.setFocus()
