"""The monthly and the annual report: one period's key figures, charts and top lists, from the same views as the
sales, support and retention pages (so the numbers agree)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.reports.models import StatsRepeat, StatsSalesDay
from helpdesk.reports.periods import DayRange, MonthRange, add_months, month_end
from helpdesk.reports.sales_view import Filters, SalesReport, dimension_values, sales_report
from helpdesk.reports.store import raw_rows
from helpdesk.reports.support_view import SupportReport, support_report
from helpdesk.reports.tables import Column, ReportTable

R, SD = StatsRepeat.__table__, StatsSalesDay.__table__


@dataclass
class PeriodReport:
    kind: str  # month or year
    start: date
    title: str
    sales: SalesReport
    support: SupportReport
    repeat: tuple[int, int, int] | None  # buyers, repeat buyers, new buyers
    tables: dict[str, ReportTable]
    previous_url: str
    next_url: str | None


def _repeat(session: Session, kind: str, start: date) -> tuple[int, int, int] | None:
    row = session.execute(select(R.c.buyers, R.c.repeat_buyers, R.c.new_buyers)
                          .where(R.c.period == kind, R.c.period_start == start)).first()
    return tuple(row) if row else None


def monthly_report(session: Session, month: date, *, today: date) -> PeriodReport:
    """The report for one calendar month."""
    sales = sales_report(session, MonthRange(month, month), Filters(), dims=dimension_values(session))
    support = support_report(session, DayRange(month, month_end(month)), by="channel", step="day")
    daily = {(date.fromisoformat(day) if isinstance(day, str) else day): (orders - returned_orders, gross - returned)
             for day, orders, returned_orders, gross, returned in raw_rows(session, select(
                 SD.c.day, SD.c.orders, SD.c.returned_orders, SD.c.gross_paise, SD.c.returned_paise)
                 .where(SD.c.day.between(month, month_end(month))))}
    days = [month + timedelta(days=offset) for offset in range((month_end(month) - month).days + 1)]
    tables = {
        "days": ReportTable("days", "Net revenue per day", [
            Column("day", "Day", "date"), Column("orders", "Orders", "int", "orders"),
            Column("revenue", "Net revenue", "money", "revenue"),
        ], [(day, *daily.get(day, (0, 0))) for day in days], definition="revenue", chart="revenue-days"),
        **_top(sales, support),
    }
    following = add_months(month, 1)
    return PeriodReport(
        "month", month, f"Monthly report: {month:%B %Y}", sales, support, _repeat(session, "month", month), tables,
        previous_url=f"/reports/monthly/{add_months(month, -1):%Y-%m}",
        next_url=f"/reports/monthly/{following:%Y-%m}" if following <= today else None,
    )


def annual_report(session: Session, year: int, *, today: date) -> PeriodReport:
    """The report for one calendar year."""
    start = date(year, 1, 1)
    sales = sales_report(session, MonthRange(start, date(year, 12, 1)), Filters(), dims=dimension_values(session))
    support = support_report(session, DayRange(start, date(year, 12, 31)), by="channel", step="week")
    tables = {"months": sales.tables["months"], **_top(sales, support)}
    return PeriodReport(
        "year", start, f"Annual report: {year}", sales, support, _repeat(session, "year", start), tables,
        previous_url=f"/reports/annual/{year - 1}",
        next_url=f"/reports/annual/{year + 1}" if year + 1 <= today.year else None,
    )


def _top(sales: SalesReport, support: SupportReport, limit: int = 5) -> dict[str, ReportTable]:
    """Top lists: the first rows of the period's breakdowns."""
    def first(table: ReportTable, name: str, title: str, keep: int = 4) -> ReportTable:
        return ReportTable(name, title, table.columns[:keep], [row[:keep] for row in table.rows[:limit]],
                           definition=table.definition, chart=None)

    return {
        "top_categories": first(sales.tables["category"], "top_categories", "Top categories"),
        "top_stores": first(sales.tables["store"], "top_stores", "Top stores"),
        "top_reasons": first(support.tables["reasons"], "top_reasons", "Top contact reasons", 3),
        "top_models": first(support.tables["claims_models"], "top_models", "Most claimed models", 3),
    }
