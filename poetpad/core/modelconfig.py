"""A model's shape as data: ModelConfig, the presets, and the parameter shapes they imply.

Torch-free, so listing models (which reads configs and checks the stored shapes against them)
never imports torch. The network itself is poetpad.core.model.PoetLM, which re-exports these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from poetpad.errors import ModelFileError

CELLS = ("lstm", "gru")


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
