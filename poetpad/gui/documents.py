"""The poem document behind a window: writing it, the autosave copy, and recovery after a crash.

No widgets and no dialogs here: the window asks the user and calls these. Every write is
atomic (poetpad.fileio), so a crash mid-write never leaves half a poem.

Each window owns its own autosave copy, `autosave/<id>.json` in the data dir, and holds the lock
`autosave/<id>.lock` (poetpad.locks: pid and host) while it lives. A copy whose lock is not live
is an orphan: its window crashed or was killed. Orphans are offered for recovery at every start,
whether or not a file was opened, and a copy is removed only when its text was saved, recovered
into another window's copy, or discarded by the user. A copy that cannot be read is kept aside
(renamed to `.unreadable`), never deleted.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from poetpad import paths
from poetpad.fileio import atomic_write_text
from poetpad.locks import FileLock, LockHeld, is_live

log = logging.getLogger(__name__)

AUTOSAVE_DIR = "autosave"
LEGACY_FILE = "autosave.json"   # the one shared copy of PoetPad before per-window autosaves
MAX_AUTOSAVE_BYTES = 512 * 1024 * 1024


def autosave_dir(create: bool = True) -> Path:
    folder = paths.data_dir() / AUTOSAVE_DIR
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def autosave_path() -> Path:
    """Where the unsaved poems' autosave copies are kept (one file per window)."""
    return autosave_dir(create=False)


def write_document(path: Path, text: str) -> None:
    """Save the poem to `path`, ending in a newline; raises OSError."""
    atomic_write_text(path, text if text.endswith("\n") or not text else text + "\n")


@dataclass
class Recovered:
    """An orphaned autosave copy: its text, the file it belonged to, and when it was written."""

    text: str
    path: Path | None   # the file the text belonged to, if it had one
    when: str           # "YYYY-MM-DD HH:MM", local time
    source: Path | None = None  # the autosave file itself
    _lock: FileLock | None = field(default=None, repr=False)

    def claim(self) -> bool:
        """Hold the copy's lock while the user decides, so no other window offers it meanwhile."""
        if self.source is None or self.source.name == LEGACY_FILE:
            return True
        if self._lock is None:
            self._lock = FileLock(self.source.with_suffix(".lock"), role="recovery")
        try:
            self._lock.acquire()
        except LockHeld:
            return False
        except OSError as exc:  # a read-only data dir: offer it anyway, it cannot be removed either
            log.warning("could not lock %s: %s", self.source, exc)
            self._lock = None
        return True

    def release(self) -> None:
        """Keep the copy for a later start."""
        if self._lock is not None:
            self._lock.release()

    def discard(self) -> None:
        """The text is safe elsewhere, or the user threw it away: remove the copy."""
        if self.source is not None:
            try:
                self.source.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove the autosave %s: %s", self.source, exc)
        self.release()


class Autosave:
    """One window's copy of its unsaved text, written every few seconds while it changes."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex[:16]
        self._last_text: str | None = None
        self._lock: FileLock | None = None

    @property
    def path(self) -> Path:
        return autosave_dir(create=False) / f"{self.id}.json"

    def write(self, text: str, path: Path | None) -> bool:
        """Write `text` unless it was the last text written; True when something was written."""
        if text == self._last_text:
            return False
        data = {"id": self.id, "path": str(path) if path else None, "text": text, "saved_at": time.time()}
        try:
            autosave_dir()
            if self._lock is None:  # held from the first write until the window closes
                self._lock = FileLock(autosave_dir() / f"{self.id}.lock", role="window").acquire()
            atomic_write_text(self.path, json.dumps(data, ensure_ascii=False))
        except (OSError, LockHeld) as exc:
            log.warning("autosave failed: %s", exc)
            return False
        self._last_text = text
        return True

    def forget(self) -> None:
        """The text was saved or replaced: the next write is not skipped as a repeat."""
        self._last_text = None

    def clear(self) -> None:
        """The text was saved or discarded: remove the copy (the lock stays while the window lives)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the autosave %s: %s", self.path, exc)
        self._last_text = None

    def close(self) -> None:
        """The window is closing: release the lock. A copy still there is an orphan for the next start."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _parse(source: Path) -> Recovered:
    """The copy at `source`; ValueError (and friends) when it is not one PoetPad wrote."""
    if source.stat().st_size > MAX_AUTOSAVE_BYTES:
        raise ValueError("too large")
    data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    text = data.get("text")
    if not isinstance(text, str):
        raise ValueError("text is not a string")
    saved_at = data.get("saved_at")
    if not isinstance(saved_at, (int, float)) or isinstance(saved_at, bool) or not math.isfinite(saved_at) \
            or not 0 <= saved_at < 1e11:
        saved_at = source.stat().st_mtime
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
    where = data.get("path")
    try:
        path = Path(where) if isinstance(where, str) and where and "\0" not in where else None
    except (TypeError, ValueError):
        path = None
    return Recovered(text, path, when, source)


def _keep_aside(source: Path) -> Path | None:
    """Rename an unreadable copy so it is never offered (nor deleted) again; the new path."""
    target = source.with_name(f"{source.stem}-{time.strftime('%Y%m%d-%H%M%S')}.unreadable")
    try:
        source.replace(target)
    except OSError as exc:
        log.warning("could not keep the unreadable autosave %s aside: %s", source, exc)
        return None
    source.with_suffix(".lock").unlink(missing_ok=True)
    return target


def find_orphans() -> tuple[list[Recovered], list[Path]]:
    """The autosave copies no live window holds (oldest first), and the unreadable ones just kept
    aside (their new paths): what a start offers and tells."""
    found: list[Recovered] = []
    aside: list[Path] = []
    candidates: list[Path] = []
    legacy = paths.data_dir() / LEGACY_FILE
    if legacy.is_file():
        candidates.append(legacy)
    folder = autosave_dir(create=False)
    try:
        candidates.extend(sorted(folder.glob("*.json")))
    except OSError:
        pass
    for source in candidates:
        if source.name != LEGACY_FILE and is_live(source.with_suffix(".lock")):
            continue  # a window that runs now
        try:
            found.append(_parse(source))
        except FileNotFoundError:
            continue
        except (OSError, ValueError, TypeError, RecursionError, OverflowError) as exc:
            log.warning("unreadable autosave %s: %s", source, exc)
            kept = _keep_aside(source)
            if kept is not None:
                aside.append(kept)
    found.sort(key=lambda r: r.when)
    return found, aside


def read_autosave() -> Recovered | None:
    """The oldest orphaned copy, or None (kept for callers that want just one)."""
    found, _ = find_orphans()
    return found[0] if found else None
