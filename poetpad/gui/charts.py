"""The loss chart the training dialog and the model manager share, and the palette helper it uses."""

from __future__ import annotations

import math

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QWidget

MAX_CHART_POINTS = 1000     # a live run's training series is thinned to about this many points
_MARKED_BELOW = 30          # a series with fewer points shows each one as a dot


# The series' colours, (light theme, dark theme): readable on either background, and told apart by
# people who do not see red and green apart (blue and orange).
SERIES_COLOURS = {"train": ("#1f6fb4", "#6cb6ff"), "valid": ("#d9480f", "#ffa657")}


def is_dark() -> bool:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def match_palette(chart: QChart) -> bool:
    """Give `chart` the dark or light Qt Charts theme that matches the application's palette; True when dark.

    A theme recolours the series it holds, so a chart with series must have their colours set again after."""
    dark = is_dark()
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
    chart.setBackgroundRoundness(0)
    return dark


def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


class LossChart(QChartView):
    """Training and validation loss against step.

    Live (the training dialog): reset(), set_total_steps() once the run knows it, then
    add_training()/add_validation() as points arrive; training points closer together than
    1/MAX_CHART_POINTS of the run are skipped, so a long run stays cheap to draw.
    All at once (the model manager): show_history() with a saved model's history records.
    Either way the axes rescale to the points, with round numbers on the loss axis.
    """

    def __init__(self, parent: QWidget | None = None, *, title: str = "",
                 max_points: int = MAX_CHART_POINTS) -> None:
        super().__init__(parent)
        chart = QChart()
        match_palette(chart)  # before the series: a theme recolours them
        if title:
            chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.train_series = QLineSeries()
        self.train_series.setName(self.tr("Training"))
        self.valid_series = QLineSeries()
        self.valid_series.setName(self.tr("Validation"))
        self.x_axis = QValueAxis()
        self.x_axis.setTitleText(self.tr("Step"))
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setTitleText(self.tr("Loss"))
        self.y_axis.setLabelFormat("%.2f")
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.train_series, self.valid_series):
            chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.setChart(chart)
        self._apply_colours()
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(320, 220)
        self._max_points = max(1, max_points)
        self._total_steps = 0
        self._steps: tuple[float, float] | None = None    # the lowest and highest step plotted
        self._losses: tuple[float, float] | None = None   # the lowest and highest loss plotted
        self.reset()

    def _apply_colours(self) -> None:
        """The chart's theme from the palette, then the series' own colours (the theme would pick its own)."""
        dark = match_palette(self.chart())
        for key, series in (("train", self.train_series), ("valid", self.valid_series)):
            colour = QColor(SERIES_COLOURS[key][1 if dark else 0])
            pen = QPen(colour)
            pen.setWidthF(2.0)
            series.setPen(pen)
            series.setColor(colour)
            series.setPointsVisible(series.count() < _MARKED_BELOW)

    def changeEvent(self, event) -> None:  # Qt override
        """The theme changed (View → Theme): the chart follows it, whatever was drawn before."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_colours()
        super().changeEvent(event)

    # -- live -------------------------------------------------------------------------------------

    def reset(self) -> None:
        """No points, and the empty axes of a run that has not started."""
        self.train_series.clear()
        self.valid_series.clear()
        self._total_steps = 0
        self._steps = self._losses = None
        for series in (self.train_series, self.valid_series):
            self._series_changed(series)
        self.x_axis.setRange(0, 100)  # whole steps: a 0–1 range would label every tick "0"
        self.y_axis.setRange(0, 1)

    def set_total_steps(self, total: int) -> None:
        """The run's length: the step axis spans it, and it sets how far apart training points are kept."""
        self._total_steps = max(0, int(total))
        self._rescale()

    def add_training(self, step: float, loss: float) -> bool:
        """Plot a training loss; False when it was skipped (not finite, or too close to the last point)."""
        series = self.train_series
        if _finite(loss) is None:
            return False
        count = series.count()
        if count and step - series.at(count - 1).x() < self._total_steps / self._max_points:
            return False
        self._add(series, step, loss)
        return True

    def add_validation(self, step: float, loss: float) -> bool:
        """Plot a validation loss (one an evaluation); False when it is not finite."""
        if _finite(loss) is None:
            return False
        self._add(self.valid_series, step, loss)
        return True

    # -- all at once ------------------------------------------------------------------------------

    def show_history(self, history) -> bool:
        """Plot a saved model's training history ([{"step", "train_loss", "valid_loss"}, …]; records or
        values that are missing or not numbers are left out). True when there was anything to plot."""
        self.reset()
        train: list[tuple[float, float]] = []
        valid: list[tuple[float, float]] = []
        for record in history if isinstance(history, list) else []:
            step = _finite(record.get("step")) if isinstance(record, dict) else None
            if step is None:
                continue
            for key, points in (("train_loss", train), ("valid_loss", valid)):
                loss = _finite(record.get(key))
                if loss is not None:
                    points.append((step, loss))
        for series, points in ((self.train_series, train), (self.valid_series, valid)):
            if points:
                series.replace([QPointF(x, y) for x, y in points])
                self._extend(points)
                self._series_changed(series)
        self._rescale()
        return bool(train or valid)

    @property
    def empty(self) -> bool:
        return self.train_series.count() == 0 and self.valid_series.count() == 0

    # -- inside -----------------------------------------------------------------------------------

    def _add(self, series: QLineSeries, step: float, loss: float) -> None:
        series.append(step, loss)
        self._extend([(step, loss)])
        if series.count() in (1, _MARKED_BELOW):
            self._series_changed(series)
        self._rescale()

    def _extend(self, points: list[tuple[float, float]]) -> None:
        steps = [x for x, _ in points] + list(self._steps or ())
        losses = [y for _, y in points] + list(self._losses or ())
        self._steps = (min(steps), max(steps))
        self._losses = (min(losses), max(losses))

    def _series_changed(self, series: QLineSeries) -> None:
        """Dots while a series has few points; its legend entry only once it has any."""
        count = series.count()
        series.setPointsVisible(count < _MARKED_BELOW)
        for marker in self.chart().legend().markers(series):
            marker.setVisible(count > 0)

    def _rescale(self) -> None:
        if self._steps is not None:
            first, last = self._steps
            if self._total_steps:  # a live run: from 0 to its end (or beyond, should it overrun)
                self.x_axis.setRange(0, max(self._total_steps, last))
            else:
                self.x_axis.setRange(first, last if last > first else first + 1)
        elif self._total_steps:
            self.x_axis.setRange(0, self._total_steps)
        if self._losses is not None:
            low, high = self._losses
            pad = max(0.05, (high - low) * 0.1)
            self.y_axis.setRange(max(0.0, low - pad), high + pad)
            self.y_axis.applyNiceNumbers()
