"""Personal models in the window: fine-tuning the bundled model by default, the end report in the training
dialog and the model manager, interrupted runs offered by name, budgets in words, wheel-safe options and a
loss chart that follows the theme."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from poetpad import paths
from poetpad.core.library import AUTO_BASE
from poetpad.gui import workers
from poetpad.gui.dialogs.training import TrainingDialog
from tests.gui.conftest import FakeAsk
from tests.helpers import chinese_quatrains, write_chinese_corpus

LONG = 120_000

REPORT = {"base_model": "chinese-classical", "held_out_loss": 4.1, "base_held_out_loss": 4.6, "uniform_loss": 9.19,
          "held_out_poems": 8, "verdict": "learnt_style", "copied_share": 0.1, "copied_lines": 2, "sample_lines": 20,
          "samples": ["春风吹柳岸，\n细雨湿花枝。"], "advice": []}


@pytest.fixture(autouse=True)
def threads_finish():
    yield
    assert workers.wait_for_threads(30_000)


@pytest.fixture
def bundled(tmp_path, monkeypatch, make_model_file):
    """A tiny Chinese model, the only bundled one."""
    folder = tmp_path / "bundled"
    make_model_file(folder / "tiny-classical.poetpad", language="zh", texts=chinese_quatrains(60, seed=3),
                    embedding=16, hidden=32)
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", str(folder))
    return folder


@pytest.fixture
def dialog(qtbot):
    made = TrainingDialog()
    made.ask = FakeAsk()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.engine_ready and made.models_ready and not made.busy, timeout=LONG)
    yield made
    if made.training:
        made._cancel()
    qtbot.waitUntil(lambda: not made.busy, timeout=LONG)


def small_job(job) -> None:
    cfg = job.config
    cfg.batch_size, cfg.seq_len = 8, 32
    cfg.samples, cfg.sample_tokens = 1, 8
    cfg.progress_interval = 0.0
    cfg.amp = False


def test_the_first_choice_adapts_the_bundled_model_and_the_report_says_what_it_learnt(bundled, dialog, qtbot,
                                                                                       tmp_path):
    from poetpad.core import library

    options, progress = dialog.options_panel, dialog.progress_panel
    assert options.base_combo.currentData() == AUTO_BASE and dialog.fine_tuning
    assert options.minutes_spin.value() == 5 and options.epochs_spin.text() == "No limit"
    dialog.add_paths([write_chinese_corpus(tmp_path / "c", n=40)])
    qtbot.waitUntil(lambda: dialog.corpus_panel.corpus is not None and not dialog.busy, timeout=LONG)
    assert options.base_combo.itemText(0) == "Adapt tiny-classical to these poems (recommended)"
    assert not options.preset_combo.isEnabled() and not options.cell_combo.isEnabled()
    hint = options.base_hint_label.text()
    assert "1,000,000 characters" in hint and "learn the language itself" in hint
    options.base_combo.setCurrentIndex(options.base_combo.count() - 1)  # from scratch: not for 960 characters
    assert options.base_combo.currentData() is None and options.preset_combo.isEnabled()
    assert options.base_hint_label.text().startswith("Not recommended for 960 characters")
    options.base_combo.setCurrentIndex(0)

    dialog.job_hook = small_job
    options.name_edit.setText("mine")
    options.epochs_spin.setValue(3)
    options.device_combo.setCurrentIndex(options.device_combo.findData("cpu"))
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=LONG)
    with qtbot.waitSignal(dialog.model_trained, timeout=LONG):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.training, timeout=LONG)

    assert "Fine-tuning tiny-classical" in progress.log_view.toPlainText()
    assert "of training or 3 epoch" in progress.log_view.toPlainText()  # "epoch(s)" until translated
    assert "Before training, the base model's loss on the held-out poems" in progress.sample_lines_view.toPlainText()
    assert progress.loss_chart.valid_series.at(0).x() == 0  # the base model's point
    report = dialog.report_view.toPlainText()
    assert dialog.report_view.isVisible()
    assert "tiny-classical, before training" in report and "Guessing at random" in report
    assert "8 of your poems it did not train on" in report
    meta = library.find("mine").meta
    assert meta["report"]["base_model"] == "tiny-classical" and dialog.ask.errors == []


def test_progress_says_what_bounds_the_run(dialog):
    from poetpad.core.train.config import StepProgress, TrainStarted

    progress = dialog.progress_panel
    started = dict(device="cpu", device_name="CPU", amp="off", parameters=1, vocab_size=10, train_tokens=100,
                   valid_tokens=10, steps_per_epoch=2, total_steps=0, epochs=None, resumed_step=40,
                   max_minutes=3.0, resumed_seconds=65.0)
    dialog._on_train_event(TrainStarted(**started))
    dialog._on_train_event(StepProgress(step=50, total_steps=0, epoch=26, epochs=None, train_loss=3.0, lr=1e-3,
                                        tokens_per_s=100.0, elapsed_s=90.0, eta_s=90.0, fraction=0.5))
    assert progress.progress_bar.format() == "50% of 3 min 00 s (step 50)"
    assert progress.epoch_label.text() == "Epoch 26"
    log = progress.log_view.toPlainText()
    assert "The run ends after 3 min 00 s of training" in log
    assert "Resumed at step 40, after 1 min 05 s of training." in log

    dialog._on_train_event(TrainStarted(**dict(started, total_steps=20, epochs=10, max_minutes=None)))
    dialog._on_train_event(StepProgress(step=5, total_steps=20, epoch=3, epochs=10, train_loss=3.0, lr=1e-3,
                                        tokens_per_s=100.0, elapsed_s=9.0, eta_s=27.0, fraction=0.25))
    assert progress.progress_bar.format() == "25% of 10 epochs (step 5 of 20)"
    assert progress.epoch_label.text() == "Epoch 3 of 10"


def test_an_interrupted_run_is_offered_by_name_with_its_poems_and_budget(qtbot, tmp_path):
    from poetpad.core.train.config import TrainConfig
    from poetpad.core.train.job import TrainJob, train_model

    corpus = write_chinese_corpus(tmp_path / "c", n=60)
    job = TrainJob(paths=[str(corpus)], name="halted", preset="seed", embedding=16, hidden=16, layers=1,
                   config=TrainConfig(max_minutes=7.0, batch_size=8, seq_len=32, device="cpu"))
    train_model(job, should_stop=lambda: True)

    made = TrainingDialog()
    options = made.options_panel
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.engine_ready and made.models_ready and not made.busy, timeout=LONG)
    assert options.runs_frame.isVisible()
    offered = options.runs_frame.combo.itemText(0)
    assert offered.startswith("halted: step 0, ") and "of 7 min" in offered
    qtbot.mouseClick(options.runs_frame.button, Qt.MouseButton.LeftButton)
    assert options.name_edit.text() == "halted" and made.paths == [str(corpus)]
    assert options.minutes_spin.value() == 7 and options.epochs_spin.value() == 0
    qtbot.waitUntil(lambda: options.resume_button.isEnabled() and not made.busy, timeout=LONG)
    assert options.resume_frame.isVisible()
    assert options.resume_label.text() == "An interrupted run of halted can be resumed."


def test_the_wheel_changes_no_option_without_focus(dialog, qtbot):
    combo = dialog.options_panel.cell_combo
    combo.clearFocus()
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    before = combo.currentIndex()
    for delta in (-120, 120, -120):
        event = QWheelEvent(QPointF(5, 5), QPointF(combo.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, delta),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == before
    spin = dialog.options_panel.minutes_spin
    event = QWheelEvent(QPointF(5, 5), QPointF(spin.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(spin, event)
    assert spin.value() == 5


def test_the_loss_chart_follows_a_dark_theme(qtbot):
    from poetpad.gui.app import dark_palette
    from poetpad.gui.charts import SERIES_COLOURS, LossChart

    app = QApplication.instance()
    light = app.palette()
    chart = LossChart()
    qtbot.addWidget(chart)
    try:
        app.setPalette(dark_palette())
        QApplication.processEvents()
        assert chart.train_series.color().name() == SERIES_COLOURS["train"][1]
        assert chart.valid_series.color().name() == SERIES_COLOURS["valid"][1]
        assert chart.chart().backgroundBrush().color().lightness() < 128
    finally:
        app.setPalette(light)
        QApplication.processEvents()
    assert chart.train_series.color().name() == SERIES_COLOURS["train"][0]


def test_the_model_manager_shows_what_a_model_learnt(qtbot, make_model_file):
    from poetpad.gui.dialogs.model_manager import ModelManagerDialog

    make_model_file(paths.user_models_dir() / "mine.poetpad", meta={"report": REPORT})
    manager = ModelManagerDialog()
    qtbot.addWidget(manager)
    qtbot.waitUntil(lambda: not manager.is_loading(), timeout=LONG)
    assert manager.select("mine")
    text = manager.details.toPlainText()
    assert "What it learnt" in text
    assert "It learnt your style: it predicts your poems 39% better per character than chinese-classical" in text
    assert "4.100 nats/char" in text and "4.600 nats/char" in text and "9.190 nats/char" in text
    assert "Lines copied from your poems: 2 of 20 (10%)" in text and "春风吹柳岸" in text
