"""Charts as SVG drawn on the server with pygal, from the same tables the pages show.

pygal links a tooltip script on an outside host unless told `js=[]`, and still embeds a small config <script>:
we drop it (an <img> never runs scripts anyway, and the SVG must stand alone). Labels stay real <text>, so the
browser shapes Devanagari. Pages show each chart with <img src> from our own route, which keeps the SVG's own
<style> block out of the page's Content-Security-Policy.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pygal
from pygal.style import Style

from helpdesk.reports.tables import ReportTable
from helpdesk.templating import group_indian

WIDTH, HEIGHT = 720, 320
STYLE = Style(
    font_family="system-ui, 'Noto Sans', 'Noto Sans Devanagari', 'Segoe UI', sans-serif",
    background="#ffffff", plot_background="#ffffff", foreground="#1d232b", foreground_strong="#1d232b",
    foreground_subtle="#5c6672", colors=("#1f5fbf", "#3ba776", "#d6a23b", "#9a6bd6", "#b3261e", "#5c6672"),
    label_font_size=11, major_label_font_size=11, legend_font_size=12, title_font_size=14,
)
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
MAX_LABELS = 40  # more x labels than this are thinned out (every n-th shown)


def _base(kind, title: str, **options):
    chart = kind(js=[], style=STYLE, width=WIDTH, height=HEIGHT, title=title, disable_xml_declaration=False,
                 legend_at_bottom=True, truncate_label=40, print_values=False, show_minor_x_labels=False,
                 x_label_rotation=30, **options)
    return chart


def _column(table: ReportTable, key: str) -> list:
    index = [column.key for column in table.columns].index(key)
    return [row[index] for row in table.rows]


def _labels(values: list) -> list[str]:
    return [value.strftime("%d %b") if hasattr(value, "strftime") else str(value) for value in values]


def _thin(chart, labels: list[str]) -> None:
    chart.x_labels = labels
    if len(labels) > MAX_LABELS:
        step = -(-len(labels) // MAX_LABELS)
        chart.x_labels_major = labels[::step]


def _rupees(values: list) -> list[float | None]:
    return [None if value is None else round(value / 100) for value in values]


def _rupee_label(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}₹{group_indian(str(int(abs(value))))}"


def _count_label(value: float) -> str:
    return f"{value:,.0f}"


def _created_solved(table: ReportTable):
    # Lines, not bars: the backlog (right-hand axis) is on another scale than a day's tickets.
    chart = _base(pygal.Line, table.title, value_formatter=_count_label, show_dots=len(table.rows) <= 60)
    _thin(chart, _labels(_column(table, "day")))
    chart.add("Created", _column(table, "created"))
    chart.add("Solved", _column(table, "solved"))
    chart.add("Backlog", _column(table, "backlog"), secondary=True)
    return chart


def _hbar(key: str, value: str, series: str, *, money: bool = False, limit: int = 12):
    def draw(table: ReportTable):
        chart = _base(pygal.HorizontalBar, table.title, show_legend=False,
                      value_formatter=_rupee_label if money else _count_label)
        labels, values = _column(table, key)[:limit], _column(table, value)[:limit]
        chart.x_labels = [str(label) for label in labels][::-1]
        values = _rupees(values) if money else values
        chart.add(series, values[::-1])
        return chart
    return draw


def _bars(key: str, series: list[tuple[str, str]], *, money: bool = False):
    def draw(table: ReportTable):
        chart = _base(pygal.Bar, table.title, value_formatter=_rupee_label if money else _count_label)
        _thin(chart, _labels(_column(table, key)))
        for label, column in series:
            values = _column(table, column)
            chart.add(label, _rupees(values) if money else values)
        return chart
    return draw


def _rates(key: str, column: str, label: str):
    def draw(table: ReportTable):
        chart = _base(pygal.Line, table.title, show_legend=False, value_formatter=lambda v: f"{v:.1f}%")
        _thin(chart, _labels(_column(table, key)))
        chart.add(label, [None if v is None else round(v * 100, 1) for v in _column(table, column)])
        return chart
    return draw


CHARTS: dict[str, Callable[[ReportTable], object]] = {
    "daily": _created_solved,
    "by": _hbar("slice", "created", "Tickets created"),
    "satisfaction": _hbar("score", "tickets", "Tickets"),
    "months": _bars("month", [("Net revenue", "revenue"), ("Same month last year", "last_year")], money=True),
    "store": _hbar("store", "revenue", "Net revenue", money=True),
    "channel": _hbar("channel", "revenue", "Net revenue", money=True),
    "category": _hbar("category", "revenue", "Net revenue", money=True),
    "repeat": _rates("month", "rate", "Repeat rate"),
    "churn": _hbar("category", "lapsed", "Lapsed customers"),
    "segments": _hbar("segment", "customers", "Customers"),
    "clv_bands": _bars("band", [("Customers", "customers")]),
    "days": _bars("day", [("Net revenue", "revenue")], money=True),
}


def has_chart(table_name: str) -> bool:
    return table_name in CHARTS


def render(table: ReportTable) -> bytes:
    """The table's chart as a standalone SVG document without scripts."""
    chart = CHARTS[table.name](table)
    if not table.rows:
        chart.no_data_text = "Nothing in this period"
    return _SCRIPT.sub(b"", chart.render())
