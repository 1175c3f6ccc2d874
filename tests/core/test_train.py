import functools
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from poetpad.core import cpu, library, modelfile
from poetpad.core import device as dev
from poetpad.core.corpus import Poem, make_corpus
from poetpad.core.decode import SampleSettings, sample
from poetpad.core.model import ModelConfig, PoetLM, default_cutoffs
from poetpad.core.train import checkpoint as tckpt
from poetpad.core.train import config as tcfg
from poetpad.core.train import data as tdata
from poetpad.core.train import job as tjob
from poetpad.core.train import loop as tloop
from poetpad.core.vocab import BOS_ID, EOS_ID, Vocab
from poetpad.errors import CorpusError, LibraryError, TrainingError
from tests.helpers import TINY, chinese_quatrains, write_chinese_corpus, write_english_corpus


def tiny_config(**kw) -> tcfg.TrainConfig:
    values = dict(epochs=3, batch_size=8, seq_len=32, lr=1e-2, device="cpu", warmup_steps=2, samples=1,
                  sample_tokens=12, progress_interval=0.0)
    values.update(kw)
    return tcfg.TrainConfig(**values)


def job(tmp_path, name="mine", **kw) -> tjob.TrainJob:
    corpus = write_chinese_corpus(tmp_path / "corpus")
    options = dict(TINY)
    options.update({k: kw.pop(k) for k in list(kw) if k in options})
    return tjob.TrainJob(paths=[str(corpus)], name=name, config=kw.pop("config", tiny_config()), **options, **kw)


# -- batches and evaluation ------------------------------------------------------------------------


def test_batches_are_deterministic_in_bounds_and_snap_to_poem_starts():
    vocab = Vocab.build(chinese_quatrains(40))
    ids = vocab.encode_poems(chinese_quatrains(40))
    b = tdata.Batches(ids, seq_len=128, batch_size=4, seed=7)
    first, again, other = b.starts(0), b.starts(0), b.starts(1)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.min() >= 0 and first.max() + 129 <= len(ids)
    # Poems take 29 tokens with <bos> and <eos>, less than a quarter window (32), so every window
    # snaps back to the start of the poem it begins in.
    assert np.all(ids[first] == BOS_ID)
    unsnapped = tdata.Batches(ids, seq_len=32, batch_size=4, seed=7).starts(0)
    assert not np.all(ids[unsnapped] == BOS_ID)
    batch = b.batch(first, 0)
    assert batch.shape == (4, 129) and batch.dtype == torch.int64
    assert torch.equal(batch[0], torch.from_numpy(ids[first[0]:first[0] + 129].astype(np.int64)))


def test_evaluate_stream_of_a_uniform_model_is_log_vocab_and_skips_bos_targets():
    vocab = Vocab.build(chinese_quatrains(5))
    model = PoetLM(ModelConfig(vocab_size=len(vocab), embedding=8, hidden=8, layers=1, dropout=0.0))
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    ids = vocab.encode_poems(chinese_quatrains(5))
    total, count = tdata.evaluate_stream(model, ids, block=16)
    assert count == len(ids) - 1 - int((ids[1:] == BOS_ID).sum())
    assert total / count == pytest.approx(math.log(len(vocab)), rel=1e-5)


# -- the whole job ---------------------------------------------------------------------------------


def test_train_save_load_generate_round_trip(tmp_path):
    events = []
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=6)), on_progress=events.append)
    assert path is not None and path.exists()
    assert result.reason in ("completed", "early_stop")
    kinds = {type(e).__name__ for e in events}
    assert {"TrainStarted", "StepProgress", "EvalDone", "TrainFinished"} <= kinds
    evals = [e for e in events if isinstance(e, tcfg.EvalDone)]
    assert evals[-1].samples and evals[-1].samples[0]
    assert evals[0].bits_per_char == pytest.approx(evals[0].valid_loss / math.log(2))
    # It learned something: better than guessing uniformly over the vocabulary.
    assert result.best_valid_loss < math.log(len(result.vocab)) - 0.3

    info = library.find("mine")
    assert not info.bundled and info.language == "zh"
    bundle = modelfile.load_model(path)
    meta = bundle.meta
    assert meta["corpus"]["sha256"] and len(meta["corpus"]["sha256"]) == 64
    assert meta["training"]["device"] == "cpu" and meta["training"]["steps"] == result.steps
    assert len(meta["training"]["history"]) == len(evals)
    assert meta["training"]["best_valid_loss"] == pytest.approx(result.best_valid_loss, abs=1e-4)
    poem = sample(bundle.model, bundle.vocab, "春", 1, SampleSettings(seed=3, max_tokens=30))[0]
    assert poem.text.startswith("春") and len(poem.text) > 1
    assert not tckpt.has_checkpoint("mine")


def test_word_tokenizer_trains_end_to_end(tmp_path):
    corpus = write_english_corpus(tmp_path / "en")
    j = tjob.TrainJob(paths=[str(corpus)], name="words", tokenizer="word", config=tiny_config(epochs=2), **TINY)
    result, path = tjob.train_model(j)
    bundle = modelfile.load_model(path)
    assert bundle.vocab.kind == "word" and "moon" in bundle.vocab
    assert bundle.meta["language"] == "en"


def test_interrupted_run_resumes_to_the_same_weights_as_an_uninterrupted_one(tmp_path):
    reference, _ = tjob.train_model(job(tmp_path, name="straight", config=tiny_config(epochs=3)))

    calls = {"n": 0}

    def stop_after_five():
        calls["n"] += 1
        return calls["n"] > 5

    halted, path = tjob.train_model(job(tmp_path, name="halted", config=tiny_config(epochs=3)),
                                    should_stop=stop_after_five)
    assert path is None and halted.reason == "cancelled" and halted.steps == 5
    assert tckpt.has_checkpoint("halted") and not library.exists("halted")

    resumed, path = tjob.train_model(job(tmp_path, name="halted", resume=True, config=tiny_config(epochs=3)))
    assert path is not None and resumed.steps == reference.steps
    a = reference.model.state_dict()
    b = resumed.model.state_dict()
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-6), key
    assert not tckpt.has_checkpoint("halted")


def test_checkpoint_guards(tmp_path):
    with pytest.raises(TrainingError, match="no interrupted run"):
        tjob.train_model(job(tmp_path, resume=True))
    tjob.train_model(job(tmp_path), should_stop=lambda: True)
    with pytest.raises(TrainingError, match="--resume"):
        tjob.train_model(job(tmp_path))
    other = write_chinese_corpus(tmp_path / "other", seed=99)
    changed = job(tmp_path, resume=True)
    changed.paths = [str(other)]
    with pytest.raises(TrainingError, match="corpus changed"):
        tjob.train_model(changed)


def test_a_damaged_checkpoint_is_a_clear_error(tmp_path):
    tjob.train_model(job(tmp_path), should_stop=lambda: True)
    tckpt.checkpoint_path("mine").write_bytes(b"not a checkpoint at all")
    with pytest.raises(TrainingError, match="damaged"):
        tjob.train_model(job(tmp_path, resume=True))


def test_existing_name_and_small_corpus_are_refused_before_training(tmp_path):
    tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))
    with pytest.raises(TrainingError, match="already exists"):
        tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))
    small = tmp_path / "small.txt"
    small.write_text("春风吹绿江南岸，明月何时照我还。\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="1,000|1000"):
        tjob.train_model(tjob.TrainJob(paths=[str(small)], name="tiny", config=tiny_config(), **TINY))


def test_a_given_corpus_too_small_is_refused_before_training(tmp_path):
    small = make_corpus([Poem("春风吹绿江南岸，明月何时照我还。")])  # 16 characters on one line
    expected = r"^The corpus has 16 characters of poems; training needs at least 1,000\.$"
    with pytest.raises(TrainingError, match=expected):
        tjob.train_model(tjob.TrainJob(paths=[], name="tiny", config=tiny_config(), **TINY), corpus=small)
    assert not library.exists("tiny") and not tckpt.has_checkpoint("tiny")


def test_a_bad_model_option_is_named_as_an_option(tmp_path):
    with pytest.raises(TrainingError, match=r"^The option 'layers' is out of range \(1 to 16\)\.$"):
        tjob.train_model(job(tmp_path, layers=0))
    assert not library.exists("mine") and not tckpt.has_checkpoint("mine")


def test_diverged_weights_are_not_saved(tmp_path, monkeypatch):
    original = tloop.Trainer.run

    def diverge(self, resume_from=None):
        result = original(self, resume_from)
        with torch.no_grad():
            next(result.model.parameters()).fill_(float("nan"))
        return result

    monkeypatch.setattr(tloop.Trainer, "run", diverge)
    with pytest.raises(TrainingError, match="diverged"):
        tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))
    assert not library.exists("mine")


def test_fine_tuning_keeps_ids_and_extends_the_vocabulary(tmp_path):
    _, base_path = tjob.train_model(job(tmp_path, name="base", config=tiny_config(epochs=1)))
    base_vocab = modelfile.load_model(base_path).vocab
    extra = tmp_path / "extra.txt"
    extra.write_text("\n".join(["龙虎凤麟" + p.replace("\n", "") for p in chinese_quatrains(10, seed=5)]),
                     encoding="utf-8")
    notes = []
    j = tjob.TrainJob(paths=[str(extra)], name="tuned", base_model="base", config=tiny_config(epochs=1))
    _, path = tjob.train_model(j, on_progress=lambda e: notes.append(e) if isinstance(e, tcfg.Note) else None)
    tuned = modelfile.load_model(path)
    assert tuned.vocab.tokens[:len(base_vocab)] == base_vocab.tokens
    assert {"龙", "虎", "凤", "麟"} <= set(tuned.vocab.tokens[len(base_vocab):])
    assert any("龙" in n.text for n in notes)
    assert tuned.meta["training"]["base_model"] == "base"
    with pytest.raises(LibraryError, match="no model called 'nope'"):
        tjob.train_model(tjob.TrainJob(paths=[str(extra)], name="x", base_model="nope", config=tiny_config()))


def test_early_stopping_keeps_the_best_weights(tmp_path, monkeypatch):
    losses = iter([3.0, 2.0, 2.5, 2.6, 1.0])
    snapshots = []
    original = tloop.Trainer._evaluate

    def spy(self, train_loss):
        stop = original(self, train_loss)
        snapshots.append({k: v.clone() for k, v in self.model.state_dict().items()})
        return stop

    monkeypatch.setattr(tloop.Trainer, "validate", lambda self: next(losses))
    monkeypatch.setattr(tloop.Trainer, "_evaluate", spy)
    result, _ = tjob.train_model(job(tmp_path, config=tiny_config(epochs=10, patience=2)))
    assert result.reason == "early_stop" and len(snapshots) == 4
    assert result.best_valid_loss == 2.0
    for key, value in result.model.state_dict().items():
        assert torch.equal(value, snapshots[1][key]), key


def test_time_budget_stops_training(tmp_path):
    config = tiny_config(epochs=10_000, max_minutes=0.005, patience=10_000)
    result, path = tjob.train_model(job(tmp_path, config=config))
    assert result.reason == "time_budget" and path is not None
    assert result.seconds >= 0.3 and result.steps < 10_000


def test_pause_checkpoints_and_then_continues(tmp_path):
    answers = iter([False, False, True, True, True])
    events = []
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)), on_progress=events.append,
                                    is_paused=lambda: next(answers, False))
    changes = [e.paused for e in events if isinstance(e, tcfg.PauseChanged)]
    assert changes == [True, False]
    assert any(isinstance(e, tcfg.Checkpointed) for e in events)
    assert path is not None and result.reason == "completed"


def test_out_of_memory_suggests_a_smaller_batch(tmp_path, monkeypatch):
    def boom(self, batch):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(tloop.Trainer, "_train_step", boom)
    with pytest.raises(TrainingError, match="--batch 4"):
        tjob.train_model(job(tmp_path))


def test_progress_events_are_sane(tmp_path):
    steps = []
    tjob.train_model(job(tmp_path, config=tiny_config(epochs=2)),
                     on_progress=lambda e: steps.append(e) if isinstance(e, tcfg.StepProgress) else None)
    assert steps and all(0 <= s.fraction <= 1 and s.eta_s >= 0 and s.tokens_per_s > 0 for s in steps)
    assert [s.step for s in steps] == sorted(s.step for s in steps)
    assert steps[-1].step == steps[-1].total_steps


def test_devices():
    assert dev.resolve_device("cpu").type == "cpu"
    assert dev.resolve_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(TrainingError, match="No CUDA GPU"):
            dev.resolve_device("cuda")
    with pytest.raises(TrainingError):
        dev.resolve_device("tpu")


def test_bad_training_options_are_one_sentence_errors():
    with pytest.raises(TrainingError, match="--epochs"):
        tcfg.TrainConfig(epochs=0).validate()
    with pytest.raises(TrainingError, match="--lr"):
        tcfg.TrainConfig(lr=0).validate()


def test_eos_ends_generation():
    vocab = Vocab.build(chinese_quatrains(5))
    model = PoetLM(ModelConfig(vocab_size=len(vocab), embedding=8, hidden=8, layers=1, dropout=0.0))
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.fill_(-10.0)
        model.head.bias[EOS_ID] = 10.0
    out = sample(model, vocab, "春", 2, SampleSettings(seed=1, max_tokens=50))
    assert [o.text for o in out] == ["春", "春"]


# -- precision, threads, the adaptive softmax (issue 12) ---------------------------------------------


def test_precision_choices(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(dev, "cpu_bf16", lambda: "AMX")
    assert dev.resolve_precision("auto", cpu) == ("bf16", torch.bfloat16)
    assert dev.resolve_precision("bf16", cpu) == ("bf16", torch.bfloat16)
    assert dev.resolve_precision("auto", cpu, amp=False) == ("fp32", None)  # --no-amp
    assert dev.resolve_precision("fp32", cpu) == ("fp32", None)
    with pytest.raises(TrainingError, match="fp16 training is for CUDA"):
        dev.resolve_precision("fp16", cpu)
    monkeypatch.setattr(dev, "cpu_bf16", lambda: "")  # emulated bf16 is slower than fp32: never chosen
    assert dev.resolve_precision("auto", cpu) == ("fp32", None)
    with pytest.raises(TrainingError, match="no native bf16"):
        dev.resolve_precision("bf16", cpu)
    with pytest.raises(TrainingError, match="Unknown precision .* use one of: auto"):
        tcfg.TrainConfig(precision="fp8").validate()
    with pytest.raises(TrainingError, match="--threads: The threads must be 1 to"):
        tcfg.TrainConfig(threads=0).validate()


def _open_instead(real_path, _path, *args, **kwargs):
    return open(real_path, *args, **kwargs)


def test_cpu_bf16_detection_falls_back_to_cpuinfo(monkeypatch, tmp_path):
    def missing(*args):
        raise AttributeError("no probe in this torch")

    monkeypatch.setattr(torch.cpu, "get_capabilities", missing, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", missing, raising=False)
    for flags, expected in (("fpu sse avx512f avx512_bf16 amx_tile amx_bf16", "AMX"),
                            ("fpu sse avx512f avx512_bf16", "AVX512-BF16"), ("fpu sse avx2 fma", "")):
        cpuinfo = tmp_path / "cpuinfo"
        cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n", encoding="ascii")
        monkeypatch.setattr(cpu, "open", functools.partial(_open_instead, cpuinfo), raising=False)
        dev.cpu_bf16.cache_clear()
        assert dev.cpu_bf16() == expected
    dev.cpu_bf16.cache_clear()


def test_cpu_bf16_agrees_with_torch():
    dev.cpu_bf16.cache_clear()
    caps = torch.cpu.get_capabilities()
    assert bool(dev.cpu_bf16()) == bool(caps.get("amx_bf16") or caps.get("avx512_bf16"))


def test_threads_default_to_every_available_core_and_are_restored(tmp_path, monkeypatch):
    import os

    events = []
    before = torch.get_num_threads()
    tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)), on_progress=events.append)
    started = next(e for e in events if isinstance(e, tcfg.TrainStarted))
    assert started.threads == dev.available_cores() == len(os.sched_getaffinity(0))
    assert f"({started.threads} thread" in started.device_name
    assert torch.get_num_threads() == before
    events.clear()
    tjob.train_model(job(tmp_path, name="one", config=tiny_config(epochs=1, threads=1)), on_progress=events.append)
    assert next(e for e in events if isinstance(e, tcfg.TrainStarted)).threads == 1
    assert torch.get_num_threads() == before
    assert dev.default_threads(local_processes=2) == max(1, dev.available_cores() // 2)


@pytest.mark.skipif(not dev.cpu_bf16(), reason="this CPU has no native bf16")
def test_bf16_on_the_cpu_keeps_float32_weights_optimiser_and_validation(tmp_path, monkeypatch):
    seen = []
    real = tdata.evaluate_stream

    def spy(*args, **kwargs):
        seen.append(kwargs.get("amp_dtype", args[5] if len(args) > 5 else None))
        return real(*args, **kwargs)

    monkeypatch.setattr(tloop, "evaluate_stream", spy)
    events = []
    trainers = []
    real_run = tloop.Trainer.run
    monkeypatch.setattr(tloop.Trainer, "run", lambda self, resume_from=None: trainers.append(self)
                        or real_run(self, resume_from))
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=4)), on_progress=events.append)
    started = next(e for e in events if isinstance(e, tcfg.TrainStarted))
    assert started.precision == result.precision == "bf16" and started.amp == "bfloat16"
    assert seen and all(dtype is None for dtype in seen)  # validation in float32
    trainer = trainers[0]
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert all(v.dtype == torch.float32 for s in trainer.optimizer.state.values() for k, v in s.items()
               if k != "step")
    assert result.best_valid_loss < math.log(len(result.vocab)) - 0.3
    assert modelfile.load_model(path).meta["training"]["precision"] == "bf16"


def test_evaluate_stream_scores_an_adaptive_model_exactly():
    vocab = Vocab.build(chinese_quatrains(30))
    config = ModelConfig(vocab_size=len(vocab), embedding=8, hidden=16, layers=1, dropout=0.0, output="adaptive",
                         cutoffs=[8, 20])
    torch.manual_seed(0)
    model = PoetLM(config)
    ids = vocab.encode_poems(chinese_quatrains(30))
    total, count = tdata.evaluate_stream(model, ids, block=32, batch_size=4)
    x = torch.from_numpy(ids.astype(np.int64))
    expected, n = 0.0, 0
    for start in range(0, len(ids) - 1, 32):  # the same blocks, scored from the full log-probabilities
        block = x[start:start + 33]
        with torch.no_grad():
            scores, _ = model(block[None, :-1])
        y = tdata.targets(block[1:])
        keep = y != 0
        expected -= float(scores[0, keep].gather(1, y[keep, None]).sum())
        n += int(keep.sum())
    assert count == n and total == pytest.approx(expected, rel=1e-5)
    parts = [tdata.evaluate_stream(model, ids, block=32, batch_size=4, part=i, parts=3) for i in range(3)]
    assert sum(c for _, c in parts) == count and sum(s for s, _ in parts) == pytest.approx(total, rel=1e-6)


def test_adaptive_training_never_scores_the_whole_vocabulary(tmp_path, monkeypatch):
    from poetpad.core.model import AdaptiveSoftmax

    calls = []
    real = AdaptiveSoftmax.log_prob
    monkeypatch.setattr(AdaptiveSoftmax, "log_prob", lambda self, x: calls.append(tuple(x.shape)) or real(self, x))
    result, path = tjob.train_model(job(tmp_path, softmax="adaptive", config=tiny_config(epochs=4)))
    assert result.softmax == "adaptive" and result.best_valid_loss < math.log(len(result.vocab)) - 0.3
    assert all(shape[0] == 1 for shape in calls)  # only the samples' decoding (one row) asked for every token
    bundle = modelfile.load_model(path)
    assert bundle.config.output == "adaptive" and bundle.config.cutoffs == default_cutoffs(len(bundle.vocab))


def test_an_adaptive_model_writes_valid_poems_by_sampling_and_beam_search(tmp_path):
    from poetpad.core.suggest import make_request, suggest

    _, path = tjob.train_model(job(tmp_path, softmax="adaptive", config=tiny_config(epochs=6)))
    bundle = modelfile.load_model(path)
    assert bundle.config.output == "adaptive"
    for beam in (0, 4):
        request = make_request(mode="acrostic", heads="春江花月", form="5x4", beam=beam, n=2, seed=3)
        results = suggest(bundle, request, "mine")
        assert results
        for poem in results:
            assert poem.valid, poem.problems
            assert [line[0] for line in poem.text.split("\n")] == list("春江花月")
            assert math.isfinite(poem.score) and poem.score < 0
    poem = sample(bundle.model, bundle.vocab, "春", 1, SampleSettings(seed=3, max_tokens=30))[0]
    assert poem.text.startswith("春") and len(poem.text) > 1


def test_fine_tuning_an_adaptive_model_keeps_its_layer_and_puts_new_tokens_in_the_last_cluster(tmp_path):
    _, base_path = tjob.train_model(job(tmp_path, name="base", softmax="adaptive", config=tiny_config(epochs=1)))
    base = modelfile.load_model(base_path)
    extra = tmp_path / "extra.txt"
    extra.write_text("\n".join(["龙虎凤麟" + p.replace("\n", "") for p in chinese_quatrains(10, seed=5)]),
                     encoding="utf-8")
    notes = []
    j = tjob.TrainJob(paths=[str(extra)], name="tuned", base_model="base", softmax="full", config=tiny_config(epochs=1))
    _, path = tjob.train_model(j, on_progress=lambda e: notes.append(e.text) if isinstance(e, tcfg.Note) else None)
    tuned = modelfile.load_model(path)
    assert tuned.config.output == "adaptive" and tuned.config.cutoffs == base.config.cutoffs
    assert any("keeps base's adaptive softmax" in n for n in notes)
    new_ids = [tuned.vocab.id(ch) for ch in "龙虎凤麟"]
    assert min(new_ids) >= len(base.vocab) > tuned.config.cutoffs[-1]  # appended: in the last cluster
    with torch.no_grad():
        scores, _ = tuned.model(torch.tensor([[2, 5, 6]]))
    torch.testing.assert_close(scores.exp().sum(-1), torch.ones(1, 3), atol=1e-5, rtol=0)
    assert scores[0, -1, new_ids].exp().sum() < 0.5  # the new characters start rare


def test_batches_split_among_processes_cover_the_global_batch():
    ids = np.arange(4 + 8 * 37, dtype=np.int64) % 50 + 4
    whole = tdata.Batches(ids, seq_len=8, batch_size=6, seed=1)
    starts = whole.starts(0)
    assert whole.count(starts) == math.ceil(len(starts) / 6)
    for index in range(whole.count(starts, parts=2)):
        parts = [whole.batch(starts, index, part, 2) for part in range(2)]
        assert parts[0].shape == parts[1].shape
        joined = torch.cat(parts)
        assert torch.equal(joined, whole.batch(starts, index)[:len(joined)])
    # A last batch of fewer windows than processes is left out when split.
    assert whole.count(starts[:13], parts=2) == 2 and whole.count(starts[:13]) == 3
    assert whole.count(starts[:14], parts=2) == 3


def test_json_summary_fields(tmp_path):
    result, _ = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1, threads=1)))
    summary = result.summary()
    assert set(summary) >= {"tokens_per_second", "steps", "epochs", "seconds", "best_valid_loss", "precision",
                            "softmax", "device", "world_size"}
    assert summary["tokens_per_second"] > 0 and summary["world_size"] == 1 and summary["softmax"] == "full"
    assert result.tokens > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_mixed_precision_with_an_adaptive_softmax(tmp_path):
    result, path = tjob.train_model(job(tmp_path, softmax="adaptive", config=tiny_config(epochs=3, device="cuda")))
    assert result.precision in ("bf16", "fp16") and result.device.startswith("cuda")
    assert result.best_valid_loss < math.log(len(result.vocab)) - 0.3
    bundle = modelfile.load_model(path)  # saved from the GPU, loads on the CPU
    assert bundle.config.output == "adaptive" and next(bundle.model.parameters()).device.type == "cpu"


# -- the training options, declared once in a torch-free module (issue 23) ---------------------------


def test_train_config_and_job_take_their_defaults_from_the_declared_options():
    from poetpad.core.vocab import KINDS

    assert tcfg.TOKENIZERS == KINDS
    config, job = tcfg.TrainConfig(), tjob.TrainJob(paths=[], name="x")
    for name, option in tcfg.OPTIONS.items():
        assert getattr(job if name in tcfg.JOB_OPTIONS else config, name) == option.default, name
        assert option.problem(option.default) is None, name


def test_the_training_config_loads_neither_torch_nor_the_loop():
    code = ("import sys\nimport poetpad.core.train.config\n"
            "print(sorted(m for m in ('torch', 'numpy', 'poetpad.core.train.loop') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
