"""The poem editor: a plain-text editor with a line-length gutter, inline suggestions and a tone overlay.

What it shows about the text comes from core.analysis, as `poetpad check` reports it: the gutter
(poetpad/gui/gutter.py) shows hanzi per clause for Chinese lines, syllables and the rhyme letter
("10 A") for English ones, and a red bar beside a poem that is not ok by the one verdict
(core.verse.check_poem); the overlay shows tones, rhyme words and 格律 faults.

Keys: Ctrl+Enter asks for a continuation, Ctrl+Shift+Enter writes what the Verse panel says
(an acrostic, a new poem), Tab accepts the grey suggestion, Esc dismisses it (or, with none
showing, cancels a request still running), Alt+Up/Down cycles through the candidates. Typing
clears the suggestion (and the window drops any request still running). The placeholder hides
while a suggestion shows. The editor knows nothing about models: it emits signals.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from poetpad.core import analysis
from poetpad.core.text import FIXED_FORMS
from poetpad.gui.gutter import Gutter
from poetpad.gui.highlight import head_selections, lock_selections, span_cursor, tone_selections

if TYPE_CHECKING:
    from poetpad.core.verse import PoemCheck

log = logging.getLogger(__name__)

ENGLISH_SCAN_LIMIT = 100_000  # characters: longer documents show word counts in the gutter, not syllables
# Characters: in a longer document the analysis after each pause in typing (form, tones, faults, the
# verdicts) reads only the poem at the cursor and the poems on screen, so typing stays fast however
# long the file is.
LOCAL_ANALYSIS_CHARS = 200_000
_NEAR_BLOCKS = 400  # how far (in lines) past the screen's edges the tones are marked in a long document


def _minus(span: tuple[int, int], cut: tuple[int, int]) -> list[tuple[int, int]]:
    """What is left of `span` once `cut` is taken out of it (zero, one or two spans)."""
    (a, b), (c, d) = span, cut
    return [piece for piece in ((a, min(b, c)), (max(a, d), b)) if piece[0] < piece[1]]


class PoemEditor(QPlainTextEdit):
    continue_requested = Signal()
    write_requested = Signal()          # Ctrl+Shift+Enter: what the Verse panel's Write button does
    escape_pressed = Signal()           # Esc with no suggestion showing (the window cancels a running request)
    cycle_requested = Signal(int)       # -1 previous, +1 next candidate
    suggestion_accepted = Signal(str)   # the inserted text
    suggestion_dismissed = Signal()
    user_edited = Signal()              # the poet typed: pending requests are stale

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("poemEditor")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(False)
        self._ghost = ""
        self._ghost_pos = -1
        self._placeholder = ""
        self._inserting = False
        self._form = ""
        self._show_tones = False
        self._rhyme_system = "pingshui"
        self._faults: dict[int, list[str]] = {}  # document position → the faults marked on that character
        self._english: dict[int, str] = {}  # block number → "syllables letter" for English lines (english_labels)
        self._verdicts: dict[int, PoemCheck] = {}  # block number → the verdict on its poem (analysis.Verdicts)
        self._judge = analysis.Verdicts()
        self._heads: list[tuple[int, int]] = []  # (position, length) of acrostic heads to highlight
        self._locks: list[QTextCursor] = []  # locked text: cursors whose selections move with the edits
        self._gutter = Gutter(self)
        self._analysis = QTimer(self)
        self._analysis.setSingleShot(True)
        self._analysis.setInterval(150)
        self._analysis.timeout.connect(self._analyse)
        self._judging = QTimer(self)  # after a scroll: the verdicts on the poems that came into view
        self._judging.setSingleShot(True)
        self._judging.setInterval(150)
        self._judging.timeout.connect(self._judge_near_screen)
        self.blockCountChanged.connect(self._update_gutter_width)
        self.updateRequest.connect(self._on_update_request)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.textChanged.connect(self._on_text_changed)
        self.cursorPositionChanged.connect(self._on_cursor_moved)
        self._update_gutter_width()

    # -- suggestion (ghost text) ------------------------------------------------------------------

    @property
    def suggestion(self) -> str:
        return self._ghost

    def show_suggestion(self, text: str) -> None:
        """Show `text` in grey at the cursor, to be accepted with Tab."""
        self._ghost = text
        self._ghost_pos = self.textCursor().position() if text else -1
        self._show_placeholder()
        self.viewport().update()

    def clear_suggestion(self) -> None:
        if self._ghost:
            self._ghost, self._ghost_pos = "", -1
            self._show_placeholder()
            self.viewport().update()

    def setPlaceholderText(self, text: str) -> None:  # Qt override
        """The hint shown in an empty editor; hidden while a suggestion shows, so the two never overlap."""
        self._placeholder = text
        self._show_placeholder()

    def placeholder(self) -> str:
        """The hint for an empty editor, whether or not it shows now (placeholderText() is "" while hidden)."""
        return self._placeholder

    def _show_placeholder(self) -> None:
        super().setPlaceholderText("" if self._ghost else self._placeholder)

    def accept_suggestion(self) -> bool:
        if not self._ghost:
            return False
        text = self._ghost
        cursor = self.textCursor()
        cursor.setPosition(self._ghost_pos)
        self.clear_suggestion()
        self._insert(cursor, text)
        self.suggestion_accepted.emit(text)
        return True

    def _insert(self, cursor: QTextCursor, text: str) -> None:
        """Insert as one undo step that does not count as typing, and leave the cursor after it."""
        self._inserting = True
        try:
            cursor.beginEditBlock()
            cursor.insertText(text)
            cursor.endEditBlock()
        finally:
            self._inserting = False
        self.setTextCursor(cursor)

    def mark_heads(self, start: int, text: str, heads: str) -> None:
        marks = []
        offset = 0
        for line in text.split("\n"):
            stripped = line.lstrip()
            if stripped and len(marks) < len(heads) and stripped[0] == heads[len(marks)]:
                marks.append((start + offset + len(line) - len(stripped), 1))
            offset += len(line) + 1
        self._heads = marks
        self._refresh_selections()

    # -- keys -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and ctrl:
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.write_requested.emit()
            else:
                self.continue_requested.emit()
            return
        if key == Qt.Key.Key_Tab and not mods and self._ghost:
            self.accept_suggestion()
            return
        if key == Qt.Key.Key_Escape:
            if self._ghost:
                self.clear_suggestion()
                self.suggestion_dismissed.emit()
            else:
                self.escape_pressed.emit()
            return
        if alt and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.cycle_requested.emit(-1 if key == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event) -> bool:  # Qt override
        if event.type() == QEvent.Type.ToolTip and self._faults:
            faults = self._faults_under(event.pos())
            if faults:
                QToolTip.showText(event.globalPos(), "\n".join(faults), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _faults_under(self, point) -> list[str]:
        """The faults marked on the character drawn under `point` (viewport coordinates)."""
        cursor = self.cursorForPosition(point)
        for position in (cursor.position(), cursor.position() - 1):
            if position in self._faults:
                probe = QTextCursor(self.document())
                probe.setPosition(position)
                left = self.cursorRect(probe)
                probe.setPosition(position + 1)
                right = self.cursorRect(probe)
                if left.left() <= point.x() <= right.left() + 1 and left.top() <= point.y() <= left.bottom():
                    return self._faults[position]
        return []

    def event(self, event) -> bool:
        # Tab normally moves focus before keyPressEvent sees it; keep it for accepting suggestions.
        if event.type() == event.Type.KeyPress and event.key() == Qt.Key.Key_Tab and self._ghost:
            self.keyPressEvent(event)
            return True
        return super().event(event)

    # -- analysis: form, tones, rhyme ---------------------------------------------------------------

    @property
    def form(self) -> str:
        return self._form

    def set_show_tones(self, on: bool) -> None:
        self._show_tones = on
        self._refresh_selections()

    def set_rhyme_system(self, system: str) -> None:
        """The rhyme system the tones, rhymes and faults are shown under (pingshui, xinyun or tongyun)."""
        if system != self._rhyme_system:
            self._rhyme_system = system
            self._analyse()

    def _on_text_changed(self) -> None:
        if not self._inserting:
            if self._ghost:
                self.clear_suggestion()
            self._heads = []
            self.user_edited.emit()
        self._analysis.start()

    def _on_cursor_moved(self) -> None:
        if self._ghost and self.textCursor().position() != self._ghost_pos:
            self.clear_suggestion()
            self.suggestion_dismissed.emit()

    @property
    def is_long(self) -> bool:
        """Too long to analyse whole after every pause in typing (see LOCAL_ANALYSIS_CHARS)."""
        return self.document().characterCount() > LOCAL_ANALYSIS_CHARS

    def _on_scrolled(self, _value: int) -> None:
        # The verdicts follow the screen; in a long document the tone marks do too.
        (self._analysis if self.is_long else self._judging).start()

    def _analyse(self) -> None:
        long = self.is_long
        text = self._poem_at_cursor() if long else self.toPlainText()
        form = analysis.form_of(text)
        self._form = form
        # Scanning is per line: a document too long to scan at typing speed shows word counts instead.
        scan = not long and len(text) <= ENGLISH_SCAN_LIMIT
        self._english = analysis.english_labels(text.split("\n")) if scan else {}
        self._judge_near_screen()
        self._refresh_selections()

    def _judge_near_screen(self) -> None:
        """The verdicts on the poems on screen and near it, for the gutter (analysis.Verdicts)."""
        blocks = list(self._blocks(*self._near_blocks(local=True)))
        verdicts = self._judge.judge([block.text() for block in blocks], self._rhyme_system)
        self._verdicts = {blocks[i].blockNumber(): check for i, check in verdicts.items()}
        self._gutter.update()

    def verdict_at(self, block_number: int) -> PoemCheck | None:
        """The one verdict (verse.PoemCheck; its `ok`) on the poem block `block_number` is in, as the gutter
        shows it; None for a blank line, or one not analysed yet."""
        return self._verdicts.get(block_number)

    def gutter_label(self, block) -> tuple[str, bool]:
        """The gutter's label for `block` and whether it is wrong (analysis.count_label)."""
        english = self._english.get(block.blockNumber())
        if english:
            return english, False
        expected = FIXED_FORMS[self._form].chars if self._form in FIXED_FORMS else None
        return analysis.count_label(block.text(), expected)

    def _poem_blocks(self, first, last):
        """From block `first` back and block `last` on to the blank lines around them (at most _NEAR_BLOCKS
        lines each way): the poems those blocks are in."""
        for _ in range(_NEAR_BLOCKS):
            prev = first.previous()
            if not prev.isValid() or not prev.text().strip():
                break
            first = prev
        for _ in range(_NEAR_BLOCKS):
            nxt = last.next()
            if not nxt.isValid() or not nxt.text().strip():
                break
            last = nxt
        return first, last

    def _poem_at_cursor(self) -> str:
        block = self.textCursor().block()
        first, last = self._poem_blocks(block, block)
        return "\n".join(b.text() for b in self._blocks(first, last.next()))

    # -- locked text --------------------------------------------------------------------------------

    def toggle_lock(self) -> bool:
        """Lock the selection (or the character before the cursor), or unlock it when it is all locked;
        True when it is locked afterwards."""
        cursor = self.textCursor()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        if start == end:
            start, end = max(0, start - 1), start
        positions = set(range(start, end))
        if positions and positions <= self.locked_positions():
            pieces = [piece for span in self._lock_spans() for piece in _minus(span, (start, end))]
            self._locks = [span_cursor(self.document(), a, b) for a, b in pieces]
            self._refresh_selections()
            return False
        self._locks.append(span_cursor(self.document(), start, end))
        self._refresh_selections()
        return True

    def unlock_all(self) -> None:
        self._locks = []
        self._refresh_selections()

    def locked_positions(self) -> set[int]:
        """The document positions of every locked character."""
        return {pos for a, b in self._lock_spans() for pos in range(a, b)}

    def _lock_spans(self) -> list[tuple[int, int]]:
        return [(c.selectionStart(), c.selectionEnd()) for c in self._locks if c.hasSelection()]

    def poems(self) -> list[list[list[tuple[int, str]]]]:
        """The document's poems, each a list of verse lines of (document position, hanzi)."""
        return self._poems(whole=True)

    def _refresh_selections(self) -> None:
        document = self.document()
        self._faults = {}
        selections = lock_selections(document, self._lock_spans())
        if self._show_tones:  # the 格律 faults' sentences show as tooltips (see viewportEvent())
            marks = analysis.tone_marks(self._poems(), self._rhyme_system)
            selections += tone_selections(document, marks)
            self._faults = marks.faults
        self.setExtraSelections(selections + head_selections(document, self._heads))

    def _near_blocks(self, local: bool):
        """The blocks to analyse, first and the one after the last (None: to the end): the poems on screen
        and near it when `local`, else the whole document."""
        if not local:
            return self.document().firstBlock(), None
        top = bottom = self.firstVisibleBlock()
        for _ in range(_NEAR_BLOCKS):
            bottom = bottom.next() if bottom.next().isValid() else bottom
        for _ in range(_NEAR_BLOCKS // 4):
            top = top.previous() if top.previous().isValid() else top
        first, last = self._poem_blocks(top, bottom)
        return first, last.next()

    def _blocks(self, block, end):
        while block.isValid() and block != end:
            yield block
            block = block.next()

    def _poems(self, whole: bool = False) -> list[list[list[tuple[int, str]]]]:
        """The document's poems (analysis.poem_spans), each a list of verse lines (one per Chinese clause),
        each a list of (document position, hanzi). In a long document, unless `whole`, only the poems on
        screen and near it."""
        blocks = list(self._blocks(*self._near_blocks(local=self.is_long and not whole)))
        lines = [analysis.verse_hanzi(block.text(), block.position()) for block in blocks]
        poems = [[line for i in span for line in lines[i]] for span in analysis.poem_spans([b.text() for b in blocks])]
        return [poem for poem in poems if poem]

    def fault_at(self, position: int) -> list[str]:
        """The 格律 faults marked on the character at `position` (with tones shown), as sentences."""
        return list(self._faults.get(position, []))

    # -- gutter -----------------------------------------------------------------------------------

    def gutter_width(self) -> int:
        return self._gutter.width_needed()

    def _update_gutter_width(self, *_args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_gutter_width()

    def resizeEvent(self, event) -> None:  # Qt override
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def changeEvent(self, event) -> None:  # Qt override
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._update_gutter_width()

    def visible_blocks(self, bottom: int):
        """(block, top, height) of each visible block drawn above `bottom`, in viewport coordinates."""
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= bottom:
            height = round(self.blockBoundingRect(block).height())
            if block.isVisible():
                yield block, top, height
            top += height
            block = block.next()

    # -- ghost painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        super().paintEvent(event)
        if not self._ghost or self._ghost_pos < 0:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(self._ghost_pos, self.document().characterCount() - 1))
        rect = self.cursorRect(cursor)
        painter = QPainter(self.viewport())
        color = QColor(self.palette().color(QPalette.ColorRole.Text))
        color.setAlpha(110)
        painter.setPen(color)
        painter.setFont(self.font())
        metrics = self.fontMetrics()
        left = round(self.contentOffset().x() + self.document().documentMargin())
        x, y = rect.right() + 1, rect.top() + metrics.ascent() + (rect.height() - metrics.height()) // 2
        for i, part in enumerate(self._ghost.split("\n")):
            if i:
                x, y = left, y + metrics.lineSpacing()
            painter.drawText(x, y, part)
        painter.end()
