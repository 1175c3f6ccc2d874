"""Token streams: the held-out split of a corpus, shuffled batches of windows, and the held-out loss.

`evaluate_stream` scores a model on any stream (the trainer's validation, `poetpad eval`, the tools),
so it lives here, apart from the training loop.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import torch

from poetpad.core.corpus import Corpus, split_train_valid
from poetpad.core.model import PoetLM
from poetpad.core.vocab import BOS_ID, PAD_ID, Vocab

HELD_OUT_CHARS = 2_000         # a small corpus holds out whole poems until about this much text …
HELD_OUT_MAX_PERCENT = 20      # … but never more than this share of its poems


def held_out_percent(chars: int, valid_percent: int) -> int:
    """The share of the poems held out: `valid_percent`, raised for a small corpus until the held-out poems
    hold about HELD_OUT_CHARS characters (at most HELD_OUT_MAX_PERCENT), so that one poem more or less
    does not decide when training stops or what the report says."""
    if not valid_percent:
        return 0
    wanted = math.ceil(100 * HELD_OUT_CHARS / max(1, chars))
    return max(valid_percent, min(HELD_OUT_MAX_PERCENT, wanted))


def split_poems(corpus: Corpus, percent: int, valid_percent: int) -> tuple[list, list, str]:
    """(train, held-out, how): a large corpus splits by md5(poem) mod 100; a small one holds out exactly
    `percent` of its poems, those of the lowest md5 (stable, whatever the order of the files)."""
    if percent <= valid_percent:
        train, valid = split_train_valid(corpus.poems, valid_percent)
        return train, valid, f"md5(poem) mod 100 < {valid_percent} is validation"
    poems = corpus.poems
    k = min(len(poems) - 1, max(1, round(len(poems) * percent / 100)))
    order = sorted(range(len(poems)), key=lambda i: hashlib.md5(poems[i].text.encode("utf-8"),
                                                                 usedforsecurity=False).hexdigest())
    held = set(order[:k])
    train = [p for i, p in enumerate(poems) if i not in held]
    valid = [p for i, p in enumerate(poems) if i in held]
    return train, valid, f"the {k} poems of lowest md5 ({percent}% of a small corpus) are validation"


def split_streams(corpus: Corpus, vocab: Vocab, valid_percent: int) -> tuple[np.ndarray, np.ndarray, dict]:
    percent = held_out_percent(corpus.stats.chars, valid_percent)
    train_poems, valid_poems, method = split_poems(corpus, percent, valid_percent)
    train_ids = vocab.encode_poems(p.text for p in train_poems)
    valid_ids = vocab.encode_poems(p.text for p in valid_poems)
    split = {"method": method, "train_poems": len(train_poems), "valid_poems": len(valid_poems)}
    # Too few validation poems (small corpora): hold out the last tenth of the stream instead.
    total = len(train_ids) + len(valid_ids)
    if valid_percent and len(valid_ids) < max(64, total // 100):
        ids = vocab.encode_poems(p.text for p in corpus.poems)
        cut = int(len(ids) * 0.9)
        train_ids, valid_ids = ids[:cut], ids[cut:]
        split = {"method": "last 10% of the token stream is validation (too few poems for a per-poem split)",
                 "train_poems": None, "valid_poems": None}
    split.update(train_tokens=int(len(train_ids)), valid_tokens=int(len(valid_ids)))
    return train_ids, valid_ids, split


def targets(ids: torch.Tensor) -> torch.Tensor:
    """Targets with <bos> masked: after an <eos> the next <bos> is given, not predicted."""
    return ids.masked_fill(ids == BOS_ID, PAD_ID)


class Batches:
    """Windows of `seq_len + 1` tokens over one token stream, shuffled per epoch.

    Window starts step by `seq_len` from a random offset, and snap back to a poem's
    <bos> when one lies within a quarter window, so the model often sees poems begin
    from a zero state, as they do when it writes. The order depends only on the
    seed and the epoch, which makes a resumed run see the batches it would have seen.
    """

    def __init__(self, ids: np.ndarray, seq_len: int, batch_size: int, seed: int):
        self.ids = ids
        self.seq_len = max(2, min(seq_len, len(ids) - 1))
        self.batch_size = batch_size
        self.seed = seed
        self._bos = np.flatnonzero(ids == BOS_ID)
        self._arange = np.arange(self.seq_len + 1)

    def starts(self, epoch: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, epoch])
        span = len(self.ids) - self.seq_len - 1
        offset = int(rng.integers(0, min(self.seq_len, span + 1)))
        starts = np.arange(offset, span + 1, self.seq_len, dtype=np.int64)
        if len(self._bos):
            idx = np.searchsorted(self._bos, starts, side="right") - 1
            prev = np.where(idx >= 0, self._bos[np.maximum(idx, 0)], -1)
            snap = (prev >= 0) & (starts - prev <= self.seq_len // 4)
            starts = np.where(snap, prev, starts)
        return rng.permutation(starts)

    def steps_per_epoch(self, parts: int = 1) -> int:
        """Batches per epoch; split `parts` ways, a last batch too small for every part to get a window is dropped."""
        span = len(self.ids) - self.seq_len - 1
        n = len(range(0, span + 1, self.seq_len))
        full, rest = divmod(n, self.batch_size)
        return max(1, full + (1 if rest >= parts else 0))

    def count(self, starts: np.ndarray, parts: int = 1) -> int:
        """How many batches `starts` make (split `parts` ways, as steps_per_epoch counts them)."""
        full, rest = divmod(len(starts), self.batch_size)
        return full + (1 if rest >= parts else 0)

    def batch(self, starts: np.ndarray, index: int, part: int = 0, parts: int = 1) -> torch.Tensor:
        """Batch `index` of an epoch, or with `parts` > 1 this process's equal share of it (the global
        batch's windows are cut into `parts` runs; a remainder that does not divide is left out)."""
        chosen = starts[index * self.batch_size:(index + 1) * self.batch_size]
        if parts > 1:
            share = len(chosen) // parts
            chosen = chosen[part * share:(part + 1) * share]
        return torch.from_numpy(self.ids[chosen[:, None] + self._arange].astype(np.int64))


@torch.no_grad()
def evaluate_stream(model: PoetLM, ids: np.ndarray, block: int = 256, batch_size: int = 64,
                    device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None,
                    part: int = 0, parts: int = 1) -> tuple[float, int]:
    """Summed cross-entropy (nats) and count over non-overlapping blocks, each from a zero state.

    Block k holds tokens [k*block, k*block + block] and predicts the last `block` of them;
    the final block may be shorter. <bos> targets are not counted. The loss comes from
    `PoetLM.loss`, so an adaptive softmax is scored exactly without scoring every token.
    With `parts` > 1 only every parts-th group of blocks from `part` on is scored (the
    processes of a torchrun run share the work and add up their sums).
    """
    device = torch.device(device)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    n = len(ids) - 1
    starts = list(range(0, n, block))
    full = [s for s in starts if s + block <= n]
    tail = [s for s in starts if s + block > n]
    try:
        groups = [(full[i:i + batch_size], block) for i in range(0, len(full), batch_size)]
        groups += [([s], n - s) for s in tail]
        for group, length in groups[part::parts]:
            arr = np.stack([ids[s:s + length + 1] for s in group]).astype(np.int64)
            x = torch.from_numpy(arr).to(device)
            y = targets(x[:, 1:])
            with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                loss = model.loss(x[:, :-1], y)
            total += float(loss)
            count += int((y != PAD_ID).sum())
    finally:
        model.train(was_training)
    return total, count
