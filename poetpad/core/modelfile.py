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
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from poetpad import __version__
from poetpad.core.model import ModelConfig, PoetLM
from poetpad.core.vocab import Vocab
from poetpad.errors import ModelFileError, PoetPadError

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

    @property
    def language(self) -> str:
        return str(self.meta.get("language", "zh"))


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text through a temp file in the same folder, then os.replace."""
    _atomic_write_bytes(Path(path), text.encode("utf-8"))


def state_tensors(model: PoetLM, half: bool = False) -> dict[str, torch.Tensor]:
    """The model's tensors for saving: contiguous, on CPU, tied weights stored once."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        if model.config.tied and name == "head.weight":
            continue
        t = tensor.detach().to("cpu").contiguous()
        if half and t.is_floating_point():
            t = t.half()
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
    _atomic_write_bytes(path, buf.getvalue())
    return path


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{label} has an oversized '{name}' ({info.file_size:,} bytes).")
    if info.compress_size and info.file_size / max(1, info.compress_size) > _MAX_RATIO:
        raise ModelFileError(f"{label} has a suspiciously compressed '{name}'; refusing to unpack it.")
    try:
        data = zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
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
    """Open and validate a model file without building the network."""
    path = Path(path)
    label = f"The model file {path.name}"
    if not path.exists():
        raise ModelFileError(f"The model file {path} does not exist.")
    if not path.is_file():
        raise ModelFileError(f"{path} is not a file.")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError) as exc:
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
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{label} has damaged weights ({exc}).") from exc
    return config, vocab, meta, tensors


def _check_tensors(model: PoetLM, tensors: dict[str, torch.Tensor], label: str) -> dict[str, torch.Tensor]:
    expected = {k: v for k, v in model.state_dict().items()
                if not (model.config.tied and k == "head.weight")}
    unknown = sorted(set(tensors) - set(expected))
    if unknown:
        raise ModelFileError(f"{label} has an unexpected tensor '{unknown[0]}'.")
    absent = sorted(set(expected) - set(tensors))
    if absent:
        raise ModelFileError(f"{label} lacks the tensor '{absent[0]}'.")
    state = {}
    for name, ref in expected.items():
        t = tensors[name]
        if tuple(t.shape) != tuple(ref.shape):
            raise ModelFileError(f"{label} has tensor '{name}' of shape {tuple(t.shape)}; "
                                 f"the configuration needs {tuple(ref.shape)}.")
        if not t.is_floating_point():
            raise ModelFileError(f"{label} has a non-float tensor '{name}'.")
        t = t.float()
        if not torch.isfinite(t).all():
            raise ModelFileError(f"{label} has NaN or infinite values in '{name}'.")
        state[name] = t
    if model.config.tied:
        state["head.weight"] = state["embed.weight"]
    return state


def load_model(path: str | Path, device: str | torch.device = "cpu") -> ModelBundle:
    """Load a model file as float32 on `device`, in eval mode, whatever it was trained on."""
    path = Path(path)
    config, vocab, meta, tensors = read_parts(path)
    model = PoetLM(config)
    state = _check_tensors(model, tensors, f"The model file {path.name}")
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
