"""Keeping the aggregate tables right: a full rebuild, and incremental steps that fold in what changed.

- `full_refresh` reads the source inside one consistent snapshot, computes every table in memory, then replaces
  them in one write transaction (agents' writes wait for the writing, not for the computing).
- `incremental_refresh` takes the customers (and purchase days) marked in stats_dirty, recomputes those customers
  from the source and moves the per-customer roll-ups by the difference between their old and new contributions;
  months and days with changed purchases or tickets are recomputed from the source. Both paths share facts.py and
  rollups.py, so they agree (tests/reports compare them).
- `refresh` picks: full when the as-of day or the settings changed since the last full one, else incremental.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from sqlalchemy import delete, select, update

from helpdesk.config import ReportSettings
from helpdesk.db import Database
from helpdesk.reports import source
from helpdesk.reports.build import Build, category_rows
from helpdesk.reports.facts import ROW_COLUMNS
from helpdesk.reports.incremental import incremental_refresh
from helpdesk.reports.models import StatsState
from helpdesk.reports.rollups import CUSTOMER_ROLLUPS, SALES_MEASURES, SUPPORT_MEASURES
from helpdesk.reports.state import (
    BUSY_EXPIRES,
    CATEGORIES,
    CLAIMS,
    CUBE,
    CUBE_KEY,
    CUSTOMERS,
    DIRTY,
    SALES_DAY,
    SUPPORT_DAY,
    SUPPORT_KEY,
    TICKETS,
    Phases,
    RefreshReport,
    finish_state,
    set_customer_tiers,
    settings_key,
    state_row,
)
from helpdesk.reports.store import delete_in, insert_cells, insert_rows, insert_tuples
from helpdesk.timeutil import shop_today, utcnow

__all__ = ["RefreshReport", "full_refresh", "incremental_refresh", "refresh", "settings_key"]

log = logging.getLogger("helpdesk.reports")


def refresh(db: Database, settings: ReportSettings, *, as_of: date | None = None, full: bool = False) -> RefreshReport:
    """What the background step and `helpdesk stats refresh` call."""
    target = as_of or shop_today()
    with db.read() as session:
        state = session.get(StatsState, 1)
        stale = state is None or state.as_of != target or state.settings_key != settings_key(settings)
    if full or stale:
        return full_refresh(db, settings, as_of=target)
    return incremental_refresh(db, settings)


# --- full -----------------------------------------------------------------------------------------


def _take_busy(db: Database) -> bool:
    """Mark a full refresh as running, unless another one is (and is recent)."""
    now = utcnow()
    with db.write() as session:
        state = state_row(session, lock=True)
        if state.busy_since is not None and now - state.busy_since < BUSY_EXPIRES:
            return False
        state.busy_since = now
        session.commit()
    return True


def _drop_busy(db: Database) -> None:
    with db.write() as session:
        session.execute(update(StatsState).where(StatsState.id == 1).values(busy_since=None))
        session.commit()


def full_refresh(db: Database, settings: ReportSettings, *, as_of: date) -> RefreshReport:
    """Rebuild every aggregate table from the source, as of `as_of`."""
    started = time.perf_counter()
    phases = Phases()
    if not _take_busy(db):
        return RefreshReport("busy", as_of)
    done = False
    try:
        build = Build(settings, as_of)
        with db.read() as session:
            if session.bind.dialect.name == "postgresql":
                # One snapshot for every query (PostgreSQL's default takes a new one per statement).
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            # Marks read first: a change committed later keeps its mark for the next incremental step.
            dirty_ids = [mark_id for (mark_id,) in source.rows(session, select(DIRTY.c.id))]
            categories = source.categories(session)
            loaded = source.load(session, source.EVERYONE)
            phases.done("read")
        build.add(loaded)
        del loaded
        phases.done("facts")
        result = build.finish()
        phases.done("roll-ups")
        with db.write() as session:
            state = state_row(session, lock=True)
            for table in (CUSTOMERS, TICKETS, CLAIMS, CUBE, SALES_DAY, SUPPORT_DAY, CATEGORIES):
                session.execute(delete(table))
            for table, key_columns, measure_columns, _ in CUSTOMER_ROLLUPS:
                session.execute(delete(table))
                insert_cells(session, table, key_columns, measure_columns, result.rollups[table.name])
            # Building an index once over sorted rows is cheaper than keeping it up to date row by row.
            indexes = [index for table in (CUSTOMERS, TICKETS, CLAIMS) for index in table.indexes]
            for index in indexes:
                index.drop(session.connection())
            insert_tuples(session, CUSTOMERS, ROW_COLUMNS, (facts.row_tuple() for facts in result.customers))
            insert_rows(session, TICKETS, result.tickets)
            insert_rows(session, CLAIMS, result.claims)
            for index in indexes:
                index.create(session.connection())
            insert_cells(session, CUBE, CUBE_KEY, SALES_MEASURES, result.sales)
            insert_cells(session, SALES_DAY, ("day",), SALES_MEASURES, result.sales_days)
            insert_cells(session, SUPPORT_DAY, SUPPORT_KEY, SUPPORT_MEASURES, result.support)
            insert_rows(session, CATEGORIES, category_rows(result.rollups["stats_gap"], categories, as_of, settings))
            set_customer_tiers(session, result.tier_changes)
            delete_in(session, DIRTY, "id", dirty_ids)
            finish_state(state, as_of=as_of, cutoffs=result.cutoffs, settings=settings,
                          full_seconds=time.perf_counter() - started)
            session.commit()
            phases.done("write")
            done = True
    finally:
        if not done:
            _drop_busy(db)
    report = RefreshReport("full", as_of, len(result.customers), time.perf_counter() - started, dict(phases))
    log.info("%s", report)
    return report
