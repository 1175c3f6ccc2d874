"""The CLI run as users run it: in a subprocess, against a data dir in tmp_path."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import TINY_ARGS, write_chinese_corpus

TINY = [*TINY_ARGS, "--batch", "8", "--seq-len", "32", "--device", "cpu", "--lr", "0.01"]


def run(args, data_dir, check_rc=None, stdin=None):
    env = dict(os.environ, POETPAD_DATA_DIR=str(data_dir), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "poetpad", *args], capture_output=True, text=True, env=env,
                          timeout=300, input=stdin)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


def assert_one_line_error(proc):
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("poetpad: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["train", "--help"], ["generate", "--help"]])
def test_version_and_help_do_not_import_torch(args):
    code = (f"import sys\nfrom poetpad import cli\ntry:\n    cli.main({args!r})\nexcept SystemExit:\n    pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().endswith("NO-TORCH")
    if args == ["--version"]:
        from poetpad import __version__
        assert f"poetpad {__version__}" in out


@pytest.mark.slow
def test_train_generate_eval_and_manage_models(tmp_path):
    data = tmp_path / "data"
    corpus = write_chinese_corpus(tmp_path / "poems")
    proc = run(["train", str(corpus.parent), "--name", "mine", "--epochs", "4", *TINY], data, check_rc=0)
    assert "Saved model 'mine'" in proc.stdout
    assert "epoch 1:" in proc.stderr and "valid" in proc.stderr  # progress reaches stderr

    proc = run(["generate", "--model", "mine", "--prefix", "春", "-n", "3", "--seed", "5", "--json"], data,
               check_rc=0)
    poems = json.loads(proc.stdout)
    assert len(poems) == 3
    for poem in poems:
        assert poem["text"].startswith("春") and poem["seed"] == 5
        assert poem["lines"] == [line for line in poem["text"].split("\n") if line.strip()]
    again = json.loads(run(["generate", "--model", "mine", "--prefix", "春", "-n", "3", "--seed", "5", "--json"],
                           data, check_rc=0).stdout)
    assert [p["text"] for p in again] == [p["text"] for p in poems]  # the seed writes the same poems again

    # No --rhyme: fixed forms rhyme by default.
    poems = json.loads(run(["generate", "--model", "mine", "--acrostic", "春秋江山", "--form", "7x4",
                            "--beam", "4", "-n", "2", "--json"], data, check_rc=0).stdout)
    assert len(poems) == 2
    for poem in poems:
        assert poem["valid"] is True and poem["form"] == "7x4"
        assert [line[0] for line in poem["lines"]] == list("春秋江山")
        assert all(len(line) == 8 for line in poem["lines"])
        assert poem["rhymes"][1::2] == [True, True] and poem["rhyme_group"]
        assert isinstance(poem["copied_lines"], list)
    free = json.loads(run(["generate", "--model", "mine", "--acrostic", "春秋江山", "--form", "7x4", "--no-rhyme",
                           "--json"], data, check_rc=0).stdout)
    assert free[0]["valid"] is True  # valid without the rhyme being asked for
    proc = run(["generate", "--model", "mine", "--acrostic", "春秋", "--form", "5x4"], data)
    assert_one_line_error(proc)
    assert "2 heads" in proc.stderr and "4 lines" in proc.stderr

    checked = json.loads(run(["check", "-", "--json"], data, check_rc=0,
                             stdin="床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n").stdout)
    assert checked["form"] == "5x4" and checked["ok"] and checked["rhyme_group"] == "七阳"  # 平水韵
    # A line from the training text is flagged as copied by the model's fingerprint.
    first = corpus.read_text("utf-8").split("\n")[0]
    copied = json.loads(run(["check", "-", "--json", "--model", "mine"], data, check_rc=0, stdin=first).stdout)
    assert 0 in copied["copied_lines"]

    proc = run(["generate", "--prefix", "春"], data, check_rc=0)  # no --model: the only Chinese model
    assert proc.stdout.startswith("春")

    figures = json.loads(run(["eval", "--model", "mine", str(corpus)], data, check_rc=0).stdout)
    assert set(figures) >= {"loss_nats_per_char", "bits_per_char", "perplexity", "chars"}
    assert figures["bits_per_char"] == pytest.approx(figures["loss_nats_per_char"] / 0.6931472, rel=1e-3)
    # Each file line is one quatrain: its characters, 3 line breaks once split into verse lines, and its end.
    file_lines = [p for p in corpus.read_text("utf-8").split("\n") if p]
    assert figures["chars"] == sum(len(p) + 3 + 1 for p in file_lines)

    listing = json.loads(run(["models", "list", "--json"], data, check_rc=0).stdout)
    assert [m["name"] for m in listing] == ["mine"] and listing[0]["bundled"] is False
    shown = json.loads(run(["models", "show", "mine"], data, check_rc=0).stdout)
    assert shown["meta"]["training"]["stopped"] in ("completed", "early_stop")
    exported = tmp_path / "copy.poetpad"
    run(["models", "export", "mine", str(exported)], data, check_rc=0)
    assert exported.exists()
    run(["models", "import", str(exported), "--name", "second"], data, check_rc=0)
    run(["models", "rename", "second", "third"], data, check_rc=0)
    run(["models", "delete", "mine"], data, check_rc=0)
    names = [m["name"] for m in json.loads(run(["models", "list", "--json"], data, check_rc=0).stdout)]
    assert names == ["third"]


@pytest.mark.parametrize("args, words", [
    (["generate", "--model", "ghost"], "no model called 'ghost'"),
    (["train", "/no/such/folder", "--name", "x"], "/no/such/folder"),
    (["generate", "--temperature", "hot"], "hot"),
    (["models", "delete", "ghost"], "ghost"),
    (["models", "import", "/no/such.poetpad"], "does not exist"),
    (["train", ".", "--name", "../evil"], "not a usable model name"),
])
def test_errors_are_one_line_with_exit_code_2(tmp_path, args, words):
    proc = run(args, tmp_path / "data")
    assert_one_line_error(proc)
    assert words in proc.stderr


def test_check_reports_tones_rhyme_template_and_faults_per_rhyme_system(tmp_path, monkeypatch):
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", "")  # no model: the copied-line check is skipped
    # 人 (十一真) and 寻 (十二侵) rhyme in Mandarin only; 白 日 一 are 入声, so 仄 classically.
    poem = "白日依山尽，花明不见人。\n江流天地外，一夜满城寻。\n"
    classical = json.loads(run(["check", "-", "--json"], tmp_path, check_rc=0, stdin=poem).stdout)
    assert classical["rhyme_system"] == "pingshui" and classical["form_ok"] is True
    assert classical["rhyme_ok"] is False and classical["rhyme_group"] == "十一真"
    assert classical["ok"] is False  # the one verdict: a 出韵 makes the poem not ok, as in the suggestion list
    assert classical["template"] == "仄起首句不入韵"
    assert [line["tones"] for line in classical["lines"]][::3] == ["仄仄平平仄", "仄仄仄平平"]
    assert classical["faults"] == [{"kind": "出韵", "line": 3, "pos": None,
                                    "message": "Line 4 rhymes 寻 (十二侵) with 人 (十一真): 出韵 under 平水韵."}]
    assert classical["problems"] == [classical["faults"][0]["message"]]
    assert "入声" in classical["tone_note"]
    modern = json.loads(run(["check", "-", "--json", "--rhyme-system", "xinyun"], tmp_path, check_rc=0,
                            stdin=poem).stdout)
    assert modern["rhyme_system"] == "xinyun" and modern["rhyme_ok"] is True and modern["rhyme_group"] == "九文"
    assert modern["lines"][0]["tones"] == "平仄平平仄"  # bái is level in Mandarin
    text = run(["check", "-", "--rhyme-system", "tongyun"], tmp_path, check_rc=0,
               stdin="床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n").stdout
    assert "rhyme group: 十三昂 (中华通韵)" in text and "template: 平起首句入韵" in text
    assert " 3. 举头望明月，  仄平仄平仄" in text and "失粘" in text and "失对" in text
    assert text.startswith("form: 5x4\nverdict: ok\n")  # tone faults are reported, not counted
    text = run(["check", "-"], tmp_path, check_rc=0, stdin=poem).stdout
    assert "verdict: not ok" in text and "valid" not in text and "- Line 4 rhymes 寻 (十二侵)" in text
    proc = run(["check", "-", "--rhyme-system", "guangyun"], tmp_path, stdin=poem)
    assert proc.returncode == 2 and "pingshui" in proc.stderr


def test_check_judges_keywords_and_strict_tones_as_the_suggestion_list_does(tmp_path, monkeypatch):
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", "")  # no model: the copied-line check is skipped
    poem = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n"  # rhymes, but 失粘 and 失对
    assert run(["check", "-"], tmp_path, check_rc=0, stdin=poem).stdout.startswith("form: 5x4\nverdict: ok\n")
    strict = run(["check", "-", "--tones", "strict"], tmp_path, check_rc=0, stdin=poem).stdout
    assert "verdict: not ok" in strict and "tone faults (counted: --tones strict):" in strict
    missing = json.loads(run(["check", "-", "--json", "--keywords", "明月,雁"], tmp_path, check_rc=0,
                             stdin=poem).stdout)
    assert missing["ok"] is False and missing["problems"] == ["The keyword 雁 is missing."]
    held = json.loads(run(["check", "-", "--json", "--keywords", "明月、故乡"], tmp_path, check_rc=0,
                          stdin=poem).stdout)
    assert held["ok"] is True


def test_check_reports_english_syllables_stress_and_scheme(tmp_path, monkeypatch):
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", "")  # no model: the copied-line check is skipped
    # Sonnet 18, lines 5-8: shines/declines rhyme; dimm'd and untrimm'd are not in the CMU dictionary.
    poem = ("Sometime too hot the eye of heaven shines,\nAnd often is his gold complexion dimm'd;\n"
            "And every fair from fair sometime declines,\nBy chance, or nature's changing course, untrimm'd;\n")
    checked = json.loads(run(["check", "-", "--json"], tmp_path, check_rc=0, stdin=poem).stdout)
    assert checked["scheme"] == "AxAx" and checked["ok"] is True and checked["problems"] == []
    first = checked["lines"][0]
    # sometime 12 (S AH1 M T AY2 M), too 1, hot 1, the 0, eye 1, of 1, heaven 10, shines 1
    assert (first["syllables"], first["stress"], first["unknown"]) == (10, "1211011101", [])
    assert checked["lines"][1]["unknown"] == ["dimm'd"]
    text = run(["check", "-"], tmp_path, check_rc=0, stdin=poem).stdout
    assert " 1. Sometime too hot the eye of heaven shines,  A  10 syllables  1211011101\n" in text
    assert "  x  10 syllables  0101110101  [estimated: dimm'd]" in text
    assert "rhyme scheme: AxAx" in text and "CMU Pronouncing Dictionary" in text


def test_importing_a_non_model_changes_nothing(tmp_path):
    bogus = tmp_path / "bogus.poetpad"
    bogus.write_bytes(b"PK\x03\x04 definitely not a model")
    proc = run(["models", "import", str(bogus)], tmp_path / "data")
    assert_one_line_error(proc)
    assert not list((tmp_path / "data" / "models").glob("*.poetpad"))


@pytest.mark.slow
def test_revise_and_keywords_from_the_command_line(tmp_path, make_model_file):
    data = tmp_path / "data"
    texts = ["床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。",
             "春眠不觉晓，\n处处闻啼鸟。\n夜来风雨声，\n花落知多少。",
             "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。", "江山秋水长，\n雁霜风雪寒。"]
    make_model_file(data / "models" / "tiny.poetpad", texts=texts, embedding=16, hidden=32)
    poem = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n"
    found = json.loads(run(["revise", "-", "--at", "1:3", "-n", "3", "--json"], data, check_rc=0, stdin=poem).stdout)
    assert set(found) == {"original", "alternatives", "model"} and found["original"]["text"].startswith("床前明")
    for alt in found["alternatives"]:
        assert alt["text"].replace(alt["char"], "明", 1) == found["original"]["text"] and alt["char"] != "明"
    lines = json.loads(run(["revise", "-", "--line", "3", "-n", "2", "--seed", "1", "--json"], data, check_rc=0,
                           stdin=poem).stdout)
    assert all(a["line"] != "举头望明月，" and a["text"].split("\n")[2] == a["line"] for a in lines["alternatives"])
    for poem_out in json.loads(run(["generate", "--keywords", "雁,霜", "--form", "5x4", "-n", "2", "--seed", "3",
                                    "--json"], data, check_rc=0).stdout):
        assert "雁" in poem_out["text"] and "霜" in poem_out["text"] and poem_out["valid"]
    assert_one_line_error(run(["revise", "-", "--at", "9:1"], data, stdin=poem))
    assert_one_line_error(run(["revise", "-", "--at", "two"], data, stdin=poem))
    assert_one_line_error(run(["revise", "-", "--line", "1"], data, stdin="Shall I compare thee\n"))
    assert_one_line_error(run(["generate", "--keywords", "雁,霜,风,雪,月", "--form", "5x4"], data))


# -- train --json and torchrun (issue 12) ----------------------------------------------------------

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "poetpad"]


def train_env(data_dir):
    return dict(os.environ, POETPAD_DATA_DIR=str(data_dir), PYTHONIOENCODING="utf-8", POETPAD_BUNDLED_DIR="")


def test_train_json_prints_one_summary_last_and_progress_on_stderr(tmp_path):
    corpus = write_chinese_corpus(tmp_path / "poems")
    proc = run(["train", str(corpus), "--name", "j", "--epochs", "2", "--json", "--threads", "1", *TINY],
               tmp_path / "data", check_rc=0)
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert len(lines) == 1  # the human summary goes to stderr with --json
    assert {"tokens_per_second", "steps", "epochs", "seconds", "best_valid_loss", "precision", "softmax", "device",
            "world_size"} <= set(summary)
    assert summary["tokens_per_second"] > 0 and summary["steps"] > 0 and summary["epochs"] == pytest.approx(2)
    assert summary["world_size"] == 1 and summary["device"] == "cpu" and summary["softmax"] == "full"
    assert summary["precision"] in ("bf16", "fp32") and summary["best_valid_loss"] > 0
    progress = [line for line in proc.stderr.splitlines() if not line.startswith("note: ")]
    assert progress[0].startswith("Training on CPU (1 thread), ") and "softmax" in progress[0]  # said at once
    assert "epoch 1:" in proc.stderr and "Saved model 'j'" in proc.stderr


def torchrun_train(args, data_dir, timeout=300):
    return subprocess.run([*TORCHRUN, "train", *args], capture_output=True, text=True, env=train_env(data_dir),
                          timeout=timeout)


@pytest.mark.slow
def test_torchrun_trains_one_model_as_one_process_would(tmp_path):
    from poetpad.core import modelfile

    corpus = write_chinese_corpus(tmp_path / "poems", n=120)
    common = [str(corpus), "--epochs", "3", "--json", "--precision", "fp32", "--threads", "1", *TINY]
    data = tmp_path / "data"
    two = torchrun_train([*common, "--name", "two"], data)
    assert two.returncode == 0, two.stderr[-3000:]
    one = run(["train", *common, "--name", "one"], data, check_rc=0)
    a, b = json.loads(two.stdout.strip().splitlines()[-1]), json.loads(one.stdout.strip().splitlines()[-1])
    assert two.stdout.count("{") == 1 and two.stderr.count("Training on 2 processes") == 1  # rank 0 alone speaks
    assert a["world_size"] == 2 and b["world_size"] == 1
    assert 0 <= b["steps"] - a["steps"] <= 3  # split two ways, an epoch's last batch of one window is left out
    # The same global batch (8 windows: 4 per process): the same training, up to the order of additions.
    assert a["best_valid_loss"] == pytest.approx(b["best_valid_loss"], abs=0.01)
    assert sorted(p.name for p in (data / "models").iterdir()) == ["one.poetpad", "two.poetpad"]
    assert not list((data / "checkpoints").rglob("*.safetensors"))
    bundle = modelfile.load_model(data / "models" / "two.poetpad")
    assert bundle.meta["training"]["processes"] == 2
    poems = json.loads(run(["generate", "--model", "two", "--acrostic", "春江花月", "--form", "5x4", "--json"],
                           data, check_rc=0).stdout)
    assert poems[0]["valid"] and [line[0] for line in poems[0]["lines"]] == list("春江花月")


def _worker(launcher_pid: int, rank: str) -> int | None:
    """The pid of torchrun's worker of `rank` (a child of the launcher, RANK in its environment)."""
    for task in os.listdir(f"/proc/{launcher_pid}/task"):
        try:
            children = open(f"/proc/{launcher_pid}/task/{task}/children").read().split()
        except OSError:
            continue
        for child in children:
            try:
                environ = open(f"/proc/{child}/environ", "rb").read().split(b"\0")
            except OSError:
                continue
            if f"RANK={rank}".encode() in environ:
                return int(child)
    return None


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds torchrun's workers through /proc")
def test_torchrun_stops_cleanly_when_a_process_is_killed_and_resumes(tmp_path):
    import signal
    import time

    from poetpad.core.train.checkpoint import read_checkpoint_header

    corpus = write_chinese_corpus(tmp_path / "poems", n=120)
    data = tmp_path / "data"
    args = ["train", str(corpus), "--name", "k", "--epochs", "100000", "--max-minutes", "0.25",
            "--patience", "100000", "--checkpoint-minutes", "0.01", "--threads", "1", "--json", *TINY]
    launcher = subprocess.Popen([*TORCHRUN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=train_env(data))
    ckpt = data / "checkpoints" / "k" / "checkpoint.safetensors"
    try:
        deadline = time.monotonic() + 240
        while not ckpt.exists() and time.monotonic() < deadline and launcher.poll() is None:
            time.sleep(0.2)
        assert ckpt.exists(), launcher.stderr.read() if launcher.poll() is not None else "no checkpoint"
        time.sleep(1.0)
        victim = _worker(launcher.pid, "1")
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        _, err = launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert time.monotonic() - killed < 60 and launcher.returncode != 0
    assert "Another process of this training run stopped (its connection closed), so process 0 stopped" in err
    assert "--resume" in err
    header = read_checkpoint_header(ckpt)  # intact
    assert header["step"] > 0 and header["world_size"] == 2
    assert not (data / "models" / "k.poetpad").exists()

    alone = run(["train", str(corpus), "--name", "k", "--resume", *TINY], data)
    assert_one_line_error(alone)
    assert "2 processes; resume it with the same number, not 1" in alone.stderr
    resumed = torchrun_train([*args[1:], "--resume"], data)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resuming at step {header['step']}" in resumed.stderr
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert summary["world_size"] == 2 and summary["steps"] > header["step"] and summary["reason"] == "time_budget"
    assert (data / "models" / "k.poetpad").exists() and not ckpt.exists()


# -- the plan and the option schema (issue 23) -----------------------------------------------------


def test_generate_without_a_mode_follows_the_window_s_plan(tmp_path, make_model_file):
    """`白日依山尽⏎`: the window's summary promises a 五绝, and generate writes one; a --form the poem
    cannot take gives way to the text's own form, as in the window, with a note."""
    from poetpad.core.plan import plan

    data = tmp_path / "data"
    texts = ["床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。",
             "春眠不觉晓，\n处处闻啼鸟。\n夜来风雨声，\n花落知多少。",
             "白日依山尽，\n黄河入海流。\n欲穷千里目，\n更上一层楼。"]
    make_model_file(data / "models" / "tiny.poetpad", texts=texts, embedding=16, hidden=32)
    prefix = "白日依山尽\n"
    assert plan("line", "auto", "", prefix).shown_form == "5x4"
    for args in (["--prefix", prefix], ["--prefix", prefix, "--form", "7x4"]):
        proc = run(["generate", *args, "-n", "2", "--seed", "4", "--json"], data, check_rc=0)
        assert ("note: the poem so far is not a 7x4" in proc.stderr) == ("--form" in args)
        for poem in json.loads(proc.stdout):
            assert poem["text"].startswith(prefix) and len(poem["lines"]) == 4, poem["text"]
            assert all(len(line.rstrip("，。")) == 5 for line in poem["lines"]), poem["text"]


@pytest.mark.parametrize(("args", "words"), [
    (["--beam", "33"], "The beam width must be 0 to 32, not 33."),
    (["--temperature", "4"], "The temperature must be 0.05 to 3, not 4."),
    (["--top-k", "501"], "The top-k must be 0 to 500, not 501."),
    (["-n", "0"], "The number of poems must be 1 to 32, not 0."),
    (["--tones", "hard"], "invalid choice: 'hard'"),
    (["--mode", "acrostic"], "invalid choice: 'acrostic'"),
    (["--form", "auto"], "Unknown form 'auto'"),  # with no --mode too: the plan's word is not the CLI's
    (["--form", "auto", "--mode", "poem"], "Unknown form 'auto'"),
])
def test_generate_s_arguments_are_the_declared_options(tmp_path, args, words):
    proc = run(["generate", *args], tmp_path / "data")
    assert_one_line_error(proc)
    assert words in proc.stderr
