"""Lock files a crash cannot leave stale, and the clean-up of temp files dead processes left behind.

Torch-free and Qt-free: the CLI, the trainer and the window all use them.

A lock is a small JSON file created exclusively (O_EXCL) that names its holder: pid, host, the
process's start time where the system tells it, and a token for this holder. A lock whose holder
is gone is stale and is taken over: on the same host that is a pid that no longer runs, or one that
runs but started at another time (the pid was reused), or this very process when it no longer
holds the lock (a crashed run restarted with the same pid, as happens in containers). A lock from
another host is never taken for stale: nothing here can tell whether that process still runs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)

_HELD: dict[str, str] = {}  # lock path → the token this process wrote into it


def _host() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None where that is unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:  # the command name in parentheses may hold spaces; the fields after it are fixed
        return stat[stat.rindex(")") + 2:].split()[19]
    except (ValueError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    """Does a process with this pid run on this host?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


def holder(path: Path) -> dict | None:
    """What the lock file says about its holder, or None when there is no lock or it is unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def is_live(path: Path) -> bool:
    """Is the lock at `path` held by a process that still runs (see the module's docstring)?"""
    path = Path(path)
    if not path.exists():
        return False
    data = holder(path)
    if data is None:
        # Being written right now, or junk: young junk counts as held, old junk as stale.
        try:
            return time.time() - path.stat().st_mtime < 10
        except OSError:
            return False
    pid, host = data.get("pid"), data.get("host")
    if type(pid) is not int or not isinstance(host, str):
        return False
    if host != _host():
        return True
    if pid == os.getpid():
        return _HELD.get(str(path)) == data.get("token")
    if not pid_alive(pid):
        return False
    started = data.get("started")
    return not (started and _start_time(pid) not in (None, started))


class LockHeld(Exception):
    """Another live process (or another holder in this one) has the lock; `info` says who."""

    def __init__(self, path: Path, info: dict | None):
        super().__init__(str(path))
        self.path = path
        self.info = info or {}

    def describe(self) -> str:
        pid, host = self.info.get("pid"), self.info.get("host")
        if pid is None:
            return "another process"
        return f"process {pid}" + (f" on {host}" if host and host != _host() else "")


class FileLock:
    """An exclusive lock file at `path`: `acquire()` or raise LockHeld; `release()` removes it."""

    def __init__(self, path: Path, **extra: object):
        self.path = Path(path)
        self.extra = extra
        self.token = secrets.token_hex(8)
        self.held = False

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"pid": os.getpid(), "host": _host(), "started": _start_time(os.getpid()),
                "token": self.token, "since": time.time()} | self.extra
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if is_live(self.path):
                    raise LockHeld(self.path, holder(self.path)) from None
                log.info("taking over the stale lock %s (%s)", self.path, holder(self.path))
                self.path.unlink(missing_ok=True)
                continue
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(json.dumps(data))
            except OSError:
                self.path.unlink(missing_ok=True)
                raise
            _HELD[str(self.path)] = self.token
            self.held = True
            return self
        raise LockHeld(self.path, holder(self.path))

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        _HELD.pop(str(self.path), None)
        data = holder(self.path)
        if data is not None and data.get("token") != self.token:
            return  # taken over meanwhile: not ours to remove
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the lock %s: %s", self.path, exc)

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# Temp files of poetpad.fileio.open_temp_beside: ".<name>.<12 hex>.tmp".
_TEMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


def clean_temp_files(folder: Path, older_than: float = 3600.0, target: str | None = None) -> list[Path]:
    """Remove the atomic-write temp files in `folder` (not below it) last touched over `older_than`
    seconds ago: a write that takes that long died with its process. With `target` (a file name),
    only that file's temp files go; a caller that holds the lock on that file passes older_than=0,
    since no live process can be writing them. Returns what was removed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not _TEMP.match(entry.name) or (target is not None and not entry.name.startswith(f".{target}.")):
            continue
        try:
            if entry.is_file() and now - entry.stat().st_mtime >= older_than:
                entry.unlink()
                removed.append(entry)
        except OSError as exc:
            log.warning("could not remove the leftover temp file %s: %s", entry, exc)
    if removed:
        log.info("removed %d leftover temp files in %s", len(removed), folder)
    return removed
