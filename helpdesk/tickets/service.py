"""Ticket rules and queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk.customers.models import Customer
from helpdesk.tickets.models import OPEN_STATUSES, Ticket

MY_QUEUE_LIMIT = 50


@dataclass
class QueueRow:
    number: str
    subject: str
    status: str
    priority: str
    customer_id: str
    last_activity: datetime
    resolution_due: datetime | None


def my_open_tickets(session: Session, *, agent_id: int) -> list[QueueRow]:
    """The agent's own open tickets, oldest activity first so nothing sits forgotten."""
    rows = session.exec(
        select(Ticket, Customer.code)
        .join(Customer, col(Customer.id) == Ticket.customer_id)
        .where(Ticket.assignee_id == agent_id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.updated_at))
        .limit(MY_QUEUE_LIMIT)
    ).all()
    return [
        QueueRow(
            number=t.number,
            subject=t.subject,
            status=t.status,
            priority=t.priority,
            customer_id=code,
            last_activity=t.updated_at,
            resolution_due=t.resolution_due,
        )
        for t, code in rows
    ]
