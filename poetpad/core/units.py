"""Durations, counts and sizes as people read them, for the CLI and the GUI alike.

Plain Python: no torch, no Qt, so the CLI's progress line and the dialogs share one spelling.
The unit symbols (s, min, h, k, M, KB …) are international and stay untranslated; the GUI
translates the sentence around them ("about {duration} left").
"""

from __future__ import annotations

import math

__all__ = ["format_bytes", "format_count", "format_duration"]


def format_duration(seconds: float) -> str:
    """45 → "45 s", 185 → "3 min 05 s", 7620 → "2 h 07 min" (to the nearest minute from an hour on).

    Negative durations read as "0 s"; one that is not finite (an unknown ETA) as "—".
    """
    if not math.isfinite(seconds):
        return "—"
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod((total + 30) // 60, 60)
    return f"{hours} h {minutes:02d} min"


def _scaled(n: float, units: tuple[str, ...], digits: int) -> tuple[float, str]:
    """`n` divided by 1000 until it is under 1000 once rounded to `digits` decimals, with the unit reached."""
    value = float(n)
    for unit in units[:-1]:
        value /= 1000
        if round(value, digits) < 1000:
            return value, unit
    return value / 1000, units[-1]


def format_count(n: int) -> str:
    """5_512_345 → "5.5 M"; under a thousand, the number itself."""
    if n < 1000:
        return str(n)
    value, unit = _scaled(n, ("k", "M", "B"), 0)
    return f"{value:.1f} {unit}" if round(value, 1) < 100 else f"{value:.0f} {unit}"


def format_bytes(n: int) -> str:
    """12_345_678 → "12.3 MB" (decimal units, as file managers show them)."""
    if n < 1000:
        return f"{n} B"
    value, unit = _scaled(n, ("KB", "MB", "GB", "TB"), 1)
    return f"{value:.1f} {unit}"
