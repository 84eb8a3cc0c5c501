"""The sales report: revenue, orders and order value net of returns over whole months, by month, store, channel
and category, against the previous period and the same months last year; filters by store, category and tier.

Reads the stats_sales_month cube only: one query per breakdown covers all three periods.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.reports.models import ALL, StatsSalesMonth
from helpdesk.reports.periods import MonthRange, add_months
from helpdesk.reports.models import StatsCategory
from helpdesk.reports.rules import TIERS
from helpdesk.reports.store import raw_rows
from helpdesk.reports.tables import Column, ReportTable, share

S = StatsSalesMonth.__table__
_SUMS = [func.sum(S.c[name]) for name in ("orders", "returned_orders", "units", "returned_units", "gross_paise",
                                           "returned_paise")]


@dataclass
class Filters:
    store: str | None = None
    category: str | None = None
    tier: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Sales:
    """Sums of the cube's measures, with the figures made from them."""

    orders: int = 0
    returned_orders: int = 0
    units: int = 0
    returned_units: int = 0
    gross: int = 0
    returned: int = 0

    def add(self, values) -> None:
        self.orders += int(values[0] or 0)
        self.returned_orders += int(values[1] or 0)
        self.units += int(values[2] or 0)
        self.returned_units += int(values[3] or 0)
        self.gross += int(values[4] or 0)
        self.returned += int(values[5] or 0)

    @property
    def net_orders(self) -> int:
        return self.orders - self.returned_orders

    @property
    def revenue(self) -> int:
        return self.gross - self.returned

    @property
    def aov(self) -> float | None:
        return share(self.revenue, self.net_orders)


@dataclass
class Dimensions:
    """The values the cube holds for each breakdown (its slices are read by naming them: one index seek each)."""

    stores: list[str]
    channels: list[str]
    categories: list[str]


@dataclass
class SalesReport:
    period: MonthRange
    previous: MonthRange
    year_before: MonthRange
    filters: Filters
    totals: dict[str, Sales]  # "current", "previous", "year_before"
    tables: dict[str, ReportTable]
    stores: list[str]
    categories: list[str]


def dimension_values(session: Session) -> Dimensions:
    """The stores, channels and categories with sales (for the filter pickers and to check what a URL asks)."""
    stores = sorted(v for (v,) in raw_rows(session, select(S.c.store).where(
        S.c.category == ALL, S.c.store != ALL, S.c.channel == ALL).distinct()))
    channels = sorted(v for (v,) in raw_rows(session, select(S.c.channel).where(
        S.c.category == ALL, S.c.store == ALL, S.c.channel != ALL).distinct()))
    categories = sorted(v for (v,) in raw_rows(session, select(StatsCategory.category)))
    return Dimensions(stores, channels, categories)


def check_filters(store: str | None, category: str | None, tier: str | None, stores: list[str],
                  categories: list[str]) -> Filters:
    """Filters from the URL; an unknown value is dropped with a note instead of showing a blank report."""
    filters = Filters()
    for name, value, known in (("store", store, stores), ("category", category, categories), ("tier", tier, TIERS)):
        if not value:
            continue
        if value in known:
            setattr(filters, name, value)
        else:
            filters.notes.append(f"There are no sales for {name} “{value[:60]}”; that filter was ignored.")
    return filters


def _slice(filters: Filters, breakdown: str, dims: Dimensions):
    """The cube's cells for a breakdown under the filters (see StatsSalesMonth for the cube's shape). Every key
    column is named with = or IN, so each query is a few index seeks rather than a scan."""
    tiers = [filters.tier] if filters.tier else list(TIERS)
    conditions = [S.c.tier.in_(tiers)]
    if breakdown == "category" and not filters.category:
        conditions.append(S.c.category.in_(dims.categories or [ALL]))
    else:
        conditions.append(S.c.category == (filters.category or ALL))
    if breakdown == "store" and not filters.store:
        conditions += [S.c.store.in_(dims.stores or [ALL]), S.c.channel == ALL]
    elif breakdown == "channel" and not filters.store:
        conditions += [S.c.store == ALL, S.c.channel.in_(dims.channels or [ALL])]
    else:
        conditions += [S.c.store == (filters.store or ALL), S.c.channel == ALL]
    return conditions


def _by(session: Session, filters: Filters, breakdown: str, first: date, last: date,
        dims: Dimensions) -> dict[tuple[str, date], Sales]:
    key = {"month": S.c.category, "store": S.c.store, "channel": S.c.channel, "category": S.c.category}[breakdown]
    found: dict[tuple[str, date], Sales] = defaultdict(Sales)
    for value, month, *sums in raw_rows(session, select(key, S.c.month, *_SUMS).where(
            *_slice(filters, breakdown, dims), S.c.month.between(first, last)).group_by(key, S.c.month)):
        found[(value, date.fromisoformat(month) if isinstance(month, str) else month)].add(sums)
    return found


def sales_report(session: Session, period: MonthRange, filters: Filters, *, dims: Dimensions) -> SalesReport:
    """The sales page for whole months, in four queries whatever the period's length."""
    previous, year_before = period.previous(), period.year_before()
    first, last = min(previous.first, year_before.first), period.last
    windows = {"current": set(period.months), "previous": set(previous.months), "year_before": set(year_before.months)}
    by_month = _by(session, filters, "month", first, last, dims)
    totals = {name: Sales() for name in windows}
    for (_, month), sales in by_month.items():
        for name, months in windows.items():
            if month in months:
                totals[name].add(_values(sales))
    tables = {"months": _months_table(period, by_month)}
    for breakdown, title in (("store", "By store"), ("channel", "By channel"), ("category", "By category")):
        cells = _by(session, filters, breakdown, first, last, dims)
        tables[breakdown] = _compare_table(breakdown, title, cells, windows)
    if filters.store:
        tables["channel"].note = "With a store chosen, its sales are not split by channel (the store is one channel)."
    return SalesReport(period, previous, year_before, filters, totals, tables, dims.stores, dims.categories)


def _values(sales: Sales) -> list[int]:
    return [sales.orders, sales.returned_orders, sales.units, sales.returned_units, sales.gross, sales.returned]


def _months_table(period: MonthRange, by_month: dict[tuple[str, date], Sales]) -> ReportTable:
    per_month: dict[date, Sales] = defaultdict(Sales)
    for (_, month), sales in by_month.items():
        per_month[month].add(_values(sales))
    rows = []
    for month in period.months:
        now, then = per_month.get(month, Sales()), per_month.get(add_months(month, -12), Sales())
        rows.append((month.strftime("%b %Y"), now.revenue, now.net_orders, now.aov, now.returned, then.revenue,
                     _change(now.revenue, then.revenue)))
    return ReportTable("months", "By month", [
        Column("month", "Month"), Column("revenue", "Net revenue", "money", "revenue"),
        Column("orders", "Orders", "int", "orders"), Column("aov", "Average order", "money", "aov"),
        Column("returns", "Returns", "money", "returns"),
        Column("last_year", "Same month last year", "money", "previous_period"),
        Column("change", "Change", "percent"),
    ], rows, definition="revenue", chart="revenue-months")


def _compare_table(breakdown: str, title: str, cells: dict[tuple[str, date], Sales],
                   windows: dict[str, set[date]]) -> ReportTable:
    sums: dict[str, dict[str, Sales]] = defaultdict(lambda: {name: Sales() for name in windows})
    for (value, month), sales in cells.items():
        for name, months in windows.items():
            if month in months:
                sums[value][name].add(_values(sales))
    ranked = sorted(sums.items(), key=lambda item: (-item[1]["current"].revenue, item[0]))
    rows = [(value, s["current"].revenue, s["current"].net_orders, s["current"].aov, s["previous"].revenue,
             _change(s["current"].revenue, s["previous"].revenue), s["year_before"].revenue,
             _change(s["current"].revenue, s["year_before"].revenue))
            for value, s in ranked if s["current"].gross or s["previous"].gross or s["year_before"].gross]
    return ReportTable(breakdown, title, [
        Column(breakdown, breakdown.capitalize()), Column("revenue", "Net revenue", "money", "revenue"),
        Column("orders", "Orders", "int", "orders"), Column("aov", "Average order", "money", "aov"),
        Column("previous", "Previous period", "money", "previous_period"), Column("change_previous", "Change", "percent"),
        Column("last_year", "Last year", "money", "previous_period"), Column("change_last_year", "Change", "percent"),
    ], rows, chart=f"revenue-{breakdown}")


def _change(now: int, then: int) -> float | None:
    return share(now - then, then)
