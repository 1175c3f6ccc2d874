"""The analysis of a document's text that the editor shows, done once in core so that the gutter,
`poetpad check` and the suggestion list agree.

- The language of a line is text.language_of's: what most of it is (`I love 春` is English).
- `poem_spans`: a document's poems, the runs of lines between blank lines.
- `verse_hanzi`: the verse lines a line holds (text.clause_spans) and the place of each hanzi.
- `line_counts` and `count_label`: the gutter's figures for a line (hanzi per verse line of a
  Chinese line, words by text.WORD_PATTERN of any other) and whether they break the form.
- `english_labels`: syllables and rhyme letter per English line, by prosody_en, as `check` has them.
- `tone_marks`: tones, rhyme words and 格律 faults of a poem's verse lines, by place, for the overlay.
- `form_of` and `Verdicts`: the detected form, and the one verdict (verse.check_poem's `ok`) on
  each poem, judged again only when the poem changed.

Nothing here imports Qt: places are offsets (a line's, or the document's when the caller adds them).
verse (and numpy with it) is imported on first use, so the window can import this on its start-up path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from poetpad.core.prosody_en import scan_line, scheme_letters
from poetpad.core.prosody_zh import RHYME_FAULTS, check_gelv, tones
from poetpad.core.text import (
    CLAUSE_MARKS,
    CLOSERS,
    LINE_LENGTHS,
    clause_spans,
    count_cjk,
    count_words,
    full_width_marks,
    is_cjk,
    language_of,
)

if TYPE_CHECKING:
    from poetpad.core.verse import PoemCheck

Place = tuple[int, str]  # (offset, hanzi)


def poem_spans(lines: list[str]) -> list[range]:
    """The poems among `lines`, as ranges of line numbers: runs of lines with text, split at blank lines."""
    spans, start = [], None
    for number, line in enumerate(lines):
        if line.strip():
            start = number if start is None else start
        elif start is not None:
            spans.append(range(start, number))
            start = None
    if start is not None:
        spans.append(range(start, len(lines)))
    return spans


def current_poem(text_before_cursor: str) -> str:
    """The poem the cursor is in: the text after the last blank line (as poem_spans tells a blank line:
    one with nothing but whitespace) that lies before the cursor's own line."""
    lines = text_before_cursor.split("\n")
    for number in range(len(lines) - 2, 0, -1):
        if not lines[number].strip():
            return "\n".join(lines[number + 1:])
    return text_before_cursor.lstrip("\n")


def verse_hanzi(line: str, offset: int = 0) -> list[list[Place]]:
    """The verse lines of a Chinese line (one per clause, text.clause_spans), each as the (offset +
    position, hanzi) of its hanzi; [] for a line in another language."""
    if language_of(line) != "zh":
        return []
    spans = clause_spans(line, chinese=True)
    found = [[(offset + i, line[i]) for i in range(start, end) if is_cjk(line[i])] for start, end in spans]
    return [places for places in found if places]


def line_counts(line: str) -> list[int]:
    """Hanzi per verse line of a Chinese line ("床前明月光，疑是地上霜。" → [5, 5]; half-width marks count
    as clause marks too); words of a line in another language; [] when there are none."""
    if language_of(line) == "zh":
        return [n for n in (count_cjk(line[a:b]) for a, b in clause_spans(line, chinese=True)) if n]
    words = count_words(line)
    return [words] if words else []


def count_label(line: str, chars: int | None = None) -> tuple[str, bool]:
    """The gutter's label for a line ("5·5", "8"; "" for none) and whether it is wrong: a Chinese verse
    line, once closed by its mark, whose hanzi are not 5 or 7, or not `chars` when the form is known.
    A clause still being typed (no mark yet) is not wrong yet."""
    counts = line_counts(line)
    if not counts or language_of(line) != "zh":
        return "·".join(map(str, counts)), False
    closed = full_width_marks(line.rstrip()).rstrip(CLOSERS)
    done = counts if closed[-1:] in CLAUSE_MARKS else counts[:-1]
    wrong = any(c not in LINE_LENGTHS or (chars is not None and c != chars) for c in done)
    return "·".join(map(str, counts)), wrong


def english_labels(lines: list[str]) -> dict[int, str]:
    """The label of each English line (its number → "10 A"): syllables by the CMU dictionary and the rhyme
    letter within its poem (poem_spans), both from core.prosody_en, as `poetpad check` reports them.
    Chinese and empty lines get none."""
    labels: dict[int, str] = {}
    for span in poem_spans(lines):
        poem = [(number, lines[number].strip()) for number in span if language_of(lines[number]) == "en"]
        letters = scheme_letters([line for _, line in poem])
        for (number, line), letter in zip(poem, letters, strict=True):
            labels[number] = f"{scan_line(line).syllables} {letter}"
    return labels


@dataclass
class ToneMarks:
    tones: dict[int, str] = field(default_factory=dict)  # place → 平 or 仄, for a hanzi of one known tone
    rhymes: list[int] = field(default_factory=list)  # the places of the rhyme words
    faults: dict[int, list[str]] = field(default_factory=dict)  # place → "kind: sentence" of its 格律 faults


def tone_marks(poems: list[list[list[Place]]], system: str) -> ToneMarks:
    """The tones, rhyme words and 格律 faults (prosody_zh.check_gelv, under `system`) of poems given as
    verse lines of places (verse_hanzi). A fault of a whole line marks its rhyme word (a rhyme fault)
    or every hanzi of the line."""
    marks = ToneMarks()
    for poem in poems:
        for line in poem:
            for place, ch in line:
                found = tones(ch, system)
                if len(found) == 1:
                    marks.tones[place] = next(iter(found))
        if len(poem) < 2:
            continue
        report = check_gelv(["".join(ch for _, ch in line) for line in poem], system)
        marks.rhymes.extend(poem[i][-1][0] for i, rhymes in enumerate(report.rhymes) if rhymes)
        for fault in report.faults:
            line = poem[fault.line] if fault.line < len(poem) else []
            if fault.pos is not None and fault.pos < len(line):
                spots = [line[fault.pos]]
            else:
                spots = line[-1:] if fault.kind in RHYME_FAULTS else line
            for place, _ in spots:
                marks.faults.setdefault(place, []).append(f"{fault.kind}: {fault.message}")
    return marks


def form_of(text: str) -> str:
    """The form the text shows ("5x4" … or "free", verse.detect_form); "" when it holds no verse line."""
    from poetpad.core import verse

    lines = verse.split_lines(text)
    return verse.detect_form(lines) if lines else ""


class Verdicts:
    """The one verdict (verse.check_poem by the detected form: its line lengths and rhyme, under the rhyme
    system) on each poem of a document, by line number. A poem is judged again only when its text or
    the rhyme system changed, so a pause in typing judges the one poem being written."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], PoemCheck] = {}

    def judge(self, lines: list[str], system: str) -> dict[int, PoemCheck]:
        """Line number → the verdict on the poem it is in (blank lines have none). The checks returned
        are shared: read them, do not change them."""
        from poetpad.core.verse import check_poem

        known: dict[tuple[str, str], PoemCheck] = {}
        found: dict[int, PoemCheck] = {}
        for span in poem_spans(lines):
            key = ("\n".join(lines[number] for number in span), system)
            check = known.get(key) or self._known.get(key) or check_poem(key[0], system=system)
            known[key] = check
            found.update(dict.fromkeys(span, check))
        self._known = known
        return found
