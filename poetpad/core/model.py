"""The recurrent language model behind every PoetPad model file.

`PoetLM.forward` runs whole sequences (training, evaluation); `PoetLM.step`
advances one token for a batch of running states (decoding), so generation
never re-runs the prefix.
"""

from __future__ import annotations

import torch
from torch import nn

# The config side is torch-free (listing models reads configs without torch); re-exported here.
from poetpad.core.modelconfig import CELLS, PRESETS, ModelConfig, parameter_shapes, preset_config  # noqa: F401

State = tuple[torch.Tensor, torch.Tensor] | torch.Tensor


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
        out_features = config.embedding if config.tied else config.hidden
        self.head = nn.Linear(out_features, config.vocab_size)
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

    def init_state(self, batch: int, device: torch.device | str | None = None) -> State:
        """The zero state for `batch` sequences."""
        device = device if device is not None else self.embed.weight.device
        shape = (self.config.layers, batch, self.config.hidden)
        h = torch.zeros(shape, device=device)
        if self.config.cell == "lstm":
            return h, torch.zeros(shape, device=device)
        return h

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens [B, T] → logits [B, T, V] and the state after the last token."""
        x = self.drop(self.embed(tokens))
        out, state = self.rnn(x, state)
        out = self.drop(out)
        if self.proj is not None:
            out = self.proj(out)
        return self.head(out), state

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens [B] → logits [B, V] for the next token, and the advanced state."""
        logits, state = self.forward(tokens.view(-1, 1), state)
        return logits[:, -1, :], state

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def select_state(state: State, index: torch.Tensor) -> State:
    """Rows of a batched state (for beam reordering)."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, index) for s in state)
    return state.index_select(1, index)
