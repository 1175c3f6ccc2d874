"""The verse panel: what to write (mode, form, rhyme, acrostic heads) and how (beam or sampling)."""

from __future__ import annotations

import random

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from poetpad.core.prosody_zh import RHYME_SYSTEMS, SYSTEM_NAMES
from poetpad.core.suggest import MAX_SEED, MODES, SuggestRequest, make_request
from poetpad.core.text import FIXED_FORMS, FREE
from poetpad.gui.settings import DecodeDefaults

FORMS = ("auto", *FIXED_FORMS, FREE)
TONES = ("auto", "off", "basic", "strict")


class VersePanel(QWidget):
    generate_clicked = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versePanel")
        layout = QVBoxLayout(self)

        self.what_box = QGroupBox()
        what = QFormLayout(self.what_box)
        self.mode = QComboBox()
        self.mode_label = QLabel()
        what.addRow(self.mode_label, self.mode)
        self.heads = QLineEdit()
        self.heads.setObjectName("acrosticHeads")
        self.heads.setMaxLength(16)
        self.heads_label = QLabel()
        what.addRow(self.heads_label, self.heads)
        self.form = QComboBox()
        self.form_label = QLabel()
        what.addRow(self.form_label, self.form)
        self.rhyme = QCheckBox()
        what.addRow("", self.rhyme)
        self.rhyme_system = QComboBox()
        self.rhyme_system.setObjectName("rhymeSystem")
        self.rhyme_system_label = QLabel()
        what.addRow(self.rhyme_system_label, self.rhyme_system)
        self.tones = QComboBox()
        self.tones.setObjectName("toneStrictness")
        self.tones_label = QLabel()
        what.addRow(self.tones_label, self.tones)
        layout.addWidget(self.what_box)

        self.how_box = QGroupBox()
        how = QFormLayout(self.how_box)
        self.sample_radio = QRadioButton()
        self.beam_radio = QRadioButton()
        self._strategy = QButtonGroup(self)
        self._strategy.addButton(self.sample_radio)
        self._strategy.addButton(self.beam_radio)
        strategy_row = QHBoxLayout()
        strategy_row.addWidget(self.sample_radio)
        strategy_row.addWidget(self.beam_radio)
        how.addRow(strategy_row)
        self.beam = QSpinBox()
        self.beam.setRange(1, 32)
        self.beam_label = QLabel()
        how.addRow(self.beam_label, self.beam)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 3.0)
        self.temperature.setSingleStep(0.05)
        self.temperature_label = QLabel()
        how.addRow(self.temperature_label, self.temperature)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 500)
        self.top_k_label = QLabel()
        how.addRow(self.top_k_label, self.top_k)
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p_label = QLabel()
        how.addRow(self.top_p_label, self.top_p)
        seed_row = QHBoxLayout()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.fixed_seed = QCheckBox()
        self.reroll = QPushButton()
        self.reroll.setObjectName("rerollButton")
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.fixed_seed)
        self.seed_label = QLabel()
        how.addRow(self.seed_label, seed_row)
        how.addRow("", self.reroll)
        self.candidates = QSpinBox()
        self.candidates.setRange(1, 10)
        self.candidates_label = QLabel()
        how.addRow(self.candidates_label, self.candidates)
        layout.addWidget(self.how_box)

        self.model_box = QGroupBox()
        model_layout = QVBoxLayout(self.model_box)
        self.model_name = QLabel()
        self.model_name.setObjectName("modelName")
        self.model_name.setWordWrap(True)
        self.model_device = QLabel()
        self.model_device.setWordWrap(True)
        model_layout.addWidget(self.model_name)
        model_layout.addWidget(self.model_device)
        layout.addWidget(self.model_box)

        self.generate = QPushButton()
        self.generate.setObjectName("generateButton")
        self.generate.setDefault(True)
        layout.addWidget(self.generate)
        layout.addStretch(1)

        for _ in MODES:
            self.mode.addItem("")
        for value in FORMS:
            self.form.addItem("", value)
        for value in RHYME_SYSTEMS:
            self.rhyme_system.addItem("", value)
        for value in TONES:
            self.tones.addItem("", value)
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.sample_radio.toggled.connect(self._on_strategy_toggled)
        self.reroll.clicked.connect(self._on_reroll_clicked)
        self.generate.clicked.connect(self.generate_clicked)
        for widget in (self.form, self.mode, self.rhyme_system, self.tones):
            widget.currentIndexChanged.connect(self.changed)
        for box in (self.rhyme, self.fixed_seed):
            box.toggled.connect(self.changed)
        self._model_info: dict | None = None
        self._model_state = "loading"
        self._model_message = ""
        self.retranslate()
        self.load_defaults(DecodeDefaults())

    # -- values -----------------------------------------------------------------------------------

    @property
    def mode_value(self) -> str:
        return MODES[max(0, self.mode.currentIndex())]

    @property
    def form_value(self) -> str:
        return self.form.currentData() or "auto"

    @property
    def rhyme_system_value(self) -> str:
        return self.rhyme_system.currentData() or RHYME_SYSTEMS[0]

    def load_defaults(self, d: DecodeDefaults) -> None:
        self.mode.setCurrentIndex(MODES.index(d.mode) if d.mode in MODES else 0)
        index = self.form.findData(d.form)
        self.form.setCurrentIndex(index if index >= 0 else 0)
        self.rhyme.setChecked(d.rhyme)
        self.rhyme_system.setCurrentIndex(max(0, self.rhyme_system.findData(d.rhyme_system)))
        self.tones.setCurrentIndex(max(0, self.tones.findData(d.tones)))
        (self.beam_radio if d.strategy == "beam" else self.sample_radio).setChecked(True)
        self.beam.setValue(d.beam)
        self.temperature.setValue(d.temperature)
        self.top_k.setValue(d.top_k)
        self.top_p.setValue(d.top_p)
        self.candidates.setValue(d.candidates)
        self.fixed_seed.setChecked(d.seed is not None)
        self.seed.setValue(d.seed if d.seed is not None else random.randrange(1, MAX_SEED))
        self._on_mode_changed()
        self._on_strategy_toggled()

    def to_defaults(self) -> DecodeDefaults:
        return DecodeDefaults(mode=self.mode_value, form=self.form_value, rhyme=self.rhyme.isChecked(),
                              rhyme_system=self.rhyme_system_value, tones=self.tones.currentData() or "auto",
                              strategy="beam" if self.beam_radio.isChecked() else "sample", beam=self.beam.value(),
                              temperature=self.temperature.value(), top_k=self.top_k.value(),
                              top_p=self.top_p.value(), candidates=self.candidates.value(),
                              seed=self.seed.value() if self.fixed_seed.isChecked() else None)

    def request(self, prefix: str) -> SuggestRequest:
        """The suggestion request for the current settings and the poem before the cursor; draws a new
        seed unless the seed is fixed. Acrostic heads count only in the acrostic mode."""
        if not self.fixed_seed.isChecked():
            self.seed.setValue(random.randrange(1, MAX_SEED))
        form = self.form_value
        beam = self.beam.value() if self.beam_radio.isChecked() else 0
        n = min(self.candidates.value(), beam) if beam else self.candidates.value()
        heads = self.heads.text() if self.mode_value == "acrostic" else ""
        return make_request(prefix=prefix, mode=self.mode_value, form=None if form == "auto" else form,
                            heads="".join(heads.split()), rhyme=self.rhyme.isChecked(), beam=beam, n=n,
                            rhyme_system=self.rhyme_system_value,
                            tones=None if self.tones.currentData() == "auto" else self.tones.currentData(),
                            temperature=self.temperature.value(), top_k=self.top_k.value(),
                            top_p=self.top_p.value(), seed=self.seed.value())

    # -- model ------------------------------------------------------------------------------------

    def set_model_state(self, state: str, info: dict | None = None, message: str = "") -> None:
        """state: loading, ready or failed."""
        self._model_state, self._model_info = state, info if info is not None else self._model_info
        self._model_message = message
        self._show_model()

    def _show_model(self) -> None:
        info = self._model_info
        if self._model_state == "loading":
            self.model_name.setText(self.tr("Model: loading…"))
            self.model_device.setText("")
        elif self._model_state == "failed":
            self.model_name.setText(self.tr("Model: not loaded"))
            self.model_device.setText(self._model_message)
        elif info:
            self.model_name.setText(self.tr("Model: {name}").format(name=info["name"]))
            device = info.get("device_name") or info.get("device", "")
            self.model_device.setText(self.tr("Device: {device}").format(device=device))

    # -- slots ------------------------------------------------------------------------------------

    def _on_mode_changed(self, *_args) -> None:
        acrostic = self.mode_value == "acrostic"
        self.heads.setEnabled(acrostic)
        self.heads_label.setEnabled(acrostic)

    def _on_strategy_toggled(self, *_args) -> None:
        sampling = self.sample_radio.isChecked()
        for widget in (self.temperature, self.top_k, self.top_p, self.temperature_label, self.top_k_label,
                       self.top_p_label):
            widget.setEnabled(sampling)
        self.beam.setEnabled(not sampling)
        self.beam_label.setEnabled(not sampling)
        self.changed.emit()

    def _on_reroll_clicked(self) -> None:
        self.seed.setValue(random.randrange(1, MAX_SEED))
        self.generate_clicked.emit()

    # -- translation ------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.what_box.setTitle(self.tr("What to write"))
        self.mode_label.setText(self.tr("Mode"))
        labels = [self.tr("Continue the line"), self.tr("Next line"), self.tr("Finish the poem"),
                  self.tr("New poem"), self.tr("Acrostic (藏头诗)")]
        for i, text in enumerate(labels):
            self.mode.setItemText(i, text)
        self.heads_label.setText(self.tr("Heads"))
        self.heads.setPlaceholderText(self.tr("e.g. 春江花月"))
        self.form_label.setText(self.tr("Form"))
        forms = [self.tr("Auto (from the text)"),
                 *(form.title() for form in FIXED_FORMS.values()),
                 self.tr("Free verse")]
        for i, text in enumerate(forms):
            self.form.setItemText(i, text)
        self.rhyme.setText(self.tr("Rhyme the even lines"))
        self.rhyme_system_label.setText(self.tr("Rhymes"))
        for i, system in enumerate(RHYME_SYSTEMS):
            self.rhyme_system.setItemText(i, SYSTEM_NAMES[system])
        self.rhyme_system.setToolTip(self.tr("平水韵: the classical rhymes and tones of Tang and Song verse (入声 "
                                             "characters are 仄). 中华新韵 and 中华通韵: modern Mandarin."))
        self.tones_label.setText(self.tr("Tones"))
        tones = [self.tr("Auto"), self.tr("Off"), self.tr("Basic: rhymes on 平, other line ends on 仄"),
                 self.tr("Strict: the whole 格律 (粘对, no 孤平 or 三平尾)")]
        for i, text in enumerate(tones):
            self.tones.setItemText(i, text)
        self.how_box.setTitle(self.tr("How to choose"))
        self.sample_radio.setText(self.tr("Sampling"))
        self.beam_radio.setText(self.tr("Beam search"))
        self.beam_label.setText(self.tr("Beam width"))
        self.temperature_label.setText(self.tr("Temperature"))
        self.top_k_label.setText(self.tr("Top-k"))
        self.top_k.setSpecialValueText(self.tr("off"))
        self.top_p_label.setText(self.tr("Top-p"))
        self.seed_label.setText(self.tr("Seed"))
        self.fixed_seed.setText(self.tr("Fixed"))
        self.reroll.setText(self.tr("Re-roll and write again"))
        self.candidates_label.setText(self.tr("Candidates"))
        self.model_box.setTitle(self.tr("Model"))
        self.generate.setText(self.tr("Write (Ctrl+Enter)"))
        self._show_model()
