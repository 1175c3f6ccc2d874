"""Checks on finished text, and the one verdict on a poem: `check_poem(...).ok`.

`poetpad check`, the suggestion list (suggest.judge), the editor's gutter and the smoke test all
ask `check_poem` to judge a poem, by the full rule set: the form (line count and lengths), the
acrostic heads, the rhyme where the form rhymes, the 格律 tones under strict tones, the keywords
and, for an English metered form, the syllables and rhyme scheme. `ok` is True when the poem keeps
every rule it was given; it is what the suggestion list calls valid. Every fault found is a
sentence in `problems`, and lines copied from a model's training text are reported there without
counting against `ok`. Chinese classical forms are the quatrains and regulated verse of five or seven
characters a line (五绝 七绝 五律 七律); anything else is free verse. English poems get the checks
that make sense for them: line count and acrostic initials, and, from prosody_en (the CMU
Pronouncing Dictionary), syllables and stress per line and the rhyme scheme the lines show.

Rhymes and tones come from prosody_zh, under one of three rhyme systems: 平水韵 (the
default, classical), 中华新韵 or 中华通韵 (modern). A fixed Chinese form is also judged by the
rules of 近体诗 (prosody_zh.check_gelv): its rhyme faults count against `rhyme_ok`, its tone
faults are reported without counting against anything.

A Fingerprint is a Bloom filter over the lines a model was trained on, stored in the
model file, so generated lines that repeat the training text can be flagged without
shipping the text itself.

Nothing here imports Qt or torch; pypinyin is imported on first use of a modern rhyme system, and
the English dictionary is read on the first English check.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from poetpad.core.prosody_en import rhymes, scan_line, scheme_letters
from poetpad.core.prosody_zh import (
    DEFAULT_RHYME_SYSTEM,
    RHYME_FAULTS,
    SYSTEM_NAMES,
    TONE_FAULTS,
    TONE_NOTES,
    check_gelv,
    check_system,
    rhyme_groups,
    shared_rhyme,
    tone_symbol,
)
from poetpad.core.text import FIXED_FORMS, FREE, Form, count_alnum, hanzi, is_chinese, parse_form, split_lines
from poetpad.errors import ModelFileError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pronunciation

# Rhyme groups and tones live in prosody_zh (the names imported above are re-exported for the modules
# and tests that have always taken them from here).


def tone_note(system: str) -> str:
    """The sentence on where the tones of `system` come from, as `poetpad check` prints it."""
    return TONE_NOTES[check_system(system)]


# --------------------------------------------------------------------------- lines and forms

_ALNUM_RE = re.compile(r"[^\W_]")


def detect_form(lines: list[str]) -> str:
    """The form: "5x4", "7x4", "5x8" or "7x8" when every line has that many hanzi and nothing else; otherwise "free"."""
    for form in FIXED_FORMS.values():
        if len(lines) == form.lines and all(_line_fits(line, form.chars) for line in lines):
            return form.name
    return FREE


def _line_fits(line: str, length: int) -> bool:
    return len(hanzi(line)) == length and count_alnum(line) == length


# --------------------------------------------------------------------------- poem check


@dataclass
class LineCheck:
    text: str  # the line as given
    chars: str  # hanzi only
    length: int  # number of hanzi
    tones: str  # per hanzi: 平, 仄, "?" (both tones) or "·" (none known), under the poem's rhyme system
    rhyme: frozenset[str]  # every rhyme group of the last hanzi
    head: str  # first hanzi; for a Latin line its first letter; "" if none
    syllables: int | None = None  # English: by the CMU dictionary's first pronunciations (prosody_en); else None
    stress: str = ""  # English: one digit per syllable, 0 unstressed, 1 primary, 2 secondary stress
    unknown: list[str] = field(default_factory=list)  # English: words the dictionary lacks (their syllables estimated)


@dataclass
class PoemCheck:
    lines: list[LineCheck]
    form: str  # detected: "5x4", "7x4", "5x8", "7x8" or "free"
    ok: bool  # the verdict: the poem keeps every rule it was judged by (see check_poem)
    form_ok: bool  # the line count and lengths fit the requested form (the detected one if none was asked for)
    problems: list[str]  # one sentence per problem: form, rhyme, acrostic, copied lines, meter, keywords
    rhyme_group: str | None  # the poem's rhyme group (a fixed form: the one most rhyme words are in)
    rhymes: list[bool]  # per line: a rhyme position whose last character is in rhyme_group
    rhyme_ok: bool  # no 出韵, 韵脚非平 or 重韵 (always True for free verse and English)
    acrostic_ok: bool | None  # None when no heads were given
    copied_lines: list[int] = field(default_factory=list)  # 0-based indices of lines found in the fingerprint
    faults: list[dict] = field(default_factory=list)  # 格律 faults of a fixed Chinese form: kind, line, pos, message
    template: str | None = None  # the 格律 template the poem fits best (平起首句入韵 …), None if not 5 or 7 a line
    rhyme_system: str = DEFAULT_RHYME_SYSTEM
    scheme: str | None = None  # English: the rhyme letters the lines show (prosody_en.scheme_letters); else None

    def to_dict(self) -> dict:
        data = asdict(self)
        for line in data["lines"]:
            line["rhyme"] = sorted(line["rhyme"])
        return data


def _check_line(text: str, chinese: bool, system: str) -> LineCheck:
    chars = hanzi(text)
    scan = None
    if chinese:
        head = chars[:1]
    else:
        letters = _ALNUM_RE.findall(text)
        head = letters[0] if letters else ""
        scan = scan_line(text)
    return LineCheck(
        text=text,
        chars=chars,
        length=len(chars),
        tones="".join(tone_symbol(ch, system) for ch in chars) if chinese else "",
        rhyme=rhyme_groups(chars[-1], system) if chinese and chars else frozenset(),
        head=head,
        syllables=scan.syllables if scan else None,
        stress=scan.stress if scan else "",
        unknown=scan.unknown if scan else [],
    )


def _form_problems(lines: list[LineCheck], texts: list[str], form: Form) -> list[str]:
    """The ways the lines break `form`: line count, line lengths, stray letters or digits."""
    name = form.label()
    if not lines:
        return ["The poem is empty."]
    problems = []
    if form.lines is not None and len(lines) != form.lines:
        problems.append(f"The poem has {len(lines)} lines; {name} needs {form.lines}.")
    if form.chars is not None:
        length = form.chars
        for number, (line, text) in enumerate(zip(lines, texts, strict=True), start=1):
            if line.length != length:
                problems.append(f"Line {number} has {line.length} characters; {name} needs {length}.")
            elif count_alnum(text) != length:
                problems.append(f"Line {number} holds letters or digits besides its {length} characters.")
    return problems


@dataclass
class _RhymeCheck:
    group: str | None
    marks: list[bool]  # per line: a rhyme position whose last character is in `group`
    ok: bool
    problems: list[str]
    faults: list[dict] = field(default_factory=list)
    template: str | None = None


def _free_rhymes(lines: list[LineCheck], rhyme_first_line: bool, system: str) -> _RhymeCheck:
    """Free verse gets the rhymes of its even lines (and line 1 with `rhyme_first_line`) marked, in any
    group of any tone, and is never faulted."""
    marks = [False] * len(lines)
    even = list(range(1, len(lines), 2))
    positions = ([0] if rhyme_first_line else []) + even
    if not (len(even) >= 2 or (rhyme_first_line and even)):
        return _RhymeCheck(None, marks, True, [])
    ends = {i: lines[i].chars[-1:] for i in positions}
    group = shared_rhyme([ends[i] for i in positions], system, level_only=False)
    if group is None and rhyme_first_line and len(even) >= 2:
        group = shared_rhyme([ends[i] for i in even], system, level_only=False)
    for i in positions:
        marks[i] = group is not None and group in rhyme_groups(ends[i], system)
    return _RhymeCheck(group, marks, True, [])


def _fixed_rhymes(lines: list[LineCheck], texts: list[str], rhyme_first_line: bool, system: str) -> _RhymeCheck:
    """A fixed form is judged as 近体诗 (prosody_zh.check_gelv): level-tone rhymes on the even lines,
    and on line 1 when asked for (or when it shares the group anyway). Rhyme faults are problems."""
    report = check_gelv(texts, system, True if rhyme_first_line else None)
    faults = [asdict(fault) for fault in report.faults]
    problems = [f["message"] for f in faults if f["kind"] in RHYME_FAULTS]
    positions = ([0] if rhyme_first_line or report.rhymes[:1] == [True] else []) + list(range(1, len(lines), 2))
    if report.rhyme_group is None and not problems and any(lines[i].chars for i in positions):
        # Every rhyme word is a character the system does not know: nothing rhymes for sure.
        shown = "、".join(lines[i].chars[-1:] or "∅" for i in positions)
        problems.append(f"The rhyming lines end in {shown}, which {SYSTEM_NAMES[system]} does not list.")
    return _RhymeCheck(report.rhyme_group, report.rhymes, not problems, problems, faults, report.template)


def _acrostic(lines: list[LineCheck], heads: str) -> list[str]:
    problems = []
    if len(heads) > len(lines):
        problems.append(f"The poem has {len(lines)} lines for {len(heads)} acrostic heads.")
    for number, (line, head) in enumerate(zip(lines, heads, strict=False), start=1):
        if line.head.casefold() != head.casefold():
            found = line.head or "nothing"
            problems.append(f"Line {number} starts with {found}, not {head}.")
    return problems


def _meter_problems(lines: list[str], form: Form) -> list[str]:
    """The lines of an English metered poem whose syllables miss the budget (by the CMU dictionary, an
    estimate for a word it lacks), and the rhyme pairs of the scheme that do not rhyme."""
    problems = []
    scans = [scan_line(line) for line in lines]
    for i, scan in enumerate(scans):
        least, most = form.budget(i)
        if not least <= scan.syllables <= most:
            problems.append(f"Line {i + 1} has {scan.syllables} syllables; {form.name} needs {least}"
                            f"{f'–{most}' if most > least else ''}.")
    for i, scan in enumerate(scans):
        letter = form.letter(i)
        partner = next((j for j in range(i) if letter and form.letter(j) == letter), None)
        if partner is not None and scans[partner].words and scan.words \
                and not rhymes(scans[partner].words[-1], scan.words[-1]):
            problems.append(f"Line {i + 1} ends on '{scan.words[-1]}', which does not rhyme with "
                            f"'{scans[partner].words[-1]}' (line {partner + 1}).")
    return problems


def _missing_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    missing = [word for word in keywords if word not in text]
    if not missing:
        return []
    many = len(missing) > 1
    return [f"The keyword{'s' if many else ''} {'、'.join(missing)} {'are' if many else 'is'} missing."]


def _tones_broken(faults: list[dict], relaxed: Collection[tuple[int, int]]) -> bool:
    """A 格律 tone fault (孤平, 三平尾, 失粘, 失对, an off-pattern key position) away from the relaxed places."""
    return any(f["kind"] in TONE_FAULTS and (f["line"], f["pos"]) not in relaxed for f in faults)


def _rhymes(lines: list[LineCheck], texts: list[str], chinese: bool, target: Form, rhyme_first_line: bool,
            system: str) -> _RhymeCheck:
    if not chinese or not lines:
        return _RhymeCheck(None, [False] * len(lines), True, [])
    if target.fixed:
        return _fixed_rhymes(lines, texts, rhyme_first_line, system)
    return _free_rhymes(lines, rhyme_first_line, system)


def check_poem(
    text: str,
    form: str | Form | None = None,
    heads: str | None = None,
    fingerprint: Fingerprint | None = None,
    rhyme_first_line: bool = False,
    system: str = DEFAULT_RHYME_SYSTEM,
    *,
    keywords: Iterable[str] = (),
    rhyme: bool = True,
    tone_mode: str = "basic",
    complete: bool = True,
    relaxed: Collection[tuple[int, int]] = (),
) -> PoemCheck:
    """Judge a poem by the full rule set; `ok` is the one verdict, the suggestion list's "valid".

    `form` is "5x4", "7x4", "5x8", "7x8", "free", "free:N", "sonnet" … (text.parse_form), or a
    text.Form; None judges by the detected form. `system` is the rhyme system (prosody_zh). The poem
    is ok when it keeps the form's line lengths and count (`form_ok`), starts its lines with `heads`,
    rhymes where the form rhymes (`rhyme_ok`, when `rhyme` is asked for), holds every one of
    `keywords`, keeps an English metered form's syllables and rhyme scheme, and, with `tone_mode`
    "strict", has no 格律 tone fault but at the `relaxed` (line, position) places. A poem not yet
    `complete` is judged by the lines it has: any line count, the heads of those lines.
    With `rhyme_first_line`, line 1 must rhyme too; without it, line 1 of a fixed form counts as rhymed
    when it shares the group. A fixed Chinese form gets its 格律 `faults` and `template`; an English
    poem its `syllables`, `stress` and `unknown` per line and its rhyme `scheme`, reported, not judged
    unless its form is metered. Copied lines are reported, and do not count against `ok`.
    """
    requested = form if isinstance(form, Form) else parse_form(form)
    check_system(system)
    texts = split_lines(text)
    heads = heads or ""
    if requested is not None and not complete:  # a poem being written: the lines so far
        requested = Form(requested.name, requested.chars, None)
        heads = "".join(heads.split())[: len(texts)]
    chinese = is_chinese("\n".join(texts))
    lines = [_check_line(line, chinese, system) for line in texts]
    detected = detect_form(texts) if chinese else FREE
    target = requested or FIXED_FORMS.get(detected) or Form(FREE)

    problems = _form_problems(lines, texts, target)
    form_ok = not problems
    rhyme_check = _rhymes(lines, texts, chinese, target, rhyme_first_line, system)
    clean_heads = "".join(_ALNUM_RE.findall(heads))
    acrostic = _acrostic(lines, clean_heads) if clean_heads else []
    copied = copied_lines(texts, fingerprint) if fingerprint is not None else []
    meter = _meter_problems(texts, target) if target.metered else []
    missing = _missing_keywords(text, keywords)
    problems += [*rhyme_check.problems, *acrostic, *(f"Line {i + 1} repeats a line of the training text."
                                                     for i in copied), *meter, *missing]
    ok = form_ok and not acrostic and (rhyme_check.ok or not rhyme) and not meter and not missing
    if ok and tone_mode == "strict" and target.fixed:
        ok = not _tones_broken(rhyme_check.faults, relaxed)
    return PoemCheck(
        lines=lines, form=detected, ok=ok, form_ok=form_ok, problems=problems, rhyme_group=rhyme_check.group,
        rhymes=rhyme_check.marks, rhyme_ok=rhyme_check.ok, acrostic_ok=not acrostic if clean_heads else None,
        copied_lines=copied, faults=rhyme_check.faults, template=rhyme_check.template, rhyme_system=system,
        scheme=None if chinese else scheme_letters(texts),
    )


# --------------------------------------------------------------------------- copied lines

_FINGERPRINT_KIND = "bloom"
_FINGERPRINT_VERSION = 1
_MIN_LINE_CHARS = 4
_MIN_BITS = 64
_MAX_BITS = 2**32
_MAX_HASHES = 32
_DROP_RE = re.compile(r"[\W_]+")


def _normalize(line: str) -> str:
    """Letters, digits and hanzi only, lowercased; "" when fewer than 4 are left."""
    kept = _DROP_RE.sub("", unicodedata.normalize("NFKC", line)).lower()
    return kept if len(kept) >= _MIN_LINE_CHARS else ""


def _digest(norm: str) -> bytes:
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=16).digest()


def _bit_indices(digests: bytes, bits: int, hashes: int) -> np.ndarray:
    """(lines, hashes) bit positions by double hashing: (h1 + i·h2) mod m, h2 never 0."""
    halves = np.frombuffer(digests, dtype="<u8").reshape(-1, 2)
    h1 = halves[:, 0] % np.uint64(bits)
    h2 = halves[:, 1] % np.uint64(bits - 1) + np.uint64(1)
    steps = np.arange(hashes, dtype=np.uint64)
    # h1, h2 < 2**32 and i < 32, so nothing overflows before the modulo.
    return (h1[:, None] + steps[None, :] * h2[:, None]) % np.uint64(bits)


class Fingerprint:
    """A Bloom filter over normalized training lines: no false negatives, rare false positives."""

    __slots__ = ("_bits", "_hashes", "_lines", "_data")

    def __init__(self, bits: int, hashes: int, lines: int, data: np.ndarray) -> None:
        self._bits = bits
        self._hashes = hashes
        self._lines = lines
        self._data = data  # uint8, bit i is (data[i >> 3] >> (i & 7)) & 1

    @classmethod
    def build(cls, lines: Iterable[str], fp_rate: float = 0.001) -> Fingerprint:
        """A filter sized for the distinct lines given (lines shorter than 4 letters are skipped)."""
        if not 0.0 < fp_rate < 1.0:
            raise ValueError("fp_rate must be between 0 and 1")
        normalize = _normalize
        distinct = {normalize(line) for line in lines}
        distinct.discard("")
        n = len(distinct)
        bits = max(_MIN_BITS, math.ceil(-n * math.log(fp_rate) / math.log(2) ** 2))
        if bits > _MAX_BITS:
            raise ValueError(f"too many lines for one fingerprint: {n}")
        hashes = min(_MAX_HASHES, max(1, round(bits / max(n, 1) * math.log(2))))
        flags = np.zeros(bits, dtype=bool)
        if n:
            digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=16).digest() for s in distinct)
            flags[_bit_indices(digests, bits, hashes).ravel()] = True
        return cls(bits, hashes, n, np.packbits(flags, bitorder="little"))

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str):
            return False
        norm = _normalize(line)
        if not norm or not self._lines:
            return False
        digest = _digest(norm)
        bits = self._bits
        h1 = int.from_bytes(digest[:8], "little") % bits
        h2 = int.from_bytes(digest[8:], "little") % (bits - 1) + 1
        data = self._data
        for i in range(self._hashes):
            position = (h1 + i * h2) % bits
            if not (data[position >> 3] >> (position & 7)) & 1:
                return False
        return True

    def __len__(self) -> int:
        return self._lines

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return (self._bits, self._hashes, self._lines) == (other._bits, other._hashes, other._lines) and bool(
            np.array_equal(self._data, other._data)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Fingerprint(lines={self._lines}, bits={self._bits}, hashes={self._hashes})"

    def to_dict(self) -> dict:
        return {
            "kind": _FINGERPRINT_KIND,
            "version": _FINGERPRINT_VERSION,
            "bits": self._bits,
            "hashes": self._hashes,
            "lines": self._lines,
            "data": base64.b64encode(self._data.tobytes()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: object) -> Fingerprint:
        """The fingerprint stored in a model file; ModelFileError when anything about it is off."""

        def bad(why: str) -> ModelFileError:
            return ModelFileError(f"The model's copied-line fingerprint is damaged: {why}.")

        if not isinstance(data, dict):
            raise bad("it is not a JSON object")
        if data.get("kind") != _FINGERPRINT_KIND:
            raise bad(f"its kind is {data.get('kind')!r}, not '{_FINGERPRINT_KIND}'")
        if data.get("version") != _FINGERPRINT_VERSION or isinstance(data.get("version"), bool):
            raise bad(f"version {data.get('version')!r} is not supported")
        values = {}
        for key, low, high in (("bits", _MIN_BITS, _MAX_BITS), ("hashes", 1, _MAX_HASHES), ("lines", 0, _MAX_BITS)):
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise bad(f"'{key}' must be a whole number from {low} to {high}")
            values[key] = value
        encoded = data.get("data")
        if not isinstance(encoded, str):
            raise bad("'data' is not text")
        try:
            raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise bad("'data' is not valid base64") from None
        if len(raw) != (values["bits"] + 7) // 8:
            raise bad(f"'data' holds {len(raw)} bytes where {values['bits']} bits need {(values['bits'] + 7) // 8}")
        return cls(values["bits"], values["hashes"], values["lines"], np.frombuffer(raw, dtype=np.uint8).copy())


def copied_lines(lines: list[str], fp: Fingerprint) -> list[int]:
    """0-based indices of the lines found in the fingerprint (lines under 4 letters never count)."""
    return [i for i, line in enumerate(lines) if line in fp]
