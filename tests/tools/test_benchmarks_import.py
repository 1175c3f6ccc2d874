"""The benchmark scripts still import after a module they use moves: benchmarks/ is no package and CI runs
none of them, so without this a renamed import breaks them silently."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

BENCHMARKS = REPO_ROOT / "benchmarks"


def test_every_benchmark_script_imports():
    scripts = sorted(p.stem for p in BENCHMARKS.glob("*.py"))
    assert "verse" in scripts and "english" in scripts
    code = ("import importlib, sys\n"
            f"sys.path.insert(0, {str(BENCHMARKS)!r})\n"
            f"for name in {scripts!r}:\n"
            "    importlib.import_module(name)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
