"""PoetPad's desktop GUI (PySide6 only; it never imports torch directly).

`immortalize_singletons()` works around a reference-counting bug in the PySide6 6.12.0 wheels
(cp310-abi3) on CPython before 3.12: every call of a Qt method that returns nothing (setText,
show, processEvents, …) takes one reference from None without ever having added it. A fresh Qt
app holds about 5,500 references to None, so Python aborts with "none_dealloc: deallocating None"
after about 5,500 such calls, or at exit once about 700 are missing. Python 3.12 made None,
True and False immortal (PEP 683), so the bug is harmless there; on older versions the guard
gives those three objects the same treatment by raising their reference counts far out of reach.

Importing this package changes nothing. Whatever creates a QApplication calls the guard first:
`app.run_app`, the smoke test, tests/gui/conftest.py and tests/gui/screenshot_app.py. It does
nothing where the bug is not known to exist, and tests/gui/test_refcount_guard.py fails the day
PySide6 stops losing references, so the guard can be removed then.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

_AFFECTED_PYSIDE = ("6.12.0",)  # PySide6 versions known to lose references to None
_HEADROOM = 1 << 60  # decrements needed to reach zero: centuries at a billion calls a second


def pyside_version() -> str | None:
    """The installed PySide6's version, read without importing Qt where package metadata is present."""
    from importlib import metadata

    for dist in ("PySide6_Essentials", "PySide6"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    try:  # a frozen app carries no package metadata
        import PySide6
    except ImportError:
        return None
    return PySide6.__version__


def guard_needed(version: str | None = None) -> bool:
    """True where Qt calls lose references to None: an affected PySide6 (`version`, or the installed
    one) on CPython before 3.12."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    return (version or pyside_version()) in _AFFECTED_PYSIDE


def immortalize_singletons() -> bool:
    """Make None, True and False impossible to free where `guard_needed()`; True when applied.

    Call it before creating the QApplication. Calling it again does no harm.
    """
    version = pyside_version()
    if not guard_needed(version):
        log.debug("no refcount guard: PySide6 %s on %s %s is not affected", version, sys.implementation.name,
                  sys.version.split()[0])
        return False
    import ctypes

    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM
    log.debug("refcount guard applied for PySide6 %s", version)
    return True
