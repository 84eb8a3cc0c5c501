"""The retention report: repeat purchase rate, churn by category, the cohort table, lifetime value and cost per
customer, RFM segments with what they buy. Reads the per-customer roll-ups (as of stats_state.as_of)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.reports.models import (
    StatsCategory,
    StatsCohort,
    StatsCustomer,
    StatsGroup,
    StatsRepeat,
    StatsSegmentMix,
)
from helpdesk.reports.periods import add_months
from helpdesk.reports.rules import CLV_BANDS, SEGMENTS, TIERS
from helpdesk.reports.tables import Column, ReportTable, share

G, R, CO = StatsGroup.__table__, StatsRepeat.__table__, StatsCohort.__table__
CAT, SC, MIX = StatsCategory.__table__, StatsCustomer.__table__, StatsSegmentMix.__table__
COHORT_MONTHS = 12


@dataclass
class Group:
    customers: int
    buyers: int
    orders: int
    tickets: int
    net: int
    support_cost: int
    clv: int
    value_12m: int
    buyers_12m: int
    repeat_12m: int


@dataclass
class RetentionReport:
    kind: str  # year or month
    start: date
    everyone: Group | None
    repeat: tuple[int, int, int] | None  # buyers, repeat buyers, new buyers in the period
    churn: tuple[int, int]  # lapsed, buyers
    tables: dict[str, ReportTable]

    @property
    def label(self) -> str:
        return str(self.start.year) if self.kind == "year" else self.start.strftime("%b %Y")


def _groups(session: Session) -> dict[tuple[str, str], Group]:
    columns = [G.c[name] for name in ("customers", "buyers", "orders", "tickets", "net_paise", "support_cost_paise",
                                      "clv_paise", "value_12m_paise", "buyers_12m", "repeat_12m")]
    return {(kind, key): Group(*values) for kind, key, *values in session.execute(select(G.c.kind, G.c.key, *columns))}


def retention_report(session: Session, kind: str, start: date, *, as_of: date) -> RetentionReport:
    """Everything the retention page shows, in six queries."""
    groups = _groups(session)
    end = add_months(start, 11) if kind == "year" else start
    end = max(start, min(end, as_of.replace(day=1)))  # months after the report day have no figures yet
    repeat_rows = {(period, month): (b, r, n) for period, month, b, r, n in session.execute(
        select(R.c.period, R.c.period_start, R.c.buyers, R.c.repeat_buyers, R.c.new_buyers)
        .where(((R.c.period == "month") & R.c.period_start.between(start, end))
               | ((R.c.period == kind) & (R.c.period_start == start))))}
    lapsed = dict(session.execute(
        select(CAT.c.category, func.count(SC.c.customer_id))
        .join(SC, (SC.c.last_category == CAT.c.category) & (SC.c.last_purchase_on < CAT.c.lapsed_before))
        .group_by(CAT.c.category)).all())
    categories = session.execute(select(CAT.c.category, CAT.c.median_gap_days, CAT.c.threshold_days, CAT.c.gaps)
                                 .order_by(CAT.c.category)).all()
    first_cohort = add_months(end, -(COHORT_MONTHS - 1))
    cohorts: dict[date, dict[int, int]] = defaultdict(dict)
    for month, after, customers in session.execute(
        select(CO.c.cohort_month, CO.c.months_after, CO.c.customers)
        .where(CO.c.cohort_month.between(first_cohort, end), CO.c.months_after <= COHORT_MONTHS)
    ):
        cohorts[month][after] = customers
    mix = session.execute(select(MIX.c.segment, MIX.c.category, MIX.c.brand, MIX.c.units, MIX.c.net_paise)).all()
    everyone = groups.get(("all", "*"))
    buyers_by_category = {key: group.buyers for (kind_, key), group in groups.items() if kind_ == "last_category"}
    churn = (sum(lapsed.values()), sum(buyers_by_category.values()))
    tables = {
        "repeat": _repeat_table(kind, start, end, repeat_rows),
        "churn": _churn_table(categories, lapsed, buyers_by_category),
        "cohorts": _cohort_table(first_cohort, end, cohorts),
        "segments": _segments_table(groups),
        "preferences": _preferences_table(mix),
        "clv_tiers": _clv_table(groups),
        "clv_bands": ReportTable("clv_bands", "Lifetime value bands", [
            Column("band", "CLV"), Column("customers", "Customers", "int", "clv"),
        ], [(label, groups[("clv_band", label)].buyers) for label, *_ in CLV_BANDS if ("clv_band", label) in groups],
            chart="clv-bands"),
    }
    return RetentionReport(kind, start, everyone, repeat_rows.get((kind, start)), churn, tables)


def _repeat_table(kind: str, start: date, end: date, rows: dict) -> ReportTable:
    months = []
    month = start
    while month <= end:
        buyers, repeat, new = rows.get(("month", month), (0, 0, 0))
        months.append((month.strftime("%b %Y"), buyers, repeat, share(repeat, buyers), new))
        month = add_months(month, 1)
    return ReportTable("repeat", "Repeat purchase rate by month", [
        Column("month", "Month"), Column("buyers", "Customers who ordered", "int"),
        Column("repeat", "Ordered twice or more", "int"), Column("rate", "Repeat rate", "percent", "repeat_rate"),
        Column("new", "New customers", "int", "new_customers"),
    ], months, definition="repeat_rate", chart="repeat-months")


def _churn_table(categories, lapsed: dict[str, int], buyers: dict[str, int]) -> ReportTable:
    rows = [(category, buyers.get(category, 0), lapsed.get(category, 0), share(lapsed.get(category, 0),
                                                                                 buyers.get(category, 0)),
             median_gap, threshold, gaps)
            for category, median_gap, threshold, gaps in categories if buyers.get(category)]
    return ReportTable("churn", "Churn by last category bought", [
        Column("category", "Category"), Column("customers", "Customers", "int"),
        Column("lapsed", "Lapsed", "int", "churn"), Column("rate", "Churn rate", "percent", "churn"),
        Column("median_gap", "Usual gap (days)", "int"), Column("threshold", "Lapsed after (days)", "int"),
        Column("gaps", "Gaps measured", "int"),
    ], sorted(rows, key=lambda row: (-row[1], row[0])), definition="churn", chart="churn")


def _cohort_table(first: date, end: date, cohorts: dict[date, dict[int, int]]) -> ReportTable:
    columns = [Column("cohort", "First order"), Column("size", "Customers", "int")]
    columns += [Column(f"m{after}", f"+{after}", "percent") for after in range(1, COHORT_MONTHS + 1)]
    rows = []
    month = first
    while month <= end:
        cells = cohorts.get(month, {})
        size = cells.get(0, 0)
        # A month not reached yet (after the report month) is empty rather than 0%.
        rows.append((month.strftime("%b %Y"), size, *(
            share(cells.get(after, 0), size) if add_months(month, after) <= end else None
            for after in range(1, COHORT_MONTHS + 1))))
        month = add_months(month, 1)
    return ReportTable("cohorts", "Cohorts: share who ordered again, by months after the first order", columns, rows,
                       definition="cohorts")


def _segments_table(groups: dict[tuple[str, str], Group]) -> ReportTable:
    rows, links = [], {}
    for key, label, rule in SEGMENTS:
        group = groups.get(("segment", key))
        if group is None:
            continue
        links[len(rows)] = f"/reports/segments/{key}"
        rows.append((label, group.buyers, share(group.net, group.buyers), share(group.clv, group.buyers),
                     share(group.orders, group.buyers), rule))
    return ReportTable("segments", "RFM segments", [
        Column("segment", "Segment", "link", "segments"), Column("customers", "Customers", "int"),
        Column("net", "Net spend per customer", "money", "revenue"), Column("clv", "CLV per customer", "money", "clv"),
        Column("orders", "Orders per customer", "decimal", "orders"), Column("rule", "Rule", "text", "rfm"),
    ], rows, definition="segments", chart="segments", links=links)


def _preferences_table(mix) -> ReportTable:
    categories: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    brands: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for segment, category, brand, _units, net in mix:
        categories[segment][category] += net
        brands[segment][brand] += net
    rows = []
    for key, label, _ in SEGMENTS:
        if key not in categories:
            continue
        top = lambda spend: ", ".join(name for name, _ in sorted(spend.items(), key=lambda i: (-i[1], i[0]))[:3])  # noqa: E731
        rows.append((label, top(categories[key]), top(brands[key])))
    return ReportTable("preferences", "What each segment buys", [
        Column("segment", "Segment"), Column("categories", "Top categories", "text", "preferences"),
        Column("brands", "Top brands", "text", "preferences"),
    ], rows, definition="preferences")


def _clv_table(groups: dict[tuple[str, str], Group]) -> ReportTable:
    rows = []
    for key, label in (("all", "*"), *(("tier", tier) for tier in TIERS)):
        group = groups.get((key, label))
        if group is None:
            continue
        rows.append(("Everyone" if key == "all" else label.capitalize(), group.customers, group.buyers,
                     share(group.clv, group.buyers), share(group.support_cost, group.customers),
                     share(group.repeat_12m, group.buyers_12m)))
    return ReportTable("clv_tiers", "Lifetime value and cost per customer, by tier", [
        Column("tier", "Tier"), Column("customers", "Customers", "int"), Column("buyers", "With an order", "int"),
        Column("clv", "Average CLV", "money", "clv"), Column("cost", "Support cost per customer", "money", "clv"),
        Column("repeat", "Repeat rate, last 12 months", "percent", "repeat_rate"),
    ], rows, definition="clv")
