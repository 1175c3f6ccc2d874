"""`python -m poetpad` runs the same entry point as the `poetpad` command (and is the frozen app's)."""

import multiprocessing
import sys
import warnings

from poetpad.cli import main


def quiet_frozen_warnings() -> None:
    """Silence the one warning the frozen app would print on every run that imports torch.

    poetpad.spec leaves torch's .py sources out of the bundle (its modules run compiled from the
    archive). When torch is imported, each of its 26 `@torch.jit._overload` declarations (upsample,
    interpolate, RNN.forward, tensordot, norm, …) has its body checked by reading its source, and
    torch/_jit_internal.py warns "Unable to retrieve source for @torch.jit._overload function" when it
    cannot. The check only guards TorchScript, which PoetPad never uses, so the warning is noise:
    ignore exactly that message from that module, before anything imports torch. Other warnings
    still show.
    """
    warnings.filterwarnings("ignore", message=r"Unable to retrieve source for @torch\.jit\._overload function",
                            category=UserWarning, module=r"torch\._jit_internal")


def _attach_console() -> None:
    """A windowed (console=False) build on Windows has no stdout: use the terminal it was started
    from, if any, so `poetpad generate …` still prints there."""
    if sys.platform != "win32" or not getattr(sys, "frozen", False) or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # both live as long as the process
        sys.stderr = open("CONOUT$", "w", encoding="utf-8")


if __name__ == "__main__":
    multiprocessing.freeze_support()
    if getattr(sys, "frozen", False):
        quiet_frozen_warnings()
    _attach_console()
    sys.exit(main())
