"""The incremental refresh: fold the customers and days marked in stats_dirty into the aggregate tables.

Those customers are recomputed from the source; the per-customer roll-ups move by the difference between their old
contributions (from their stored rows) and the new ones; cut-offs are recomputed and customers around a moved
cut-off re-tiered (their sales move between tiers); new purchases join their month and day, and months or days
whose purchases or tickets changed are rebuilt from the source.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from helpdesk.config import ReportSettings
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.reports import rules, source, tiers
from helpdesk.reports.build import Build, category_rows
from helpdesk.reports.facts import STATS_CUSTOMER_COLUMNS, CustomerFacts, facts_from_row, month_of
from helpdesk.reports.models import StatsCustomer, StatsGap, TierOverride
from helpdesk.reports.rollups import (
    CUSTOMER_ROLLUPS,
    SALES_MEASURES,
    Cells,
    add_into,
    sales_cells,
    sales_day_cells,
)
from helpdesk.reports.state import (
    BUSY_EXPIRES,
    CATEGORIES,
    CLAIMS,
    CUBE,
    CUBE_KEY,
    CUSTOMERS,
    DIRTY,
    ID_BATCH,
    SALES_DAY,
    TICKETS,
    Phases,
    RefreshReport,
    finish_state,
    rebuild_days,
    set_customer_tiers,
    state_row,
)
from helpdesk.reports.store import apply_delta, delete_in, insert_cells, insert_rows
from helpdesk.sales.models import Purchase
from helpdesk.timeutil import utcnow

log = logging.getLogger("helpdesk.reports")

MAX_DIRTY = 20_000  # marks folded in by one step; more wait for the next step


def _stored_facts(session: Session, ids: list[int]) -> dict[int, CustomerFacts]:
    columns = [CUSTOMERS.c[name] for name in (*STATS_CUSTOMER_COLUMNS, "history")]
    found = {}
    for start in range(0, len(ids), ID_BATCH):
        for row in session.execute(select(*columns).where(CUSTOMERS.c.customer_id.in_(ids[start:start + ID_BATCH]))
                                   ).mappings():
            found[row["customer_id"]] = facts_from_row(dict(row))
    return found


def _cutoffs_from_table(session: Session, settings: ReportSettings) -> rules.Cutoffs:
    """The same cut-offs as rules.cutoffs_from, read through the value index instead of sorting everyone."""
    value = StatsCustomer.value_12m_paise
    ranked = session.execute(select(func.count()).where(value > 0)).scalar_one()
    if not ranked:
        return rules.Cutoffs(None, None, None, 0)
    picks = []
    for percent in settings.tier_top_percent:
        offset = rules.cutoff_rank(ranked, percent) - 1
        picks.append(session.execute(
            select(value).where(value > 0).order_by(value.desc()).limit(1).offset(offset)).scalar_one())
    return rules.Cutoffs(*picks, ranked=ranked)


def _boundary_customers(session: Session, old: rules.Cutoffs, new: rules.Cutoffs, skip: set[int]) -> list[int]:
    """Customers whose band may change because a cut-off moved: their value lies between the old and new cut-off."""
    value, customer_id = StatsCustomer.value_12m_paise, StatsCustomer.customer_id
    conditions = []
    for before, after in zip((old.platinum, old.gold, old.silver), (new.platinum, new.gold, new.silver)):
        if before == after:
            continue
        if before is None or after is None:
            conditions.append(value > 0)
        else:
            conditions.append(value.between(min(before, after), max(before, after)))
    if (old.ranked == 0) != (new.ranked == 0):
        conditions.append(StatsCustomer.derived_tier != "standard")
    found: set[int] = set()
    for condition in conditions:
        found.update(session.execute(select(customer_id).where(condition)).scalars())
    return sorted(found - skip)


def _write_customers(session: Session, facts: dict[int, CustomerFacts]) -> None:
    delete_in(session, CUSTOMERS, "customer_id", list(facts))
    insert_rows(session, CUSTOMERS, [f.row() for f in facts.values()])


def _write_values(session: Session, new: dict[int, CustomerFacts], old: dict[int, CustomerFacts]) -> None:
    """Just the new 12-month values (the cut-offs read them); whole rows follow once the tiers are decided."""
    changed = [(f.value_12m_paise, cid) for cid, f in new.items() if cid in old and old[cid].value_12m_paise != f.value_12m_paise]
    if changed:
        marker = "?" if session.connection().dialect.name == "sqlite" else "%s"
        session.connection().exec_driver_sql(
            f"UPDATE stats_customer SET value_12m_paise = {marker} WHERE customer_id = {marker}", changed)
    newcomers = {cid: f for cid, f in new.items() if cid not in old}
    if newcomers:
        for facts in newcomers.values():
            facts.tier = facts.derived_tier = "standard"
        insert_rows(session, CUSTOMERS, [f.row() for f in newcomers.values()])


def incremental_refresh(db: Database, settings: ReportSettings) -> RefreshReport:
    """Fold the marked customers and days into the aggregate tables (one write transaction)."""
    started = time.perf_counter()
    phases = Phases()
    with db.write() as session:
        state = state_row(session, lock=True)
        if state.as_of is None:
            return RefreshReport("stale", None)  # never fully refreshed: refresh() runs the full one
        if state.busy_since is not None and utcnow() - state.busy_since < BUSY_EXPIRES:
            return RefreshReport("busy", state.as_of)
        marks = session.execute(select(DIRTY.c.id, DIRTY.c.customer_id, DIRTY.c.day, DIRTY.c.purchase_id)
                                .order_by(DIRTY.c.id).limit(MAX_DIRTY)).all()
        if not marks:
            return RefreshReport("nothing", state.as_of)
        ids = sorted({customer_id for _, customer_id, _, _ in marks})
        new_purchases = {purchase_id for _, _, _, purchase_id in marks if purchase_id is not None}
        sale_days = {day for _, _, day, purchase_id in marks if day is not None and purchase_id is None}
        as_of, old_cutoffs = state.as_of, tiers.current_cutoffs(session)
        old = _stored_facts(session, ids)
        build = Build(settings, as_of)
        build.add(source.load(session, source.Customers(ids=tuple(ids))))
        new = {facts.customer_id: facts for facts in build.customers}
        phases.done("read")
        # Write the new 12-month values first, so the cut-offs see everyone's; then decide the tiers.
        _write_values(session, new, old)
        cutoffs = _cutoffs_from_table(session, settings)
        boundary = _boundary_customers(session, old_cutoffs, cutoffs, set(ids))
        for customer_id, facts in _stored_facts(session, boundary).items():
            old[customer_id], new[customer_id] = facts, facts_from_row(facts.row())
        overrides = _overrides(session, list(new))
        for facts in new.values():
            tiers.decide(facts, cutoffs=cutoffs, override_tier=overrides.get(facts.customer_id), settings=settings)
        _write_customers(session, new)
        phases.done("tiers")
        changed_tables = _move_customer_rollups(session, old, new)
        phases.done("customer roll-ups")
        months = {month_of(day) for day in sale_days}
        _move_sales(session, old, new, skip_months=months, skip_purchases=new_purchases)
        phases.done("re-tiered sales")
        if months:
            purchases = source.purchases_in_months(session, months)
            tier_of = _tiers_of(session, {purchase.customer_id for purchase in purchases})
            delete_in(session, CUBE, "month", months)
            insert_cells(session, CUBE, CUBE_KEY, SALES_MEASURES, sales_cells(purchases, tier_of))
        _add_new_purchases(session, new_purchases, skip_months=months, skip_days=sale_days)
        phases.done("sales months")
        ticket_days = _replace_changed(session, TICKETS, "ticket_id", ids, build.tickets)
        _replace_changed(session, CLAIMS, "claim_id", ids, build.claims)
        rebuild_days(session, sale_days=sale_days, ticket_days=ticket_days)
        phases.done("days")
        if "stats_gap" in changed_tables:  # thresholds follow the gaps (the as-of day is the same)
            _refresh_categories(session, as_of, settings)
        set_customer_tiers(session, _changed_tiers(session, new))
        delete_in(session, DIRTY, "id", [mark[0] for mark in marks])
        finish_state(state, as_of=as_of, cutoffs=cutoffs, settings=settings)
        phases.done("finish")
        session.commit()
        phases.done("commit")
    phases["boundary customers"], phases["re-tiered customers"] = len(boundary), sum(
        1 for cid, facts in new.items() if cid in old and old[cid].tier != facts.tier)
    report = RefreshReport("incremental", as_of, len(new), time.perf_counter() - started, dict(phases))
    log.debug("%s", report)
    return report


def _overrides(session: Session, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), ID_BATCH):
        found.update(session.execute(select(TierOverride.customer_id, TierOverride.tier)
                                     .where(TierOverride.customer_id.in_(ids[start:start + ID_BATCH]))).all())
    return found


def _changed_tiers(session: Session, new: dict[int, CustomerFacts]) -> dict[int, str]:
    table, ids, current = Customer.__table__, list(new), {}
    for start in range(0, len(ids), ID_BATCH):
        current.update(session.execute(select(table.c.id, table.c.tier)
                                       .where(table.c.id.in_(ids[start:start + ID_BATCH]))).all())
    return {cid: facts.tier for cid, facts in new.items() if cid in current and current[cid] != facts.tier}


def _move_customer_rollups(session: Session, old: dict[int, CustomerFacts], new: dict[int, CustomerFacts]) -> set[str]:
    """Take back the customers' old contributions and add the new ones; returns the tables that changed."""
    changed = set()
    for table, key_columns, measure_columns, add in CUSTOMER_ROLLUPS:
        delta: Cells = {}
        for facts in old.values():
            add(delta, facts, -1)
        for facts in new.values():
            add(delta, facts)
        if apply_delta(session, table, key_columns, measure_columns, delta):
            changed.add(table.name)
    return changed


def _move_sales(session: Session, old: dict[int, CustomerFacts], new: dict[int, CustomerFacts], *,
                skip_months: set[date], skip_purchases: set[int]) -> None:
    """Re-tiered customers' sales leave their old tier's cells and join the new tier's (skipping months rebuilt
    from the source anyway, and new purchases, which are not in the cells yet)."""
    moved = {cid: (old[cid].tier, facts.tier) for cid, facts in new.items() if cid in old and old[cid].tier != facts.tier}
    if not moved:
        return
    purchases = [purchase for purchase in source.purchases_where(session, Purchase.__table__.c.customer_id.in_(list(moved)))
                 if month_of(purchase.day) not in skip_months and purchase.id not in skip_purchases]
    delta = sales_cells(purchases, {cid: tiers_[0] for cid, tiers_ in moved.items()}, sign=-1)
    add_into(delta, sales_cells(purchases, {cid: tiers_[1] for cid, tiers_ in moved.items()}))
    apply_delta(session, CUBE, CUBE_KEY, SALES_MEASURES, delta)


def _add_new_purchases(session: Session, purchase_ids: set[int], *, skip_months: set[date],
                       skip_days: set[date]) -> None:
    """New purchases join their month's and day's cells (unless those are being rebuilt from the source)."""
    if not purchase_ids:
        return
    ids = sorted(purchase_ids)
    purchases = []
    for start in range(0, len(ids), ID_BATCH):
        purchases += source.purchases_where(session, Purchase.__table__.c.id.in_(ids[start:start + ID_BATCH]))
    tier_of = _tiers_of(session, {purchase.customer_id for purchase in purchases})
    apply_delta(session, CUBE, CUBE_KEY, SALES_MEASURES,
                sales_cells([p for p in purchases if month_of(p.day) not in skip_months], tier_of))
    apply_delta(session, SALES_DAY, ("day",), SALES_MEASURES,
                sales_day_cells([p for p in purchases if p.day not in skip_days]))


def _tiers_of(session: Session, customer_ids: set[int]) -> dict[int, str]:
    ids, found = sorted(customer_ids), {}
    for start in range(0, len(ids), ID_BATCH):
        found.update(session.execute(select(CUSTOMERS.c.customer_id, CUSTOMERS.c.tier)
                                     .where(CUSTOMERS.c.customer_id.in_(ids[start:start + ID_BATCH]))).all())
    return found


def _replace_changed(session: Session, table, key: str, ids: list[int], new_rows: list[dict]) -> set[date]:
    """Swap in the rows (of stats_ticket or stats_claim) that changed for these customers; returns the days the
    changed tickets fell on before and fall on now (a new purchase changes none, so no support day is redone)."""
    old_rows: dict[int, dict] = {}
    for start in range(0, len(ids), ID_BATCH):
        for row in session.execute(select(table).where(table.c.customer_id.in_(ids[start:start + ID_BATCH]))).mappings():
            old_rows[row[key]] = dict(row)
    new_by_key = {row[key]: row for row in new_rows}
    changed = [row for row_key, row in new_by_key.items() if old_rows.get(row_key) != row]
    gone = [row_key for row_key in old_rows if row_key not in new_by_key]
    delete_in(session, table, key, [row[key] for row in changed] + gone)
    insert_rows(session, table, changed)
    days: set[date] = set()
    for row in (*changed, *(old_rows[row_key] for row_key in old_rows if row_key in gone or
                            (row_key in new_by_key and old_rows[row_key] != new_by_key[row_key]))):
        for name in ("created_day", "solved_day"):
            if row.get(name) is not None:
                days.add(row[name])
    return days


def _refresh_categories(session: Session, as_of: date, settings: ReportSettings) -> None:
    gaps: Cells = {(c, d): [n] for c, d, n in source.rows(
        session, select(StatsGap.category, StatsGap.gap_days, StatsGap.purchases))}
    session.execute(delete(CATEGORIES))
    insert_rows(session, CATEGORIES, category_rows(gaps, source.categories(session), as_of, settings))
