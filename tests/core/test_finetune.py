"""Personal models: fine-tuning the bundled model by default, time budgets, held-out poems and the report."""

import math

import numpy as np
import pytest
import torch

from poetpad.core import library, modelfile
from poetpad.core.corpus import SCRATCH_RECOMMENDED_CHARS, Poem, load_corpus, make_corpus
from poetpad.core.library import AUTO_BASE
from poetpad.core.train import checkpoint as tckpt
from poetpad.core.train import config as tcfg
from poetpad.core.train import data as tdata
from poetpad.core.train import job as tjob
from poetpad.core.train import loop as tloop
from poetpad.core.train import report as treport
from poetpad.errors import TrainingError
from tests.helpers import TINY, chinese_quatrains, write_chinese_corpus, write_english_corpus


@pytest.fixture
def bundled(tmp_path, monkeypatch, make_model_file):
    """A tiny Chinese model as the only bundled model (random weights, the helpers' characters)."""
    folder = tmp_path / "bundled"
    make_model_file(folder / "tiny-classical.poetpad", language="zh", texts=chinese_quatrains(60, seed=3),
                    embedding=16, hidden=32)
    monkeypatch.setattr("poetpad.paths.bundled_models_dir", lambda: folder)
    return folder


def tiny_config(**kw) -> tcfg.TrainConfig:
    values = dict(epochs=3, batch_size=8, seq_len=32, device="cpu", warmup_steps=2, samples=1, sample_tokens=12,
                  progress_interval=0.0)
    values.update(kw)
    return tcfg.TrainConfig(**values)


def test_without_a_base_the_job_fine_tunes_the_bundled_model_of_the_poems_language(tmp_path, bundled):
    events = []
    corpus = write_chinese_corpus(tmp_path / "poems", n=40)
    job = tjob.TrainJob(paths=[str(corpus)], name="mine", base_model=AUTO_BASE, config=tiny_config())
    result, path = tjob.train_model(job, on_progress=events.append)

    notes = " ".join(e.text for e in events if isinstance(e, tcfg.Note))
    assert "Fine-tuning tiny-classical, the bundled Chinese model" in notes
    assert f"{SCRATCH_RECOMMENDED_CHARS:,} characters" in notes  # says from how much text scratch pays
    assert "The corpus is small" not in notes  # that warning is for models trained from scratch
    # The base model is scored on the held-out poems before the first step.
    evals = [e for e in events if isinstance(e, tcfg.EvalDone)]
    assert evals[0].step == 0 and evals[0].best
    assert result.history[0]["step"] == 0 and result.history[0]["train_loss"] is None

    report = result.report
    assert report["base_model"] == "tiny-classical"
    assert report["base_held_out_loss"] == pytest.approx(result.history[0]["valid_loss"], abs=1e-4)
    assert report["held_out_loss"] <= report["base_held_out_loss"] + 1e-6  # the base's weights were a candidate
    assert report["uniform_loss"] == pytest.approx(math.log(len(result.vocab)), abs=1e-4)
    assert report["verdict"] in (treport.LEARNT_STYLE, treport.LEARNT_NOTHING, treport.MEMORISED)
    assert report["held_out_poems"] == 8  # a fifth of 40 poems: a tiny corpus holds out more than 5%
    assert 0 <= report["copied_share"] <= 1 and report["samples"]
    assert [e.report for e in events if isinstance(e, tcfg.TrainReport)] == [report]

    summary = result.summary()
    for key in ("base_model", "held_out_loss", "base_held_out_loss", "uniform_loss", "verdict"):
        assert summary[key] == report[key]
    meta = modelfile.load_model(path).meta
    assert meta["report"] == report and meta["training"]["base_model"] == "tiny-classical"
    assert library.find("mine").meta_head["report"]["verdict"] == report["verdict"]  # listing reads it
    assert meta["training"]["config"]["lr"] == tcfg.FINETUNE_LR  # the recipe's, as none was given


def test_no_bundled_model_of_the_language_trains_from_scratch_and_says_so(tmp_path, bundled):
    events = []
    corpus = write_english_corpus(tmp_path / "en", n=60)
    job = tjob.TrainJob(paths=[str(corpus)], name="words", base_model=AUTO_BASE, tokenizer="word",
                        config=tiny_config(epochs=2), **TINY)
    result, _ = tjob.train_model(job, on_progress=events.append)
    assert any("No bundled model writes English" in e.text for e in events if isinstance(e, tcfg.Note))
    assert result.report["base_model"] is None and result.report["base_held_out_loss"] is None
    assert result.history[0]["step"] > 0  # no step-0 validation without a base
    assert result.report["unigram_loss"] is not None


def test_a_corpus_too_small_for_a_new_model_is_refused_when_nothing_can_be_fine_tuned(tmp_path):
    small = make_corpus([Poem(p) for p in chinese_quatrains(10)])  # about 240 characters
    job = tjob.TrainJob(paths=[], name="x", base_model=AUTO_BASE, config=tiny_config(), **TINY)
    with pytest.raises(TrainingError, match="training a new model needs at least 1,000.*fine-tune"):
        tjob.train_model(job, corpus=small)


def test_a_small_corpus_is_fine_tuned_where_it_is_too_small_to_train_from_scratch(bundled):
    small = make_corpus([Poem(p) for p in chinese_quatrains(10)])
    job = tjob.TrainJob(paths=[], name="x", base_model=AUTO_BASE, config=tiny_config(epochs=1))
    result, path = tjob.train_model(job, corpus=small)
    assert path is not None and result.report["base_model"] == "tiny-classical"


def test_scratch_asked_for_with_a_bundled_model_at_hand_is_advised_against(tmp_path, bundled):
    events = []
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    tjob.train_model(tjob.TrainJob(paths=[str(corpus)], name="new", config=tiny_config(epochs=1), **TINY),
                     on_progress=events.append)
    assert any("fine-tuning the bundled model" in e.text and "(the default)" in e.text
               for e in events if isinstance(e, tcfg.Note))


def test_a_run_that_only_gets_worse_keeps_the_base_weights(tmp_path, bundled, monkeypatch):
    losses = iter([2.0, 2.5, 2.6, 2.7, 2.8, 2.9])
    monkeypatch.setattr(tloop.Trainer, "validate", lambda self: next(losses))
    base = modelfile.load_model(bundled / "tiny-classical.poetpad")
    corpus = write_chinese_corpus(tmp_path / "poems", n=40)
    job = tjob.TrainJob(paths=[str(corpus)], name="mine", base_model="tiny-classical",
                        config=tiny_config(epochs=10, patience=2, lr=0.05))
    result, path = tjob.train_model(job)
    assert result.reason == "early_stop" and result.best_valid_loss == 2.0
    tuned = modelfile.load_model(path)
    n = base.config.vocab_size
    for key, value in base.model.state_dict().items():
        assert torch.equal(tuned.model.state_dict()[key][:n] if value.dim() else tuned.model.state_dict()[key],
                           value[:n] if value.dim() else value), key
    assert tuned.meta["report"]["verdict"] in (treport.LEARNT_NOTHING, treport.MEMORISED)


def test_early_stopping_waits_for_the_warm_up(tmp_path, monkeypatch):
    losses = iter([3.0] + [3.5] * 50)
    monkeypatch.setattr(tloop.Trainer, "validate", lambda self: next(losses))
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    job = tjob.TrainJob(paths=[str(corpus)], name="mine", config=tiny_config(epochs=40, patience=1, warmup_steps=12),
                        **TINY)
    result, _ = tjob.train_model(job)
    assert result.reason == "early_stop" and result.steps >= 12


def test_a_time_budget_alone_bounds_the_run_and_the_progress(tmp_path):
    events = []
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    job = tjob.TrainJob(paths=[str(corpus)], name="mine", **TINY,
                        config=tiny_config(epochs=None, max_minutes=0.01, patience=10_000))
    result, path = tjob.train_model(job, on_progress=events.append)
    assert result.reason == "time_budget" and path is not None
    started = next(e for e in events if isinstance(e, tcfg.TrainStarted))
    assert (started.epochs, started.total_steps, started.max_minutes, started.bound) == (None, 0, 0.01, "time")
    steps = [e for e in events if isinstance(e, tcfg.StepProgress)]
    assert steps and all(e.epochs is None and 0 <= e.fraction <= 1 and math.isfinite(e.eta_s) for e in steps)
    assert steps[-1].fraction >= steps[0].fraction


def test_a_run_needs_a_bound():
    with pytest.raises(TrainingError, match="time budget"):
        tcfg.TrainConfig(epochs=None, max_minutes=None).validate()
    assert tcfg.run_bound(None, 3) == "time" and tcfg.run_bound(4, None) == "epochs" and tcfg.run_bound(4, 3) == "both"


def test_small_corpora_hold_out_a_fixed_share_of_whole_poems_whatever_their_order():
    poems = [Poem(p) for p in chinese_quatrains(40)]
    assert tdata.held_out_percent(960, 5) == tdata.HELD_OUT_MAX_PERCENT
    assert tdata.held_out_percent(100_000, 5) == 5
    train, held, how = tdata.split_poems(make_corpus(poems), 20, 5)
    again = tdata.split_poems(make_corpus(poems[::-1]), 20, 5)[1]
    assert len(held) == 8 and len(train) == 32 and "8 poems" in how
    assert {p.text for p in held} == {p.text for p in again}


def test_the_report_says_what_was_learnt(tmp_path, monkeypatch):
    corpus = load_corpus([str(write_chinese_corpus(tmp_path / "poems", n=40))])
    copied = [corpus.poems[0].text, corpus.poems[1].text]
    fresh = ["春风明月夜，\n江水白云天。"]

    def report(held, base, samples):
        monkeypatch.setattr(treport, "_report_samples", lambda *a, **k: samples)
        history = [{"step": 0, "valid_loss": base}] if base is not None else []
        result = tloop.TrainResult(model=None, vocab=None, reason="time_budget", steps=50, epochs_done=5.0,
                                   seconds=60.0, best_valid_loss=held, history=history, device="cpu",
                                   device_name="CPU", amp="off")
        result.vocab = type("V", (), {"__len__": lambda self: 100})()
        ids = np.array([1, 5, 6, 7, 2, 1, 5, 6, 2], dtype=np.int64)
        return treport.build_report(result, result.vocab, corpus, ids, ids, {"valid_poems": 8, "valid_tokens": 9},
                                    "base" if base is not None else None)

    style = report(3.5, 4.0, fresh)
    assert style["verdict"] == treport.LEARNT_STYLE and style["copied_share"] == 0
    text = " ".join(treport.report_lines(style))
    assert "against 4.000 for base" in text and "guessing at random" in text and "learnt your style" in text
    nothing = report(4.0, 4.0, fresh)
    assert nothing["verdict"] == treport.LEARNT_NOTHING and "more_time" in nothing["advice"]
    assert "learnt nothing measurable" in " ".join(treport.report_lines(nothing))
    memorised = report(3.0, 4.0, copied)
    assert memorised["verdict"] == treport.MEMORISED and memorised["copied_share"] == 1.0
    assert "mostly memorised" in " ".join(treport.report_lines(memorised))
    scratch = report(4.6, None, fresh)  # no better than guessing by frequency (the unigram loss is below 4.6)
    assert scratch["verdict"] == treport.LEARNT_NOTHING and "fine_tune" in scratch["advice"]
    assert "To do better" in " ".join(treport.report_lines(scratch))


def test_interrupted_runs_are_listed_with_their_poems_and_bounds(tmp_path):
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    job = tjob.TrainJob(paths=[str(corpus)], name="halted", **TINY, config=tiny_config(epochs=None, max_minutes=2.0))
    tjob.train_model(job, should_stop=lambda: True)
    (run,) = tckpt.interrupted_runs()
    assert (run.name, run.epochs, run.max_minutes, run.paths, run.base_model) == \
        ("halted", None, 2.0, [str(corpus)], None)
    tckpt.checkpoint_path("broken").parent.mkdir(parents=True)
    tckpt.checkpoint_path("broken").write_bytes(b"junk")
    assert [r.name for r in tckpt.interrupted_runs()] == ["halted"]
