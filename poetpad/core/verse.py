"""Checks on finished text: form, rhyme, tones, acrostic heads and copied lines.

The decoder asks this module which rhyme groups each vocabulary character belongs
to, `poetpad check` and the editor ask it to judge a whole poem. Chinese classical
forms are the quatrains and regulated verse of five or seven characters a line
(五绝 七绝 五律 七律); anything else is free verse. English poems get only the
checks that make sense for them: line count and acrostic initials.

Rhymes follow 中华新韵, whose 14 groups are defined on modern Mandarin finals, so
they are read off pypinyin's pinyin. Tones are the modern ones too (see TONE_NOTE).

A Fingerprint is a Bloom filter over the lines a model was trained on, stored in the
model file, so generated lines that repeat the training text can be flagged without
shipping the text itself.

Nothing here imports Qt or torch; pypinyin is imported on first use.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from poetpad.core.text import CLAUSE_RE, FIXED_FORMS, FREE, Form, count_alnum, hanzi, is_chinese, is_cjk, parse_form
from poetpad.errors import DecodeError, ModelFileError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pronunciation

RHYME_SYSTEMS = ("xinyun",)

TONE_NOTE = (
    "Tones are those of modern Mandarin, which has lost the classical entering tone (入声), "
    "so some characters marked 平 here, such as 国, 白 and 十, were 仄 in classical prosody."
)

PING, ZE, UNKNOWN_TONE = "平", "仄", "?"

# 中华新韵 (2005): the 14 groups, keyed by pypinyin's strict finals ("v" stands for ü).
# Strict finals spell out what the pinyin orthography hides: 有 → iou, 对 → uei,
# 论 → uen, 居 → v, 云 → vn, 月 → ve, 我 → uo, 翁 → ueng.
#
#   一麻   a ia ua                 八寒   an ian uan van
#   二波   o uo e io               九文   en in uen vn
#   三皆   ie ve ê                 十唐   ang iang uang
#   四开   ai uai                  十一庚 eng ing ueng ong iong
#   五微   ei uei                  十二齐 i v er      (i after any initial but zh ch sh r z c s)
#   六豪   ao iao                  十三支 i           (after zh ch sh r z c s: 知 吃 诗 日 资 此 思)
#   七尤   ou iou                  十四姑 u
#
# er sits in 十二齐 as in the published table. Syllables with no vowel (嗯 n/ng, 呣 m)
# belong to no group. The looser spellings (ui iu un ue ü…) map like their strict forms.
XINYUN_GROUPS = (
    "一麻", "二波", "三皆", "四开", "五微", "六豪", "七尤",
    "八寒", "九文", "十唐", "十一庚", "十二齐", "十三支", "十四姑",
)  # fmt: skip
_XINYUN_FINALS = {
    "一麻": ("a", "ia", "ua"),
    "二波": ("o", "uo", "e", "io"),
    "三皆": ("ie", "ve", "ê", "ue"),
    "四开": ("ai", "uai"),
    "五微": ("ei", "uei", "ui"),
    "六豪": ("ao", "iao"),
    "七尤": ("ou", "iou", "iu"),
    "八寒": ("an", "ian", "uan", "van"),
    "九文": ("en", "in", "uen", "un", "vn"),
    "十唐": ("ang", "iang", "uang"),
    "十一庚": ("eng", "ing", "ueng", "ong", "iong"),
    "十二齐": ("i", "v", "er"),
    "十四姑": ("u",),
}
_XINYUN_BY_FINAL = {final: group for group, finals in _XINYUN_FINALS.items() for final in finals}
_APICAL_INITIALS = frozenset({"zh", "ch", "sh", "r", "z", "c", "s"})


@dataclass(frozen=True)
class _Reading:
    initial: str  # strict pinyin initial, "" for none (y and w are not initials)
    final: str  # strict pinyin final, "v" for ü; "" for n, ng, m
    tone: int  # 1–4, or 5 for the neutral tone


def _xinyun_group(reading: _Reading) -> str | None:
    if reading.final == "i" and reading.initial in _APICAL_INITIALS:
        return "十三支"
    return _XINYUN_BY_FINAL.get(reading.final)


# A rhyme system: its group names in table order, and the group of one reading. A table
# keyed by character (平水韵) would add a second kind of entry here.
_RHYME_TABLES: dict[str, tuple[tuple[str, ...], Callable[[_Reading], str | None]]] = {
    "xinyun": (XINYUN_GROUPS, _xinyun_group),
}


def _rhyme_table(system: str) -> tuple[tuple[str, ...], Callable[[_Reading], str | None]]:
    try:
        return _RHYME_TABLES[system]
    except KeyError:
        raise DecodeError(f"Unknown rhyme system '{system}'; use one of: {', '.join(RHYME_SYSTEMS)}.") from None


_TONE3_RE = re.compile(r"^([a-zêü]+)([1-5])$")
# A reading other than a character's usual one counts when at least this many words in
# pypinyin's phrase dictionary use it: 行 háng (银行), 重 chóng (重复) and 看 kān (看守)
# do, while dictionary-only readings such as 明 mèng, 年 nìng or 春 chǔn do not. Without
# this, nearly every common character would be both 平 and 仄 and rhyme in two groups.
_MIN_PHRASES = 2
# Tone sandhi readings, not tones of their own: 一 is yī and 不 is bù.
_SANDHI = frozenset("一不")


@functools.cache
def _phrase_readings() -> dict[tuple[str, str], int] | None:
    """How many phrases use each (hanzi, marked reading); None when pypinyin has no phrase table."""
    try:
        from pypinyin.phrases_dict import phrases_dict
    except ImportError:  # pragma: no cover - every pypinyin release has it
        log.warning("pypinyin has no phrase dictionary; every reading of a character counts")
        return None
    counts: dict[tuple[str, str], int] = {}
    for phrase, syllables in phrases_dict.items():
        for ch, options in zip(phrase, syllables, strict=False):
            for option in options:
                counts[ch, option] = counts.get((ch, option), 0) + 1
    return counts


@functools.cache
def _readings(ch: str) -> tuple[_Reading, ...]:
    """The readings of one hanzi in use (see _MIN_PHRASES), the usual one first; () for non-hanzi."""
    if not is_cjk(ch):
        return ()
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_finals, to_initials, to_tone3

    found = pinyin(ch, style=Style.TONE, heteronym=True, errors="ignore")
    marked = found[0] if found else []
    counts = _phrase_readings()
    if ch in _SANDHI:
        marked = marked[:1]
    elif counts is not None:
        marked = [m for i, m in enumerate(marked) if i == 0 or counts.get((ch, m), 0) >= _MIN_PHRASES]
    readings: list[_Reading] = []
    for syllable in marked:
        match = _TONE3_RE.match(to_tone3(syllable, neutral_tone_with_five=True))
        if not match:
            continue
        bare = match.group(1).replace("ü", "v")
        reading = _Reading(to_initials(bare, strict=True), to_finals(bare, strict=True), int(match.group(2)))
        if reading not in readings:
            readings.append(reading)
    return tuple(readings)


def _toned(readings: tuple[_Reading, ...]) -> tuple[_Reading, ...]:
    """The readings with a full tone; a neutral-tone reading (家 jia) carries neither rhyme nor tone
    unless the character has nothing else."""
    toned = tuple(r for r in readings if r.tone != 5)
    return toned or readings


def pinyin_finals(ch: str) -> list[str]:
    """The strict pinyin finals ("v" for ü) of the readings of one hanzi in use, without repeats; [] for non-hanzi."""
    finals: list[str] = []
    for reading in _readings(ch):
        if reading.final and reading.final not in finals:
            finals.append(reading.final)
    return finals


@functools.cache
def _rhyme_groups_ordered(ch: str, system: str) -> tuple[str, ...]:
    """Rhyme groups of one hanzi, the group of its usual reading first."""
    _, group_of = _rhyme_table(system)
    groups: list[str] = []
    for reading in _toned(_readings(ch)):
        group = group_of(reading)
        if group and group not in groups:
            groups.append(group)
    return tuple(groups)


@functools.cache
def rhyme_groups(ch: str, system: str = "xinyun") -> frozenset[str]:
    """The rhyme groups of one hanzi (several for some polyphones); empty for non-hanzi or unknown."""
    return frozenset(_rhyme_groups_ordered(ch, system))


@functools.cache
def tones(ch: str) -> frozenset[str]:
    """{"平"}, {"仄"}, both (polyphones) or neither (non-hanzi, unknown, neutral tone only), from modern tones."""
    return frozenset(PING if r.tone in (1, 2) else ZE for r in _toned(_readings(ch)) if r.tone != 5)


def _tone_symbol(ch: str) -> str:
    found = tones(ch)
    return next(iter(found)) if len(found) == 1 else UNKNOWN_TONE


def shared_rhyme(chars: list[str], system: str = "xinyun") -> str | None:
    """A rhyme group every character belongs to, or None.

    When several qualify (polyphones), the group that is the usual reading's group for the
    most characters wins, then the one first in the table.
    """
    order, _ = _rhyme_table(system)
    if not chars:
        return None
    common = set(order)
    for ch in chars:
        common &= rhyme_groups(ch, system)
        if not common:
            return None
    primary = [_rhyme_groups_ordered(ch, system)[0] for ch in chars]
    return min(common, key=lambda group: (-primary.count(group), order.index(group)))


# --------------------------------------------------------------------------- lines and forms

_ALNUM_RE = re.compile(r"[^\W_]")
_SPACES_RE = re.compile(r"[ \t\u3000\u00a0]+")


def _split_chinese_line(line: str) -> list[str]:
    clauses: list[str] = []
    for clause in CLAUSE_RE.findall(line):
        parts = clause.split()
        # "床前明月光 疑是地上霜": spaces between whole clauses separate lines; other spaces go.
        if len(parts) > 1 and all(len(hanzi(part)) >= 3 for part in parts):
            clauses.extend(parts)
        else:
            clause = _SPACES_RE.sub("", clause) if is_chinese(clause) else clause.strip()
            if clause:
                clauses.append(clause)
    return clauses


def split_lines(text: str) -> list[str]:
    """The poem's non-empty verse lines; a Chinese line holding several clauses becomes one line per clause."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if is_chinese(line):
            lines.extend(_split_chinese_line(line))
        else:
            lines.append(_SPACES_RE.sub(" ", line))
    return lines


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
    tones: str  # one of 平 仄 ? per hanzi ("?" when a character has both tones or none)
    rhyme: frozenset[str]  # rhyme groups of the last hanzi
    head: str  # first hanzi; for a Latin line its first letter; "" if none


@dataclass
class PoemCheck:
    lines: list[LineCheck]
    form: str  # detected: "5x4", "7x4", "5x8", "7x8" or "free"
    valid: bool  # the line count and lengths fit the requested form (the detected one if none was asked for)
    problems: list[str]  # one sentence per problem: form, rhyme, acrostic and copied lines
    rhyme_group: str | None  # the group shared by the even lines' last characters
    rhymes: list[bool]  # per line: a rhyme position whose last character is in rhyme_group
    rhyme_ok: bool  # the rhyme positions share a group (always True for free verse and English)
    acrostic_ok: bool | None  # None when no heads were given
    copied_lines: list[int] = field(default_factory=list)  # 0-based indices of lines found in the fingerprint

    def to_dict(self) -> dict:
        data = asdict(self)
        for line in data["lines"]:
            line["rhyme"] = sorted(line["rhyme"])
        return data


def _check_line(text: str, chinese: bool, system: str) -> LineCheck:
    chars = hanzi(text)
    if chinese:
        head = chars[:1]
    else:
        letters = _ALNUM_RE.findall(text)
        head = letters[0] if letters else ""
    return LineCheck(
        text=text,
        chars=chars,
        length=len(chars),
        tones="".join(_tone_symbol(ch) for ch in chars) if chinese else "",
        rhyme=rhyme_groups(chars[-1], system) if chinese and chars else frozenset(),
        head=head,
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


def _rhyme_check(lines: list[LineCheck], chinese: bool, form: Form, rhyme_first_line: bool,
                 system: str) -> _RhymeCheck:
    """The even lines (2, 4, …) and, with `rhyme_first_line`, line 1 end in one rhyme group. Only
    Chinese verse of a fixed form is held to it; free verse gets its rhymes marked, never faulted."""
    marks = [False] * len(lines)
    even = list(range(1, len(lines), 2))
    positions = ([0] if rhyme_first_line else []) + even
    if not chinese or not (len(even) >= 2 or (rhyme_first_line and even)):
        return _RhymeCheck(None, marks, True, [])
    ends = {i: lines[i].chars[-1:] for i in positions}
    group = shared_rhyme([ends[i] for i in positions], system)
    if group is None and rhyme_first_line and len(even) >= 2:
        group = shared_rhyme([ends[i] for i in even], system)
    for i in positions:
        marks[i] = group is not None and group in rhyme_groups(ends[i], system)
    if not form.fixed or all(marks[i] for i in positions):
        return _RhymeCheck(group, marks, True, [])
    if group is None:
        shown = "、".join(ends[i] or "∅" for i in positions)
        problems = [f"The rhyming lines end in {shown}, which share no rhyme group."]
    else:
        problems = [f"Line {i + 1} ends in {ends[i] or 'nothing'}, which is not in {group}."
                    for i in positions if not marks[i]]
    return _RhymeCheck(group, marks, False, problems)


def _acrostic(lines: list[LineCheck], heads: str) -> list[str]:
    problems = []
    if len(heads) > len(lines):
        problems.append(f"The poem has {len(lines)} lines for {len(heads)} acrostic heads.")
    for number, (line, head) in enumerate(zip(lines, heads, strict=False), start=1):
        if line.head.casefold() != head.casefold():
            found = line.head or "nothing"
            problems.append(f"Line {number} starts with {found}, not {head}.")
    return problems


def check_poem(
    text: str,
    form: str | Form | None = None,
    heads: str | None = None,
    fingerprint: Fingerprint | None = None,
    rhyme_first_line: bool = False,
    system: str = "xinyun",
) -> PoemCheck:
    """Judge a finished poem: form, rhyme, tones per line, acrostic heads and copied lines.

    `form` is "5x4", "7x4", "5x8", "7x8", "free" or "free:N" (parsed by text.parse_form), or a
    text.Form; None checks against the detected form. `valid` covers the form only; rhyme, acrostic and copied
    lines have their own fields, and every problem found is listed in `problems`. With
    `rhyme_first_line`, line 1 is a rhyme position too (common in 七绝 and 七律).
    """
    requested = form if isinstance(form, Form) else parse_form(form)
    _rhyme_table(system)
    texts = split_lines(text)
    chinese = is_chinese("\n".join(texts))
    lines = [_check_line(line, chinese, system) for line in texts]
    detected = detect_form(texts) if chinese else FREE
    target = requested or FIXED_FORMS.get(detected) or Form(FREE)

    problems = _form_problems(lines, texts, target)
    valid = not problems
    rhyme = _rhyme_check(lines, chinese, target, rhyme_first_line, system)
    problems.extend(rhyme.problems)

    acrostic_ok = None
    clean_heads = "".join(_ALNUM_RE.findall(heads or ""))
    if clean_heads:
        acrostic = _acrostic(lines, clean_heads)
        acrostic_ok = not acrostic
        problems.extend(acrostic)

    copied = copied_lines(texts, fingerprint) if fingerprint is not None else []
    problems.extend(f"Line {i + 1} repeats a line of the training text." for i in copied)

    return PoemCheck(
        lines=lines,
        form=detected,
        valid=valid,
        problems=problems,
        rhyme_group=rhyme.group,
        rhymes=rhyme.marks,
        rhyme_ok=rhyme.ok,
        acrostic_ok=acrostic_ok,
        copied_lines=copied,
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
