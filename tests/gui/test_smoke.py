"""`poetpad --smoke-test` on the bundled models, as the packaged app's CI check runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_smoke_test_writes_trains_and_reports_json(bundled_models, tmp_path):
    env = dict(os.environ, POETPAD_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "poetpad", "--smoke-test"], capture_output=True, text=True,
                          env=env, timeout=300)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["ok"], report.get("traceback") or proc.stderr[-2000:]
    assert report["model"]["name"] == "chinese-classical" and not report["torch_loaded_before_window"]
    assert report["continuation"].startswith("春风") and len(report["continuation"]) > 3
    assert report["acrostic_ok"] and [line[0] for line in report["acrostic"].split("\n")] == list("春夏秋冬")
    assert report["trained"]["reason"] == "completed" and report["trained"]["path"]
    assert (tmp_path / "data" / "models" / "smoke-test.poetpad").exists()  # it used the given data dir


def test_smoke_test_fails_with_a_report_when_no_model_is_installed(tmp_path):
    env = dict(os.environ, POETPAD_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen",
               POETPAD_BUNDLED_DIR="")
    proc = subprocess.run([sys.executable, "-m", "poetpad", "--smoke-test"], capture_output=True, text=True,
                          env=env, timeout=300)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and not report["ok"]
    assert "No models are installed" in report["error"]
