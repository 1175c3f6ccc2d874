"""core.units: the one spelling of durations, counts and sizes."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from poetpad.core.units import format_bytes, format_count, format_duration
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (0.4, "0 s"), (45, "45 s"), (59.4, "59 s"),
    (59.6, "1 min 00 s"), (60, "1 min 00 s"), (125, "2 min 05 s"), (185.2, "3 min 05 s"), (3599, "59 min 59 s"),
    (3600, "1 h 00 min"), (7620, "2 h 07 min"), (7649, "2 h 07 min"), (7650, "2 h 08 min"),
    (3599.6, "1 h 00 min"), (100 * 3600, "100 h 00 min"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [-5, -0.1])
def test_a_negative_duration_reads_as_zero(seconds):
    assert format_duration(seconds) == "0 s"


@pytest.mark.parametrize("seconds", [math.inf, -math.inf, math.nan])
def test_an_unknown_duration_reads_as_a_dash(seconds):
    assert format_duration(seconds) == "—"


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (999, "999"), (1000, "1.0 k"), (5_512_345, "5.5 M"), (99_960, "100 k"), (123_456, "123 k"),
    (999_499, "999 k"), (999_500, "1.0 M"), (2_500_000_000, "2.5 B"), (7_000_000_000_000, "7000 B"),
])
def test_format_count(n, text):
    assert format_count(n) == text


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (999, "999 B"), (1000, "1.0 KB"), (12_345_678, "12.3 MB"), (999_999, "1.0 MB"),
    (3_200_000_000_000, "3.2 TB"),
])
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_importing_units_imports_neither_torch_nor_qt():
    code = ("import sys; import poetpad.core.units; "
            "print(sorted(m for m in ('PySide6', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
