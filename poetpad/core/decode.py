"""Generating text from a PoetLM over its incremental state.

The prefix is run once; every later token costs one `step()` for the whole
batch. Generation always ends: at <eos>, or at `max_tokens`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from poetpad.core.model import PoetLM
from poetpad.core.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab
from poetpad.errors import DecodeError


@dataclass
class SampleSettings:
    temperature: float = 0.8
    top_k: int = 0          # 0: no limit
    top_p: float = 1.0      # 1.0: no nucleus cut
    max_tokens: int = 200
    seed: int = 0

    def validate(self) -> None:
        if not 0.0 < self.temperature <= 5.0:
            raise DecodeError("The temperature must be above 0 and at most 5.")
        if self.top_k < 0:
            raise DecodeError("top-k must be 0 (off) or a positive whole number.")
        if not 0.0 < self.top_p <= 1.0:
            raise DecodeError("top-p must be above 0 and at most 1.")
        if not 1 <= self.max_tokens <= 10_000:
            raise DecodeError("The maximum length must be between 1 and 10,000 tokens.")


@dataclass
class Generated:
    text: str                       # the whole poem, prefix included
    seed: int
    score: float                    # mean log-probability per generated token
    tokens: list[int] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Mask (to -inf) all but the top-k tokens and the smallest set holding top-p of the mass."""
    if top_k and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        # Drop a token when the mass before it already reaches top_p (the first token always stays).
        drop = (probs.cumsum(-1) - probs) >= top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        logits = torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
    return logits


def _never(logits: torch.Tensor) -> torch.Tensor:
    """Tokens a sampler must never emit: padding, unknown and <bos>."""
    logits[..., PAD_ID] = float("-inf")
    logits[..., UNK_ID] = float("-inf")
    logits[..., BOS_ID] = float("-inf")
    return logits


@torch.no_grad()
def sample(model: PoetLM, vocab: Vocab, prefix: str = "", n: int = 1,
           settings: SampleSettings | None = None) -> list[Generated]:
    """`n` continuations of `prefix` (a new poem when empty), batched."""
    settings = settings or SampleSettings()
    settings.validate()
    if not 1 <= n <= 256:
        raise DecodeError("The number of poems must be between 1 and 256.")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        # One generator per poem, seeded seed + i, so poem i can be reproduced on its own.
        gens = [torch.Generator(device="cpu").manual_seed(int(settings.seed) + i) for i in range(n)]
        prefix_ids = [BOS_ID] + vocab.encode(prefix).tolist()
        tokens = torch.tensor([prefix_ids] * n, dtype=torch.long, device=device)
        logits, state = model(tokens)
        logits = logits[:, -1, :].float()
        out: list[list[int]] = [[] for _ in range(n)]
        logp_sum = [0.0] * n
        done = [False] * n
        for _ in range(settings.max_tokens):
            scaled = _never(logits.cpu() / settings.temperature)
            probs = torch.softmax(filter_logits(scaled, settings.top_k, settings.top_p), dim=-1)
            logps = torch.log_softmax(scaled, dim=-1)
            nxt = torch.tensor([int(torch.multinomial(probs[i], 1, generator=gens[i])) for i in range(n)])
            for i in range(n):
                if done[i]:
                    continue
                tok = int(nxt[i])
                logp_sum[i] += float(logps[i, tok])
                if tok == EOS_ID:
                    done[i] = True
                else:
                    out[i].append(tok)
            if all(done):
                break
            logits, state = model.step(nxt.to(device), state)
            logits = logits.float()
    finally:
        model.train(was_training)
    results = []
    for i, ids in enumerate(out):
        text = vocab.decode(vocab.encode(prefix).tolist() + ids) if vocab.kind == "word" \
            else prefix + vocab.decode(ids)
        results.append(Generated(text=text.strip("\n"), tokens=ids,
                                 score=logp_sum[i] / max(1, len(ids) + int(done[i])), seed=int(settings.seed) + i))
    return results


def unknown_tokens(vocab: Vocab, text: str) -> list[str]:
    """Tokens of `text` that the vocab lacks (they are read as <unk>, never a crash)."""
    return sorted({t for t in vocab.tokenize(text) if t not in vocab and t not in SPECIALS and t != " "})
