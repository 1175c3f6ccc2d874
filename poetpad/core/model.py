"""The recurrent language model behind every PoetPad model file.

`PoetLM.forward` runs whole sequences and `PoetLM.step` advances one token for a batch
of running states (decoding), so generation never re-runs the prefix. Both return scores
over the whole vocabulary that decoding treats as logits: the logits of a full softmax, or
the exact log-probabilities of an adaptive one (log_softmax leaves those unchanged).
Training and evaluation call `PoetLM.loss`, which an adaptive softmax computes without
scoring every token.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# The config side is torch-free (listing models reads configs without torch); re-exported here.
from poetpad.core.modelconfig import (  # noqa: F401
    CELLS,
    PRESETS,
    ModelConfig,
    default_cutoffs,
    output_layer,
    parameter_shapes,
    preset_config,
)
from poetpad.core.vocab import PAD_ID

State = tuple[torch.Tensor, torch.Tensor] | torch.Tensor

# A one-token LSTM step of this many rows or more does its matrix products in bf16 where the CPU has it
# natively: at 16 rows that took 1.2-1.6 ms to float32's 1.4-1.8 (the English model, one and two threads),
# at 32 rows 1.5-1.7 ms to 2.1-2.7; below 16, float32 was as fast or faster.
BF16_STEP_ROWS = 16


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout; on a CPU with a mask drawn a byte per element.

    F.dropout draws a float per element, which on a CPU costs a sixth of a bf16 training
    step; eight mask bytes come from one 64-bit draw here, so the mask costs a quarter as
    much. The drop probability is rounded to a multiple of 1/256 (0.25 exactly; 0.1 becomes
    0.102) and the kept values are scaled to keep the expectation exact.
    """
    if not training or p <= 0.0:
        return x
    if x.device.type != "cpu":
        return F.dropout(x, p, True)
    threshold = min(255, max(1, round(p * 256)))
    words = torch.randint(-2**63, 2**63 - 1, ((x.numel() + 7) // 8,), dtype=torch.int64)
    keep = words.view(torch.uint8)[:x.numel()].view(x.shape) >= threshold
    return x * keep * (256.0 / (256 - threshold))


class AdaptiveSoftmax(nn.Module):
    """An adaptive softmax (Grave et al., 2017) over a frequency-sorted vocabulary.

    The head scores the shortlist (ids below cutoffs[0]) and one entry per cluster; cluster i
    scores ids [cutoffs[i], cutoffs[i + 1]) (the last runs to the vocabulary's end), so
    log p(w) = log p_head(cluster of w) + log p_cluster(w). Unlike torch's
    AdaptiveLogSoftmaxWithLoss, every token keeps a full-width row of one [vocab, features]
    `weight` (and `bias`), so the layer ties to the embedding like a full softmax does and
    stores the same tensors plus the clusters' own row each (`cluster_weight`, `cluster_bias`).
    A training step still pays for a cluster only on the targets that fall in it.
    """

    def __init__(self, features: int, vocab_size: int, cutoffs: list[int]):
        super().__init__()
        self.cutoffs = list(cutoffs)
        self.bounds = [*self.cutoffs, vocab_size]  # cluster i: [bounds[i], bounds[i + 1])
        self.shortlist = self.cutoffs[0]
        self.weight = nn.Parameter(torch.empty(vocab_size, features))
        self.bias = nn.Parameter(torch.zeros(vocab_size))
        self.cluster_weight = nn.Parameter(torch.zeros(len(cutoffs), features))
        self.cluster_bias = nn.Parameter(torch.zeros(len(cutoffs)))

    def reset_cluster_bias(self) -> None:
        """Start each cluster at its share of a uniform distribution (log of its size), as a full
        softmax with equal logits would give it."""
        sizes = [b - a for a, b in zip(self.bounds, self.bounds[1:], strict=False)]
        with torch.no_grad():
            self.cluster_bias.copy_(torch.tensor([math.log(n) for n in sizes]))

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch.cat([self.weight[:self.shortlist], self.cluster_weight])
        bias = torch.cat([self.bias[:self.shortlist], self.cluster_bias])
        return F.linear(x, weight, bias)

    def _cluster(self, x: torch.Tensor, i: int) -> torch.Tensor:
        lo, hi = self.bounds[i], self.bounds[i + 1]
        return F.linear(x, self.weight[lo:hi], self.bias[lo:hi])

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log-probabilities of every token: [..., features] → [..., vocab] (float32)."""
        head = self._head(x).float().log_softmax(-1)
        parts = [head[..., :self.shortlist]]
        for i in range(len(self.cutoffs)):
            cluster = head[..., self.shortlist + i:self.shortlist + i + 1]
            parts.append(self._cluster(x, i).float().log_softmax(-1) + cluster)
        return torch.cat(parts, dim=-1)

    def nll(self, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of `targets` (PAD_ID targets are skipped): [N, features], [N]."""
        bounds = torch.tensor(self.cutoffs, device=targets.device)
        cluster = torch.bucketize(targets, bounds, right=True)  # 0: shortlist, i + 1: cluster i
        head_targets = torch.where(cluster == 0, targets, self.shortlist + cluster - 1)
        total = F.cross_entropy(self._head(x).float(), head_targets, ignore_index=PAD_ID, reduction="sum")
        for i in range(len(self.cutoffs)):
            rows = (cluster == i + 1).nonzero().squeeze(1)
            if rows.numel():
                logits = self._cluster(x.index_select(0, rows), i).float()
                total = total + F.cross_entropy(logits, targets.index_select(0, rows) - self.bounds[i],
                                                reduction="sum")
        return total


class PoetLM(nn.Module):
    """Embedding → stacked LSTM/GRU → (projection) → logits, optionally with tied weights.

    `init=False` skips the custom initialisation (its orthogonal matrices cost about a second per
    1024×1024 block on a small CPU) for a network whose weights are about to be loaded anyway.
    """

    def __init__(self, config: ModelConfig, *, init: bool = True):
        super().__init__()
        config.validate()
        self.config = config
        rnn_cls = nn.LSTM if config.cell == "lstm" else nn.GRU
        self.embed = nn.Embedding(config.vocab_size, config.embedding)
        self.drop = nn.Dropout(config.dropout)
        self.rnn = rnn_cls(config.embedding, config.hidden, num_layers=config.layers, batch_first=True,
                           dropout=config.dropout if config.layers > 1 else 0.0)
        # With tied weights the output layer reuses the embedding matrix, so the hidden state is
        # first projected down to the embedding size when the two differ.
        self.proj = (nn.Linear(config.hidden, config.embedding, bias=False)
                     if config.tied and config.hidden != config.embedding else None)
        self.head: nn.Linear | AdaptiveSoftmax
        if config.output == "adaptive":
            self.head = AdaptiveSoftmax(config.features, config.vocab_size, config.cutoffs)
        else:
            self.head = nn.Linear(config.features, config.vocab_size)
        if config.tied:
            self.head.weight = self.embed.weight
        if init:
            self._init_weights()

    def _init_weights(self) -> None:
        nn.init.normal_(self.embed.weight, std=0.05 if self.config.tied else 1.0)
        for name, param in self.rnn.named_parameters():
            if "weight_hh" in name:
                for chunk in param.data.chunk(4 if self.config.cell == "lstm" else 3, dim=0):
                    nn.init.orthogonal_(chunk)
            elif "weight_ih" in name:
                nn.init.xavier_uniform_(param.data)
            elif "bias" in name:
                param.data.zero_()
                if self.config.cell == "lstm":  # forget-gate bias 1: remember by default
                    h = self.config.hidden
                    param.data[h:2 * h] = 0.5
        nn.init.zeros_(self.head.bias)
        if not self.config.tied:
            nn.init.normal_(self.head.weight, std=self.config.hidden ** -0.5)
        if isinstance(self.head, AdaptiveSoftmax):
            self.head.reset_cluster_bias()

    def init_state(self, batch: int, device: torch.device | str | None = None) -> State:
        """The zero state for `batch` sequences."""
        device = device if device is not None else self.embed.weight.device
        shape = (self.config.layers, batch, self.config.hidden)
        h = torch.zeros(shape, device=device)
        if self.config.cell == "lstm":
            return h, torch.zeros(shape, device=device)
        return h

    def features(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens [B, T] → what the output layer reads [B, T, features], and the state after the last token."""
        p = self.drop.p
        x = dropout(self.embed(tokens), p, self.training)
        out, state = self._recur(x, state)
        out = dropout(out, p, self.training)
        if self.proj is not None:
            out = self.proj(out)
        return out, state

    def _recur(self, x: torch.Tensor, state: State | None) -> tuple[torch.Tensor, State]:
        """The recurrent layers. Training on a CPU with dropout, they run one at a time (the same weights and
        arithmetic as nn.LSTM/nn.GRU), so the dropout between them is the cheaper `dropout` above."""
        rnn, layers = self.rnn, self.config.layers
        if not (self.training and rnn.dropout > 0 and layers > 1 and x.device.type == "cpu"):
            return rnn(x, state)
        lstm = self.config.cell == "lstm"
        if state is None:
            state = self.init_state(x.size(0), x.device)
            state = tuple(s.to(x.dtype) for s in state) if lstm else state.to(x.dtype)
        finals: list[list[torch.Tensor]] = [[], []]
        for layer in range(layers):
            params = [getattr(rnn, f"{kind}_l{layer}") for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            if lstm:
                x, h, c = torch.lstm(x, (state[0][layer:layer + 1], state[1][layer:layer + 1]), params, True, 1, 0.0,
                                     True, False, True)
                finals[1].append(c)
            else:
                x, h = torch.gru(x, state[layer:layer + 1], params, True, 1, 0.0, True, False, True)
            finals[0].append(h)
            if layer < layers - 1:
                x = dropout(x, rnn.dropout, True)
        if lstm:
            return x, (torch.cat(finals[0]), torch.cat(finals[1]))
        return x, torch.cat(finals[0])

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens [B, T] → scores [B, T, V] and the state after the last token.

        The scores are logits (full softmax) or exact log-probabilities (adaptive softmax); either
        way log_softmax of them is the model's distribution over the whole vocabulary.
        """
        out, state = self.features(tokens, state)
        if isinstance(self.head, AdaptiveSoftmax):
            return self.head.log_prob(out), state
        return self.head(out), state

    def loss(self, tokens: torch.Tensor, targets: torch.Tensor, state: State | None = None) -> torch.Tensor:
        """The summed cross-entropy (nats, float32) of `targets` [B, T] after `tokens` [B, T]; PAD_ID
        targets are not counted. The adaptive softmax scores only the clusters the targets fall in."""
        out, _ = self.features(tokens, state)
        out = out.reshape(-1, out.size(-1))
        targets = targets.reshape(-1)
        if isinstance(self.head, AdaptiveSoftmax):
            return self.head.nll(out, targets)
        return F.cross_entropy(self.head(out).float(), targets, ignore_index=PAD_ID, reduction="sum")

    @torch.no_grad()
    def prime(self, tokens: torch.Tensor, state: State | None = None, chunk: int = 512) -> tuple[torch.Tensor, State]:
        """tokens [B, T] → scores [B, V] for the token after the last one, and the state after it.

        The same as forward's last position, but the tokens run `chunk` at a time and only the last
        position is scored, so memory stays flat however long the prefix is (forward would keep
        T × V scores: gigabytes for a long prefix)."""
        out = None
        for start in range(0, tokens.size(1), chunk):
            feats, state = self.features(tokens[:, start:start + chunk], state)
            out = feats[:, -1:, :]
        if out is None:
            raise ValueError("prime needs at least one token")
        if isinstance(self.head, AdaptiveSoftmax):
            return self.head.log_prob(out)[:, -1, :], state
        return self.head(out)[:, -1, :], state

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens [B] → scores [B, V] for the next token (as forward), and the advanced state.

        Decoding an LSTM on a CPU takes `_lstm_step`: the same arithmetic as nn.LSTM for one token with
        each layer's two weight matrices joined, which runs in a third to a half of the time of
        torch.lstm's one-token call (that call also pays for the machinery of a whole sequence)."""
        if (not self.training and self.config.cell == "lstm" and tokens.device.type == "cpu"
                and self.embed.weight.dtype == torch.float32):
            tokens = tokens.view(-1)
            with torch.autocast("cpu", enabled=False):
                out, state = self._lstm_step(tokens, state if state is not None else self.init_state(tokens.size(0)))
                if self.proj is not None:
                    out = self.proj(out)
                if isinstance(self.head, AdaptiveSoftmax):
                    return self.head.log_prob(out), state
                return self.head(out), state
        logits, state = self.forward(tokens.view(-1, 1), state)
        return logits[:, -1, :], state

    def _lstm_step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One token through the LSTM layers: [x, h] @ W + b gives the four gates (input, forget, cell,
        output, nn.LSTM's order) from one matrix product a layer. The product is in bf16 for a batch of
        BF16_STEP_ROWS or more on a CPU that does bf16 natively (the precision the models trained in),
        else in float32; the rest, and the state that comes back, are float32."""
        from poetpad.core.cpu import cpu_bf16

        low = tokens.size(0) >= BF16_STEP_ROWS and bool(cpu_bf16())
        x = self.embed(tokens)
        hs, cs = state[0].float(), state[1].float()
        new_h, new_c = [], []
        for layer, (weight, bias) in enumerate(self._joined_weights(low)):
            joined = torch.cat([x, hs[layer]], 1)
            gates = (joined.bfloat16() @ weight).float().add_(bias) if low else torch.addmm(bias, joined, weight)
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * cs[layer] + torch.sigmoid(i) * torch.tanh(g)
            x = torch.sigmoid(o) * torch.tanh(c)
            new_h.append(x)
            new_c.append(c)
        return x, (torch.stack(new_h), torch.stack(new_c))

    def _joined_weights(self, low: bool = False) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer, [weight_ih | weight_hh] transposed ([in + hidden, 4 × hidden], float32 or with
        `low` bf16) and the two biases summed (float32); made again whenever a weight changes
        (training, loading, a move to another device or dtype)."""
        rnn = self.rnn
        key = tuple((p.data_ptr(), p._version, p.dtype) for p in rnn.parameters())
        if getattr(self, "_joined_key", None) != key:
            joined = []
            for layer in range(self.config.layers):
                weight = torch.cat([getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}")], 1)
                bias = torch.zeros(weight.size(0), device=weight.device)
                if rnn.bias:
                    bias = getattr(rnn, f"bias_ih_l{layer}") + getattr(rnn, f"bias_hh_l{layer}")
                joined.append((weight.detach().t().float().contiguous(), bias.detach().float()))
            self._joined, self._joined_low, self._joined_key = joined, None, key
        if not low:
            return self._joined
        if self._joined_low is None:
            self._joined_low = [(weight.bfloat16(), bias) for weight, bias in self._joined]
        return self._joined_low

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def select_state(state: State, index: torch.Tensor) -> State:
    """Rows of a batched state (for beam reordering)."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, index) for s in state)
    return state.index_select(1, index)
