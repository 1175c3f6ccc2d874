"""The training dialog: corpus preview, name checks, a tiny run to the end, pause/resume/cancel and resume."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from poetpad.core.corpus import load_corpus
from poetpad.core.library import AUTO_BASE
from poetpad.gui.dialogs.training import TrainingDialog
from tests.conftest import REPO_ROOT
from tests.gui.conftest import FakeAsk
from tests.helpers import write_chinese_corpus

LONG = 120_000  # ms; the machine may be busy with other training runs


@pytest.fixture
def make_dialog(qtbot):
    """make_dialog() → a shown TrainingDialog whose engine has loaded and which has listed the models.

    Its questions go to a FakeAsk (`dialog.ask`): `dialog.ask.errors` collects the errors shown, and
    `dialog.ask.about_of("confirm")` the yes-or-no questions (answered yes unless a test changes
    `dialog.ask.answers["confirm"]`).
    """
    made: list[TrainingDialog] = []

    def make() -> TrainingDialog:
        dialog = TrainingDialog()
        dialog.ask = FakeAsk()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.engine_ready and dialog.models_ready, timeout=LONG)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        if dialog.training:
            dialog._cancel()
        qtbot.waitUntil(lambda d=dialog: not d.busy, timeout=LONG)


@pytest.fixture
def library_reads_on_the_gui_thread(monkeypatch) -> list[str]:
    """The library functions that looked at the model files from the GUI thread (none should)."""
    from poetpad.core import library

    seen: list[str] = []
    for name in ("_files", "list_models", "exists", "find"):
        real = getattr(library, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            if threading.current_thread() is threading.main_thread():
                seen.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(library, name, spy)
    return seen


def shrink(jobs: list):
    """A job_hook that records each job and makes its model and batches tiny."""

    def hook(job) -> None:
        jobs.append(job)
        job.embedding = job.hidden = 16
        job.layers = 1
        cfg = job.config
        cfg.batch_size, cfg.seq_len = 8, 32
        cfg.samples, cfg.sample_tokens = 1, 8
        cfg.progress_interval = 0.0
        cfg.amp = False

    return hook


def wait_preview(qtbot, dialog: TrainingDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and (dialog.corpus_panel.corpus is not None or bool(dialog.ask.errors)),
                    timeout=LONG)


def test_preview_shows_the_stats_forms_samples_and_small_corpus_warning(make_dialog, qtbot, tmp_path):
    path = write_chinese_corpus(tmp_path / "poems", n=60)
    expected = load_corpus([str(path)]).stats
    dialog = make_dialog()
    corpus_panel = dialog.corpus_panel
    dialog.add_paths([path])
    assert corpus_panel.path_list.count() == 1
    wait_preview(qtbot, dialog)
    assert dialog.ask.errors == []
    assert corpus_panel.stat_labels["poems"].text() == f"{expected.poems:,}" == "60"
    assert corpus_panel.stat_labels["lines"].text() == f"{expected.lines:,}"
    assert corpus_panel.stat_labels["chars"].text() == f"{expected.chars:,}"
    assert corpus_panel.stat_labels["distinct"].text() == f"{expected.distinct_chars:,}"
    assert corpus_panel.stat_labels["language"].text() == "Chinese"
    assert corpus_panel.stat_labels["files"].text() == "1"
    assert "五言绝句 (5×4)" in corpus_panel.forms_label.text() and "60" in corpus_panel.forms_label.text()
    assert corpus_panel.warnings_label.isVisible()
    assert "Small corpus" in corpus_panel.warnings_label.text()
    samples = corpus_panel.samples_view.toPlainText()
    assert samples and all(line in path.read_text(encoding="utf-8").replace("\n", "")
                           for line in samples.split("\n") if line)
    assert corpus_panel.corpus.stats.poems == 60  # kept for the TrainWorker

    dialog.remove_paths([str(path)])
    assert corpus_panel.path_list.count() == 0 and corpus_panel.corpus is None
    assert corpus_panel.stat_labels["poems"].text() == "–" and not corpus_panel.warnings_label.isVisible()
    assert not dialog.start_button.isEnabled()


def test_a_drop_while_reading_supersedes_the_older_preview(make_dialog, qtbot, tmp_path):
    first = write_chinese_corpus(tmp_path / "a", n=60, seed=1)
    folder = tmp_path / "b"
    write_chinese_corpus(folder, n=30, seed=2)
    dialog = make_dialog()
    corpus_panel = dialog.corpus_panel
    shown: list[int] = []
    show = corpus_panel._show_preview
    corpus_panel._show_preview = lambda summary: (shown.append(summary["poems"]), show(summary))
    dialog.add_paths([first])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    dialog.dropEvent(drop)  # before the first preview's result can arrive
    assert dialog.paths == [str(first), str(folder)]
    web = QMimeData()
    web.setUrls([QUrl("https://example.org/poems.txt")])
    ignored = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, web, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier)
    dialog.dropEvent(ignored)
    assert not ignored.isAccepted() and len(dialog.paths) == 2
    wait_preview(qtbot, dialog)
    assert shown == [90]  # the 60-poem preview was dropped, not shown
    assert corpus_panel.stat_labels["poems"].text() == "90" and corpus_panel.stat_labels["files"].text() == "2"

    corpus_panel.simplify_check.setChecked(True)  # the option reads the corpus again
    assert corpus_panel.corpus is None
    wait_preview(qtbot, dialog)
    assert shown == [90, 90] and dialog.build_job().simplify is True


def test_the_add_buttons_ask_through_the_dialog_s_ask(make_dialog, qtbot, tmp_path):
    dialog = make_dialog()
    panel = dialog.corpus_panel
    poems = write_chinese_corpus(tmp_path / "one", n=20)
    folder = write_chinese_corpus(tmp_path / "two", n=20, seed=3).parent
    dialog.ask.open_to = poems
    qtbot.mouseClick(panel.add_files_button, Qt.MouseButton.LeftButton)
    dialog.ask.folder_to = folder
    qtbot.mouseClick(panel.add_folder_button, Qt.MouseButton.LeftButton)
    dialog.ask.folder_to = ""  # cancelled: nothing added
    qtbot.mouseClick(panel.add_folder_button, Qt.MouseButton.LeftButton)
    assert dialog.paths == [str(poems), str(folder)]


def test_an_unreadable_corpus_shows_an_error_and_blocks_start(make_dialog, qtbot, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    dialog = make_dialog()
    corpus_panel = dialog.corpus_panel
    dialog.options_panel.name_edit.setText("fine")
    dialog.add_paths([bad])
    wait_preview(qtbot, dialog)
    assert len(dialog.ask.errors) == 1 and "bad.txt looks like a binary file" in dialog.ask.errors[0]
    assert corpus_panel.corpus_error_label.isVisible()
    assert corpus_panel.corpus_error_label.text() == dialog.ask.errors[0]
    assert corpus_panel.corpus is None and not dialog.start_button.isEnabled()

    empty = tmp_path / "empty"
    empty.mkdir()
    dialog.remove_paths([str(bad)])
    dialog.add_paths([empty])
    qtbot.waitUntil(lambda: len(dialog.ask.errors) == 2, timeout=LONG)
    assert "No .txt, .md or chinese-poetry .json files" in dialog.ask.errors[1]
    assert not dialog.start_button.isEnabled()


def test_an_invalid_or_taken_name_disables_start(make_dialog, make_model_file, qtbot, tmp_path,
                                                 library_reads_on_the_gui_thread):
    from poetpad.core import library

    make_model_file(library.user_path("taken"))
    dialog = make_dialog()
    options = dialog.options_panel
    dialog.add_paths([write_chinese_corpus(tmp_path / "c", n=60)])
    wait_preview(qtbot, dialog)
    assert not dialog.start_button.isEnabled()  # no name yet
    assert "name" in dialog.status_label.text()

    options.name_edit.setText("bad/name")
    assert options.name_error_label.isVisible()
    assert "'bad/name' is not a usable model name" in options.name_error_label.text()
    assert not dialog.start_button.isEnabled()

    options.name_edit.setText("taken")
    assert "A model called 'taken' already exists" in options.name_error_label.text()
    assert not dialog.start_button.isEnabled()

    options.name_edit.setText("fresh one")
    assert not options.name_error_label.isVisible() and not options.resume_frame.isVisible()
    assert dialog.start_button.isEnabled() and dialog.status_label.text() == ""
    assert library_reads_on_the_gui_thread == []  # the names were checked against the worker's listing


def test_start_waits_for_the_model_listing(qtbot, tmp_path, make_model_file):
    from poetpad.core import library

    make_model_file(library.user_path("taken"))
    dialog = TrainingDialog()
    options = dialog.options_panel
    qtbot.addWidget(dialog)
    # Nothing a worker sends can arrive before the event loop runs: the chooser says it is loading.
    assert not dialog.models_ready
    assert [options.base_combo.itemText(i) for i in range(options.base_combo.count())] == \
        ["Adapt the bundled model of the poems' language (recommended)", "loading…",
         "None: train a new model from scratch"]
    assert not options.base_combo.model().item(1).isEnabled()
    qtbot.waitUntil(lambda: dialog.engine_ready and dialog.models_ready and not dialog.busy, timeout=LONG)
    assert [options.base_combo.itemText(i) for i in range(options.base_combo.count())] == \
        ["Adapt the bundled model of the poems' language (recommended)", "taken (Chinese)",
         "None: train a new model from scratch"]
    options.name_edit.setText("taken")
    assert "A model called 'taken' already exists" in options.name_error_label.text()


def test_the_option_widgets_offer_what_the_training_options_declare(make_dialog):
    from poetpad.core.train.config import OPTIONS

    options = make_dialog().options_panel
    for name, combo in (("preset", options.preset_combo), ("tokenizer", options.tokenizer_combo),
                        ("cell", options.cell_combo), ("device", options.device_combo),
                        ("precision", options.precision_combo), ("softmax", options.softmax_combo)):
        assert [combo.itemData(i) for i in range(combo.count())] == list(OPTIONS[name].choices), name
        if OPTIONS[name].default is not None:
            assert combo.currentData() == OPTIONS[name].default, name
    minutes = OPTIONS["max_minutes"]
    assert (options.minutes_spin.minimum(), options.minutes_spin.maximum(), options.minutes_spin.value()) == \
        (minutes.low, minutes.high, minutes.default)
    assert (options.epochs_spin.minimum(), options.epochs_spin.maximum()) == (0, OPTIONS["epochs"].high)


def test_the_dialog_offers_presets_and_fine_tuning(make_dialog, make_model_file):
    from poetpad.core import library
    from poetpad.core.model import PRESETS

    make_model_file(library.user_path("base-a"), language="zh")
    make_model_file(library.user_path("base-b"), language="en")
    dialog = make_dialog()
    options, progress = dialog.options_panel, dialog.progress_panel
    assert [options.preset_combo.itemData(i) for i in range(options.preset_combo.count())] == list(PRESETS)
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("medium"))
    medium = PRESETS["medium"]
    assert f"{medium['layers']} layers of {medium['hidden']}" in options.preset_label.text()
    assert [options.base_combo.itemData(i) for i in range(options.base_combo.count())] == \
        [AUTO_BASE, "base-a", "base-b", None]
    assert [options.base_combo.itemText(i) for i in (1, 2)] == ["base-a (Chinese)", "base-b (English)"]
    options.base_combo.setCurrentIndex(2)
    assert not options.preset_combo.isEnabled() and not options.cell_combo.isEnabled()
    options.name_edit.setText("tuned")
    options.minutes_spin.setValue(5)
    options.device_combo.setCurrentIndex(options.device_combo.findData("cpu"))
    job = dialog.build_job()
    assert (job.name, job.base_model, job.cell, job.resume) == ("tuned", "base-b", None, False)
    assert (job.config.max_minutes, job.config.device, job.config.epochs, job.config.lr) == (5.0, "cpu", None, None)
    assert options.gpu_label.text().startswith("GPU: ")
    assert progress.eta_text(185) == "about 3 min 05 s left" and progress.eta_text(7620) == "about 2 h 07 min left"
    assert progress.eta_text(float("inf")) == progress.eta_text(0) == ""


def test_opening_the_dialog_leaves_torch_to_a_worker_thread():
    code = textwrap.dedent("""
        import sys
        import threading
        on_main = []

        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name == "torch":
                    on_main.append(threading.current_thread() is threading.main_thread())

        sys.meta_path.insert(0, Spy())
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from poetpad.gui.dialogs.training import TrainingDialog
        dialog = TrainingDialog()
        timer = QTimer()
        timer.timeout.connect(lambda: app.quit() if not dialog.busy else None)
        timer.start(20)
        app.exec()
        assert dialog.engine_ready, dialog.options_panel.engine_error
        print("torch imported on the main thread:", on_main)
        assert on_main == [False], on_main
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_tiny_model_trains_to_the_end(make_dialog, qtbot, tmp_path):
    from poetpad.core import library
    from poetpad.core.train.checkpoint import has_checkpoint

    jobs: list = []
    dialog = make_dialog()
    options, progress = dialog.options_panel, dialog.progress_panel
    dialog.job_hook = shrink(jobs)
    dialog.add_paths([write_chinese_corpus(tmp_path / "c", n=200)])
    options.name_edit.setText("tiny")
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("seed"))
    options.epochs_spin.setValue(2)
    options.device_combo.setCurrentIndex(options.device_combo.findData("cpu"))
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=LONG)

    with qtbot.waitSignal(dialog.model_trained, timeout=LONG) as trained:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.training and not options.name_edit.isEnabled()
        assert not dialog.corpus_panel.add_files_button.isEnabled()
    assert trained.args == ["tiny"]
    qtbot.waitUntil(lambda: not dialog.training, timeout=LONG)

    job = jobs[0]
    # The automatic base, with no bundled model here: a new model, trained from scratch.
    assert (job.name, job.preset, job.tokenizer, job.resume, job.base_model) == \
        ("tiny", "seed", "char", False, AUTO_BASE)
    assert (job.config.epochs, job.config.device, job.config.max_minutes) == (2, "cpu", 5.0)
    chart = progress.loss_chart
    assert chart.train_series.count() >= 1
    assert chart.valid_series.count() == 2  # one validation per epoch
    assert chart.y_axis.min() <= chart.valid_series.at(1).y() <= chart.y_axis.max()
    assert chart.x_axis.min() == 0 and chart.x_axis.max() >= chart.valid_series.at(1).x()
    assert progress.progress_bar.value() == 1000
    assert progress.speed_label.text().endswith("tokens/s") and progress.epoch_label.text().startswith("Epoch ")
    assert "Epoch 2, validation loss" in progress.sample_lines_view.toPlainText()
    assert "Training on CPU" in progress.log_view.toPlainText()
    assert "The corpus is small" in progress.log_view.toPlainText()  # a Note event
    assert dialog.result_label.text().startswith("Saved model tiny (validation loss ")
    assert dialog.ask.errors == []
    assert library.find("tiny").name == "tiny" and not has_checkpoint("tiny")
    assert options.name_edit.isEnabled() and not dialog.start_button.isEnabled()  # the name is taken now
    assert not options.name_error_label.isVisible()  # no warning about the model just saved …
    assert dialog.status_label.text() == "Saved. To train another model, choose a new name."  # … but what to do
    report = dialog.report_view.toPlainText()
    assert dialog.report_view.isVisible() and "What the model learnt" in report and "Guessing at random" in report
    assert "Lines copied from your poems" in report and "Poems it wrote" in report
    qtbot.waitUntil(lambda: options.base_combo.findData("tiny") > 0, timeout=LONG)  # listed again: it can be tuned

    assert dialog.use_button.isVisible()
    with qtbot.waitSignal(dialog.use_model, timeout=5000) as used:
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert used.args == ["tiny"] and not dialog.isVisible()


def test_pause_resume_cancel_then_resume_from_a_new_dialog(make_dialog, qtbot, tmp_path):
    from poetpad.core.train.checkpoint import has_checkpoint

    corpus = write_chinese_corpus(tmp_path / "c", n=200)
    jobs: list = []
    dialog = make_dialog()
    options, progress = dialog.options_panel, dialog.progress_panel
    dialog.job_hook = shrink(jobs)
    dialog.add_paths([corpus])
    options.name_edit.setText("run")
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("seed"))
    options.epochs_spin.setValue(1000)  # far longer than the test lets it run
    options.device_combo.setCurrentIndex(options.device_combo.findData("cpu"))
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=LONG)

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.pause_button, Qt.MouseButton.LeftButton)  # paused before the first step
    assert dialog.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Paused"), timeout=LONG)
    assert has_checkpoint("run")  # a pause saves one
    assert progress.loss_chart.empty

    qtbot.mouseClick(dialog.pause_button, Qt.MouseButton.LeftButton)
    assert dialog.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: progress.loss_chart.train_series.count() > 0, timeout=LONG)
    assert dialog.status_label.text() == "Training run…"

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert "resume it later" in dialog.status_label.text()
    qtbot.waitUntil(lambda: not dialog.training, timeout=LONG)
    assert "was stopped" in dialog.result_label.text() and "resume" in dialog.result_label.text()
    assert dialog.ask.errors == [] and not dialog.use_button.isVisible()
    assert has_checkpoint("run")
    assert options.resume_frame.isVisible() and not dialog.start_button.isEnabled()
    dialog.close()

    again = make_dialog()
    again_options = again.options_panel
    again.job_hook = shrink(jobs)
    again_options.name_edit.setText("run")
    assert again_options.resume_frame.isVisible()
    assert again_options.resume_label.text() == "An interrupted run of run can be resumed."
    assert not again_options.resume_button.isEnabled()  # no corpus yet
    again.add_paths([corpus])
    qtbot.waitUntil(again_options.resume_button.isEnabled, timeout=LONG)
    assert not again.start_button.isEnabled()
    qtbot.mouseClick(again_options.resume_button, Qt.MouseButton.LeftButton)
    assert jobs[-1].resume is True and again.training

    again.ask.answers["confirm"] = False  # closing while training asks first; "no" keeps it training
    again.close()
    assert again.ask.about_of("confirm") and "Stop it?" in again.ask.about_of("confirm")[0]
    assert again.isVisible() and again.training
    again.ask.answers["confirm"] = True
    again.close()
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=LONG)
    assert not again.training
    qtbot.waitUntil(lambda: not again.busy, timeout=LONG)  # the interrupted runs are listed again
    assert has_checkpoint("run") and again.ask.errors == []
    assert "Resumed at step" in again.progress_panel.log_view.toPlainText()

    third = make_dialog()
    third_options = third.options_panel
    third.job_hook = shrink(jobs)
    third_options.name_edit.setText("run")
    assert third_options.resume_frame.isVisible()
    third.add_paths([write_chinese_corpus(tmp_path / "other", n=200, seed=5)])
    qtbot.waitUntil(third_options.resume_button.isEnabled, timeout=LONG)
    qtbot.mouseClick(third_options.resume_button, Qt.MouseButton.LeftButton)  # a different corpus cannot resume
    qtbot.waitUntil(lambda: not third.training, timeout=LONG)
    assert len(third.ask.errors) == 1 and "The corpus changed since the interrupted run" in third.ask.errors[0]
    assert third.result_label.text() == third.ask.errors[0]
    assert third_options.name_edit.isEnabled() and third_options.resume_button.isEnabled()
    assert third.corpus_panel.add_files_button.isEnabled()
    qtbot.mouseClick(third_options.discard_button, Qt.MouseButton.LeftButton)
    assert "Discard the interrupted run of run?" in third.ask.about_of("confirm")[0]
    assert not has_checkpoint("run") and not third_options.resume_frame.isVisible()


def test_the_dialog_offers_the_fast_defaults_and_says_what_it_uses(make_dialog, qtbot, tmp_path):
    from poetpad.core.cpu import cpu_bf16
    from poetpad.core.device import default_threads

    dialog = make_dialog()
    options, progress = dialog.options_panel, dialog.progress_panel
    assert options.precision_combo.currentData() == "auto" and options.softmax_combo.currentData() == "auto"
    threads = default_threads()
    cpu_precision = "bf16" if cpu_bf16() else "fp32"
    options.device_combo.setCurrentIndex(options.device_combo.findData("cpu"))
    info = options.speed_info_label.text()
    assert f"the CPU, {threads} thread" in info and f"in {cpu_precision}" in info
    assert "adaptive softmax from 2,000 tokens" in info  # no corpus yet
    bf16 = options.precision_combo.model().item(options.precision_combo.findData("bf16"))
    assert bf16.isEnabled() == bool(cpu_bf16() or options.engine["gpu"])  # never emulated
    options.precision_combo.setCurrentIndex(options.precision_combo.findData("fp32"))
    assert "in fp32" in options.speed_info_label.text()
    options.softmax_combo.setCurrentIndex(options.softmax_combo.findData("adaptive"))
    options.name_edit.setText("fast")
    job = dialog.build_job()
    assert job.softmax == "adaptive" and job.config.precision == "fp32" and job.config.threads is None

    options.softmax_combo.setCurrentIndex(options.softmax_combo.findData("auto"))
    dialog.add_paths([write_chinese_corpus(tmp_path / "c", n=200)])
    wait_preview(qtbot, dialog)
    assert options.speed_info_label.text().endswith("output layer: full softmax.")  # 40-odd characters

    jobs: list = []
    dialog.job_hook = shrink(jobs)
    options.preset_combo.setCurrentIndex(options.preset_combo.findData("seed"))
    options.epochs_spin.setValue(1)
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=LONG)
    with qtbot.waitSignal(dialog.model_trained, timeout=LONG):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.training, timeout=LONG)
    used = progress.run_label.text()
    assert used.startswith("Using: CPU (") and "thread" in used and "fp32, full softmax" in used  # shrink: no amp
    assert f"Precision fp32, full softmax, {threads} CPU thread" in progress.log_view.toPlainText()
