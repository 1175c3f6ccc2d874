"""Where PoetPad keeps its files.

This is the only module that imports appdirs. POETPAD_DATA_DIR overrides the
per-user data dir (tests point it at a temporary folder), POETPAD_BUNDLED_DIR the
folder of bundled models. Resource paths work the same from a source checkout,
an installed package and a frozen app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import appdirs

APP_NAME = "PoetPad"
DATA_DIR_ENV = "POETPAD_DATA_DIR"
BUNDLED_DIR_ENV = "POETPAD_BUNDLED_DIR"  # tests: a folder to use as the bundled models ("" for none)
_PACKAGE_DIR = Path(__file__).resolve().parent


def _made(path: Path) -> Path:
    """`path`, created when missing. A folder that cannot be created (a read-only disk) is returned all
    the same: reading from it finds nothing, and a write to it fails there, with its own clear error."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def data_dir() -> Path:
    """The per-user data dir, created on demand."""
    override = os.environ.get(DATA_DIR_ENV)
    return _made(Path(override) if override else Path(appdirs.user_data_dir(APP_NAME, appauthor=False)))


def config_dir() -> Path:
    """Settings live here; under POETPAD_DATA_DIR when that is set, so tests stay isolated."""
    override = os.environ.get(DATA_DIR_ENV)
    return _made(Path(override) / "config" if override else Path(appdirs.user_config_dir(APP_NAME, appauthor=False)))


def _sub(name: str) -> Path:
    return _made(data_dir() / name)


def user_models_dir() -> Path:
    return _sub("models")


def checkpoints_dir() -> Path:
    return _sub("checkpoints")


def logs_dir() -> Path:
    return _sub("logs")


def _resource_roots() -> list[Path]:
    """Candidate roots, most specific first: frozen bundle, source checkout, installed package."""
    roots = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.append(Path(frozen))
    roots.append(_PACKAGE_DIR.parent)  # source checkout: repo root holds models/ and resources/
    roots.append(_PACKAGE_DIR / "_bundled")  # installed wheel: _bundled/models and _bundled/resources
    return roots


def bundled_models_dir() -> Path | None:
    """The read-only folder of bundled .poetpad files, or None when there is none."""
    override = os.environ.get(BUNDLED_DIR_ENV)
    if override is not None:
        folder = Path(override)
        return folder if override and folder.is_dir() and any(folder.glob("*.poetpad")) else None
    for root in _resource_roots():
        candidate = root / "models"
        if candidate.is_dir() and any(candidate.glob("*.poetpad")):
            return candidate
    return None


def resources_dir() -> Path | None:
    for root in _resource_roots():
        candidate = root / "resources"
        if candidate.is_dir():
            return candidate
    return None
