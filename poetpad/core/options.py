"""One declaration per option: its default, its range or choices, and its help.

Every option a poet can set, on a request or on a training run, is an `Option` declared once
in a torch-free core module. The CLI's arguments, the window's widget ranges and the settings
clamps are built from that declaration, so the three can never disagree.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """One option. `low`/`high` bound a number (inclusive, unless `low_open`/`high_open`: then the bound
    itself is refused); `choices` list a text option's values; `default` is what a request or run gets
    when the option is not given (None: decided later)."""

    name: str                      # the field name (request, config or settings attribute)
    kind: type                     # int, float, str or bool
    default: Any
    help: str                      # one line, for the CLI's --help and the window's tooltip
    low: float | int | None = None
    high: float | int | None = None
    choices: tuple[str, ...] = ()
    step: float | None = None      # the window's spin-box step, for a float
    flag: str | None = None        # the CLI flag, when not --name with dashes
    metavar: str | None = None
    noun: str | None = None        # what the messages call it, when not the name with spaces
    low_open: bool = False         # `low` itself is refused: the value must be above it
    high_open: bool = False        # `high` itself is refused: the value must be below it

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def range_text(self) -> str:
        """"0.05 to 3", "above 0, at most 1", "one of: off, basic, strict", or ""."""
        if self.choices:
            return "one of: " + ", ".join(self.choices)
        low = None if self.low is None else f"{'above' if self.low_open else 'at least'} {_number(self.low)}"
        high = None if self.high is None else f"{'below' if self.high_open else 'at most'} {_number(self.high)}"
        if low and high and not (self.low_open or self.high_open):
            return f"{_number(self.low)} to {_number(self.high)}"
        return ", ".join(part for part in (low, high) if part)

    def _in_range(self, value: float) -> bool:
        """Whether a number is within the bounds (NaN is within none)."""
        if self.low is not None and not (value > self.low if self.low_open else value >= self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    @property
    def label(self) -> str:
        return self.noun or self.name.replace("_", " ")

    def problem(self, value: Any) -> str | None:
        """Why `value` is refused, in one sentence, or None when it is allowed (None always is)."""
        if value is None:
            return None
        if self.choices and value not in self.choices:
            return f"Unknown {self.label} '{value}'; use {self.range_text()}."
        if self.kind in (int, float) and not isinstance(value, bool) and not self._in_range(value):
            return f"The {self.label} must be {self.range_text()}, not {_number(value)}."
        return None

    def clamp(self, value: Any) -> Any:
        """`value` brought into range (a stored setting read back), or the default when it is of the
        wrong kind, not a finite number, on an open bound, or not among the choices."""
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                return self.default
            value = self.kind(value)
            if self.low is not None:
                value = max(self.kind(self.low), value)
            if self.high is not None:
                value = min(self.kind(self.high), value)
            return value if self._in_range(value) else self.default
        if self.choices and value not in self.choices:
            return self.default
        if not isinstance(value, self.kind):
            return self.default
        return value

    def parse(self, text: str) -> Any:
        """An argparse type: the text as this option's kind, in range, or argparse's one-line error."""
        try:
            value = self.kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"expected {self.kind.__name__ if self.kind is not float else 'a number'}"
                                             f", not '{text}'") from None
        problem = self.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    def add_to(self, parser, *, default: Any = None, help: str | None = None, declared_default: bool = True,
               **extra) -> None:
        """Add this option to an argparse parser. The default there stays None unless given, so that
        'not given' reaches the core, which applies the declared default (said in the help unless
        `declared_default` is False: a tool whose own recipe decides)."""
        text = help or self.help
        said = self.default if declared_default else None
        if self.range_text() and not self.choices:
            text = f"{text} ({self.range_text()}; default {_number(said)})" if said is not None \
                else f"{text} ({self.range_text()})"
        elif said not in (None, "") and self.kind is not bool:
            text = f"{text} (default {said})"
        if self.kind is bool:
            parser.add_argument(self.cli_flag, action=argparse.BooleanOptionalAction, default=default,
                                help=text, **extra)
            return
        kwargs: dict[str, Any] = {"default": default, "help": text, "metavar": self.metavar}
        if self.choices:
            kwargs["choices"] = self.choices
            kwargs.pop("metavar")
        else:
            kwargs["type"] = self.parse
        parser.add_argument(self.cli_flag, **kwargs | extra)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(*options: Option) -> dict[str, Option]:
    """Options by name; a name declared twice is a mistake."""
    out: dict[str, Option] = {}
    for option in options:
        if option.name in out:
            raise ValueError(f"option {option.name} declared twice")
        out[option.name] = option
    return out
