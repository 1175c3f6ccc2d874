import io
import json
import os
import pickle
import random
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import safetensors.torch
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from poetpad import __version__, fileio
from poetpad.core import model as model_module
from poetpad.core import modelfile
from poetpad.core.model import PoetLM
from poetpad.errors import ModelFileError


class _Touch:
    """A pickle that creates `path` when unpickled: proof that code ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def logits_of(model: PoetLM) -> torch.Tensor:
    x = torch.randint(4, model.config.vocab_size, (2, 9), generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        return model(x)[0]


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(path: Path, parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def variant(good: Path, out: Path, **changes) -> Path:
    """A copy of `good` with members replaced (bytes), added, or removed (None)."""
    parts = members(good)
    for name, data in changes.items():
        name = name.replace("__", ".")
        if data is None:
            parts.pop(name)
        else:
            parts[name] = data
    return write_zip(out, parts)


def edit_json(good: Path, out: Path, name: str, edit) -> Path:
    data = json.loads(members(good)[name])
    edit(data)
    return variant(good, out, **{name.replace(".", "__"): json.dumps(data).encode()})


def edit_tensors(good: Path, out: Path, edit) -> Path:
    tensors = load_safetensors(members(good)["weights.safetensors"])
    edit(tensors)
    return variant(good, out, weights__safetensors=save_safetensors(tensors))


def patch_central_entry(path: Path, name: str, patch) -> None:
    """Rewrite bytes of `name`'s central-directory record (and local header) in place."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    idx = data.find(b"PK\x01\x02")
    while idx != -1:
        (length,) = struct.unpack_from("<H", data, idx + 28)
        if data[idx + 46: idx + 46 + length] == name.encode():
            patch(data, idx, info.header_offset)
        idx = data.find(b"PK\x01\x02", idx + 1)
    path.write_bytes(bytes(data))


@pytest.fixture
def good(make_model_file, tmp_path) -> Path:
    return make_model_file(tmp_path / "good.poetpad", language="zh")


# -- round trips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell,tied", [("lstm", False), ("gru", True), ("lstm", True)])
def test_save_load_round_trip_gives_identical_logits(tmp_path, make_model, cell, tied):
    model, vocab = make_model(cell=cell, tied=tied, embedding=8, hidden=16, layers=2)
    path = modelfile.save_model(tmp_path / "m.poetpad", model, vocab, {"language": "zh"})
    bundle = modelfile.load_model(path)
    assert bundle.path == path
    assert bundle.config == model.config
    assert bundle.vocab == vocab
    assert not bundle.model.training
    assert all(p.dtype == torch.float32 and p.device.type == "cpu" for p in bundle.model.parameters())
    assert torch.equal(logits_of(bundle.model), logits_of(model))
    if tied:
        assert bundle.model.head.weight is bundle.model.embed.weight
        assert "head.weight" not in load_safetensors(members(path)["weights.safetensors"])


def test_half_precision_file_is_half_the_size_and_close(tmp_path, make_model):
    model, vocab = make_model(embedding=32, hidden=64, layers=1)
    full = modelfile.save_model(tmp_path / "full.poetpad", model, vocab, {})
    half = modelfile.save_model(tmp_path / "half.poetpad", model, vocab, {}, half=True)
    ratio = half.stat().st_size / full.stat().st_size
    assert 0.45 < ratio < 0.55
    stored = load_safetensors(members(half)["weights.safetensors"])
    assert {t.dtype for t in stored.values()} == {torch.float16}
    bundle = modelfile.load_model(half)
    assert {p.dtype for p in bundle.model.parameters()} == {torch.float32}
    torch.testing.assert_close(logits_of(bundle.model), logits_of(model), atol=1e-2, rtol=0)
    assert not torch.equal(logits_of(bundle.model), logits_of(model))  # really rounded


def test_load_skips_the_costly_random_init(good, monkeypatch):
    # Orthogonal init costs about a second per 1024x1024 block on a small CPU; loading overwrites it anyway.
    calls = []
    monkeypatch.setattr(torch.nn.init, "orthogonal_", lambda t, *a, **k: calls.append(t.shape) or t)
    bundle = modelfile.load_model(good)
    assert calls == []
    assert bundle.model.rnn.weight_hh_l0.abs().sum().item() > 0


def test_load_on_cpu_by_name_or_device(good):
    for device in ("cpu", torch.device("cpu")):
        bundle = modelfile.load_model(good, device=device)
        assert {p.device.type for p in bundle.model.parameters()} == {"cpu"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_saved_from_gpu_loads_on_cpu(tmp_path, make_model):
    model, vocab = make_model()
    path = modelfile.save_model(tmp_path / "gpu.poetpad", model.cuda(), vocab, {"device": "cuda"})
    bundle = modelfile.load_model(path, device="cpu")
    assert {p.device.type for p in bundle.model.parameters()} == {"cpu"}
    assert torch.equal(logits_of(bundle.model), logits_of(model.cpu()))


def test_zip_has_exactly_the_four_members(good):
    with zipfile.ZipFile(good) as zf:
        assert zf.namelist() == ["config.json", "vocab.json", "meta.json", "weights.safetensors"]
        assert zf.getinfo("weights.safetensors").compress_type == zipfile.ZIP_STORED
        config = json.loads(zf.read("config.json"))
    assert config["format"] == modelfile.FORMAT == 1
    assert config["hidden"] == 16


def test_meta_round_trips_and_caller_dict_is_untouched(tmp_path, make_model):
    model, vocab = make_model()
    meta = {"language": "zh", "corpus": {"name": "唐诗", "sha256": "ab" * 32, "poems": 2},
            "loss_history": [3.5, 2.25, 1.125], "training_seconds": 12.5, "device": "cuda:0", "none": None}
    before = json.loads(json.dumps(meta))
    bundle = modelfile.load_model(modelfile.save_model(tmp_path / "m.poetpad", model, vocab, meta))
    assert bundle.meta == dict(meta, poetpad_version=__version__)
    assert bundle.language == "zh"
    assert meta == before
    _, _, read = modelfile.read_meta(tmp_path / "m.poetpad")
    assert read == bundle.meta


def test_save_refuses_a_vocab_that_does_not_fit(tmp_path, make_model):
    model, _ = make_model()
    _, other = make_model(texts=["ab"])
    with pytest.raises(ModelFileError, match="tokens but the model expects"):
        modelfile.save_model(tmp_path / "m.poetpad", model, other, {})
    assert list(tmp_path.iterdir()) == []


def test_validate_accepts_a_good_file(good):
    modelfile.validate(good)


# -- atomic writes --------------------------------------------------------------------------------

def test_save_leaves_no_temp_files_and_overwrites(tmp_path, make_model):
    folder = tmp_path / "out"
    model, vocab = make_model(seed=1)
    path = modelfile.save_model(folder / "m.poetpad", model, vocab, {"n": 1})
    modelfile.save_model(path, model, vocab, {"n": 2})
    assert [p.name for p in folder.iterdir()] == ["m.poetpad"]
    assert modelfile.load_model(path).meta["n"] == 2


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_gets_normal_permissions(tmp_path, make_model):
    umask = os.umask(0o022)
    try:
        model, vocab = make_model()
        path = modelfile.save_model(tmp_path / "m.poetpad", model, vocab, {})
        text = tmp_path / "t.txt"
        modelfile.atomic_write_text(text, "hi")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # mkstemp alone would give 0o600
    assert text.stat().st_mode & 0o777 == 0o644 and text.read_text() == "hi"


def test_failed_save_keeps_the_old_file(good, make_model, monkeypatch):
    old = good.read_bytes()
    model, vocab = make_model(seed=5)

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(safetensors.torch, "save", boom)  # modelfile imports it when it saves
    with pytest.raises(RuntimeError, match="disk on fire"):
        modelfile.save_model(good, model, vocab, {})
    assert good.read_bytes() == old
    assert [p.name for p in good.parent.iterdir()] == ["good.poetpad"]


def test_failed_replace_removes_the_temp_file(good, make_model, monkeypatch):
    old = good.read_bytes()
    model, vocab = make_model(seed=5)

    def no_replace(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", no_replace)
    with pytest.raises(OSError, match="No space left"):
        modelfile.save_model(good, model, vocab, {})
    assert good.read_bytes() == old
    assert [p.name for p in good.parent.iterdir()] == ["good.poetpad"]


def test_save_refuses_weights_that_would_not_load(tmp_path, make_model):
    model, vocab = make_model()
    with torch.no_grad():
        model.embed.weight[4, 0] = 1e6  # fine in float32, infinite in float16
    with pytest.raises(ModelFileError, match="too large for half precision"):
        modelfile.save_model(tmp_path / "half.poetpad", model, vocab, {}, half=True)
    modelfile.load_model(modelfile.save_model(tmp_path / "full.poetpad", model, vocab, {}))
    with torch.no_grad():
        model.head.bias[0] = float("nan")
    with pytest.raises(ModelFileError, match="NaN or infinite values"):
        modelfile.save_model(tmp_path / "nan.poetpad", model, vocab, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.poetpad"]


# -- hostile and broken files ---------------------------------------------------------------------

def test_pickle_member_is_refused_without_running_it(good, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Touch(marker))
    bad = variant(good, tmp_path / "bad.poetpad", data__pkl=payload)
    with pytest.raises(ModelFileError, match="unexpected member 'data.pkl'"):
        modelfile.load_model(bad)
    with pytest.raises(ModelFileError, match="unexpected member"):
        modelfile.read_meta(bad)
    assert not marker.exists()
    pickle.loads(payload).close()  # the payload is real: unpickling it does create the marker
    assert marker.exists()


def test_torch_pickle_in_place_of_safetensors_is_refused(good, tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save({"embed.weight": torch.zeros(3), "x": _Touch(marker)}, buf)
    bad = variant(good, tmp_path / "bad.poetpad", weights__safetensors=buf.getvalue())
    with pytest.raises(ModelFileError, match="damaged weights"):
        modelfile.load_model(bad)
    assert not marker.exists()


# -- damaged files: one table, refused by load_model and (what it can see) by read_summary ----------

def _content(data):
    """make(good, out): a file holding data(good)'s bytes."""
    def make(good: Path, out: Path) -> Path:
        out.write_bytes(data(good))
        return out

    return make


def _member(**changes):
    """make(good, out): `good` with members replaced, added or removed, as variant() takes them."""
    return lambda good, out: variant(good, out, **changes)


def _json(name: str, edit):
    return lambda good, out: edit_json(good, out, name, edit)


def _tensors(edit):
    return lambda good, out: edit_tensors(good, out, edit)


def _weights_as(change):
    """make(good, out): `good` with the bytes of its weights member replaced by change(bytes)."""
    return lambda good, out: variant(good, out, weights__safetensors=change(members(good)["weights.safetensors"]))


def _zip_records(name: str, patch):
    """make(good, out): a byte copy of `good` with `name`'s zip records changed by patch(data, central, local)."""
    def make(good: Path, out: Path) -> Path:
        out.write_bytes(good.read_bytes())
        patch_central_entry(out, name, patch)
        return out

    return make


def _torch_saved(weights: bytes) -> bytes:
    """The same tensors as a plain torch.save state dict (a pickle)."""
    buf = io.BytesIO()
    torch.save(load_safetensors(weights), buf)
    return buf.getvalue()


def _grow(t):
    t["rnn.weight_hh_l0"] = torch.zeros(64, 17)


def _poison(value: float):
    def edit(t):
        t["embed.weight"][5, 3] = value

    return edit


def _scramble(data, _central, local):  # the first compressed bytes
    (name_len, extra_len) = struct.unpack_from("<HH", data, local + 26)
    start = local + 30 + name_len + extra_len
    data[start: start + 20] = b"\xff" * 20


def _method_99(data, central, local):  # a compression method no reader knows
    struct.pack_into("<H", data, central + 10, 99)
    struct.pack_into("<H", data, local + 8, 99)


def _encrypted(data, central, _local):
    data[central + 8] |= 0x01


def _name_not_utf8(data, central, _local):
    data[central + 9] |= 0x08  # "name is UTF-8" flag
    data[central + 46] = 0xFF


# (make(good, out) → path, the words of load_model's refusal as a regex)
DAMAGED = [
    pytest.param(_member(data__pkl=pickle.dumps([1])), "unexpected member 'data.pkl'", id="pickle-member"),
    *(pytest.param(_member(**{name.replace(".", "__"): None}), f"missing '{name}'", id=f"missing-{name}")
      for name in modelfile.MEMBERS),
    pytest.param(_content(lambda good: good.read_bytes()[: len(good.read_bytes()) // 2]), "not a PoetPad model",
                 id="cut-in-half"),
    pytest.param(_content(lambda good: good.read_bytes()[:-30]), "not a PoetPad model", id="cut-short"),
    pytest.param(_content(lambda good: random.Random(0).randbytes(5000)), "not a PoetPad model", id="random"),
    pytest.param(_content(lambda good: b""), "not a PoetPad model", id="empty"),
    pytest.param(_content(lambda good: b"PK\x05\x06" + b"\x00" * 10), "not a PoetPad model", id="broken-zip-header"),
    pytest.param(_content(lambda good: b"PK\x03\x04 junk"), "not a PoetPad model", id="not-zip"),
    pytest.param(_json("config.json", lambda c: c.update(colour="red")), "unknown field 'colour'",
                 id="config-unknown-field"),
    pytest.param(_json("config.json", lambda c: c.update(dropout=1.5)), "'dropout'", id="config-bad-value"),
    pytest.param(_json("config.json", lambda c: c.update(format=3)), "uses format 3.*Update PoetPad",
                 id="newer-format"),
    # The tensors' header is checked against the config first (nothing is inflated before it).
    pytest.param(_json("config.json", lambda c: c.update(vocab_size=c["vocab_size"] + 1)),
                 "inconsistent: the vocabulary has|the configuration needs", id="vocab-size"),
    pytest.param(_json("vocab.json", lambda v: v["tokens"].__setitem__(5, v["tokens"][4])), "twice",
                 id="duplicate-token"),
    *(pytest.param(_member(**{name.replace(".", "__"): data}), f"invalid JSON in '{name}'", id=f"{name}-{how}")
      for name in ("config.json", "vocab.json", "meta.json")
      for how, data in (("not-json", b"{not json"), ("not-utf8", b"\xff\xfe\x00"), ("empty", b""))),
    pytest.param(_member(meta__json=b"[1, 2]"), "'meta.json' that is not a JSON object", id="meta-not-object"),
    pytest.param(_tensors(_grow), r"'rnn.weight_hh_l0' of shape \(64, 17\); the configuration needs \(64, 16\)",
                 id="tensor-shape"),
    pytest.param(_tensors(lambda t: t.update({"evil.weight": torch.zeros(2)})), "unexpected tensor 'evil.weight'",
                 id="extra-tensor"),
    pytest.param(_tensors(lambda t: t.pop("head.bias")), "lacks the tensor 'head.bias'", id="missing-tensor"),
    pytest.param(_tensors(lambda t: t.update({"head.bias": t["head.bias"].to(torch.int32)})),
                 "non-float tensor 'head.bias'", id="int-tensor"),
    *(pytest.param(_tensors(_poison(value)), "NaN or infinite values in 'embed.weight'", id=str(value))
      for value in (float("nan"), float("inf"), float("-inf"))),
    pytest.param(_weights_as(lambda w: b"\x80\x02" + b"\x00" * 64), "damaged weights", id="pickle-weights"),
    pytest.param(_weights_as(_torch_saved), "damaged weights", id="torch-state-dict"),
    pytest.param(_weights_as(lambda w: b"\xff" * 8 + b"{}"), "damaged weights", id="huge-header"),
    pytest.param(_weights_as(lambda w: w[: len(w) // 2]), "damaged weights", id="weights-cut-in-half"),
    pytest.param(_weights_as(lambda w: w[:-8]), "damaged weights", id="weights-cut-short"),
    pytest.param(_zip_records("config.json", _scramble), "damaged: 'config.json' cannot be read",
                 id="corrupt-compressed-data"),
    pytest.param(_zip_records("config.json", _method_99), "damaged: 'config.json' cannot be read",
                 id="unknown-compression"),
    pytest.param(_zip_records("vocab.json", _encrypted), "damaged: 'vocab.json' cannot be read", id="encrypted"),
    pytest.param(_zip_records("meta.json", _name_not_utf8), "not a PoetPad model", id="name-not-utf8"),
]
# A listing reads neither the tensors' values nor the vocabulary's tokens, so these only load_model sees.
LOAD_ONLY = {"duplicate-token", "nan", "inf", "-inf"}


@pytest.mark.parametrize("make,words", DAMAGED)
def test_a_damaged_file_is_refused_with_a_clear_message(good, tmp_path, make, words):
    with pytest.raises(ModelFileError, match=words):
        modelfile.load_model(make(good, tmp_path / "bad.poetpad"))


def test_member_listed_twice(good, tmp_path):
    bad = tmp_path / "bad.poetpad"
    parts = members(good)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(bad, "w") as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
            zf.writestr("config.json", parts["config.json"])
    with pytest.raises(ModelFileError, match="twice"):
        modelfile.load_model(bad)


def test_float64_and_bfloat16_weights_load_as_float32(good, tmp_path):
    def widen(t):
        t["embed.weight"] = t["embed.weight"].double()
        t["head.bias"] = t["head.bias"].bfloat16()

    bundle = modelfile.load_model(edit_tensors(good, tmp_path / "ok.poetpad", widen))
    assert bundle.model.embed.weight.dtype == torch.float32 and bundle.model.head.bias.dtype == torch.float32


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Names of the zip members actually decompressed."""
    seen: list[str] = []
    real = zipfile.ZipFile.read

    def spy(self, name, pwd=None):
        seen.append(name if isinstance(name, str) else name.filename)
        return real(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", spy)
    return seen


def test_oversized_member_is_not_unpacked(good, tmp_path, monkeypatch, reads):
    monkeypatch.setattr(modelfile, "_JSON_LIMIT", 10_000)
    meta = b'{"pad": "' + b"x" * 50_000 + b'"}'
    bad = variant(good, tmp_path / "bad.poetpad", meta__json=meta)
    reads.clear()
    with pytest.raises(ModelFileError, match="oversized 'meta.json'"):
        modelfile.load_model(bad)
    assert "meta.json" not in reads


def test_zip_bomb_ratio_is_refused(good, tmp_path, reads):
    meta = b'{"pad": "' + b" " * 400_000 + b'"}'  # deflates about 1000:1
    bad = variant(good, tmp_path / "bad.poetpad", meta__json=meta)
    reads.clear()
    with pytest.raises(ModelFileError, match="suspiciously compressed 'meta.json'"):
        modelfile.load_model(bad)
    assert "meta.json" not in reads


def test_huge_config_is_refused_before_anything_is_allocated(good, tmp_path, monkeypatch):
    # A few kilobytes claiming a 16-layer, 8192-wide LSTM (34 GB of float32) must not build that network.
    real = model_module.PoetLM  # modelfile imports it when it loads

    def only_on_meta(config, **kwargs):
        assert torch.get_default_device().type == "meta", "a real network was built before validation"
        return real(config, **kwargs)

    monkeypatch.setattr(model_module, "PoetLM", only_on_meta)
    bad = edit_json(good, tmp_path / "bad.poetpad", "config.json",
                    lambda c: c.update(embedding=8192, hidden=8192, layers=16))
    assert "config.json" in members(bad) and bad.stat().st_size < 100_000
    with pytest.raises(ModelFileError, match="lacks the tensor 'rnn.bias_hh_l1'"):
        modelfile.load_model(bad)


def test_nonexistent_path(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        modelfile.load_model(tmp_path / "nope.poetpad")


def test_directory_path(tmp_path):
    folder = tmp_path / "folder.poetpad"
    folder.mkdir()
    with pytest.raises(ModelFileError, match="is not a file"):
        modelfile.load_model(folder)


def test_read_parts_returns_validated_float32_tensors(good):
    config, vocab, meta, tensors = modelfile.read_parts(good)
    assert set(tensors) == set(modelfile.expected_shapes(config))
    assert {t.dtype for t in tensors.values()} == {torch.float32}
    assert len(vocab) == config.vocab_size and meta["language"] == "zh"


def test_the_fingerprint_is_decoded_once_per_bundle(tmp_path, make_model):
    from poetpad.core.verse import Fingerprint

    model, vocab = make_model()
    meta = {"fingerprint": Fingerprint.build(["床前明月光，", "疑是地上霜。"]).to_dict()}
    bundle = modelfile.load_model(modelfile.save_model(tmp_path / "m.poetpad", model, vocab, meta))
    first = bundle.fingerprint()
    assert first is bundle.fingerprint() and "床前明月光，" in first
    bare = modelfile.load_model(modelfile.save_model(tmp_path / "bare.poetpad", model, vocab, {}))
    assert bare.fingerprint() is None and bare.fingerprint() is None


# -- reading for listings: no tensors, no torch (issue 10) ----------------------------------------

@pytest.mark.parametrize("cell,tied,half", [("lstm", False, False), ("gru", True, False), ("lstm", True, True)])
def test_summary_agrees_with_the_full_read(tmp_path, make_model, cell, tied, half):
    model, vocab = make_model(cell=cell, tied=tied, embedding=8, hidden=16, layers=2)
    path = modelfile.save_model(tmp_path / "m.poetpad", model, vocab, {"language": "zh", "created": "x"}, half=half)
    config, vocab, meta, tensors = modelfile.read_parts(path)
    summary = modelfile.read_summary(path)
    assert summary.config == config == model.config
    assert summary.parameters == sum(t.numel() for t in tensors.values()) == model.num_parameters()
    assert summary.tokenizer == vocab.kind == "char"
    assert summary.meta_head == meta == modelfile.read_metadata(path) and summary.meta_complete


@pytest.fixture
def weights_read(monkeypatch) -> list[int]:
    """Byte counts returned by reads of the weights member's stream."""
    counts: list[int] = []
    real = zipfile.ZipExtFile.read

    def spy(self, n=-1):
        data = real(self, n)
        if self.name == "weights.safetensors":
            counts.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    return counts


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_summary_reads_only_the_safetensors_header(make_model_file, tmp_path, weights_read, compression):
    good = make_model_file(tmp_path / "big.poetpad", embedding=64, hidden=128)
    path = write_zip(tmp_path / "m.poetpad", members(good), compression=compression)
    weights = members(path)["weights.safetensors"]
    header_size = 8 + struct.unpack("<Q", weights[:8])[0]
    weights_read.clear()
    summary = modelfile.read_summary(path)
    assert sum(weights_read) == header_size < len(weights) / 50
    assert summary.parameters == sum(t.numel() for t in load_safetensors(weights).values())


def test_summary_stops_reading_meta_at_the_fingerprint(make_model_file, tmp_path, monkeypatch):
    fingerprint = {"kind": "bloom", "data": random.Random(0).randbytes(600_000).hex()}  # hex: compresses 2:1
    path = make_model_file(tmp_path / "m.poetpad", meta={"fingerprint": fingerprint, "later": [1, 2]})
    size = zipfile.ZipFile(path).getinfo("meta.json").file_size
    read: list[int] = []
    real = zipfile.ZipExtFile.read
    monkeypatch.setattr(zipfile.ZipExtFile, "read",
                        lambda self, n=-1: read.append(len(data := real(self, n))) or data)
    summary = modelfile.read_summary(path)
    assert not summary.meta_complete and list(summary.meta_head) == ["language", "created", "training"]
    assert sum(read) < size / 10
    full = modelfile.read_metadata(path)
    assert full["fingerprint"] == fingerprint and full["later"] == [1, 2]


@pytest.mark.parametrize("meta", [
    {}, {"language": "en"}, {"a": [1, 2.5e3, None, True, False, {"b": 'c\\"\u00e9'}], "n": -7},
    {"text": random.Random(1).randbytes(200_000).hex(), "created": "x"},  # spans many reads
    {"poem": "".join(map(chr, random.Random(2).choices(range(0x4E00, 0x9FFF), k=60_000))), "language": "zh",
     "created": "x", "training": {}, "fingerprint": None},  # multi-byte characters across reads; stops early
    {"fingerprint": 1}, {"language": "zh", "fingerprint": {"x": 1}},  # listed fields missing: read through
])
def test_meta_head_of_complete_or_partial_files(tmp_path, make_model, meta):
    model, vocab = make_model()
    path = modelfile.save_model(tmp_path / "m.poetpad", model, vocab, meta)
    summary = modelfile.read_summary(path)
    full = dict(meta, poetpad_version=__version__)
    assert full == modelfile.read_metadata(path)
    keys = list(full)
    cut = keys.index("fingerprint") if "fingerprint" in keys and set(modelfile.LISTED_META) <= set(keys[
        :keys.index("fingerprint")]) else len(keys)
    assert summary.meta_head == {k: full[k] for k in keys[:cut]}
    assert summary.meta_complete == (cut == len(keys))


@pytest.mark.parametrize("raw", [b'{"a": 12', b'{"a": 1,}', b'{"a" 1}', b'{"a": 1} x', b'{1: 2}', b"  ", b"[1]",
                                 b"\xff\xfe", b'{"a": "\xff"}'])
def test_meta_head_refuses_bad_json(good, tmp_path, raw):
    bad = variant(good, tmp_path / "bad.poetpad", meta__json=raw)
    with pytest.raises(ModelFileError, match="invalid JSON in 'meta.json'|not a JSON object"):
        modelfile.read_summary(bad)


@pytest.mark.parametrize("make,words", [param for param in DAMAGED if param.id not in LOAD_ONLY])
def test_summary_refuses_what_load_refuses(good, tmp_path, make, words):
    bad = make(good, tmp_path / "bad.poetpad")
    with pytest.raises(ModelFileError, match=words) as loading:
        modelfile.load_model(bad)
    with pytest.raises(ModelFileError) as summary:
        modelfile.read_summary(bad)
    if "damaged weights" in str(loading.value):  # safetensors words its own errors
        assert "damaged weights" in str(summary.value)
    else:
        assert str(summary.value) == str(loading.value)


def test_summary_checks_member_sizes_before_unpacking(good, tmp_path, monkeypatch):
    bad = variant(good, tmp_path / "bad.poetpad", meta__json=b'{"pad": "' + b"x" * 50_000 + b'"}')
    bomb = variant(good, tmp_path / "bomb.poetpad", meta__json=b'{"pad": "' + b" " * 400_000 + b'"}')
    opened: list[str] = []
    real = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(
        name if isinstance(name, str) else name.filename) or real(self, name, *a, **k))
    with pytest.raises(ModelFileError, match="suspiciously compressed 'meta.json'"):
        modelfile.read_summary(bomb)
    monkeypatch.setattr(modelfile, "_JSON_LIMIT", 10_000)
    with pytest.raises(ModelFileError, match="oversized 'meta.json'"):
        modelfile.read_summary(bad)
    assert "meta.json" not in opened and "config.json" in opened


def test_read_meta_checks_the_header_without_loading_tensors(good, tmp_path, monkeypatch):
    nan = edit_tensors(good, tmp_path / "nan.poetpad", lambda t: t["head.bias"].fill_(float("nan")))
    monkeypatch.setattr(safetensors.torch, "load", lambda *_: pytest.fail("tensors were loaded"))
    config, vocab, meta = modelfile.read_meta(nan)  # values are load_model's business
    assert len(vocab) == config.vocab_size and meta["language"] == "zh"
    with pytest.raises(ModelFileError, match="unexpected tensor 'evil'"):
        modelfile.read_meta(edit_tensors(good, tmp_path / "bad.poetpad", lambda t: t.update(evil=torch.zeros(2))))


def test_reading_for_listings_imports_neither_torch_nor_numpy(good):
    code = ("import json, sys\n"
            "from poetpad.core import modelfile\n"
            "from poetpad.core.modelconfig import PRESETS, ModelConfig, preset_config\n"
            f"s = modelfile.read_summary({str(good)!r})\n"
            f"meta = modelfile.read_metadata({str(good)!r})\n"
            "config = preset_config('small', 100)\n"
            "print(json.dumps({'parameters': s.parameters, 'language': meta['language'],\n"
            "                  'loaded': [m for m in ('torch', 'numpy', 'safetensors') if m in sys.modules]}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(out.stdout)
    assert result == {"parameters": modelfile.read_summary(good).parameters, "language": "zh", "loaded": []}


def test_model_re_exports_the_one_config():
    from poetpad.core import model, modelconfig

    for name in ("ModelConfig", "PRESETS", "CELLS", "preset_config", "parameter_shapes"):
        assert getattr(model, name) is getattr(modelconfig, name)


# -- the adaptive softmax (issue 12) ----------------------------------------------------------------

OLD_CONFIG_KEYS = {"vocab_size", "cell", "embedding", "hidden", "layers", "dropout", "tied", "format"}


def adaptive(model: PoetLM, cutoffs=None) -> PoetLM:
    """The same network with an adaptive softmax (fresh weights, from the same seed)."""
    from poetpad.core.model import ModelConfig, default_cutoffs

    config = ModelConfig(**dict(model.config.to_dict(), output="adaptive",
                                cutoffs=cutoffs or default_cutoffs(model.config.vocab_size)))
    torch.manual_seed(3)
    return PoetLM(config).eval()


@pytest.mark.parametrize("tied,half", [(False, False), (True, False), (True, True)])
def test_adaptive_model_round_trips_and_lists(tmp_path, make_model, tied, half):
    base, vocab = make_model(tied=tied, embedding=8, hidden=16, layers=2)
    model = adaptive(base, cutoffs=[8, 20])
    path = modelfile.save_model(tmp_path / "a.poetpad", model, vocab, {"language": "zh", "created": "x"}, half=half)
    config = json.loads(members(path)["config.json"])
    assert config["format"] == modelfile.ADAPTIVE_FORMAT == 2
    assert config["output"] == "adaptive" and config["cutoffs"] == [8, 20]
    loaded = modelfile.load_model(path)
    assert loaded.config == model.config and loaded.model.config.clusters == 2
    torch.testing.assert_close(logits_of(loaded.model), logits_of(model), atol=2e-3 if half else 1e-6, rtol=0)
    summary = modelfile.read_summary(path)
    assert summary.config == model.config
    assert summary.parameters == model.num_parameters()
    stored = load_safetensors(members(path)["weights.safetensors"])
    assert stored["head.cluster_weight"].shape == (2, 8 if tied else 16)
    assert ("head.weight" in stored) is not tied  # a tied output layer is the embedding, stored once


def test_full_models_are_written_as_before_and_old_files_load_as_full(good, tmp_path):
    config = json.loads(members(good)["config.json"])
    assert set(config) == OLD_CONFIG_KEYS and config["format"] == 1  # an older PoetPad reads it as ever
    # A config.json written before the output layer was recorded: exactly the old keys.
    old = {k: config[k] for k in OLD_CONFIG_KEYS}
    path = variant(good, tmp_path / "old.poetpad", config__json=json.dumps(old).encode())
    loaded = modelfile.load_model(path)
    assert loaded.config.output == "full" and loaded.config.cutoffs == []
    assert modelfile.read_summary(path).config.output == "full"
    assert isinstance(loaded.model.head, torch.nn.Linear)


def test_adaptive_layer_shapes_are_checked(tmp_path, make_model):
    base, vocab = make_model(embedding=8, hidden=16)
    path = modelfile.save_model(tmp_path / "a.poetpad", adaptive(base, [8, 20]), vocab, {"language": "zh"})
    cases = {
        "lacks the tensor 'head.cluster_bias'": edit_tensors(path, tmp_path / "b1.poetpad",
                                                              lambda t: t.pop("head.cluster_bias")),
        r"'head.cluster_weight' of shape \(3, 16\)": edit_tensors(
            path, tmp_path / "b2.poetpad", lambda t: t.update({"head.cluster_weight": torch.zeros(3, 16)})),
        "'cutoffs' must rise": edit_json(path, tmp_path / "b3.poetpad", "config.json",
                                         lambda c: c.update(cutoffs=[20, 8])),
        "'cutoffs' must be empty": edit_json(path, tmp_path / "b4.poetpad", "config.json",
                                             lambda c: c.update(output="full")),
        "'output' must be one of": edit_json(path, tmp_path / "b5.poetpad", "config.json",
                                             lambda c: c.update(output="sampled")),
    }
    for message, bad in cases.items():
        with pytest.raises(ModelFileError, match=message):
            modelfile.load_model(bad)
        with pytest.raises(ModelFileError, match=message):
            modelfile.read_summary(bad)
    # A full model's file that claims an adaptive layer lacks the clusters' tensors.
    good = modelfile.save_model(tmp_path / "f.poetpad", base, vocab, {"language": "zh"})
    claims = edit_json(good, tmp_path / "c.poetpad", "config.json",
                       lambda c: c.update(output="adaptive", cutoffs=[8], format=2))
    with pytest.raises(ModelFileError, match="lacks the tensor 'head.cluster_"):
        modelfile.read_summary(claims)
