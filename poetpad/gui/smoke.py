"""`poetpad --smoke-test`: prove an installed or frozen app works end to end, offscreen.

It opens the main window, loads the bundled Chinese model in the window's worker, writes one
continuation and one 7x4 acrostic through the window (the acrostic must be ok by the one verdict,
core.verse.check_poem, as the suggestion list judges it), trains a tiny model for a few steps in a
TrainWorker thread, prints the timings as JSON and exits 0 (1 on any failure). Everything it
writes goes to a temporary data dir, unless POETPAD_DATA_DIR is set.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback

# Ten quatrains in the public domain (Tang), enough text for a few training steps.
_CORPUS = """床前明月光，疑是地上霜。举头望明月，低头思故乡。
春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。
白日依山尽，黄河入海流。欲穷千里目，更上一层楼。
千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。
红豆生南国，春来发几枝。愿君多采撷，此物最相思。
空山不见人，但闻人语响。返景入深林，复照青苔上。
移舟泊烟渚，日暮客愁新。野旷天低树，江清月近人。
向晚意不适，驱车登古原。夕阳无限好，只是近黄昏。
松下问童子，言师采药去。只在此山中，云深不知处。
鸣筝金粟柱，素手玉房前。欲得周郎顾，时时误拂弦。
"""


def _shuffled_corpus(poems: int = 60) -> str:
    """New quatrains made of the lines above (training drops repeated poems, so they must differ)."""
    import random

    clauses = [line[i:i + 6] for line in _CORPUS.split() for i in range(0, len(line), 6)]
    rng = random.Random(7)
    return "\n".join("".join(rng.sample(clauses, 4)) for _ in range(poems)) + "\n"


def _wait(app, predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.002)


def run_smoke_test(timeout: float = 180.0) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    own_dir = None
    if not os.environ.get("POETPAD_DATA_DIR"):
        own_dir = tempfile.TemporaryDirectory(prefix="poetpad-smoke-")
        os.environ["POETPAD_DATA_DIR"] = own_dir.name
    report: dict = {"ok": False}
    started = time.perf_counter()
    try:
        _smoke(report, started, timeout)
        report["ok"] = True
    except Exception as exc:  # the smoke test reports every failure as data
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc(limit=8)
    report["total_s"] = round(time.perf_counter() - started, 3)
    print(json.dumps(report, ensure_ascii=False, indent=1), flush=True)
    sys.stdout.flush()
    # Qt and the worker threads have been stopped; skip the interpreter's slow, noisy teardown.
    os._exit(0 if report["ok"] else 1)


def _smoke(report: dict, started: float, timeout: float) -> None:
    from PySide6.QtWidgets import QApplication

    from poetpad.gui import immortalize_singletons
    from poetpad.gui.app import create_window
    from poetpad.gui.settings import Settings

    immortalize_singletons()  # before the QApplication: see poetpad/gui/__init__.py
    app = QApplication.instance() or QApplication(["poetpad"])
    window = create_window(app, Settings(language="en", theme="light"))
    window.ask.unsaved = lambda _name: "discard"
    window.show()
    app.processEvents()
    report["window_shown_s"] = round(time.perf_counter() - started, 3)
    report["torch_loaded_before_window"] = "torch" in sys.modules
    _load_model(app, window, report, timeout)
    _write_continuation(app, window, report, timeout)
    _write_acrostic(app, window, report, timeout)
    _train(app, report, timeout)
    window.close()
    app.processEvents()


def _load_model(app, window, report: dict, timeout: float) -> None:
    from poetpad.core import library

    name = library.default_model("春").name
    t = time.perf_counter()
    window.start_model(name)
    _wait(app, lambda: window.model_ready or window.model.state == "failed", timeout, "the model")
    if not window.model_ready:
        raise RuntimeError(f"the model did not load: {window.model.error}")
    report["model"] = window.model.info
    report["model_load_s"] = round(time.perf_counter() - t, 3)


def _write_continuation(app, window, report: dict, timeout: float) -> None:
    window.editor.setPlainText("春风")
    cursor = window.editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    window.editor.setTextCursor(cursor)
    t = time.perf_counter()
    window.request_continuation()
    _wait(app, lambda: bool(window.editor.suggestion), timeout, "a continuation")
    report["continuation_ms"] = round((time.perf_counter() - t) * 1000, 1)
    window.editor.accept_suggestion()
    report["continuation"] = window.editor.toPlainText()


def _write_acrostic(app, window, report: dict, timeout: float) -> None:
    """A 7x4 acrostic through the panel's Write button, judged by the one verdict (verse.check_poem)."""
    from poetpad.core.verse import check_poem

    panel = window.panel
    panel.mode.setCurrentIndex(4)  # acrostic
    panel.heads.setText("春夏秋冬")
    panel.form.setCurrentIndex(panel.form.findData("7x4"))
    panel.beam_radio.setChecked(True)
    panel.beam.setValue(8)
    window.editor.clear()
    t = time.perf_counter()
    window.write_from_panel()  # the panel's Write button: an acrostic is written once, not by Ctrl+Enter
    _wait(app, lambda: bool(window.editor.suggestion), timeout, "an acrostic")
    report["acrostic_ms"] = round((time.perf_counter() - t) * 1000, 1)
    window.editor.accept_suggestion()
    acrostic = window.editor.toPlainText().strip()
    check = check_poem(acrostic, form="7x4", heads="春夏秋冬")
    report["acrostic"] = acrostic
    report["acrostic_ok"] = check.ok
    if not check.ok:
        raise RuntimeError("the acrostic is not ok as a 7x4 poem: " + "; ".join(check.problems))


def _train(app, report: dict, timeout: float) -> None:
    from poetpad import paths
    from poetpad.core.train.config import TrainConfig
    from poetpad.core.train.job import TrainJob
    from poetpad.gui.workers import TrainWorker, start_worker

    corpus = paths.data_dir() / "smoke-corpus.txt"
    corpus.write_text(_shuffled_corpus(), encoding="utf-8")
    job = TrainJob(paths=[str(corpus)], name="smoke-test", preset="seed", embedding=16, hidden=32, layers=1,
                   config=TrainConfig(epochs=1, batch_size=8, seq_len=32, device="cpu", samples=1, sample_tokens=8))
    worker = TrainWorker(job)
    outcome: dict = {}
    worker.done.connect(outcome.update)
    worker.failed.connect(lambda message: outcome.update(error=message))
    t = time.perf_counter()
    start_worker(worker, "smoke-train")
    _wait(app, lambda: bool(outcome), timeout, "the training run")
    if "error" in outcome:
        raise RuntimeError(f"training failed: {outcome['error']}")
    report["train_s"] = round(time.perf_counter() - t, 3)
    report["trained"] = {"path": outcome.get("path"), "reason": outcome.get("reason"),
                         "best_valid_loss": outcome.get("best_valid_loss")}
    if not outcome.get("path"):
        raise RuntimeError("training finished without saving a model")
