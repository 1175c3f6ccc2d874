"""The model that writes: the generate worker and its thread, the active model's state, and which
model writes each language (for the summary under the editor).

The summary names the model that will write. For the active model's language (or text that tells
none) that is the active model. For another language the worker asks library.choose_model, which
reads the model files: so the window asks once per language, off the GUI thread, and keeps the
answer until the active model or the library changes (or a request in that language reports which
model wrote it). Cursor moves only read this cache.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from poetpad.gui.workers import GenerateWorker, device_label, start_thread, stop_thread, wait_for_threads


class ModelController(QObject):
    """Owns the GenerateWorker; the window's request controller asks it to write."""

    generate_requested = Signal(int, object)     # to the worker: request id, core.suggest.SuggestRequest
    load_requested = Signal(str, str, str)       # to the worker: model name, device, hint text
    resolve_requested = Signal(str)              # to the worker: which model would write in this language?

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.state = "idle"                  # idle, loading, ready or failed
        self.info: dict | None = None        # the active model
        self.writer_info: dict | None = None  # the model that wrote the suggestions shown (by their language)
        self.error = ""
        self.worker: GenerateWorker | None = None
        self._thread = None
        self._by_language: dict[str, tuple[str, str]] = {}  # language → (model name, why none)
        self.resolving: set[str] = set()

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def start(self, name: str | None = None) -> None:
        """Start the generate worker (once) and load `name` (default: the settings' or by language)."""
        if self.worker is None:
            self.worker = GenerateWorker()
            self.worker.model_ready.connect(self._on_worker_model_ready)
            self.worker.model_failed.connect(self._on_worker_model_failed)
            self.worker.model_loading.connect(self._on_worker_model_loading)
            self.worker.model_resolved.connect(self._on_worker_model_resolved)
            self.worker.results.connect(self.w.requests.on_results)
            self.worker.failed.connect(self.w.requests.on_failed)
            self.generate_requested.connect(self.worker.generate)
            self.load_requested.connect(self.worker.load)
            self.resolve_requested.connect(self.worker.resolve)
            self._thread = start_thread(self.worker, "generate")
        name = self.w.settings.default_model if name is None else name
        self.state = "loading"
        self.writer_info = None
        self.forget_languages()
        self.show_state()
        self.load_requested.emit(name or "", self.w.settings.device, self.w.editor.toPlainText())

    def supersede(self, request_id: int) -> None:
        """The worker drops any request older than `request_id`."""
        if self.worker is not None:
            self.worker.supersede(request_id)

    @Slot(dict)
    def _on_worker_model_ready(self, info: dict) -> None:
        self.state, self.info = "ready", info
        self.forget_languages()
        self.show_state()
        self.w.requests.on_model_ready()

    @Slot(str)
    def _on_worker_model_failed(self, message: str) -> None:
        self.state = "failed"
        self.error = message
        self.show_state()
        self.w.statusBar().showMessage(message, 15000)
        self.w.requests.on_model_failed(message)

    @Slot(str)
    def _on_worker_model_loading(self, name: str) -> None:
        if name and self.state == "ready":  # a model for another language, on first use
            text = QCoreApplication.translate("MainWindow", "Loading {name} for this poem's language…").format(
                name=name)
            self.w.statusBar().showMessage(text)
            if self.w.requests.running:
                self.w.requests.show_message(text, "busy")

    def show_state(self) -> None:
        """The status bar and the Verse panel name the model that wrote the suggestions shown, or
        the active model before any."""
        state, info = self.state, self.writer_info or self.info
        label = self.w.model_label
        if state == "ready" and info:
            label.setText(QCoreApplication.translate("MainWindow", "{name} · {device}").format(
                name=info["name"], device=device_label(info)))
        elif state == "loading":
            label.setText(QCoreApplication.translate("MainWindow", "Loading the model…"))
        elif state == "failed":
            label.setText(QCoreApplication.translate("MainWindow", "No model"))
        else:
            label.setText("")
        self.w.panel.set_model_state("ready" if state == "ready" else state if state != "idle" else "loading",
                                     info, self.error)
        self.w.summary_later()

    def wrote(self, language: str | None, writer: dict) -> None:
        """A request's answer came from `writer`: it names the model shown, and writes `language`."""
        self.writer_info = writer
        if language:
            self._by_language[language] = (writer.get("name", ""), "")
        self.show_state()

    # -- which model writes each language -----------------------------------------------------------

    def forget_languages(self) -> None:
        self._by_language.clear()
        self.resolving.clear()

    def name_for_summary(self, language: str | None) -> str:
        if self.state == "loading" or (self.state == "idle" and self.worker is None):
            return QCoreApplication.translate("MainWindow", "loading the model…")
        if self.state == "failed" or not self.info:
            return QCoreApplication.translate("MainWindow", "no model")
        if not language or self.info.get("language") == language:
            return self.info["name"]
        if language in self._by_language:
            name, _why = self._by_language[language]
            return name or QCoreApplication.translate("MainWindow", "no {language} model").format(
                language=self._language_name(language))
        if language not in self.resolving and self.worker is not None:
            self.resolving.add(language)
            self.resolve_requested.emit(language)
        return QCoreApplication.translate("MainWindow", "a {language} model").format(
            language=self._language_name(language))

    @staticmethod
    def _language_name(language: str) -> str:
        return {"zh": QCoreApplication.translate("MainWindow", "Chinese"),
                "en": QCoreApplication.translate("MainWindow", "English")}.get(language, language)

    @Slot(str, str, str)
    def _on_worker_model_resolved(self, language: str, name: str, why: str) -> None:
        if language in self.resolving:
            self.resolving.discard(language)
            self._by_language[language] = (name, why)
            self.w.summary_later()

    def shutdown(self, last_request_id: int) -> bool:
        """Stop the generate worker's thread and let every other worker thread end (a cancelled
        training saves its checkpoint first); False when one did not stop within a minute."""
        self.supersede(last_request_id + 1)
        stop_thread(self._thread, 10000)
        self._thread = None
        if self.worker is not None:
            self.worker.deleteLater()
            self.worker = None
        return wait_for_threads(60000)
