"""The verse panel: what to write (mode, form, rhyme, acrostic heads) and how (beam or sampling).

What a request at the cursor does is core.plan's: `VersePanel.plan()` applies the panel's settings
to the text (Ctrl+Enter continues it; Write does what the panel says, once), and the window shows
that plan as a one-line summary under the editor. The spin boxes take their ranges from the request
options' one declaration (core.request_options).
"""

from __future__ import annotations

import random

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from poetpad.core.plan import Plan, plan
from poetpad.core.prosody_zh import DEFAULT_RHYME_SYSTEM, RHYME_SYSTEMS, SYSTEM_NAMES
from poetpad.core.request_options import MAX_SEED, REQUEST_OPTIONS, TONE_MODES, WRITING_MODES
from poetpad.core.suggest import SuggestRequest, make_request
from poetpad.core.text import ENGLISH_FORMS, FIXED_FORMS, FREE
from poetpad.gui.option_widgets import spin_box
from poetpad.gui.settings import DecodeDefaults
from poetpad.gui.workers import device_label

PANEL_MODES = WRITING_MODES  # the order of the Mode list
FORMS = ("auto", *FIXED_FORMS, *ENGLISH_FORMS, FREE)
TONES = ("auto", *TONE_MODES)


class VersePanel(QWidget):
    generate_clicked = Signal()   # Write: what the panel says, once
    reroll_clicked = Signal()     # a new seed, and the last request again
    changed = Signal()            # a setting changed (not the seed a request draws)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versePanel")
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_what_box())
        layout.addWidget(self._build_how_box())
        layout.addWidget(self._build_model_box())
        buttons = QHBoxLayout()
        self.generate = QPushButton()
        self.generate.setObjectName("generateButton")
        self.reroll = QPushButton()
        self.reroll.setObjectName("rerollButton")
        buttons.addWidget(self.generate, 2)
        buttons.addWidget(self.reroll, 1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._fill_lists()
        self._connect()
        self._model_info: dict | None = None
        self._model_state = "loading"
        self._model_message = ""
        self.retranslate()
        self.load_defaults(DecodeDefaults())

    def _build_what_box(self) -> QGroupBox:
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
        self.keywords = QLineEdit()
        self.keywords.setObjectName("keywords")
        self.keywords.setMaxLength(24)
        self.keywords_label = QLabel()
        what.addRow(self.keywords_label, self.keywords)
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
        return self.what_box

    def _build_how_box(self) -> QGroupBox:
        self.how_box = QGroupBox()
        how_layout = QVBoxLayout(self.how_box)
        how = QFormLayout()
        how_layout.addLayout(how)
        self.sample_radio = QRadioButton()
        self.beam_radio = QRadioButton()
        self._strategy = QButtonGroup(self)
        strategy_row = QHBoxLayout()
        for radio in (self.sample_radio, self.beam_radio):
            self._strategy.addButton(radio)
            strategy_row.addWidget(radio)
        how.addRow(strategy_row)
        self.candidates = spin_box(REQUEST_OPTIONS["n"])
        self.candidates_label = QLabel()
        how.addRow(self.candidates_label, self.candidates)
        # The finer settings fold away, so the Suggestions panel below gets the room.
        self.details_toggle = QToolButton()
        self.details_toggle.setObjectName("decodingDetails")
        self.details_toggle.setCheckable(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.details_toggle.setAutoRaise(True)
        how_layout.addWidget(self.details_toggle)
        how_layout.addWidget(self._build_details())
        return self.how_box

    def _build_details(self) -> QWidget:
        """Beam width, temperature, top-k, top-p and the seed, folded away at first."""
        self.details = QWidget()
        details = QFormLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        self.beam = spin_box(REQUEST_OPTIONS["beam"], low=1)  # a width: the strategy chooses sampling
        self.temperature = spin_box(REQUEST_OPTIONS["temperature"])
        self.top_k = spin_box(REQUEST_OPTIONS["top_k"])
        self.top_p = spin_box(REQUEST_OPTIONS["top_p"])
        self.beam_label, self.temperature_label, self.top_k_label, self.top_p_label = (QLabel() for _ in range(4))
        for label, spin in ((self.beam_label, self.beam), (self.temperature_label, self.temperature),
                            (self.top_k_label, self.top_k), (self.top_p_label, self.top_p)):
            details.addRow(label, spin)
        seed_row = QHBoxLayout()
        self.seed = spin_box(REQUEST_OPTIONS["seed"])
        self.fixed_seed = QCheckBox()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.fixed_seed)
        self.seed_label = QLabel()
        details.addRow(self.seed_label, seed_row)
        self.details.setVisible(False)
        return self.details

    def _build_model_box(self) -> QGroupBox:
        self.model_box = QGroupBox()
        model_layout = QVBoxLayout(self.model_box)
        self.model_name = QLabel()
        self.model_name.setObjectName("modelName")
        self.model_name.setWordWrap(True)
        self.model_device = QLabel()
        self.model_device.setWordWrap(True)
        model_layout.addWidget(self.model_name)
        model_layout.addWidget(self.model_device)
        return self.model_box

    def _fill_lists(self) -> None:
        for combo, values in ((self.mode, PANEL_MODES), (self.form, FORMS), (self.rhyme_system, RHYME_SYSTEMS),
                              (self.tones, TONES)):
            for value in values:  # the texts are set by retranslate()
                combo.addItem("", None if combo is self.mode else value)

    def _connect(self) -> None:
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.sample_radio.toggled.connect(self._on_strategy_toggled)
        self.details_toggle.toggled.connect(self._on_details_toggled)
        self.reroll.clicked.connect(self._on_reroll_clicked)
        self.generate.clicked.connect(self.generate_clicked)
        self.heads.returnPressed.connect(self.generate_clicked)
        for widget in (self.form, self.mode, self.rhyme_system, self.tones):
            widget.currentIndexChanged.connect(self.changed)
        for box in (self.rhyme, self.fixed_seed):
            box.toggled.connect(self.changed)
        for spin in (self.beam, self.temperature, self.top_k, self.top_p, self.candidates, self.seed):
            spin.valueChanged.connect(self.changed)
        self.heads.textChanged.connect(self.changed)

    # -- values -----------------------------------------------------------------------------------

    @property
    def mode_value(self) -> str:
        return PANEL_MODES[max(0, self.mode.currentIndex())]

    def show_forms_for(self, language: str | None) -> None:
        """List the forms that fit text in `language` ("zh": the Chinese forms, "en": the English ones,
        None: all); the chosen form stays chosen, and plan() says when it does not fit."""
        view = self.form.view()
        for i, value in enumerate(FORMS):
            hidden = (language == "en" and value in FIXED_FORMS) or (language == "zh" and value in ENGLISH_FORMS)
            if hidden and i == self.form.currentIndex():
                hidden = False
            view.setRowHidden(i, hidden)

    @property
    def form_value(self) -> str:
        return self.form.currentData() or "auto"

    @property
    def rhyme_system_value(self) -> str:
        return self.rhyme_system.currentData() or DEFAULT_RHYME_SYSTEM

    def load_defaults(self, d: DecodeDefaults) -> None:
        self.mode.setCurrentIndex(PANEL_MODES.index(d.mode) if d.mode in PANEL_MODES else 0)
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

    def plan(self, prefix: str, write: bool = False) -> Plan:
        """What a request at the cursor will do (see the module's docstring): `write` for the Write
        button, else Ctrl+Enter. Cheap: the window calls it as the cursor moves."""
        return plan(self.mode_value, self.form_value, self.heads.text(), prefix, write)

    @property
    def n_value(self) -> int:
        """How many candidates a request asks for (beam search gives at most its width)."""
        beam = self.beam.value() if self.beam_radio.isChecked() else 0
        return min(self.candidates.value(), beam) if beam else self.candidates.value()

    def request(self, prefix: str, write: bool = False, planned: Plan | None = None) -> SuggestRequest:
        """The suggestion request for the current settings and the poem before the cursor, as `planned`
        (default: the plan for Ctrl+Enter, or for Write with `write`); draws a new seed unless the seed
        is fixed. Acrostic heads count only in the acrostic mode."""
        planned = planned or self.plan(prefix, write)
        if not self.fixed_seed.isChecked():
            self._draw_seed()
        beam = self.beam.value() if self.beam_radio.isChecked() else 0
        heads = self.heads.text() if planned.mode == "acrostic" else ""
        return make_request(prefix=prefix, mode=planned.mode, form=planned.form,
                            heads="".join(heads.split()), keywords=self.keywords.text().strip(),
                            rhyme=self.rhyme.isChecked(), beam=beam, n=self.n_value,
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
            self.model_device.setText(self.tr("Device: {device}").format(device=device_label(info)))

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

    def _on_details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _on_reroll_clicked(self) -> None:
        self._draw_seed()
        self.reroll_clicked.emit()

    def _draw_seed(self) -> None:
        self.seed.blockSignals(True)  # a drawn seed is not a setting the poet changed
        self.seed.setValue(random.randrange(1, MAX_SEED))
        self.seed.blockSignals(False)

    # -- the summary ------------------------------------------------------------------------------

    def mode_text(self, mode: str) -> str:
        texts = {"line": self.tr("Continue the line"), "next": self.tr("Next line"),
                 "poem": self.tr("Finish the poem"), "new": self.tr("New poem"), "acrostic": self.tr("Acrostic")}
        return texts.get(mode, mode)

    def reason_text(self, planned: Plan) -> str:
        """Why the plan differs from the panel, as a short clause ("" when it does not)."""
        texts = []
        for reason in planned.reasons:
            if reason == "one_off":
                texts.append(self.tr("the acrostic is written with Write") if planned.panel_mode == "acrostic"
                             else self.tr("a new poem is written with Write"))
            elif reason == "form_mismatch":
                texts.append(self.tr("{form} does not fit this poem").format(form=self.form_text(planned.panel_form)))
            elif reason == "line_finished":
                texts.append(self.tr("this line is finished"))
        return "; ".join(texts)

    def english_form_names(self) -> dict[str, str]:
        """The English forms' names in the UI's language."""
        return {"sonnet": self.tr("Sonnet (14 lines, ABAB CDCD EFEF GG)"), "quatrain": self.tr("Quatrain (ABAB)"),
                "couplet": self.tr("Couplet (AA)"), "blank": self.tr("Blank verse (unrhymed pentameter)"),
                "limerick": self.tr("Limerick (AABBA)")}

    def form_text(self, form: str) -> str:
        if form in FIXED_FORMS:
            return FIXED_FORMS[form].short_name
        if form in ENGLISH_FORMS:
            return self.english_form_names()[form].split(" (")[0]
        if form.startswith(FREE):
            return self.tr("free verse")
        return form or self.tr("form from the first line")

    def nothing_text(self, planned: Plan) -> str:
        """The sentence for a complete poem: nothing to add here."""
        return self.tr("This {form} is complete: nothing to add here. Choose a longer form, or leave a blank "
                       "line to start a new poem.").format(form=self.form_text(planned.shown_form))

    def summary_parts(self, planned: Plan) -> list[str]:
        """The summary of a plan, without the model: what, the form, the rhymes, how it is chosen."""
        if planned.complete:
            what = self.tr("Nothing to add: this {form} is complete").format(form=self.form_text(planned.shown_form))
        else:
            if planned.first_line and planned.mode in ("line", "next", "poem"):
                what = self.tr("A whole poem") if planned.mode == "poem" else self.tr("A first line")
            else:
                what = self.mode_text(planned.mode)
            if planned.mode == "acrostic" and self.heads.text().strip():
                what += " " + "".join(self.heads.text().split())
            reason = self.reason_text(planned)
            if reason:
                what = self.tr("{what} ({why})").format(what=what, why=reason)
        parts = [what]
        if not planned.complete and (planned.shown_form or planned.language == "zh"):
            parts.append(self.form_text(planned.shown_form))
        if planned.language != "en":
            rhyme = SYSTEM_NAMES[self.rhyme_system_value]
            if not self.rhyme.isChecked():
                rhyme = self.tr("{system}, no rhyme").format(system=rhyme)
            elif self.tones.currentData() == "strict":
                rhyme = self.tr("{system}, strict tones").format(system=rhyme)
            parts.append(rhyme)
        if self.beam_radio.isChecked():
            parts.append(self.tr("beam {width} ×{n}").format(width=self.beam.value(), n=self.n_value))
        else:
            parts.append(self.tr("sampling ×{n}").format(n=self.n_value))
        return parts

    # -- translation ------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # Qt override
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
        self.keywords_label.setText(self.tr("Keywords"))
        self.keywords.setPlaceholderText(self.tr("e.g. 雁,霜: every suggestion holds them"))
        self.form_label.setText(self.tr("Form"))
        english = self.english_form_names()
        forms = [self.tr("Auto (from the text)"),
                 *(form.title() for form in FIXED_FORMS.values()),
                 *(english[name] for name in ENGLISH_FORMS),
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
        self.details_toggle.setText(self.tr("Temperature, top-k, top-p, seed"))
        self.seed_label.setText(self.tr("Seed"))
        self.fixed_seed.setText(self.tr("Fixed"))
        self.reroll.setText(self.tr("Re-roll"))
        self.reroll.setToolTip(self.tr("A new seed, and the last request again"))
        self.mode.setToolTip(self.tr("Ctrl+Enter continues the text at the cursor, as the first three modes say. "
                                     "A new poem and an acrostic are written once, with Write "
                                     "(Ctrl+Shift+Enter)."))
        self.candidates_label.setText(self.tr("Candidates"))
        self.model_box.setTitle(self.tr("Model"))
        self.generate.setText(self.tr("Write (Ctrl+Shift+Enter)"))
        self._show_model()
