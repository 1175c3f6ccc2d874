"""The model manager dialog: listing in a worker, details and chart, and the library actions."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from poetpad import paths
from poetpad.core.units import format_bytes, format_count
from poetpad.gui import workers
from poetpad.gui.dialogs.model_manager import COL_LOSS, COL_NAME, NAME_ROLE, ModelManagerDialog
from tests.gui.conftest import FakeAsk

HISTORY = [
    {"epoch": 1, "step": 100, "train_loss": 3.2, "valid_loss": 3.4, "seconds": 10.0},
    {"epoch": 2, "step": 200, "train_loss": 2.6, "valid_loss": 2.9, "seconds": 20.0},
    {"epoch": 3, "step": 300, "train_loss": 2.1, "valid_loss": None, "seconds": 30.0},
]


@pytest.fixture(autouse=True)
def threads_finish(monkeypatch):
    """Every worker thread a test starts has ended before the next test changes the data dir (and before
    monkeypatch undoes a patched dialog method a late signal might still call)."""
    yield
    assert workers.wait_for_threads(10_000)


@pytest.fixture
def user_model(make_model_file):
    def make(name: str, **options):
        return make_model_file(paths.user_models_dir() / f"{name}.poetpad", **options)

    return make


@pytest.fixture
def bundled_dir(tmp_path, monkeypatch, make_model_file):
    """A bundled folder holding one Chinese model, 唐诗."""
    folder = tmp_path / "bundled"
    make_model_file(folder / "唐诗.poetpad", language="zh")
    monkeypatch.setenv("POETPAD_BUNDLED_DIR", str(folder))
    return folder


@pytest.fixture
def open_dialog(qtbot):
    def make(active: str = "") -> ModelManagerDialog:
        dialog = ModelManagerDialog(active)
        dialog.ask = FakeAsk()  # answers every question; the errors it was shown are in dialog.ask.errors
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
        return dialog

    return make


def rows(dialog: ModelManagerDialog) -> dict[str, list[str]]:
    """{name: the display text of each column}, as the table shows them."""
    model = dialog.proxy
    out = {}
    for row in range(model.rowCount()):
        name = model.index(row, COL_NAME).data(NAME_ROLE)
        out[name] = [model.index(row, col).data() for col in range(model.columnCount())]
    return out


def wait_idle(qtbot, dialog: ModelManagerDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.is_busy() and not dialog.is_loading(), timeout=10_000)


def test_lists_bundled_and_user_models_with_their_columns(qtbot, bundled_dir, user_model, english_ui):
    user_model("sonnets", language="en", meta={"training": {"epochs": 1}}, hidden=24, layers=2, cell="gru")
    dialog = ModelManagerDialog()
    qtbot.addWidget(dialog)
    assert dialog.status.text() == "Loading…"  # the listing's result cannot arrive before events run
    assert dialog.proxy.rowCount() == 0
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)

    assert dialog.windowTitle() == "Models — PoetPad"
    headers = [dialog.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(dialog.proxy.columnCount())]
    assert headers == ["Name", "Language", "Tokenizer", "Cell / size", "Parameters", "File size",
                       "Validation loss", "Created", "Source"]
    table = rows(dialog)
    assert list(table) == ["唐诗", "sonnets"]  # library order: bundled first
    tang, sonnets = table["唐诗"], table["sonnets"]
    assert (tang[1], tang[2], tang[3], tang[6], tang[7], tang[8]) == \
        ("Chinese", "Characters", "LSTM 1×16", "1.250", "2024-01-02", "Bundled")
    assert (sonnets[1], sonnets[2], sonnets[3], sonnets[6], sonnets[8]) == \
        ("English", "Words", "GRU 2×24", "—", "Yours")
    infos = {info.name: info for info in dialog.models()}
    assert tang[4] == format_count(infos["唐诗"].parameters)
    assert sonnets[5].endswith(" KB") and sonnets[5] == format_bytes(infos["sonnets"].file_size)
    assert dialog.status.text() == "2 models."


def test_sorting_by_loss_puts_missing_losses_last(qtbot, user_model, open_dialog):
    user_model("a", meta={"training": {}})
    user_model("b", meta={"training": {"best_valid_loss": 2.5}})
    user_model("c", meta={"training": {"best_valid_loss": 0.75}})
    dialog = open_dialog()
    dialog.table.sortByColumn(COL_LOSS, Qt.SortOrder.AscendingOrder)
    assert [v[COL_LOSS] for v in rows(dialog).values()] == ["0.750", "2.500", "—"]


def test_the_active_model_is_marked(qtbot, user_model, open_dialog):
    user_model("one")
    user_model("two")
    dialog = open_dialog(active="two")
    table = rows(dialog)
    assert table["two"][COL_NAME] == "● two" and table["one"][COL_NAME] == "one"
    item = dialog.model.item(1, 3)
    assert item.data(NAME_ROLE) == "two" and item.font().bold()
    assert not dialog.model.item(0, 3).font().bold()
    assert dialog.selected_name() == "two"  # the active model is selected first


def test_selecting_shows_details_and_the_loss_chart(qtbot, user_model, open_dialog):
    user_model("rich", meta={
        "corpus": {"name": "chinese-poetry 1.0", "file_count": 2, "files": ["a.json", "b.json"],
                   "stats": {"poems": 1234, "chars": 56789}},
        "training": {"best_valid_loss": 2.9, "epochs": 3, "steps": 300, "seconds": 125.0,
                     "device": "cpu", "stopped": "early_stop", "history": HISTORY},
        "vocab": {"kind": "char", "size": 5000},
        "losses": {"test": {"loss_nats_per_char": 3.01, "bits_per_char": 4.34},
                   "benchmarks": {"tang300_poems": {"loss_nats_per_char": 3.5}}},
        "licence": "MIT corpus licence text",
        "samples": ["春风吹又生，\n野火烧不尽。", {"text": "明月照高楼"}],
    })
    user_model("plain")
    dialog = open_dialog()

    assert dialog.select("rich")
    text = dialog.details.toPlainText()
    for expected in ("chinese-poetry 1.0", "a.json, b.json", "1,234", "56,789", "5,000 tokens", "cpu",
                     "2 min 05 s", "300", "stopped early", "2.900 nats/char", "3.010 nats/char (4.340 bits/char)",
                     "tang300_poems", "MIT corpus licence text", "野火烧不尽", "明月照高楼"):
        assert expected in text, expected
    chart = dialog.loss_chart
    assert not chart.isHidden()
    series = chart.chart().series()
    assert [s.name() for s in series] == ["Training", "Validation"]
    assert [(p.x(), p.y()) for p in series[0].points()] == [(100, 3.2), (200, 2.6), (300, 2.1)]
    assert series[1].count() == 2  # the record without a validation loss is left out
    assert (chart.x_axis.min(), chart.x_axis.max()) == (100, 300)
    assert chart.y_axis.min() <= 2.1 and chart.y_axis.max() >= 3.4

    assert dialog.select("plain")  # minimal meta: no chart, and details still shown
    assert chart.isHidden() and chart.empty
    assert "Chinese" in dialog.details.toPlainText() and "Corpus" not in dialog.details.toPlainText()


def test_use_this_model_emits_model_chosen_and_moves_the_marker(qtbot, user_model, open_dialog):
    user_model("one")
    user_model("two")
    dialog = open_dialog(active="one")
    dialog.select("two")
    with qtbot.waitSignal(dialog.model_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["two"]
    assert dialog.active_name == "two"
    assert rows(dialog)["two"][COL_NAME] == "● two" and rows(dialog)["one"][COL_NAME] == "one"


def test_import_of_a_valid_file_adds_a_row(qtbot, tmp_path, make_model_file, open_dialog):
    source = make_model_file(tmp_path / "files" / "ballads.poetpad", language="en")
    dialog = open_dialog()
    assert rows(dialog) == {}
    dialog.ask.open_to = source
    with qtbot.waitSignal(dialog.library_changed, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    assert (paths.user_models_dir() / "ballads.poetpad").read_bytes() == source.read_bytes()
    assert list(rows(dialog)) == ["ballads"]
    assert dialog.selected_name() == "ballads"
    assert "Imported" in dialog.status.text()


def test_import_of_a_corrupt_file_shows_an_error_and_adds_nothing(qtbot, tmp_path, user_model, open_dialog):
    user_model("kept")
    garbage = tmp_path / "x.poetpad"
    garbage.write_bytes(b"\x00not a zip at all\xff" * 20)
    dialog = open_dialog()
    errors, changed = dialog.ask.errors, []
    dialog.library_changed.connect(lambda: changed.append(True))
    dialog.ask.open_to = garbage
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.is_busy() and not dialog.import_button.isEnabled()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert len(errors) == 1 and "x.poetpad is not a PoetPad model" in errors[0]
    assert "Traceback" not in errors[0]
    assert not dialog.is_busy() and dialog.import_button.isEnabled()
    assert list(rows(dialog)) == ["kept"] and changed == []
    assert sorted(p.name for p in paths.user_models_dir().iterdir()) == ["kept.poetpad"]


def test_rename_the_active_model(qtbot, user_model, open_dialog):
    user_model("draft")
    dialog = open_dialog(active="draft")
    dialog.select("draft")
    dialog.ask.answers["text"] = lambda old: f"{old} final"
    chosen = []
    dialog.model_chosen.connect(chosen.append)
    with qtbot.waitSignals([dialog.library_changed, dialog.model_chosen], timeout=10_000):
        qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert chosen == ["draft final"]
    wait_idle(qtbot, dialog)
    assert sorted(p.name for p in paths.user_models_dir().iterdir()) == ["draft final.poetpad"]
    assert rows(dialog)["draft final"][COL_NAME] == "● draft final"
    assert dialog.active_name == "draft final" and dialog.selected_name() == "draft final"


def test_rename_to_a_taken_name_shows_the_library_error(qtbot, user_model, open_dialog):
    user_model("one")
    user_model("two")
    dialog = open_dialog()
    dialog.select("one")
    errors = dialog.ask.errors
    dialog.ask.answers["text"] = "two"
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert errors == ["A model called 'two' already exists; choose another name."]
    assert sorted(p.stem for p in paths.user_models_dir().iterdir()) == ["one", "two"]


def test_delete_confirmed_removes_the_model(qtbot, user_model, open_dialog):
    user_model("old")
    user_model("other")
    dialog = open_dialog(active="old")
    dialog.select("old")
    with qtbot.waitSignals([dialog.library_changed, dialog.active_deleted], timeout=10_000):
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert len(dialog.ask.about_of("confirm")) == 1 and "Delete the model “old”?" in dialog.ask.about_of("confirm")[0]
    wait_idle(qtbot, dialog)
    assert not (paths.user_models_dir() / "old.poetpad").exists()
    assert list(rows(dialog)) == ["other"] and dialog.active_name == ""


def test_delete_declined_keeps_the_file(qtbot, user_model, open_dialog):
    path = user_model("precious")
    dialog = open_dialog()
    dialog.select("precious")
    changed = []
    dialog.library_changed.connect(lambda: changed.append(True))
    dialog.ask.answers["confirm"] = False
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "“precious”" in dialog.ask.about_of("confirm")[0] and not dialog.is_busy()
    assert path.exists() and list(rows(dialog)) == ["precious"] and changed == []


def test_bundled_rows_cannot_be_renamed_or_deleted(qtbot, bundled_dir, user_model, open_dialog):
    user_model("mine")
    dialog = open_dialog()
    dialog.select("唐诗")
    assert dialog.use_button.isEnabled() and dialog.export_button.isEnabled()
    assert not dialog.rename_button.isEnabled() and not dialog.delete_button.isEnabled()
    dialog.select("mine")
    assert dialog.rename_button.isEnabled() and dialog.delete_button.isEnabled()


def test_export_a_bundled_model(qtbot, tmp_path, bundled_dir, open_dialog):
    target = tmp_path / "out" / "copy"
    target.parent.mkdir()
    dialog = open_dialog()
    dialog.select("唐诗")
    dialog.ask.save_to = target
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog)
    exported = tmp_path / "out" / "copy.poetpad"
    assert exported.read_bytes() == (bundled_dir / "唐诗.poetpad").read_bytes()
    assert "Exported" in dialog.status.text()


def test_closing_while_listing_drops_the_result_and_lets_the_thread_finish(qtbot, user_model):
    user_model("late")
    dialog = ModelManagerDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.is_loading()
    dialog.close()
    assert not dialog.is_loading()
    assert workers.wait_for_threads(10_000)
    QCoreApplication.processEvents()
    assert dialog.proxy.rowCount() == 0  # the listing was detached: its result never reached the table
    dialog.show()  # shown again: it lists afresh
    qtbot.waitUntil(lambda: list(rows(dialog)) == ["late"], timeout=10_000)


def test_closing_during_an_import_still_tells_the_window(qtbot, tmp_path, make_model_file):
    """The window opens the manager with WA_DeleteOnClose; an import still running when it is closed must
    still announce the new model (library_changed), and the dialog goes away once it has."""
    from PySide6.QtCore import Qt

    source = make_model_file(tmp_path / "files" / "late.poetpad")
    dialog = ModelManagerDialog()
    dialog.ask = FakeAsk()
    dialog.ask.open_to = source
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    destroyed = []
    dialog.destroyed.connect(lambda: destroyed.append(True))
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    with qtbot.waitSignal(dialog.library_changed, timeout=10_000):
        dialog._on_import_button_clicked()
        dialog.close()
    assert (paths.user_models_dir() / "late.poetpad").exists()
    qtbot.waitUntil(lambda: bool(destroyed), timeout=10_000)


def test_deleting_the_dialog_during_a_task_is_safe(qtbot, tmp_path, make_model_file):
    source = make_model_file(tmp_path / "files" / "orphan.poetpad")
    dialog = ModelManagerDialog()
    qtbot.waitUntil(lambda: not dialog.is_loading(), timeout=10_000)
    dialog.ask = FakeAsk()
    dialog.ask.open_to = source
    dialog._on_import_button_clicked()
    assert dialog.is_busy()
    dialog.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # gone while the import runs
    assert workers.wait_for_threads(10_000)
    QCoreApplication.processEvents()  # the task's queued signals find no dialog, and nothing crashes
    assert (paths.user_models_dir() / "orphan.poetpad").exists()


def test_importing_the_dialog_does_not_import_torch():
    code = ("import sys; import poetpad.gui.dialogs.model_manager; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_details_never_read_a_model_file_on_the_gui_thread(qtbot, user_model, open_dialog, monkeypatch):
    """Listing skips a model's training-line fingerprint; the samples written after it in meta.json are
    read by the listing worker, not when the poet selects the model."""
    import threading

    from poetpad.core import modelfile
    from poetpad.core.verse import Fingerprint

    user_model("printed", meta={"fingerprint": Fingerprint.build(["床前明月光"] * 3).to_dict(),
                                "samples": ["举头望明月，\n低头思故乡。"]})
    on_gui_thread = []
    real = modelfile.read_metadata

    def spy(*args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(modelfile, "read_metadata", spy)
    dialog = open_dialog()
    assert dialog.select("printed")
    assert "低头思故乡" in dialog.details.toPlainText()
    assert on_gui_thread == [False]
