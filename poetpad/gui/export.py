"""Export a poem to a file: plain text, Markdown, HTML, ODT, PDF or a PNG "poem card".

The poem is plain text as the poet wrote it; stanzas are blocks separated by blank lines.
TXT, Markdown and HTML are built by pure functions (`to_markdown`, `to_html`) that need no Qt
application. ODT, PDF and PNG (and `cjk_font_family`) are drawn by Qt and need a QGuiApplication:
the GUI always has one; a script or test must create one first (QT_QPA_PLATFORM=offscreen works),
or these raise RuntimeError. They may run in a worker thread; `copy_to_clipboard` must run in the
GUI thread.

Every file is written atomically: the bytes go to a temp file in the target's folder, which then
replaces the target, so a failed export never leaves a half-written file or a stray temp file.
Every failure a user can cause raises PoetPadError with one sentence they can act on.

Poem cards come in two layouts. The horizontal one (the default, and the only one for English)
draws the title, the author and the lines on a paper-coloured card with a thin border. The
vertical one (`ExportOptions.vertical`, Chinese only) is the traditional layout: one character
per cell, columns top to bottom, columns ordered right to left, the title in the first (rightmost)
column and the author below it in the next. Punctuation is dropped in the vertical layout, as on
a calligraphy scroll: each verse line is its own column, so the column end already marks the
pause. A line too long for one column continues in the next, and columns that do not fit the
card's width continue in a band below.
"""

from __future__ import annotations

import errno
import html
import logging
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QMimeData,
    QRectF,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentWriter,
)

from poetpad.core.text import is_chinese
from poetpad.errors import PoetPadError
from poetpad.fileio import atomic_write_bytes

log = logging.getLogger(__name__)

_CONTEXT = "Export"

# Format → file-dialog filter. Marked with QT_TRANSLATE_NOOP for lupdate and translated when read
# (see _Filters), so a translator installed after this module is imported still applies.
_FILTER_SOURCES = {
    "txt": QT_TRANSLATE_NOOP("Export", "Plain text (*.txt)"),
    "md": QT_TRANSLATE_NOOP("Export", "Markdown (*.md)"),
    "html": QT_TRANSLATE_NOOP("Export", "HTML (*.html)"),
    "odt": QT_TRANSLATE_NOOP("Export", "OpenDocument text (*.odt)"),
    "pdf": QT_TRANSLATE_NOOP("Export", "PDF (*.pdf)"),
    "png": QT_TRANSLATE_NOOP("Export", "Poem card image (*.png)"),
}
_SUFFIX_ALIASES = {"htm": "html", "markdown": "md", "text": "txt"}

CJK_FAMILIES = ["Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "WenQuanYi Micro Hei",
                "WenQuanYi Zen Hei", "SimSun", "Songti SC", "PingFang SC", "Microsoft YaHei"]
# The HTML export names fonts the reader's machine may have: CJK families for Chinese, book faces
# for English (browsers fall back glyph by glyph, so each list ends with the other and "serif").
_CSS_CJK = [*CJK_FAMILIES[:3], "Songti SC", "SimSun", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei"]
_CSS_LATIN = ["Georgia", "Palatino Linotype", "Palatino", "Book Antiqua", "Times New Roman"]

# Card colours: paper, ink, muted ink (author), border, footer.
_PAPER = QColor("#f6f0e1")
_INK = QColor("#2e2a24")
_MUTED = QColor("#7a6e5a")
_BORDER = QColor("#c8b99b")
_FOOTER = QColor("#b0a48c")
_FOOTER_TEXT = "PoetPad"  # the product name: not translated

_MIN_CARD_WIDTH = 320
_MAX_CARD_WIDTH = 8000
_MAX_CARD_HEIGHT = 30000
_MAX_COLUMN_CELLS = 16  # a longer line continues in the next column of a vertical card

_PDF_RESOLUTION = 600
_PDF_BODY_PT = 12.0
_ODT_BODY_PT = 12.0


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


class _Filters(Mapping):
    """Format name → file-dialog filter, translated each time it is read."""

    def __getitem__(self, key: str) -> str:
        return _tr(_FILTER_SOURCES[key])

    def __iter__(self) -> Iterator[str]:
        return iter(_FILTER_SOURCES)

    def __len__(self) -> int:
        return len(_FILTER_SOURCES)

    def __repr__(self) -> str:
        return repr(dict(self))


FORMATS: Mapping[str, str] = _Filters()


@dataclass
class ExportOptions:
    title: str = ""
    author: str = ""
    vertical: bool = False           # PNG card only: vertical right-to-left columns (Chinese)
    font_family: str | None = None   # None: a CJK-capable default (cjk_font_family())
    card_width: int = 1080           # PNG card width in pixels (height follows the content)


def file_filter() -> str:
    """All formats as one QFileDialog filter string ("Plain text (*.txt);;Markdown (*.md);;…")."""
    return ";;".join(FORMATS.values())


def cjk_font_family() -> str:
    """The first installed family of CJK_FAMILIES, else the application's default family.

    Needs a QGuiApplication.
    """
    _require_app()
    installed = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return QGuiApplication.font().family()


def format_for_path(path: str | os.PathLike) -> str:
    """The format ("txt", "md", "html", "odt", "pdf" or "png") a file name asks for, from its suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = _SUFFIX_ALIASES.get(suffix, suffix)
    if fmt in _FILTER_SOURCES:
        return fmt
    choices = ", ".join(f".{name}" for name in _FILTER_SOURCES)
    if not suffix:
        message = QCoreApplication.translate("Export", "Add a file extension to choose the export format: {choices}.")
        raise PoetPadError(message.format(choices=choices))
    message = QCoreApplication.translate("Export", "PoetPad cannot export to .{suffix} files: choose one of {choices}.")
    raise PoetPadError(message.format(suffix=suffix, choices=choices))


def export(text: str, path: str | os.PathLike, fmt: str | None = None, options: ExportOptions | None = None) -> Path:
    """Write the poem to `path` in `fmt` (default: from the suffix) and return the path written.

    When `fmt` is given and `path` has no suffix, the format's suffix is added.
    """
    options = options or ExportOptions()
    path = Path(path).expanduser()
    if fmt is None:
        fmt = format_for_path(path)
    else:
        fmt = _SUFFIX_ALIASES.get(fmt.lower().lstrip("."), fmt.lower().lstrip("."))
        if fmt not in _FILTER_SOURCES:
            choices = ", ".join(_FILTER_SOURCES)
            message = QCoreApplication.translate(
                "Export", "PoetPad cannot export to the {fmt} format: choose one of {choices}.")
            raise PoetPadError(message.format(fmt=fmt, choices=choices))
        if not path.suffix:
            path = path.with_name(f"{path.name}.{fmt}")
    _check_text(text)
    if fmt == "txt":
        data = to_text(text, options).encode("utf-8", errors="replace")
    elif fmt == "md":
        data = to_markdown(text, options).encode("utf-8", errors="replace")
    elif fmt == "html":
        data = to_html(text, options).encode("utf-8", errors="replace")
    elif fmt == "odt":
        data = _odt_bytes(text, options, path)
    elif fmt == "pdf":
        data = _pdf_bytes(text, options, path)
    else:
        data = _png_bytes(text, options, path)
    _write_atomically(path, data)
    log.info("Exported the poem as %s to %s (%d bytes)", fmt, path, len(data))
    return path


def copy_to_clipboard(text: str, options: ExportOptions | None = None) -> None:
    """Put the poem on the clipboard as plain text (as written) and as HTML. GUI thread only."""
    _check_text(text)
    mime = QMimeData()
    mime.setText(text)
    mime.setHtml(to_html(text, options))
    QGuiApplication.clipboard().setMimeData(mime)


# ---------------------------------------------------------------- text formats


def to_text(text: str, options: ExportOptions | None = None) -> str:
    """The poem as written, ending with a newline; a title and author, when given, come first."""
    _check_text(text)
    options = options or ExportOptions()
    head = [line for line in (options.title.strip(), options.author.strip()) if line]
    body = text if text.endswith("\n") else text + "\n"
    return "\n".join(head) + "\n\n" + body if head else body


_MD_INLINE = re.compile(r"([\\`*_\[\]<>&~|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=\-]|\d+[.)])")


def _md_escape(line: str) -> str:
    line = _MD_INLINE.sub(r"\\\1", line)
    # Characters that would start a heading, quote, list, rule or setext underline at a line start.
    line = _MD_LINE_START.sub(lambda m: m.group(1) + _md_start(m.group(2)), line)
    return _keep_spaces(line)


def _md_start(token: str) -> str:
    return token[:-1] + "\\" + token[-1]


def to_markdown(text: str, options: ExportOptions | None = None) -> str:
    """The poem as Markdown: `# Title`, the author in emphasis, one paragraph per stanza.

    Every line but a stanza's last ends with two spaces (a hard line break), and Markdown's
    special characters are backslash-escaped, so renderers show the lines exactly as written.
    """
    stanzas = _stanzas(text)
    options = options or ExportOptions()
    parts = []
    if options.title.strip():
        parts.append("# " + _md_escape(options.title.strip()))
    if options.author.strip():
        parts.append("*" + _md_escape(options.author.strip()) + "*")
    for stanza in stanzas:
        parts.append("  \n".join(_md_escape(line) for line in stanza))
    return "\n\n".join(parts) + "\n"


def _html_escape(line: str) -> str:
    return _keep_spaces(html.escape(line, quote=False))


def _keep_spaces(line: str) -> str:
    """Turn leading spaces and runs of spaces into &nbsp; so HTML and Markdown keep indentation."""
    line = line.expandtabs(4)
    line = re.sub(r"^ +", lambda m: "&nbsp;" * len(m.group()), line)
    return re.sub(r" {2,}", lambda m: " " + "&nbsp;" * (len(m.group()) - 1), line)


def _css_string(family: str) -> str:
    return '"' + re.sub(r'["\\<>;{}\n\r]', "", family) + '"'


def to_html(text: str, options: ExportOptions | None = None) -> str:
    """The poem as a standalone UTF-8 HTML5 document: <h1> title, one <p> per stanza, <br> between lines."""
    stanzas = _stanzas(text)
    options = options or ExportOptions()
    chinese = _chinese_layout(text, options)
    title = options.title.strip()
    head_title = title or stanzas[0][0].strip()
    fonts = [options.font_family] if options.font_family else []
    fonts += [*_CSS_CJK, *_CSS_LATIN, "serif"] if chinese else [*_CSS_LATIN, *_CSS_CJK, "serif"]
    stack = ", ".join(name if name == "serif" else _css_string(name) for name in fonts)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh" if chinese else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="PoetPad">',
        f"<title>{html.escape(head_title, quote=False)}</title>",
        "<style>",
        f"body {{ margin: 0; background: {_PAPER.name()}; color: {_INK.name()}; }}",
        f".poem {{ max-width: 40em; margin: 3em auto; padding: 0 1.5em; font-family: {stack};",
        f"  font-size: 1.15rem; line-height: 1.8; text-align: {'center' if chinese else 'left'}; }}",
        ".poem h1 { font-size: 1.6em; font-weight: 600; line-height: 1.3; margin: 0 0 0.4em; }",
        f".poem .author {{ color: {_MUTED.name()}; margin: 0 0 1.6em;{'' if chinese else ' font-style: italic;'} }}",
        ".poem p { margin: 0 0 1.2em; }",
        "</style>",
        "</head>",
        "<body>",
        '<article class="poem">',
    ]
    if title:
        out.append(f"<h1>{_html_escape(title)}</h1>")
    if options.author.strip():
        out.append(f'<p class="author">{_html_escape(options.author.strip())}</p>')
    for stanza in stanzas:
        out.append("<p>" + "<br>\n".join(_html_escape(line) for line in stanza) + "</p>")
    out += ["</article>", "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- Qt formats


def _build_document(stanzas: list[list[str]], options: ExportOptions, chinese: bool, body_size: float, *,
                    pixels: bool = False, device: QPaintDevice | None = None) -> QTextDocument:
    """A QTextDocument of the poem: title, author, then one block per line and an empty block between stanzas.

    Sizes are points, or pixels when `pixels` is true. Chinese is centred, English is left-aligned.
    """
    doc = QTextDocument()
    if device is not None:
        doc.documentLayout().setPaintDevice(device)
    doc.setDocumentMargin(0)
    family = options.font_family or cjk_font_family()
    align = Qt.AlignmentFlag.AlignHCenter if chinese else Qt.AlignmentFlag.AlignLeft

    def char_format(scale: float, color: QColor, bold: bool = False, italic: bool = False) -> QTextCharFormat:
        font = QFont(family)
        if pixels:
            font.setPixelSize(max(1, round(body_size * scale)))
        else:
            font.setPointSizeF(body_size * scale)
        font.setBold(bold)
        font.setItalic(italic)
        fmt = QTextCharFormat()
        fmt.setFont(font)
        fmt.setForeground(color)
        return fmt

    body = char_format(1.0, _INK)
    doc.setDefaultFont(body.font())
    cursor = QTextCursor(doc)
    first = True

    def add(line: str, fmt: QTextCharFormat, line_height: int = 100) -> None:
        nonlocal first
        block = QTextBlockFormat()
        block.setAlignment(align)
        block.setLineHeight(line_height, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        if first:
            cursor.setBlockFormat(block)
            cursor.setBlockCharFormat(fmt)
            first = False
        else:
            cursor.insertBlock(block, fmt)
        cursor.insertText(line, fmt)

    if options.title.strip():
        add(options.title.strip(), char_format(1.4, _INK, bold=True), 120)
    if options.author.strip():
        add(options.author.strip(), char_format(0.85, _MUTED, italic=not chinese), 120)
    if not first:
        add("", body)
    for index, stanza in enumerate(stanzas):
        if index:
            add("", body)
        for line in stanza:
            add(line, body, 150)
    return doc


def _odt_bytes(text: str, options: ExportOptions, path: Path) -> bytes:
    _require_app()
    doc = _build_document(_stanzas(text), options, _chinese_layout(text, options), _ODT_BODY_PT)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QTextDocumentWriter(buffer, QByteArray(b"odf"))
    if not writer.write(doc):
        message = QCoreApplication.translate(
            "Export", "Could not write {path}: Qt could not build the OpenDocument file.")
        raise PoetPadError(message.format(path=path))
    return bytes(buffer.data().data())


def _pdf_bytes(text: str, options: ExportOptions, path: Path) -> bytes:
    """An A5 PDF with 18/20 mm margins; a long poem continues on further pages, never splitting a line."""
    _require_app()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(_PDF_RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    writer.setPageMargins(QMarginsF(18, 20, 18, 20), QPageLayout.Unit.Millimeter)
    stanzas = _stanzas(text)
    writer.setTitle(options.title.strip() or stanzas[0][0].strip())
    writer.setCreator("PoetPad")
    if options.author.strip():
        writer.setAuthor(options.author.strip())
    painter = QPainter()
    if not painter.begin(writer):
        message = QCoreApplication.translate("Export", "Could not write {path}: Qt could not start the PDF.")
        raise PoetPadError(message.format(path=path))
    try:
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        width, height = float(rect.width()), float(rect.height())
        doc = _build_document(stanzas, options, _chinese_layout(text, options), _PDF_BODY_PT, device=writer)
        doc.setPageSize(QSizeF(width, height))
        for page in range(doc.pageCount()):
            if page and not writer.newPage():
                message = QCoreApplication.translate("Export", "Could not write {path}: Qt could not add a PDF page.")
                raise PoetPadError(message.format(path=path))
            painter.save()
            painter.translate(0, -page * height)
            doc.drawContents(painter, QRectF(0, page * height, width, height))
            painter.restore()
    finally:
        painter.end()
    return bytes(buffer.data().data())


def _png_bytes(text: str, options: ExportOptions, path: Path) -> bytes:
    image = render_card(text, options)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        message = QCoreApplication.translate("Export", "Could not write {path}: Qt could not encode the PNG image.")
        raise PoetPadError(message.format(path=path))
    return bytes(buffer.data().data())


def render_card(text: str, options: ExportOptions | None = None) -> QImage:
    """The poem card as an image `options.card_width` pixels wide; its height follows the content.

    `options.vertical` gives the traditional vertical layout for Chinese poems; English poems are
    always laid out horizontally.
    """
    stanzas = _stanzas(text)
    _require_app()
    options = options or ExportOptions()
    width = int(options.card_width)
    if not _MIN_CARD_WIDTH <= width <= _MAX_CARD_WIDTH:
        message = QCoreApplication.translate("Export", "The card width must be between {low} and {high} pixels.")
        raise PoetPadError(message.format(low=_MIN_CARD_WIDTH, high=_MAX_CARD_WIDTH))
    chinese = _chinese_layout(text, options)
    if options.vertical and not chinese:
        log.info("The vertical card layout is for Chinese poems; drawing this one horizontally")
    family = options.font_family or cjk_font_family()
    if options.vertical and chinese:
        return _vertical_card(stanzas, options, family, width)
    return _horizontal_card(stanzas, options, family, width, chinese)


class _Card:
    """The paper, border and footer shared by both layouts."""

    def __init__(self, width: int, content_height: float, family: str):
        self.width = width
        self.margin = round(width * 0.09)
        self.inset = round(width * 0.045)
        self.footer_font = QFont(family)
        self.footer_font.setPixelSize(max(9, round(width / 44)))
        footer_height = QFontMetricsF(self.footer_font).height()
        self.height = max(round(content_height + 2 * self.margin + footer_height), width // 2)
        if self.height > _MAX_CARD_HEIGHT:
            raise PoetPadError(QCoreApplication.translate(
                "Export", "The poem is too long for a card image: export it as PDF instead."))
        self.image = QImage(width, self.height, QImage.Format.Format_RGB32)
        if self.image.isNull():
            raise PoetPadError(QCoreApplication.translate(
                "Export", "There is not enough memory for a card this size: choose a smaller card width."))
        self.image.fill(_PAPER)
        # Content sits between the margins, centred vertically above the footer line.
        self.top = (self.height - footer_height - content_height) / 2

    def begin(self) -> QPainter:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        pen = QPen(_BORDER)
        pen.setWidthF(max(1.0, self.width / 540))
        painter.setPen(pen)
        painter.drawRect(QRectF(self.inset, self.inset, self.width - 2 * self.inset, self.height - 2 * self.inset))
        painter.setFont(self.footer_font)
        painter.setPen(_FOOTER)
        pad = self.inset * 0.6
        painter.drawText(QRectF(self.inset, self.inset, self.width - 2 * self.inset - pad,
                                self.height - 2 * self.inset - pad * 0.6),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, _FOOTER_TEXT)
        return painter


def _horizontal_card(stanzas: list[list[str]], options: ExportOptions, family: str, width: int,
                     chinese: bool) -> QImage:
    margin = round(width * 0.09)
    content_width = width - 2 * margin
    body = width / 24
    font = QFont(family)
    font.setPixelSize(round(body))
    widest = max(QFontMetricsF(font).horizontalAdvance(line) for stanza in stanzas for line in stanza)
    if widest > content_width:  # shrink to fit the longest line, down to a floor; longer lines wrap
        body = max(width / 40, int(body * content_width / widest * 0.98))
    doc = _build_document(stanzas, options, chinese, body, pixels=True)
    text_width = content_width
    if not chinese:
        # English stays left-aligned, but the block as a whole is centred on the card.
        text_width = min(content_width, doc.idealWidth() * 1.02 + 4)
    doc.setTextWidth(text_width)
    card = _Card(width, doc.size().height(), family)
    painter = card.begin()
    try:
        painter.translate((width - text_width) / 2, card.top)
        doc.drawContents(painter)
    finally:
        painter.end()
    return card.image


@dataclass
class _Column:
    cells: list[str]
    font: QFont
    cell: float           # side of a character cell
    width: float          # horizontal room the column takes
    gap: float            # extra room to its right
    color: QColor
    bottom: bool          # aligned to the bottom of its band (the author's name)

    @property
    def height(self) -> float:
        return len(self.cells) * self.cell * 1.12


def _cells(line: str) -> list[str]:
    """One string per cell: punctuation and format characters dropped, combining marks kept with their base."""
    cells: list[str] = []
    for ch in line.strip():
        category = unicodedata.category(ch)
        if category.startswith("P") or category == "Cf":
            continue
        if category.startswith("M") and cells:
            cells[-1] += ch
        else:
            cells.append(" " if ch.isspace() else ch)
    return cells


def _vertical_card(stanzas: list[list[str]], options: ExportOptions, family: str, width: int) -> QImage:
    margin = round(width * 0.09)
    content_width = width - 2 * margin
    plan = _column_plan(stanzas, options)
    scales = {"title": (1.2, 1.5), "author": (0.75, 1.7), "body": (1.0, 1.6)}  # (cell, column width) per unit
    units = sum(scales[role][0] * scales[role][1] + gap for role, _, gap in plan)
    cell = max(width / 40, min(width / 11, content_width / units))

    def column(role: str, cells: list[str], gap: float) -> _Column:
        size, room = scales[role]
        font = QFont(family)
        font.setPixelSize(max(1, round(cell * size * 0.86)))
        font.setBold(role == "title")
        return _Column(cells, font, cell * size, cell * size * room, gap * cell,
                       _MUTED if role == "author" else _INK, role == "author")

    bands = _bands([column(*entry) for entry in plan], content_width)
    band_gap = cell * 1.2
    heights = [max(col.height for col in band) for band in bands]
    card = _Card(width, sum(heights) + band_gap * (len(bands) - 1), family)
    painter = card.begin()
    try:
        y = card.top
        for band, band_height in zip(bands, heights, strict=True):
            _paint_band(painter, band, width, y, band_height)
            y += band_height + band_gap
    finally:
        painter.end()
    return card.image


def _column_plan(stanzas: list[list[str]], options: ExportOptions) -> list[tuple[str, list[str], float]]:
    """The columns right to left, as (role, cells, gap in cell units): title, author, then the lines,
    a stanza break a wider gap."""
    plan: list[tuple[str, list[str], float]] = []
    title, author = _cells(options.title), _cells(options.author)
    if title:
        plan.append(("title", title, 0.0))
    if author:
        plan.append(("author", author, 0.0))
    for index, stanza in enumerate(stanzas):
        gap = 0.9 if index == 0 and (title or author) else 0.6 if index else 0.0
        for line in stanza:
            cells = _cells(line)  # a line of punctuation alone has no cells: no column, gap kept
            for start in range(0, len(cells), _MAX_COLUMN_CELLS):
                plan.append(("body", cells[start:start + _MAX_COLUMN_CELLS], gap))
                gap = 0.0
    if not any(role == "body" for role, _, _ in plan):
        raise PoetPadError(QCoreApplication.translate("Export", "There is nothing to export: the poem is empty."))
    return plan


def _bands(columns: list[_Column], content_width: float) -> list[list[_Column]]:
    """The columns in bands, each as wide as the card allows; a poem too wide for one band wraps."""
    bands: list[list[_Column]] = [[]]
    used = 0.0
    for col in columns:
        need = col.width + (col.gap if bands[-1] else 0.0)
        if bands[-1] and used + need > content_width + 0.5:
            bands.append([])
            used, need = 0.0, col.width
        bands[-1].append(col)
        used += need
    return bands


def _paint_band(painter: QPainter, band: list[_Column], width: int, y: float, band_height: float) -> None:
    """One band's columns, centred on the card, right to left from the top at `y`."""
    band_width = sum(col.width for col in band) + sum(col.gap for col in band[1:])
    right = (width + band_width) / 2
    for index, col in enumerate(band):
        right -= col.gap if index else 0.0
        x = right - col.width + (col.width - col.cell) / 2
        top = y + (band_height - col.height if col.bottom else 0.0)
        painter.setFont(col.font)
        painter.setPen(col.color)
        for row, text in enumerate(col.cells):
            painter.drawText(QRectF(x, top + row * col.cell * 1.12, col.cell, col.cell),
                             Qt.AlignmentFlag.AlignCenter, text)
        right -= col.width


# ---------------------------------------------------------------- helpers


def _check_text(text: str) -> None:
    if not text or not text.strip():
        raise PoetPadError(QCoreApplication.translate("Export", "There is nothing to export: the poem is empty."))


def _stanzas(text: str) -> list[list[str]]:
    """The poem's stanzas: blocks of lines (trailing spaces removed) separated by blank lines."""
    _check_text(text)
    stanzas: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.rstrip()
        if line:
            stanzas[-1].append(line)
        elif stanzas[-1]:
            stanzas.append([])
    return [stanza for stanza in stanzas if stanza]


def _chinese_layout(text: str, options: ExportOptions) -> bool:
    """Chinese layout when the poem, with its title and author, is Chinese text (text.is_chinese)."""
    return is_chinese(f"{options.title}\n{options.author}\n{text}")


def _require_app() -> None:
    if QGuiApplication.instance() is None:
        raise RuntimeError("poetpad.gui.export needs a QGuiApplication for ODT, PDF and PNG exports")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write through a temp file beside `path` and os.replace (poetpad.fileio); errors become one sentence."""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
        atomic_write_bytes(path, data)
    except OSError as exc:
        log.warning("Could not write %s", path, exc_info=True)
        reason = exc.strerror or str(exc)
        message = QCoreApplication.translate("Export", "Could not write {path}: {reason}.")
        raise PoetPadError(message.format(path=path, reason=reason)) from exc
