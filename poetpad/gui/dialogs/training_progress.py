"""The training dialog's progress panel: the loss chart, how far the run is, sample lines and notes.

It shows core.train's events (TrainStarted, StepProgress, EvalDone, Checkpointed, Note, TrainFinished)
as the dialog passes them on; what ends the run (a time budget, a number of epochs or both) is said
in words from the TrainStarted event.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

from poetpad.core.units import format_duration
from poetpad.gui.charts import LossChart
from poetpad.gui.dialogs.training_options import softmax_name


class ProgressPanel(QGroupBox):
    """A running training's progress: loss chart, progress bar, epoch, speed and time left, what the run
    uses, the lines the model writes after each epoch, and notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Progress"))
        self._bound = ("time", None, None)   # what bounds the running run: (kind, epochs, max_minutes)
        self._build()

    def _build(self) -> None:
        self.loss_chart = LossChart()
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

        layout = QVBoxLayout(self)
        layout.addWidget(self.loss_chart, 2)
        layout.addWidget(self.progress_bar)
        layout.addLayout(figures)
        layout.addWidget(self.run_label)
        layout.addWidget(QLabel(self.tr("Sample lines:")))
        layout.addWidget(self.sample_lines_view, 1)
        layout.addWidget(QLabel(self.tr("Notes:")))
        layout.addWidget(self.log_view)

    def reset(self) -> None:
        """Clear everything for a new run."""
        self.loss_chart.reset()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(self.tr("Starting…"))
        for label in (self.eta_label, self.speed_label, self.epoch_label, self.run_label):
            label.clear()
        self.sample_lines_view.clear()
        self.log_view.clear()

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    # -- the events --------------------------------------------------------------------------

    def show_started(self, event) -> None:
        self._bound = (event.bound, event.epochs, event.max_minutes)
        self.loss_chart.set_total_steps(event.total_steps)
        self.epoch_label.setText(self._epoch_text(event.resumed_step // max(1, event.steps_per_epoch) + 1))
        self.log(self._bound_text())
        self.log(self.tr("Training on {device}: {params:,} parameters, {vocab:,} tokens in the vocabulary, "
                         "{tokens:,} tokens of text, {steps:,} steps.").format(
            device=event.device_name, params=event.parameters, vocab=event.vocab_size, tokens=event.train_tokens,
            steps=event.total_steps))
        softmax = softmax_name(event.softmax)
        self.run_label.setText(self.tr("Using: {device}, {precision}, {softmax}").format(
            device=event.device_name, precision=event.precision, softmax=softmax))
        self.log(self.tr("Precision {precision}, {softmax}, %n CPU thread(s).", "", event.threads).format(
            precision=event.precision, softmax=softmax))
        if event.resumed_step:
            self.log(self.tr("Resumed at step {step:,}, after {duration} of training.").format(
                step=event.resumed_step, duration=format_duration(event.resumed_seconds)))

    def show_step(self, event) -> None:
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
        self.eta_label.setText(self.eta_text(event.eta_s))
        self.speed_label.setText(self.tr("{rate:,.0f} tokens/s").format(rate=event.tokens_per_s))
        self.epoch_label.setText(self._epoch_text(event.epoch))
        self.loss_chart.add_training(event.step, event.train_loss)  # it keeps about MAX_CHART_POINTS of them

    def show_eval(self, event) -> None:
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

    def show_checkpoint(self, event) -> None:
        self.log(self.tr("Checkpoint saved at step {step:,}.").format(step=event.step))

    def show_note(self, event) -> None:
        self.log(event.text)

    def show_finished(self, event) -> None:
        reasons = {"completed": self.tr("Finished all epochs."),
                   "early_stop": self.tr("Stopped early: the validation loss stopped improving."),
                   "time_budget": self.tr("Stopped at the time budget."),
                   "cancelled": self.tr("Stopped at your request.")}
        self.log(reasons.get(event.reason, event.reason))
        self.eta_label.clear()
        if event.reason != "cancelled":
            self.progress_bar.setValue(1000)

    # -- in words ----------------------------------------------------------------------------

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

    def eta_text(self, seconds: float) -> str:
        """The time left, in words ("" when not known)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return ""
        return self.tr("about {duration} left").format(duration=format_duration(seconds))
