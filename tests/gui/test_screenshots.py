"""The real app on a real X server (Xvfb, xcb): screenshots in light and dark, English and Chinese.

Set POETPAD_SCREENSHOTS=/some/folder to keep the PNGs for looking at them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from poetpad import paths
from tests.helpers import write_chinese_corpus

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
WINDOWS = ("main", "training", "models")


@pytest.fixture
def xvfb():
    """A private Xvfb display; CI installs Xvfb, elsewhere the test is skipped without it."""
    binary = shutil.which("Xvfb")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed; .ci/run installs the xvfb package")
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen([binary, "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as fh:
        display = fh.readline().strip()
    try:
        yield f":{display}"
    finally:
        proc.terminate()
        proc.wait(10)


def _mean_brightness(image: QImage) -> float:
    step = max(1, image.width() // 60)
    values = [image.pixelColor(x, y).lightness() for x in range(0, image.width(), step)
              for y in range(0, image.height(), step)]
    return sum(values) / len(values)


def test_screenshots_in_both_themes_and_languages(xvfb, tmp_path, make_model_file):
    make_model_file(paths.user_models_dir() / "tiny.poetpad")
    corpus = write_chinese_corpus(tmp_path / "corpus", n=60)
    out = Path(os.environ.get("POETPAD_SCREENSHOTS") or tmp_path / "shots")
    env = dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, str(HERE / "screenshot_app.py"), str(out), str(corpus)], env=env,
                          capture_output=True, text=True, timeout=600, cwd=HERE.parents[1])
    assert proc.returncode == 0, proc.stderr[-3000:]
    reports = {r["file"]: r for r in map(json.loads, proc.stdout.splitlines())}
    expected = {f"{w}-{t}-{lang}.png" for w in WINDOWS for t in ("light", "dark") for lang in ("en", "zh_CN")}
    assert set(reports) == expected
    for name, report in reports.items():
        assert report["missing_glyphs"] == [], name  # no boxes instead of characters
        image = QImage(str(out / name))
        assert image.width() >= 600 and image.height() >= 400, name
        if name.startswith("main"):
            assert "PoetPad" in report["title"]
        if name.endswith("zh_CN.png"):
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in menu) for menu in report["menus"]), report["menus"]
        else:
            assert all(menu.replace("&", "").isascii() for menu in report["menus"]), report["menus"]
    for window in WINDOWS:
        for lang in ("en", "zh_CN"):
            light = _mean_brightness(QImage(str(out / f"{window}-light-{lang}.png")))
            dark = _mean_brightness(QImage(str(out / f"{window}-dark-{lang}.png")))
            assert dark < light - 40, (window, lang, light, dark)
