"""`poetpad train` fine-tunes the bundled model of the poems' language by default and reports what it learnt."""

import argparse
import json
import os
import subprocess
import sys

import pytest

from tests.helpers import chinese_quatrains, write_chinese_corpus

FAST = ["--batch", "8", "--seq-len", "32", "--device", "cpu", "--threads", "1"]


def run(args, data_dir, bundled=""):
    env = dict(os.environ, POETPAD_DATA_DIR=str(data_dir), POETPAD_BUNDLED_DIR=str(bundled),
               PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "poetpad", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_train_without_from_fine_tunes_the_bundled_model_and_reports_it(tmp_path, make_model_file):
    bundled = tmp_path / "bundled"
    make_model_file(bundled / "tiny-classical.poetpad", language="zh", texts=chinese_quatrains(60, seed=3),
                    embedding=16, hidden=32)
    corpus = write_chinese_corpus(tmp_path / "poems", n=40)
    proc = run(["train", str(corpus), "--name", "mine", "--epochs", "3", "--json", *FAST], tmp_path / "data", bundled)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert len(lines) == 1
    assert summary["base_model"] == "tiny-classical" and summary["verdict"] in ("learnt_style", "learnt_nothing",
                                                                                "memorised")
    assert summary["held_out_loss"] <= summary["base_held_out_loss"] + 1e-6 < summary["uniform_loss"]
    assert 0 <= summary["copied_share"] <= 1
    err = proc.stderr
    assert "note: Fine-tuning tiny-classical, the bundled Chinese model" in err
    assert "The run ends after 3 epochs" in err and "before training: valid" in err
    assert "against" in err and "for tiny-classical and" in err and "guessing at random" in err

    larger = write_chinese_corpus(tmp_path / "more", n=60)  # a new model needs 1,000 characters at least
    scratch = run(["train", str(larger), "--name", "new", "--scratch", "--epochs", "1", "--json", "--preset", "seed",
                   "--embedding", "16", "--hidden", "16", "--layers", "1", *FAST],
                  tmp_path / "data", bundled)
    assert scratch.returncode == 0, scratch.stderr
    assert json.loads(scratch.stdout.strip().splitlines()[-1])["base_model"] is None
    assert "fine-tuning the bundled model" in scratch.stderr  # advised against, for 1,440 characters


def test_a_default_run_is_bounded_by_time(tmp_path):
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    proc = run(["train", str(corpus), "--name", "t", "--preset", "seed", "--max-minutes", "0.01", *FAST],
               tmp_path / "data")
    assert proc.returncode == 0, proc.stderr
    assert "note: --preset shapes a new model, so it is trained from scratch" in proc.stderr
    assert "No bundled model" not in proc.stderr
    assert "The run ends after" in proc.stderr and "of training" in proc.stderr


def test_from_with_scratch_or_a_new_shape_is_a_one_line_error(tmp_path):
    corpus = write_chinese_corpus(tmp_path / "poems", n=60)
    for extra, words in ((["--scratch"], "either --from MODEL or --scratch"),
                         (["--preset", "seed"], "--preset shapes")):
        proc = run(["train", str(corpus), "--name", "x", "--from", "base", *extra], tmp_path / "data")
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.strip().startswith("poetpad: error: ") and words in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


# -- the train arguments, built from the training options' one declaration (issue 23) -----------------


def parse_train(*args):
    from poetpad import cli

    return cli._train_job(cli.build_parser().parse_args(["train", "poems.txt", "--name", "n", *args]), None)


def test_train_arguments_take_the_declared_choices_and_defaults():
    from poetpad.core.train.config import DEFAULT_MINUTES, OPTIONS

    job = parse_train()
    assert (job.preset, job.tokenizer, job.softmax, job.cell) == ("small", "char", "auto", None)
    assert (job.config.batch_size, job.config.seq_len, job.config.seed, job.config.device) == (64, 256, 1234, "auto")
    assert job.config.max_minutes == DEFAULT_MINUTES and job.config.epochs is None and job.config.amp
    assert parse_train("--epochs", "2").config.max_minutes is None  # epochs alone bound the run
    job = parse_train("--batch", "16", "--precision", "fp32", "--tokenizer", "word", "--no-tied", "--no-amp",
                      "--max-minutes", "1.5", "--epochs", "2")
    assert (job.config.batch_size, job.config.precision, job.tokenizer, job.tied) == (16, "fp32", "word", False)
    assert (job.config.max_minutes, job.config.epochs, job.config.amp) == (1.5, 2, False)
    from poetpad import cli

    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("device", "precision", "preset", "softmax", "cell", "tokenizer"):
        action = next(a for a in sub.choices["train"]._actions if a.dest == name)
        assert tuple(action.choices) == OPTIONS[name].choices and action.default is None


def test_train_arguments_out_of_the_declared_range_are_one_line_errors(tmp_path):
    for args, said in ((["--batch", "0"], "--batch"), (["--seq-len", "4"], "--seq-len"),
                       (["--device", "tpu"], "--device"), (["--seed", "-1"], "--seed")):
        proc = run(["train", str(tmp_path), "--name", "n", *args], tmp_path / "data")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and lines[-1].startswith("poetpad: error: argument " + said), proc.stderr
