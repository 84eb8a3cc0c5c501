"""The support report: tickets created and solved, backlog, reply and resolution times, SLA, reopens,
satisfaction, slices by agent/channel/priority/tag, contact reasons and warranty claims. Seven queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.auth.models import Agent
from helpdesk.reports.models import ALL, StatsClaim, StatsSupportDay, StatsTicket
from helpdesk.reports.periods import DayRange
from helpdesk.reports.rules import median, median_sorted, percentile, percentile_sorted
from helpdesk.reports.store import raw_rows
from helpdesk.reports.tables import Column, ReportTable, share

BY = {"agent": "Agent", "channel": "Channel", "priority": "Priority", "tag": "Tag"}
STEPS = ("day", "week")
D, T, C = StatsSupportDay.__table__, StatsTicket.__table__, StatsClaim.__table__
_MEASURES = [D.c[name] for name in ("created", "solved", "reopened", "sla_due", "sla_met", "rated", "rating_sum",
                                     "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")]


@dataclass
class Figures:
    created: int = 0
    solved: int = 0
    reopened: int = 0
    sla_due: int = 0
    sla_met: int = 0
    rated: int = 0
    rating_sum: int = 0
    ratings: list[int] = field(default_factory=lambda: [0] * 5)

    def add(self, values) -> None:
        self.created += values[0]
        self.solved += values[1]
        self.reopened += values[2]
        self.sla_due += values[3]
        self.sla_met += values[4]
        self.rated += values[5]
        self.rating_sum += values[6]
        self.ratings = [a + int(b) for a, b in zip(self.ratings, values[7:12])]

    @property
    def sla(self) -> float | None:
        return share(self.sla_met, self.sla_due)

    @property
    def reopen_rate(self) -> float | None:
        return share(self.reopened, self.solved)

    @property
    def satisfaction(self) -> float | None:
        return share(self.rating_sum, self.rated)

    @property
    def response_rate(self) -> float | None:
        return share(self.rated, self.solved)


@dataclass
class SupportReport:
    period: DayRange
    by: str
    step: str
    totals: Figures
    first_reply: tuple[float | None, float | None, int]  # median, p90 (seconds), tickets measured
    resolution: tuple[float | None, float | None, int]
    tables: dict[str, ReportTable]


Stats = tuple[float | None, float | None, int]  # median, 90th percentile, how many values


def _slice_of(by: str):
    """The stats_ticket column a slice key comes from, and how to read the keys out of its value."""
    if by == "tag":
        return T.c.tags, lambda value: [tag for tag in (value or "").split(",") if tag]
    if by == "agent":
        return T.c.assignee_id, lambda value: [str(value) if value is not None else "none"]
    return {"channel": T.c.channel, "priority": T.c.priority}[by], lambda value: [value]


def _stats(values: list[int]) -> Stats:
    values.sort()
    return median_sorted(values), percentile_sorted(values, 90), len(values)


def _durations(session: Session, period: DayRange, by: str, column, day_column) -> tuple[Stats, dict[str, Stats]]:
    """One duration's median and 90th percentile over the period's tickets: overall, and per slice.

    Computed here, over the per-ticket durations read from the covering index (day, duration, slice keys) straight
    through the driver, so SQLite and PostgreSQL give the same answers (a year is some 15-30 thousand values).
    """
    key_column, keys_of = _slice_of(by)
    rows = raw_rows(session, select(key_column, column).where(day_column.between(period.first, period.last),
                                                                column.is_not(None)))
    values = [seconds for _, seconds in rows]
    by_value: dict[object, list[int]] = defaultdict(list)
    for key_value, seconds in rows:  # grouped by the column's value first: a handful of keys, no call per row
        by_value[key_value].append(seconds)
    per_key: dict[str, list[int]] = defaultdict(list)
    for key_value, found in by_value.items():
        for key in keys_of(key_value):
            per_key[key] += found
    return _stats(values), {key: _stats(found) for key, found in per_key.items()}


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite hands dates back as text


def _buckets(period: DayRange, step: str) -> list[date]:
    """The first day of each day or week (Monday) the chart shows."""
    if step == "day":
        return [period.first + timedelta(days=i) for i in range(period.days)]
    start = period.first - timedelta(days=period.first.weekday())
    return [start + timedelta(weeks=i) for i in range((period.last - start).days // 7 + 1)]


def support_report(session: Session, period: DayRange, *, by: str = "channel", step: str = "day") -> SupportReport:
    """Everything the support page shows for a period, in six queries."""
    by = by if by in BY else "channel"
    step = step if step in STEPS else "day"
    in_period = D.c.day.between(period.first, period.last)
    daily: dict[date, list[int]] = {}
    for day, *values in raw_rows(session, select(D.c.day, *_MEASURES).where(D.c.dim == "all", D.c.key == ALL, in_period)):
        daily[_day(day)] = values
    before = session.execute(select(func.coalesce(func.sum(D.c.created), 0) - func.coalesce(func.sum(D.c.solved), 0))
                             .where(D.c.dim == "all", D.c.key == ALL, D.c.day < period.first)).scalar_one()
    dims = {by, "tag"}
    sliced: dict[str, dict[str, Figures]] = {dim: defaultdict(Figures) for dim in dims}
    for dim, key, *values in raw_rows(session, select(D.c.dim, D.c.key, *(func.sum(column) for column in _MEASURES))
                                      .where(D.c.dim.in_(sorted(dims)), in_period).group_by(D.c.dim, D.c.key)):
        sliced[dim][key].add([int(v or 0) for v in values])
    first_reply, first_by = _durations(session, period, by, T.c.first_reply_seconds, T.c.created_day)
    resolution, solve_by = _durations(session, period, by, T.c.resolution_seconds, T.c.solved_day)
    names = dict(session.execute(select(Agent.id, Agent.name)).all()) if by == "agent" else {}

    totals = Figures()
    for values in daily.values():
        totals.add(values)
    tables = {
        "daily": _daily_table(period, step, daily, before),
        "by": _by_table(by, sliced[by], first_by, solve_by, names),
        "reasons": _reasons_table(sliced["tag"]),
        "satisfaction": ReportTable(
            "satisfaction", "Satisfaction scores", [Column("score", "Score"), Column("tickets", "Tickets", "int")],
            [(f"{score} / 5", totals.ratings[score - 1]) for score in range(5, 0, -1)],
            definition="satisfaction", chart="satisfaction"),
        **_claims_tables(session, period),
    }
    return SupportReport(period, by, step, totals, first_reply, resolution, tables)


def _daily_table(period: DayRange, step: str, daily: dict[date, list[int]], before: int) -> ReportTable:
    rows, backlog = [], int(before or 0)
    buckets = _buckets(period, step)
    for index, start in enumerate(buckets):
        end = buckets[index + 1] - timedelta(days=1) if index + 1 < len(buckets) else period.last
        created = solved = 0
        day = max(start, period.first)
        while day <= end:
            values = daily.get(day)
            if values:
                created += values[0]
                solved += values[1]
            day += timedelta(days=1)
        backlog += created - solved
        rows.append((max(start, period.first), created, solved, backlog))
    label = "Day" if step == "day" else "Week from"
    return ReportTable("daily", f"Created and solved per {step}", [
        Column("day", label, "date"), Column("created", "Created", "int", "created"),
        Column("solved", "Solved", "int", "solved"), Column("backlog", "Backlog at the end", "int", "backlog"),
    ], rows, definition="backlog", chart="created-solved")


def _by_table(by: str, figures: dict[str, Figures], first_by, solve_by, names: dict[int, str]) -> ReportTable:
    keys = sorted(set(figures) | set(first_by) | set(solve_by), key=lambda k: (-figures[k].created if k in figures else 0, k))
    rows = []
    for key in keys:
        f = figures.get(key, Figures())
        label = names.get(int(key), f"agent {key}") if by == "agent" and key.isdigit() else (
            "unassigned" if by == "agent" else key)
        first, solve = first_by.get(key, (None, None, 0)), solve_by.get(key, (None, None, 0))
        rows.append((label, f.created, f.solved, first[0], first[1], solve[0], solve[1], f.sla, f.reopen_rate,
                     f.satisfaction))
    return ReportTable("by", f"By {BY[by].lower()}", [
        Column("slice", BY[by]), Column("created", "Created", "int", "created"),
        Column("solved", "Solved", "int", "solved"),
        Column("first_reply_median", "First reply, median", "hours", "first_reply"),
        Column("first_reply_p90", "First reply, p90", "hours", "p90"),
        Column("resolution_median", "Resolution, median", "hours", "resolution"),
        Column("resolution_p90", "Resolution, p90", "hours", "p90"),
        Column("sla", "SLA met", "percent", "sla"), Column("reopen_rate", "Reopened", "percent", "reopen_rate"),
        Column("satisfaction", "Satisfaction", "decimal", "satisfaction"),
    ], rows, chart="by")


def _reasons_table(tags: dict[str, Figures], limit: int = 10) -> ReportTable:
    ranked = sorted(tags.items(), key=lambda item: (-item[1].created, item[0]))[:limit]
    total = sum(f.created for f in tags.values())
    return ReportTable("reasons", "Top contact reasons", [
        Column("tag", "Tag"), Column("tickets", "Tickets", "int"), Column("share", "Share of tagged", "percent"),
    ], [(tag, f.created, share(f.created, total)) for tag, f in ranked if f.created], definition="contact_reasons")


def _claims_tables(session: Session, period: DayRange) -> dict[str, ReportTable]:
    rows = raw_rows(session, select(C.c.model_number, C.c.category, C.c.fault_category, C.c.outcome,
                                    C.c.turnaround_seconds, C.c.cost_paise)
                    .where(C.c.filed_day.between(period.first, period.last)))
    by_model: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, []])
    by_fault: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    for model, category, fault, outcome, seconds, cost in rows:
        cell = by_model[(model, category)]
        cell[0] += 1
        cell[1] += cost
        if seconds is not None:
            cell[2].append(seconds)
        by_fault[fault] += 1
        outcomes[outcome] += 1
    turnaround = [seconds for *_, seconds, _ in rows if seconds is not None]
    models = sorted(by_model.items(), key=lambda item: (-item[1][0], item[0]))[:10]
    return {
        "claims_models": ReportTable("claims_models", "Warranty claims by model", [
            Column("model", "Model"), Column("category", "Category"), Column("claims", "Claims", "int", "claims"),
            Column("cost", "Cost", "money", "clv"), Column("turnaround", "Turnaround, median", "hours", "turnaround"),
        ], [(model, category, count, cost, median(times)) for (model, category), (count, cost, times) in models],
            definition="claims"),
        "claims_faults": ReportTable("claims_faults", "Claims by fault", [
            Column("fault", "Fault"), Column("claims", "Claims", "int"),
        ], sorted(by_fault.items(), key=lambda item: (-item[1], item[0]))[:10]),
        "claims_outcomes": ReportTable("claims_outcomes", "Claim outcomes", [
            Column("outcome", "Outcome"), Column("claims", "Claims", "int"), Column("share", "Share", "percent"),
        ], [(outcome, count, share(count, len(rows))) for outcome, count in sorted(outcomes.items())],
            note=(f"Turnaround of decided claims: median {_hours(median(turnaround))}, "
                  f"90th percentile {_hours(percentile(turnaround, 90))}.") if turnaround else None,
            definition="turnaround"),
    }


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"
