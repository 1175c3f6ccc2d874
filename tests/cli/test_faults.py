"""The CLI under faults, run as users run it: SIGTERM and SIGHUP during training, a second run of the
same name, a read-only data dir, out-of-range arguments, output the terminal cannot encode and a file
cut short in the middle of a character."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import TINY, assert_one_line_error, run
from tests.helpers import write_chinese_corpus


def assert_error_line(proc):
    """One error line (notes from the run's options may come before it: issue 13's fine-tuning notes)."""
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1 and lines[0].startswith("poetpad: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def _train_in_background(data, corpus, name="mine"):
    env = dict(os.environ, POETPAD_DATA_DIR=str(data), PYTHONIOENCODING="utf-8")
    return subprocess.Popen([sys.executable, "-m", "poetpad", "train", str(corpus), "--name", name, *TINY,
                             "--epochs", "100000", "--patience", "100000", "--checkpoint-minutes", "1000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_until_training(proc, data, name="mine", timeout=240.0):
    """Until the run holds its lock and has started stepping (its first line is on stderr)."""
    line = proc.stderr.readline()  # notes, then "Training on …": the loop starts right after
    while line.startswith("note:"):
        line = proc.stderr.readline()
    assert line.startswith("Training on"), line + proc.stderr.read()
    deadline = time.monotonic() + timeout
    while not (Path(data) / "checkpoints" / f"{name}.lock").exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)  # a few steps


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_checkpoints_and_stops_and_a_second_run_is_refused_meanwhile(tmp_path, monkeypatch, signum):
    data = tmp_path / "data"
    corpus = write_chinese_corpus(tmp_path / "corpus")
    proc = _train_in_background(data, corpus)
    try:
        _wait_until_training(proc, data)
        if signum == signal.SIGTERM:  # one run per name: the second refuses at once, in one line
            second = run(["train", str(corpus), "--name", "mine", *TINY, "--epochs", "1"], data)
            assert_error_line(second)
            assert "'mine' is being trained right now" in second.stderr and f"process {proc.pid}" in second.stderr
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Continue with:" in err and "--resume" in err and "Traceback" not in err
    assert (data / "checkpoints" / "mine" / "checkpoint.safetensors").exists()
    assert not (data / "checkpoints" / "mine.lock").exists()
    assert not list(data.rglob("*.tmp"))
    # The checkpoint resumes: it loads, at the step it was taken.
    monkeypatch.setenv("POETPAD_DATA_DIR", str(data))
    from poetpad.core.train.config import TrainConfig, TrainStarted
    from poetpad.core.train.job import TrainJob, train_model

    job = TrainJob(paths=[str(corpus)], name="mine", resume=True, preset="seed", embedding=16, hidden=32, layers=1,
                   dropout=0.0, config=TrainConfig(device="cpu", batch_size=8, seq_len=32))
    events = []
    result, path = train_model(job, on_progress=events.append, should_stop=lambda: True)
    started = next(e for e in events if isinstance(e, TrainStarted))
    assert started.resumed_step > 0 and result.reason == "cancelled" and path is None


def _mount_ro_tmpfs(folder: Path) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_read_only_data_dir_lists_generates_and_refuses_to_train(tmp_path):
    data = tmp_path / "data"
    mounted = _mount_ro_tmpfs(data)
    if not mounted and os.geteuid() == 0:
        pytest.skip("root ignores permissions, and no tmpfs can be mounted here")
    try:
        corpus = write_chinese_corpus(tmp_path / "corpus")
        run(["train", str(corpus), "--name", "tiny", *TINY, "--epochs", "1"], data, check_rc=0)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        else:
            for folder in [data, *[p for p in data.rglob("*") if p.is_dir()]]:
                folder.chmod(0o555)
        listed = run(["models", "list"], data, check_rc=0)
        assert "tiny" in listed.stdout and "Traceback" not in listed.stderr
        generated = run(["generate", "--model", "tiny", "--prefix", "春", "--seed", "1"], data, check_rc=0)
        assert generated.stdout.startswith("春")
        started = time.monotonic()
        refused = run(["train", str(corpus), "--name", "other", *TINY, "--epochs", "1"], data)
        assert_error_line(refused)
        assert "cannot write to" in refused.stderr and time.monotonic() - started < 120
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(data)], capture_output=True)
        elif data.exists():
            for folder in [data, *[p for p in data.rglob("*") if p.is_dir()]]:
                folder.chmod(0o755)


@pytest.mark.parametrize("args", [
    ["generate", "--seed", str(2**63)],
    ["generate", "--seed", "-1"],
    ["generate", "--top-p", "1e-46"],
    ["generate", "--temperature", "1e-320"],
    ["generate", "--temperature", "nan"],
    ["generate", "-n", "1000000000000"],
    ["revise", "-", "--line", "1", "--seed", "9" * 30],
    ["train", "x", "--name", "a", "--seed", str(2**63)],
    ["train", "x", "--name", "a", "--hidden", "10000000"],
    ["train", "x", "--name", "a", "--checkpoint-minutes", "inf"],
    ["eval", "x", "--model", "a", "--block", "9" * 20],
])
def test_out_of_range_arguments_are_one_line_errors(tmp_path, args):
    proc = run(args, tmp_path / "data", stdin="床前明月光")
    assert_one_line_error(proc)
    assert "argument" in proc.stderr


def test_output_the_terminal_cannot_encode_is_escaped(tmp_path):
    poem = tmp_path / "poem.txt"
    poem.write_text("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n", encoding="utf-8")
    env = dict(os.environ, POETPAD_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="ascii")
    proc = subprocess.run([sys.executable, "-m", "poetpad", "check", str(poem)], capture_output=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert b"\\u5e8a" in proc.stdout  # 床, escaped
    # A file name that is not UTF-8 (a lone surrogate once decoded) in an error, on a strict UTF-8 stderr.
    env["PYTHONIOENCODING"] = "utf-8"
    missing = os.fsdecode(bytes(tmp_path / "caf") + b"\xff.txt")
    proc = subprocess.run([sys.executable, "-m", "poetpad", "check", missing], capture_output=True, env=env,
                          timeout=300)
    assert proc.returncode == 2 and proc.stderr.startswith(b"poetpad: error: "), proc.stderr
    assert b"\\udcff" in proc.stderr and b"Traceback" not in proc.stderr


def test_a_file_cut_in_the_middle_of_a_character_is_called_truncated(tmp_path):
    poem = tmp_path / "cut.txt"
    poem.write_bytes("床前明月光，疑是地上霜。".encode()[:-2])
    proc = run(["check", str(poem)], tmp_path / "data")
    assert_one_line_error(proc)
    assert "truncated" in proc.stderr and "binary" not in proc.stderr


class _Stream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_waits_longer_off_a_terminal(monkeypatch):
    from poetpad import cli

    now = [100.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: now[0])
    piped, terminal = cli._Progress("Writing", _Stream(False)), cli._Progress("Writing", _Stream(True))
    now[0] += 3
    piped(5, 50)
    terminal(5, 50)
    assert piped.stream.text == ""  # a quick run leaves a log or pipe empty
    assert "token 6 of at most 50, 3 s" in terminal.stream.text
    now[0] += 8
    piped(9, 50)
    assert piped.stream.text == "Writing… token 10 of at most 50, 11 s\n"
    terminal.done()
    assert terminal.stream.text.endswith("\r\x1b[K")  # the terminal line is cleared at the end
