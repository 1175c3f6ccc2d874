"""The ground floor: facts about text that every layer shares, each written once.

- Character classes: what a CJK ideograph is (`is_cjk`, `CJK_CLASS`), counting them, and
  whether a text is Chinese (`is_chinese`, `language_of`: the one language rule, for a line
  as for a poem).
- Words: `WORD_PATTERN`, the one rule for an English word (letters, with apostrophes inside).
- Clauses: the clause marks, the closing quotes that stay with them, `CLAUSE_RE`, the
  pattern that cuts a Chinese line into clauses, and `clause_spans`, the verse lines a line
  of text holds (one clause is one verse line).
- Forms: the one table of verse forms (五绝 七绝 五律 七律), free verse, and `parse_form`,
  the only parser of form names ("5x4", "free", "free:6").

corpus, vocab, forms (the decoding constraints), verse (the checks), the CLI and the GUI
all take these from here. Nothing here imports torch, Qt or any other PoetPad module but
errors, so every layer can stand on it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from poetpad.errors import DecodeError

# --------------------------------------------------------------------------- characters

# CJK unified ideographs: the main block, extension A, the compatibility ideographs, and the
# supplementary-plane extensions (B to H and the compatibility supplement) that rare characters
# in classical texts come from.
CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x323AF))
CJK_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES)  # for a regex [...] class
CJK_RE = re.compile(f"[{CJK_CLASS}]")
_CJK_RUN_RE = re.compile(f"[{CJK_CLASS}]+")
_ALNUM_RUN_RE = re.compile(r"[^\W_]+")  # letters and digits, CJK included


def is_cjk(ch: str) -> bool:
    """True for one CJK unified ideograph (main block, extensions A to H, compatibility ideographs)."""
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return any(low <= cp <= high for low, high in CJK_RANGES)


@functools.cache
def gb2312_hanzi(level: int = 2) -> str:
    """The hanzi of GB2312 in code order: level 1 (3,755, the common ones) or levels 1 and 2 (all 6,763),
    the characters people type in simplified Chinese."""
    chars = []
    for lead in range(0xB0, 0xD8 if level == 1 else 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


@functools.cache
def _gb2312_set() -> frozenset[str]:
    return frozenset(gb2312_hanzi())


def is_standard_hanzi(ch: str) -> bool:
    """Is `ch` one of GB2312's 6,763 hanzi: a character of standard simplified text, not a traditional
    form or a variant (髪 for 发) that OpenCC's conversion leaves in a corpus?"""
    return ch in _gb2312_set()


def count_cjk(text: str) -> int:
    """How many CJK ideographs `text` holds."""
    return sum(map(len, _CJK_RUN_RE.findall(text)))


def count_alnum(text: str) -> int:
    """How many letters and digits `text` holds, CJK ideographs included."""
    return sum(map(len, _ALNUM_RUN_RE.findall(text)))


def hanzi(text: str) -> str:
    """The CJK ideographs of `text`, in order."""
    return "".join(ch for ch in text if is_cjk(ch))


def is_chinese(text: str) -> bool:
    """Chinese when at least half of the letters and digits are CJK ideographs."""
    cjk = count_cjk(text)
    return cjk > 0 and 2 * cjk >= count_alnum(text)


def language_of(text: str) -> str | None:
    """'zh' for Chinese text, 'en' for other text with letters, None when there is nothing to tell by.

    The one language rule: a text is in the language most of it is in. It is Chinese when at
    least half of its letters and digits are hanzi, so `I love 春` is English and `春风 ok` is
    Chinese. It holds for a line as for a poem: the editor's gutter asks it of each line, and
    `poetpad check`, the model choice of the CLI and the window ask it of the poem.
    """
    if is_chinese(text):
        return "zh"
    if any(ch.isalpha() for ch in text):
        return "en"
    return None


# --------------------------------------------------------------------------- words

# An English word: a run of letters, with apostrophes inside it ("summer's", "o'er", "it’s"); digits and
# "_" are not part of a word. The gutter counts words by it, and the tokenizer and rerank build on it.
WORD_PATTERN = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
WORD_RE = re.compile(WORD_PATTERN)


def count_words(text: str) -> int:
    """How many English words (WORD_PATTERN) `text` holds."""
    return sum(1 for _ in WORD_RE.finditer(text))


# --------------------------------------------------------------------------- clauses

CLAUSE_MARKS = "，。！？；"
CLOSERS = "”’」』）》"  # closing quotes and brackets stay with the clause mark they follow
# A clause: text up to and including a run of clause marks (and any closing quote after them),
# or the text left at the end of a line.
CLAUSE_RE = re.compile(f"[^{CLAUSE_MARKS}]*[{CLAUSE_MARKS}]+[{CLOSERS}]*|[^{CLAUSE_MARKS}]+")
_HALF_WIDTH_MARKS = str.maketrans(",.!?;", CLAUSE_MARKS)
_NON_SPACE_RE = re.compile(r"\S+")


def full_width_marks(line: str) -> str:
    """A Chinese line with its half-width clause marks (,.!?;) made full-width, character for
    character, so the offsets of the result are those of `line`. Other text is returned as it is."""
    return line.translate(_HALF_WIDTH_MARKS) if is_chinese(line) else line


def clause_spans(line: str, chinese: bool | None = None, half_width: bool = True) -> list[tuple[int, int]]:
    """The verse lines one line of text holds, as (start, end) offsets into it.

    A Chinese line is cut into clauses at its clause marks, half-width ones included ("床前明月光,疑是
    地上霜." holds two), and at spaces between whole clauses of three hanzi or more ("床前明月光 疑是地
    上霜"); each clause is a verse line. Any other line is one verse line, itself. `chinese` says
    whether the line is Chinese when the caller knows (None: is_chinese tells). With `half_width` False
    only full-width marks cut, as the decoder reads a prefix. Spans may hold nothing but spaces; callers
    skip those."""
    if not (is_chinese(line) if chinese is None else chinese):
        return [(0, len(line))]
    spans = []
    for match in CLAUSE_RE.finditer(line.translate(_HALF_WIDTH_MARKS) if half_width else line):
        clause = match.group(0)
        if len(clause.split()) > 1:
            start = match.start()
            parts = [(start + part.start(), start + part.end()) for part in _NON_SPACE_RE.finditer(clause)]
            if all(count_cjk(line[a:b]) >= 3 for a, b in parts):
                spans.extend(parts)
                continue
        spans.append(match.span())
    return spans


_SPACES_RE = re.compile(r"[ \t\u3000\u00a0]+")


def split_lines(text: str, half_width: bool = True) -> list[str]:
    """The poem's non-empty verse lines: a Chinese line holding several clauses becomes one line per clause
    (clause_spans; `half_width` as there), without its spaces; any other line is kept, its runs of spaces
    made one."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not is_chinese(line):
            lines.append(_SPACES_RE.sub(" ", line))
            continue
        for start, end in clause_spans(line, chinese=True, half_width=half_width):
            clause = line[start:end]
            clause = _SPACES_RE.sub("", clause) if is_chinese(clause) else clause.strip()
            if clause:
                lines.append(clause)
    return lines


# --------------------------------------------------------------------------- forms

FREE = "free"
MAX_FREE_LINES = 200
FORM_CHOICES = ("5x4", "7x4", "5x8", "7x8", "sonnet", "quatrain", "couplet", "couplets:N", "blank", "blank:N",
                "limerick", "free", "free:N")
_FREE_RE = re.compile(r"^free(?::(\d+))?$")
_COUNTED_RE = re.compile(r"^(couplets|blank):(\d+)$")
PENTAMETER = (10, 11)  # ten syllables, or eleven when the last is unstressed (a feminine ending)


@dataclass(frozen=True)
class Form:
    """A verse form: `chars` hanzi per line (None: free length) and `lines` lines (None: any number).

    A fixed form's odd lines end in `odd_punct` and its even lines in `even_punct`.
    """

    name: str
    chars: int | None = None
    lines: int | None = None
    short_name: str = field(default="", compare=False)  # 五绝; "" for free verse and unnamed shapes
    long_name: str = field(default="", compare=False)   # 五言绝句
    odd_punct: frozenset[str] = frozenset("，")  # after lines 1, 3, 5, …
    even_punct: frozenset[str] = frozenset("。")  # after lines 2, 4, 6, …
    # English metered forms: the syllables of every line, (least, most): the most is one more for a
    # feminine ending (its last syllable unstressed) unless `any_stress`; a form whose lines differ
    # (the limerick) lists them in `line_syllables`. `scheme`: a rhyme letter per line ("" or "x":
    # unrhymed), e.g. ABABCDCDEFEFGG.
    syllables: tuple[int, int] | None = None
    line_syllables: tuple[tuple[int, int], ...] = ()
    any_stress: bool = False
    scheme: str = ""

    @property
    def fixed(self) -> bool:
        return self.chars is not None

    @property
    def metered(self) -> bool:
        """An English form with a syllable budget per line."""
        return self.syllables is not None or bool(self.line_syllables)

    def budget(self, line: int) -> tuple[int, int]:
        """(least, most) syllables of 0-based line `line` of a metered form."""
        if self.line_syllables:
            return self.line_syllables[line % len(self.line_syllables)]
        return self.syllables or (0, 0)

    def letter(self, line: int) -> str:
        """The rhyme letter of 0-based line `line` ("" when it rhymes with nothing)."""
        letter = self.scheme[line] if line < len(self.scheme) else ""
        return "" if letter in ("x", "X", "-") else letter
    def punct(self, line: int) -> frozenset[str]:
        """The marks that may close 0-based line `line`."""
        return self.odd_punct if line % 2 == 0 else self.even_punct

    def label(self) -> str:
        """The name a reader knows: 五绝 for the fixed forms, else the form's own name."""
        return self.short_name or self.name

    def title(self) -> str:
        """The full name with the shape, as menus show it: 五言绝句 (5×4); else the form's own name."""
        return f"{self.long_name} ({self.chars}×{self.lines})" if self.long_name else self.name


# The one table of fixed forms, in the order they are offered.
FIXED_FORMS: dict[str, Form] = {
    form.name: form
    for form in (
        Form("5x4", 5, 4, "五绝", "五言绝句"),
        Form("7x4", 7, 4, "七绝", "七言绝句"),
        Form("5x8", 5, 8, "五律", "五言律诗"),
        Form("7x8", 7, 8, "七律", "七言律诗"),
    )
}
LINE_LENGTHS = frozenset(form.chars for form in FIXED_FORMS.values())  # 5 and 7

# The one table of English metered forms (docs/verse-rules.md, "Rhyme schemes"): iambic pentameter unless
# said otherwise.
ENGLISH_FORMS: dict[str, Form] = {
    form.name: form
    for form in (
        Form("sonnet", None, 14, long_name="Shakespearean sonnet", syllables=PENTAMETER, scheme="ABABCDCDEFEFGG"),
        Form("quatrain", None, 4, long_name="Quatrain", syllables=PENTAMETER, scheme="ABAB"),
        Form("couplet", None, 2, long_name="Couplet", syllables=PENTAMETER, scheme="AA"),
        Form("blank", None, None, long_name="Blank verse", syllables=PENTAMETER),
        Form("limerick", None, 5, long_name="Limerick", line_syllables=((8, 9), (8, 9), (5, 6), (5, 6), (8, 9)),
             any_stress=True, scheme="AABBA"),
    )
}


def couplet_scheme(lines: int) -> str:
    """AABBCC… for `lines` lines."""
    return "".join(chr(ord("A") + i // 2) for i in range(lines))


def with_meter(form: Form, syllables: int | None = None, scheme: str | None = None) -> Form:
    """`form` with every line's syllables set to `syllables` (one more allowed for a feminine ending)
    and/or its rhyme scheme replaced (letters, x for an unrhymed line); DecodeError when they do not fit."""
    from dataclasses import replace

    if syllables is not None:
        if not 1 <= syllables <= 24:
            raise DecodeError(f"A line's syllables must be between 1 and 24, not {syllables}.")
        form = replace(form, syllables=(syllables, syllables + 1), line_syllables=(), any_stress=False)
    if scheme is not None:
        letters = "".join(scheme.split())
        if not letters or not all(ch.isalpha() or ch == "-" for ch in letters):
            raise DecodeError(f"'{scheme}' is not a rhyme scheme; write one letter a line, such as ABAB (x: no rhyme).")
        if form.lines is not None and len(letters) != form.lines:
            raise DecodeError(f"The rhyme scheme {letters} has {len(letters)} letters but the form {form.name} has "
                              f"{form.lines} lines.")
        form = replace(form, scheme=letters.upper().replace("X", "x"), lines=form.lines or len(letters))
    return form


def parse_form(text: str | None) -> Form | None:
    """'5x4', '7x8', 'free', 'free:6' → Form; None or '' → None (the caller decides from the text)."""
    if text is None or not str(text).strip():
        return None
    name = str(text).strip().lower()
    if name in FIXED_FORMS:
        return FIXED_FORMS[name]
    if name in ENGLISH_FORMS:
        return ENGLISH_FORMS[name]
    counted = _COUNTED_RE.match(name)
    if counted:
        kind, n = counted.group(1), int(counted.group(2))
        if not 1 <= n <= MAX_FREE_LINES or (kind == "couplets" and n % 2):
            raise DecodeError(f"{kind}:N takes an {'even ' if kind == 'couplets' else ''}number of lines "
                              f"from {2 if kind == 'couplets' else 1} to {MAX_FREE_LINES}, not {n}.")
        base = ENGLISH_FORMS["couplet" if kind == "couplets" else "blank"]
        from dataclasses import replace

        return replace(base, name=name, lines=n, scheme=couplet_scheme(n) if kind == "couplets" else "")
    match = _FREE_RE.match(name)
    if match:
        n = int(match.group(1)) if match.group(1) else None
        if n is not None and not 1 <= n <= MAX_FREE_LINES:
            raise DecodeError(f"A free form's line count must be between 1 and {MAX_FREE_LINES}, not {n}.")
        return Form(name, None, n)
    raise DecodeError(f"Unknown form '{name}'; use one of: {', '.join(FORM_CHOICES)}.")


def fixed_form(chars: int, lines: int) -> Form:
    """`lines` lines of `chars` hanzi: the table's form (五绝 …) when there is one, else an unnamed
    form of that shape (an acrostic of three heads writes three lines)."""
    return FIXED_FORMS.get(f"{chars}x{lines}") or Form(f"{chars}x{lines}", chars, lines)
