"""A file's text → clean poem texts.

The text-only half of reading a corpus (poetpad.core.corpus does the files, folders
and JSON): it tidies newlines, invisible characters, Chinese punctuation and
editorial notes, understands Markdown layout, splits a text into poems (by blank
lines, or one poem per line in collections laid out that way), guesses a Chinese
poem's title and author lines, and puts one verse clause on each line.

Nothing here reads or writes files, and nothing raises: text with no usable poem
simply gives none.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Iterator

from poetpad.core.text import (
    CJK_CLASS,
    CJK_RE,
    CLAUSE_MARKS,
    CLAUSE_RE,
    count_alnum,
    count_cjk,
    is_chinese,
    is_cjk,
)

# --------------------------------------------------------------------------- characters

_CJK = CJK_CLASS
_CJK_RE = CJK_RE

_CLAUSE_MIN_HANZI = 3
_CLAUSE_MAX_HANZI = 11

_GAP_MARKS = ("□", "■")

# Full-width punctuation and friends: where spaces inside Chinese text can go.

_CJKP = _CJK + "\u3000-\u303f\uff01-\uff5e“”‘’…—·"
# Spaces between two CJK characters (or CJK punctuation, or half-width punctuation
# next to CJK) carry no meaning in Chinese text.
_CJK_SPACE_RE = re.compile(
    f"(?<=[{_CJKP}])[ \t\u3000]+(?=[{_CJKP},.!?;:()])|(?<=[{_CJKP},.!?;:()])[ \t\u3000]+(?=[{_CJKP}])"
)
_SPACE_RUN_RE = re.compile(r"[ \t\u3000\u00a0]+")

_HALF_TO_FULL = str.maketrans(",.!?;:()", "，。！？；：（）")
# Half-width marks after CJK (or after a closing full-width bracket, as in "（注）!") or before CJK.
_HALF_PUNCT_RE = re.compile(f"(?<=[{_CJK}）」』》】〕])[,.!?;:()]|[,.!?;:()](?=[{_CJK}])")
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]*)\)")
_ELLIPSIS_RE = re.compile(f"(?<=[{_CJK}])\\.{{3,}}|\\.{{3,}}(?=[{_CJK}])")

# Editorial notes inside Chinese poems: （一作…）, (…), 【…】, […], 〔…〕. Only removed
# when the brackets hold CJK text, so "[1]" or "(a)" stay.
_NOTE_RE = re.compile(r"[（(][^（）()\n]*[）)]|【[^【】\n]*】|\[[^\[\]\n]*\]|〔[^〔〕\n]*〕")

# Characters that are never part of a poem: C0/C1 controls except \t \n \f, and
# zero-width marks. Form feeds and Unicode line/paragraph separators become breaks.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ufeff]")

# Markdown.
_MD_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(?:[ \t]*)(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_RULE_RE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_QUOTE_RE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_MD_EMPHASIS_RE = re.compile(r"^([*_]{1,3})(?=\S)(.+?)(?<=\S)\1$")

# "Title:poem" lines, the layout of many one-poem-per-line collections.
_TITLE_PREFIX_RE = re.compile(f"^([^{CLAUSE_MARKS}：:\\s][^{CLAUSE_MARKS}：:]{{0,29}})[：:](.+)$")
_MAX_TITLE_CHARS = 20
_MAX_AUTHOR_CHARS = 12


def _count_marks(line: str) -> int:
    return sum(line.count(mark) for mark in CLAUSE_MARKS)


# --------------------------------------------------------------------------- cleaning


def squeeze_spaces(text: str) -> str:
    """`text` with each run of spaces, tabs and ideographic spaces made one space, and no space at either end."""
    return _SPACE_RUN_RE.sub(" ", text).strip()


def normalize_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _convert_paren_pair(match: re.Match) -> str:
    whole = match.string
    start, end = match.span()
    before = whole[start - 1] if start > 0 else ""
    after = whole[end] if end < len(whole) else ""
    if _CJK_RE.search(match.group(1)) or is_cjk(before) or is_cjk(after):
        return f"（{match.group(1)}）"
    return match.group()


def normalize_punctuation(text: str) -> str:
    """Half-width ,.!?;:() next to CJK characters become full-width ，。！？；：（）.

    Only punctuation touching a CJK ideograph changes (a pair of parentheses
    changes together when it holds or touches CJK text), so English is left alone.
    A run of three or more dots next to CJK becomes "……".
    """
    if not _CJK_RE.search(text):
        return text
    text = _PAREN_PAIR_RE.sub(_convert_paren_pair, text)
    text = _ELLIPSIS_RE.sub("……", text)
    return _HALF_PUNCT_RE.sub(lambda m: m.group().translate(_HALF_TO_FULL), text)


def _drop_note(match: re.Match) -> str:
    return "" if _CJK_RE.search(match.group()) else match.group()


def prepare_text(text: str) -> str:
    """Whole-text cleanup before splitting: newlines, NFC, invisible characters, punctuation, notes."""
    text = normalize_newlines(text)
    text = text.replace("\f", "\n\n").replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x85", "\n")
    text = _INVISIBLE_RE.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = normalize_punctuation(text)
    if _CJK_RE.search(text):
        text = _NOTE_RE.sub(_drop_note, text)
    return text


def clean_title(title: str) -> str:
    title = squeeze_spaces(title)
    match = _MD_EMPHASIS_RE.match(title)
    if match:
        title = match.group(2).strip()
    if title.startswith("《") and title.endswith("》") and len(title) > 2:
        title = title[1:-1].strip()
    return title


def _split_spaced_line(line: str) -> list[str]:
    """A Chinese line with spaces: verse clauses separated by spaces become lines, other spaces go."""
    if not _SPACE_RUN_RE.search(line):
        return [line]
    parts = line.split()
    if len(parts) >= 2 and all(
        _CLAUSE_MIN_HANZI <= count_cjk(part) <= _CLAUSE_MAX_HANZI and count_cjk(part) == count_alnum(part)
        for part in parts
    ):
        return parts
    line = _CJK_SPACE_RE.sub("", line)
    return [squeeze_spaces(line)]


def _verse_lines(lines: list[str]) -> list[str]:
    """One clause per line when every clause has 3–11 hanzi; otherwise the lines as written."""
    clauses = []
    for line in lines:
        clauses.extend(CLAUSE_RE.findall(line))
    clauses = [clause.strip() for clause in clauses if clause.strip()]
    if clauses and all(_CLAUSE_MIN_HANZI <= count_cjk(clause) <= _CLAUSE_MAX_HANZI for clause in clauses):
        return clauses
    return lines


def _guess_title(lines: list[str]) -> tuple[str, str, list[str]]:
    """A Chinese block that starts with an unpunctuated short line (and maybe an author line)
    followed by punctuated verse: those first lines are the title (and author)."""
    if len(lines) < 2 or _count_marks(lines[0]) or len(lines[0]) > _MAX_TITLE_CHARS:
        return "", "", lines
    rest_start = 1
    author = ""
    if (
        len(lines) >= 3
        and not _count_marks(lines[1])
        and len(lines[1]) <= _MAX_AUTHOR_CHARS
        and all(_count_marks(line) for line in lines[2:])
    ):
        author = squeeze_spaces(lines[1])
        rest_start = 2
    rest = lines[rest_start:]
    if not all(_count_marks(line) for line in rest):
        return "", "", lines
    return clean_title(lines[0]), author, rest


def clean_block(
    lines: list[str], title: str = "", author: str = "", guess_title: bool = True
) -> tuple[str, str, str] | None:
    """(text, title, author) for one poem's raw lines, or None when nothing usable is left."""
    lines = [line.strip() for line in lines]
    lines = [line for line in lines if line]
    if not lines:
        return None
    joined = "\n".join(lines)
    if any(mark in joined for mark in _GAP_MARKS):
        return None
    if is_chinese(joined):
        if guess_title and not title:
            title, guessed_author, lines = _guess_title(lines)
            author = author or guessed_author
        spaced: list[str] = []
        for line in lines:
            spaced.extend(_split_spaced_line(line))
        lines = _verse_lines([line for line in spaced if line])
    else:
        lines = [squeeze_spaces(line) for line in lines]
    lines = [line for line in lines if line]
    text = "\n".join(lines)
    if not count_alnum(text):
        return None
    return text, title, author


# --------------------------------------------------------------------------- splitting


def _markdown_lines(lines: list[str]) -> Iterator[tuple[str, str]]:
    """Markdown lines as ("line", text), ("break", "") or ("title", text) events."""
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                lines = lines[end + 1 :]
                break
    for line in lines:
        if _MD_RULE_RE.match(line):
            yield "break", ""
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            yield "title", clean_title(heading.group(1))
            continue
        line = _MD_QUOTE_RE.sub("", line).strip()
        if line.endswith("\\"):
            line = line[:-1].rstrip()
        emphasis = _MD_EMPHASIS_RE.match(line)
        if emphasis:
            line = emphasis.group(2).strip()
        yield ("line", line) if line else ("break", "")


def _looks_one_poem_per_line(lines: list[str]) -> bool:
    """Most lines hold a whole Chinese poem: ≥ 2 clause marks each, and typically a quatrain or more.

    The quatrain condition keeps a single poem written one couplet per line (2 marks
    a line) together, and needing 3 lines keeps a 律诗 written as two 4-clause lines
    together; both are common layouts for a file holding one poem.
    """
    if len(lines) < 3:
        return False
    marks = [_count_marks(line) for line in lines]
    whole = [count for count in marks if count >= 2]
    return len(whole) >= 0.8 * len(lines) and statistics.median(whole) >= 4


def _split_blocks(text: str, markdown: bool) -> list[tuple[str, list[str]]]:
    """(title, lines) for each blank-line-separated block; one block per line for poem-per-line files."""
    raw_lines = text.split("\n")
    events: Iterable[tuple[str, str]]
    if markdown:
        events = _markdown_lines(raw_lines)
    else:
        events = (("line", line.strip()) if line.strip() else ("break", "") for line in raw_lines)
    blocks: list[tuple[str, list[str]]] = []
    pending_title = ""
    current: list[str] = []
    for kind, value in events:
        if kind == "line":
            current.append(value)
            continue
        if current:
            blocks.append((pending_title, current))
            pending_title, current = "", []
        if kind == "title":
            pending_title = value
    if current:
        blocks.append((pending_title, current))

    if len(blocks) == 1 and _looks_one_poem_per_line(blocks[0][1]):
        first_title, lines = blocks[0]
        blocks = []
        pending_title = first_title
        for index, line in enumerate(lines):
            prefixed = _TITLE_PREFIX_RE.match(line)
            if prefixed and _count_marks(prefixed.group(2)) >= 2:
                blocks.append((clean_title(prefixed.group(1)), [prefixed.group(2)]))
                pending_title = ""
            elif _count_marks(line) >= 2:
                blocks.append((pending_title, [line]))
                pending_title = ""
            elif not _count_marks(line) and index + 1 < len(lines) and _count_marks(lines[index + 1]) >= 2:
                pending_title = clean_title(line)  # a title line above its poem
            else:
                blocks.append(("", [line]))
    return blocks


def parse_poems(text: str, markdown: bool = False) -> list[tuple[str, str, str]]:
    """(text, title, author) for each poem in a file's text."""
    poems = []
    for title, lines in _split_blocks(prepare_text(text), markdown):
        cleaned = clean_block(lines, title=title)
        if cleaned:
            poems.append(cleaned)
    return poems


def split_poems(text: str, *, markdown: bool = False) -> list[str]:
    """The cleaned poem texts in `text`, in order (duplicates kept).

    Poems are separated by blank lines; a file without blank lines whose lines
    mostly hold whole Chinese poems gives one poem per line. `markdown=True` also
    applies the Markdown rules (front matter, headings, quotes, emphasis, rules).
    """
    return [poem_text for poem_text, _, _ in parse_poems(text, markdown)]
