"""The .poetpad model file: a zip of JSON and safetensors, never pickle.

    config.json         ModelConfig plus the format number
    vocab.json          the token list (ids are list positions)
    meta.json           corpus stats and hash, loss history, training time, device, versions
    weights.safetensors the tensors, float32 or float16 (loaded as float32)

Loading runs no code: only these members are allowed, each is size-checked
before it is read, every field is validated, and the tensors must match the
shapes the config implies. Writes go to a temp file that replaces the target.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from poetpad import __version__
from poetpad.core.model import ModelConfig, PoetLM, parameter_shapes
from poetpad.core.vocab import Vocab
from poetpad.errors import ModelFileError, PoetPadError
from poetpad.fileio import atomic_write_bytes, atomic_write_text, open_temp_beside  # noqa: F401  (re-exported)

FORMAT = 1
SUFFIX = ".poetpad"
MEMBERS = ("config.json", "vocab.json", "meta.json", "weights.safetensors")
_JSON_LIMIT = 64 * 1024 * 1024
_WEIGHTS_LIMIT = 4 * 1024 * 1024 * 1024
_MAX_RATIO = 200  # a larger compression ratio than this is treated as a zip bomb


@dataclass
class ModelBundle:
    """A loaded model with everything its file carries."""

    config: ModelConfig
    vocab: Vocab
    meta: dict
    model: PoetLM
    path: Path | None = None
    extras: dict = field(default_factory=dict)
    _fingerprint: object = field(default=..., init=False, repr=False, compare=False)  # ...: not decoded yet

    @property
    def language(self) -> str:
        return str(self.meta.get("language", "zh"))

    def fingerprint(self):
        """The training-line fingerprint from meta.json, or None when the file has none.

        Decoded once per bundle (a few MB of base64 for a large corpus: ~12 ms), since the GUI's
        worker asks for it on every request."""
        from poetpad.core.verse import Fingerprint

        if self._fingerprint is ...:
            data = self.meta.get("fingerprint")
            self._fingerprint = Fingerprint.from_dict(data) if data is not None else None
        return self._fingerprint


def state_tensors(model: PoetLM, half: bool = False) -> dict[str, torch.Tensor]:
    """The model's tensors for saving: contiguous, on CPU, tied weights stored once.

    Raises ModelFileError rather than return weights that would make an unloadable file (NaN or
    infinite values, or values too large for float16 when `half` is set).
    """
    out: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        if model.config.tied and name == "head.weight":
            continue
        t = tensor.detach().to("cpu").contiguous()
        if t.is_floating_point():
            if not torch.isfinite(t).all():
                raise ModelFileError(f"The model's '{name}' holds NaN or infinite values; it cannot be saved "
                                     "(training has diverged: try a lower learning rate).")
            if half:
                t = t.half()
                if not torch.isfinite(t).all():
                    raise ModelFileError(f"The model's '{name}' holds values too large for half precision; "
                                         "save it in full precision.")
        out[name] = t
    return out


def save_model(path: str | Path, model: PoetLM, vocab: Vocab, meta: dict, *, half: bool = False) -> Path:
    """Write a .poetpad file atomically and return its path."""
    path = Path(path)
    if len(vocab) != model.config.vocab_size:
        raise ModelFileError(f"The vocabulary has {len(vocab)} tokens but the model expects "
                             f"{model.config.vocab_size}.")
    meta = dict(meta)
    meta.setdefault("poetpad_version", __version__)
    config = dict(model.config.to_dict(), format=FORMAT)
    weights = save_safetensors(state_tensors(model, half=half))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(config, indent=1))
        zf.writestr("vocab.json", json.dumps(vocab.to_dict(), ensure_ascii=False))
        zf.writestr("meta.json", json.dumps(meta, ensure_ascii=False, indent=1))
        # Tensors barely compress; storing them keeps loads fast.
        zf.writestr(zipfile.ZipInfo("weights.safetensors", date_time=(2020, 1, 1, 0, 0, 0)), weights,
                    compress_type=zipfile.ZIP_STORED)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{label} has an oversized '{name}' ({info.file_size:,} bytes).")
    if info.compress_size and info.file_size / max(1, info.compress_size) > _MAX_RATIO:
        raise ModelFileError(f"{label} has a suspiciously compressed '{name}'; refusing to unpack it.")
    try:
        data = zf.read(name)
    except Exception as exc:  # hostile data can make zipfile raise zlib.error, RuntimeError (encrypted),
        # NotImplementedError (unknown compression method), lzma.LZMAError and more.
        raise ModelFileError(f"{label} is damaged: '{name}' cannot be read ({exc}).") from exc
    if len(data) != info.file_size:
        raise ModelFileError(f"{label} is damaged: '{name}' has the wrong length.")
    return data


def _read_json(zf: zipfile.ZipFile, name: str, label: str) -> object:
    raw = _read_member(zf, name, _JSON_LIMIT, label)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{label} has invalid JSON in '{name}'.") from exc


def read_parts(path: str | Path) -> tuple[ModelConfig, Vocab, dict, dict[str, torch.Tensor]]:
    """Open and validate a model file (tensors included, as float32) without building the network."""
    path = Path(path)
    label = f"The model file {path.name}"
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist.")
    if not path.is_file():
        raise ModelFileError(f"{path} is not a file.")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:  # ValueError: e.g. a member name that is not UTF-8
        raise ModelFileError(f"{label} is not a PoetPad model (not a zip archive, or truncated).") from exc
    except OSError as exc:
        raise ModelFileError(f"{label} cannot be read: {exc.strerror or exc}.") from exc
    with zf:
        names = zf.namelist()
        extra = sorted(set(names) - set(MEMBERS))
        if extra:
            raise ModelFileError(f"{label} contains an unexpected member '{extra[0]}'; "
                                 "refusing to load it.")
        if len(names) != len(set(names)):
            raise ModelFileError(f"{label} lists a member twice; refusing to load it.")
        missing = [m for m in MEMBERS if m not in names]
        if missing:
            raise ModelFileError(f"{label} is missing '{missing[0]}'.")
        config_data = _read_json(zf, "config.json", label)
        if isinstance(config_data, dict) and config_data.get("format", FORMAT) != FORMAT:
            raise ModelFileError(f"{label} uses format {config_data.get('format')!r}; this PoetPad "
                                 f"reads format {FORMAT}. Update PoetPad to open it.")
        try:
            config = ModelConfig.from_dict(config_data)
            vocab = Vocab.from_dict(_read_json(zf, "vocab.json", label))
        except TypeError as exc:
            raise ModelFileError(f"{label} has a malformed configuration.") from exc
        except PoetPadError as exc:
            raise ModelFileError(f"{label}: {exc}") from exc
        meta = _read_json(zf, "meta.json", label)
        if not isinstance(meta, dict):
            raise ModelFileError(f"{label} has a 'meta.json' that is not a JSON object.")
        raw = _read_member(zf, "weights.safetensors", _WEIGHTS_LIMIT, label)
    if len(vocab) != config.vocab_size:
        raise ModelFileError(f"{label} is inconsistent: the vocabulary has {len(vocab)} tokens but the "
                             f"configuration says {config.vocab_size}.")
    try:
        tensors = load_safetensors(raw)
    except (SafetensorError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{label} has damaged weights ({exc}).") from exc
    del raw
    return config, vocab, meta, _check_tensors(config, tensors, label)


def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The stored tensors' names and shapes for `config` (the tied head is stored once, as the embedding).

    They are computed from the config, so nothing is allocated (a file whose config claims a huge
    model is rejected by the shape check instead of exhausting memory) and no network is built
    (building one on the meta device imports torch's reference ops: a second on the first load).
    """
    return {k: v for k, v in parameter_shapes(config).items() if not (config.tied and k == "head.weight")}


def _check_tensors(config: ModelConfig, tensors: dict[str, torch.Tensor], label: str) -> dict[str, torch.Tensor]:
    """The tensors as float32 once every name, shape and value is right; else ModelFileError."""
    expected = expected_shapes(config)
    unknown = sorted(set(tensors) - set(expected))
    if unknown:
        raise ModelFileError(f"{label} has an unexpected tensor '{unknown[0]}'.")
    absent = sorted(set(expected) - set(tensors))
    if absent:
        raise ModelFileError(f"{label} lacks the tensor '{absent[0]}'.")
    state = {}
    for name, shape in expected.items():
        t = tensors[name]
        if tuple(t.shape) != shape:
            raise ModelFileError(f"{label} has tensor '{name}' of shape {tuple(t.shape)}; "
                                 f"the configuration needs {shape}.")
        if not t.is_floating_point():
            raise ModelFileError(f"{label} has a non-float tensor '{name}'.")
        t = t.float()
        if not torch.isfinite(t).all():
            raise ModelFileError(f"{label} has NaN or infinite values in '{name}'.")
        state[name] = t
    return state


def load_model(path: str | Path, device: str | torch.device = "cpu") -> ModelBundle:
    """Load a model file as float32 on `device`, in eval mode, whatever it was trained on."""
    path = Path(path)
    config, vocab, meta, state = read_parts(path)  # fully validated before any real allocation
    model = PoetLM(config, init=False)  # every weight is overwritten below
    if config.tied:
        state["head.weight"] = state["embed.weight"]
    model.load_state_dict(state)
    model.to(device).eval()
    return ModelBundle(config=config, vocab=vocab, meta=meta, model=model, path=path)


def read_meta(path: str | Path) -> tuple[ModelConfig, Vocab, dict]:
    """Config, vocab and metadata only, for listings (still fully validated)."""
    config, vocab, meta, _ = read_parts(path)
    return config, vocab, meta


def validate(path: str | Path) -> None:
    """Raise ModelFileError if the file would not load."""
    load_model(path)
