"""Logging a call from the customer page: on the history, attached to an open ticket or opening one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from helpdesk.customers.models import Customer
from helpdesk.history import service as history
from helpdesk.history.models import Interaction, InteractionKind
from helpdesk.idempotency import KEY_REUSED, already_done, agent_scope, commit_once
from helpdesk.tickets.errors import TicketInvalid
from helpdesk.tickets.models import OPEN_STATUSES, CallLog, Ticket, TicketChannel, TicketCreate
from helpdesk.tickets.service import create_ticket, touch
from helpdesk.timeutil import utcnow


@dataclass
class LoggedCall:
    interaction: Interaction
    ticket: Ticket | None
    created_ticket: bool


def _logged(session: Session, entry: Interaction) -> LoggedCall:
    """What an earlier submission of the same form logged."""
    ticket = session.get(Ticket, entry.ticket_id) if entry.ticket_id else None
    return LoggedCall(entry, ticket, created_ticket=False)


def log_call(session: Session, *, customer: Customer, data: CallLog, agent_id: int) -> LoggedCall:
    """Record a call on the customer's history; attach it to an open ticket or open a new one from it."""
    scope = agent_scope(agent_id)
    if existing := already_done(session, Interaction, data.idempotency_key, scope):
        if existing.customer_id != customer.id:
            raise TicketInvalid({"idempotency_key": KEY_REUSED})
        return _logged(session, existing)
    if data.ticket_number and data.open_ticket:
        raise TicketInvalid({"ticket_number": "Attach the call to an open ticket or open a new one, not both."})
    now = utcnow()
    ticket = None
    if data.ticket_number:
        ticket = session.exec(select(Ticket).where(Ticket.number == data.ticket_number)).first()
        if ticket is None or ticket.customer_id != customer.id:
            raise TicketInvalid({"ticket_number": f"{data.ticket_number} is not one of this customer's tickets."})
        if ticket.status not in OPEN_STATUSES:
            raise TicketInvalid({"ticket_number": f"{ticket.number} is {ticket.status}; calls attach to open tickets."})
        touch(ticket, now, responded=True)
        session.add(ticket)
    elif data.open_ticket:
        ticket = create_ticket(
            session, customer, TicketCreate(subject=data.summary, body=data.body or data.summary,
                                            channel=TicketChannel.PHONE, priority=data.priority), agent_id, now,
        )
    entry = history.write_entry(
        session, customer_id=customer.id, ticket_id=ticket.id if ticket else None, kind=InteractionKind.CALL,
        channel=TicketChannel.PHONE, author_id=agent_id, summary=data.summary, body=data.body or data.summary,
        outcome=data.outcome, idempotency_key=data.idempotency_key, idempotency_scope=scope, created_at=now,
    )
    if (twin := commit_once(session, Interaction, data.idempotency_key, scope)) is not None:
        return _logged(session, twin)
    return LoggedCall(entry, ticket, created_ticket=data.open_ticket)
