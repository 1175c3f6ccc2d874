"""GUI responsiveness: launch time, Ctrl+Enter latency and event-loop stalls while training.

    python benchmarks/gui.py [--only launch|suggest|stall|frozen] [--runs 5] [--stall-seconds 30] [--out gui.json]

Prints one JSON object. Runs offscreen unless DISPLAY is set and QT_QPA_PLATFORM says otherwise.
- launch: wall time from starting `python -m poetpad` (a fresh process, data dir in a temp
  folder) to the main window's first paint; median of --runs. Target ≤ 1.0 s.
- suggest: with the bundled Chinese model on CPU, the time from Ctrl+Enter after 「春风」 to the
  grey suggestion being painted, median and max over 20 requests after one warm-up, for the
  default sampling settings (4 candidates) and for beam 8. Target ≤ 150 ms.
- frozen (only when asked): the packaged app's launch on a private Xvfb, until xdotool sees its
  window mapped; median of --runs. Target ≤ 2.0 s.
- stall: a 5 ms QTimer on the GUI thread while the training dialog trains a small-preset model
  on CPU (tang_regulated.train.txt from ../shared/data); a stall is how late a tick fires.
  Reports p50/p99/max. Target p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

PROBE = r"""
import os, sys, time
import poetpad.gui
from PySide6.QtCore import QEvent, QObject
from poetpad.gui import app as gui_app

made = gui_app.create_window

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"PAINTED {time.time():.6f} torch={'torch' in sys.modules}", flush=True)
            os._exit(0)
        return False

def create(app, settings=None):
    window = made(app, settings)
    window._probe = FirstPaint()
    window.installEventFilter(window._probe)
    return window

gui_app.create_window = create
sys.exit(gui_app.run_app(None))
"""


def bench_launch(runs: int) -> dict:
    times, torch_at_paint = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data:
            env = dict(os.environ, POETPAD_DATA_DIR=data)
            started = time.time()
            proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120,
                                  cwd=REPO_ROOT)
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("PAINTED ")), None)
            if line is None:
                raise SystemExit(f"the probe did not paint: {proc.stderr[-1000:]}")
            stamp, torch_flag = line.split()[1:]
            times.append(float(stamp) - started)
            torch_at_paint.append(torch_flag == "torch=True")
    return {"launch_to_first_paint_s": {"median": round(statistics.median(times), 3), "runs": [round(t, 3)
                                                                                                 for t in times]},
            "torch_imported_before_paint": any(torch_at_paint), "target_s": 1.0,
            "met_target": statistics.median(times) <= 1.0}


def _xvfb() -> tuple[subprocess.Popen, str]:
    """A private Xvfb server and its DISPLAY."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        return proc, ":" + fh.readline().strip()


def bench_launch_frozen(binary: Path, runs: int) -> dict:
    """Spawn the packaged app on a private Xvfb and time until xdotool sees its window mapped."""
    server, display = _xvfb()
    times = []
    try:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as data:
                env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", POETPAD_DATA_DIR=data)
                started = time.time()
                app = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "PoetPad"], env=env,
                                   check=True, capture_output=True, timeout=60)
                    times.append(time.time() - started)
                finally:
                    app.terminate()
                    app.wait(30)
    finally:
        server.terminate()
        server.wait(10)
    return {"binary": str(binary), "launch_to_window_mapped_s": {"median": round(statistics.median(times), 3),
                                                                   "runs": [round(t, 3) for t in times]},
            "target_s": 2.0, "met_target": statistics.median(times) <= 2.0}


def _app():
    from PySide6.QtWidgets import QApplication

    from poetpad.gui import immortalize_singletons

    immortalize_singletons()  # before any Qt call: see poetpad/gui/__init__.py
    return QApplication.instance() or QApplication([])


def _wait(app, predicate, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)


def bench_suggest(requests: int = 20) -> dict:
    from PySide6.QtCore import QEvent, QObject

    from poetpad.core import library
    from poetpad.gui.app import create_window
    from poetpad.gui.settings import Settings

    app = _app()
    name = library.default_model("春风").name
    window = create_window(app, Settings(default_model=name))
    window.show()
    window.start_model()
    _wait(app, lambda: window.model_ready)
    painted = []

    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and window.editor.suggestion:
                painted.append(time.perf_counter())
            return False

    spy = Painted()
    window.editor.viewport().installEventFilter(spy)
    results = {"model": name, "device": window.model.info.get("device_name")}
    for label, beam in (("sampling_4_candidates", False), ("beam_8", True)):
        (window.panel.beam_radio if beam else window.panel.sample_radio).setChecked(True)
        window.panel.beam.setValue(8)
        times = []
        for i in range(requests + 1):
            window.editor.setPlainText("春风")
            cursor = window.editor.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            window.editor.setTextCursor(cursor)
            painted.clear()
            started = time.perf_counter()
            window.request_continuation()
            _wait(app, lambda: bool(painted))
            if i:  # the first is a warm-up
                times.append((painted[0] - started) * 1000)
        results[label] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
    window.editor.document().setModified(False)
    window.close()
    results["target_ms"] = 150
    results["met_target"] = results["sampling_4_candidates"]["median_ms"] <= 150
    return results


def bench_stall(seconds: float) -> dict:
    from PySide6.QtCore import QElapsedTimer, QTimer

    from poetpad.gui.dialogs.training import TrainingDialog

    corpus = DATA_DIR / "tang_regulated.train.txt"
    if not corpus.is_file():
        raise SystemExit(f"{corpus} is missing; the stall benchmark trains on it.")
    app = _app()
    dialog = TrainingDialog()
    dialog.ask.confirm = lambda question, title=None: True  # closing mid-run stops it without a dialog
    dialog.show()
    _wait(app, lambda: dialog.engine_ready, 120)
    dialog.add_paths([str(corpus)])
    dialog.name_edit.setText("stall-bench")
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("small"))
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    _wait(app, lambda: dialog.start_button.isEnabled() and not dialog.busy, 300)
    dialog.start_button.click()
    _wait(app, lambda: dialog.train_series.count() > 0, 300)  # training is under way

    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    lateness: list[float] = []
    interval_ms = 5

    def tick() -> None:
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e6 - interval_ms))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0005)
    timer.stop()
    points = dialog.train_series.count()
    dialog.reject()
    _wait(app, lambda: not dialog.training, 120)
    lateness.sort()

    def p(q: float) -> float:
        return round(lateness[min(len(lateness) - 1, int(q * len(lateness)))], 2)

    return {"seconds": seconds, "ticks": len(lateness), "chart_points": points, "stall_ms": {
        "p50": p(0.5), "p99": p(0.99), "max": round(lateness[-1], 2)}, "target_p99_ms": 50,
        "met_target": p(0.99) <= 50}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("launch", "suggest", "stall", "frozen"))
    parser.add_argument("--frozen", type=Path, default=REPO_ROOT / "dist" / "poetpad" / "poetpad",
                        help="the packaged app, for --only frozen (needs Xvfb and xdotool)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stall-seconds", type=float, default=30.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data:
        os.environ["POETPAD_DATA_DIR"] = data
        result = {"platform": os.environ.get("QT_QPA_PLATFORM"), "cpus": os.cpu_count()}
        if args.only in (None, "launch"):
            result["launch"] = bench_launch(args.runs)
        if args.only in (None, "suggest"):
            result["suggest"] = bench_suggest()
        if args.only in (None, "stall"):
            result["stall"] = bench_stall(args.stall_seconds)
        if args.only == "frozen":
            result["frozen_launch"] = bench_launch_frozen(args.frozen, args.runs)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    os._exit(0)  # Qt objects from the runs above need no orderly teardown


if __name__ == "__main__":
    main()
