"""The walls between layers, checked in a fresh Python: core never imports Qt, and core.text stands
on the standard library alone (with poetpad.errors)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import poetpad

CORE_DIR = Path(poetpad.__file__).parent / "core"
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "sip")


def core_modules() -> list[str]:
    """Every module of poetpad.core, found in its folder, so a new module is checked without a word here."""
    return sorted(m.name for m in pkgutil.walk_packages([str(CORE_DIR)], prefix="poetpad.core."))


def imported_by(modules: list[str]) -> list[str]:
    """The modules that importing `modules` brings in, beyond what a bare Python has already loaded."""
    code = ("import importlib, json, sys\nbefore = set(sys.modules)\n"
            f"for name in {modules!r}:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(set(sys.modules) - before)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_no_core_module_imports_qt():
    modules = core_modules()
    assert {"poetpad.core.corpus", "poetpad.core.decode", "poetpad.core.forms", "poetpad.core.verse"} <= set(modules)
    loaded = imported_by(modules)
    assert set(modules) <= set(loaded)
    qt = [m for m in loaded if m.split(".")[0] in QT]
    assert not qt, f"importing poetpad.core brings in Qt: {', '.join(qt[:5])}"


def test_core_text_imports_only_the_standard_library_and_poetpad_errors():
    loaded = imported_by(["poetpad.core.text"])
    heavy = [m for m in loaded if m.split(".")[0] in ("torch", "numpy", "pypinyin", "opencc", *QT)]
    assert not heavy, f"poetpad.core.text is the ground floor, but it brings in {', '.join(heavy[:5])}"
    ours = {m for m in loaded if m.split(".")[0] == "poetpad"}
    assert ours <= {"poetpad", "poetpad.core", "poetpad.core.text", "poetpad.errors"}
    assert [m for m in loaded if m.split(".")[0] not in sys.stdlib_module_names and m not in ours] == []


def test_every_package_is_listed_for_the_wheel():
    """pyproject.toml names its packages one by one: a new subpackage (core/forms, core/train) missing there
    would be left out of a built wheel and of the frozen app while an editable install still finds it."""
    import tomllib

    root = Path(poetpad.__file__).parent
    found = {".".join(("poetpad", *p.parent.relative_to(root).parts)) for p in root.rglob("__init__.py")
             if "__pycache__" not in p.parts and "_bundled" not in p.parts}
    config = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = {name for name in config["tool"]["setuptools"]["packages"] if not name.startswith("poetpad._bundled")}
    assert found == listed
