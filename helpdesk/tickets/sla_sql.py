"""The SLA warning rule of tickets/workflow.py as a SQL condition, for the queue's SLA view and its count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlmodel import col

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.workflow import WARNING_CAP, WARNING_SHARE


class epoch_seconds(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds since 1970 of a stored UTC datetime, on PostgreSQL and SQLite alike."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_postgresql(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # SQLite keeps UTC datetimes as text; julianday() reads that text, and day 2440587.5 is 1970-01-01.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


def _warns(due, now: datetime) -> ColumnElement[bool]:
    """workflow.warns_from(due, created_at) <= now, rearranged for SQL.

    due - min(share * (due - created), cap) <= now  ⟺  due <= now + cap  and  (1 - share) * due + share * created <= now
    """
    weighted = (1 - WARNING_SHARE) * epoch_seconds(due) + WARNING_SHARE * epoch_seconds(Ticket.created_at)
    return (due <= now + WARNING_CAP) & (weighted <= now.timestamp())


def sla_trouble(now: datetime) -> ColumnElement[bool]:
    """Open tickets whose SLA state is breaching or breached at `now` (status is the caller's condition)."""
    return or_(
        _warns(col(Ticket.resolution_due), now),
        col(Ticket.first_responded_at).is_(None) & _warns(col(Ticket.first_response_due), now),
    )
