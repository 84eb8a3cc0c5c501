"""What both kinds of refresh share: the state row, the report of a run, the aggregate tables' names and the
steps that rebuild per-day rows and keep Customer.tier in step."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from helpdesk.config import ReportSettings
from helpdesk.customers.models import Customer
from helpdesk.reports import rules, source
from helpdesk.reports.models import (
    StatsCategory,
    StatsClaim,
    StatsCustomer,
    StatsDirty,
    StatsSalesDay,
    StatsSalesMonth,
    StatsState,
    StatsSupportDay,
    StatsTicket,
)
from helpdesk.reports.rollups import SALES_MEASURES, SUPPORT_MEASURES, sales_day_cells, support_cells
from helpdesk.reports.store import delete_in, insert_cells
from helpdesk.sales.models import Purchase
from helpdesk.timeutil import utcnow

BUSY_EXPIRES = timedelta(minutes=15)  # a full refresh that died leaves its mark; after this, others go on
CUSTOMERS, TICKETS, CLAIMS = StatsCustomer.__table__, StatsTicket.__table__, StatsClaim.__table__
CUBE, SALES_DAY, SUPPORT_DAY = StatsSalesMonth.__table__, StatsSalesDay.__table__, StatsSupportDay.__table__
CATEGORIES, DIRTY = StatsCategory.__table__, StatsDirty.__table__
CUBE_KEY = ("month", "tier", "store", "channel", "category")
SUPPORT_KEY = ("day", "dim", "key")
SUPPORT_DIMS = ("all", "agent", "channel", "priority", "tag")
ID_BATCH = 5_000


@dataclass
class RefreshReport:
    kind: str  # full, incremental, nothing (no marks), busy (a full refresh runs), stale (needs a full one)
    as_of: date | None
    customers: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark

    def __str__(self) -> str:
        if self.kind in ("nothing", "busy", "stale"):
            return f"stats: {self.kind}"
        return f"stats {self.kind} refresh as of {self.as_of}: {self.customers:,} customers in {self.seconds:.2f} s"


def settings_key(settings: ReportSettings) -> str:
    """A fingerprint of the settings the figures depend on: a change means a full refresh."""
    relevant = {name: value for name, value in vars(settings).items() if name != "refresh_seconds"}
    return hashlib.sha256(repr(sorted(relevant.items())).encode()).hexdigest()[:32]


def state_row(session: Session, *, lock: bool) -> StatsState:
    statement = select(StatsState).where(StatsState.id == 1)
    if lock:
        statement = statement.with_for_update()
    state = session.execute(statement).scalar_one_or_none()
    if state is None:  # the migration inserts it; a hand-made database may not have it
        state = StatsState(id=1)
        session.add(state)
        session.flush()
    return state


def finish_state(state: StatsState, *, as_of: date, cutoffs: rules.Cutoffs, settings: ReportSettings,
                  full_seconds: float | None = None) -> None:
    now = utcnow()
    state.as_of = as_of
    state.version += 1
    state.refreshed_at = now
    state.cutoff_platinum, state.cutoff_gold, state.cutoff_silver = cutoffs.platinum, cutoffs.gold, cutoffs.silver
    state.ranked_customers = cutoffs.ranked
    if full_seconds is not None:
        state.full_refreshed_at, state.full_refresh_seconds = now, round(full_seconds, 2)
        state.settings_key = settings_key(settings)
        state.busy_since = None


def set_customer_tiers(session: Session, changes: dict[int, str]) -> None:
    """Customer.tier follows the effective tier (the customer page and new tickets' SLA read it)."""
    by_tier: dict[str, list[int]] = {}
    for customer_id, tier in changes.items():
        by_tier.setdefault(tier, []).append(customer_id)
    table = Customer.__table__
    for tier, ids in sorted(by_tier.items()):
        for start in range(0, len(ids), ID_BATCH):
            session.execute(update(table).where(table.c.id.in_(ids[start:start + ID_BATCH])).values(tier=tier))


def rebuild_days(session: Session, *, sale_days: set[date], ticket_days: set[date]) -> None:
    """Recompute the per-day sales and support rows of these days from the source and stats_ticket."""
    if sale_days:
        delete_in(session, SALES_DAY, "day", sale_days)
        purchases = source.purchases_where(session, Purchase.__table__.c.purchased_on.in_(sorted(sale_days)))
        insert_cells(session, SALES_DAY, ("day",), SALES_MEASURES, sales_day_cells(purchases))
    if ticket_days:
        day_list = sorted(ticket_days)
        rows: dict[int, dict] = {}
        for start in range(0, len(day_list), ID_BATCH):
            part = day_list[start:start + ID_BATCH]
            # dim leads the key: naming every dim lets the delete seek instead of scanning.
            session.execute(delete(SUPPORT_DAY).where(SUPPORT_DAY.c.dim.in_(SUPPORT_DIMS), SUPPORT_DAY.c.day.in_(part)))
            for row in session.execute(select(TICKETS).where(TICKETS.c.created_day.in_(part)
                                                             | TICKETS.c.solved_day.in_(part))).mappings():
                rows[row["ticket_id"]] = dict(row)
        insert_cells(session, SUPPORT_DAY, SUPPORT_KEY, SUPPORT_MEASURES, support_cells(rows.values(), ticket_days))


class Phases(dict):
    """Seconds spent per phase: wall clock, and this process's CPU time ("<phase> cpu")."""

    def __init__(self) -> None:
        super().__init__()
        self._last = (time.perf_counter(), time.process_time())

    def done(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self[name] = round(now[0] - self._last[0], 3)
        self[f"{name} cpu"] = round(now[1] - self._last[1], 3)
        self._last = now
