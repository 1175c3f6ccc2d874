"""Atomic file writes, torch-free so the GUI can save settings and documents before torch loads.

A write goes to a new temp file in the target's folder, is flushed to disk, then replaces the
target with os.replace: a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def open_temp_beside(path: Path) -> tuple[int, Path]:
    """A new, exclusive temp file in `path`'s folder, opened for writing, as (fd, temp path).

    Unlike tempfile.mkstemp (always 0600) the file gets the user's usual permissions (0666 less
    the umask), so a model saved or exported this way is as readable as any other file they write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name beside {path}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes through a temp file in the same folder, fsync, then os.replace."""
    fd, tmp = open_temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text through a temp file in the same folder, then os.replace."""
    atomic_write_bytes(Path(path), text.encode("utf-8"))
