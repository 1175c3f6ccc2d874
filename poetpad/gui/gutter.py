"""The poem editor's gutter: the strip left of the text.

Per line it shows what core.analysis counts: hanzi per verse line for a Chinese line ("5·5", red
when a closed verse line breaks the form), syllables and the rhyme letter for an English one ("10 A"),
words otherwise. Beside each poem that is not ok by the one verdict (core.verse.check_poem, as
`poetpad check` and the suggestion list judge it) it draws a red bar; hovering the bar shows the
poem's problems.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

if TYPE_CHECKING:
    from poetpad.gui.editor import PoemEditor

WRONG_COLOR = QColor(200, 60, 60)  # a count that breaks the form
NOT_OK_COLOR = QColor(220, 30, 30)  # the bar beside a poem that is not ok
BAR = 3  # the bar's width in pixels


class Gutter(QWidget):
    def __init__(self, editor: PoemEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def width_needed(self) -> int:
        return self._editor.fontMetrics().horizontalAdvance("00·00") + 14

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(self.width_needed(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        editor = self._editor
        painter = QPainter(self)
        palette = editor.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        small = QFont(editor.font())
        small.setPointSizeF(max(7.0, editor.font().pointSizeF() * 0.62))
        painter.setFont(small)
        normal = palette.color(QPalette.ColorRole.PlaceholderText)
        line_height = editor.fontMetrics().height()
        for block, top, height in editor.visible_blocks(event.rect().bottom()):
            check = editor.verdict_at(block.blockNumber())
            if check is not None and not check.ok:
                painter.fillRect(QRect(0, top, BAR, height), NOT_OK_COLOR)
            label, wrong = editor.gutter_label(block)
            if label:
                painter.setPen(WRONG_COLOR if wrong else normal)
                painter.drawText(QRect(0, top, self.width() - 6, line_height),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        painter.end()

    def problems_at(self, y: int) -> list[str]:
        """The problems of the poem drawn at height `y`, when the verdict on it is not ok."""
        block = self._editor.cursorForPosition(QPoint(0, y)).block()
        check = self._editor.verdict_at(block.blockNumber())
        return list(check.problems) if check is not None and not check.ok else []

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            problems = self.problems_at(event.pos().y())
            if problems:
                QToolTip.showText(event.globalPos(), "\n".join(problems), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
