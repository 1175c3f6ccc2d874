"""The frozen app is quiet: torch's warning about the sources the bundle leaves out is silenced, and only it."""

from __future__ import annotations

import warnings

from poetpad.__main__ import quiet_frozen_warnings

TORCH_MESSAGE = "Unable to retrieve source for @torch.jit._overload function: <function upsample at 0x7f>."


def test_only_torchs_missing_source_warning_is_silenced():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_frozen_warnings()
        torch_file, torch_module = "torch/_jit_internal.py", "torch._jit_internal"
        warnings.warn_explicit(TORCH_MESSAGE, UserWarning, torch_file, 1048, module=torch_module)
        warnings.warn_explicit(TORCH_MESSAGE, UserWarning, "poetpad/x.py", 1, module="poetpad.x")
        warnings.warn_explicit("Another warning.", UserWarning, torch_file, 1, module=torch_module)
    assert [(str(w.message), w.filename) for w in caught] == [(TORCH_MESSAGE, "poetpad/x.py"),
                                                             ("Another warning.", "torch/_jit_internal.py")]
