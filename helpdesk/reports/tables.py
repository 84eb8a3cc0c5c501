"""The shape every report table takes: columns with a kind (how to show and export a value) and plain rows.

Pages, charts and exports all read these, so a figure is computed once and shown, drawn and exported alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpdesk.templating import format_inr

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, link, int, money (paise), percent (a share 0..1), hours (seconds shown as hours), decimal or date
    kind: str = "text"
    definition: str | None = None  # a key of definitions.DEFINITIONS: the "?" beside the header


@dataclass
class ReportTable:
    """One table of figures; `name` is what its export link and its chart use."""

    name: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    definition: str | None = None
    chart: str | None = None  # the chart drawn from this table, if any
    note: str | None = None
    empty: str = "Nothing in this period."
    links: dict[int, str] = field(default_factory=dict)  # row index -> URL for the row's link column


def share(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as a dash, never as 0%)."""
    return part / whole if whole else None


def display(value, kind: str) -> str:
    """A value as the page shows it."""
    if value is None:
        return "—"
    if kind == "money":
        return format_inr(int(value), with_paise=False)
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value / 3600:.1f} h"
    if kind == "decimal":
        return f"{value:.2f}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "date":
        return value.strftime("%d %b %Y")
    return str(value)


def export_value(value, kind: str):
    """A value as exports carry it: numbers stay numbers (money in rupees, durations in hours)."""
    if value is None:
        return None
    if kind == "money":
        return round(value / 100, 2)
    if kind == "percent":
        return round(value * 100, 2)
    if kind == "hours":
        return round(value / 3600, 2)
    if kind == "decimal":
        return round(value, 2)
    if kind == "date":
        return value.isoformat()
    return value


def export_label(column: Column) -> str:
    unit = {"money": " (₹)", "percent": " (%)", "hours": " (hours)"}.get(column.kind, "")
    return column.label + unit
