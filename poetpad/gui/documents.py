"""The poem document behind a window: opening, saving, exporting, the autosave copy, and recovery
after a crash.

The file helpers (write_document, Autosave, find_orphans) use no Qt; DocumentController is the
window's part, and asks the user through the window's Ask service. Every write is atomic
(poetpad.fileio), so a crash mid-write never leaves half a poem.

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

from PySide6.QtCore import SIGNAL, QCoreApplication, QObject, QTimer, Slot

from poetpad import paths
from poetpad.errors import PoetPadError
from poetpad.fileio import atomic_write_text
from poetpad.locks import FileLock, LockHeld, is_live

log = logging.getLogger(__name__)

AUTOSAVE_DIR = "autosave"
LEGACY_FILE = "autosave.json"   # the one shared copy of PoetPad before per-window autosaves
MAX_AUTOSAVE_BYTES = 512 * 1024 * 1024
AUTOSAVE_MS = 10_000
AUTOSAVE_IDLE_MS = 1_500  # and this long after typing stops, so a crash loses at most a moment's work
LARGE_FILE_BYTES = 4 * 1024 * 1024  # opening a larger file asks first


def autosave_dir(create: bool = True) -> Path:
    """Where the unsaved poems' autosave copies are kept (one file per window); made unless `create` is
    False."""
    folder = paths.data_dir() / AUTOSAVE_DIR
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a == b


def _document_filter() -> str:
    return ";;".join((QCoreApplication.translate("MainWindow", "Poems (*.txt *.md)"),
                      QCoreApplication.translate("MainWindow", "Text (*.txt)"),
                      QCoreApplication.translate("MainWindow", "Markdown (*.md)"),
                      QCoreApplication.translate("MainWindow", "All files (*)")))


class DocumentController(QObject):
    """The window's document: its path, New/Open/Save/Save As/Export, recent files, the autosave copy
    (every ~10 s while typing, and a moment after it stops) and recovery."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.path: Path | None = None
        self.copy = Autosave()
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.autosave)
        self._timer.start()
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(AUTOSAVE_IDLE_MS)
        self._idle.timeout.connect(self.autosave)
        window.editor.textChanged.connect(self._idle.start)

    @property
    def _document(self):
        return self.w.editor.document()

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.w.update_title()

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current text (saved, discarded, or unchanged)."""
        if not self._document.isModified() or not self.w.editor.toPlainText().strip():
            return True
        answer = self.w.ask.unsaved(self.path.name if self.path else QCoreApplication.translate("MainWindow",
                                                                                                  "this poem"))
        if answer == "save":
            return self.save()
        return answer == "discard"

    @Slot()
    def new(self) -> None:
        if not self.maybe_save():
            return
        self.copy.clear()  # saved or discarded
        self.w.editor.clear()
        self._set_path(None)
        self._document.setModified(False)
        self.w.editor.setFocus()

    @Slot()
    def open(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.path.parent) if self.path else str(Path.home())
        path = self.w.ask.open_file(QCoreApplication.translate("MainWindow", "Open a poem"), start,
                                    _document_filter())
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        from poetpad.core.corpus import TruncatedTextError, read_text

        try:
            size = Path(path).stat().st_size
        except OSError:
            size = 0
        if size > LARGE_FILE_BYTES and not self.w.ask.open_large(Path(path), size):
            return False
        truncated = False
        try:
            text = read_text(path)
        except TruncatedTextError as exc:
            if not self.w.ask.open_truncated(exc):
                return False
            text, truncated = exc.text, True
        except PoetPadError as exc:
            self.w.ask.error(str(exc))
            return False
        self.copy.clear()  # the text it replaces was saved or discarded (maybe_save) or unchanged
        self.w.editor.setPlainText(text)
        self._document.setModified(truncated)  # saving it would change the file: ask on close
        self._set_path(Path(path))
        self.w.settings.add_recent(path)
        self.w.schedule_settings_save()
        self.copy.forget()
        return True

    @Slot()
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    @Slot()
    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / QCoreApplication.translate("MainWindow",
                                                                                                "poem.txt"))
        path, chosen = self.w.ask.save_file(QCoreApplication.translate("MainWindow", "Save the poem"), start,
                                            _document_filter())
        if not path:
            return False
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".md" if "*.md" in chosen and "*.txt" not in chosen else ".txt")
        return self._write(target)

    def _write(self, path: Path) -> bool:
        try:
            write_document(path, self.w.editor.toPlainText())
        except OSError as exc:
            self.w.ask.error(QCoreApplication.translate("MainWindow", "Could not save {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc))
            return False
        self._set_path(path)
        self._document.setModified(False)
        self.w.settings.add_recent(path)
        self.w.schedule_settings_save()
        self.copy.clear()
        self.w.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Saved {path}").format(path=path),
                                       5000)
        return True

    def fill_recent_menu(self, menu) -> None:
        menu.clear()
        for entry in self.w.settings.recent_files:
            action = menu.addAction(entry)
            action.triggered.connect(lambda _=False, p=entry: self.maybe_save() and self.open_path(p))
        if not self.w.settings.recent_files:
            menu.addAction(QCoreApplication.translate("MainWindow", "(none yet)")).setEnabled(False)

    # -- export -----------------------------------------------------------------------------------

    def export_as(self, fmt: str, vertical: bool = False) -> Path | None:
        from poetpad.gui import export

        text = self.w.editor.toPlainText()
        if not text.strip():
            self.w.ask.error(QCoreApplication.translate("MainWindow", "There is nothing to export: the poem is empty."))
            return None
        stem = self.path.stem if self.path else QCoreApplication.translate("MainWindow", "poem")
        start = str((self.path.parent if self.path else Path.home()) / f"{stem}.{fmt}")
        path, _ = self.w.ask.save_file(QCoreApplication.translate("MainWindow", "Export the poem"), start,
                                       export.FORMATS[fmt])
        if not path:
            return None
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(f".{fmt}")
        options = export.ExportOptions(title=self.path.stem if self.path else "", vertical=vertical,
                                       font_family=self.w.editor.font().family())
        try:
            out = export.export(text, target, fmt, options)
        except PoetPadError as exc:
            self.w.ask.error(str(exc))
            return None
        self.w.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Exported {path}").format(path=out),
                                       5000)
        return out

    @Slot()
    def copy_poem(self) -> None:
        from poetpad.gui import export

        export.copy_to_clipboard(self.w.editor.toPlainText())
        self.w.statusBar().showMessage(QCoreApplication.translate("MainWindow", "The poem is on the clipboard."),
                                       4000)

    # -- autosave and recovery ------------------------------------------------------------------

    @Slot()
    def autosave(self) -> bool:
        """Write the unsaved text to this window's autosave copy; True when something was written."""
        self._idle.stop()
        if not self._document.isModified():
            return False
        return self.copy.write(self.w.editor.toPlainText(), self.path)

    def offer_recovery(self) -> bool:
        """Offer every autosave copy that no running window holds (after a crash or a kill), whether or
        not a file was opened. The first that fits goes into this window (an empty one, or one showing
        the file the copy belongs to); the others open in windows of their own (recovery_requested).
        A copy is removed only once it is in a window's own copy or the user discards it; Later keeps
        it for the next start. True when this window took one."""
        found, aside = find_orphans()
        if aside:
            self.w.ask.error(QCoreApplication.translate(
                "MainWindow", "An autosaved copy of an unsaved poem could not be read. It was kept, not deleted, "
                "as {path}.").format(path=", ".join(str(p) for p in aside)))
        taken = False
        for recovered in found:
            if not recovered.claim():
                continue  # another window is offering it right now
            choice = self.w.ask.recover(recovered)
            if choice == "later":
                recovered.release()
            elif choice == "discard":
                recovered.discard()
            elif not taken and self._can_take(recovered):
                self.adopt_recovered(recovered)
                taken = True
            elif self.w.receivers(SIGNAL("recovery_requested(PyObject)")) > 0:
                self.w.recovery_requested.emit(recovered)
            else:
                recovered.release()
        return taken

    def _can_take(self, recovered: Recovered) -> bool:
        text = self.w.editor.toPlainText()
        if self._document.isModified() and text.strip():
            return False
        return not text.strip() or (
            self.path is not None and recovered.path is not None and _same_file(self.path, recovered.path))

    def adopt_recovered(self, recovered: Recovered) -> None:
        """Show the recovered text, write it to this window's own copy, and only then drop the old copy
        (kept when the new one cannot be written: nothing is lost either way)."""
        self.w.editor.setPlainText(recovered.text)
        self._set_path(recovered.path)
        self._document.setModified(True)
        self.copy.forget()
        if self.autosave():
            recovered.discard()
        else:
            recovered.release()
        self.w.statusBar().showMessage(QCoreApplication.translate(
            "MainWindow", "Recovered the poem autosaved at {when}.").format(when=recovered.when), 8000)

    def close(self, keep: bool) -> None:
        """The window closes: stop autosaving and release the copy; `keep` leaves it for the next start's
        recovery (a session that ends), else it is removed (saved or discarded)."""
        self._timer.stop()
        self._idle.stop()
        if not keep:
            self.copy.clear()
        self.copy.close()
