"""The training dialog: choose poems, set the options, watch a model learn, keep or resume it.

Three panels make it up: CorpusPanel (training_corpus.py) with the poems and their preview,
OptionsPanel (training_options.py) with the options and what they come to on this machine, and
ProgressPanel (training_progress.py) with the running training's chart, figures and notes. The
dialog wires them together, runs the workers and the training, and decides when Start can be clicked.

The dialog never imports torch or reads the model library on the GUI thread: the options panel's
engine worker imports torch, the device facts (core.device) and the checkpoint module the name check
reads, in its own thread, and reports the GPU it finds, and a ModelListWorker lists the models to fine-tune
from; until both have answered, the name check and Start wait. The corpus preview and the
interrupted runs are read by workers too. Each of these one-shot workers runs in a
workers.WorkerSlot of the panel it feeds, and every widget is updated from the signals they send,
which Qt queues onto the GUI thread. The training itself is a TrainWorker in the dialog's own
WorkerSlot; the dialog starts, pauses and cancels it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from poetpad.gui.ask import Ask
from poetpad.gui.dialogs.training_corpus import CorpusPanel
from poetpad.gui.dialogs.training_options import OptionsPanel
from poetpad.gui.dialogs.training_progress import ProgressPanel
from poetpad.gui.report import report_html
from poetpad.gui.workers import TrainWorker, WorkerSlot

log = logging.getLogger(__name__)


class _WheelGuard(QObject):
    """Wheel events reach a combo box or spin box only once it has focus (a click or Tab); until then they
    scroll the form around it, so scrolling the options never changes one by accident."""

    def __init__(self, scroller: QScrollArea, parent: QObject) -> None:
        super().__init__(parent)
        self._scroller = scroller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(watched, (QComboBox, QAbstractSpinBox)) \
                and not watched.hasFocus():
            QCoreApplication.sendEvent(self._scroller.verticalScrollBar(), event)
            return True
        return False


def _scrolling_column(*panels: QWidget) -> QScrollArea:
    """`panels` one under the other, in a column that scrolls on small screens rather than squeezing them."""
    column = QWidget()
    rows = QVBoxLayout(column)
    rows.setContentsMargins(0, 0, 0, 0)
    for panel in panels:
        rows.addWidget(panel)
    scroller = QScrollArea()
    scroller.setWidgetResizable(True)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows wrap instead
    scroller.setMinimumWidth(480)
    scroller.setFrameShape(QFrame.Shape.NoFrame)
    scroller.setWidget(column)
    guard = _WheelGuard(scroller, scroller)
    for widget in column.findChildren(QComboBox) + column.findChildren(QAbstractSpinBox):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone does not focus it
        widget.installEventFilter(guard)
    return scroller


class TrainingDialog(QDialog):
    """Train a new model, fine-tune one from the library, or resume an interrupted run.

    Non-modal: show() it and the window keeps working while it trains. `job_hook`, when set,
    is called with each TrainJob just before it starts (tests shrink the model through it).
    """

    model_trained = Signal(str)   # the saved model's name
    use_model = Signal(str)       # the user asked to switch the window to the new model

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Train a model"))
        self.setModal(False)
        self.ask = Ask(self, self.tr("Training"))  # every question and error (tests replace it)
        self.setAcceptDrops(True)
        self.job_hook: Callable[[object], None] | None = None

        self._trainer = WorkerSlot(self, "train", self._on_train_done, self._on_train_failed)
        self._training_name = ""
        self._closing = False
        self._report: dict | None = None     # the last finished run's report (core.train.report.build_report)

        self._build_ui()
        self._connect_panels()
        self.options_panel.show_base()
        self.options_panel.start()

    # -- building ----------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.corpus_panel = CorpusPanel(lambda: self.ask)
        self.options_panel = OptionsPanel(self.corpus_panel)
        self.progress_panel = ProgressPanel()
        # The widgets the window's tests, the screenshots and benchmarks/gui.py drive by name.
        options = self.options_panel
        self.name_edit, self.preset_combo, self.epochs_spin, self.device_combo = (
            options.name_edit, options.preset_combo, options.epochs_spin, options.device_combo)
        self.train_series = self.progress_panel.loss_chart.train_series

        columns = QHBoxLayout()
        columns.addWidget(_scrolling_column(self.corpus_panel, self.options_panel), 3)
        columns.addWidget(self.progress_panel, 2)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setVisible(False)
        self.report_view = QTextBrowser()  # the end report: what the model learnt (gui/report.py)
        self.report_view.setOpenLinks(False)
        self.report_view.setMinimumHeight(200)
        self.report_view.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(self._build_buttons())
        self.resize(1040, 780)

    def _build_buttons(self) -> QHBoxLayout:
        self.start_button = QPushButton(self.tr("Start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop training; the run is kept as a checkpoint so you can resume "
                                              "it later."))
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.use_button = QPushButton(self.tr("Use this model"))
        self.use_button.setVisible(False)
        self.use_button.clicked.connect(self._on_use_clicked)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.close_button)
        return buttons

    def _connect_panels(self) -> None:
        corpus, options = self.corpus_panel, self.options_panel
        corpus.changed.connect(self._update_controls)
        corpus.previewed.connect(self._on_corpus_previewed)
        corpus.failed.connect(self._on_corpus_failed)
        options.changed.connect(self._update_controls)
        options.tokenizer_combo.currentIndexChanged.connect(self._on_tokenizer_changed)
        options.runs_frame.button.clicked.connect(self._on_runs_button_clicked)
        options.resume_button.clicked.connect(self._on_resume_clicked)
        options.discard_button.clicked.connect(self._on_discard_clicked)

    # -- state -------------------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return self._trainer.busy

    @property
    def fine_tuning(self) -> bool:
        return self.options_panel.base_combo.fine_tuning

    @property
    def engine_ready(self) -> bool:
        return self.options_panel.engine is not None

    @property
    def models_ready(self) -> bool:
        """True once the library's models have been listed (or the listing failed)."""
        return self.options_panel.models_ready

    @property
    def busy(self) -> bool:
        """True while any of this dialog's workers (engine, model list, corpus preview, runs, training) still runs."""
        return self.options_panel.busy or self.corpus_panel.reading or self.training

    @property
    def paths(self) -> list[str]:
        return self.corpus_panel.paths

    @property
    def _corpus(self):
        """The previewed corpus, which the TrainWorker trains on (None while it is read)."""
        return self.corpus_panel.corpus

    def add_paths(self, paths: list[str | Path]) -> None:
        """Add files or folders to the corpus (duplicates are ignored) and refresh the preview."""
        self.corpus_panel.add_paths(paths)

    def remove_paths(self, paths: list[str]) -> None:
        self.corpus_panel.remove_paths(paths)

    def _update_controls(self) -> None:
        training = self.training
        self.corpus_panel.set_locked(training)
        self.options_panel.set_locked(training)
        self.pause_button.setEnabled(training and not self._closing)
        self.cancel_button.setEnabled(training and not self._closing)
        reason = self._start_blocker()
        self.start_button.setEnabled(not training and reason == "")
        if not training and not self._closing:
            self.status_label.setText(reason)

    def _start_blocker(self) -> str:
        """Why Start cannot be clicked now ("" when it can)."""
        engine_error = self.options_panel.engine_error
        if self.training:
            return self.tr("Training…")
        if engine_error:
            return self.tr("The training engine could not be loaded: {message}").format(message=engine_error)
        if not self.engine_ready:
            return self.tr("Loading the training engine…")
        if not self.models_ready:
            return self.tr("Listing the models…")
        if not self.paths:
            return self.tr("Add files or folders of poems to learn from.")
        if self.corpus_panel.reading:
            return self.tr("Reading the poems…")
        if self._corpus is None:
            return self.tr("Choose poems that can be read.")
        return self.options_panel.start_blocker()

    # -- the panels ------------------------------------------------------------------------------

    def _on_corpus_previewed(self) -> None:
        self.options_panel.base_combo.refresh_auto()
        self.options_panel.show_base()

    def _on_corpus_failed(self, message: str) -> None:
        self.ask.error(message)

    def _on_tokenizer_changed(self, _index: int) -> None:
        self.corpus_panel.set_tokenizer(self.options_panel.tokenizer_combo.currentData())  # the vocabulary size

    def _on_runs_button_clicked(self) -> None:
        """Fill in the chosen interrupted run: its name, poems and bounds (what a resumed run keeps)."""
        run = self.options_panel.runs_frame.chosen_run()
        if self.training or run is None:
            return
        if run.paths and run.paths != self.paths:
            self.corpus_panel.replace_paths(run.paths, run.simplify)
        self.options_panel.apply_run(run)

    def _on_discard_clicked(self) -> None:
        name = self.options_panel.name_edit.text().strip()
        if not self.ask.confirm(self.tr("Discard the interrupted run of {name}? Its progress will be lost.").format(
                name=name)):
            return
        from poetpad.core.train.checkpoint import discard_checkpoint
        from poetpad.errors import PoetPadError

        try:
            discard_checkpoint(name)
        except (PoetPadError, OSError) as exc:
            self.ask.error(str(exc))
        self.options_panel.check_name()

    def dragEnterEvent(self, event) -> None:  # Qt override
        if not self.training and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # Qt override
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # Qt override
        local = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if local and not self.training:
            self.add_paths(local)
            event.acceptProposedAction()
        else:
            event.ignore()

    # -- training ----------------------------------------------------------------------------

    def _on_start_clicked(self) -> None:
        self._start_training(resume=False)

    def _on_resume_clicked(self) -> None:
        self._start_training(resume=True)

    def build_job(self, resume: bool = False):
        """The core.train.job.TrainJob the options describe (imports the engine)."""
        return self.options_panel.build_job(self.paths, self.corpus_panel.simplify, resume)

    def _start_training(self, resume: bool) -> None:
        if self.training or self._corpus is None:
            return
        job = self.build_job(resume=resume)
        if self.job_hook is not None:
            self.job_hook(job)
        worker = TrainWorker(job, self._corpus)
        worker.event.connect(self._on_train_event)
        self._trainer.start(worker)
        self._training_name = job.name
        self.options_panel.trained_name = ""
        self._reset_progress()
        self.options_panel.resume_frame.setVisible(False)
        self.pause_button.setText(self.tr("Pause"))
        self._update_controls()
        text = self.tr("Resuming {name}…") if resume else self.tr("Starting {name}…")
        self.status_label.setText(text.format(name=job.name))

    def _reset_progress(self) -> None:
        self.progress_panel.reset()
        self.result_label.setVisible(False)
        self.report_view.clear()
        self.report_view.setVisible(False)
        self._report = None
        self.use_button.setVisible(False)

    def _on_pause_clicked(self) -> None:
        worker = self._trainer.worker
        if worker is None:
            return
        if worker.paused:
            worker.resume()
            self.pause_button.setText(self.tr("Pause"))
            self.status_label.setText(self.tr("Resuming…"))
        else:
            worker.pause()
            self.pause_button.setText(self.tr("Resume"))
            self.status_label.setText(self.tr("Pausing after this step…"))

    def _on_cancel_clicked(self) -> None:
        self._cancel()

    def _cancel(self) -> None:
        worker = self._trainer.worker
        if worker is None:
            if self._trainer.busy:  # queued behind the last run's ending thread: it never starts
                self._trainer.drop()
                self._on_train_ended()
            return
        worker.cancel()
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.status_label.setText(self.tr("Stopping… the run is kept as a checkpoint so you can resume it later."))

    @Slot(object)
    def _on_train_event(self, event) -> None:
        progress = self.progress_panel
        handler = {"TrainStarted": self._show_started, "StepProgress": progress.show_step,
                   "EvalDone": progress.show_eval, "Checkpointed": progress.show_checkpoint,
                   "PauseChanged": self._show_pause, "Note": progress.show_note,
                   "TrainFinished": progress.show_finished,
                   "TrainReport": lambda report_event: self._show_report(report_event.report)}.get(type(event).__name__)
        if handler is not None:
            handler(event)

    def _show_started(self, event) -> None:
        self.progress_panel.show_started(event)
        self.status_label.setText(self.tr("Training {name}…").format(name=self._training_name))

    def _show_pause(self, event) -> None:
        if event.paused:
            self.pause_button.setText(self.tr("Resume"))
            self.status_label.setText(self.tr("Paused; a checkpoint was saved."))
        else:
            self.pause_button.setText(self.tr("Pause"))
            self.status_label.setText(self.tr("Training {name}…").format(name=self._training_name))

    def _show_report(self, report: dict) -> None:
        self._report = report
        self.report_view.setHtml(report_html(report))
        self.report_view.setVisible(True)

    def _on_train_done(self, result: dict) -> None:
        name = result.get("name") or self._training_name
        if result.get("path"):
            self._show_saved(name, result)
        else:
            self.result_label.setText(self.tr("Training of {name} was stopped. It is kept as a checkpoint, so you can "
                                              "resume it later with the same name and poems.").format(name=name))
            self.result_label.setVisible(True)
        self._on_train_ended()

    def _show_saved(self, name: str, result: dict) -> None:
        loss = result.get("best_valid_loss")
        if loss is None:
            text = self.tr("Saved model {name}.").format(name=name)
        else:
            text = self.tr("Saved model {name} (validation loss {loss:.3f}).").format(name=name, loss=loss)
        self.options_panel.trained_name = name
        chooser = self.options_panel.base_combo
        if chooser.model_names is not None:
            chooser.model_names.add(name)  # taken from now on; the listing below offers it to fine-tune
        if not self._closing:  # closing (or the app quitting): no new worker threads
            chooser.list_models()
        if result.get("report") and self._report is None:
            self._show_report(result["report"])
        self.result_label.setText(text)
        self.result_label.setVisible(True)
        self.use_button.setVisible(True)
        self.model_trained.emit(name)

    def _on_train_failed(self, message: str) -> None:
        self.result_label.setText(message)
        self.result_label.setVisible(True)
        self.ask.error(message)
        self._on_train_ended()

    def _on_train_ended(self) -> None:
        """Done, stopped or failed: close if the user asked to while it ran (or the app is quitting),
        else offer the runs again."""
        self.pause_button.setText(self.tr("Pause"))
        if self._closing:
            self._closing = False
            super().reject()
            return
        self.options_panel.runs_frame.list_runs()  # a cancelled run is one more to offer; a saved one is one less
        self.options_panel.check_name()

    def _on_use_clicked(self) -> None:
        if self.options_panel.trained_name:
            self.use_model.emit(self.options_panel.trained_name)
            self.accept()

    # -- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        """Escape, Close and the window's close button: while training, confirm, cancel, close once stopped."""
        if self._closing:
            return
        if not self.training:
            super().reject()
            return
        if not self.ask.confirm(self.tr("Training is still running. Stop it? It will be kept as a checkpoint so "
                                        "you can resume it later.")):
            return
        self._closing = True
        self._cancel()
        self._update_controls()

    def cancel_training(self) -> None:
        """Stop a running training without asking (the app is quitting); it is kept as a checkpoint."""
        if self.training and not self._closing:
            self._closing = True
            self._cancel()
            self._update_controls()
