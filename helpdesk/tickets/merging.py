"""Merging two tickets of one customer: the secondary's thread moves into the primary, and the secondary closes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk.claims.models import WarrantyClaim
from helpdesk.history import service as history
from helpdesk.history.models import InteractionKind
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.tickets.errors import StaleTicket, TicketInvalid
from helpdesk.tickets.models import Ticket, TicketStatus
from helpdesk.tickets.service import get_ticket, versioned_save
from helpdesk.timeutil import utcnow


@dataclass(frozen=True)
class Merged:
    primary: Ticket
    secondary: Ticket
    moved: int


def _refuse_merge(secondary: Ticket, primary: Ticket) -> None:
    if primary.id == secondary.id:
        raise TicketInvalid({"primary": "A ticket cannot be merged into itself; give the other ticket's number."})
    if primary.customer_id != secondary.customer_id:
        raise TicketInvalid({"primary": f"{primary.number} belongs to another customer: only tickets of the same "
                                        "customer can be merged."})
    for ticket in (secondary, primary):
        if ticket.status == TicketStatus.CLOSED:
            raise TicketInvalid({"primary": f"{ticket.number} is closed; closed tickets cannot be merged."})


def merge_tickets(session: Session, *, secondary: Ticket, primary_number: str, version: int | None,
                  agent_id: int) -> Merged:
    """Move the secondary's thread (and claims) into the primary, mark both threads, close the secondary; commits.

    Refused (TicketInvalid) across customers, into itself, or with a closed ticket; StaleTicket when the secondary
    changed since the agent looked at it.
    """
    if version is None:
        raise TicketInvalid({"form": "The form was not complete; reload the ticket."})
    primary = get_ticket(session, primary_number) if primary_number.strip() else None
    if primary is None:
        raise TicketInvalid({"primary": "Give the number of the ticket to keep, e.g. T-000123."})
    _refuse_merge(secondary, primary)
    if version != secondary.version:
        raise StaleTicket(secondary.number)
    now = utcnow()
    moved = history.move_thread(session, from_ticket_id=secondary.id, to_ticket_id=primary.id)
    claims = list(session.exec(select(WarrantyClaim.id).where(WarrantyClaim.ticket_id == secondary.id)).all())
    if claims:
        session.execute(update(WarrantyClaim).where(col(WarrantyClaim.id).in_(claims)).values(ticket_id=primary.id))
        for claim_id in claims:
            record_change(session, DocType.CLAIM, claim_id)
    history.write_entry(session, customer_id=primary.customer_id, ticket_id=primary.id, kind=InteractionKind.EVENT,
                        author_id=agent_id, created_at=now,
                        body=f"Merged {secondary.number} ({secondary.subject}) into this ticket: "
                             f"{moved} entr{'y' if moved == 1 else 'ies'} moved here.")
    history.write_entry(session, customer_id=secondary.customer_id, ticket_id=secondary.id,
                        kind=InteractionKind.STATUS_CHANGE, author_id=agent_id, created_at=now,
                        body=f"Merged into {primary.number}; its thread continues there. "
                             f"Status: {secondary.status} → {TicketStatus.CLOSED}")
    secondary.status, secondary.merged_into_id, secondary.updated_at = TicketStatus.CLOSED, primary.id, now
    secondary.solved_at = secondary.solved_at or now
    primary.updated_at = now
    session.add_all([secondary, primary])
    with versioned_save(session, secondary):
        history.ticket_changed(session, secondary.id)
        history.ticket_changed(session, primary.id)
    return Merged(primary=primary, secondary=secondary, moved=moved)


def merged_into_number(session: Session, ticket: Ticket) -> str | None:
    """The number of the ticket this one was merged into, if it was."""
    if ticket.merged_into_id is None:
        return None
    return session.exec(select(Ticket.number).where(Ticket.id == ticket.merged_into_id)).first()
