"""Bounded memory and time for hostile or huge input (issue 17). Prints one JSON object.

    python benchmarks/robustness.py [--only prefix|modelfile|check|editor] [--prefix-chars 200000]
                                    [--check-mb 2] [--editor-mb 5]

Each measurement runs in a fresh subprocess, so its peak resident memory (ru_maxrss) is its own.
- prefix: `generate` continuing a 200,000-character prefix with the bundled Chinese model (it is
  cut to the last 4,096 characters and read in chunks). Target: under 1 GB, a few seconds.
- modelfile: refusing an 11 MB file whose weights would inflate to about 2 GB and whose vocab.json
  lists 9.6 million tokens, by load_model and read_summary (what `models list` does). Target: under
  600 MB and 1 s.
- check: `check_poem` on 2 MB of English verse and of Chinese verse. Target: under 20 s. Wall and CPU
  seconds are both printed: on a shared machine the wall time measures the other load too.
- editor: one keystroke in a 5 MB document in the window (offscreen): the key event itself, and the
  analysis and counts that follow a pause in typing. Target: at most 50 ms each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

PREFIX = r"""
import json, resource, sys, time
from poetpad.core import library, modelfile
from poetpad.core.suggest import make_request, suggest
line = "春风又绿江南岸明月何时照我还\n"
prefix = line * (int(sys.argv[1]) // len(line))
bundle = modelfile.load_model(library.find("chinese-classical").path)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
out = suggest(bundle, make_request(prefix=prefix, mode="line", n=4, seed=1))
print(json.dumps({"prefix_chars": len(prefix), "seconds": round(time.perf_counter() - t, 2),
                  "cpu_seconds": round(time.process_time() - c, 2),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "rss_before_mb": round(base / 1024), "note": out[0].notes[:1]}))
"""

MODELFILE = r"""
import json, os, resource, sys, time
from poetpad.core import modelfile
from poetpad.errors import ModelFileError
path = sys.argv[1]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"file_mb": round(os.path.getsize(path) / 1e6, 1)}
for name in ("load_model", "read_summary"):
    t, c = time.perf_counter(), time.process_time()
    try:
        getattr(modelfile, name)(path)
        out[name] = "loaded!"
    except ModelFileError as exc:
        out[name] = str(exc)[:120]
    out[name + "_seconds"] = round(time.perf_counter() - t, 3)
    out[name + "_cpu_seconds"] = round(time.process_time() - c, 3)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
out["rss_before_mb"] = round(base / 1024)
print(json.dumps(out))
"""

CHECK = r"""
import json, resource, sys, time
from poetpad.core.verse import check_poem
size = int(float(sys.argv[1]) * 1e6)
out = {}
for name, line in (("english", "Shall I compare thee to a summer's day?\n"), ("chinese", "床前明月光，疑是地上霜。\n")):
    text = (line * (size // len(line.encode()))).strip()
    t, c = time.perf_counter(), time.process_time()
    check_poem(text)
    out[name + "_seconds"] = round(time.perf_counter() - t, 2)
    out[name + "_cpu_seconds"] = round(time.process_time() - c, 2)  # on a shared, loaded machine: the work itself
out["megabytes"] = float(sys.argv[1])
print(json.dumps(out))
"""

EDITOR = r"""
import json, statistics, sys, time
from poetpad.gui import immortalize_singletons
immortalize_singletons()
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
from poetpad.gui.main_window import MainWindow
win = MainWindow()
win.menus.act_tones.setChecked(True); win.show_tones(True)
win.show()
poem = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n\n"
text = poem * (int(float(sys.argv[1]) * 1e6) // len(poem.encode()))
t = time.perf_counter(); win.editor.setPlainText(text); app.processEvents()
opened = time.perf_counter() - t
cursor = win.editor.textCursor(); cursor.movePosition(QTextCursor.MoveOperation.End)
win.editor.setTextCursor(cursor)
app.processEvents()
keys, pauses, key_cpu, pause_cpu = [], [], [], []
for i in range(15):
    t, c = time.perf_counter(), time.process_time()
    QTest.keyClick(win.editor, Qt.Key.Key_A)  # the key event alone: the timers below wait for a pause
    keys.append(time.perf_counter() - t)
    key_cpu.append(time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    win.editor._analyse(); win._update_counts(); win.update_summary()  # what the timers run after a pause
    pauses.append(time.perf_counter() - t)
    pause_cpu.append(time.process_time() - c)
    app.processEvents()
print(json.dumps({"megabytes": float(sys.argv[1]), "open_seconds": round(opened, 2),
                  "keystroke_ms_median": round(statistics.median(keys) * 1000, 1),
                  "keystroke_ms_max": round(max(keys) * 1000, 1),
                  "after_pause_ms_median": round(statistics.median(pauses) * 1000, 1),
                  "after_pause_ms_max": round(max(pauses) * 1000, 1),
                  "keystroke_cpu_ms_median": round(statistics.median(key_cpu) * 1000, 1),
                  "after_pause_cpu_ms_median": round(statistics.median(pause_cpu) * 1000, 1)}))
"""


HOSTILE = r"""
import sys
sys.path.insert(0, "benchmarks")
from pathlib import Path
from robustness import _hostile_file
_hostile_file(Path(sys.argv[1]), sys.argv[2])
"""


def _hostile_file(path: Path, kind: str) -> Path:
    """'inflate': a config for a 2 GB model (a million tokens), whose weights of zeros deflate to a few
    MB; 'vocab': a small model whose vocab.json lists 9.6 million tokens. Made in a process of its own,
    so the measuring process does not inherit its memory."""
    from poetpad.core import modelfile
    from poetpad.core.modelconfig import ModelConfig

    big = kind == "inflate"
    config = ModelConfig(vocab_size=1_000_000 if big else 6_000, embedding=512 if big else 16, hidden=16, layers=1,
                         cell="gru", dropout=0.0, tied=True)
    shapes = modelfile.expected_shapes(config)
    # Headers only: the data is the zip's business. Built piecewise so this script stays small itself.
    header = {}
    offset = 0
    for name, shape in shapes.items():
        n = 1
        for d in shape:
            n *= d
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + 4 * n]}
        offset += 4 * n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(modelfile.file_config(config)))
        tokens = [f"t{i}" for i in range(config.vocab_size if big else 9_600_000)]
        zf.writestr("vocab.json", json.dumps({"kind": "char", "tokens": tokens}))
        zf.writestr("meta.json", "{}")
        with zf.open("weights.safetensors", "w", force_zip64=True) as fh:
            fh.write(len(raw).to_bytes(8, "little") + raw)
            chunk = bytes(16 * 1024 * 1024)
            left = offset
            while left:
                fh.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
    return path


def _run(code: str, *args: str, env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env or os.environ, timeout=1800)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=("prefix", "modelfile", "check", "editor"))
    parser.add_argument("--prefix-chars", type=int, default=200_000)
    parser.add_argument("--check-mb", type=float, default=2.0)
    parser.add_argument("--editor-mb", type=float, default=5.0)
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, POETPAD_DATA_DIR=tmp, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        if args.only in (None, "prefix"):
            out["prefix"] = _run(PREFIX, str(args.prefix_chars), env=env)
        if args.only in (None, "modelfile"):
            for kind in ("inflate", "vocab"):
                path = Path(tmp) / f"{kind}.poetpad"
                _run(HOSTILE + "\nprint('{}')", str(path), kind, env=env)
                out[f"modelfile_{kind}"] = _run(MODELFILE, str(path), env=env)
        if args.only in (None, "check"):
            out["check"] = _run(CHECK, str(args.check_mb), env=env)
        if args.only in (None, "editor"):
            out["editor"] = _run(EDITOR, str(args.editor_mb), env=env)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
