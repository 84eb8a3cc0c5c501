"""Ticket rules: open a ticket, add to its thread, change its properties (with a version check)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from helpdesk import wording
from helpdesk.customers.models import Customer
from helpdesk.history import service as history
from helpdesk.history.models import Interaction, InteractionKind
from helpdesk.idempotency import KEY_REUSED, already_done, commit_once, sender_scope
from helpdesk.reports.tiers import sla_targets_for
from helpdesk.sales.models import Purchase, PurchaseLine
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.tickets import numbers
from helpdesk.tickets.errors import StaleTicket, TicketInvalid, TicketNotFound
from helpdesk.tickets.models import (
    MessageCreate,
    Ticket,
    TicketChannel,
    TicketCreate,
    TicketStatus,
)
from helpdesk.tickets.workflow import NEXT_STATUSES, SlaTargets, can_change_status, sla_due_times
from helpdesk.timeutil import utcnow

__all__ = ["StaleTicket", "TicketInvalid", "TicketNotFound"]

_FIRST_MESSAGE_KIND = {
    TicketChannel.PHONE: InteractionKind.CALL,
    TicketChannel.EMAIL: InteractionKind.EMAIL,
    TicketChannel.WEB: InteractionKind.EMAIL,
    TicketChannel.STORE: InteractionKind.NOTE,
}
# Entries that answer the customer: they count as the first response and move a new ticket to open.
RESPONSE_KINDS = (InteractionKind.REPLY, InteractionKind.CALL, InteractionKind.EMAIL)


def get_ticket(session: Session, number: str) -> Ticket:
    """The ticket with this number, or TicketNotFound."""
    ticket = session.exec(select(Ticket).where(Ticket.number == number.strip().upper())).first()
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def sla_targets(session: Session, priority: str, *, tier: str | None = None) -> SlaTargets:
    """The targets for a priority and the customer's value tier (tier_sla_policy, else the sla_policy table)."""
    targets = sla_targets_for(session, tier=tier or "standard", priority=priority)
    if targets is None:
        raise TicketInvalid({"priority": f"No SLA policy exists for priority {priority!r}."})
    return targets


def new_ticket_number(session: Session) -> str:
    """The next T-number, from the shared counter."""
    value = numbers.next_value(
        session, "ticket", start_after=lambda: numbers.highest_suffix(session, Ticket.number, "T-")
    )
    return f"T-{value:06d}"


@contextmanager
def versioned_save(session: Session, ticket: Ticket) -> Iterator[None]:
    """Write the ticket's change and commit; refused (StaleTicket) if someone saved it since it was read.

    The version check happens at the ticket's UPDATE, which any flush inside the block may send.
    """
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleTicket(ticket.number) from None


def touch(ticket: Ticket, now: datetime, *, responded: bool) -> None:
    """Record activity on the ticket (and the first response, if this is one)."""
    ticket.updated_at = now
    if responded and ticket.first_responded_at is None:
        ticket.first_responded_at = now


# --- opening --------------------------------------------------------------------------------------


def _check_purchase_line(session: Session, customer: Customer, line_id: int | None) -> None:
    if line_id is None:
        return
    owner = session.exec(
        select(Purchase.customer_id).join(PurchaseLine, col(PurchaseLine.purchase_id) == Purchase.id)
        .where(PurchaseLine.id == line_id)
    ).first()
    if owner != customer.id:
        raise TicketInvalid({"purchase_line_id": "That item is not one of this customer's purchases."})


def create_ticket(session: Session, customer: Customer, data: TicketCreate, agent_id: int | None, now: datetime,
                  idempotency_scope: str | None = None) -> Ticket:
    """The ticket row alone, queued for the index; its first entry is the caller's to write."""
    _check_purchase_line(session, customer, data.purchase_line_id)
    first_due, resolution_due = sla_due_times(now, sla_targets(session, data.priority, tier=customer.tier))
    ticket = Ticket(
        number=new_ticket_number(session), customer_id=customer.id, subject=data.subject, status=TicketStatus.NEW,
        priority=data.priority, channel=data.channel, purchase_line_id=data.purchase_line_id,
        first_response_due=first_due, resolution_due=resolution_due, created_at=now, updated_at=now,
        created_by_id=agent_id, idempotency_key=data.idempotency_key,
        idempotency_scope=idempotency_scope if data.idempotency_key else None,
    )
    session.add(ticket)
    session.flush()
    record_change(session, DocType.TICKET, ticket.id)
    return ticket


def open_ticket(
    session: Session, *, customer: Customer, data: TicketCreate, agent_id: int | None, commit: bool = True,
    idempotency_scope: str | None = None,
) -> Ticket:
    """Open a ticket with its first message; a repeated submit from the same sender returns the ticket it made.

    With commit=False the caller commits, so a ticket can be created together with what it is about
    (a warranty claim): both exist or neither. `idempotency_scope`: who sent the key (default: the agent, or the
    customer on the public page).
    """
    scope = idempotency_scope or sender_scope(agent_id=agent_id, customer_id=customer.id)
    if existing := already_done(session, Ticket, data.idempotency_key, scope):
        if existing.customer_id != customer.id:
            raise TicketInvalid({"idempotency_key": KEY_REUSED})
        return existing
    now = utcnow()
    ticket = create_ticket(session, customer, data, agent_id, now, idempotency_scope=scope)
    history.write_entry(session, customer_id=customer.id, ticket_id=ticket.id, kind=_FIRST_MESSAGE_KIND[data.channel],
                        channel=data.channel, author_id=agent_id, summary=data.subject, body=data.body, created_at=now)
    if commit and (twin := commit_once(session, Ticket, data.idempotency_key, scope)) is not None:
        return twin
    return ticket


# --- the thread -----------------------------------------------------------------------------------


def add_to_thread(session: Session, *, ticket_id: int, kind: str, body: str, agent_id: int | None) -> Interaction:
    """Add an entry to a ticket's thread inside the caller's transaction (claims log their steps this way)."""
    now = utcnow()
    ticket = session.get(Ticket, ticket_id)
    touch(ticket, now, responded=False)
    session.add(ticket)
    return history.write_entry(session, customer_id=ticket.customer_id, ticket_id=ticket.id, kind=kind,
                               author_id=agent_id, body=body, created_at=now)


# A plain message retried this many times when other saves keep overtaking it.
PLAIN_MESSAGE_ATTEMPTS = 3


def add_message(session: Session, *, ticket: Ticket, data: MessageCreate, agent_id: int, version: int | None = None,
                idempotency_scope: str | None = None) -> Interaction:
    """Add a reply, note, call or e-mail to the thread; a public reply to a new ticket opens it."""
    scope = idempotency_scope or sender_scope(agent_id=agent_id, customer_id=ticket.customer_id)
    if existing := already_done(session, Interaction, data.idempotency_key, scope):
        if existing.ticket_id != ticket.id:
            raise TicketInvalid({"idempotency_key": KEY_REUSED})
        return existing
    if data.status is not None and version is not None and version != ticket.version:
        raise StaleTicket(ticket.number)
    for attempt in range(1, PLAIN_MESSAGE_ATTEMPTS + 1):
        try:
            return _add_message_once(session, ticket=ticket, data=data, agent_id=agent_id, scope=scope)
        except StaleTicket:
            # Someone saved the ticket between our read and our write. A message that changes no property asked
            # for by the agent does not depend on what they saw: add it to the ticket as it is now (PostgreSQL lets
            # two notes race here; SQLite's write lock serialises them). A status change stays refused.
            if data.status is not None or attempt == PLAIN_MESSAGE_ATTEMPTS:
                raise
            session.refresh(ticket)
    raise AssertionError("unreachable")  # pragma: no cover


def _add_message_once(session: Session, *, ticket: Ticket, data: MessageCreate, agent_id: int,
                      scope: str) -> Interaction:
    if ticket.status == TicketStatus.CLOSED:
        raise TicketInvalid({"body": f"{ticket.number} is closed; open a new ticket instead."})
    now = utcnow()
    touch(ticket, now, responded=data.kind in RESPONSE_KINDS)
    new_status = data.status
    if new_status is None and ticket.status == TicketStatus.NEW and data.kind in RESPONSE_KINDS:
        new_status = TicketStatus.OPEN
    events = []
    if new_status is not None and new_status != ticket.status:
        events.append(change_status(ticket, new_status, now))
    session.add(ticket)
    try:
        with versioned_save(session, ticket):
            entry = history.write_entry(session, customer_id=ticket.customer_id, ticket_id=ticket.id, kind=data.kind,
                                        channel=ticket.channel, author_id=agent_id, body=data.body,
                                        idempotency_key=data.idempotency_key, idempotency_scope=scope, created_at=now)
            write_events(session, ticket, events, agent_id, now)
    except IntegrityError:
        # PostgreSQL let a twin submission past the check above; the unique (scope, key) index kept one.
        session.rollback()
        if (twin := already_done(session, Interaction, data.idempotency_key, scope)) is None:
            raise
        return twin
    return entry


# --- properties -----------------------------------------------------------------------------------


def change_status(ticket: Ticket, new_status: str, now: datetime) -> tuple[str, str]:
    if not can_change_status(ticket.status, new_status):
        allowed = wording.options(NEXT_STATUSES.get(ticket.status, ())) or "nothing (it is final)"
        raise TicketInvalid({"status": f"{wording.a_status(ticket.status, 'ticket')} can move to {allowed}, "
                                       f"not {wording.human(new_status)}."})
    event = (InteractionKind.STATUS_CHANGE, f"Status: {ticket.status} → {new_status}")
    if new_status == TicketStatus.SOLVED:
        ticket.solved_at = now
    elif new_status == TicketStatus.OPEN:
        ticket.solved_at = None
    ticket.status = new_status
    return event


def write_events(session: Session, ticket: Ticket, events: list[tuple[str, str]], agent_id: int | None,
                  now: datetime) -> None:
    """Record the changes in the thread and queue the ticket, whose documents carry its status and assignee."""
    if not events:
        return
    for kind, text in events:
        history.write_entry(session, customer_id=ticket.customer_id, ticket_id=ticket.id, kind=kind,
                            author_id=agent_id, body=text, created_at=now)
    history.ticket_changed(session, ticket.id)
