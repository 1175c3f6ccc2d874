"""Qt workers: every call into torch runs here, off the GUI thread.

Each worker is a QObject moved to its own QThread. Workers emit signals and never touch
widgets; the window connects to them with queued connections. Importing this module does
not import torch: the workers import the engine inside their slots, so the window can
show before torch loads.

- GenerateWorker lives as long as the window: it loads the active model, answers suggestion
  requests (core.suggest) with the model that fits each request's language, and drops requests
  that a newer one has replaced.
- The others are one-shot: an OneShotWorker subclass does one job in work(), reports it on
  done or failed, then finished, and start_worker() runs it on a thread that ends with it. A
  WorkerSlot runs one one-shot worker of a kind for a dialog: a newer one replaces the running
  one, whose result is then dropped, and a closed dialog stops listening.
  TrainWorker runs one training job through core.train's callbacks, with pause, resume and
  cancel flags the loop checks every batch; CorpusWorker reads a corpus and reports its stats
  for the training dialog's preview; ModelListWorker lists the model library (which reads
  every file) for the model manager and the training dialog.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from poetpad.errors import PoetPadError

log = logging.getLogger(__name__)

MAX_SIGNALS_PER_SECOND = 10


_running: set[tuple[QThread, QObject]] = set()  # one-shot threads and workers, kept alive until they end


def start_thread(worker: QObject, name: str, *, run_slot=None) -> QThread:
    """Move `worker` to a new QThread and start it.

    With `run_slot` (a one-shot worker): started → run_slot, worker.finished → quit, and both
    objects are kept referenced until the thread ends, then deleted, so a caller that lets go
    of them (a dialog closed mid-run) cannot destroy a running thread; when it ends the thread is
    deleted and the worker freed on the GUI thread. Without it (a
    long-lived worker) the thread runs an event loop until stop_thread().
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    if run_slot is not None:
        pair = (thread, worker)
        _running.add(pair)
        thread.started.connect(run_slot)
        # Direct: quit() is thread-safe, and a queued call would wait for a GUI thread blocked in wait().
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        # No worker.deleteLater: that destroys the worker in its own thread, where ~QObject takes the GIL
        # while holding a Qt lock, and a GUI thread that holds the GIL in connect() waits for that lock:
        # a deadlock (seen in the test suite). Dropping the pair lets Python free the worker here instead.
        thread.finished.connect(thread.deleteLater)
        thread.finished.connect(lambda: _running.discard(pair))
    thread.start()
    return thread


def wait_for_threads(timeout_ms: int = 10000) -> bool:
    """Wait for every one-shot worker thread to end (at exit); True when all did."""
    deadline = time.monotonic() + timeout_ms / 1000
    for thread, _worker in list(_running):
        try:
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            if thread.isRunning() and not thread.wait(remaining):
                return False
        except RuntimeError:  # already deleted
            continue
    return True


def stop_thread(thread: QThread | None, timeout_ms: int = 5000) -> bool:
    """Ask a worker thread's event loop to end and wait for it; True when it ended."""
    if thread is None:
        return True
    try:
        if not thread.isRunning():
            return True
        thread.quit()
        return thread.wait(timeout_ms)
    except RuntimeError:  # the C++ object is already gone
        return True


def _user_message(exc: BaseException) -> str:
    if isinstance(exc, PoetPadError):
        return str(exc)
    log.error("worker error: %s", "".join(traceback.format_exception(exc)))
    return f"Something went wrong ({type(exc).__name__}: {exc}); the details are in the log file."


class OneShotWorker(QObject):
    """One job off the GUI thread: a subclass implements work(); start it with start_worker().

    run() emits work()'s result on `done`, or any exception as one sentence for the user on
    `failed` (the traceback goes to the log), and then always `finished`.
    """

    done = Signal(object)         # what work() returned
    failed = Signal(str)
    finished = Signal()

    def work(self):
        """The job itself; runs on the worker's thread (import the engine here, not at module level)."""
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # every failure becomes a message for the user
            self.failed.emit(_user_message(exc))
        else:
            self.done.emit(result)
        finally:
            self.finished.emit()


def start_worker(worker: OneShotWorker, name: str) -> QThread:
    """Run a one-shot worker on a thread of its own; both are kept alive until it ends (see start_thread)."""
    return start_thread(worker, name, run_slot=worker.run)


class WorkerSlot(QObject):
    """One one-shot worker of a kind at a time, for an owner (a dialog) that wants only the newest result.

    start(worker) runs `worker` with start_worker(), unless one is still running: then that one's result
    is dropped and `worker` starts as soon as it has ended, so one job of the kind runs at a time and a
    superseded result never reaches the owner. drop() forgets the running one (the owner closed, or no
    longer needs it). The wanted worker's result goes to `on_done`, its message to `on_failed`, on the
    GUI thread; `busy` is True from start() until then. The slot is a child of its owner, so a worker
    that ends after the owner is deleted reaches nothing.
    """

    def __init__(self, owner: QObject, name: str, on_done: Callable[[object], None],
                 on_failed: Callable[[str], None] | None = None) -> None:
        super().__init__(owner)
        self._name = name                           # the thread's name
        self._on_done = on_done
        self._on_failed = on_failed
        self._running: OneShotWorker | None = None  # the worker on its thread now, wanted or not
        self._wanted = False                        # its result still goes to the owner
        self._next: OneShotWorker | None = None     # the worker to start once the running one has ended

    @property
    def busy(self) -> bool:
        """True while the owner still waits for a result (one is running or waiting to start)."""
        return self._wanted or self._next is not None

    @property
    def worker(self) -> OneShotWorker | None:
        """The running worker whose result the owner will get, if any."""
        return self._running if self._wanted else None

    def start(self, worker: OneShotWorker) -> None:
        """Run `worker`, now or once the running one has ended (whose result is then dropped)."""
        if self._running is None:
            self._launch(worker)
        else:
            self._wanted = False
            self._next = worker

    def drop(self) -> None:
        """Forget the running worker and any waiting one: nothing they report reaches the owner."""
        self._wanted = False
        self._next = None

    def _launch(self, worker: OneShotWorker) -> None:
        # The slot lives on the GUI thread, so these are queued connections, in the order the worker emits.
        worker.done.connect(self._on_worker_done)
        worker.failed.connect(self._on_worker_failed)
        worker.finished.connect(self._on_worker_finished)
        self._running, self._wanted = worker, True
        start_worker(worker, self._name)

    def _take(self) -> bool:
        """Whether the running worker's report is wanted; it is the last one it sends that could be."""
        wanted, self._wanted = self._wanted, False
        return wanted

    @Slot(object)
    def _on_worker_done(self, result) -> None:
        if self._take():
            self._on_done(result)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        if self._take() and self._on_failed is not None:
            self._on_failed(message)

    @Slot()
    def _on_worker_finished(self) -> None:
        # Only one worker runs at a time, so everything before this came from the one that has now ended.
        self._running, self._wanted = None, False
        waiting, self._next = self._next, None
        if waiting is not None:
            self._launch(waiting)


# -- generation ----------------------------------------------------------------------------------


def device_label(info: dict) -> str:
    """The device of a loaded model's info dict (GenerateWorker.model_ready) in the UI's language:
    "CPU (2 threads)", the GPU's own name, or Apple's. core.device.device_name() is English only."""
    device = info.get("device", "")
    if device == "cpu":
        threads = int(info.get("threads") or 0)
        if threads > 0:
            return QCoreApplication.translate("Device", "CPU (%n thread(s))", "", threads)
        return QCoreApplication.translate("Device", "CPU")
    if device == "mps":
        return QCoreApplication.translate("Device", "Apple GPU (MPS)")
    return info.get("device_name") or device


def _warm_up(bundle, name: str) -> None:
    """One short suggestion, so the first Ctrl+Enter does not pay for building the rhyme and tone
    tables and torch's first-call setup (about 1.5 s on a laptop CPU)."""
    from poetpad.core.suggest import make_request, suggest

    first = next((t for t in bundle.vocab.tokens[4:] if t.strip() and t.isalpha()), "")
    try:
        suggest(bundle, make_request(prefix=first, mode="line", n=2, max_tokens=12, seed=1), name)
    except PoetPadError as exc:  # a model the constraints cannot serve still loads; its requests will say why
        log.info("warm-up skipped: %s", exc)


def _model_for_text(library, language: str | None):
    """The model to start with for a document in `language`; any model when none is of that language
    (a request in that language will then say what to train)."""
    from poetpad.errors import LibraryError

    try:
        return library.choose_model(language)
    except LibraryError:
        if language is None:
            raise
        return library.choose_model(None)


MAX_LOADED_MODELS = 2  # a Chinese and an English model side by side; a third replaces the least recent


class GenerateWorker(QObject):
    """Loads models and writes suggestions with them. Lives in its own thread for the window's life.

    `load()` sets the active model (the user's choice, or the default for the text's language).
    Each request is served by the model that fits its language (library.choose_model, as the
    CLI does): the active model when its language matches, else the best installed model of that
    language, loaded on first use and kept beside the active one. Every result says which model
    wrote it.
    """

    model_loading = Signal(str)               # the name being loaded ("" when chosen by language)
    model_ready = Signal(dict)                # the active model: name, language, device, device_name, …
    model_failed = Signal(str)
    model_resolved = Signal(str, str, str)    # language, the model a request in it would use ("" if none), why not
    results = Signal(int, list, dict)         # request id, [core.suggest.Suggestion], the writing model's info
    failed = Signal(int, str)                 # request id, message

    def __init__(self) -> None:
        super().__init__()
        self._loaded: dict[str, tuple[object, dict]] = {}  # name → (bundle, info), least recently used first
        self._active = ""                                   # the active model's name once one is loaded
        self._preferred = ""                                # the name the user chose ("" : by language)
        self._device = "auto"
        self._lock = threading.Lock()
        self._latest = 0  # the newest request id the window has sent (set from the GUI thread)

    # Called from the GUI thread, before the queued generate() call arrives.
    def supersede(self, request_id: int) -> None:
        with self._lock:
            self._latest = max(self._latest, request_id)

    def is_stale(self, request_id: int) -> bool:
        with self._lock:
            return request_id < self._latest

    @property
    def loaded(self) -> bool:
        return bool(self._active)

    def _load_bundle(self, info) -> tuple[object, dict]:
        """The bundle and info dict of library model `info`, loaded (and warmed up) unless it already is."""
        if info.name in self._loaded:
            entry = self._loaded.pop(info.name)
            self._loaded[info.name] = entry  # most recently used last
            return entry

        from poetpad.core import modelfile
        from poetpad.core.cpu import decode_max_threads
        from poetpad.core.device import device_name, resolve_device

        dev = resolve_device(self._device or "auto")
        started = time.perf_counter()
        bundle = modelfile.load_model(info.path, device=dev)
        loaded = time.perf_counter()
        _warm_up(bundle, info.name)
        log.info("loaded %s on %s in %.2f s (warm-up %.2f s)", info.name, dev, loaded - started,
                 time.perf_counter() - loaded)
        entry = (bundle, {
            "name": info.name, "language": bundle.meta.get("language", info.language), "device": dev.type,
            # The most threads a request decodes on (core.cpu.decode_threads: the idle cores, up to a cap).
            "device_name": device_name(dev), "threads": decode_max_threads() if dev.type == "cpu" else 0,
            "parameters": sum(p.numel() for p in bundle.model.parameters()),
            "vocab": len(bundle.vocab), "bundled": info.bundled,
        })
        self._loaded[info.name] = entry
        while len(self._loaded) > MAX_LOADED_MODELS:
            oldest = next(name for name in self._loaded if name != info.name and name != self._active)
            del self._loaded[oldest]
        return entry

    @Slot(str, str, str)
    def load(self, name: str, device: str = "auto", hint: str = "") -> None:
        """Make model `name` the active one ("" picks the default for `hint`'s language) on `device`."""
        self.model_loading.emit(name)
        try:
            from poetpad.core import library
            from poetpad.core.text import language_of

            if (device or "auto") != self._device:
                self._loaded.clear()
                self._device = device or "auto"
            info = library.find(name) if name else _model_for_text(library, language_of(hint))
            _, details = self._load_bundle(info)
        except Exception as exc:  # every failure becomes a message for the user
            self.model_failed.emit(_user_message(exc))
            return
        self._preferred, self._active = name, info.name
        self.model_ready.emit(details)

    def _model_for(self, language: str | None) -> tuple[object, dict]:
        """The model for a request in `language`: the active one when it fits, else library.choose_model's."""
        bundle, details = self._loaded[self._active]
        if language is None or details["language"] == language:
            return bundle, details
        from poetpad.core import library

        info = library.choose_model(language, preferred=self._preferred or self._active)
        if info.name not in self._loaded:
            self.model_loading.emit(info.name)
        return self._load_bundle(info)

    @Slot(str)
    def resolve(self, language: str) -> None:
        """Say which model a request in `language` ("zh", "en"; "" for none) would use, without loading it:
        the same choice as _model_for(). The window names it in its summary of what Ctrl+Enter will do."""
        try:
            if not self._active:
                raise PoetPadError("No model is loaded yet.")
            details = self._loaded[self._active][1]
            if not language or details["language"] == language:
                name = self._active
            else:
                from poetpad.core import library

                name = library.choose_model(language, preferred=self._preferred or self._active).name
        except Exception as exc:  # every failure becomes a message for the user
            self.model_resolved.emit(language, "", _user_message(exc))
            return
        self.model_resolved.emit(language, name, "")

    @Slot(int, object)
    def generate(self, request_id: int, request) -> None:
        """Answer a core.suggest.SuggestRequest with checked suggestions, unless a newer request replaced it."""
        if self.is_stale(request_id):
            log.debug("dropping stale request %d", request_id)
            return
        if not self._active:
            self.failed.emit(request_id, "No model is loaded yet.")
            return
        try:
            from poetpad.core.suggest import suggest

            request.validate()
            bundle, details = self._model_for(request.language())
            suggestions = suggest(bundle, request, details["name"])
        except Exception as exc:
            self.failed.emit(request_id, _user_message(exc))
            return
        if not self.is_stale(request_id):
            self.results.emit(request_id, suggestions, details)


# -- training -------------------------------------------------------------------------------------


class TrainWorker(OneShotWorker):
    """Runs one TrainJob. pause()/resume()/cancel() may be called from any thread.

    done carries {"name", "path" (None when cancelled), "reason", "best_valid_loss", "seconds", "report"
    (core.train.report.build_report's, None when cancelled)}.
    """

    event = Signal(object)        # core.train events (StepProgress at most ~10 a second)

    def __init__(self, job, corpus=None) -> None:
        super().__init__()
        self._job = job
        self._corpus = corpus
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._last_progress = 0.0

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def cancel(self) -> None:
        self._stop.set()
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def _on_progress(self, event) -> None:
        from poetpad.core.train.config import StepProgress

        if isinstance(event, StepProgress):
            now = time.monotonic()
            if now - self._last_progress < 1.0 / MAX_SIGNALS_PER_SECOND:
                return
            self._last_progress = now
        self.event.emit(event)

    def work(self) -> dict:
        from poetpad.core.train.job import train_model

        result, path = train_model(self._job, on_progress=self._on_progress, should_stop=self._stop.is_set,
                                   is_paused=self._paused.is_set, corpus=self._corpus)
        return {"name": self._job.name, "path": None if path is None else str(path), "reason": result.reason,
                "best_valid_loss": result.best_valid_loss, "seconds": result.seconds, "report": result.report}


@dataclass(frozen=True)
class CorpusPreview:
    """What CorpusWorker sends: the corpus itself (for the TrainWorker) and corpus_summary()'s dict."""

    corpus: object                # core.corpus.Corpus
    summary: dict


class CorpusWorker(OneShotWorker):
    """Reads a corpus and reports what the training dialog previews; done carries a CorpusPreview."""

    def __init__(self, paths: list[str], simplify: bool = False, tokenizer: str = "char") -> None:
        super().__init__()
        self._paths = list(paths)
        self._simplify = simplify
        self._tokenizer = tokenizer

    def work(self) -> CorpusPreview:
        from poetpad.core.corpus import load_corpus

        corpus = load_corpus(self._paths, simplify=self._simplify)
        return CorpusPreview(corpus, corpus_summary(corpus, self._tokenizer))


def corpus_summary(corpus, tokenizer: str = "char") -> dict:
    """Counts, a form histogram, the vocabulary size and plain-language warnings for a corpus."""
    from collections import Counter

    from poetpad.core.corpus import MIN_TRAIN_CHARS

    stats = corpus.stats
    counts: Counter[str] = Counter()
    for poem in corpus.poems:
        counts.update(poem.text.replace("\n", "") if tokenizer == "char" else poem.text.split())
    warnings = []
    if stats.chars < MIN_TRAIN_CHARS:
        text = QCoreApplication.translate(
            "CorpusSummary", "Too small to train: {chars:,} characters; at least {needed:,} are needed.")
        warnings.append(text.format(chars=stats.chars, needed=MIN_TRAIN_CHARS))
    elif stats.chars < 20_000:
        warnings.append(QCoreApplication.translate(
            "CorpusSummary", "Small corpus: the model will tend to copy your poems rather than write new ones."))
    if corpus.skipped:
        text = QCoreApplication.translate("CorpusSummary", "%n file(s) were passed over; the first: {reason}", "",
                                          len(corpus.skipped))
        warnings.append(text.format(reason=corpus.skipped[0][1]))
    return {"poems": stats.poems, "lines": stats.lines, "chars": stats.chars, "distinct": stats.distinct_chars,
            "vocab": len(counts), "language": stats.language, "forms": dict(stats.form_hist),
            "files": len(corpus.files), "warnings": warnings,
            "samples": [p.text for p in corpus.poems[:: max(1, len(corpus.poems) // 3)][:3]]}


# -- the library ----------------------------------------------------------------------------------


class ModelListWorker(OneShotWorker):
    """Lists the library's models off the GUI thread; done carries [ModelInfo].

    Listing reads each file's header and the start of its metadata. With `full_meta` the whole of
    each model's metadata is read here too (samples and history come after the fingerprint, a
    few MB in a large model), so showing a model's details never reads a file on the GUI thread."""

    def __init__(self, full_meta: bool = False) -> None:
        super().__init__()
        self._full_meta = full_meta

    def work(self) -> list:
        from poetpad.core import library

        infos = library.list_models()
        if self._full_meta:
            for info in infos:
                _ = info.meta  # read and cached now, off the GUI thread
        return infos
