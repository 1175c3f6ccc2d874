"""Errors a user can act on.

Every PoetPadError carries one sentence that the CLI prints as
`poetpad: error: <sentence>` and the GUI shows in a dialog, as-is.
"""


class PoetPadError(Exception):
    """Base class: the message is written for the user, in one sentence."""


class CorpusError(PoetPadError):
    """The training text cannot be used (unreadable, binary, empty, too small)."""


class VocabError(PoetPadError):
    """A vocabulary is malformed or lacks what a request needs."""


class ModelFileError(PoetPadError):
    """A .poetpad file is missing, damaged, hostile or inconsistent."""


class LibraryError(PoetPadError):
    """A model library operation cannot be done (unknown name, read-only, clash)."""


class TrainingError(PoetPadError):
    """Training cannot start or continue (bad options, out of memory, bad checkpoint)."""


class DecodeError(PoetPadError):
    """A generation request cannot be satisfied (bad settings or constraints)."""
