"""Widgets built from a declared option (core.options.Option): their range, step, choices and default
come from the one declaration that the CLI's arguments and the settings clamps are built from too."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from poetpad.core.options import Option

_INT_MAX = 2**31 - 1  # what a QSpinBox holds


def spin_box(option: Option, low: float | None = None, whole: bool = False) -> QSpinBox | QDoubleSpinBox:
    """A spin box over `option`'s declared range, from `low` where the window allows less of it (a 0 that
    means none); `whole` counts a float option in whole units (minutes). Its value is left to the caller."""
    if option.kind is float and not whole:
        spin = QDoubleSpinBox()
        spin.setRange(option.low if low is None else low, option.high)
    else:
        spin = QSpinBox()
        top = _INT_MAX if option.high is None else min(_INT_MAX, int(option.high))
        spin.setRange(int(option.low if low is None else low), top)
    if option.step is not None:
        spin.setSingleStep(option.step)
    return spin


def choice_box(option: Option, labels: dict[str, str] | None = None) -> QComboBox:
    """A combo box of `option`'s choices in their declared order, its default chosen; each shown by its
    label, or by its own name where it needs none."""
    combo = QComboBox()
    for key in option.choices:
        combo.addItem((labels or {}).get(key, key), key)
    if option.default in option.choices:
        combo.setCurrentIndex(option.choices.index(option.default))
    return combo
