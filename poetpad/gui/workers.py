"""Qt workers: every call into torch runs here, off the GUI thread.

Each worker is a QObject moved to its own QThread. Workers emit signals and never touch
widgets; the window connects to them with queued connections. Importing this module does
not import torch: the workers import the engine inside their slots, so the window can
show before torch loads.

- GenerateWorker lives as long as the window: it loads a model and keeps it, answers
  generation requests, and drops requests that a newer one has replaced.
- TrainWorker runs one training job through core.train's callbacks, with pause, resume and
  cancel flags the loop checks every batch.
- CorpusWorker reads a corpus and reports its stats for the training dialog's preview.
- ModelListWorker lists the model library (which reads every file) for the model manager.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from poetpad.errors import PoetPadError

log = logging.getLogger(__name__)

MAX_SIGNALS_PER_SECOND = 10


_running: set[tuple[QThread, QObject]] = set()  # one-shot threads and workers, kept alive until they end


def start_thread(worker: QObject, name: str, *, run_slot=None) -> QThread:
    """Move `worker` to a new QThread and start it.

    With `run_slot` (a one-shot worker): started → run_slot, worker.finished → quit, and both
    objects are kept referenced until the thread ends, then deleted, so a caller that lets go
    of them (a dialog closed mid-run) cannot destroy a running thread. Without it (a
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
        worker.finished.connect(worker.deleteLater)
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


# -- generation ----------------------------------------------------------------------------------


@dataclass
class GenerateParams:
    """What the window asks for; turned into a core.decode.Request inside the worker."""

    prefix: str = ""
    mode: str = "line"             # line, next, poem (finish), new (a new poem after the text), acrostic
    form: str | None = None        # "5x4", "7x8", "free", "free:N"; None: inferred from the text
    heads: str = ""
    rhyme: bool = True
    beam: int = 0                  # 0: sample
    n: int = 4
    temperature: float = 0.8
    top_k: int = 40
    top_p: float = 0.95
    seed: int = 0
    max_tokens: int = 200

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Candidate:
    text: str           # the whole text the candidate stands for (prefix included)
    continuation: str   # what would be inserted at the cursor
    score: float
    seed: int
    valid: bool = True
    notes: list[str] = field(default_factory=list)


def build_request(params: GenerateParams):
    """The core Request for `params` (imports the engine; call from a worker)."""
    from poetpad.core.decode import Request, SampleSettings
    from poetpad.core.forms import Spec, parse_form

    form = parse_form(params.form) if params.form else None
    mode = params.mode
    prefix = params.prefix
    heads = params.heads if mode == "acrostic" else ""
    if mode in ("new", "acrostic"):
        prefix, mode = "", "poem"
    rhyme = params.rhyme and (form is None or form.fixed)  # free verse does not rhyme
    spec = Spec(form=form, heads=heads, rhyme=rhyme)
    beam = max(0, params.beam)
    return Request(prefix=prefix, mode=mode, spec=spec, beam=beam, n=min(params.n, beam) if beam else params.n,
                   settings=SampleSettings(temperature=params.temperature, top_k=params.top_k, top_p=params.top_p,
                                           max_tokens=params.max_tokens, seed=params.seed))


def _warm_up(bundle) -> None:
    """One short constrained generation, so the first Ctrl+Enter does not pay for building the
    rhyme and tone tables and torch's first-call setup (about 1.5 s on a laptop CPU)."""
    from poetpad.core.decode import Request, SampleSettings, generate
    from poetpad.core.forms import Spec

    first = next((t for t in bundle.vocab.tokens[4:] if t.strip() and t.isalpha()), "")
    try:
        generate(bundle.model, bundle.vocab, Request(prefix=first, mode="line", spec=Spec(rhyme=True), n=2,
                                                     settings=SampleSettings(max_tokens=12, seed=1)))
    except PoetPadError as exc:  # a model the constraints cannot serve still loads; its requests will say why
        log.info("warm-up skipped: %s", exc)


class GenerateWorker(QObject):
    """Loads one model at a time and generates with it. Lives in its own thread for the window's life."""

    model_loading = Signal(str)               # the name being loaded ("" when chosen by language)
    model_ready = Signal(dict)                # name, language, device, device_name, parameters, vocab, bundled
    model_failed = Signal(str)
    results = Signal(int, list)               # request id, [Candidate]
    failed = Signal(int, str)                 # request id, message

    def __init__(self) -> None:
        super().__init__()
        self._bundle = None
        self._info = None
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
        return self._bundle is not None

    @Slot(str, str, str)
    def load(self, name: str, device: str = "auto", hint: str = "") -> None:
        """Load model `name` ("" picks the default for `hint`'s language) onto `device`."""
        self.model_loading.emit(name)
        try:
            from poetpad.core import library, modelfile
            from poetpad.core.train import device_name, resolve_device

            info = library.find(name) if name else library.default_model(hint)
            dev = resolve_device(device or "auto")
            started = time.perf_counter()
            bundle = modelfile.load_model(info.path, device=dev)
            loaded = time.perf_counter()
            _warm_up(bundle)
            log.info("loaded %s on %s in %.2f s (warm-up %.2f s)", info.name, dev, loaded - started,
                     time.perf_counter() - loaded)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the user
            self.model_failed.emit(_user_message(exc))
            return
        self._bundle, self._info = bundle, info
        self.model_ready.emit({
            "name": info.name, "language": bundle.meta.get("language", info.language), "device": dev.type,
            "device_name": device_name(dev), "parameters": sum(p.numel() for p in bundle.model.parameters()),
            "vocab": len(bundle.vocab), "bundled": info.bundled,
        })

    @Slot(int, object)
    def generate(self, request_id: int, params: GenerateParams) -> None:
        if self.is_stale(request_id):
            log.debug("dropping stale request %d", request_id)
            return
        if self._bundle is None:
            self.failed.emit(request_id, "No model is loaded yet.")
            return
        try:
            from poetpad.core.decode import generate
            from poetpad.core.verse import check_poem

            bundle = self._bundle
            request = build_request(params)
            request.validate()
            outputs = generate(bundle.model, bundle.vocab, request)
            if self.is_stale(request_id):
                return
            candidates = []
            fingerprint = bundle.fingerprint()
            for out in outputs:
                notes = []
                valid = True
                if request.spec.form is not None or request.spec.heads:
                    check = check_poem(out.text, form=params.form, heads=request.spec.heads or None,
                                       fingerprint=fingerprint)
                    valid = bool(check.valid and check.acrostic_ok is not False)
                    notes = list(check.problems)
                candidates.append(Candidate(out.text, out.continuation if request.prefix else out.text,
                                            float(out.score), int(out.seed), valid, notes))
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(request_id, _user_message(exc))
            return
        self.results.emit(request_id, candidates)


# -- training -------------------------------------------------------------------------------------


class TrainWorker(QObject):
    """Runs one TrainJob. pause()/resume()/cancel() may be called from any thread."""

    event = Signal(object)        # core.train events (StepProgress at most ~10 a second)
    done = Signal(dict)           # {"name", "path" (None when cancelled), "reason", "best_valid_loss", "seconds"}
    failed = Signal(str)
    finished = Signal()

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
        from poetpad.core.train import StepProgress

        if isinstance(event, StepProgress):
            now = time.monotonic()
            if now - self._last_progress < 1.0 / MAX_SIGNALS_PER_SECOND:
                return
            self._last_progress = now
        self.event.emit(event)

    @Slot()
    def run(self) -> None:
        try:
            from poetpad.core.train import train_model

            result, path = train_model(self._job, on_progress=self._on_progress, should_stop=self._stop.is_set,
                                       is_paused=self._paused.is_set, corpus=self._corpus)
            self.done.emit({"name": self._job.name, "path": None if path is None else str(path),
                            "reason": result.reason, "best_valid_loss": result.best_valid_loss,
                            "seconds": result.seconds})
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(_user_message(exc))
        finally:
            self.finished.emit()


class CorpusWorker(QObject):
    """Reads a corpus and reports what the training dialog previews."""

    done = Signal(object, dict)   # the Corpus, a summary dict (stats, vocab size, warnings, samples)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, paths: list[str], simplify: bool = False, tokenizer: str = "char") -> None:
        super().__init__()
        self._paths = list(paths)
        self._simplify = simplify
        self._tokenizer = tokenizer

    @Slot()
    def run(self) -> None:
        try:
            from poetpad.core.corpus import load_corpus

            corpus = load_corpus(self._paths, simplify=self._simplify)
            self.done.emit(corpus, corpus_summary(corpus, self._tokenizer))
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(_user_message(exc))
        finally:
            self.finished.emit()


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
        text = QCoreApplication.translate("CorpusSummary", "{n} file(s) were passed over; the first: {reason}")
        warnings.append(text.format(n=len(corpus.skipped), reason=corpus.skipped[0][1]))
    return {"poems": stats.poems, "lines": stats.lines, "chars": stats.chars, "distinct": stats.distinct_chars,
            "vocab": len(counts), "language": stats.language, "forms": dict(stats.form_hist),
            "files": len(corpus.files), "warnings": warnings,
            "samples": [p.text for p in corpus.poems[:: max(1, len(corpus.poems) // 3)][:3]]}


# -- the library ----------------------------------------------------------------------------------


class ModelListWorker(QObject):
    """Lists the library's models (each file is read and validated) off the GUI thread."""

    done = Signal(list)           # [ModelInfo]
    failed = Signal(str)
    finished = Signal()

    @Slot()
    def run(self) -> None:
        try:
            from poetpad.core import library

            self.done.emit(library.list_models())
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(_user_message(exc))
        finally:
            self.finished.emit()
