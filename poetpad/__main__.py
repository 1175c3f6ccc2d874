"""`python -m poetpad` runs the same entry point as the `poetpad` command."""

import multiprocessing
import sys

from poetpad.cli import main


def _attach_console() -> None:
    """A windowed (console=False) build on Windows has no stdout: use the terminal it was started
    from, if any, so `poetpad generate …` still prints there."""
    if sys.platform != "win32" or not getattr(sys, "frozen", False) or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        sys.stderr = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _attach_console()
    sys.exit(main())
