"""Character and word vocabularies with stable ids.

Ids 0-3 are the special tokens; the rest follow frequency order (ties broken
by the token itself), so the same corpus always gives the same ids. A model
file stores its vocab, and fine-tuning only ever appends to it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from poetpad.core.text import WORD_PATTERN, is_cjk
from poetpad.errors import VocabError

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)
KINDS = ("char", "word")

# Words (with inner apostrophes, and a leading one for elisions such as 'Tis and ’twas), numbers,
# line breaks, then any other single non-space character.
_WORD_RE = re.compile(rf"['’]?{WORD_PATTERN}|\d+|\n|[^\s\w]|_")
_NO_SPACE_BEFORE = set(",.;:!?)]}'’”…-—")
_NO_SPACE_AFTER = set("([{‘“—-\n")
# Lone surrogates (from undecodable bytes) are not text: they cannot be written as UTF-8, so they are
# never vocabulary tokens and always encode as <unk>.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _word_tokens(text: str) -> list[str]:
    return _WORD_RE.findall(text)


@dataclass
class Vocab:
    """An ordered token list. `kind` is "char" or "word"."""

    tokens: list[str]
    kind: str = "char"
    min_freq: int = 1
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _lut: np.ndarray | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise VocabError(f"Unknown tokenizer '{self.kind}'; use one of: {', '.join(KINDS)}.")
        if tuple(self.tokens[: len(SPECIALS)]) != SPECIALS:
            raise VocabError("The vocabulary does not start with the special tokens <pad>, <unk>, <bos>, <eos>.")
        if len(set(self.tokens)) != len(self.tokens):
            raise VocabError("The vocabulary lists a token twice.")
        for tok in self.tokens[len(SPECIALS):]:
            if not isinstance(tok, str) or not tok or _SURROGATE_RE.search(tok):
                raise VocabError("The vocabulary holds an empty or non-text token.")
            if self.kind == "char" and len(tok) != 1:
                raise VocabError(f"A character vocabulary holds the multi-character token {tok!r}.")
        self._index = {tok: i for i, tok in enumerate(self.tokens)}
        self._lut = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, texts: Iterable[str], kind: str = "char", min_freq: int = 1) -> Vocab:
        """Count tokens over `texts` and keep those seen at least `min_freq` times."""
        if kind not in KINDS:
            raise VocabError(f"Unknown tokenizer '{kind}'; use one of: {', '.join(KINDS)}.")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text if kind == "char" else _word_tokens(text))
        for special in SPECIALS:
            counts.pop(special, None)
        kept = [tok for tok, n in counts.items() if n >= max(1, min_freq) and not _SURROGATE_RE.search(tok)]
        kept.sort(key=lambda tok: (-counts[tok], tok))
        return cls(list(SPECIALS) + kept, kind=kind, min_freq=max(1, min_freq))

    def extended(self, texts: Iterable[str], min_freq: int = 1) -> tuple[Vocab, list[str]]:
        """A copy with the tokens of `texts` it lacks appended (ids of old tokens unchanged)."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(self.tokenize(text))
        new = sorted((t for t, n in counts.items()
                      if t not in self._index and n >= max(1, min_freq) and not _SURROGATE_RE.search(t)),
                     key=lambda tok: (-counts[tok], tok))
        return Vocab(self.tokens + new, kind=self.kind, min_freq=self.min_freq), new

    # -- lookup -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._index

    def id(self, token: str) -> int:
        return self._index.get(token, UNK_ID)

    def tokenize(self, text: str) -> list[str]:
        return list(text) if self.kind == "char" else _word_tokens(text)

    def missing(self, texts: Iterable[str]) -> Counter[str]:
        """Tokens of `texts` that this vocab lacks, with their counts."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t for t in self.tokenize(text) if t not in self._index)
        return counts

    @functools.cached_property
    def language(self) -> str:
        """'zh' when at least half of the letter tokens are Chinese, else 'en'.

        Only tokens that begin with a letter count (hanzi are letters), so punctuation, digits and
        spaces do not tip a small Chinese vocabulary over to English.
        """
        letters = [t for t in self.tokens[len(SPECIALS):] if t[:1].isalpha()]
        cjk = sum(1 for t in letters if is_cjk(t[0]))
        return "zh" if cjk and cjk * 2 >= len(letters) else "en"

    # -- encoding -----------------------------------------------------------------------------

    def _char_lut(self) -> np.ndarray:
        if self._lut is None:
            lut = np.full(0x110000, UNK_ID, dtype=np.int32)
            for i, tok in enumerate(self.tokens[len(SPECIALS):], start=len(SPECIALS)):
                lut[ord(tok)] = i
            self._lut = lut
        return self._lut

    def encode(self, text: str) -> np.ndarray:
        """Token ids of `text`, without poem boundaries, as int32."""
        if self.kind == "char":
            codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            return self._char_lut()[codes]
        return np.fromiter((self.id(t) for t in _word_tokens(text)), dtype=np.int32)

    def encode_poems(self, poems: Iterable[str]) -> np.ndarray:
        """One int32 stream: <bos> poem <eos> for each poem, with no Python list of characters."""
        parts: list[np.ndarray] = []
        bos = np.array([BOS_ID], dtype=np.int32)
        eos = np.array([EOS_ID], dtype=np.int32)
        for text in poems:
            parts.extend((bos, self.encode(text), eos))
        if not parts:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate(parts)

    def decode(self, ids: Iterable[int]) -> str:
        """Text for `ids`, skipping specials; word tokens are joined with natural spacing."""
        out: list[str] = []
        for i in ids:
            i = int(i)
            if i == UNK_ID:
                out.append("\ufffd" if self.kind == "char" else "<unk>")
            elif len(SPECIALS) <= i < len(self.tokens):
                out.append(self.tokens[i])
        if self.kind == "char":
            return "".join(out)
        return join_words(out)

    # -- persistence --------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"kind": self.kind, "min_freq": self.min_freq, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data: object) -> Vocab:
        if not isinstance(data, dict):
            raise VocabError("The vocabulary is not a JSON object.")
        tokens = data.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise VocabError("The vocabulary's 'tokens' is not a list of strings.")
        min_freq = data.get("min_freq", 1)
        if not isinstance(min_freq, int) or isinstance(min_freq, bool) or min_freq < 1:
            raise VocabError("The vocabulary's 'min_freq' is not a positive whole number.")
        return cls(tokens, kind=str(data.get("kind", "char")), min_freq=min_freq)


def join_words(words: list[str]) -> str:
    """Join word tokens with a space, except around punctuation and line breaks.

    A straight double quote opens where nothing can precede it (start, line break, opening bracket)
    and otherwise opens and closes by turns: no space after an opening one, none before a closing one.
    """
    out: list[str] = []
    prev_opens = True  # no space after the previous token (or at the start)
    quote_open = False
    for w in words:
        closes = len(w) == 1 and w in _NO_SPACE_BEFORE
        if w == '"':
            closes = quote_open and not prev_opens
            quote_open = not closes
        if not prev_opens and not closes and w != "\n":
            out.append(" ")
        out.append(w)
        prev_opens = quote_open if w == '"' else w in _NO_SPACE_AFTER
    return "".join(out)
