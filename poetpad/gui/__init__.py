"""PoetPad's desktop GUI (PySide6 only; it never imports torch directly).

Importing this package first guards against a reference-counting bug in the PySide6 6.12.0
wheels (cp310-abi3) on CPython 3.11: every call of a Qt method that returns nothing (setText,
show, processEvents, …) takes one reference from None without ever having added it, and
Python aborts with "none_dealloc: deallocating None" after a few thousand calls. Python 3.12
made None, True and False immortal (PEP 683), so the bug is harmless there; on 3.11 we give
those three objects the same treatment by raising their reference counts far out of reach.
"""

from __future__ import annotations

import sys

_HEADROOM = 1 << 60  # decrements needed to reach zero: centuries at a billion calls a second


def immortalize_singletons() -> bool:
    """On CPython before 3.12, make None, True and False impossible to free; True when applied."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    import ctypes

    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM
    return True


immortalize_singletons()
