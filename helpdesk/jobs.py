"""Background work with exactly one runner per job kind across every process and machine: a lease in the database.

A runner takes the lease for a while and renews it as it works; if it dies, the lease runs out and another
process takes over. This is enough for a handful of periodic jobs (log pruning, statistics refresh, SLA timers,
retention); a shop running many machines and many kinds of job would move them to a real queue (PostgreSQL
with SKIP LOCKED, or Redis) behind this same take/renew/release shape.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from helpdesk.db import Database
from helpdesk.timeutil import utcnow

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobLease(SQLModel, table=True):
    """Who runs a job kind, until when."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=60)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(default_factory=utcnow)


_L: Table = JobLease.__table__


def take(db: Database, name: str, *, for_: timedelta, holder: str = PROCESS_ID, now: datetime | None = None) -> bool:
    """Take (or renew) the lease on a job kind; False while another live holder has it."""
    now = now or utcnow()
    until = now + for_
    with db.write() as session:
        taken = session.execute(
            update(_L).where(_L.c.name == name, or_(_L.c.holder == holder, _L.c.expires_at < now))
            .values(holder=holder, expires_at=until)
        ).rowcount
        if not taken:
            if session.execute(select(_L.c.name).where(_L.c.name == name)).first() is not None:
                session.rollback()
                return False
            try:
                session.execute(insert(_L).values(name=name, holder=holder, expires_at=until))
            except IntegrityError:  # another process created it a moment ago: it holds it
                session.rollback()
                return False
        session.commit()
        return True


def release(db: Database, name: str, *, holder: str = PROCESS_ID) -> None:
    """Give the lease up at once (a clean shutdown), so another process need not wait for it to run out."""
    with db.write() as session:
        session.execute(delete(_L).where(_L.c.name == name, _L.c.holder == holder))
        session.commit()


def holder_of(db: Database, name: str) -> str | None:
    with db.read() as session:
        return session.execute(select(_L.c.holder).where(_L.c.name == name, _L.c.expires_at >= utcnow())).scalar()

