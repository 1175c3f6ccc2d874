"""Bounded memory and time for any input: hostile model files are refused from their headers, before
anything large is inflated or parsed; a long prefix is read without scoring every position, and cut
to what a model can use; `check` is linear in the text."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as save_safetensors

from poetpad.core import library, modelfile
from poetpad.core.decode import MAX_PREFIX_CHARS, Request, SampleSettings, cut_prefix, generate
from poetpad.core.verse import check_poem
from poetpad.errors import ModelFileError
from tests.core.test_modelfile import members, write_zip


@pytest.fixture
def good(make_model_file, tmp_path) -> Path:
    return make_model_file(tmp_path / "good.poetpad", language="zh")


@pytest.fixture
def no_large_reads(monkeypatch):
    """Fail the test if weights are inflated or vocab.json is parsed."""
    real_read, real_parse = modelfile._read_member, modelfile._parse_json

    def read(zf, name, limit, label):
        if name == "weights.safetensors":
            pytest.fail("the weights were inflated before the file was refused")
        return real_read(zf, name, limit, label)

    def parse(raw, name, label):
        if name == "vocab.json":
            pytest.fail("vocab.json was parsed before its size was checked")
        return real_parse(raw, name, label)

    monkeypatch.setattr(modelfile, "_read_member", read)
    monkeypatch.setattr(modelfile, "_parse_json", parse)


def _bomb_weights(config: dict, scale: int) -> bytes:
    """A safetensors blob whose header fits a config `scale` times the vocabulary: zeros and ones, so it
    deflates tens of times (under the general zip-bomb ratio of 200, like the probe's 11 MB → 2 GB file)."""
    from poetpad.core.modelconfig import ModelConfig

    big = ModelConfig.from_dict(dict(config, vocab_size=config["vocab_size"] * scale))
    shapes = modelfile.expected_shapes(big)
    gen = torch.Generator().manual_seed(0)
    return save_safetensors({k: torch.randint(0, 2, v, generator=gen).float() for k, v in shapes.items()}), big


def test_weights_that_inflate_far_beyond_their_size_are_refused_unopened(good, tmp_path, no_large_reads):
    parts = members(good)
    config = json.loads(parts["config.json"])
    weights, big = _bomb_weights(config, 4000)
    parts["weights.safetensors"] = weights
    parts["config.json"] = json.dumps(dict(config, vocab_size=big.vocab_size)).encode()
    bomb = write_zip(tmp_path / "bomb.poetpad", parts)  # deflated
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("weights.safetensors")
        assert 10 * info.compress_size < info.file_size < 200 * info.compress_size
    for read in (modelfile.load_model, modelfile.read_summary, modelfile.read_meta):
        with pytest.raises(ModelFileError, match="inflate"):
            read(bomb)


def test_shapes_are_checked_before_the_weights_are_inflated(good, tmp_path, no_large_reads):
    parts = members(good)
    config = json.loads(parts["config.json"])
    parts["config.json"] = json.dumps(dict(config, hidden=config["hidden"] * 2)).encode()
    bad = write_zip(tmp_path / "bad.poetpad", parts, compression=zipfile.ZIP_STORED)
    with pytest.raises(ModelFileError, match="shape"):
        modelfile.load_model(bad)


def test_a_vocab_far_larger_than_its_config_is_refused_before_it_is_parsed(good, tmp_path, no_large_reads):
    parts = members(good)
    vocab = json.loads(parts["vocab.json"])
    vocab["tokens"] = vocab["tokens"] + [f"w{i}" for i in range(300_000)]
    parts["vocab.json"] = json.dumps(vocab).encode()
    bad = write_zip(tmp_path / "bad.poetpad", parts)
    for read in (modelfile.load_model, modelfile.read_summary):
        with pytest.raises(ModelFileError, match="vocabulary takes"):
            read(bad)


def test_a_hostile_file_in_the_library_is_left_out_of_listings(good, tmp_path, make_model_file):
    from poetpad import paths

    parts = members(good)
    vocab = json.loads(parts["vocab.json"])
    vocab["tokens"] = vocab["tokens"] + ["x"] * 300_000
    parts["vocab.json"] = json.dumps(vocab).encode()
    write_zip(paths.user_models_dir() / "hostile.poetpad", parts)
    make_model_file(paths.user_models_dir() / "fine.poetpad")
    assert [i.name for i in library.list_models()] == ["fine"]


# -- a long prefix ---------------------------------------------------------------------------------


def test_a_long_prefix_scores_only_its_last_position_and_is_cut(make_model, monkeypatch):
    model, vocab = make_model("char")
    scored: list[int] = []
    real_head = model.head.forward

    def head(x):
        scored.append(x.shape[-2] if x.dim() == 3 else 1)
        return real_head(x)

    monkeypatch.setattr(model.head, "forward", head)
    fed: list[int] = []
    real_features = model.features

    def features(tokens, state=None):
        fed.append(tokens.shape[1])
        return real_features(tokens, state)

    monkeypatch.setattr(model, "features", features)
    line = "春风又绿江南岸明月何时照我还\n"  # no clause marks: free verse, never complete
    prefix = line * (200_000 // len(line))
    gens = generate(model, vocab, Request(prefix=prefix, n=1, mode="line",
                                         settings=SampleSettings(max_tokens=8, seed=1)))
    assert max(scored) == 1  # never a score per prefix position
    assert max(fed) <= 512 and sum(fed) <= MAX_PREFIX_CHARS + 8 + 1  # in chunks, and only the last part of it
    assert gens[0].notes and "too long" in gens[0].notes[0]
    assert gens[0].text.startswith("春") and len(gens[0].text) <= MAX_PREFIX_CHARS + 8


def test_cut_prefix_keeps_whole_lines():
    text = "a" * 10 + "\n" + "b" * 5 + "\n" + "c" * 3
    assert cut_prefix(text, 100) == (text, 0)
    kept, cut = cut_prefix(text, 12)
    assert kept == "b" * 5 + "\n" + "c" * 3 and cut == 11


def test_prime_matches_forward(make_model):
    model, vocab = make_model("char")
    x = torch.randint(4, len(vocab), (2, 1300), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        full, state = model(x)
        last, state2 = model.prime(x, chunk=512)
    assert torch.allclose(full[:, -1, :], last, atol=1e-5)
    for a, b in zip(state, state2, strict=True):
        assert torch.allclose(a, b, atol=1e-5)


# -- check is linear -----------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["Shall I compare thee to a summer's day?\n", "床前明月光，疑是地上霜。\n"])
def test_check_work_grows_linearly_with_the_text(monkeypatch, line):
    """Counted, not timed: the words the checker compares or looks up per line stay flat as the text grows
    (a rhyme scheme once compared every line with every earlier one)."""
    from poetpad.core import prosody_en

    calls = {"n": 0}
    for name in ("rhymes", "rhyming_parts", "normalize"):
        real = getattr(prosody_en, name)

        def counted(*args, _real=real, **kwargs):
            calls["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(prosody_en, name, counted)
    per_line = []
    for repeat in (100, 800):
        calls["n"] = 0
        check_poem((line * repeat).strip())
        per_line.append(calls["n"] / repeat)
    assert per_line[1] <= per_line[0] * 1.2 + 1
