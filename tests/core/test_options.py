"""The Option declaration: its ranges as said, refused and clamped."""

from __future__ import annotations

import argparse

import pytest

from poetpad.core.options import Option

LR = Option("lr", float, None, "learning rate", low=0, high=1, low_open=True)
DROPOUT = Option("dropout", float, None, "dropout", low=0.0, high=1.0, high_open=True)
BEAM = Option("beam", int, 0, "beam width", low=0, high=32)


def test_open_bounds_are_said_and_refused():
    assert (LR.range_text(), DROPOUT.range_text(), BEAM.range_text()) == \
        ("above 0, at most 1", "at least 0, below 1", "0 to 32")
    assert LR.problem(0) == "The lr must be above 0, at most 1, not 0."
    assert LR.problem(1) is None and LR.problem(1e-9) is None
    assert DROPOUT.problem(1.0) and DROPOUT.problem(0.0) is None
    assert BEAM.problem(0) is None and BEAM.problem(33) and BEAM.problem(float("nan"))


def test_the_parser_refuses_what_the_declaration_refuses():
    parser = argparse.ArgumentParser()
    LR.add_to(parser)
    assert parser.parse_args(["--lr", "0.5"]).lr == 0.5
    assert "(above 0, at most 1)" in parser.format_help()
    with pytest.raises(SystemExit):
        parser.parse_args(["--lr", "0"])


@pytest.mark.parametrize(("value", "clamped"), [(40, 32), (-1, 0), (7, 7), (float("nan"), 0), (float("inf"), 0),
                                                ("8", 0), (True, 0)])
def test_clamp_brings_a_stored_value_into_range_or_back_to_the_default(value, clamped):
    assert BEAM.clamp(value) == clamped


def test_clamp_never_lands_on_an_open_bound():
    assert DROPOUT.clamp(5.0) is None  # the bound itself is refused: the default (none) instead
    assert DROPOUT.clamp(0.5) == 0.5
