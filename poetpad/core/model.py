"""The recurrent language model behind every PoetPad model file.

`PoetLM.forward` runs whole sequences (training, evaluation); `PoetLM.step`
advances one token for a batch of running states (decoding), so generation
never re-runs the prefix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

from poetpad.errors import ModelFileError

CELLS = ("lstm", "gru")

State = tuple[torch.Tensor, torch.Tensor] | torch.Tensor


@dataclass
class ModelConfig:
    vocab_size: int
    cell: str = "lstm"
    embedding: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2
    tied: bool = False

    def validate(self) -> None:
        """Raise ModelFileError naming the first field out of range."""
        def bad(name: str, why: str) -> ModelFileError:
            return ModelFileError(f"The model configuration's '{name}' {why}.")

        for name in ("vocab_size", "embedding", "hidden", "layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise bad(name, "is not a whole number")
        if self.cell not in CELLS:
            raise bad("cell", f"must be one of {', '.join(CELLS)}")
        if not 5 <= self.vocab_size <= 2_000_000:
            raise bad("vocab_size", "is out of range (5 to 2,000,000)")
        if not 1 <= self.embedding <= 8192:
            raise bad("embedding", "is out of range (1 to 8192)")
        if not 1 <= self.hidden <= 8192:
            raise bad("hidden", "is out of range (1 to 8192)")
        if not 1 <= self.layers <= 16:
            raise bad("layers", "is out of range (1 to 16)")
        if not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool) \
                or not 0.0 <= self.dropout < 1.0:
            raise bad("dropout", "must be at least 0 and below 1")
        if not isinstance(self.tied, bool):
            raise bad("tied", "must be true or false")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> ModelConfig:
        if not isinstance(data, dict):
            raise ModelFileError("The model configuration is not a JSON object.")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names - {"format"})
        if unknown:
            raise ModelFileError(f"The model configuration has unknown field '{unknown[0]}'.")
        if "vocab_size" not in data:
            raise ModelFileError("The model configuration lacks 'vocab_size'.")
        config = cls(**{k: v for k, v in data.items() if k in names})
        config.validate()
        return config


# Architecture presets. `seed` is the Keras poem tutorial's model: Embedding(128) → LSTM(128) →
# Dropout(0.5) → LSTM(128) → Dropout(0.5) → Dense(vocab).
PRESETS: dict[str, dict] = {
    "seed": dict(cell="lstm", embedding=128, hidden=128, layers=2, dropout=0.5, tied=False),
    "small": dict(cell="lstm", embedding=256, hidden=512, layers=2, dropout=0.25, tied=True),
    "medium": dict(cell="lstm", embedding=512, hidden=1024, layers=2, dropout=0.3, tied=True),
    "large": dict(cell="lstm", embedding=768, hidden=1536, layers=3, dropout=0.35, tied=True),
}


def preset_config(name: str, vocab_size: int, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise ModelFileError(f"Unknown preset '{name}'; use one of: {', '.join(PRESETS)}.")
    values = dict(PRESETS[name])
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = ModelConfig(vocab_size=vocab_size, **values)
    config.validate()
    return config


def parameter_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """PoetLM's state_dict names and shapes for `config`, worked out without building the network."""
    gates = 4 if config.cell == "lstm" else 3
    v, e, h = config.vocab_size, config.embedding, config.hidden
    shapes: dict[str, tuple[int, ...]] = {"embed.weight": (v, e)}
    for layer in range(config.layers):
        shapes[f"rnn.weight_ih_l{layer}"] = (gates * h, e if layer == 0 else h)
        shapes[f"rnn.weight_hh_l{layer}"] = (gates * h, h)
        shapes[f"rnn.bias_ih_l{layer}"] = (gates * h,)
        shapes[f"rnn.bias_hh_l{layer}"] = (gates * h,)
    if config.tied and h != e:
        shapes["proj.weight"] = (e, h)
    shapes["head.weight"] = (v, e if config.tied else h)
    shapes["head.bias"] = (v,)
    return shapes


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
