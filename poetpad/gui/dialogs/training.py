"""The training dialog: choose poems, set the options, watch a model learn, keep or resume it.

The dialog never imports torch or reads the model library on the GUI thread: an engine worker
imports core.train in its own thread (it is usually already loaded by the window's generate
worker) and reports the GPU it finds, and a ModelListWorker lists the models to fine-tune
from; until both have answered, the name check and Start wait. The corpus preview and the
training run each go through a worker from gui.workers too. All of them are one-shot workers,
and every widget is updated from the signals they send, which Qt queues onto the GUI thread.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSignalBlocker, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from poetpad.core.corpus import SCRATCH_RECOMMENDED_CHARS
from poetpad.core.library import AUTO_BASE
from poetpad.core.text import FIXED_FORMS
from poetpad.core.units import format_duration
from poetpad.gui.charts import LossChart
from poetpad.gui.report import report_html
from poetpad.gui.workers import (
    CorpusPreview,
    CorpusWorker,
    ModelListWorker,
    OneShotWorker,
    TrainWorker,
    start_worker,
)

log = logging.getLogger(__name__)

# The presets core.model.PRESETS defines, in the order offered; their sizes are read from
# PRESETS once the engine has loaded. tests/gui/test_training_dialog.py checks the names match.
PRESET_NAMES = ("seed", "small", "medium", "large")
DEVICE_CHOICES = ("auto", "cpu", "cuda")
PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")   # core.train.PRECISIONS
SOFTMAX_CHOICES = ("auto", "full", "adaptive")         # core.modelconfig.SOFTMAX_CHOICES
_HIST_BAR_WIDTH = 16
DEFAULT_MINUTES = 5   # core.train.DEFAULT_MINUTES: the time budget a run gets unless told otherwise


class _RunsWorker(OneShotWorker):
    """Lists the interrupted runs (core.train.interrupted_runs) off the GUI thread; done carries the list."""

    def work(self) -> list:
        from poetpad.core.train.checkpoint import interrupted_runs

        return interrupted_runs()


class _WheelGuard(QObject):
    """Wheel events reach a combo box or spin box only once it has focus (a click or Tab); until then they
    scroll the form around it, so scrolling the options never changes one by accident."""

    def __init__(self, scroller: QScrollArea, parent: QObject) -> None:
        super().__init__(parent)
        self._scroller = scroller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(watched, (QComboBox, QAbstractSpinBox)) \
                and not watched.hasFocus():
            QCoreApplication.sendEvent(self._scroller.verticalScrollBar(), event)
            return True
        return False


class _EngineWorker(OneShotWorker):
    """Imports the training engine (and so torch) off the GUI thread and looks at the hardware.

    done carries {"presets": {name: dict}, "gpu": str ("" when none), "gpu_precision": what
    --precision auto gives on the GPU ("" when none), "cpu_precision": the same on the CPU,
    "cpu_bf16": "AMX", "AVX512-BF16" or "", "threads": the CPU threads training will use,
    "adaptive_from": the vocabulary size from which --softmax auto is adaptive}.
    """

    def work(self) -> dict:
        import torch

        from poetpad.core.cpu import cpu_bf16
        from poetpad.core.device import default_threads, device_name, resolve_device, resolve_precision
        from poetpad.core.model import PRESETS
        from poetpad.core.modelconfig import ADAPTIVE_MIN_VOCAB

        device = resolve_device("auto")
        gpu = device_name(device) if device.type != "cpu" else ""
        return {"presets": {name: dict(values) for name, values in PRESETS.items()}, "gpu": gpu,
                "gpu_precision": resolve_precision("auto", device)[0] if gpu else "",
                "cpu_precision": resolve_precision("auto", torch.device("cpu"))[0],
                "cpu_bf16": cpu_bf16(), "threads": default_threads(),
                "adaptive_from": ADAPTIVE_MIN_VOCAB}


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
        self.setAcceptDrops(True)
        self.job_hook: Callable[[object], None] | None = None

        self._model_names: set[str] | None = None   # the library's models, once ModelListWorker has listed them
        self._models_worker: ModelListWorker | None = None
        self._models_stale = False           # the library changed while a listing ran: list again after it
        self._paths: list[str] = []
        self._corpus = None                  # the Corpus of the current preview, handed to the TrainWorker
        self._corpus_error = ""
        self._corpus_gen = 0                 # bumped whenever the paths or options of the preview change
        self._corpus_running_gen = -1        # the generation the running CorpusWorker reads
        self._corpus_worker: CorpusWorker | None = None
        self._engine: dict | None = None     # what _EngineWorker found, once it has
        self._engine_error = ""
        self._engine_worker: _EngineWorker | None = None
        self._worker: TrainWorker | None = None
        self._thread: QThread | None = None
        self._training_name = ""
        self._trained_name = ""
        self._name_ok = False
        self._closing = False
        self._models: list = []              # the listed ModelInfos (for the automatic base's name)
        self._base_chosen = False            # the user picked the base themselves: never change it for them
        self._runs: list = []                # core.train.InterruptedRun, once _RunsWorker has listed them
        self._runs_worker: _RunsWorker | None = None
        self._report: dict | None = None     # the last finished run's report (core.train.build_report)
        self._bound = ("time", None, None)   # what bounds the running run: (kind, epochs, max_minutes)

        self._build_ui()
        self._on_preset_changed()
        self._on_base_changed()
        self._update_controls()
        self._start_engine()
        self._list_models()
        self._list_runs()

    # -- building ----------------------------------------------------------------------------

    def _build_ui(self) -> None:
        left_panel = QWidget()
        left_column = QVBoxLayout(left_panel)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self._build_corpus_box())
        left_column.addWidget(self._build_options_box())
        left = QScrollArea()  # the form scrolls on small screens rather than squeezing its rows
        left.setWidgetResizable(True)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows wrap instead
        left.setMinimumWidth(480)
        left.setFrameShape(QFrame.Shape.NoFrame)
        left.setWidget(left_panel)
        self._options_scroll = left
        guard = _WheelGuard(left, self)
        for widget in left_panel.findChildren(QComboBox) + left_panel.findChildren(QAbstractSpinBox):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone does not focus it
            widget.installEventFilter(guard)

        right = QVBoxLayout()
        right.addWidget(self._build_progress_box())

        columns = QHBoxLayout()
        columns.addWidget(left, 3)
        columns.addLayout(right, 2)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setVisible(False)
        self.report_view = QTextBrowser()  # the end report: what the model learnt (gui/report.py)
        self.report_view.setOpenLinks(False)
        self.report_view.setMinimumHeight(200)
        self.report_view.setVisible(False)

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

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(buttons)
        self.resize(1040, 780)

    def _build_corpus_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Poems to learn from"))
        self.add_files_button = QPushButton(self.tr("Add files…"))
        self.add_files_button.clicked.connect(self._on_add_files_clicked)
        self.add_folder_button = QPushButton(self.tr("Add folder…"))
        self.add_folder_button.clicked.connect(self._on_add_folder_clicked)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self._on_remove_clicked)
        row = QHBoxLayout()
        row.addWidget(self.add_files_button)
        row.addWidget(self.add_folder_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)

        self.path_list = QListWidget()
        self.path_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.path_list.setMaximumHeight(90)
        self.path_list.setToolTip(self.tr("Add .txt, .md or .json files, or folders of them; you can also drop "
                                          "them here."))
        self.path_list.itemSelectionChanged.connect(self._update_controls)

        self.simplify_check = QCheckBox(self.tr("Simplify Chinese (traditional → simplified)"))
        self.simplify_check.toggled.connect(self._on_simplify_toggled)

        self.corpus_error_label = QLabel()
        self.corpus_error_label.setWordWrap(True)
        self.corpus_error_label.setStyleSheet("color: #b00020;")
        self.corpus_error_label.setVisible(False)

        stats = QGridLayout()  # two columns of "name: value" pairs, then the forms across
        stats.setHorizontalSpacing(12)
        self.stat_labels: dict[str, QLabel] = {}
        for i, (key, title) in enumerate((
                ("poems", self.tr("Poems")), ("lines", self.tr("Lines")),
                ("chars", self.tr("Characters")), ("distinct", self.tr("Distinct characters")),
                ("vocab", self.tr("Vocabulary (tokens)")), ("language", self.tr("Language")),
                ("files", self.tr("Files")))):
            label = QLabel("–")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stat_labels[key] = label
            grid_row, grid_col = divmod(i, 2)
            stats.addWidget(QLabel(title + ":"), grid_row, grid_col * 2)
            stats.addWidget(label, grid_row, grid_col * 2 + 1)
        stats.setColumnStretch(1, 1)
        stats.setColumnStretch(3, 1)
        self.forms_label = QLabel()
        self.forms_label.setTextFormat(Qt.TextFormat.RichText)
        forms_title = QLabel(self.tr("Forms:"))
        forms_title.setAlignment(Qt.AlignmentFlag.AlignTop)
        stats.addWidget(forms_title, 4, 0)
        stats.addWidget(self.forms_label, 4, 1, 1, 3)

        self.warnings_label = QLabel()
        self.warnings_label.setObjectName("corpusWarnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("QLabel#corpusWarnings { background: #fff3cd; color: #664d03; "
                                          "border: 1px solid #e0c36a; border-radius: 3px; padding: 4px; }")
        self.warnings_label.setVisible(False)

        self.samples_view = QPlainTextEdit()
        self.samples_view.setReadOnly(True)
        self.samples_view.setPlaceholderText(self.tr("A few of the poems will show here."))
        self.samples_view.setMaximumHeight(110)

        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.path_list)
        layout.addWidget(self.simplify_check)
        layout.addWidget(self.corpus_error_label)
        layout.addLayout(stats)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.samples_view)
        return box

    def _build_options_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Options"))
        form = QFormLayout(box)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("A name for the new model"))
        self.name_edit.textChanged.connect(self._on_name_changed)
        self.name_error_label = QLabel()
        self.name_error_label.setWordWrap(True)
        self.name_error_label.setStyleSheet("color: #b00020;")
        self.name_error_label.setVisible(False)
        form.addRow(self.tr("Model name:"), self.name_edit)
        form.addRow("", self.name_error_label)

        self.runs_frame = QFrame()  # interrupted runs, offered without retyping their names
        self.runs_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.runs_combo = QComboBox()
        self.runs_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.runs_button = QPushButton(self.tr("Continue it"))
        self.runs_button.setToolTip(self.tr("Fill in its name, poems and options, ready to resume."))
        self.runs_button.clicked.connect(self._on_runs_button_clicked)
        runs_row = QHBoxLayout(self.runs_frame)
        runs_row.addWidget(QLabel(self.tr("Interrupted run:")))
        runs_row.addWidget(self.runs_combo, 1)
        runs_row.addWidget(self.runs_button)
        self.runs_frame.setVisible(False)
        form.addRow(self.runs_frame)

        self.resume_frame = QFrame()
        self.resume_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.resume_label = QLabel()
        self.resume_label.setWordWrap(True)
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.discard_button = QPushButton(self.tr("Discard"))
        self.discard_button.clicked.connect(self._on_discard_clicked)
        resume_row = QHBoxLayout(self.resume_frame)
        resume_row.addWidget(self.resume_label, 1)
        resume_row.addWidget(self.resume_button)
        resume_row.addWidget(self.discard_button)
        self.resume_frame.setVisible(False)
        form.addRow(self.resume_frame)

        # The first choice adapts the bundled model of the poems' language; then every model in the library
        # (those just trained too); last, a new model from scratch, which pays only for a large corpus.
        self.base_combo = QComboBox()
        self.base_combo.addItem(self._auto_base_text(), AUTO_BASE)
        self._add_base_note(self.tr("loading…"))  # replaced by the models once they are listed
        self.base_combo.addItem(self.tr("None: train a new model from scratch"), None)
        self.base_combo.currentIndexChanged.connect(self._on_base_changed)
        self.base_combo.activated.connect(self._on_base_activated)
        self.base_hint_label = QLabel()
        self.base_hint_label.setWordWrap(True)
        form.addRow(self.tr("Fine-tune from:"), self.base_combo)
        form.addRow("", self.base_hint_label)

        self.preset_combo = QComboBox()
        for name in PRESET_NAMES:
            self.preset_combo.addItem(name, name)
        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        self.preset_label = QLabel()
        self.preset_label.setWordWrap(True)
        form.addRow(self.tr("Size:"), self.preset_combo)
        form.addRow("", self.preset_label)

        self.tokenizer_combo = QComboBox()
        self.tokenizer_combo.addItem(self.tr("Characters (Chinese)"), "char")
        self.tokenizer_combo.addItem(self.tr("Words (English)"), "word")
        self.tokenizer_combo.currentIndexChanged.connect(self._on_tokenizer_changed)
        form.addRow(self.tr("Tokens:"), self.tokenizer_combo)

        self.cell_combo = QComboBox()
        self.cell_combo.addItem("LSTM", "lstm")
        self.cell_combo.addItem("GRU", "gru")
        form.addRow(self.tr("Cell:"), self.cell_combo)

        # The budget is time: a number of epochs means a handful of steps on a small corpus.
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, 100_000)
        self.minutes_spin.setValue(DEFAULT_MINUTES)
        self.minutes_spin.setSuffix(self.tr(" min"))
        self.minutes_spin.setSpecialValueText(self.tr("No limit"))
        self.minutes_spin.setToolTip(self.tr("Stop after this many minutes of training (0: no limit). Training "
                                             "also stops, keeping its best weights, once the held-out poems stop "
                                             "improving."))
        self.minutes_spin.valueChanged.connect(self._update_controls)
        form.addRow(self.tr("Time budget:"), self.minutes_spin)

        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(0, 100_000)
        self.epochs_spin.setValue(0)
        self.epochs_spin.setSpecialValueText(self.tr("No limit"))
        self.epochs_spin.setToolTip(self.tr("Also stop after this many passes over the poems (0: no limit)."))
        self.epochs_spin.valueChanged.connect(self._update_controls)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)

        self.device_combo = QComboBox()
        for key, text in (("auto", self.tr("Automatic")), ("cpu", self.tr("CPU")), ("cuda", self.tr("GPU (CUDA)"))):
            self.device_combo.addItem(text, key)
        self.device_combo.currentIndexChanged.connect(self._update_speed_label)
        self.gpu_label = QLabel(self.tr("GPU: checking…"))
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_combo)
        device_row.addWidget(self.gpu_label, 1)
        form.addRow(self.tr("Device:"), device_row)

        # The fast choices are the defaults: "Automatic" picks bf16 where the hardware does it natively
        # and the adaptive softmax for large vocabularies. The line under them says what that means here.
        self.precision_combo = QComboBox()
        for key, text in (("auto", self.tr("Automatic (fastest)")), ("fp32", self.tr("fp32 (full precision)")),
                          ("bf16", "bf16"), ("fp16", self.tr("fp16 (GPU only)"))):
            self.precision_combo.addItem(text, key)
        self.precision_combo.setToolTip(self.tr("Mixed precision speeds up training where the hardware has it; the "
                                                "weights are kept and saved in full precision."))
        self.precision_combo.currentIndexChanged.connect(self._update_speed_label)
        form.addRow(self.tr("Precision:"), self.precision_combo)
        self.softmax_combo = QComboBox()
        for key, text in (("auto", self.tr("Automatic (adaptive for large vocabularies)")),
                          ("full", self.tr("Full softmax")), ("adaptive", self.tr("Adaptive softmax (faster)"))):
            self.softmax_combo.addItem(text, key)
        self.softmax_combo.setToolTip(self.tr("The adaptive softmax scores rare tokens in groups, which makes "
                                              "training several times faster with thousands of characters."))
        self.softmax_combo.currentIndexChanged.connect(self._update_speed_label)
        form.addRow(self.tr("Output layer:"), self.softmax_combo)
        self.speed_info_label = QLabel(self.tr("Checking the hardware…"))
        self.speed_info_label.setWordWrap(True)
        form.addRow("", self.speed_info_label)

        self._option_widgets = [self.name_edit, self.base_combo, self.preset_combo, self.tokenizer_combo,
                                self.cell_combo, self.epochs_spin, self.minutes_spin, self.device_combo,
                                self.precision_combo, self.softmax_combo]
        return box

    def _build_progress_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Progress"))
        self.loss_chart = LossChart()
        self.train_series = self.loss_chart.train_series  # what the window's tests and benchmarks/gui.py watch

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(self.tr("Not started"))
        self.eta_label = QLabel()
        self.speed_label = QLabel()
        self.epoch_label = QLabel()
        self.run_label = QLabel()  # what the running training uses: device, threads, precision, output layer
        self.run_label.setWordWrap(True)
        figures = QHBoxLayout()
        figures.addWidget(self.epoch_label)
        figures.addStretch(1)
        figures.addWidget(self.speed_label)
        figures.addStretch(1)
        figures.addWidget(self.eta_label)

        self.sample_lines_view = QPlainTextEdit()
        self.sample_lines_view.setReadOnly(True)
        self.sample_lines_view.setPlaceholderText(self.tr("After each epoch the model writes a few lines here."))
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumHeight(100)

        layout = QVBoxLayout(box)
        layout.addWidget(self.loss_chart, 2)
        layout.addWidget(self.progress_bar)
        layout.addLayout(figures)
        layout.addWidget(self.run_label)
        layout.addWidget(QLabel(self.tr("Sample lines:")))
        layout.addWidget(self.sample_lines_view, 1)
        layout.addWidget(QLabel(self.tr("Notes:")))
        layout.addWidget(self.log_view)
        return box

    # -- state -------------------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return self._worker is not None

    @property
    def fine_tuning(self) -> bool:
        """Will the chosen base be fine-tuned? The automatic choice fine-tunes when a bundled model writes the
        poems' language (before the poems are read: when any model is bundled)."""
        base = self.base_combo.currentData()
        if base != AUTO_BASE:
            return base is not None
        if self._corpus is not None:
            return bool(self._auto_base_name())
        return any(info.bundled for info in self._models)

    @property
    def engine_ready(self) -> bool:
        return self._engine is not None

    @property
    def models_ready(self) -> bool:
        """True once the library's models have been listed (or the listing failed)."""
        return self._model_names is not None

    @property
    def busy(self) -> bool:
        """True while any of this dialog's workers (engine, model list, corpus preview, training) still runs."""
        return any(worker is not None for worker in (self._engine_worker, self._models_worker, self._corpus_worker,
                                                      self._runs_worker, self._worker))

    @property
    def paths(self) -> list[str]:
        return list(self._paths)

    def _update_controls(self) -> None:
        training = self.training
        for widget in (self.add_files_button, self.add_folder_button, self.path_list, self.simplify_check,
                       self.runs_combo, self.runs_button, *self._option_widgets):
            widget.setEnabled(not training)
        self.runs_frame.setVisible(bool(self._runs) and not training)
        fine_tune = self.fine_tuning
        for widget in (self.preset_combo, self.tokenizer_combo, self.cell_combo, self.softmax_combo):
            widget.setEnabled(not training and not fine_tune)
        self.remove_button.setEnabled(not training and bool(self.path_list.selectedItems()))
        self.pause_button.setEnabled(training and not self._closing)
        self.cancel_button.setEnabled(training and not self._closing)
        reason = self._start_blocker()
        self.start_button.setEnabled(not training and reason == "")
        self.resume_button.setEnabled(not training and self._corpus is not None and self.engine_ready)
        self.discard_button.setEnabled(not training)
        if not training and not self._closing:
            self.status_label.setText(reason)

    def _start_blocker(self) -> str:
        """Why Start cannot be clicked now ("" when it can)."""
        if self.training:
            return self.tr("Training…")
        if self._engine_error:
            return self.tr("The training engine could not be loaded: {message}").format(message=self._engine_error)
        if not self.engine_ready:
            return self.tr("Loading the training engine…")
        if not self.models_ready:
            return self.tr("Listing the models…")
        if not self._paths:
            return self.tr("Add files or folders of poems to learn from.")
        if self._corpus_worker is not None or self._corpus_gen != self._corpus_running_gen:
            return self.tr("Reading the poems…")
        if self._corpus is None:
            return self.tr("Choose poems that can be read.")
        if not self.minutes_spin.value() and not self.epochs_spin.value():
            return self.tr("Give the run a time budget or a number of epochs.")
        if not self.name_edit.text().strip():
            return self.tr("Choose a name for the model.")
        if self._trained_name and self.name_edit.text().strip() == self._trained_name:
            return self.tr("Saved. To train another model, choose a new name.")
        if not self._name_ok:
            return self.tr("Choose another name for the model.")
        if self.resume_frame.isVisibleTo(self):
            return self.tr("Resume or discard the interrupted run first.")
        return ""

    # -- the engine --------------------------------------------------------------------------

    def _start_engine(self) -> None:
        worker = _EngineWorker()
        worker.done.connect(self._on_engine_done)
        worker.failed.connect(self._on_engine_failed)
        worker.finished.connect(self._on_engine_finished)
        self._engine_worker = worker
        start_worker(worker, "training-engine")

    @Slot(object)
    def _on_engine_done(self, info: dict) -> None:
        self._engine = info
        gpu = info.get("gpu", "")
        self.gpu_label.setText(self.tr("GPU: {name}").format(name=gpu) if gpu else self.tr("GPU: none detected"))
        if not gpu:
            item = self.device_combo.model().item(self.device_combo.findData("cuda"))
            if item is not None:
                item.setEnabled(False)
        # Offer only what some device here does natively: bf16 needs AMX/AVX512-BF16 or a GPU, fp16 a GPU.
        for key, usable in (("bf16", bool(gpu or info.get("cpu_bf16"))), ("fp16", bool(gpu))):
            item = self.precision_combo.model().item(self.precision_combo.findData(key))
            if item is not None:
                item.setEnabled(usable)
        self._on_preset_changed()
        self._update_speed_label()
        self._validate_name()

    @Slot(str)
    def _on_engine_failed(self, message: str) -> None:
        self._engine_error = message
        self.gpu_label.setText(self.tr("GPU: unknown"))
        self._update_controls()

    @Slot()
    def _on_engine_finished(self) -> None:
        self._engine_worker = None
        self._update_controls()

    # -- the models to fine-tune from ----------------------------------------------------------

    def _list_models(self) -> None:
        """List the library in a worker (again after it has changed); one listing at a time."""
        if self._models_worker is not None:
            self._models_stale = True
            return
        self._models_stale = False
        worker = ModelListWorker()
        worker.done.connect(self._on_models_done)
        worker.failed.connect(self._on_models_failed)
        worker.finished.connect(self._on_models_finished)
        self._models_worker = worker
        start_worker(worker, "training-models")

    @Slot(object)
    def _on_models_done(self, infos: list) -> None:
        self._model_names = {info.name for info in infos}
        self._models = list(infos)
        combo = self.base_combo
        chosen = combo.currentIndex()
        chosen_data = combo.currentData()
        with QSignalBlocker(combo):
            while combo.count() > 1:
                combo.removeItem(1)
            combo.setToolTip("")
            for info in infos:
                language = self._language_name(info.language)
                text = info.name
                if language:
                    text = self.tr("{name} ({language})").format(name=info.name, language=language)
                combo.addItem(text, info.name)
            combo.addItem(self.tr("None: train a new model from scratch"), None)
            if chosen_data is None and chosen > 0:  # "from scratch" stays chosen
                combo.setCurrentIndex(combo.count() - 1)
            else:
                combo.setCurrentIndex(max(0, combo.findData(chosen_data)))
        self._refresh_auto_base()
        self._on_base_changed()
        self._validate_name()

    def _refresh_auto_base(self) -> None:
        self.base_combo.setItemText(0, self._auto_base_text())

    @Slot(str)
    def _on_models_failed(self, message: str) -> None:
        """Training still works: only fine-tuning is unavailable, and core.train refuses a taken name itself."""
        log.warning("the models could not be listed: %s", message)
        if self._model_names is not None:
            return  # listing again after a run failed: keep the models listed before
        self._model_names = set()
        with QSignalBlocker(self.base_combo):
            while self.base_combo.count() > 1:
                self.base_combo.removeItem(1)
            self._add_base_note(self.tr("the models could not be listed"))
            self.base_combo.addItem(self.tr("None: train a new model from scratch"), None)
            self.base_combo.setToolTip(message)
            self.base_combo.setCurrentIndex(0)
        self._on_base_changed()
        self._validate_name()

    @Slot()
    def _on_models_finished(self) -> None:
        self._models_worker = None
        if self._models_stale:
            self._list_models()
        self._update_controls()

    # -- interrupted runs ------------------------------------------------------------------------

    def _list_runs(self) -> None:
        if self._runs_worker is not None:
            return
        worker = _RunsWorker()
        worker.done.connect(self._on_runs_done)
        worker.failed.connect(lambda message: log.warning("the interrupted runs could not be listed: %s", message))
        worker.finished.connect(self._on_runs_finished)
        self._runs_worker = worker
        start_worker(worker, "training-runs")

    @Slot(object)
    def _on_runs_done(self, runs: list) -> None:
        self._runs = list(runs)
        with QSignalBlocker(self.runs_combo):
            self.runs_combo.clear()
            for run in self._runs:
                self.runs_combo.addItem(self._run_text(run), run.name)
        self._update_controls()

    @Slot()
    def _on_runs_finished(self) -> None:
        self._runs_worker = None
        self._update_controls()

    def _run_text(self, run) -> str:
        done = format_duration(run.seconds)
        if run.max_minutes:
            return self.tr("{name}: step {step:,}, {done} of {budget}").format(
                name=run.name, step=run.step, done=done, budget=format_duration(run.max_minutes * 60))
        return self.tr("{name}: step {step:,}, {done} of training").format(name=run.name, step=run.step, done=done)

    def _on_runs_button_clicked(self) -> None:
        """Fill in the chosen interrupted run: its name, poems and bounds (what a resumed run keeps)."""
        index = self.runs_combo.currentIndex()
        if self.training or not 0 <= index < len(self._runs):
            return
        run = self._runs[index]
        if run.paths and run.paths != self._paths:
            self._paths = []
            self.path_list.clear()
            with QSignalBlocker(self.simplify_check):
                self.simplify_check.setChecked(run.simplify)
            self.add_paths(run.paths)
        self.minutes_spin.setValue(round(run.max_minutes) if run.max_minutes else 0)
        self.epochs_spin.setValue(run.epochs or 0)
        if run.base_model:
            index = self.base_combo.findData(run.base_model)
            if index >= 0:
                self.base_combo.setCurrentIndex(index)
        self.name_edit.setText(run.name)  # shows the Resume / Discard row for it

    def _add_base_note(self, text: str) -> None:
        """A grey line in the base-model chooser that cannot be chosen."""
        self.base_combo.addItem(text, None)
        item = self.base_combo.model().item(self.base_combo.count() - 1)
        if item is not None:
            item.setEnabled(False)

    def _language_name(self, code: str) -> str:
        return {"zh": self.tr("Chinese"), "en": self.tr("English")}.get(code, "" if code in ("", "?") else code)

    # -- the corpus --------------------------------------------------------------------------

    def add_paths(self, paths: list[str | Path]) -> None:
        """Add files or folders to the corpus (duplicates are ignored) and refresh the preview."""
        if self.training:
            return
        added = False
        for given in paths:
            text = str(Path(given))
            if text not in self._paths:
                self._paths.append(text)
                self.path_list.addItem(text)
                added = True
        if added:
            self._corpus_changed()

    def remove_paths(self, paths: list[str]) -> None:
        if self.training:
            return
        gone = {str(Path(p)) for p in paths}
        if not gone & set(self._paths):
            return
        self._paths = [p for p in self._paths if p not in gone]
        self.path_list.clear()
        self.path_list.addItems(self._paths)
        self._corpus_changed()

    def _on_add_files_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add poem files"), "",
            self.tr("Poems (*.txt *.md *.markdown *.json);;All files (*)"))
        self.add_paths(files)

    def _on_add_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of poems"))
        if folder:
            self.add_paths([folder])

    def _on_remove_clicked(self) -> None:
        self.remove_paths([item.text() for item in self.path_list.selectedItems()])

    def _on_simplify_toggled(self, _checked: bool) -> None:
        self._corpus_changed()

    def _on_tokenizer_changed(self, _index: int) -> None:
        self._corpus_changed()  # the vocabulary size depends on it

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if not self.training and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        local = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if local and not self.training:
            self.add_paths(local)
            event.acceptProposedAction()
        else:
            event.ignore()

    def _corpus_changed(self) -> None:
        """The paths or options changed: read the corpus again (one reader at a time; stale results are dropped)."""
        self._corpus_gen += 1
        self._corpus = None
        self._corpus_error = ""
        self.corpus_error_label.setVisible(False)
        if not self._paths:
            self._clear_preview()
        elif self._corpus_worker is None:
            self._start_corpus_worker()
        self._update_controls()

    def _start_corpus_worker(self) -> None:
        worker = CorpusWorker(self._paths, simplify=self.simplify_check.isChecked(),
                              tokenizer=self.tokenizer_combo.currentData())
        worker.done.connect(self._on_corpus_done)
        worker.failed.connect(self._on_corpus_failed)
        worker.finished.connect(self._on_corpus_finished)
        self._corpus_worker = worker
        self._corpus_running_gen = self._corpus_gen
        self.stat_labels["poems"].setText(self.tr("reading…"))
        start_worker(worker, "corpus-preview")

    @Slot(object)
    def _on_corpus_done(self, preview: CorpusPreview) -> None:
        if self._corpus_running_gen != self._corpus_gen:
            return  # superseded: a newer preview follows
        self._corpus = preview.corpus
        self._show_preview(preview.summary)

    @Slot(str)
    def _on_corpus_failed(self, message: str) -> None:
        if self._corpus_running_gen != self._corpus_gen:
            return
        self._corpus = None
        self._corpus_error = message
        self._clear_preview()
        self.corpus_error_label.setText(message)
        self.corpus_error_label.setVisible(True)
        self._show_error(message)

    @Slot()
    def _on_corpus_finished(self) -> None:
        self._corpus_worker = None
        if self._corpus_running_gen != self._corpus_gen and self._paths:
            self._start_corpus_worker()
        self._update_controls()

    def _clear_preview(self) -> None:
        for label in self.stat_labels.values():
            label.setText("–")
        self.forms_label.clear()
        self.warnings_label.clear()
        self.warnings_label.setVisible(False)
        self.samples_view.clear()
        self._refresh_auto_base()
        self._on_base_changed()

    def _show_preview(self, summary: dict) -> None:
        for key, label in self.stat_labels.items():
            value = summary.get(key)
            if key == "language":
                label.setText(self._language_name(str(value)) or str(value))
            else:
                label.setText(f"{value:,}" if isinstance(value, int) else str(value))
        self.forms_label.setText(self._forms_html(summary.get("forms", {})))
        warnings = summary.get("warnings", [])
        self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))
        self.samples_view.setPlainText("\n\n".join(summary.get("samples", [])))
        self._refresh_auto_base()
        self._on_base_changed()

    def _forms_html(self, forms: dict[str, int]) -> str:
        if not forms:
            return "–"
        names = {name: form.title() for name, form in FIXED_FORMS.items()}
        names |= {"other": self.tr("other"), "english": self.tr("English verse")}
        top = max(forms.values()) or 1
        rows = []
        for key, count in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0])):
            bar = "█" * max(1, round(_HIST_BAR_WIDTH * count / top))
            rows.append(f"<tr><td>{names.get(key, key)}&nbsp;</td><td>{bar}</td>"
                        f"<td align='right'>&nbsp;{count:,}</td></tr>")
        return "<table cellspacing='0'>" + "".join(rows) + "</table>"

    # -- options -----------------------------------------------------------------------------

    def _on_preset_changed(self, _index: int = 0) -> None:
        preset = self.preset_combo.currentData()
        roles = {"seed": self.tr("Tiny: a quick trial run, fine on a CPU."),
                 "small": self.tr("Small: a few thousand poems; trains on a CPU in tens of minutes."),
                 "medium": self.tr("Medium: tens of thousands of poems; a GPU helps."),
                 "large": self.tr("Large: a big corpus (100,000+ poems) and a GPU.")}
        text = roles.get(preset, "")
        values = (self._engine or {}).get("presets", {}).get(preset)
        if values:
            text += " " + self.tr("{cell}, {layers} layers of {hidden}, {embedding}-wide embeddings.").format(
                cell=values["cell"].upper(), layers=values["layers"], hidden=values["hidden"],
                embedding=values["embedding"])
            index = self.cell_combo.findData(values["cell"])
            if index >= 0:
                self.cell_combo.setCurrentIndex(index)
        self.preset_label.setText(text)

    def _update_speed_label(self, _index: int = 0) -> None:
        """Say what the chosen device, precision and output layer come to on this machine."""
        info = self._engine
        if info is None:
            return
        device = self.device_combo.currentData()
        gpu = info.get("gpu", "")
        on_gpu = device == "cuda" or (device == "auto" and bool(gpu))
        precision = self.precision_combo.currentData()
        if precision == "auto":
            precision = info.get("gpu_precision") if on_gpu else info.get("cpu_precision", "fp32")
        if on_gpu:
            where = self.tr("the GPU ({name})").format(name=gpu or self.tr("none detected"))
        else:
            threads = info.get("threads", 1)
            where = self.tr("the CPU, %n thread(s)", "", threads)
            if precision == "bf16" and info.get("cpu_bf16"):
                where += self.tr(" with native bf16 ({kind})").format(kind=info["cpu_bf16"])
        softmax = self.softmax_combo.currentData()
        vocab = self._vocab_size()
        if self.fine_tuning:
            softmax = self.tr("the base model's")
        elif softmax == "auto" and not vocab:
            softmax = self.tr("adaptive softmax from {n:,} tokens, else full").format(
                n=info.get("adaptive_from", 2000))
        else:
            if softmax == "auto":
                softmax = "adaptive" if vocab >= info.get("adaptive_from", 2000) else "full"
            softmax = self._softmax_name(softmax)
        self.speed_info_label.setText(self.tr("Trains on {where} in {precision}; output layer: {softmax}.").format(
            where=where, precision=precision, softmax=softmax))

    def _softmax_name(self, key: str) -> str:
        return {"full": self.tr("full softmax"), "adaptive": self.tr("adaptive softmax")}.get(key, key)

    def _vocab_size(self) -> int:
        """The previewed corpus's vocabulary size with the 4 special tokens (0 when not known yet)."""
        text = self.stat_labels["vocab"].text().replace(",", "")
        return int(text) + 4 if text.isdigit() else 0

    def _on_base_changed(self, _index: int = 0) -> None:
        base = self.base_combo.currentData()
        if base == AUTO_BASE:
            base = self._auto_base_name() if self.fine_tuning else None
        if base is not None:
            self.preset_label.setText(self.tr("Fine-tuning keeps {name}'s size, cell and tokens.").format(
                name=base or self.tr("the base model")))
        else:
            self._on_preset_changed()
        self._update_base_hint()
        self._update_speed_label()
        self._update_controls()

    def _on_base_activated(self, _index: int) -> None:
        self._base_chosen = True  # the user's own choice from now on

    def _auto_base_name(self) -> str:
        """The bundled model the first choice fine-tunes for the previewed poems ("" when not known or none)."""
        if self._corpus is None:
            return ""
        from poetpad.core.library import default_base

        info = default_base(self._corpus.stats.language, self._models)
        return info.name if info is not None else ""

    def _auto_base_text(self) -> str:
        name = self._auto_base_name()
        if name:
            return self.tr("Adapt {name} to these poems (recommended)").format(name=name)
        if self._corpus is not None and self.models_ready:
            return self.tr("Automatic: no bundled model writes {language}, so a new one").format(
                language=self._language_name(self._corpus.stats.language))
        return self.tr("Adapt the bundled model of the poems' language (recommended)")

    def _update_base_hint(self) -> None:
        """Say what fine-tuning does, and from how much text training from scratch pays, and why."""
        base = self.base_combo.currentData() if self.fine_tuning else None
        chars = self._corpus.stats.chars if self._corpus is not None else 0
        why = self.tr("Training from scratch pays only from {n} characters of poems: a new model must first learn "
                      "the language itself, which the bundled models learnt from millions of characters over "
                      "hours.").format(n=f"{SCRATCH_RECOMMENDED_CHARS:,}")
        if base is not None:
            text = self.tr("Fine-tuning keeps how the model writes and bends it towards your poems.") + " " + why
        elif chars >= SCRATCH_RECOMMENDED_CHARS:
            text = self.tr("Your {chars} characters are enough to train a new model well.").format(
                chars=f"{chars:,}")
        elif chars:
            text = self.tr("Not recommended for {chars} characters of poems.").format(chars=f"{chars:,}") + " " + why
        else:
            text = why
        self.base_hint_label.setText(text)

    def _on_name_changed(self, _text: str) -> None:
        self._validate_name()

    def _validate_name(self) -> None:
        """Check the typed name (once the engine is loaded and the models listed): usable, not one of the
        listed models, and any interrupted run. It reads no model file: the listing did that in its worker."""
        self._name_ok = False
        message = ""
        checkpoint = False
        text = self.name_edit.text()
        if self.engine_ready and self.models_ready and text.strip():
            from poetpad.core import library
            from poetpad.core.train.checkpoint import has_checkpoint
            from poetpad.errors import PoetPadError

            try:
                name = library.check_name(text)  # pure: it only looks at the text
                if name == self._trained_name:
                    pass  # just saved: not a clash to warn about (the status line says to choose a new name)
                elif name in self._model_names:
                    message = self.tr("A model called '{name}' already exists; choose another name.").format(
                        name=name)
                else:
                    self._name_ok = True
                    checkpoint = has_checkpoint(name)
            except PoetPadError as exc:
                message = str(exc)
            if checkpoint:
                self.resume_label.setText(self.tr("An interrupted run of {name} can be resumed.").format(name=name))
        self.name_error_label.setText(message)
        self.name_error_label.setVisible(bool(message))
        self.resume_frame.setVisible(checkpoint)
        self._update_controls()

    def _on_discard_clicked(self) -> None:
        name = self.name_edit.text().strip()
        if not self._confirm(self.tr("Discard the interrupted run of {name}? Its progress will be lost.").format(
                name=name)):
            return
        from poetpad.core.train.checkpoint import discard_checkpoint
        from poetpad.errors import PoetPadError

        try:
            discard_checkpoint(name)
        except (PoetPadError, OSError) as exc:
            self._show_error(str(exc))
        self._validate_name()

    # -- training ----------------------------------------------------------------------------

    def _on_start_clicked(self) -> None:
        self._start_training(resume=False)

    def _on_resume_clicked(self) -> None:
        self._start_training(resume=True)

    def build_job(self, resume: bool = False):
        """The core.train.TrainJob the options describe (imports the engine). The learning rate is the
        recipe's (core.train.recipe): gentle to fine-tune, faster for a new model."""
        from poetpad.core.train.config import TrainConfig
        from poetpad.core.train.job import TrainJob

        base = self.base_combo.currentData()
        minutes = self.minutes_spin.value()
        return TrainJob(
            paths=list(self._paths), name=self.name_edit.text().strip(), preset=self.preset_combo.currentData(),
            cell=None if self.fine_tuning else self.cell_combo.currentData(),
            tokenizer=self.tokenizer_combo.currentData(),
            base_model=base, simplify=self.simplify_check.isChecked(), resume=resume,
            softmax=self.softmax_combo.currentData(),
            config=TrainConfig(epochs=self.epochs_spin.value() or None,
                               max_minutes=float(minutes) if minutes else None,
                               device=self.device_combo.currentData(),
                               precision=self.precision_combo.currentData()))

    def _start_training(self, resume: bool) -> None:
        if self.training or self._corpus is None:
            return
        job = self.build_job(resume=resume)
        if self.job_hook is not None:
            self.job_hook(job)
        worker = TrainWorker(job, self._corpus)
        worker.event.connect(self._on_train_event)
        worker.done.connect(self._on_train_done)
        worker.failed.connect(self._on_train_failed)
        worker.finished.connect(self._on_train_finished)
        self._worker = worker
        self._training_name = job.name
        self._trained_name = ""
        self._reset_progress()
        self.resume_frame.setVisible(False)
        self.pause_button.setText(self.tr("Pause"))
        self._update_controls()
        text = self.tr("Resuming {name}…") if resume else self.tr("Starting {name}…")
        self.status_label.setText(text.format(name=job.name))
        self._thread = start_worker(worker, "train")

    def _reset_progress(self) -> None:
        self.loss_chart.reset()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(self.tr("Starting…"))
        for label in (self.eta_label, self.speed_label, self.epoch_label, self.run_label):
            label.clear()
        self.sample_lines_view.clear()
        self.log_view.clear()
        self.result_label.setVisible(False)
        self.report_view.clear()
        self.report_view.setVisible(False)
        self._report = None
        self.use_button.setVisible(False)

    def _on_pause_clicked(self) -> None:
        worker = self._worker
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
        if self._worker is None:
            return
        self._worker.cancel()
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.status_label.setText(self.tr("Stopping… the run is kept as a checkpoint so you can resume it later."))

    @Slot(object)
    def _on_train_event(self, event) -> None:
        kind = type(event).__name__
        handler = {"TrainStarted": self._show_started, "StepProgress": self._show_step, "EvalDone": self._show_eval,
                   "Checkpointed": self._show_checkpoint, "PauseChanged": self._show_pause,
                   "Note": self._show_note, "TrainFinished": self._show_finished,
                   "TrainReport": self._show_report}.get(kind)
        if handler is not None and self._worker is not None:
            handler(event)

    def _show_started(self, event) -> None:
        self._bound = (event.bound, event.epochs, event.max_minutes)
        self.loss_chart.set_total_steps(event.total_steps)
        self.epoch_label.setText(self._epoch_text(event.resumed_step // max(1, event.steps_per_epoch) + 1))
        self._log(self._bound_text())
        self._log(self.tr("Training on {device}: {params:,} parameters, {vocab:,} tokens in the vocabulary, "
                          "{tokens:,} tokens of text, {steps:,} steps.").format(
            device=event.device_name, params=event.parameters, vocab=event.vocab_size, tokens=event.train_tokens,
            steps=event.total_steps))
        softmax = self._softmax_name(event.softmax)
        self.run_label.setText(self.tr("Using: {device}, {precision}, {softmax}").format(
            device=event.device_name, precision=event.precision, softmax=softmax))
        self._log(self.tr("Precision {precision}, {softmax}, %n CPU thread(s).", "", event.threads).format(
            precision=event.precision, softmax=softmax))
        if event.resumed_step:
            self._log(self.tr("Resumed at step {step:,}, after {duration} of training.").format(
                step=event.resumed_step, duration=format_duration(event.resumed_seconds)))
        self.status_label.setText(self.tr("Training {name}…").format(name=self._training_name))

    def _epoch_text(self, epoch: int) -> str:
        epochs = self._bound[1]
        if epochs:
            return self.tr("Epoch {epoch} of {epochs}").format(epoch=min(epoch, epochs), epochs=epochs)
        return self.tr("Epoch {epoch}").format(epoch=epoch)

    def _bound_text(self) -> str:
        """What ends the run, in words."""
        kind, epochs, minutes = self._bound
        budget = format_duration(minutes * 60) if minutes else ""
        if kind == "time":
            return self.tr("The run ends after {budget} of training, or sooner once the held-out poems stop "
                           "improving.").format(budget=budget)
        if kind == "epochs":
            return self.tr("The run ends after %n epoch(s), or sooner once the held-out poems stop improving.", "",
                           epochs)
        return self.tr("The run ends after {budget} of training or %n epoch(s), whichever comes first.", "",
                       epochs).format(budget=budget)

    def _show_step(self, event) -> None:
        percent = int(event.fraction * 100)
        self.progress_bar.setValue(int(event.fraction * 1000))
        kind, epochs, minutes = self._bound
        budget = format_duration(minutes * 60) if minutes else ""
        if kind == "time":
            text = self.tr("{percent}% of {budget} (step {step:,})").format(
                percent=percent, budget=budget, step=event.step)
        elif kind == "epochs":
            text = self.tr("{percent}% of {epochs} epochs (step {step:,} of {total:,})").format(
                percent=percent, epochs=epochs, step=event.step, total=event.total_steps)
        else:
            text = self.tr("{percent}% of {budget} or {epochs} epochs (step {step:,})").format(
                percent=percent, budget=budget, epochs=epochs, step=event.step)
        self.progress_bar.setFormat(text)
        self.eta_label.setText(self._eta_text(event.eta_s))
        self.speed_label.setText(self.tr("{rate:,.0f} tokens/s").format(rate=event.tokens_per_s))
        self.epoch_label.setText(self._epoch_text(event.epoch))
        self.loss_chart.add_training(event.step, event.train_loss)  # it keeps about MAX_CHART_POINTS of them

    def _show_eval(self, event) -> None:
        self.loss_chart.add_validation(event.step, event.valid_loss)
        if event.step == 0:
            self.sample_lines_view.appendPlainText(self.tr(
                "Before training, the base model's loss on the held-out poems: {loss:.3f}").format(
                loss=event.valid_loss) + "\n")
            return
        best = self.tr(" (best so far)") if event.best else ""
        head = self.tr("Epoch {epoch}, validation loss {loss:.3f}{best}:").format(
            epoch=event.epoch, loss=event.valid_loss, best=best)
        lines = [head, *(sample.strip() for sample in event.samples if sample.strip()), ""]
        self.sample_lines_view.appendPlainText("\n".join(lines))

    def _show_checkpoint(self, event) -> None:
        self._log(self.tr("Checkpoint saved at step {step:,}.").format(step=event.step))

    def _show_pause(self, event) -> None:
        if event.paused:
            self.pause_button.setText(self.tr("Resume"))
            self.status_label.setText(self.tr("Paused; a checkpoint was saved."))
        else:
            self.pause_button.setText(self.tr("Pause"))
            self.status_label.setText(self.tr("Training {name}…").format(name=self._training_name))

    def _show_note(self, event) -> None:
        self._log(event.text)

    def _show_report(self, event) -> None:
        self._report = event.report
        self.report_view.setHtml(report_html(event.report))
        self.report_view.setVisible(True)

    def _show_finished(self, event) -> None:
        reasons = {"completed": self.tr("Finished all epochs."),
                   "early_stop": self.tr("Stopped early: the validation loss stopped improving."),
                   "time_budget": self.tr("Stopped at the time budget."),
                   "cancelled": self.tr("Stopped at your request.")}
        self._log(reasons.get(event.reason, event.reason))
        self.eta_label.clear()
        if event.reason != "cancelled":
            self.progress_bar.setValue(1000)

    def _eta_text(self, seconds: float) -> str:
        if not math.isfinite(seconds) or seconds <= 0:
            return ""
        return self.tr("about {duration} left").format(duration=format_duration(seconds))

    def _log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    @Slot(object)
    def _on_train_done(self, result: dict) -> None:
        name = result.get("name") or self._training_name
        if result.get("path"):
            loss = result.get("best_valid_loss")
            if loss is None:
                text = self.tr("Saved model {name}.").format(name=name)
            else:
                text = self.tr("Saved model {name} (validation loss {loss:.3f}).").format(name=name, loss=loss)
            self._trained_name = name
            if self._model_names is not None:
                self._model_names.add(name)  # taken from now on; the listing below also offers it to fine-tune
            self._list_models()
            report = result.get("report")
            if report and self._report is None:
                self._show_report(type("Report", (), {"report": report})())
            self.result_label.setText(text)
            self.result_label.setVisible(True)
            self.use_button.setVisible(True)
            self.model_trained.emit(name)
        else:
            self.result_label.setText(self.tr("Training of {name} was stopped. It is kept as a checkpoint, so you can "
                                              "resume it later with the same name and poems.").format(name=name))
            self.result_label.setVisible(True)

    @Slot(str)
    def _on_train_failed(self, message: str) -> None:
        self.result_label.setText(message)
        self.result_label.setVisible(True)
        self._show_error(message)

    @Slot()
    def _on_train_finished(self) -> None:
        self._worker = None
        self._thread = None
        self._list_runs()  # a cancelled run is one more to offer; a saved one is one less
        self.pause_button.setText(self.tr("Pause"))
        if self._closing:
            self._closing = False
            super().reject()
        self._validate_name()

    def _on_use_clicked(self) -> None:
        if self._trained_name:
            self.use_model.emit(self._trained_name)
            self.accept()

    # -- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        """Escape, Close and the window's close button: while training, confirm, cancel, close once stopped."""
        if self._closing:
            return
        if not self.training:
            super().reject()
            return
        if not self._confirm(self.tr("Training is still running. Stop it? It will be kept as a checkpoint so you can "
                                     "resume it later.")):
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

    # -- messages (tests patch these) --------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("Training"), message)

    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Training"), question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
