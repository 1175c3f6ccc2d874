"""How long `poetpad models list` takes with many models, against `poetpad --version`.

    python benchmarks/list_models.py [--models 40] [--runs 7] [--copy] [--out list_models.json]

Fills a temporary data dir (POETPAD_DATA_DIR) with --models user models, the bundled
chinese-classical and english-shakespeare by turns (hard links to models/, or real copies with
--copy), then times fresh `python -m poetpad --version` and `python -m poetpad models list --json`
processes by turns, --runs of each, and prints one JSON object: the medians, their ratio (target
≤ 3), how many models the listing showed, and whether the listing process imported torch or
numpy (from one more run under `python -X importtime`). It imports nothing from poetpad itself.
Byte code is cached in the temporary folder (PYTHONPYCACHEPREFIX; a first untimed run of each
command fills it), so the times are those of an installed app, even where PYTHONDONTWRITEBYTECODE
is set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("chinese-classical.poetpad", "english-shakespeare.poetpad")
TARGET_RATIO = 3.0


def fill(models_dir: Path, count: int, copy: bool) -> int:
    """`count` user models in `models_dir`, alternating the bundled files; returns their total size."""
    models_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(count):
        source = REPO_ROOT / "models" / SOURCES[i % len(SOURCES)]
        target = models_dir / f"user-{i:02d}-{source.stem}.poetpad"
        if copy:
            shutil.copyfile(source, target)
        else:
            try:
                os.link(source, target)
            except OSError:  # another file system, or no hard links here
                shutil.copyfile(source, target)
        total += target.stat().st_size
    return total


def run(args: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=40, help="user models to list (default 40)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--copy", action="store_true", help="copy the model files instead of hard-linking them")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="poetpad-list-") as tmp:
        data_dir = Path(tmp)
        total = fill(data_dir / "models", args.models, args.copy)
        env = dict(os.environ, POETPAD_DATA_DIR=str(data_dir), PYTHONPYCACHEPREFIX=str(data_dir / "pycache"))
        env.pop("POETPAD_BUNDLED_DIR", None)  # the repository's models/ are the bundled ones, as in the app
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # time what an installed app runs: cached byte code
        version_cmd = ["-m", "poetpad", "--version"]
        list_cmd = ["-m", "poetpad", "models", "list", "--json"]
        run(version_cmd, env)  # warm the file cache and the byte-code cache
        _, listed = run(list_cmd, env)
        shown = json.loads(listed.stdout)
        version_times, list_times = [], []
        for _ in range(args.runs):
            version_times.append(run(version_cmd, env)[0])
            list_times.append(run(list_cmd, env)[0])
        _, traced = run(["-X", "importtime", *list_cmd], env)
        imported = {line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if "|" in line}

    version_s, list_s = statistics.median(version_times), statistics.median(list_times)
    result = {
        "benchmark": "list_models",
        "user_models": args.models,
        "models_listed": len(shown),
        "user_models_bytes": total,
        "files": "copies" if args.copy else "hard links",
        "runs": args.runs,
        "version_s": round(version_s, 4),
        "list_s": round(list_s, 4),
        "ratio": round(list_s / version_s, 3),
        "target_ratio": TARGET_RATIO,
        "met_target": list_s / version_s <= TARGET_RATIO,
        "version_s_all": [round(t, 4) for t in version_times],
        "list_s_all": [round(t, 4) for t in list_times],
        "list_imports_torch": "torch" in imported,
        "list_imports_numpy": "numpy" in imported,
        "python_version": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    text = json.dumps(result, indent=2)
    print(text, flush=True)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
