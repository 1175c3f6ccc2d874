"""What a request at the cursor will do: the mode that runs, the form the text asks for, and why
a setting gives way. The window's summary line shows the plan, Ctrl+Enter and Write follow it, and
`poetpad generate` follows it when no --mode is given; the decoder infers a form by the same rule
(`infer_form`), so what the summary promises is what gets written.

Two ways to ask, one plan (`plan()`):

- **Ctrl+Enter continues the text at the cursor.** It follows the continuing modes (continue the
  line, next line, finish the poem) where they apply, and falls back where they do not: a finished
  line gets the next line, a form that does not fit the poem gives way to the poem's own, a
  complete poem has nothing to add. The one-off modes (a new poem, an acrostic) never become the
  mode of Ctrl+Enter: Ctrl+Enter continues the text instead.
- **Write does what the panel says, once**: the one-off modes write their poem; the continuing
  modes do what Ctrl+Enter does.

Torch-free and Qt-free: the window calls it as the cursor moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from poetpad.core.request_options import NEW_POEM_MODES
from poetpad.core.text import (
    CLAUSE_MARKS,
    CLOSERS,
    ENGLISH_FORMS,
    FIXED_FORMS,
    FREE,
    LINE_LENGTHS,
    Form,
    fixed_form,
    hanzi,
    is_cjk,
    language_of,
    split_lines,
)

# A line that ends in one of these is finished: "Continue the line" writes the next one instead.
LINE_DONE = frozenset(CLAUSE_MARKS + CLOSERS + "：、…—.!?;:,\"')")


@dataclass(frozen=True)
class Plan:
    """What a request at the cursor will do: the panel's settings applied to the poem at the cursor."""

    mode: str                        # the mode that runs: line, next, poem, new or acrostic
    form: str | None                 # the form asked for (None: from the text or the heads)
    shown_form: str                  # the form that will be kept, for the summary: 5x4 … or free; "" not known yet
    language: str | None             # the poem's language ("zh", "en"; None: nothing to tell by)
    reasons: tuple[str, ...] = ()    # why it differs from the panel: one_off, form_mismatch, line_finished
    panel_mode: str = "line"
    panel_form: str = "auto"
    first_line: bool = False         # nothing before the cursor: the poem's first line
    complete: bool = False           # the poem at the cursor is complete: there is nothing to add here


def verse_lines(text: str) -> list[tuple[str, bool]]:
    """The poem's verse lines (one per Chinese clause) and whether each is finished: it ends in a
    clause mark (a closing quote after it allowed), or a line break follows it. Half-width marks do
    not finish or cut a line: the decoder does not read them as clause marks either."""
    out = []
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, raw in enumerate(raw_lines):
        parts = split_lines(raw, half_width=False)
        for j, part in enumerate(parts):
            last = j == len(parts) - 1 and i == len(raw_lines) - 1
            marked = part.rstrip(CLOSERS)[-1:] in CLAUSE_MARKS
            out.append((part, marked or not last))
    return out


def infer_form(lines: Sequence[tuple[str, bool]], heads: str, language: str | None) -> Form:
    """The form when none was given (the one rule: the decoder and the plan both use it). Chinese:
    the length of the first finished line of five or seven hanzi (and nothing else but a clause
    mark after them), four lines (eight once there are more than four), or with heads one line a
    head (七言 when no line tells); else free verse."""
    heads = "".join(heads.split())
    if language != "zh":
        return Form(f"{FREE}:{len(heads)}", None, len(heads)) if heads else Form(FREE)
    chars = next((n for n in (_regular_length(text) for text, done in lines if done) if n), None)
    if heads:
        return fixed_form(chars or 7, len(heads))
    if chars is None:
        return Form(FREE)
    return fixed_form(chars, 8 if len(lines) > 4 else 4)


def _regular_length(line: str) -> int | None:
    """5 or 7 for a line of that many hanzi and nothing else but one clause mark after them (a line a
    五言 or 七言 form can take as it is); else None."""
    chars = len(hanzi(line))
    return chars if chars in LINE_LENGTHS and len(line.rstrip(CLAUSE_MARKS)) == chars >= len(line) - 1 else None


def first_line_forms(prefix: str) -> list[str]:
    """The forms a Chinese poem may still take while its first line is being written (the text is
    part of one line, all hanzi): 5x4 and 7x4, those the line still fits (five characters typed may
    be a whole 五言 line, to be closed, or the start of a 七言 one). Empty otherwise: infer_form decides."""
    line = prefix.lstrip("\r\n").rstrip(" \t\u3000")
    text = "".join(line.split())
    if not text or "\n" in line or "\r" in line or any(not is_cjk(ch) for ch in text):
        return []
    return [fixed_form(chars, 4).name for chars in sorted(LINE_LENGTHS) if len(text) <= chars]


def _fits(form: str, lines: list[tuple[str, bool]], language: str | None) -> bool:
    """Whether the poem so far can be a poem of `form`."""
    shape = FIXED_FORMS.get(form)
    if shape is None or language is None:
        return True
    if language != "zh" or len(lines) > shape.lines:
        return False
    return all(len(hanzi(text)) == shape.chars if done else len(hanzi(text)) <= shape.chars for text, done in lines)


def _one_off(mode: str, asked: str | None, heads: str, prefix: str, panel: dict) -> Plan:
    """Write's plan for a new poem or an acrostic: the text before the cursor is not continued."""
    heads = "".join(heads.split())
    language = (language_of(heads) if mode == "acrostic" else None) or language_of(prefix)
    if asked:
        shown = asked
    elif mode == "acrostic" and heads:
        shown = infer_form((), heads, language_of(heads)).name
    else:
        shown = ""
    return Plan(mode, asked, shown, language, **panel)


def plan(mode: str, form: str, heads: str, prefix: str, write: bool = False) -> Plan:
    """The plan for a request at the cursor: `mode` and `form` as the panel says ("auto" for the form),
    `prefix` the poem the cursor is in up to the cursor, `write` True for the Write button (which may
    write a new poem or an acrostic) and False for Ctrl+Enter (which continues the text)."""
    panel = {"panel_mode": mode, "panel_form": form}
    asked = None if form == "auto" else form
    if mode in NEW_POEM_MODES and write:
        return _one_off(mode, asked, heads, prefix, panel)
    reasons = []
    if mode in NEW_POEM_MODES:
        reasons.append("one_off")
        mode = "line"
    language = language_of(prefix)
    lines = verse_lines(prefix)
    if (asked in FIXED_FORMS and not _fits(asked, lines, language)) or (asked in ENGLISH_FORMS and language == "zh"):
        reasons.append("form_mismatch")
        asked = None
    if asked:
        shown = asked
    elif language is None or (language == "zh" and (not lines or first_line_forms(prefix))):
        shown = ""  # the first line tells: it is written as a 五言 and as a 七言 line
    else:
        shown = infer_form(lines, "", language).name
    shape = FIXED_FORMS.get(shown)
    complete = shape is not None and sum(done for _, done in lines) >= shape.lines
    current = prefix.rsplit("\n", 1)[-1].rstrip()
    if mode == "line" and lines and (not current or current[-1] in LINE_DONE):
        if current:
            reasons.append("line_finished")
        mode = "next"
    return Plan(mode, asked, shown, language, tuple(reasons), first_line=not lines, complete=complete, **panel)
