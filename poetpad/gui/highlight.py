"""The poem editor's marks on the text, as QTextEdit extra selections: locked text, acrostic heads,
and the tone overlay (平 and 仄 backgrounds, rhyme words, 格律 faults) that core.analysis.tone_marks
finds."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit

from poetpad.core.analysis import ToneMarks
from poetpad.core.prosody_zh import PING

PING_COLOR = QColor(80, 140, 230, 60)
ZE_COLOR = QColor(230, 140, 60, 70)
RHYME_COLOR = QColor(200, 40, 80)
FAULT_COLOR = QColor(220, 30, 30)
HEAD_COLOR = QColor(190, 120, 20)
LOCK_COLOR = QColor(120, 120, 120, 45)  # a faint grey behind locked text


def span_cursor(document: QTextDocument, start: int, end: int) -> QTextCursor:
    """A cursor selecting `start` to `end`; it moves with the edits around it."""
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor


def _selection(document: QTextDocument, start: int, end: int, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
    selection = QTextEdit.ExtraSelection()
    selection.cursor, selection.format = span_cursor(document, start, end), fmt
    return selection


def lock_selections(document: QTextDocument, spans: list[tuple[int, int]]) -> list:
    fmt = QTextCharFormat()
    fmt.setBackground(LOCK_COLOR)
    return [_selection(document, a, b, fmt) for a, b in spans]


def head_selections(document: QTextDocument, heads: list[tuple[int, int]]) -> list:
    """The acrostic heads, (position, length) each, in bold."""
    fmt = QTextCharFormat()
    fmt.setForeground(HEAD_COLOR)
    fmt.setFontWeight(QFont.Weight.Bold)
    last = document.characterCount() - 1
    return [_selection(document, pos, min(pos + length, last), fmt) for pos, length in heads]


def tone_selections(document: QTextDocument, marks: ToneMarks) -> list:
    """平 and 仄 backgrounds, the rhyme words in bold and underlined, and the 格律 faults with a wavy
    underline, in that order (a later format wins where they overlap)."""
    ping, ze, rhyme, fault = QTextCharFormat(), QTextCharFormat(), QTextCharFormat(), QTextCharFormat()
    ping.setBackground(PING_COLOR)
    ze.setBackground(ZE_COLOR)
    rhyme.setForeground(RHYME_COLOR)
    rhyme.setFontWeight(QFont.Weight.Bold)
    rhyme.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    rhyme.setUnderlineColor(RHYME_COLOR)
    fault.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fault.setUnderlineColor(FAULT_COLOR)
    return ([_selection(document, pos, pos + 1, ping if tone == PING else ze) for pos, tone in marks.tones.items()]
            + [_selection(document, pos, pos + 1, rhyme) for pos in marks.rhymes]
            + [_selection(document, pos, pos + 1, fault) for pos in marks.faults])
