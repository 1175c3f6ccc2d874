"""Files and folders → poems.

This module reads the text a user wants to train from and turns it into a list of
clean poems: it detects the encoding of each file (UTF-8, UTF-16, GB18030/GBK,
Big5), reads plain text, Markdown and chinese-poetry JSON (poetpad.core.cleaning
splits a text into poems and tidies Chinese punctuation and layout), optionally
converts traditional characters to simplified ones, drops duplicates, and computes
the figures the GUI shows before training. It also provides the deterministic
train/valid split.

Nothing here writes to disk. Every problem a user can fix is raised as a
CorpusError whose message is one sentence naming the file or folder.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from poetpad.core.cleaning import (
    clean_block,
    clean_title,
    normalize_newlines,
    parse_poems,
    prepare_text,
    squeeze_spaces,
)
from poetpad.core.text import FIXED_FORMS, count_alnum, count_cjk, gb2312_hanzi, is_cjk
from poetpad.errors import CorpusError

log = logging.getLogger(__name__)

MIN_TRAIN_CHARS = 1000  # minimum characters of poem text to train from scratch
MIN_FINETUNE_CHARS = 100  # minimum to fine-tune an existing model
# From this many characters a model trained from scratch is worth its hours (core.train.job.scratch_advice says why).
SCRATCH_RECOMMENDED_CHARS = 1_000_000
MAX_FILE_BYTES = 200 * 1024 * 1024

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSON_SUFFIXES = frozenset({".json"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
FOLDER_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES

# --------------------------------------------------------------------------- characters

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Full-width punctuation and friends, used to judge a decoding.
_CJK_PUNCT = frozenset("　、。〃〈〉《》「」『』【】〔〕〖〗〜“”‘’…—–·•￥") | frozenset(
    chr(cp) for cp in range(0xFF01, 0xFF5F)
)

# C0/C1 controls except \t \n \f: text with many of them is a binary file.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.05


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Poem:
    text: str  # verse lines joined with "\n"; no trailing newline; no blank lines inside
    title: str = ""
    author: str = ""
    source: str = ""  # file path it came from


@dataclass
class CorpusStats:
    poems: int
    lines: int
    chars: int  # characters of poem text excluding "\n"
    distinct_chars: int
    line_length_hist: dict[int, int]  # hanzi/letters per line (words for English) -> count
    form_hist: dict[str, int]  # "5x4", "7x4", "5x8", "7x8", "other"; "english"
    language: str  # "zh" or "en"

    def to_dict(self) -> dict:
        """A JSON-able copy: the integer keys of line_length_hist become strings."""
        return {
            "poems": self.poems,
            "lines": self.lines,
            "chars": self.chars,
            "distinct_chars": self.distinct_chars,
            "line_length_hist": {str(k): v for k, v in sorted(self.line_length_hist.items())},
            "form_hist": dict(sorted(self.form_hist.items())),
            "language": self.language,
        }


@dataclass
class Corpus:
    poems: list[Poem]
    files: list[str]  # files that contributed poems
    skipped: list[tuple[str, str]]  # (path, one-sentence reason) for files passed over in a folder
    sha256: str  # hex sha256 over the poem texts in order (utf-8, joined by "\n\n")
    stats: CorpusStats


# --------------------------------------------------------------------------- encodings

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SCORE_SAMPLE_CHARS = 65536
_MIN_SCORE = 0.6  # below this share of plausible characters, no decoding is trusted
_PUA_PENALTY = 5.0  # private-use characters are what a wrong GB18030 decoding produces
_RARE_HANZI_CREDIT = 0.2


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi and Big5 frequent hanzi: the characters most texts are made of."""
    chars: set[str] = set(gb2312_hanzi(level=1))
    for code in range(0xA440, 0xC67F):  # Big5 frequent: A440–C67E
        lead, trail = divmod(code, 256)
        if not (0x40 <= trail <= 0x7E or 0xA1 <= trail <= 0xFE):
            continue
        try:
            chars.add(bytes((lead, trail)).decode("big5"))
        except UnicodeDecodeError:
            pass
    return frozenset(chars)


def _plausibility(text: str) -> float:
    """Score in (-inf, 1]: the share of non-ASCII characters a real Chinese text would use."""
    common = _common_hanzi()
    score = 0.0
    seen = 0
    for ch in text[:_SCORE_SAMPLE_CHARS]:
        if ch < "\x80":
            continue
        seen += 1
        if ch in common or ch in _CJK_PUNCT:
            score += 1.0
        elif "\ue000" <= ch <= "\uf8ff":
            score -= _PUA_PENALTY
        elif is_cjk(ch):
            score += _RARE_HANZI_CREDIT
    return score / seen if seen else 1.0


def _binary_error(name: str | None) -> CorpusError:
    return CorpusError(f"{name or 'The data'} looks like a binary file, not text.")


class TruncatedTextError(CorpusError):
    """UTF-8 text whose last character is cut off (a copy or download that stopped early); `text` is
    everything before it, for a caller that can offer to open the rest."""

    def __init__(self, name: str | None, text: str):
        super().__init__(f"{name or 'The text'} ends in the middle of a character: the file looks cut short "
                         "(truncated). Everything before that last character is readable.")
        self.text = text


def _truncated_utf8(data: bytes, exc: UnicodeDecodeError) -> str | None:
    """The text before a UTF-8 character cut off at the very end of `data`, or None if that is not the fault."""
    if exc.reason != "unexpected end of data" or len(data) - exc.start > 3:
        return None
    try:
        return data[:exc.start].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _encoding_error(name: str | None) -> CorpusError:
    return CorpusError(f"Could not tell the text encoding of {name or 'the data'}; save it as UTF-8.")


def _check_controls(text: str, name: str | None) -> None:
    if not text:
        return
    controls = sum(1 for _ in _CONTROL_RE.finditer(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise _binary_error(name)


def _decode(data: bytes, name: str | None) -> tuple[str, str]:
    """(codec, text) for the bytes of one file; raises CorpusError for binary or unknown data."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise _encoding_error(name) from None
            _check_controls(text, name)
            return codec, text
    if b"\x00" in data:
        raise _binary_error(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = _truncated_utf8(data, exc)
        if head is not None and exc.start > 0:
            _check_controls(head, name)
            raise TruncatedTextError(name, head) from None
    else:
        _check_controls(text, name)
        return "utf-8", text

    best: tuple[float, str, str] | None = None
    for codec in ("gb18030", "big5", "cp950"):
        if codec == "cp950" and best is not None and best[1] == "big5":
            continue  # cp950 only matters when strict Big5 failed
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        log.debug("%s decoded as %s scores %.3f", name, codec, score)
        if best is None or score > best[0]:
            best = (score, codec, text)
    if best is None or best[0] < _MIN_SCORE:
        sample = data[:_SCORE_SAMPLE_CHARS]
        if sum(1 for _ in _CONTROL_RE.finditer(sample.decode("latin-1"))) > _MAX_CONTROL_SHARE * len(sample):
            raise _binary_error(name)
        raise _encoding_error(name)
    _check_controls(best[2], name)
    return best[1], best[2]


def detect_encoding(data: bytes, *, name: str | None = None) -> str:
    """The Python codec that decodes `data`: "utf-8-sig", "utf-8", "utf-16", "gb18030" or "big5".

    "cp950" is returned for Big5 text that uses the Windows extensions. Raises
    CorpusError for binary data or text in none of these encodings; `name` is what
    the message calls the data.
    """
    if not data:
        return "utf-8"
    return _decode(data, name)[0]


def _read_error(path: Path, exc: OSError, missing: str) -> CorpusError:
    """One sentence for an OSError while reading `path`; `missing` is said when the file is not there."""
    if isinstance(exc, FileNotFoundError):
        return CorpusError(missing)
    if isinstance(exc, PermissionError):
        return CorpusError(f"Permission was denied when reading {path}.")
    return CorpusError(f"Could not read {path}: {exc.strerror or exc}.")


def _too_large(path: Path) -> CorpusError:
    return CorpusError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into smaller files.")


def read_text(path: str | os.PathLike) -> str:
    """The decoded text of one file, newlines normalized to "\\n" and any BOM removed."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise _read_error(path, exc, f"{path} does not exist.") from None
    if path.is_dir():
        raise CorpusError(f"{path} is a folder, not a file.")
    if info.st_size > MAX_FILE_BYTES:
        raise _too_large(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _read_error(path, exc, f"{path} disappeared while it was being read.") from None
    if len(data) > MAX_FILE_BYTES:  # it grew between stat and read
        raise _too_large(path)
    if not data:
        raise CorpusError(f"{path} is empty.")
    _, text = _decode(data, str(path))
    text = normalize_newlines(text).lstrip("\ufeff")
    if not text.strip():
        raise CorpusError(f"{path} is empty.")
    return text


# --------------------------------------------------------------------------- files


@functools.cache
def _t2s() -> Callable[[str], str]:
    import opencc  # only needed when simplifying; keep it off the import path

    return opencc.OpenCC("t2s").convert


def _not_json_error(path: Path) -> CorpusError:
    return CorpusError(f'{path} is not a chinese-poetry JSON file (a list of objects with "paragraphs").')


def _json_poems(text: str, path: Path, convert: Callable[[str], str] | None) -> list[Poem]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise _not_json_error(path) from None
    items = data if isinstance(data, list) else [data]
    poems = []
    recognized = False
    for item in items:
        if not isinstance(item, dict):
            continue
        paragraphs = item.get("paragraphs", item.get("content"))
        if isinstance(paragraphs, str):
            paragraphs = [paragraphs]
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            continue
        recognized = True
        title = item.get("title") or item.get("rhythmic") or ""
        author = item.get("author") or ""
        title = title if isinstance(title, str) else ""
        author = author if isinstance(author, str) else ""
        body = "\n".join(paragraphs)
        if convert:
            body, title, author = convert(body), convert(title), convert(author)
        body = prepare_text(body)
        cleaned = clean_block(body.split("\n"), title=clean_title(title), author=author, guess_title=False)
        if cleaned:
            poem_text, poem_title, poem_author = cleaned
            poems.append(Poem(poem_text, poem_title, squeeze_spaces(poem_author), str(path)))
    if not recognized:
        raise _not_json_error(path)
    return poems


def _load_file(path: Path, convert: Callable[[str], str] | None) -> list[Poem]:
    """The poems in one file; raises CorpusError when it has none or cannot be read."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        poems = _json_poems(text, path, convert)
    else:
        if convert:
            text = convert(text)
        source = str(path)
        poems = [
            Poem(poem_text, title, author, source)
            for poem_text, title, author in parse_poems(text, markdown=suffix in MARKDOWN_SUFFIXES)
        ]
    if not poems:
        raise CorpusError(f"No poems were found in {path}.")
    return poems


def _walk(folder: Path, skipped: list[tuple[str, str]]) -> Iterator[Path]:
    """Candidate files under `folder`, sorted, hidden files and folders left out."""

    def on_error(exc: OSError) -> None:
        where = exc.filename or folder
        if Path(where) == folder:
            if isinstance(exc, PermissionError):
                raise CorpusError(f"Permission was denied when reading {folder}.") from None
            raise CorpusError(f"Could not read {folder}: {exc.strerror or exc}.") from None
        skipped.append((str(where), f"Could not read the folder {where}: {exc.strerror or exc}."))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in FOLDER_SUFFIXES:
                continue
            yield Path(root) / name


def _file_key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return os.path.abspath(path)


def _given_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str | os.PathLike]:
    """The paths `load_corpus` was given, as a list; refuses an empty one."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise CorpusError("No files or folders were given to read poems from.")
    return paths


def _no_poems_in_folder(folder: Path, passed_over: list[tuple[str, str]]) -> CorpusError:
    message = f"No .txt, .md or chinese-poetry .json files with poems were found in {folder}"
    if passed_over:
        first = passed_over[0][1].rstrip(".")
        count = len(passed_over)
        message += f" ({count} file{'s' if count != 1 else ''} passed over; first: {first})"
    return CorpusError(message + ".")


class _CorpusReader:
    """Reads the given files and folders in order: each file once, and each poem text once."""

    def __init__(self, convert: Callable[[str], str] | None):
        self.convert = convert
        self.poems: list[Poem] = []
        self.files: list[str] = []  # files that contributed poems
        self.skipped: list[tuple[str, str]] = []
        self._seen_texts: set[str] = set()
        self._seen_files: set[str] = set()
        self._loaded_files: set[str] = set()  # keys of files that gave poems, for folders that repeat them

    def read(self, given: str | os.PathLike) -> None:
        path = Path(given)
        if not os.path.lexists(path):
            raise CorpusError(f"{path} does not exist.")
        if path.is_dir():
            self._read_folder(path)
        else:
            self._read_file(path)

    def _read_file(self, path: Path) -> None:
        """A file named explicitly: its CorpusError is the caller's."""
        key = _file_key(path)
        if key in self._seen_files:
            return
        self._seen_files.add(key)
        self._add(_load_file(path, self.convert), path)
        self._loaded_files.add(key)

    def _read_folder(self, folder: Path) -> None:
        """Read every usable file under `folder`; the others go to `skipped`. Raises when none is usable."""
        skipped_before = len(self.skipped)
        usable = 0
        for file in _walk(folder, self.skipped):
            key = _file_key(file)
            if key in self._seen_files:
                usable += key in self._loaded_files
                continue
            self._seen_files.add(key)
            try:
                file_poems = _load_file(file, self.convert)
            except CorpusError as exc:
                log.info("skipping %s: %s", file, exc)
                self.skipped.append((str(file), str(exc)))
                continue
            usable += 1
            self._loaded_files.add(key)
            self._add(file_poems, file)
        if not usable:
            raise _no_poems_in_folder(folder, self.skipped[skipped_before:])

    def _add(self, file_poems: list[Poem], path: Path) -> None:
        """Keep the poems not seen before; a file counts as a source when it gave at least one."""
        added = 0
        for poem in file_poems:
            if poem.text not in self._seen_texts:
                self._seen_texts.add(poem.text)
                self.poems.append(poem)
                added += 1
        if added:
            self.files.append(str(path))


def _log_loaded(corpus: Corpus, started: float) -> None:
    log.info(
        "loaded %d poems (%d chars) from %d files in %.2f s; %d skipped",
        corpus.stats.poems,
        corpus.stats.chars,
        len(corpus.files),
        time.perf_counter() - started,
        len(corpus.skipped),
    )


def _check_min_chars(corpus: Corpus, min_chars: int) -> None:
    if corpus.stats.chars < min_chars:
        raise CorpusError(
            f"The corpus has {corpus.stats.chars} characters of poems; training needs at least {min_chars}."
        )


def load_corpus(
    paths: str | os.PathLike | Iterable[str | os.PathLike], *, simplify: bool = False, min_chars: int = 0
) -> Corpus:
    """Read files and folders into a Corpus of clean, unique poems.

    Folders are searched recursively for .txt, .md and .json files; a file in a
    folder that cannot be used is recorded in `skipped`, while a file named
    explicitly raises its CorpusError. `simplify` converts traditional characters
    to simplified ones. Raises CorpusError when the poems hold fewer than
    `min_chars` characters.
    """
    started = time.perf_counter()
    given = _given_paths(paths)
    reader = _CorpusReader(_t2s() if simplify else None)
    for path in given:
        reader.read(path)
    corpus = make_corpus(reader.poems, reader.files, reader.skipped)
    _log_loaded(corpus, started)
    _check_min_chars(corpus, min_chars)
    return corpus


def make_corpus(
    poems: Iterable[Poem], files: list[str] | None = None, skipped: list[tuple[str, str]] | None = None
) -> Corpus:
    """A Corpus of `poems` in order, exact repeats dropped, with its digest and stats."""
    unique: list[Poem] = []
    seen: set[str] = set()
    for poem in poems:
        if poem.text not in seen:
            seen.add(poem.text)
            unique.append(poem)
    digest = hashlib.sha256()
    for index, poem in enumerate(unique):
        if index:
            digest.update(b"\n\n")
        digest.update(poem.text.encode("utf-8"))
    if files is None:
        files = list(dict.fromkeys(p.source for p in unique if p.source))
    return Corpus(poems=unique, files=files, skipped=skipped or [], sha256=digest.hexdigest(),
                  stats=compute_stats(unique))


# --------------------------------------------------------------------------- splits and stats


def poem_bucket(text: str) -> int:
    """A stable bucket 0–99 for a poem text (md5, so it does not change between runs or machines)."""
    return int(hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest(), 16) % 100


def split_train_valid(poems: list[Poem], valid_percent: int = 5) -> tuple[list[Poem], list[Poem]]:
    """(train, valid): a poem is in valid when poem_bucket(poem.text) < valid_percent."""
    if not 0 <= valid_percent <= 100:
        raise CorpusError(f"The validation share must be between 0 and 100 percent, not {valid_percent}.")
    train: list[Poem] = []
    valid: list[Poem] = []
    for poem in poems:
        (valid if poem_bucket(poem.text) < valid_percent else train).append(poem)
    return train, valid


def _form(cjk_per_line: list[int]) -> str:
    """The fixed form (text.FIXED_FORMS) whose shape the poem has, or "other"."""
    sizes = set(cjk_per_line)
    form = FIXED_FORMS.get(f"{sizes.pop()}x{len(cjk_per_line)}") if len(sizes) == 1 else None
    return form.name if form else "other"


def compute_stats(poems: list[Poem]) -> CorpusStats:
    """Counts of poems, lines and characters, line lengths, forms and the main language."""
    lines = chars = cjk_total = alnum_total = 0
    distinct: set[str] = set()
    line_lengths: Counter[int] = Counter()
    forms: Counter[str] = Counter()
    for poem in poems:
        text = poem.text
        poem_lines = text.split("\n")
        lines += len(poem_lines)
        chars += len(text) - (len(poem_lines) - 1)
        distinct.update(text)
        cjk = count_cjk(text)
        alnum = count_alnum(text)
        cjk_total += cjk
        alnum_total += alnum
        if cjk > 0 and 2 * cjk >= alnum:
            alnum_per_line = [count_alnum(line) for line in poem_lines]
            line_lengths.update(alnum_per_line)
            # When every letter is a hanzi (the usual case) the hanzi counts are the same numbers.
            cjk_per_line = alnum_per_line if cjk == alnum else [count_cjk(line) for line in poem_lines]
            forms[_form(cjk_per_line)] += 1
        else:
            line_lengths.update(len(_WORD_RE.findall(line)) for line in poem_lines)
            forms["english"] += 1
    distinct.discard("\n")
    return CorpusStats(
        poems=len(poems),
        lines=lines,
        chars=chars,
        distinct_chars=len(distinct),
        line_length_hist=dict(sorted(line_lengths.items())),
        form_hist=dict(sorted(forms.items())),
        language="zh" if 2 * cjk_total >= alnum_total and cjk_total > 0 else "en",
    )
