"""From a report's name and its URL parameters to the report: the one place that reads parameters (with notes
for anything ignored), so a page, its charts and its exports always show the same figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from helpdesk.reports import periods
from helpdesk.reports.models import StatsState
from helpdesk.reports.period_reports import annual_report, monthly_report
from helpdesk.reports.retention_view import retention_report
from helpdesk.reports.sales_view import check_filters, dimension_values, sales_report
from helpdesk.reports.support_view import BY, STEPS, support_report
from helpdesk.reports.tables import ReportTable
from helpdesk.timeutil import shop_today

REPORTS = ("support", "sales", "retention", "monthly", "annual")
PARAMETERS = {
    "support": ("from", "to", "by", "step"),
    "sales": ("from", "to", "store", "category", "tier"),
    "retention": ("period",),
    "monthly": ("month",),
    "annual": ("year",),
}


class ReportNotFound(LookupError):
    """No such report, or no report for that month or year; the message says which."""


@dataclass
class Loaded:
    name: str
    report: object
    tables: dict[str, ReportTable]
    notes: list[str] = field(default_factory=list)
    query: str = ""  # the canonical parameters, for links, charts and exports
    as_of: date | None = None
    refreshed_at: object = None


def as_of_day(session: Session) -> tuple[date, object]:
    """The day the figures are computed for, and when they were refreshed (today and None before any refresh)."""
    state = session.get(StatsState, 1)
    if state is None or state.as_of is None:
        return shop_today(), None
    return state.as_of, state.refreshed_at


def _text(params: Mapping[str, str], name: str, limit: int = 120) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value[:limit] or None


def load(session: Session, name: str, params: Mapping[str, str]) -> Loaded:
    """The named report for these parameters; raises ReportNotFound for an unknown report or period."""
    if name not in REPORTS:
        raise ReportNotFound(f"There is no report called “{name[:40]}”.")
    today, refreshed_at = as_of_day(session)
    loaded = _LOADERS[name](session, params, today)
    loaded.as_of, loaded.refreshed_at = today, refreshed_at
    return loaded


def _support(session: Session, params: Mapping[str, str], today: date) -> Loaded:
    period = periods.day_range(_text(params, "from"), _text(params, "to"), today=today)
    notes = list(period.notes)
    by, step = _text(params, "by") or "channel", _text(params, "step") or "day"
    if by not in BY:
        notes.append(f"“{by[:20]}” is not a way to slice tickets; showing by channel.")
        by = "channel"
    if step not in STEPS:
        notes.append(f"“{step[:20]}” is not day or week; showing days.")
        step = "day"
    report = support_report(session, period, by=by, step=step)
    return Loaded("support", report, report.tables, notes, urlencode(
        {"from": period.first.isoformat(), "to": period.last.isoformat(), "by": by, "step": step}))


def _sales(session: Session, params: Mapping[str, str], today: date) -> Loaded:
    period = periods.month_range(_text(params, "from"), _text(params, "to"), today=today)
    dims = dimension_values(session)
    filters = check_filters(_text(params, "store"), _text(params, "category"), _text(params, "tier"), dims.stores,
                            dims.categories)
    report = sales_report(session, period, filters, dims=dims)
    query = {"from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}", "store": filters.store,
             "category": filters.category, "tier": filters.tier}
    return Loaded("sales", report, report.tables, [*period.notes, *filters.notes],
                  urlencode({key: value for key, value in query.items() if value}))


def _retention(session: Session, params: Mapping[str, str], today: date) -> Loaded:
    kind, start, notes = periods.period_of_year_or_month(_text(params, "period", 20), today=today)
    report = retention_report(session, kind, start, as_of=today)
    value = str(start.year) if kind == "year" else start.strftime("%Y-%m")
    return Loaded("retention", report, report.tables, notes, f"period={value}")


def _monthly(session: Session, params: Mapping[str, str], today: date) -> Loaded:
    month, problem = periods.one_month(_text(params, "month", 20), today=today)
    if month is None:
        raise ReportNotFound(problem)
    report = monthly_report(session, month, today=today)
    return Loaded("monthly", report, report.tables | report.sales.tables | report.support.tables, [],
                  f"month={month:%Y-%m}")


def _annual(session: Session, params: Mapping[str, str], today: date) -> Loaded:
    year, problem = periods.one_year(_text(params, "year", 20), today=today)
    if year is None:
        raise ReportNotFound(problem)
    report = annual_report(session, year, today=today)
    return Loaded("annual", report, report.tables | report.sales.tables | report.support.tables, [], f"year={year}")


_LOADERS = {"support": _support, "sales": _sales, "retention": _retention, "monthly": _monthly, "annual": _annual}
