"""Tiny corpora and models made inside the tests (no shared data, no downloads)."""

from __future__ import annotations

import random
from pathlib import Path

# The smallest model the trainer builds, as TrainJob options; TINY_ARGS says the same to `poetpad train`.
TINY = dict(preset="seed", embedding=16, hidden=32, layers=1, dropout=0.0)
TINY_ARGS = [arg for key, value in TINY.items() for arg in (f"--{key}", str(value))]

CHARS = "春风花月夜江山水云天秋雨雪鸟归人家明落寒深红白青长流远高清孤飞日光"


def chinese_quatrains(n: int = 60, seed: int = 0, width: int = 5) -> list[str]:
    """`n` random 4-line poems of `width` characters each, lines ending in ，/。 alternately."""
    rng = random.Random(seed)
    poems = []
    for _ in range(n):
        lines = ["".join(rng.choice(CHARS) for _ in range(width)) + ("，" if i % 2 == 0 else "。")
                 for i in range(4)]
        poems.append("\n".join(lines))
    return poems


def write_chinese_corpus(folder: Path, n: int = 60, seed: int = 0) -> Path:
    """A file with one poem per line, the common Chinese layout."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "poems.txt"
    path.write_text("\n".join(p.replace("\n", "") for p in chinese_quatrains(n, seed)) + "\n", encoding="utf-8")
    return path


WORDS = "the moon and sea of night light wind over silver rose my love sweet summer day".split()


def write_english_corpus(folder: Path, n: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    poems = []
    for _ in range(n):
        poems.append("\n".join(" ".join(rng.choice(WORDS) for _ in range(6)).capitalize() for _ in range(4)))
    path = folder / "verse.txt"
    path.write_text("\n\n".join(poems) + "\n", encoding="utf-8")
    return path
