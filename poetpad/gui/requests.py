"""The request lifecycle: Ctrl+Enter or Write → the worker → suggestions shown → Tab accepts, Esc
dismisses; typing makes a request stale, a new one supersedes it, a failure says why once.

Asking: Ctrl+Enter continues the text at the cursor; Write (the Verse panel's button, or
Ctrl+Shift+Enter) does what the panel says once, a new poem or an acrostic included (see
VersePanel.plan). One request at a time: a new one, typing, Esc or a failure drops the last one's
suggestions, so nothing from an older request can be inserted. Every request gets a new id, and the
worker (and this controller) drop any answer to an older id.

The state is one `Active` record (None when no request is live): its phase says whether it waits for
the model, is being written, or has its suggestions shown.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QCoreApplication, QObject, Slot

from poetpad.core.analysis import current_poem
from poetpad.core.suggest import Suggestion, SuggestRequest
from poetpad.gui.revision import Revision
from poetpad.gui.suggestions import ERROR_COLOR

log = logging.getLogger(__name__)

PREFIX_WINDOW = 100_000  # characters before the cursor searched for the poem it is in (a request reads fewer)


def worth_offering(candidates: list[Suggestion]) -> list[Suggestion]:
    """The candidates that add something, each once, in the order given (best first): a candidate that
    inserts only line breaks or spaces is not offered."""
    seen, out = set(), []
    for c in candidates:
        key = c.continuation.strip()
        if key and key not in seen:
            seen.add(key)
            out.append(c)
    return out


class Phase(enum.Enum):
    WAITING = "waiting"    # asked before the model was ready: sent when it is
    RUNNING = "running"    # sent to the worker, not answered yet
    SHOWN = "shown"        # answered: its suggestions (or a revision's alternatives) are showing


@dataclass
class Active:
    """The live request: the one whose suggestions show or will."""

    id: int
    request: SuggestRequest
    phase: Phase
    revision: Revision | None = None   # what a chosen suggestion replaces (a revision's answer), or None
    asked_at: float = 0.0


class RequestController(QObject):
    """Asks the worker (through the window's ModelController) and shows the answer in the editor and
    the Suggestions panel."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.last_id = 0                      # the newest request id; older answers are dropped
        self.active: Active | None = None
        self.last_write = False               # the last request came from Write (for Re-roll)
        self.message = ("", "info")           # the sentence under the editor, and its kind

    @property
    def running(self) -> bool:
        """A request is waiting for the model or being written."""
        return self.active is not None and self.active.phase in (Phase.WAITING, Phase.RUNNING)

    @property
    def request(self) -> SuggestRequest | None:
        return self.active.request if self.active is not None else None

    def prefix(self) -> str:
        """The poem the cursor is in, up to the cursor."""
        editor = self.w.editor
        before = editor.toPlainText()[: editor.textCursor().position()]
        return current_poem(before[-PREFIX_WINDOW:])  # a long document: the poem is near the cursor

    # -- asking ---------------------------------------------------------------------------------------

    @Slot()
    def continue_text(self) -> None:
        """Ctrl+Enter: continue the text at the cursor (queued when the model is still loading)."""
        self.ask(write=False)

    @Slot()
    def write(self) -> None:
        """Write (the Verse panel's button, or Ctrl+Shift+Enter): what the panel says, once; the focus
        goes back to the editor, where the suggestion will show."""
        self.ask(write=True)
        self.w.editor.setFocus()

    @Slot()
    def reroll(self) -> None:
        """Re-roll: the last kind of request again with a new seed (the panel has drawn it)."""
        self.ask(write=self.last_write)
        self.w.editor.setFocus()

    def ask(self, write: bool) -> None:
        """Ask for suggestions at the cursor, as the panel's plan says. The request carries the poem the
        cursor is in even for a new poem, so the worker can pick the model by its language."""
        panel, prefix = self.w.panel, self.prefix()
        planned = panel.plan(prefix, write)
        self.drop()
        self.last_write = write
        if planned.complete:
            self.show_message(panel.nothing_text(planned), "info")
            return
        if planned.mode == "acrostic" and not "".join(panel.heads.text().split()):
            message = QCoreApplication.translate("MainWindow", "Type the acrostic heads in the Verse panel first.")
            self.w.statusBar().showMessage(message, 8000)
            self.show_message(message, "error")
            panel.heads.setFocus()
            return
        request = panel.request(prefix, planned=planned)
        self._start(request)
        model = self.w.model
        if model.ready:
            self._send()
        elif model.state == "failed":
            self.fail(QCoreApplication.translate(
                "MainWindow", "No model is loaded: open Models → Model manager to choose one."))
        else:
            self.active.phase = Phase.WAITING
            message = QCoreApplication.translate(
                "MainWindow", "The model is still loading; your request will run when it is ready.")
            self.w.statusBar().showMessage(message, 10000)
            self.show_message(message, "busy")
            if model.worker is None:
                model.start()

    def ask_revision(self, request: SuggestRequest, revision: Revision) -> None:
        """A revision (revision.RevisionController): its answer replaces text instead of inserting."""
        self.drop()
        self._start(request, revision)
        if not self.w.model.ready:
            self.fail(QCoreApplication.translate("MainWindow", "The model is not loaded yet; try again in a moment."))
            return
        self._send()

    def _start(self, request: SuggestRequest, revision: Revision | None = None) -> None:
        """Make `request` the running one: a new id, so the worker drops any older request's result."""
        self.last_id += 1
        self.active = Active(self.last_id, request, Phase.RUNNING, revision, time.perf_counter())
        self.w.model.supersede(self.last_id)

    def _send(self) -> None:
        self.w.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Writing…"))
        self.show_message(QCoreApplication.translate("MainWindow", "Writing…"), "busy")
        self.w.model.generate_requested.emit(self.active.id, self.active.request)

    def on_model_ready(self) -> None:
        """The model is ready: send the request that waited for it."""
        active = self.active
        if active is not None and active.phase is Phase.WAITING:
            active.phase = Phase.RUNNING
            if active.id == self.last_id:
                self._send()

    def on_model_failed(self, message: str) -> None:
        if self.active is not None and self.active.phase is Phase.WAITING:
            self.fail(message)

    # -- dropping ---------------------------------------------------------------------------------------

    def drop(self) -> None:
        """Forget the last request: its answer will be ignored, its suggestions are gone."""
        if self.running:
            self.last_id += 1
            self.w.model.supersede(self.last_id)
        self.active = None
        self.w.editor.clear_suggestion()
        self.w.suggestions.clear()
        self.show_message("")

    def cancel(self) -> bool:
        """Esc with no suggestion showing: drop the running request; True when there was one."""
        if not self.running:
            return False
        self.drop()
        message = QCoreApplication.translate("MainWindow", "Cancelled.")
        self.w.statusBar().showMessage(message, 4000)
        self.show_message(message, "info")
        return True

    def fail(self, message: str) -> None:
        """The request failed: nothing of it (or of an older one) stays insertable; say why, once."""
        self.active = None
        self.w.editor.clear_suggestion()
        self.w.suggestions.clear()
        self.w.statusBar().showMessage(message, 12000)
        self.show_message(message, "error")

    def forget(self) -> None:
        """A suggestion was accepted or dismissed (or a revision put in place): the request is done."""
        self.active = None
        self.w.suggestions.clear()
        self.show_message("")

    # -- the answer ---------------------------------------------------------------------------------------

    @Slot(int, list, dict)
    def on_results(self, request_id: int, candidates: list, writer: dict) -> None:
        active = self.active
        if request_id != self.last_id or not self.running:
            return
        active.phase = Phase.SHOWN
        elapsed = (time.perf_counter() - active.asked_at) * 1000
        log.info("request %d: %d candidates from %s in %.0f ms", request_id, len(candidates), writer.get("name"),
                 elapsed)
        self.w.model.wrote(active.request.language(), writer)
        if active.revision is not None:
            self.show_message("")
            self.w.revision.show(active.revision, candidates, writer)
            return
        offered = worth_offering([self._insertion(c) for c in candidates])
        if not offered:
            self.active = None
            self.w.suggestions.clear()
            message = QCoreApplication.translate(
                "MainWindow", "Nothing to add here: the model had nothing more for this poem. Try Next line or "
                "Finish the poem, or change the settings.") if candidates else \
                QCoreApplication.translate("MainWindow", "No suggestion this time; try again or change the settings.")
            self.w.statusBar().showMessage(message, 8000)
            self.show_message(message, "info")
            return
        self.w.suggestions.set_candidates(offered, writer.get("name", ""))
        self.show_message("")
        self.w.statusBar().showMessage(QCoreApplication.translate(
            "MainWindow", "%n suggestion(s) from {model} · Tab accepts, Esc dismisses, Alt+↑/↓ cycles", "",
            len(offered)).format(model=writer.get("name")), 8000)
        self.show_candidate()

    def _insertion(self, c: Suggestion) -> Suggestion:
        """What accepting the candidate inserts at the cursor: new poems start on a fresh paragraph."""
        if self.active.request.new_poem:
            editor = self.w.editor
            before = editor.toPlainText()[: editor.textCursor().position()]
            lead = "" if not before.strip() else ("\n" if before.endswith("\n\n") else
                                                  "\n\n" if not before.endswith("\n") else "\n")
            return replace(c, continuation=lead + c.text)
        return c

    @Slot(int, str)
    def on_failed(self, request_id: int, message: str) -> None:
        if request_id == self.last_id and self.running:
            self.fail(message)

    # -- the sentence under the editor ------------------------------------------------------------------

    def show_message(self, text: str, kind: str = "info") -> None:
        """One sentence under the editor and in the Suggestions panel ("" hides it): busy, info or error."""
        self.message = (text, kind)
        self.refresh_message()
        if text:
            self.w.suggestions.show_message(text, kind)
        else:
            self.w.suggestions.show_message("", "hint")

    def refresh_message(self) -> None:
        text, kind = self.message
        label = self.w.request_label
        label.setText(text)
        label.setStyleSheet(f"color: {ERROR_COLOR};" if kind == "error" else "")
        label.setVisible(bool(text))

    # -- the editor and the Suggestions panel -------------------------------------------------------------

    def show_candidate(self) -> None:
        current = self.w.suggestions.current
        revising = self.active is not None and self.active.revision is not None
        if current is not None and not revising:  # a revision replaces text: no grey preview
            self.w.editor.show_suggestion(current.continuation)

    @Slot(int)
    def on_cycle(self, step: int) -> None:
        self.w.suggestions.cycle(step)
        self.show_candidate()

    @Slot(int)
    def on_current_changed(self, _row: int) -> None:
        self.show_candidate()

    @Slot(int)
    def on_chosen(self, row: int) -> None:
        """A click in the list: show that one at the cursor, and give the editor the keys (Tab, Esc)."""
        self.w.suggestions.select(row)
        self.show_candidate()
        self.w.editor.setFocus()

    @Slot(int)
    def on_insert_requested(self, row: int) -> None:
        suggestions, editor = self.w.suggestions, self.w.editor
        if not 0 <= row < len(suggestions.candidates):
            return
        if self.active is not None and self.active.revision is not None:
            self.w.revision.apply(self.active.revision, suggestions.candidates[row].text)
            return
        suggestions.select(row)
        self.show_candidate()
        editor.accept_suggestion()
        editor.setFocus()

    @Slot(str)
    def on_accepted(self, text: str) -> None:
        request, editor = self.request, self.w.editor
        if request is not None and request.mode == "acrostic" and request.heads:
            end = editor.textCursor().position()
            editor.mark_heads(end - len(text), text, request.clean_heads)
        self.w.statusBar().clearMessage()
        self.forget()

    @Slot()
    def on_dismissed(self) -> None:
        self.w.statusBar().clearMessage()
        self.forget()

    @Slot()
    def on_escape(self) -> None:
        if not self.cancel():
            self.show_message("")

    @Slot()
    def on_user_edited(self) -> None:
        # Typing makes any running request stale: its answer would continue old text.
        if self.active is not None or self.w.suggestions.candidates:
            self.drop()
        elif self.w.request_message:
            self.show_message("")
