"""Shared fixtures: every test gets its own data dir, and tiny models are made inside the test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

ZH_POEMS = ["床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。", "春眠不觉晓，\n处处闻啼鸟。"]
EN_POEMS = ["Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:",
            "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date."]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """POETPAD_DATA_DIR points at a fresh folder, so no test touches the real user data, and the
    repository's bundled models are hidden unless a test asks for them (the `bundled_models` fixture)."""
    path = tmp_path / "poetpad-data"
    monkeypatch.setenv("POETPAD_DATA_DIR", str(path))
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", "")
    return path


@pytest.fixture(scope="module")
def one_thread():
    """torch on one thread for a module's tests: tiny models run fastest that way, and the machine is shared.
    A module asks for it with `pytestmark = pytest.mark.usefixtures("one_thread")`."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def bundled_models(monkeypatch) -> Path:
    """The repository's models/ folder, as the bundled models."""
    folder = REPO_ROOT / "models"
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", str(folder))
    return folder


@pytest.fixture
def make_model():
    """make_model(kind=, texts=, cell=, tied=, embedding=, hidden=, layers=, seed=) → (PoetLM in eval mode, Vocab)."""
    import torch

    from poetpad.core.model import ModelConfig, PoetLM
    from poetpad.core.vocab import Vocab

    def make(kind: str = "char", texts: list[str] | None = None, cell: str = "lstm", tied: bool = False,
             embedding: int = 8, hidden: int = 16, layers: int = 1, seed: int = 0):
        torch.manual_seed(seed)
        vocab = Vocab.build(texts if texts is not None else (ZH_POEMS if kind == "char" else EN_POEMS), kind=kind)
        config = ModelConfig(vocab_size=len(vocab), cell=cell, embedding=embedding, hidden=hidden, layers=layers,
                             dropout=0.0, tied=tied)
        return PoetLM(config).eval(), vocab

    return make


@pytest.fixture
def make_model_file(tmp_path, make_model):
    """make_model_file(path=None, language="zh", meta=None, half=False, **make_model options) → Path.

    The file goes to tmp_path/"files"/"model.poetpad" unless `path` is given; an "en" model gets a
    word vocabulary of English verse unless `kind` says otherwise.
    """
    from poetpad.core import modelfile

    def make(path: str | Path | None = None, *, language: str = "zh", meta: dict | None = None,
             half: bool = False, **options) -> Path:
        options.setdefault("kind", "word" if language == "en" else "char")
        model, vocab = make_model(**options)
        info = {"language": language, "created": "2024-01-02T03:04:05",
                "training": {"best_valid_loss": 1.25, "epochs": 3}}
        info.update(meta or {})
        return modelfile.save_model(path or tmp_path / "files" / "model.poetpad", model, vocab, info, half=half)

    return make
