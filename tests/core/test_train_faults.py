"""Training that loses nothing: full and read-only disks, failed checkpoints and final writes, one run
per name, leftover temp files, and the checkpoint interval. A real tmpfs is used where the test may
mount one (root in a container); otherwise the write path is monkeypatched to fail the same way."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from poetpad import locks, paths
from poetpad.core import library, modelfile
from poetpad.core.train import checkpoint as tckpt
from poetpad.core.train import config as tcfg
from poetpad.core.train import job as tjob
from poetpad.core.train import loop as tloop
from poetpad.errors import LibraryError, TrainingError
from tests.core.test_train import job, tiny_config


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def _remount_ro(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A 30 MB data disk: a tmpfs when it can be mounted, else free space reported as 30 MB less what is used."""
    folder = tmp_path / "disk"
    mounted = _mount_tmpfs(folder, "30m")
    if not mounted:
        folder.mkdir()
        real = shutil.disk_usage

        def usage(path):
            used = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            total = 30 * 1024 * 1024
            return real(path)._replace(total=total, used=used, free=total - used)

        monkeypatch.setattr(shutil, "disk_usage", usage)
    monkeypatch.setenv("POETPAD_DATA_DIR", str(folder))
    yield folder
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")]


def test_a_run_too_large_for_the_disk_is_refused_at_once_with_the_space_needed(tmp_path, small_disk):
    big = job(tmp_path, name="big", hidden=1024, layers=2, embedding=256)
    with pytest.raises(TrainingError, match=r"needs [\d,.]+ MB free .* and there is [\d,.]+ MB") as caught:
        tjob.train_model(big, on_progress=lambda e: pytest.fail(f"training started: {e}"))
    assert "\n" not in str(caught.value)
    assert not _temp_files(small_disk) and not tckpt.has_checkpoint("big")


def test_a_run_that_fits_the_disk_ends_with_a_model_and_no_temp_files(tmp_path, small_disk):
    events = []
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=2, checkpoint_minutes=1e-9)),
                                    on_progress=events.append)
    assert path is not None and path.exists() and library.exists("mine")
    assert any(isinstance(e, tcfg.Checkpointed) for e in events)
    assert not _temp_files(small_disk) and not tckpt.has_checkpoint("mine")


def _no_space(real, match):
    def write(path, data):
        if match(Path(path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)
    return write


def test_a_failed_checkpoint_warns_keeps_the_last_one_and_training_goes_on(tmp_path, monkeypatch):
    real = modelfile.atomic_write_bytes
    written = {"n": 0}

    def flaky(path, data):  # the first checkpoint is written, every later one fails
        if Path(path).name == "checkpoint.safetensors":
            written["n"] += 1
            if written["n"] > 1:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)

    monkeypatch.setattr(modelfile, "atomic_write_bytes", flaky)
    events = []
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=2, checkpoint_minutes=1e-9)),
                                    on_progress=events.append)
    assert path is not None and result.reason == "completed"  # the model was still saved
    notes = [e.text for e in events if isinstance(e, tcfg.Note) and "checkpoint" in e.text]
    assert notes and "No space left on device" in notes[0] and "training goes on" in notes[0]
    assert "checkpoint of step 1 is kept" in notes[0]
    assert written["n"] > 3  # tried again at every interval


def test_a_failed_final_write_keeps_the_checkpoint_and_resume_saves_the_model(tmp_path, monkeypatch):
    real = modelfile.save_model

    def full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(modelfile, "save_model", full)
    with pytest.raises(TrainingError, match="--resume") as caught:
        tjob.train_model(job(tmp_path, config=tiny_config(epochs=2)))
    assert "No space left on device" in str(caught.value) and "\n" not in str(caught.value)
    assert tckpt.has_checkpoint("mine") and not library.exists("mine")
    header = tckpt.read_checkpoint_header(tckpt.checkpoint_path("mine"))
    assert header["finished"] == "completed"  # the checkpoint was written before the final save

    monkeypatch.setattr(modelfile, "save_model", real)
    steps = []
    result, path = tjob.train_model(job(tmp_path, resume=True, config=tiny_config(epochs=2)),
                                    on_progress=lambda e: steps.append(e) if isinstance(e, tcfg.StepProgress) else None)
    assert path is not None and library.exists("mine") and not tckpt.has_checkpoint("mine")
    assert not steps and result.steps == header["step"]  # nothing trained again: straight to the save


def test_a_read_only_data_dir_refuses_to_train_at_once(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    mounted = _mount_tmpfs(folder, "10m")
    try:
        monkeypatch.setenv("POETPAD_DATA_DIR", str(folder))
        for sub in ("models", "checkpoints", "logs"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        if mounted:
            _remount_ro(folder)
        else:
            def refuse(path):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))

            monkeypatch.setattr(locks.os, "open", lambda *a, **k: refuse(a[0]))
        with pytest.raises(TrainingError, match="cannot write to") as caught:
            tjob.train_model(job(tmp_path), on_progress=lambda e: pytest.fail(f"training started: {e}"))
        assert "Read-only file system" in str(caught.value)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_second_run_of_the_same_name_is_refused_and_an_import_too(tmp_path, make_model_file):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tckpt.run_lock_path("mine")
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(f'{{"pid": {sleeper.pid}, "host": "{locks._host()}", "started": null, "token": "x"}}')
        with pytest.raises(TrainingError, match="'mine' is being trained right now") as caught:
            tjob.train_model(job(tmp_path), on_progress=lambda e: pytest.fail(f"training started: {e}"))
        assert f"process {sleeper.pid}" in str(caught.value)
        with pytest.raises(TrainingError, match="being trained"):
            tckpt.discard_checkpoint("mine")
        source = make_model_file(tmp_path / "mine.poetpad")
        with pytest.raises(LibraryError, match="being trained"):
            library.import_model(source)
    finally:
        sleeper.kill()
        sleeper.wait()
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))  # its holder died: a stale lock
    assert path is not None and not lock.exists()


def test_a_lock_left_by_this_very_pid_is_stale(tmp_path):
    lock = tckpt.run_lock_path("mine")
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(f'{{"pid": {os.getpid()}, "host": "{locks._host()}", "started": null, "token": "old"}}')
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))  # a crashed run restarted with our pid
    assert path is not None


def test_two_runs_of_one_name_in_one_process_refuse(tmp_path):
    inner = {}

    def second_run(event):
        if isinstance(event, tcfg.TrainStarted) and not inner:
            with pytest.raises(TrainingError, match="being trained") as caught:
                tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))
            inner["error"] = str(caught.value)

    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)), on_progress=second_run)
    assert inner["error"] and path is not None


def test_leftover_temp_files_are_cleaned_at_start_and_by_fresh(tmp_path):
    tjob.train_model(job(tmp_path), should_stop=lambda: True)
    ckpt_dir = tckpt.checkpoint_path("mine").parent
    left = [ckpt_dir / f".checkpoint.safetensors.{tag}.tmp" for tag in ("0123456789ab", "ba9876543210")]
    for p in left:
        p.write_bytes(b"half a checkpoint")
    model_tmp = paths.user_models_dir() / ".mine.poetpad.00112233aabb.tmp"
    model_tmp.write_bytes(b"half a model")
    other_tmp = paths.user_models_dir() / ".other.poetpad.00112233aabb.tmp"  # a live write of another name
    other_tmp.write_bytes(b"being written")
    tjob.train_model(job(tmp_path, fresh=True, config=tiny_config(epochs=1)))
    assert not any(p.exists() for p in left) and not model_tmp.exists()
    assert other_tmp.exists()


def test_resume_takes_the_checkpoint_interval_given_now(tmp_path):
    calls = {"n": 0}

    def stop_after_three():
        calls["n"] += 1
        return calls["n"] > 3

    tjob.train_model(job(tmp_path, config=tiny_config(epochs=2, checkpoint_minutes=1000.0)),
                     should_stop=stop_after_three)
    events = []
    tjob.train_model(job(tmp_path, resume=True, config=tiny_config(epochs=2, checkpoint_minutes=1e-9)),
                     on_progress=events.append)
    assert sum(isinstance(e, tcfg.Checkpointed) for e in events) > 3


def test_the_interval_counts_from_the_last_checkpoint(tmp_path, monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(tloop.time, "monotonic", lambda: clock["now"])
    trainer_steps = []
    real_step = tloop.Trainer._train_step

    def step(self, batch):
        clock["now"] += 25.0  # each step takes 25 s; checkpoints every minute
        trainer_steps.append(self.step)
        return real_step(self, batch)

    monkeypatch.setattr(tloop.Trainer, "_train_step", step)
    events = []
    tjob.train_model(job(tmp_path, config=tiny_config(epochs=1, checkpoint_minutes=1.0)), on_progress=events.append)
    saved = [e.step for e in events if isinstance(e, tcfg.Checkpointed)]
    final = trainer_steps[-1] + 1
    assert len(saved) > 2 and saved[-1] == final  # and one before the final save
    assert saved[:-1] == list(range(3, final + 1, 3))[:len(saved) - 1]


def test_space_estimate_covers_what_is_written(tmp_path):
    result, path = tjob.train_model(job(tmp_path, config=tiny_config(epochs=1)))
    model = result.model
    corpus_dir = tmp_path / "corpus"
    from poetpad.core.corpus import load_corpus

    ckpt, model_size = tjob.space_needed(model, result.vocab, load_corpus([str(corpus_dir)]))
    assert model_size >= path.stat().st_size
    halted, _ = tjob.train_model(job(tmp_path, name="again", config=tiny_config(epochs=1)), should_stop=lambda: True)
    assert tckpt.checkpoint_path("again").stat().st_size <= ckpt
