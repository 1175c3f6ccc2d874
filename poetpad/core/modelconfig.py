"""A model's shape as data: ModelConfig, the presets, and the parameter shapes they imply.

Torch-free, so listing models (which reads configs and checks the stored shapes against them)
never imports torch. The network itself is poetpad.core.model.PoetLM, which re-exports these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from poetpad.errors import ModelFileError

CELLS = ("lstm", "gru")
OUTPUTS = ("full", "adaptive")
SOFTMAX_CHOICES = ("auto", *OUTPUTS)
# `--softmax auto` gives a vocabulary of this many tokens or more the adaptive softmax. Below it the
# full softmax costs little (a character vocabulary of English is under 200 tokens) and its one
# matrix product beats the adaptive layer's gathers; benchmarks/train_throughput.py measures where
# the two cross on a CPU (between 1,000 and 2,000 tokens for a 256-wide output).
ADAPTIVE_MIN_VOCAB = 2000
_SPECIAL_TOKENS = 4  # <pad> <unk> <bos> <eos>: always in the shortlist


@dataclass
class ModelConfig:
    vocab_size: int
    cell: str = "lstm"
    embedding: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2
    tied: bool = False
    # The output layer: "full" softmax, or "adaptive" (Grave et al., 2017): a shortlist of the
    # `cutoffs[0]` most frequent tokens plus one entry per cluster, then clusters of ids
    # [cutoffs[i], cutoffs[i + 1]) up to the vocabulary's end. Ids follow frequency, so each
    # cluster is rarer than the one before and is computed only for the tokens it holds.
    output: str = "full"
    cutoffs: list[int] = field(default_factory=list)

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
        if self.output not in OUTPUTS:
            raise bad("output", f"must be one of {', '.join(OUTPUTS)}")
        cutoffs = self.cutoffs
        if not isinstance(cutoffs, list) or not all(type(c) is int for c in cutoffs):
            raise bad("cutoffs", "must be a list of whole numbers")
        if self.output == "full" and cutoffs:
            raise bad("cutoffs", "must be empty for a full softmax")
        if self.output == "adaptive":
            if not 1 <= len(cutoffs) <= 8:
                raise bad("cutoffs", "must list 1 to 8 cluster boundaries")
            if cutoffs[0] < _SPECIAL_TOKENS or cutoffs[-1] >= self.vocab_size \
                    or any(b <= a for a, b in zip(cutoffs, cutoffs[1:], strict=False)):
                raise bad("cutoffs", f"must rise strictly from at least {_SPECIAL_TOKENS} to below vocab_size")

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
        config = cls(**{k: v for k, v in data.items() if k in names})  # no 'output' (older files): full
        config.validate()
        return config

    @property
    def clusters(self) -> int:
        """How many tail clusters the adaptive softmax has (0 for the full softmax)."""
        return len(self.cutoffs) if self.output == "adaptive" else 0

    @property
    def features(self) -> int:
        """The width of what the output layer reads: the embedding size when tied, else the hidden size."""
        return self.embedding if self.tied else self.hidden


def default_cutoffs(vocab_size: int) -> list[int]:
    """Cluster boundaries for an adaptive softmax over a frequency-sorted vocabulary of `vocab_size`.

    The shortlist is the most frequent tenth of the vocabulary and the first cluster the next three
    tenths; the last six tenths are the second cluster. Token frequencies are Zipfian, so the
    shortlist already holds most of the text (the top 10 % of the Tang poems' 6,750 characters
    cover 87 % of it, the top 40 % cover 99.6 %). A training step pays for the shortlist on every
    token and for a cluster only on the tokens in it: about 0.10 + 0.12 × 0.30 + 0.004 × 0.60
    ≈ 0.14 of the full softmax. A shortlist much smaller than this moves mass into the factored
    clusters and costs quality; a larger one costs speed. Boundaries are rounded to multiples of 8
    (matrix kernels like those) once the vocabulary is large enough for that not to matter.
    """
    def snap(x: float) -> int:
        return int(round(x / 8) * 8) if vocab_size >= 400 else int(round(x))

    cuts = sorted({min(max(_SPECIAL_TOKENS, snap(vocab_size * share)), vocab_size - 1) for share in (0.1, 0.4)})
    cuts = [c for c in cuts if _SPECIAL_TOKENS <= c < vocab_size]
    return cuts or [vocab_size - 1]


def output_layer(softmax: str, vocab_size: int) -> tuple[str, list[int]]:
    """The output layer ("full" or "adaptive") and cutoffs that `--softmax` gives a new model."""
    if softmax not in SOFTMAX_CHOICES:
        raise ModelFileError(f"Unknown softmax '{softmax}'; use one of: {', '.join(SOFTMAX_CHOICES)}.")
    adaptive = softmax == "adaptive" or (softmax == "auto" and vocab_size >= ADAPTIVE_MIN_VOCAB)
    return ("adaptive", default_cutoffs(vocab_size)) if adaptive else ("full", [])


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
    shapes["head.weight"] = (v, config.features)
    shapes["head.bias"] = (v,)
    if config.clusters:  # the adaptive softmax adds one logit per cluster to the shortlist
        shapes["head.cluster_weight"] = (config.clusters, config.features)
        shapes["head.cluster_bias"] = (config.clusters,)
    return shapes
