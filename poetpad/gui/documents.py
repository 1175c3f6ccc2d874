"""The poem document behind a window: writing it, the autosave copy, and recovery after a crash.

No widgets and no dialogs here: the window asks the user and calls these. Every write is
atomic (poetpad.fileio), so a crash mid-write never leaves half a poem.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from poetpad import paths
from poetpad.fileio import atomic_write_text

log = logging.getLogger(__name__)

AUTOSAVE_FILE = "autosave.json"


def autosave_path() -> Path:
    return paths.data_dir() / AUTOSAVE_FILE


def write_document(path: Path, text: str) -> None:
    """Save the poem to `path`, ending in a newline; raises OSError."""
    atomic_write_text(path, text if text.endswith("\n") or not text else text + "\n")


@dataclass
class Recovered:
    text: str
    path: Path | None   # the file the text belonged to, if it had one
    when: str           # "YYYY-MM-DD HH:MM", local time


class Autosave:
    """The unsaved text's copy in the data dir, written every few seconds while it changes."""

    def __init__(self) -> None:
        self._last_text: str | None = None

    def write(self, text: str, path: Path | None) -> bool:
        """Write `text` unless it was the last text written; True when something was written."""
        if text == self._last_text:
            return False
        data = {"path": str(path) if path else None, "text": text, "saved_at": time.time()}
        try:
            atomic_write_text(autosave_path(), json.dumps(data, ensure_ascii=False))
        except OSError as exc:
            log.warning("autosave failed: %s", exc)
            return False
        self._last_text = text
        return True

    def forget(self) -> None:
        """The text was saved or replaced: the next write is not skipped as a repeat."""
        self._last_text = None

    def clear(self) -> None:
        autosave_path().unlink(missing_ok=True)
        self._last_text = None


def read_autosave() -> Recovered | None:
    """The autosaved text left by a crash, or None. An unreadable copy is logged and removed."""
    path = autosave_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        text = data["text"]
        if not isinstance(text, str):
            raise ValueError("text is not a string")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(data.get("saved_at") or 0))
        return Recovered(text, Path(data["path"]) if data.get("path") else None, when)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, OverflowError) as exc:
        log.warning("unreadable autosave %s: %s", path, exc)
        path.unlink(missing_ok=True)
        return None
