"""Revising with the poet: where a character or line sits in its poem, locked text, and the popup of
alternatives for one character.

The core does the work (core.suggest: mode "revise" for a character or a line, mode "rewrite"
with a template of locked and free places); this module only maps between the editor's
document positions and the poem's lines and columns, and shows what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, Signal
from PySide6.QtGui import QAction, QTextCursor
from PySide6.QtWidgets import QMenu, QWidget

from poetpad.core.suggest import FREE_MARK

Hanzi = tuple[int, str]  # (document position, character)


@dataclass
class Place:
    """A position in the poem the cursor is in."""

    lines: list[list[Hanzi]]   # the poem's verse lines: (document position, hanzi) each
    line: int                  # 0-based line of the position
    col: int                   # 0-based hanzi of the line at (or just before) the position
    start: int                 # the poem's first and last document positions (its text is [start, end))
    end: int

    @property
    def char_position(self) -> int:
        return self.lines[self.line][self.col][0]

    @property
    def line_span(self) -> tuple[int, int]:
        """The document span of the line's characters, first to last."""
        row = self.lines[self.line]
        return row[0][0], row[-1][0] + 1


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
        return Place(poem, best[0], best[1], start, end)
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
    cursor = QTextCursor(editor.document())
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
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
