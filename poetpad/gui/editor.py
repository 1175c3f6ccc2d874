"""The poem editor: a plain-text editor with a line-length gutter, inline suggestions and a tone overlay.

The gutter shows hanzi per clause for Chinese lines, and syllables and the rhyme letter ("10 A") for
English ones.

Keys: Ctrl+Enter asks for a continuation, Ctrl+Shift+Enter writes what the Verse panel says
(an acrostic, a new poem), Tab accepts the grey suggestion, Esc dismisses it (or, with none
showing, cancels a request still running), Alt+Up/Down cycles through the candidates. Typing
clears the suggestion (and the window drops any request still running). The placeholder hides
while a suggestion shows. The editor knows nothing about models: it emits signals.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from poetpad.core.text import CJK_RE, CLAUSE_MARKS, CLAUSE_RE, CLOSERS, FIXED_FORMS, LINE_LENGTHS, full_width_marks

log = logging.getLogger(__name__)

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

PING_COLOR = QColor(80, 140, 230, 60)
ZE_COLOR = QColor(230, 140, 60, 70)
RHYME_COLOR = QColor(200, 40, 80)
FAULT_COLOR = QColor(220, 30, 30)
HEAD_COLOR = QColor(190, 120, 20)
LOCK_COLOR = QColor(120, 120, 120, 45)  # a faint grey behind locked text
ENGLISH_SCAN_LIMIT = 100_000  # characters: longer documents show word counts in the gutter, not syllables
# Characters: in a longer document the analysis after each pause in typing (form, tones, faults) reads
# only the poem at the cursor and the poems on screen, so typing stays fast however long the file is.
LOCAL_ANALYSIS_CHARS = 200_000
_NEAR_BLOCKS = 400  # how far (in lines) past the screen's edges the tones are marked in a long document


def _minus(span: tuple[int, int], cut: tuple[int, int]) -> list[tuple[int, int]]:
    """What is left of `span` once `cut` is taken out of it (zero, one or two spans)."""
    (a, b), (c, d) = span, cut
    return [piece for piece in ((a, min(b, c)), (max(a, d), b)) if piece[0] < piece[1]]


def line_counts(text: str) -> list[int]:
    """Hanzi per clause for a Chinese line ("床前明月光，疑是地上霜。" → [5, 5]; half-width marks count
    as clause marks too); words for other text."""
    if CJK_RE.search(text):
        counts = [len(CJK_RE.findall(clause)) for clause in CLAUSE_RE.findall(full_width_marks(text))]
        return [c for c in counts if c]
    words = len(_WORD_RE.findall(text))
    return [words] if words else []


def english_labels(blocks: list[str]) -> dict[int, str]:
    """The gutter's label for each English line of the document (its block number → "10 A"): syllables
    by the CMU dictionary and the rhyme letter within its poem (the lines between blank lines), both
    from core.prosody_en, as `poetpad check` reports them. Chinese and empty lines get none."""
    from poetpad.core.prosody_en import scan_line, scheme_letters

    labels: dict[int, str] = {}
    poem: list[tuple[int, str]] = []

    def flush() -> None:
        if poem:
            letters = scheme_letters([line for _, line in poem])
            for (number, line), letter in zip(poem, letters, strict=True):
                labels[number] = f"{scan_line(line).syllables} {letter}"
            poem.clear()

    for number, text in enumerate(blocks):
        if not text.strip():
            flush()
        elif not CJK_RE.search(text) and _WORD_RE.search(text):
            poem.append((number, text.strip()))
    flush()
    return labels


class _Gutter(QWidget):
    def __init__(self, editor: PoemEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        self._editor.paint_gutter(event)


class PoemEditor(QPlainTextEdit):
    continue_requested = Signal()
    write_requested = Signal()          # Ctrl+Shift+Enter: what the Verse panel's Write button does
    escape_pressed = Signal()           # Esc with no suggestion showing (the window cancels a running request)
    cycle_requested = Signal(int)       # -1 previous, +1 next candidate
    suggestion_accepted = Signal(str)   # the inserted text
    suggestion_dismissed = Signal()
    user_edited = Signal()              # the poet typed: pending requests are stale
    form_changed = Signal(str)          # "5x4", "7x4", "5x8", "7x8", "free", or "" for an empty poem

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
        self._heads: list[tuple[int, int]] = []  # (position, length) of acrostic heads to highlight
        self._locks: list[QTextCursor] = []  # locked text: cursors whose selections move with the edits
        self._gutter = _Gutter(self)
        self._analysis = QTimer(self)
        self._analysis.setSingleShot(True)
        self._analysis.setInterval(150)
        self._analysis.timeout.connect(self._analyse)
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

    def setPlaceholderText(self, text: str) -> None:  # noqa: N802 - Qt override
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

    def insert_text(self, text: str, *, heads: str = "") -> None:
        """Insert `text` at the cursor as one undo step (not counted as typing); highlight acrostic `heads`."""
        self.clear_suggestion()
        cursor = self.textCursor()
        start = cursor.position()
        self._insert(cursor, text)
        if heads:
            self.mark_heads(start, text, heads)

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

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
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

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt override
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
            self._refresh_selections()

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
        if self.is_long and self._show_tones:  # the marks follow the screen in a long document
            self._analysis.start()

    def _analyse(self) -> None:
        from poetpad.core.verse import detect_form, split_lines

        long = self.is_long
        text = self._poem_at_cursor() if long else self.toPlainText()
        lines = split_lines(text)
        form = detect_form(lines) if lines else ""
        if form != self._form:
            self._form = form
            self.form_changed.emit(form)
        # Scanning is per line: a document too long to scan at typing speed shows word counts instead.
        self._english = english_labels(text.split("\n")) if not long and len(text) <= ENGLISH_SCAN_LIMIT else {}
        self._gutter.update()
        self._refresh_selections()

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
        lines = []
        while first.isValid():
            lines.append(first.text())
            if first == last:
                break
            first = first.next()
        return "\n".join(lines)

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
            self._locks = [self._span(a, b) for a, b in pieces]
            self._refresh_selections()
            return False
        self._locks.append(self._span(start, end))
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

    def _span(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def poems(self) -> list[list[list[tuple[int, str]]]]:
        """The document's poems, each a list of verse lines of (document position, hanzi)."""
        return self._poems(whole=True)

    def _refresh_selections(self) -> None:
        selections = []
        self._faults = {}
        for a, b in self._lock_spans():
            selection = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(LOCK_COLOR)
            selection.cursor, selection.format = self._span(a, b), fmt
            selections.append(selection)
        if self._show_tones:
            selections.extend(self._tone_selections())
        for pos, length in self._heads:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(pos)
            cursor.setPosition(min(pos + length, self.document().characterCount() - 1), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setForeground(HEAD_COLOR)
            fmt.setFontWeight(QFont.Weight.Bold)
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        self.setExtraSelections(selections)

    def _poems(self, whole: bool = False) -> list[list[list[tuple[int, str]]]]:
        """The document's poems (blocks of lines between blank lines), each a list of verse lines (one per
        Chinese clause), each a list of (document position, hanzi). In a long document, unless `whole`,
        only the poems on screen and near it."""
        poems: list[list[list[tuple[int, str]]]] = [[]]
        block, end = self.document().firstBlock(), None
        if not whole and self.is_long:
            top = self.firstVisibleBlock()
            bottom = top
            for _ in range(_NEAR_BLOCKS):
                bottom = bottom.next() if bottom.next().isValid() else bottom
            for _ in range(_NEAR_BLOCKS // 4):
                top = top.previous() if top.previous().isValid() else top
            block, end = self._poem_blocks(top, bottom)
            end = end.next()
        while block.isValid() and block != end:
            text = block.text()
            if not text.strip():
                if poems[-1]:
                    poems.append([])
            for match in CLAUSE_RE.finditer(full_width_marks(text)):  # the same offsets as `text`
                hanzi = [(block.position() + match.start() + i, ch) for i, ch in enumerate(match.group(0))
                         if CJK_RE.match(ch)]
                if hanzi:
                    poems[-1].append(hanzi)
            block = block.next()
        return [poem for poem in poems if poem]

    def _tone_selections(self) -> list:
        """平 and 仄 backgrounds, the rhyme words underlined, and the 格律 faults (出韵, 孤平, 失粘 …) under
        the chosen rhyme system with a wavy underline; their sentences show as tooltips (see event())."""
        from poetpad.core.prosody_zh import PING, RHYME_FAULTS, check_gelv, tones

        system = self._rhyme_system
        selections = []
        self._faults = {}
        for poem in self._poems():
            for line in poem:
                for pos, ch in line:
                    found = tones(ch, system)
                    if len(found) == 1:
                        fmt = QTextCharFormat()
                        fmt.setBackground(PING_COLOR if PING in found else ZE_COLOR)
                        selections.append(self._selection(pos, fmt))
            if len(poem) < 2:
                continue
            report = check_gelv(["".join(ch for _, ch in line) for line in poem], system)
            for i, rhymes in enumerate(report.rhymes):
                if rhymes:
                    fmt = QTextCharFormat()
                    fmt.setForeground(RHYME_COLOR)
                    fmt.setFontWeight(QFont.Weight.Bold)
                    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                    fmt.setUnderlineColor(RHYME_COLOR)
                    selections.append(self._selection(poem[i][-1][0], fmt))
            for fault in report.faults:
                line = poem[fault.line] if fault.line < len(poem) else []
                if fault.pos is not None and fault.pos < len(line):
                    spots = [line[fault.pos]]
                else:  # a rhyme fault is the rhyme word's; another line fault, the whole line's
                    spots = line[-1:] if fault.kind in RHYME_FAULTS else line
                for pos, _ in spots:
                    fmt = QTextCharFormat()
                    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                    fmt.setUnderlineColor(FAULT_COLOR)
                    selections.append(self._selection(pos, fmt))
                    self._faults.setdefault(pos, []).append(f"{fault.kind}: {fault.message}")
        return selections

    def fault_at(self, position: int) -> list[str]:
        """The 格律 faults marked on the character at `position` (with tones shown), as sentences."""
        return list(self._faults.get(position, []))

    def _selection(self, pos: int, fmt: QTextCharFormat):
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos)
        cursor.setPosition(pos + 1, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor, selection.format = cursor, fmt
        return selection

    # -- gutter -----------------------------------------------------------------------------------

    def gutter_width(self) -> int:
        return self.fontMetrics().horizontalAdvance("00·00") + 14

    def _update_gutter_width(self, *_args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_gutter_width()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._update_gutter_width()

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.62))
        painter.setFont(small)
        expected = FIXED_FORMS[self._form].chars if self._form in FIXED_FORMS else None
        normal = palette.color(QPalette.ColorRole.PlaceholderText)
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            height = round(self.blockBoundingRect(block).height())
            if block.isVisible():
                counts = line_counts(block.text())
                label = self._english.get(block.blockNumber())
                if label:
                    painter.setPen(normal)
                    painter.drawText(QRect(0, top, self._gutter.width() - 6, self.fontMetrics().height()),
                                     Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
                elif counts:
                    text = full_width_marks(block.text().rstrip()).rstrip(CLOSERS)
                    chinese = bool(CJK_RE.search(text))
                    # A clause still being typed (no closing mark yet) is not wrong yet.
                    done = counts if text[-1:] in CLAUSE_MARKS else counts[:-1]
                    wrong = chinese and (any(c not in LINE_LENGTHS for c in done) or
                                         (expected is not None and any(c != expected for c in done)))
                    painter.setPen(QColor(200, 60, 60) if wrong else normal)
                    painter.drawText(QRect(0, top, self._gutter.width() - 6, self.fontMetrics().height()),
                                     Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                     "·".join(str(c) for c in counts))
            top += height
            block = block.next()
        painter.end()

    # -- ghost painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
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
