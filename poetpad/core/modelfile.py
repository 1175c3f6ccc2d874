"""The .poetpad model file: a zip of JSON and safetensors, never pickle.

    config.json         ModelConfig plus the format number (1, or 2 for an adaptive softmax)
    vocab.json          the token list (ids are list positions)
    meta.json           corpus stats and hash, loss history, training time, device, versions
    weights.safetensors the tensors, float32 or float16 (loaded as float32)

Loading runs no code: only these members are allowed, each is size-checked
before it is read, every field is validated, and the tensors must match the
shapes the config implies. Writes go to a temp file that replaces the target.

Listing reads less (`read_summary`): the member rules, config.json, vocab.json, the head of
meta.json (up to the training-line fingerprint, which can be megabytes) and the safetensors
header, checked against the config. That needs neither torch nor numpy, which are imported
only by the functions that handle tensors, vocabularies or networks.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from poetpad import __version__
from poetpad.core.modelconfig import ModelConfig, parameter_shapes
from poetpad.errors import ModelFileError, PoetPadError
from poetpad.fileio import atomic_write_bytes, atomic_write_text, open_temp_beside  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # imported where used: importing torch takes a second, numpy a tenth of one
    import torch

    from poetpad.core.model import PoetLM
    from poetpad.core.vocab import Vocab

FORMAT = 1           # what a full-softmax model is written as, readable by every PoetPad
ADAPTIVE_FORMAT = 2  # a model with an adaptive softmax: PoetPad before it says "update PoetPad"
FORMATS = (FORMAT, ADAPTIVE_FORMAT)
SUFFIX = ".poetpad"
MEMBERS = ("config.json", "vocab.json", "meta.json", "weights.safetensors")
_JSON_LIMIT = 64 * 1024 * 1024
_WEIGHTS_LIMIT = 4 * 1024 * 1024 * 1024
_MAX_RATIO = 200  # a larger compression ratio than this is treated as a zip bomb
# Float weights barely compress (PoetPad stores them uncompressed): weights that would inflate to more
# than this many times their stored size, plus a megabyte, are refused before a byte is inflated.
_WEIGHTS_MAX_RATIO = 4
# vocab.json holds one JSON string per token: a file larger than this per token (plus the rest of the
# object) cannot be the vocabulary its config declares, and is refused before it is parsed.
_VOCAB_BYTES_PER_TOKEN = 256
_HEADER_LIMIT = 100 * 1024 * 1024  # safetensors' own limit on its JSON header
# Bytes per element of the safetensors dtypes that load as floating-point tensors.
_FLOAT_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E4M3FNUZ": 1, "F8_E5M2": 1,
                 "F8_E5M2FNUZ": 1}
_OTHER_DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "U16": 2, "I16": 2, "U32": 4, "I32": 4, "U64": 8, "I64": 8, "C64": 8}


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
    import torch

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


def file_config(config: ModelConfig) -> dict:
    """config.json's content: a full-softmax model is written exactly as before the adaptive softmax
    existed (format 1, no output keys), so older PoetPads still open it."""
    data = config.to_dict()
    if config.output == "full":
        data.pop("output", None)
        data.pop("cutoffs", None)
        return dict(data, format=FORMAT)
    return dict(data, format=ADAPTIVE_FORMAT)


def save_model(path: str | Path, model: PoetLM, vocab: Vocab, meta: dict, *, half: bool = False) -> Path:
    """Write a .poetpad file atomically and return its path."""
    from safetensors.torch import save as save_safetensors

    path = Path(path)
    if len(vocab) != model.config.vocab_size:
        raise ModelFileError(f"The vocabulary has {len(vocab)} tokens but the model expects "
                             f"{model.config.vocab_size}.")
    meta = dict(meta)
    meta.setdefault("poetpad_version", __version__)
    config = file_config(model.config)
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


# -- reading: the archive and its JSON -------------------------------------------------------------

def _open_archive(path: Path, label: str) -> zipfile.ZipFile:
    """The model file as an open zip whose members are exactly MEMBERS, once each."""
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
    names = zf.namelist()
    problem = None
    extra = sorted(set(names) - set(MEMBERS))
    missing = [m for m in MEMBERS if m not in names]
    if extra:
        problem = f"{label} contains an unexpected member '{extra[0]}'; refusing to load it."
    elif len(names) != len(set(names)):
        problem = f"{label} lists a member twice; refusing to load it."
    elif missing:
        problem = f"{label} is missing '{missing[0]}'."
    if problem:
        zf.close()
        raise ModelFileError(problem)
    return zf


def _check_member(zf: zipfile.ZipFile, name: str, limit: int, label: str) -> zipfile.ZipInfo:
    """The member's entry, once its declared size and compression ratio are acceptable."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{label} has an oversized '{name}' ({info.file_size:,} bytes).")
    if info.compress_size and info.file_size / max(1, info.compress_size) > _MAX_RATIO:
        raise ModelFileError(f"{label} has a suspiciously compressed '{name}'; refusing to unpack it.")
    return info


def _unreadable(label: str, name: str, exc: BaseException) -> ModelFileError:
    return ModelFileError(f"{label} is damaged: '{name}' cannot be read ({exc}).")


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    info = _check_member(zf, name, limit, label)
    try:
        data = zf.read(name)
    except Exception as exc:  # hostile data can make zipfile raise zlib.error, RuntimeError (encrypted),
        # NotImplementedError (unknown compression method), lzma.LZMAError and more.
        raise _unreadable(label, name, exc) from exc
    if len(data) != info.file_size:
        raise ModelFileError(f"{label} is damaged: '{name}' has the wrong length.")
    return data


def _parse_json(raw: bytes, name: str, label: str) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{label} has invalid JSON in '{name}'.") from exc


def _read_json(zf: zipfile.ZipFile, name: str, label: str) -> object:
    return _parse_json(_read_member(zf, name, _JSON_LIMIT, label), name, label)


def _read_config(zf: zipfile.ZipFile, label: str) -> ModelConfig:
    data = _read_json(zf, "config.json", label)
    if isinstance(data, dict) and data.get("format", FORMAT) not in FORMATS:
        raise ModelFileError(f"{label} uses format {data.get('format')!r}; this PoetPad "
                             f"reads formats {FORMAT} and {ADAPTIVE_FORMAT}. Update PoetPad to open it.")
    try:
        return ModelConfig.from_dict(data)
    except TypeError as exc:
        raise ModelFileError(f"{label} has a malformed configuration.") from exc
    except PoetPadError as exc:
        raise ModelFileError(f"{label}: {exc}") from exc


def _check_vocab_member(zf: zipfile.ZipFile, config: ModelConfig, label: str) -> None:
    """Refuse a vocab.json too large for `config.vocab_size` tokens, before it is inflated or parsed."""
    size = zf.getinfo("vocab.json").file_size
    if size > 64 * 1024 + config.vocab_size * _VOCAB_BYTES_PER_TOKEN:
        raise ModelFileError(f"{label} is inconsistent: its vocabulary takes {size:,} bytes, far more than the "
                             f"{config.vocab_size:,} tokens its configuration declares.")


def _read_vocab(zf: zipfile.ZipFile, config: ModelConfig, label: str) -> Vocab:
    from poetpad.core.vocab import Vocab

    _check_vocab_member(zf, config, label)
    data = _read_json(zf, "vocab.json", label)
    try:
        vocab = Vocab.from_dict(data)
    except TypeError as exc:
        raise ModelFileError(f"{label} has a malformed vocabulary.") from exc
    except PoetPadError as exc:
        raise ModelFileError(f"{label}: {exc}") from exc
    _check_vocab_size(len(vocab), config, label)
    return vocab


def _check_vocab_size(size: int, config: ModelConfig, label: str) -> None:
    if size != config.vocab_size:
        raise ModelFileError(f"{label} is inconsistent: the vocabulary has {size} tokens but the "
                             f"configuration says {config.vocab_size}.")


def _read_meta(zf: zipfile.ZipFile, label: str) -> dict:
    meta = _read_json(zf, "meta.json", label)
    if not isinstance(meta, dict):
        raise ModelFileError(f"{label} has a 'meta.json' that is not a JSON object.")
    return meta


# The fields of meta.json that a listing shows, and the one it skips: the training-line fingerprint,
# a Bloom filter in base64 (5 MB for the bundled Chinese model: 40 ms to inflate and 20 ms to parse).
# PoetPad writes it after the listed fields, so a listing stops reading there.
LISTED_META = ("language", "created", "training")
_SKIPPED_META = "fingerprint"
_HEAD_CHUNK = 16 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """JSON read from a binary stream a token or a value at a time, so reading can stop early."""

    def __init__(self, stream: io.BufferedIOBase, invalid: ModelFileError, unreadable) -> None:
        self._stream = stream
        self._invalid = invalid
        self._unreadable = unreadable  # exception → ModelFileError, for a stream that cannot be read
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder()
        self._text, self._pos, self._ended, self._chunk = "", 0, False, _HEAD_CHUNK

    def _more(self) -> bool:
        """Append the next piece of the stream to the text; False at its end."""
        if self._ended:
            return False
        try:
            data = self._stream.read(self._chunk)
            self._text = self._text[self._pos:] + self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise self._invalid from exc
        except Exception as exc:  # as in _read_member
            raise self._unreadable(exc) from exc
        self._pos, self._ended, self._chunk = 0, not data, min(2 * self._chunk, 16 * _HEAD_CHUNK)
        return not self._ended

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end), left unread."""
        while True:
            self._pos = _WHITESPACE.match(self._text, self._pos).end()
            if self._pos < len(self._text) or not self._more():
                return self._text[self._pos:self._pos + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise self._invalid
        self._pos += 1

    def value(self) -> object:
        self.peek()
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._text, self._pos)
                # A value that ends the text read so far may be cut short (a number): it needs a character after it.
                if end < len(self._text) or self._ended:
                    self._pos = end
                    return obj
            except json.JSONDecodeError:
                if self._ended:
                    raise self._invalid from None
            self._more()


def _read_meta_head(zf: zipfile.ZipFile, label: str) -> tuple[dict, bool]:
    """meta.json's members before the fingerprint, and whether that is all of meta.json.

    The members are parsed one by one from the inflating stream, which is left unread from the
    fingerprint on (once LISTED_META have been seen; a file that puts them later is read further).
    """
    name = "meta.json"
    _check_member(zf, name, _JSON_LIMIT, label)
    invalid = ModelFileError(f"{label} has invalid JSON in '{name}'.")
    try:
        stream = zf.open(name)
    except Exception as exc:  # as in _read_member
        raise _unreadable(label, name, exc) from exc
    with stream:
        reader = _JsonStream(stream, invalid, lambda exc: _unreadable(label, name, exc))
        if reader.peek() != "{":  # not an object: let the whole-member reader name the problem
            stream.close()
            return _read_meta(zf, label), True
        reader.take("{")
        head: dict = {}
        if reader.peek() == "}":
            reader.take("}")
        else:
            while True:
                if reader.peek() != '"':
                    raise invalid
                key = reader.value()
                reader.take(":")
                if key == _SKIPPED_META and all(k in head for k in LISTED_META):
                    return head, False
                head[key] = reader.value()
                if reader.peek() != ",":
                    break
                reader.take(",")
            reader.take("}")
        if reader.peek() != "":
            raise invalid
    return head, True


# -- reading: tensors ------------------------------------------------------------------------------

def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The stored tensors' names and shapes for `config` (the tied head is stored once, as the embedding).

    They are computed from the config, so nothing is allocated (a file whose config claims a huge
    model is rejected by the shape check instead of exhausting memory) and no network is built
    (building one on the meta device imports torch's reference ops: a second on the first load).
    """
    return {k: v for k, v in parameter_shapes(config).items() if not (config.tied and k == "head.weight")}


def _check_layout(config: ModelConfig, stored: dict[str, tuple[tuple[int, ...], bool]], label: str) -> None:
    """Raise ModelFileError unless `stored` (name → (shape, is float)) is what `config` implies."""
    expected = expected_shapes(config)
    unknown = sorted(set(stored) - set(expected))
    if unknown:
        raise ModelFileError(f"{label} has an unexpected tensor '{unknown[0]}'.")
    absent = sorted(set(expected) - set(stored))
    if absent:
        raise ModelFileError(f"{label} lacks the tensor '{absent[0]}'.")
    for name, shape in expected.items():
        got, is_float = stored[name]
        if got != shape:
            raise ModelFileError(f"{label} has tensor '{name}' of shape {got}; the configuration needs {shape}.")
        if not is_float:
            raise ModelFileError(f"{label} has a non-float tensor '{name}'.")


def _check_tensors(config: ModelConfig, tensors: dict[str, torch.Tensor], label: str) -> dict[str, torch.Tensor]:
    """The tensors as float32 once every name, shape and value is right; else ModelFileError."""
    import torch

    _check_layout(config, {k: (tuple(t.shape), t.is_floating_point()) for k, t in tensors.items()}, label)
    state = {}
    for name in expected_shapes(config):
        t = tensors[name].float()
        if not torch.isfinite(t).all():
            raise ModelFileError(f"{label} has NaN or infinite values in '{name}'.")
        state[name] = t
    return state


def _read_weights_header(zf: zipfile.ZipFile, label: str) -> dict[str, tuple[tuple[int, ...], bool]]:
    """name → (shape, is float) from the safetensors header, reading only its 8 + N bytes.

    The header's entries must tile the data exactly, as safetensors requires, so a file that
    passes here is one safetensors will parse (the values themselves are checked on load).
    """
    name = "weights.safetensors"
    info = _check_member(zf, name, _WEIGHTS_LIMIT, label)
    if info.compress_type != zipfile.ZIP_STORED and \
            info.file_size > _WEIGHTS_MAX_RATIO * info.compress_size + 1024 * 1024:
        raise ModelFileError(f"{label} has weights that would inflate to {info.file_size:,} bytes from "
                             f"{info.compress_size:,}; real weights barely compress, so it is refused unopened.")
    header, size = _raw_weights_header(zf, info, label)
    stored, spans = _header_entries(header, label)
    covered = 0
    for begin, end in sorted(spans):
        if begin != covered:
            raise _damaged(label, "its tensors overlap or leave gaps")
        covered = end
    if covered != info.file_size - 8 - size:
        raise _damaged(label, "the data is not the length the header says")
    return stored


def _damaged(label: str, why: str) -> ModelFileError:
    return ModelFileError(f"{label} has damaged weights ({why}).")


def _raw_weights_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> tuple[dict, int]:
    """The safetensors header as a JSON object (without its __metadata__, which must be text), and its
    length in bytes."""
    name = info.filename
    try:
        with zf.open(name) as stream:
            prefix = stream.read(8)
            if len(prefix) != 8:
                raise _damaged(label, "the header is cut short")
            (size,) = struct.unpack("<Q", prefix)
            if size > min(_HEADER_LIMIT, info.file_size - 8):
                raise _damaged(label, "the header claims more bytes than the file holds")
            raw = stream.read(size)
    except ModelFileError:
        raise
    except Exception as exc:  # as in _read_member
        raise _unreadable(label, name, exc) from exc
    if len(raw) != size:
        raise _damaged(label, "the header is cut short")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(label, "the header is not JSON") from exc
    if not isinstance(header, dict):
        raise _damaged(label, "the header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict)
                                     and all(isinstance(v, str) for v in metadata.values())):
        raise _damaged(label, "its metadata is not text")
    return header, size


def _header_entries(header: dict, label: str) -> tuple[dict[str, tuple[tuple[int, ...], bool]], list[tuple[int, int]]]:
    """Each tensor's (shape, is float), and the byte span each one claims, from a well-formed header."""
    stored: dict[str, tuple[tuple[int, ...], bool]] = {}
    spans: list[tuple[int, int]] = []
    for tensor, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        shape = entry.get("shape") if isinstance(entry, dict) else None
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)
                and isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int for n in offsets)):
            raise _damaged(label, f"the entry for '{tensor}' is malformed")
        width = _FLOAT_DTYPES.get(dtype) or _OTHER_DTYPES.get(dtype)
        if width is None:
            raise _damaged(label, f"'{tensor}' has the unknown dtype {dtype!r}")
        begin, end = offsets
        if not 0 <= begin <= end or end - begin != math.prod(shape) * width:
            raise _damaged(label, f"the offsets of '{tensor}' do not fit its shape")
        stored[tensor] = (tuple(shape), dtype in _FLOAT_DTYPES)
        spans.append((begin, end))
    return stored, spans


# -- the entry points ------------------------------------------------------------------------------

@dataclass
class ModelSummary:
    """What a listing shows of a model file, read without its tensors (see read_summary)."""

    config: ModelConfig
    tokenizer: str
    parameters: int  # stored values: tied weights count once
    meta_head: dict  # meta.json's members before the fingerprint (all of them when complete)
    meta_complete: bool


def read_summary(path: str | Path) -> ModelSummary:
    """The config, tokenizer, parameter count and head of meta.json, checked as far as that can be
    done without the tensors (no torch, no numpy): the member rules, the JSON, the vocabulary's size
    and the safetensors header's names, shapes and dtypes against the config. Milliseconds per file;
    load_model still validates everything."""
    path = Path(path)
    label = f"The model file {path.name}"
    with _open_archive(path, label) as zf:
        config = _read_config(zf, label)
        # The cheap checks first: the tensors' header against the config, then vocab.json's size.
        stored = _read_weights_header(zf, label)
        _check_layout(config, stored, label)
        _check_vocab_member(zf, config, label)
        vocab = _read_json(zf, "vocab.json", label)
        tokens = vocab.get("tokens") if isinstance(vocab, dict) else None
        kind = vocab.get("kind", "char") if isinstance(vocab, dict) else None
        if not (isinstance(tokens, list) and isinstance(kind, str) and set(map(type, tokens)) <= {str}):
            raise ModelFileError(f"{label}: the vocabulary is malformed.")
        _check_vocab_size(len(tokens), config, label)
        meta_head, complete = _read_meta_head(zf, label)
    parameters = sum(math.prod(shape) for shape, _ in stored.values())
    return ModelSummary(config=config, tokenizer=kind, parameters=parameters, meta_head=meta_head,
                        meta_complete=complete)


def read_metadata(path: str | Path) -> dict:
    """All of meta.json (the fingerprint included), after the member rules; nothing else is read."""
    path = Path(path)
    label = f"The model file {path.name}"
    with _open_archive(path, label) as zf:
        return _read_meta(zf, label)


def read_parts(path: str | Path) -> tuple[ModelConfig, Vocab, dict, dict[str, torch.Tensor]]:
    """Open and validate a model file (tensors included, as float32) without building the network."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_safetensors

    path = Path(path)
    label = f"The model file {path.name}"
    with _open_archive(path, label) as zf:
        config = _read_config(zf, label)
        # Every tensor's name, shape and dtype from the safetensors header, against the config, before
        # anything large is inflated or parsed.
        _check_layout(config, _read_weights_header(zf, label), label)
        vocab = _read_vocab(zf, config, label)
        meta = _read_meta(zf, label)
        raw = _read_member(zf, "weights.safetensors", _WEIGHTS_LIMIT, label)
    try:
        tensors = load_safetensors(raw)
    except (SafetensorError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{label} has damaged weights ({exc}).") from exc
    del raw
    return config, vocab, meta, _check_tensors(config, tensors, label)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> ModelBundle:
    """Load a model file as float32 on `device`, in eval mode, whatever it was trained on."""
    from poetpad.core.model import PoetLM

    path = Path(path)
    config, vocab, meta, state = read_parts(path)  # fully validated before any real allocation
    model = PoetLM(config, init=False)  # every weight is overwritten below
    if config.tied:
        state["head.weight"] = state["embed.weight"]
    model.load_state_dict(state)
    model.to(device).eval()
    return ModelBundle(config=config, vocab=vocab, meta=meta, model=model, path=path)


def read_meta(path: str | Path) -> tuple[ModelConfig, Vocab, dict]:
    """Config, vocab and all of the metadata, without loading the tensors (their header is checked)."""
    path = Path(path)
    label = f"The model file {path.name}"
    with _open_archive(path, label) as zf:
        config = _read_config(zf, label)
        _check_layout(config, _read_weights_header(zf, label), label)
        vocab = _read_vocab(zf, config, label)
        meta = _read_meta(zf, label)
    return config, vocab, meta


def validate(path: str | Path) -> None:
    """Raise ModelFileError if the file would not load."""
    load_model(path)
