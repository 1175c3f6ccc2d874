"""The training dialog's options panel: the new model's name, what it starts from, its size, budget and hardware.

Every option widget is made in one place, the _build_*_rows methods, and build_job reads them back
into a core.train.job.TrainJob. The panel says in words what the choices come to on this machine (the
preset's size, fine-tuning or a new model, device, precision and output layer) from what its
one-shot workers find, each in a WorkerSlot: the engine worker imports torch, core.device and the
checkpoint module in its thread and looks at the hardware, BaseChooser's ModelListWorker lists the library's models to
fine-tune from, and a runs worker lists the interrupted runs. Until the engine has loaded and the
models are listed, the name is not checked (check_name imports the engine).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from poetpad.core.corpus import SCRATCH_RECOMMENDED_CHARS
from poetpad.core.library import AUTO_BASE
from poetpad.core.train.config import OPTIONS
from poetpad.core.units import format_duration
from poetpad.gui.dialogs.training_corpus import CorpusPanel, language_name
from poetpad.gui.option_widgets import choice_box, spin_box
from poetpad.gui.workers import ModelListWorker, OneShotWorker, WorkerSlot

log = logging.getLogger(__name__)


def softmax_name(key: str) -> str:
    """An output layer ("full", "adaptive") in words."""
    return {"full": QCoreApplication.translate("OptionsPanel", "full softmax"),
            "adaptive": QCoreApplication.translate("OptionsPanel", "adaptive softmax")}.get(key, key)


class _EngineWorker(OneShotWorker):
    """Imports the training engine (and so torch) off the GUI thread and looks at the hardware.

    done carries {"presets": {name: dict}, "gpu": str ("" when none), "gpu_kind": "cuda" or "mps" ("" when
    none), "gpu_precision": what --precision auto gives on the GPU ("" when none), "cpu_precision": the same
    on the CPU,
    "cpu_bf16": "AMX", "AVX512-BF16" or "", "threads": the CPU threads training will use,
    "adaptive_from": the vocabulary size from which --softmax auto is adaptive}.
    """

    def work(self) -> dict:
        import torch

        from poetpad.core.cpu import cpu_bf16
        from poetpad.core.device import default_threads, device_name, resolve_device, resolve_precision
        from poetpad.core.model import PRESETS
        from poetpad.core.modelconfig import ADAPTIVE_MIN_VOCAB
        from poetpad.core.train import checkpoint  # noqa: F401 - loaded here, not on the GUI thread by check_name

        device = resolve_device("auto")
        gpu = device_name(device) if device.type != "cpu" else ""
        return {"presets": {name: dict(values) for name, values in PRESETS.items()}, "gpu": gpu,
                "gpu_kind": device.type if gpu else "",
                "gpu_precision": resolve_precision("auto", device)[0] if gpu else "",
                "cpu_precision": resolve_precision("auto", torch.device("cpu"))[0],
                "cpu_bf16": cpu_bf16(), "threads": default_threads(),
                "adaptive_from": ADAPTIVE_MIN_VOCAB}


class _RunsWorker(OneShotWorker):
    """Lists the interrupted runs (core.train.checkpoint.interrupted_runs) off the GUI thread; done carries the list."""

    def work(self) -> list:
        from poetpad.core.train.checkpoint import interrupted_runs

        return interrupted_runs()


class BaseChooser(QComboBox):
    """The model a run starts from. The first choice adapts the bundled model of the poems' language;
    then every model in the library (those just trained too); last, a new model from scratch, which
    pays only for a large corpus. The library is listed in a WorkerSlot (list_models)."""

    listed = Signal()   # the models were listed, or the first listing failed

    def __init__(self, corpus: CorpusPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._corpus_panel = corpus
        self.models: list = []                      # the listed ModelInfos (for the automatic base's name)
        self.model_names: set[str] | None = None    # their names, once listed (empty when the listing failed)
        self._lister = WorkerSlot(self, "training-models", self._on_lister_done, self._on_lister_failed)
        self.addItem(self._auto_text(), AUTO_BASE)
        self._add_note(self.tr("loading…"))  # replaced by the models once they are listed
        self.addItem(self.tr("None: train a new model from scratch"), None)

    @property
    def busy(self) -> bool:
        return self._lister.busy

    @property
    def fine_tuning(self) -> bool:
        """Will the chosen base be fine-tuned? The automatic choice fine-tunes when a bundled model writes the
        poems' language (before the poems are read: when any model is bundled)."""
        base = self.currentData()
        if base != AUTO_BASE:
            return base is not None
        if self._corpus_panel.corpus is not None:
            return bool(self.auto_base_name())
        return any(info.bundled for info in self.models)

    def list_models(self) -> None:
        """List the library in a worker (again after it has changed)."""
        self._lister.start(ModelListWorker())

    def auto_base_name(self) -> str:
        """The bundled model the first choice fine-tunes for the previewed poems ("" when not known or none)."""
        corpus = self._corpus_panel.corpus
        if corpus is None:
            return ""
        from poetpad.core.library import default_base

        info = default_base(corpus.stats.language, self.models)
        return info.name if info is not None else ""

    def _auto_text(self) -> str:
        name = self.auto_base_name()
        corpus = self._corpus_panel.corpus
        if name:
            return self.tr("Adapt {name} to these poems (recommended)").format(name=name)
        if corpus is not None and self.model_names is not None:
            return self.tr("Automatic: no bundled model writes {language}, so a new one").format(
                language=language_name(corpus.stats.language))
        return self.tr("Adapt the bundled model of the poems' language (recommended)")

    def refresh_auto(self) -> None:
        self.setItemText(0, self._auto_text())

    def _add_note(self, text: str) -> None:
        """A grey line that cannot be chosen."""
        self.addItem(text, None)
        item = self.model().item(self.count() - 1)
        if item is not None:
            item.setEnabled(False)

    def _on_lister_done(self, infos: list) -> None:
        """Offer the listed models, keeping the choice."""
        self.model_names = {info.name for info in infos}
        self.models = list(infos)
        chosen = self.currentIndex()
        chosen_data = self.currentData()
        with QSignalBlocker(self):
            while self.count() > 1:
                self.removeItem(1)
            self.setToolTip("")
            for info in infos:
                language = language_name(info.language)
                text = info.name
                if language:
                    text = self.tr("{name} ({language})").format(name=info.name, language=language)
                self.addItem(text, info.name)
            self.addItem(self.tr("None: train a new model from scratch"), None)
            if chosen_data is None and chosen > 0:  # "from scratch" stays chosen
                self.setCurrentIndex(self.count() - 1)
            else:
                self.setCurrentIndex(max(0, self.findData(chosen_data)))
        self.refresh_auto()
        self.listed.emit()

    def _on_lister_failed(self, message: str) -> None:
        """Training still works: only fine-tuning is unavailable, and core.train refuses a taken name itself."""
        log.warning("the models could not be listed: %s", message)
        if self.model_names is not None:
            return  # listing again after a run failed: keep the models listed before
        self.model_names = set()
        with QSignalBlocker(self):
            while self.count() > 1:
                self.removeItem(1)
            self._add_note(self.tr("the models could not be listed"))
            self.addItem(self.tr("None: train a new model from scratch"), None)
            self.setToolTip(message)
            self.setCurrentIndex(0)
        self.listed.emit()


class RunsRow(QFrame):
    """The interrupted runs (core.train.checkpoint.interrupted_runs), offered without retyping their names: a RunsWorker
    lists them in a WorkerSlot (list_runs). The row shows only while there are some."""

    listed = Signal()   # the runs were listed (or could not be)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list = []                 # core.train.checkpoint.InterruptedRun, once listed
        self._lister = WorkerSlot(self, "training-runs", self._on_lister_done, self._on_lister_failed)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.button = QPushButton(self.tr("Continue it"))
        self.button.setToolTip(self.tr("Fill in its name, poems and options, ready to resume."))
        row = QHBoxLayout(self)
        row.addWidget(QLabel(self.tr("Interrupted run:")))
        row.addWidget(self.combo, 1)
        row.addWidget(self.button)
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return self._lister.busy

    def list_runs(self) -> None:
        """List the interrupted runs in a worker (again after a run has ended)."""
        self._lister.start(_RunsWorker())

    def chosen_run(self):
        """The interrupted run chosen, or None."""
        index = self.combo.currentIndex()
        return self.runs[index] if 0 <= index < len(self.runs) else None

    def _run_text(self, run) -> str:
        done = format_duration(run.seconds)
        if run.max_minutes:
            return self.tr("{name}: step {step:,}, {done} of {budget}").format(
                name=run.name, step=run.step, done=done, budget=format_duration(run.max_minutes * 60))
        return self.tr("{name}: step {step:,}, {done} of training").format(name=run.name, step=run.step, done=done)

    def _on_lister_done(self, runs: list) -> None:
        self.runs = list(runs)
        with QSignalBlocker(self.combo):
            self.combo.clear()
            for run in self.runs:
                self.combo.addItem(self._run_text(run), run.name)
        self.listed.emit()

    def _on_lister_failed(self, message: str) -> None:
        log.warning("the interrupted runs could not be listed: %s", message)
        self.listed.emit()


class OptionsPanel(QGroupBox):
    """The options of a training run, and what they come to here.

    `engine` is what the engine worker found (None until then, `engine_error` when it failed);
    base_combo holds the library's models and runs_frame the interrupted runs. `trained_name` is the
    model this dialog saved last: its name is not a clash to warn about, but Start waits for a new one.
    """

    changed = Signal()   # a choice, or what the workers found, changed what Start may do

    def __init__(self, corpus: CorpusPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Options"))
        self._corpus_panel = corpus
        self.engine: dict | None = None
        self.engine_error = ""
        self.name_ok = False                 # the typed name can be trained under (check_name)
        self.trained_name = ""
        self._engine_probe = WorkerSlot(self, "training-engine", self._on_engine_done, self._on_engine_failed)
        form = QFormLayout(self)
        self._build_name_rows(form)
        self._build_model_rows(form)
        self._build_budget_rows(form)
        self._build_hardware_rows(form)
        self._option_widgets = [self.name_edit, self.base_combo, self.preset_combo, self.tokenizer_combo,
                                self.cell_combo, self.epochs_spin, self.minutes_spin, self.device_combo,
                                self.precision_combo, self.softmax_combo]
        self.name_edit.textChanged.connect(self._on_name_changed)
        self._on_preset_changed()

    def start(self) -> None:
        """Start the workers: the engine (and hardware), the models to fine-tune from, the interrupted runs."""
        self._engine_probe.start(_EngineWorker())
        self.base_combo.list_models()
        self.runs_frame.list_runs()

    # -- building ----------------------------------------------------------------------------

    def _build_name_rows(self, form: QFormLayout) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("A name for the new model"))
        self.name_error_label = QLabel()
        self.name_error_label.setWordWrap(True)
        self.name_error_label.setStyleSheet("color: #b00020;")
        self.name_error_label.setVisible(False)
        form.addRow(self.tr("Model name:"), self.name_edit)
        form.addRow("", self.name_error_label)

        self.runs_frame = RunsRow()
        self.runs_frame.listed.connect(self.changed)
        form.addRow(self.runs_frame)

        self.resume_frame = QFrame()
        self.resume_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.resume_label = QLabel()
        self.resume_label.setWordWrap(True)
        self.resume_button = QPushButton(self.tr("Resume"))
        self.discard_button = QPushButton(self.tr("Discard"))
        resume_row = QHBoxLayout(self.resume_frame)
        resume_row.addWidget(self.resume_label, 1)
        resume_row.addWidget(self.resume_button)
        resume_row.addWidget(self.discard_button)
        self.resume_frame.setVisible(False)
        form.addRow(self.resume_frame)

    def _build_model_rows(self, form: QFormLayout) -> None:
        self.base_combo = BaseChooser(self._corpus_panel)
        self.base_combo.currentIndexChanged.connect(self.show_base)
        self.base_combo.listed.connect(self._on_models_listed)
        self.base_hint_label = QLabel()
        self.base_hint_label.setWordWrap(True)
        form.addRow(self.tr("Fine-tune from:"), self.base_combo)
        form.addRow("", self.base_hint_label)

        self.preset_combo = choice_box(OPTIONS["preset"])  # their sizes are shown once the engine has loaded
        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        self.preset_label = QLabel()
        self.preset_label.setWordWrap(True)
        form.addRow(self.tr("Size:"), self.preset_combo)
        form.addRow("", self.preset_label)

        self.tokenizer_combo = choice_box(OPTIONS["tokenizer"], {"char": self.tr("Characters (Chinese)"),
                                                               "word": self.tr("Words (English)")})
        form.addRow(self.tr("Tokens:"), self.tokenizer_combo)

        self.cell_combo = choice_box(OPTIONS["cell"], {"lstm": "LSTM", "gru": "GRU"})
        form.addRow(self.tr("Cell:"), self.cell_combo)

    def _build_budget_rows(self, form: QFormLayout) -> None:
        # The budget is time: a number of epochs means a handful of steps on a small corpus.
        self.minutes_spin = spin_box(OPTIONS["max_minutes"], low=0, whole=True)  # 0: no limit
        self.minutes_spin.setValue(int(OPTIONS["max_minutes"].default))
        self.minutes_spin.setSuffix(self.tr(" min"))
        self.minutes_spin.setSpecialValueText(self.tr("No limit"))
        self.minutes_spin.setToolTip(self.tr("Stop after this many minutes of training (0: no limit). Training "
                                             "also stops, keeping its best weights, once the held-out poems stop "
                                             "improving."))
        self.minutes_spin.valueChanged.connect(self._on_budget_changed)
        form.addRow(self.tr("Time budget:"), self.minutes_spin)

        self.epochs_spin = spin_box(OPTIONS["epochs"], low=0)  # 0: no limit (the declared default, None)
        self.epochs_spin.setSpecialValueText(self.tr("No limit"))
        self.epochs_spin.setToolTip(self.tr("Also stop after this many passes over the poems (0: no limit)."))
        self.epochs_spin.valueChanged.connect(self._on_budget_changed)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)

    def _build_hardware_rows(self, form: QFormLayout) -> None:
        self.device_combo = choice_box(OPTIONS["device"], {"auto": self.tr("Automatic"), "cpu": self.tr("CPU"),
                                                         "cuda": self.tr("GPU (CUDA)"),
                                                         "mps": self.tr("GPU (Apple MPS)")})
        self.device_combo.currentIndexChanged.connect(self.update_speed_label)
        self.gpu_label = QLabel(self.tr("GPU: checking…"))
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_combo)
        device_row.addWidget(self.gpu_label, 1)
        form.addRow(self.tr("Device:"), device_row)

        # The fast choices are the defaults: "Automatic" picks bf16 where the hardware does it natively
        # and the adaptive softmax for large vocabularies. The line under them says what that means here.
        self.precision_combo = choice_box(OPTIONS["precision"], {
            "auto": self.tr("Automatic (fastest)"), "fp32": self.tr("fp32 (full precision)"), "bf16": "bf16",
            "fp16": self.tr("fp16 (GPU only)")})
        self.precision_combo.setToolTip(self.tr("Mixed precision speeds up training where the hardware has it; the "
                                                "weights are kept and saved in full precision."))
        self.precision_combo.currentIndexChanged.connect(self.update_speed_label)
        form.addRow(self.tr("Precision:"), self.precision_combo)
        self.softmax_combo = choice_box(OPTIONS["softmax"], {
            "auto": self.tr("Automatic (adaptive for large vocabularies)"), "full": self.tr("Full softmax"),
            "adaptive": self.tr("Adaptive softmax (faster)")})
        self.softmax_combo.setToolTip(self.tr("The adaptive softmax scores rare tokens in groups, which makes "
                                              "training several times faster with thousands of characters."))
        self.softmax_combo.currentIndexChanged.connect(self.update_speed_label)
        form.addRow(self.tr("Output layer:"), self.softmax_combo)
        self.speed_info_label = QLabel(self.tr("Checking the hardware…"))
        self.speed_info_label.setWordWrap(True)
        form.addRow("", self.speed_info_label)

    # -- state -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while the engine, the models or the interrupted runs are still to come."""
        return self._engine_probe.busy or self.base_combo.busy or self.runs_frame.busy

    @property
    def models_ready(self) -> bool:
        """True once the library's models have been listed (or the listing failed)."""
        return self.base_combo.model_names is not None

    def set_locked(self, training: bool) -> None:
        """While training no option can change; a fine-tuned model keeps its base's size, cell and tokens."""
        for widget in (self.runs_frame.combo, self.runs_frame.button, *self._option_widgets):
            widget.setEnabled(not training)
        self.runs_frame.setVisible(bool(self.runs_frame.runs) and not training)
        fine_tune = self.base_combo.fine_tuning
        for widget in (self.preset_combo, self.tokenizer_combo, self.cell_combo, self.softmax_combo):
            widget.setEnabled(not training and not fine_tune)
        ready = self._corpus_panel.corpus is not None and self.engine is not None
        self.resume_button.setEnabled(not training and ready)
        self.discard_button.setEnabled(not training)

    def start_blocker(self) -> str:
        """Why the options do not let Start be clicked ("" when they do)."""
        name = self.name_edit.text().strip()
        if not self.minutes_spin.value() and not self.epochs_spin.value():
            return self.tr("Give the run a time budget or a number of epochs.")
        if not name:
            return self.tr("Choose a name for the model.")
        if self.trained_name and name == self.trained_name:
            return self.tr("Saved. To train another model, choose a new name.")
        if not self.name_ok:
            return self.tr("Choose another name for the model.")
        if self.resume_frame.isVisibleTo(self):
            return self.tr("Resume or discard the interrupted run first.")
        return ""

    def build_job(self, paths: list[str], simplify: bool, resume: bool):
        """The core.train.job.TrainJob the options describe for `paths` (imports the engine). The learning rate
        is the recipe's (core.train.config.recipe): gentle to fine-tune, faster for a new model."""
        from poetpad.core.train.config import TrainConfig
        from poetpad.core.train.job import TrainJob

        minutes = self.minutes_spin.value()
        return TrainJob(
            paths=list(paths), name=self.name_edit.text().strip(), preset=self.preset_combo.currentData(),
            cell=None if self.base_combo.fine_tuning else self.cell_combo.currentData(),
            tokenizer=self.tokenizer_combo.currentData(),
            base_model=self.base_combo.currentData(), simplify=simplify, resume=resume,
            softmax=self.softmax_combo.currentData(),
            config=TrainConfig(epochs=self.epochs_spin.value() or None,
                               max_minutes=float(minutes) if minutes else None,
                               device=self.device_combo.currentData(),
                               precision=self.precision_combo.currentData()))

    def _on_budget_changed(self, _value: int) -> None:
        self.changed.emit()

    # -- what the workers found ----------------------------------------------------------------

    def _on_engine_done(self, info: dict) -> None:
        """Offer only what some device here does natively, and say what the choices come to."""
        self.engine = info
        gpu = info.get("gpu", "")
        self.gpu_label.setText(self.tr("GPU: {name}").format(name=gpu) if gpu else self.tr("GPU: none detected"))
        for kind in ("cuda", "mps"):  # only the GPU this machine has can be chosen
            item = self.device_combo.model().item(self.device_combo.findData(kind))
            if item is not None:
                item.setEnabled(bool(gpu) and info.get("gpu_kind", "cuda") == kind)
        # bf16 needs AMX/AVX512-BF16 or a GPU, fp16 a GPU.
        for key, usable in (("bf16", bool(gpu or info.get("cpu_bf16"))), ("fp16", bool(gpu))):
            item = self.precision_combo.model().item(self.precision_combo.findData(key))
            if item is not None:
                item.setEnabled(usable)
        self._on_preset_changed()
        self.update_speed_label()
        self.check_name()

    def _on_engine_failed(self, message: str) -> None:
        self.engine_error = message
        self.gpu_label.setText(self.tr("GPU: unknown"))
        self.changed.emit()

    def _on_models_listed(self) -> None:
        self.show_base()
        self.check_name()

    def apply_run(self, run) -> None:
        """Fill in an interrupted run's bounds, base and name (its poems are the corpus panel's)."""
        self.minutes_spin.setValue(round(run.max_minutes) if run.max_minutes else 0)
        self.epochs_spin.setValue(run.epochs or 0)
        if run.base_model:
            index = self.base_combo.findData(run.base_model)
            if index >= 0:
                self.base_combo.setCurrentIndex(index)
        self.name_edit.setText(run.name)  # shows the Resume / Discard row for it

    # -- what the choices come to ------------------------------------------------------------

    def _on_preset_changed(self, _index: int = 0) -> None:
        preset = self.preset_combo.currentData()
        roles = {"seed": self.tr("Tiny: a quick trial run, fine on a CPU."),
                 "small": self.tr("Small: a few thousand poems; trains on a CPU in tens of minutes."),
                 "medium": self.tr("Medium: tens of thousands of poems; a GPU helps."),
                 "large": self.tr("Large: a big corpus (100,000+ poems) and a GPU.")}
        text = roles.get(preset, "")
        values = (self.engine or {}).get("presets", {}).get(preset)
        if values:
            text += " " + self.tr("{cell}, {layers} layers of {hidden}, {embedding}-wide embeddings.").format(
                cell=values["cell"].upper(), layers=values["layers"], hidden=values["hidden"],
                embedding=values["embedding"])
            index = self.cell_combo.findData(values["cell"])
            if index >= 0:
                self.cell_combo.setCurrentIndex(index)
        self.preset_label.setText(text)

    def update_speed_label(self, _index: int = 0) -> None:
        """Say what the chosen device, precision and output layer come to on this machine."""
        info = self.engine
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
        vocab = self._corpus_panel.vocab_size()
        if self.base_combo.fine_tuning:
            softmax = self.tr("the base model's")
        elif softmax == "auto" and not vocab:
            softmax = self.tr("adaptive softmax from {n:,} tokens, else full").format(
                n=info.get("adaptive_from", 2000))
        else:
            if softmax == "auto":
                softmax = "adaptive" if vocab >= info.get("adaptive_from", 2000) else "full"
            softmax = softmax_name(softmax)
        self.speed_info_label.setText(self.tr("Trains on {where} in {precision}; output layer: {softmax}.").format(
            where=where, precision=precision, softmax=softmax))

    def show_base(self, _index: int = 0) -> None:
        """Say what the chosen base means: fine-tuning keeps its size, or the preset's size for a new model."""
        base = self.base_combo.currentData()
        if base == AUTO_BASE:
            base = self.base_combo.auto_base_name() if self.base_combo.fine_tuning else None
        if base is not None:
            self.preset_label.setText(self.tr("Fine-tuning keeps {name}'s size, cell and tokens.").format(
                name=base or self.tr("the base model")))
        else:
            self._on_preset_changed()
        self._update_base_hint()
        self.update_speed_label()
        self.changed.emit()

    def _update_base_hint(self) -> None:
        """Say what fine-tuning does, and from how much text training from scratch pays, and why."""
        base = self.base_combo.currentData() if self.base_combo.fine_tuning else None
        corpus = self._corpus_panel.corpus
        chars = corpus.stats.chars if corpus is not None else 0
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
        self.check_name()

    def check_name(self) -> None:
        """Check the typed name (once the engine is loaded and the models listed): usable, not one of the
        listed models, and any interrupted run. It reads no model file: the listing did that in its worker."""
        self.name_ok = False
        message = ""
        checkpoint = False
        text = self.name_edit.text()
        if self.engine is not None and self.base_combo.model_names is not None and text.strip():
            from poetpad.core import library
            from poetpad.core.train.checkpoint import has_checkpoint
            from poetpad.errors import PoetPadError

            try:
                name = library.check_name(text)  # pure: it only looks at the text
                if name == self.trained_name:
                    pass  # just saved: not a clash to warn about (the status line says to choose a new name)
                elif name in self.base_combo.model_names:
                    message = self.tr("A model called '{name}' already exists; choose another name.").format(
                        name=name)
                else:
                    self.name_ok = True
                    checkpoint = has_checkpoint(name)
            except PoetPadError as exc:
                message = str(exc)
            if checkpoint:
                self.resume_label.setText(self.tr("An interrupted run of {name} can be resumed.").format(name=name))
        self.name_error_label.setText(message)
        self.name_error_label.setVisible(bool(message))
        self.resume_frame.setVisible(checkpoint)
        self.changed.emit()
