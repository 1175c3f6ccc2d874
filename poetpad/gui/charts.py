"""Small helpers shared by the dialogs that draw loss charts."""

from __future__ import annotations

from PySide6.QtCharts import QChart
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication


def match_palette(chart: QChart) -> None:
    """Give `chart` the dark or light Qt Charts theme that matches the application's palette."""
    window = QApplication.palette().color(QPalette.ColorRole.Window)
    dark = window.lightness() < 128
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
    chart.setBackgroundRoundness(0)
