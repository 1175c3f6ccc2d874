"""PoetPad: an offline companion for writing poems."""

__version__ = "0.1.0"
