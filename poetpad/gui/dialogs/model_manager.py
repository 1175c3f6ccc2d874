"""The model manager: every model in the library, its details and loss history, and what can be done with it.

Listing reads every file and importing validates one by loading it, so no library call runs on
the GUI thread: ModelListWorker lists, and a LibraryTask runs import, export, rename and delete.
Both are one-shot workers (gui.workers.OneShotWorker); the dialog only reacts to their signals.
Nothing here imports torch; the workers import the library in their threads.

Each kind runs in a workers.WorkerSlot, which keeps the worker and its thread alive until it
finishes, so closing (or deleting) the dialog never destroys a running QThread. A closed dialog
stops listening to a listing in flight. ModelDetails shows the selected model's details.
"""

from __future__ import annotations

import html
import logging
import math
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from poetpad.core.units import format_bytes, format_count, format_duration
from poetpad.gui.ask import Ask
from poetpad.gui.charts import LossChart
from poetpad.gui.report import report_html
from poetpad.gui.workers import ModelListWorker, OneShotWorker, WorkerSlot

if TYPE_CHECKING:
    from poetpad.core.library import ModelInfo

log = logging.getLogger(__name__)

NAME_ROLE = Qt.ItemDataRole.UserRole + 1   # the model's name, on every cell of its row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2   # what the column sorts by (numbers sort as numbers)

(COL_NAME, COL_LANGUAGE, COL_TOKENIZER, COL_CELL, COL_PARAMETERS, COL_FILE_SIZE, COL_LOSS, COL_CREATED,
 COL_SOURCE) = range(9)

ACTIVE_MARK = "● "
MAX_SAMPLES = 6
MAX_FILES_SHOWN = 5


# -- worker threads ------------------------------------------------------------------------------

class LibraryTask(OneShotWorker):
    """One library call (import, export, rename or delete) off the GUI thread; done carries what it returned."""

    ACTIONS = ("import_model", "export_model", "rename_model", "delete_model")

    def __init__(self, action: str, *args) -> None:
        super().__init__()
        if action not in self.ACTIONS:
            raise ValueError(f"unknown library action {action!r}")
        self.action = action
        self.args = args

    def work(self):
        from poetpad.core import library

        return getattr(library, self.action)(*self.args)


# -- formatting ----------------------------------------------------------------------------------


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def _section(data, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def format_loss(loss: float | None) -> str:
    value = _number(loss)
    return "—" if value is None else f"{value:.3f}"


def created_date(created: str) -> str:
    """The date part of an ISO timestamp ("2024-01-02T03:04:05" → "2024-01-02"), or "—"."""
    if not created:
        return "—"
    try:
        return datetime.fromisoformat(created).date().isoformat()
    except ValueError:
        return created[:10]


def language_name(code: str) -> str:
    return {"zh": QCoreApplication.translate("ModelManagerDialog", "Chinese"),
            "en": QCoreApplication.translate("ModelManagerDialog", "English")}.get(code, code or "?")


def tokenizer_name(kind: str) -> str:
    return {"char": QCoreApplication.translate("ModelManagerDialog", "Characters"),
            "word": QCoreApplication.translate("ModelManagerDialog", "Words")}.get(kind, kind or "?")


# -- the details ---------------------------------------------------------------------------------


def _rows_html(title: str | None, rows: list[tuple[str, object]]) -> str:
    """A titled table of the rows that have a value ("" when none has)."""
    rows = [(label, value) for label, value in rows if value not in (None, "")]
    if not rows:
        return ""
    head = f"<h4>{html.escape(title)}</h4>" if title else ""
    return head + "<table cellspacing='2'>" + "".join(
        f"<tr><td><b>{html.escape(label)}</b>&nbsp;&nbsp;</td><td>{html.escape(str(value))}</td></tr>"
        for label, value in rows) + "</table>"


class ModelDetails(QTextBrowser):
    """One model's details: network, vocabulary, corpus, training, measured losses, what it learnt, its
    licence and samples. It shows what the listing read (ModelInfo.meta) and reads no file itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)

    def show_model(self, info: ModelInfo | None) -> None:
        if info is None:
            self.clear()
        else:
            self.setHtml(self.details_html(info))

    def details_html(self, info: ModelInfo) -> str:
        meta = info.meta if isinstance(info.meta, dict) else {}
        sections = ((None, self._model_rows(info, meta)), (self.tr("Corpus"), self._corpus_rows(meta)),
                    (self.tr("Training"), self._training_rows(meta)),
                    (self.tr("Measured losses"), self._loss_rows(meta)))
        parts = [f"<h3>{html.escape(info.name)}</h3>"]
        parts += [_rows_html(title, rows) for title, rows in sections]
        return "".join(parts + self._notes_html(meta))

    def _model_rows(self, info: ModelInfo, meta: dict) -> list[tuple[str, object]]:
        vocab = _section(meta, "vocab")
        return [
            (self.tr("Language"), language_name(info.language)),
            (self.tr("Source"), self.tr("Bundled with PoetPad") if info.bundled else self.tr("Your model")),
            (self.tr("Network"), self.tr("{cell}, {layers} layer(s) of {hidden}, {params} parameters").format(
                cell=info.cell.upper(), layers=info.layers, hidden=info.hidden, params=format_count(info.parameters))),
            (self.tr("Vocabulary"), " · ".join(str(part) for part in (
                tokenizer_name(info.tokenizer),
                self.tr("{n} tokens").format(n=f"{vocab['size']:,}") if _number(vocab.get("size")) else None,
                self.tr("min. frequency {n}").format(n=vocab["min_freq"]) if _number(vocab.get("min_freq")) else None,
            ) if part)),
            (self.tr("File"), f"{info.path} ({format_bytes(info.file_size)})"),
            (self.tr("Created"), info.created.replace("T", " ") if info.created else None),
            (self.tr("PoetPad version"), meta.get("poetpad_version")),
        ]

    def _corpus_rows(self, meta: dict) -> list[tuple[str, object]]:
        corpus = _section(meta, "corpus")
        stats = _section(corpus, "stats")
        files = corpus.get("files") if isinstance(corpus.get("files"), list) else []
        file_count = _number(corpus.get("file_count")) or len(files)
        shown = ", ".join(str(f) for f in files[:MAX_FILES_SHOWN]) + ("…" if len(files) > MAX_FILES_SHOWN else "")
        return [
            (self.tr("Name"), corpus.get("name")),
            (self.tr("Files"), f"{file_count:,}" + (f": {shown}" if shown else "") if file_count else None),
            (self.tr("Poems"), f"{stats['poems']:,}" if _number(stats.get("poems")) else None),
            (self.tr("Lines"), f"{stats['lines']:,}" if _number(stats.get("lines")) else None),
            (self.tr("Characters"), f"{stats['chars']:,}" if _number(stats.get("chars")) else None),
        ]

    def _training_rows(self, meta: dict) -> list[tuple[str, object]]:
        training = _section(meta, "training")
        seconds = _number(training.get("seconds"))
        return [
            (self.tr("Device"), training.get("device_name") or training.get("device")),
            (self.tr("Training time"), format_duration(seconds) if seconds is not None else None),
            (self.tr("Steps"), f"{training['steps']:,}" if _number(training.get("steps")) else None),
            (self.tr("Epochs"), f"{training['epochs']:g}" if _number(training.get("epochs")) else None),
            (self.tr("Stopped"), self._stopped_text(str(training["stopped"])) if training.get("stopped") else None),
            (self.tr("Best validation loss"), self._loss_text(training.get("best_valid_loss"))),
            (self.tr("Started from"), training.get("base_model")),
        ]

    def _loss_rows(self, meta: dict) -> list[tuple[str, object]]:
        losses = _section(meta, "losses")
        rows = [(self.tr("Test set"), self._loss_text(losses.get("test")))]
        benchmarks = losses.get("benchmarks") if isinstance(losses.get("benchmarks"), dict) else {}
        return rows + [(str(label), self._loss_text(value)) for label, value in sorted(benchmarks.items())]

    def _notes_html(self, meta: dict) -> list[str]:
        """What the model learnt (core.train.report.build_report, for a run of PoetPad's trainer), its
        licence, samples."""
        parts = []
        learnt = report_html(meta.get("report"), heading=False)
        if learnt:
            title = self.tr("What it learnt")
            parts.append(f"<h4>{html.escape(title)}</h4>{learnt}")
        licence = meta.get("licence") or meta.get("license")
        if isinstance(licence, str) and licence.strip():
            heading = self.tr("Licence")
            parts.append(f"<h4>{html.escape(heading)}</h4><p>{html.escape(licence)}</p>")
        samples = meta.get("samples") if isinstance(meta.get("samples"), list) else []
        texts = [s.get("text") if isinstance(s, dict) else s for s in samples]
        texts = [t for t in texts if isinstance(t, str) and t.strip()][:MAX_SAMPLES]
        if texts:
            heading = self.tr("Samples")
            parts.append(f"<h4>{html.escape(heading)}</h4>")
            parts.extend(f"<p>{html.escape(t.strip()).replace(chr(10), '<br>')}</p>" for t in texts)
        return parts

    def _stopped_text(self, reason: str) -> str:
        return {
            "completed": self.tr("ran all its epochs"),
            "early_stop": self.tr("stopped early (the validation loss stopped improving)"),
            "time_budget": self.tr("reached its time limit"),
            "cancelled": self.tr("cancelled"),
        }.get(reason, reason)

    def _loss_text(self, value) -> str | None:
        """A loss as "1.234 nats/char (1.780 bits/char)"; `value` is a number or a measure() dict."""
        if isinstance(value, dict):
            nats = _number(value.get("loss_nats_per_char"))
            bits = _number(value.get("bits_per_char"))
        else:
            nats, bits = _number(value), None
        if nats is None:
            return None
        bits = nats / math.log(2) if bits is None else bits
        return self.tr("{nats} nats/char ({bits} bits/char)").format(nats=f"{nats:.3f}", bits=f"{bits:.3f}")


# -- the dialog ----------------------------------------------------------------------------------


class ModelManagerDialog(QDialog):
    """Lists the library's models, shows one's details and loss history, and imports, exports,
    renames, deletes or chooses models."""

    model_chosen = Signal(str)        # "Use this model", or the active model renamed (its new name)
    library_changed = Signal()        # a model was imported, renamed or deleted
    active_deleted = Signal()         # the active model was deleted

    def __init__(self, active_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._active = active_name
        self._infos: dict[str, ModelInfo] = {}
        self._lister = WorkerSlot(self, "model-list", self._on_lister_done, self._on_lister_failed)
        self._tasks = WorkerSlot(self, "model-task", self._on_task_done, self._on_task_failed)
        self._task: LibraryTask | None = None   # the last task started: what its result means
        self._select_after = ""
        self._notice = ""
        self._stale = False
        self._delete_after_task = False  # closed while a task ran: deleted once it has reported
        self.setWindowTitle(self.tr("Models — PoetPad"))
        self.ask = Ask(self)  # every question and error (tests replace it)
        self._build()
        self.refresh()

    # -- public ---------------------------------------------------------------------------------

    @property
    def active_name(self) -> str:
        return self._active

    def models(self) -> list[ModelInfo]:
        """The models as last listed, in library order."""
        return list(self._infos.values())

    def is_loading(self) -> bool:
        return self._lister.busy

    def is_busy(self) -> bool:
        """True while an import, export, rename or delete is running."""
        return self._tasks.busy

    def selected_name(self) -> str:
        rows = self.table.selectionModel().selectedRows(COL_NAME)
        return str(rows[0].data(NAME_ROLE)) if rows else ""

    def select(self, name: str) -> bool:
        """Select the row of model `name`; False when it is not listed."""
        for row in range(self.model.rowCount()):
            item = self.model.item(row, COL_NAME)
            if item.data(NAME_ROLE) == name:
                index = self.proxy.mapFromSource(item.index())
                self.table.selectRow(index.row())
                self.table.scrollTo(index)
                return True
        return False

    def refresh(self, select: str = "") -> None:
        """List the library again in a worker (a listing still running is dropped); `select` names the row
        to select once it arrives."""
        self._select_after = select or self.selected_name() or self._active
        self.model.removeRows(0, self.model.rowCount())
        self._infos = {}
        self._show_details(None)
        self.status.setText(self.tr("Loading…"))
        self._lister.start(ModelListWorker(full_meta=True))
        self._update_actions()

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self._build_table()
        self.details = ModelDetails(self)
        self.loss_chart = LossChart(self, title=self.tr("Loss during training"))
        self.loss_chart.hide()

        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.details)
        lower.addWidget(self.loss_chart)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        layout.addLayout(self._build_buttons())
        self.resize(1000, 640)

    def _build_table(self) -> None:
        self.model = QStandardItemModel(0, 9, self)
        headers = [self.tr("Name"), self.tr("Language"), self.tr("Tokenizer"), self.tr("Cell / size"),
                   self.tr("Parameters"), self.tr("File size"), self.tr("Validation loss"), self.tr("Created"),
                   self.tr("Source")]
        self.model.setHorizontalHeaderLabels(headers)
        self.model.setHeaderData(COL_LOSS, Qt.Orientation.Horizontal,
                                 self.tr("Best validation loss, in nats per character (lower is better)"),
                                 Qt.ItemDataRole.ToolTipRole)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # library order until a header is clicked
        self.table.setSortingEnabled(True)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)

    def _build_buttons(self) -> QHBoxLayout:
        self.use_button = QPushButton(self.tr("Use this model"), self)
        self.use_button.setDefault(True)
        self.import_button = QPushButton(self.tr("Import…"), self)
        self.export_button = QPushButton(self.tr("Export…"), self)
        self.rename_button = QPushButton(self.tr("Rename…"), self)
        self.delete_button = QPushButton(self.tr("Delete…"), self)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.use_button.clicked.connect(self._on_use_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.import_button, self.export_button, self.rename_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        return buttons

    # -- the table ------------------------------------------------------------------------------

    def _row_items(self, info: ModelInfo) -> list[QStandardItem]:
        loss = _number(info.valid_loss)
        cells = [
            (info.name, info.name.casefold()),
            (language_name(info.language), info.language),
            (tokenizer_name(info.tokenizer), info.tokenizer),
            (f"{info.cell.upper()} {info.layers}×{info.hidden}", f"{info.cell}:{info.layers * info.hidden:012d}"),
            (format_count(info.parameters), info.parameters),
            (format_bytes(info.file_size), info.file_size),
            (format_loss(loss), math.inf if loss is None else loss),
            (created_date(info.created), info.created),
            (self.tr("Bundled") if info.bundled else self.tr("Yours"), int(not info.bundled)),
        ]
        items = []
        for text, key in cells:
            item = QStandardItem(text)
            item.setData(info.name, NAME_ROLE)
            item.setData(key, SORT_ROLE)
            items.append(item)
        for col in (COL_PARAMETERS, COL_FILE_SIZE, COL_LOSS):
            items[col].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if info.bundled:
            items[COL_SOURCE].setToolTip(self.tr("Comes with PoetPad; it cannot be renamed or deleted."))
        return items

    def _mark_active(self) -> None:
        for row in range(self.model.rowCount()):
            name = self.model.item(row, COL_NAME).data(NAME_ROLE)
            active = bool(self._active) and name == self._active
            name_item = self.model.item(row, COL_NAME)
            name_item.setText(ACTIVE_MARK + name if active else name)
            path = str(self._infos[name].path) if name in self._infos else ""
            name_item.setToolTip(self.tr("In use: {path}").format(path=path) if active else path)
            for col in range(self.model.columnCount()):
                item = self.model.item(row, col)
                font = item.font()
                font.setBold(active)
                item.setFont(font)

    def _populate(self, infos: list[ModelInfo]) -> None:
        self.model.removeRows(0, self.model.rowCount())
        self._infos = {info.name: info for info in infos}
        for info in infos:
            self.model.appendRow(self._row_items(info))
        self._mark_active()
        if not infos:
            text = self.tr("No models are installed yet: import a .poetpad file, or train a model.")
        else:
            text = self.tr("%n model(s).", "", len(infos))
        self.status.setText(f"{self._notice} {text}".strip() if self._notice else text)
        self._notice = ""
        if not (self._select_after and self.select(self._select_after)) and infos:
            self.table.selectRow(0)
        self._select_after = ""

    def _current_info(self) -> ModelInfo | None:
        return self._infos.get(self.selected_name())

    def _update_actions(self) -> None:
        info = self._current_info()
        idle = not self._tasks.busy
        self.use_button.setEnabled(info is not None and idle)
        self.export_button.setEnabled(info is not None and idle)
        self.import_button.setEnabled(idle)
        editable = info is not None and not info.bundled and idle
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        tip = self.tr("Bundled models cannot be changed; export a copy instead.") if info and info.bundled else ""
        self.rename_button.setToolTip(tip)
        self.delete_button.setToolTip(tip)

    def _show_details(self, info: ModelInfo | None) -> None:
        """The model's details, and its training and validation loss against step (the chart is hidden
        when there is no history)."""
        self.details.show_model(info)
        history = _section(info.meta if info is not None else None, "training").get("history")
        self.loss_chart.setVisible(self.loss_chart.show_history(history))

    # -- asking the user (self.ask; tests replace it) -------------------------------------------

    def _ask_open_path(self) -> str:
        return self.ask.open_file(self.tr("Import a model"), "", self.tr("PoetPad models (*.poetpad)"))

    def _ask_save_path(self, name: str) -> str:
        return self.ask.save_file(self.tr("Export “{name}”").format(name=name), f"{name}.poetpad",
                                  self.tr("PoetPad models (*.poetpad)"))[0]

    def _ask_new_name(self, old: str) -> str | None:
        return self.ask.text(self.tr("Rename model"), self.tr("New name for “{name}”:").format(name=old), old)

    def _confirm_delete(self, name: str) -> bool:
        return self.ask.confirm(
            self.tr("Delete the model “{name}”? Its file will be removed; this cannot be undone.").format(name=name),
            self.tr("Delete model"))

    # -- library tasks --------------------------------------------------------------------------

    def _run_task(self, action: str, *args, message: str) -> None:
        if self._tasks.busy:
            return
        self._task = LibraryTask(action, *args)
        self.status.setText(message)
        self._tasks.start(self._task)
        self._update_actions()

    def _on_lister_done(self, infos: list) -> None:
        self._populate(infos)
        self._update_actions()

    def _on_lister_failed(self, message: str) -> None:
        self.status.setText(message)
        self._update_actions()
        self.ask.error(message)

    def _on_task_done(self, result) -> None:
        task, self._task = self._task, None
        if task.action == "import_model":
            self._notice = self.tr("Imported “{name}”.").format(name=result.name)
            self.library_changed.emit()
            self.refresh(select=result.name)
        elif task.action == "export_model":
            self.status.setText(self.tr("Exported “{name}” to {path}.").format(name=task.args[0], path=result))
            self._update_actions()
        elif task.action == "rename_model":
            old, new = task.args[0], result.name
            self._notice = self.tr("Renamed “{old}” to “{new}”.").format(old=old, new=new)
            self.refresh(select=new)
            self.library_changed.emit()
            if old == self._active and new != old:
                self._active = new
                self._mark_active()
                self.model_chosen.emit(new)
        elif task.action == "delete_model":
            name = task.args[0]
            self._notice = self.tr("Deleted “{name}”.").format(name=name)
            self.refresh()
            self.library_changed.emit()
            if name == self._active:
                self._active = ""
                self.active_deleted.emit()
        self._delete_if_closed()

    def _on_task_failed(self, message: str) -> None:
        self._task = None
        self.status.setText(self.tr("%n model(s).", "", len(self._infos)) if not self.is_loading()
                            else self.tr("Loading…"))
        self._update_actions()
        self.ask.error(message)
        self._delete_if_closed()

    def _delete_if_closed(self) -> None:
        if self._delete_after_task and not self.isVisible():
            self._delete_after_task = False
            self.deleteLater()

    # -- slots ----------------------------------------------------------------------------------

    def _on_table_selection_changed(self, *_) -> None:
        self._show_details(self._current_info())
        self._update_actions()

    def _on_table_double_clicked(self, _index) -> None:
        if self.use_button.isEnabled():
            self._on_use_button_clicked()

    def _on_use_button_clicked(self) -> None:
        name = self.selected_name()
        if not name:
            return
        self._active = name
        self._mark_active()
        self.model_chosen.emit(name)

    def _on_import_button_clicked(self) -> None:
        path = self._ask_open_path()
        if path:
            self._run_task("import_model", path, message=self.tr("Checking and importing {file}…").format(
                file=path.replace("\\", "/").rsplit("/", 1)[-1]))

    def _on_export_button_clicked(self) -> None:
        name = self.selected_name()
        path = self._ask_save_path(name) if name else ""
        if path:
            self._run_task("export_model", name, path, message=self.tr("Exporting “{name}”…").format(name=name))

    def _on_rename_button_clicked(self) -> None:
        old = self.selected_name()
        new = self._ask_new_name(old) if old else None
        if new and new != old:
            self._run_task("rename_model", old, new, message=self.tr("Renaming “{name}”…").format(name=old))

    def _on_delete_button_clicked(self) -> None:
        name = self.selected_name()
        if name and self._confirm_delete(name):
            self._run_task("delete_model", name, message=self.tr("Deleting “{name}”…").format(name=name))

    # -- Qt overrides ---------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing stops listening to a listing in flight; a running task still reports (it changes the
        library, so library_changed must still reach the window): a dialog the window would delete on
        close lives on, hidden, until the task has reported. The threads finish on their own."""
        self._lister.drop()
        self._stale = True
        if self._tasks.busy and self.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose):
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
            self._delete_after_task = True
        super().done(result)

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        if self._delete_after_task:  # shown again before the task ended: closing deletes it as before
            self._delete_after_task = False
            self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        if self._stale:  # shown again after a close: the library may have changed meanwhile
            self._stale = False
            self.refresh()
