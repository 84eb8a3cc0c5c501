"""Counting failed tries: charge a try before checking it, refund it when it succeeds, lock when the limit is reached.

Charging first is what makes the limit hold when tries arrive together: the subject's row is locked from the count
to the commit (PostgreSQL: SELECT … FOR UPDATE after an insert that cannot conflict; SQLite: the write transaction's
lock, taken up front), so two simultaneous tries never see the same count, and no more than `failures` tries of a
window are ever checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from helpdesk.throttle.models import Throttle

# Rows whose window ended this long ago (and are not locked) have no effect left: swept as tries come in.
KEEP_FOR = timedelta(days=2)


@dataclass(frozen=True)
class Limit:
    """`failures` failed tries of one subject within `window` lock it for `lock_for`."""

    name: str
    failures: int
    window: timedelta
    lock_for: timedelta


@dataclass(frozen=True)
class Charge:
    """One try, counted: refused outright, or to be checked and then refunded (success) or locked on (failure)."""

    key: str
    limit: Limit
    failures: int
    refused_until: datetime | None = None

    @property
    def refused(self) -> bool:
        return self.refused_until is not None

    @property
    def is_last_chance(self) -> bool:
        """If this try fails, the subject is locked."""
        return not self.refused and self.failures >= self.limit.failures


def _key(limit: Limit, subject: str) -> str:
    return f"{limit.name}:{subject}"[:120]


def _insert_if_missing(session: Session, key: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(Throttle).values(key=key, window_start=now, failures=0)
                    .on_conflict_do_nothing(index_elements=["key"]))


def charge(session: Session, limit: Limit, subject: str, *, now: datetime) -> Charge:
    """Count this try as failed before it is checked (the caller commits, checks, then refunds or locks)."""
    key = _key(limit, subject)
    _insert_if_missing(session, key, now)
    row = session.exec(select(Throttle).where(Throttle.key == key).with_for_update()).one()
    if row.locked_until is not None and row.locked_until > now:
        return Charge(key, limit, row.failures, refused_until=row.locked_until)
    if row.window_start + limit.window <= now:
        row.window_start, row.failures, row.locked_until = now, 0, None
    row.failures += 1
    session.add(row)
    _sweep(session, now)
    if row.failures > limit.failures:
        # More tries than the limit allows are under way at once: the extra ones wait for the window to end.
        return Charge(key, limit, row.failures, refused_until=row.window_start + limit.window)
    return Charge(key, limit, row.failures)


def lock(session: Session, spent: Charge, *, now: datetime) -> datetime:
    """The try that reached the limit failed: refuse this subject until the lock ends; returns when that is."""
    until = now + spent.limit.lock_for
    session.execute(update(Throttle).where(col(Throttle.key) == spent.key).values(locked_until=until))
    return until


def refund(session: Session, spent: Charge, *, forget_failures: bool = False) -> None:
    """The try succeeded: take its charge back, or with `forget_failures` clear the subject's earlier failures too."""
    if forget_failures:
        session.execute(delete(Throttle).where(col(Throttle.key) == spent.key))
        return
    session.execute(update(Throttle).where(col(Throttle.key) == spent.key, col(Throttle.failures) > 0)
                    .values(failures=Throttle.failures - 1))


def _sweep(session: Session, now: datetime) -> None:
    # SKIP LOCKED: a row another try holds is left for a later sweep, so two sweeps can never wait on each other.
    stale = (select(Throttle.key)
             .where(col(Throttle.window_start) < now - KEEP_FOR,
                    or_(col(Throttle.locked_until).is_(None), col(Throttle.locked_until) < now))
             .limit(100).with_for_update(skip_locked=True))
    session.execute(delete(Throttle).where(col(Throttle.key).in_(stale.scalar_subquery())))
