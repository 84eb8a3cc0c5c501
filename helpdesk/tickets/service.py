"""Ticket rules: open, log calls, reply, change properties (with a version check), satisfaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer
from helpdesk.reports.tiers import sla_targets_for
from helpdesk.sales.models import Purchase, PurchaseLine
from helpdesk.search.models import DocType
from helpdesk.search.outbox import record_change
from helpdesk.tickets import numbers
from helpdesk.tickets.models import (
    OPEN_STATUSES,
    CallLog,
    Interaction,
    InteractionKind,
    MessageCreate,
    Tag,
    Ticket,
    TicketChannel,
    TicketCreate,
    TicketStatus,
    TicketTag,
    TicketUpdate,
)
from helpdesk.tickets.workflow import NEXT_STATUSES, SlaTargets, can_change_status, sla_due_times
from helpdesk.timeutil import utcnow

_FIRST_MESSAGE_KIND = {
    TicketChannel.PHONE: InteractionKind.CALL,
    TicketChannel.EMAIL: InteractionKind.EMAIL,
    TicketChannel.WEB: InteractionKind.EMAIL,
    TicketChannel.STORE: InteractionKind.NOTE,
}
_RESPONSE_KINDS = (InteractionKind.REPLY, InteractionKind.CALL, InteractionKind.EMAIL)


class TicketNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"There is no ticket {number}.")
        self.number = number


class TicketInvalid(ValueError):
    """Input that breaks a ticket rule; `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class StaleTicket(RuntimeError):
    """Someone else changed the ticket after this agent loaded it."""

    def __init__(self, number: str) -> None:
        super().__init__(
            f"{number} was changed by someone else while you were editing. Your change was not saved; "
            "the ticket below shows its current state."
        )
        self.number = number


# --- reading --------------------------------------------------------------------------------------


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


def _agent_name(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    return session.exec(select(Agent.name).where(Agent.id == agent_id)).first()


# --- writing --------------------------------------------------------------------------------------


def _already_done(session: Session, model, key: str | None):
    """The row a double-submitted form already created, if any."""
    if not key:
        return None
    return session.exec(select(model).where(model.idempotency_key == key)).first()


def _commit_once(session: Session, model, key: str | None):
    """Commit; if a twin submission committed the same idempotency key first, return its row instead.

    (SQLite serialises writers up front so the check before the insert suffices; PostgreSQL can let two
    twins past it, and then the unique index decides.)
    """
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _already_done(session, model, key)
        if existing is None:
            raise
        return existing
    return None


def new_ticket_number(session: Session) -> str:
    """The next T-number, from the shared counter."""
    value = numbers.next_value(
        session, "ticket", start_after=lambda: numbers.highest_suffix(session, Ticket.number, "T-")
    )
    return f"T-{value:06d}"


def _check_purchase_line(session: Session, customer: Customer, line_id: int | None) -> None:
    if line_id is None:
        return
    owner = session.exec(
        select(Purchase.customer_id).join(PurchaseLine, col(PurchaseLine.purchase_id) == Purchase.id)
        .where(PurchaseLine.id == line_id)
    ).first()
    if owner != customer.id:
        raise TicketInvalid({"purchase_line_id": "That item is not one of this customer's purchases."})


def _add_interaction(session: Session, interaction: Interaction) -> Interaction:
    session.add(interaction)
    session.flush()
    record_change(session, DocType.INTERACTION, interaction.id)
    return interaction


def _create_ticket(session: Session, customer: Customer, data: TicketCreate, agent_id: int | None, now: datetime) -> Ticket:
    _check_purchase_line(session, customer, data.purchase_line_id)
    first_due, resolution_due = sla_due_times(now, sla_targets(session, data.priority, tier=customer.tier))
    ticket = Ticket(
        number=new_ticket_number(session),
        customer_id=customer.id,
        subject=data.subject,
        status=TicketStatus.NEW,
        priority=data.priority,
        channel=data.channel,
        purchase_line_id=data.purchase_line_id,
        first_response_due=first_due,
        resolution_due=resolution_due,
        created_at=now,
        updated_at=now,
        created_by_id=agent_id,
        idempotency_key=data.idempotency_key,
    )
    session.add(ticket)
    session.flush()
    record_change(session, DocType.TICKET, ticket.id)
    return ticket


def open_ticket(
    session: Session, *, customer: Customer, data: TicketCreate, agent_id: int | None, commit: bool = True
) -> Ticket:
    """Open a ticket with its first message; a repeated submit returns the ticket it already made.

    With commit=False the caller commits, so a ticket can be created together with what it is about
    (a warranty claim): both exist or neither.
    """
    if existing := _already_done(session, Ticket, data.idempotency_key):
        return existing
    now = utcnow()
    ticket = _create_ticket(session, customer, data, agent_id, now)
    _add_interaction(session, Interaction(
        customer_id=customer.id, ticket_id=ticket.id, kind=_FIRST_MESSAGE_KIND[data.channel], channel=data.channel,
        author_id=agent_id, summary=data.subject, body=data.body, created_at=now,
    ))
    if commit and (twin := _commit_once(session, Ticket, data.idempotency_key)) is not None:
        return twin
    return ticket


def log_to_thread(session: Session, *, ticket_id: int, customer_id: int, kind: str, body: str,
                  agent_id: int | None) -> Interaction:
    """Add an entry to a ticket's thread inside the caller's transaction (used by claims)."""
    now = utcnow()
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None:
        _touch(ticket, now, responded=False)
        session.add(ticket)
    return _add_interaction(session, Interaction(customer_id=customer_id, ticket_id=ticket_id, kind=kind,
                                                 author_id=agent_id, body=body, created_at=now))


@dataclass
class LoggedCall:
    interaction: Interaction
    ticket: Ticket | None
    created_ticket: bool


def log_call(session: Session, *, customer: Customer, data: CallLog, agent_id: int) -> LoggedCall:
    """Record a call on the customer's history; attach it to an open ticket or open a new one from it."""
    if existing := _already_done(session, Interaction, data.idempotency_key):
        ticket = session.get(Ticket, existing.ticket_id) if existing.ticket_id else None
        return LoggedCall(existing, ticket, created_ticket=False)
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
        _touch(ticket, now, responded=True)
    elif data.open_ticket:
        ticket = _create_ticket(
            session, customer, TicketCreate(subject=data.summary, body=data.body or data.summary,
                                            channel=TicketChannel.PHONE, priority=data.priority), agent_id, now,
        )
    interaction = _add_interaction(session, Interaction(
        customer_id=customer.id, ticket_id=ticket.id if ticket else None, kind=InteractionKind.CALL,
        channel=TicketChannel.PHONE, author_id=agent_id, summary=data.summary, body=data.body or data.summary,
        outcome=data.outcome, idempotency_key=data.idempotency_key, created_at=now,
    ))
    if (twin := _commit_once(session, Interaction, data.idempotency_key)) is not None:
        twin_ticket = session.get(Ticket, twin.ticket_id) if twin.ticket_id else None
        return LoggedCall(twin, twin_ticket, created_ticket=False)
    return LoggedCall(interaction, ticket, created_ticket=data.open_ticket)


def _touch(ticket: Ticket, now: datetime, *, responded: bool) -> None:
    ticket.updated_at = now
    if responded and ticket.first_responded_at is None:
        ticket.first_responded_at = now


def _event(session: Session, ticket: Ticket, agent_id: int, text: str, now: datetime, *, kind=InteractionKind.EVENT) -> None:
    session.add(Interaction(customer_id=ticket.customer_id, ticket_id=ticket.id, kind=kind, author_id=agent_id,
                            body=text, created_at=now))


def _commit_versioned(session: Session, ticket: Ticket) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleTicket(ticket.number) from None


def add_message(session: Session, *, ticket: Ticket, data: MessageCreate, agent_id: int, version: int | None = None) -> Interaction:
    """Add a reply, note, call or e-mail to the thread; a public reply to a new ticket opens it."""
    if existing := _already_done(session, Interaction, data.idempotency_key):
        return existing
    if ticket.status == TicketStatus.CLOSED:
        raise TicketInvalid({"body": f"{ticket.number} is closed; open a new ticket instead."})
    if data.status is not None and version is not None and version != ticket.version:
        raise StaleTicket(ticket.number)
    now = utcnow()
    interaction = _add_interaction(session, Interaction(
        customer_id=ticket.customer_id, ticket_id=ticket.id, kind=data.kind, channel=ticket.channel,
        author_id=agent_id, body=data.body, idempotency_key=data.idempotency_key, created_at=now,
    ))
    _touch(ticket, now, responded=data.kind in _RESPONSE_KINDS)
    new_status = data.status
    if new_status is None and ticket.status == TicketStatus.NEW and data.kind in _RESPONSE_KINDS:
        new_status = TicketStatus.OPEN
    if new_status is not None and new_status != ticket.status:
        _change_status(session, ticket, new_status, agent_id, now)
    session.add(ticket)
    _commit_versioned(session, ticket)
    return interaction


def _change_status(session: Session, ticket: Ticket, new_status: str, agent_id: int, now: datetime) -> None:
    if not can_change_status(ticket.status, new_status):
        allowed = ", ".join(NEXT_STATUSES.get(ticket.status, ())) or "nothing (it is final)"
        raise TicketInvalid({"status": f"A {ticket.status} ticket can move to {allowed}, not {new_status}."})
    _event(session, ticket, agent_id, f"Status: {ticket.status} → {new_status}", now, kind=InteractionKind.STATUS_CHANGE)
    if new_status == TicketStatus.SOLVED:
        ticket.solved_at = now
    elif new_status == TicketStatus.OPEN:
        ticket.solved_at = None
    ticket.status = new_status


def update_ticket(session: Session, *, ticket: Ticket, data: TicketUpdate, agent_id: int) -> Ticket:
    """Change status, priority, assignee, tags or satisfaction; refused if the agent's view is stale."""
    if data.version != ticket.version:
        raise StaleTicket(ticket.number)
    # The lookups below (agents, tags, SLA) would each flush the pending change: one UPDATE, one version, per save.
    with session.no_autoflush:
        changed = _apply_update(session, ticket, data, agent_id)
    if changed:
        session.add(ticket)
        _commit_versioned(session, ticket)
    return ticket


def _apply_update(session: Session, ticket: Ticket, data: TicketUpdate, agent_id: int) -> bool:
    now = utcnow()
    changed = False
    if data.status is not None and data.status != ticket.status:
        _change_status(session, ticket, data.status, agent_id, now)
        changed = True
    if data.priority is not None and data.priority != ticket.priority:
        tier = session.get(Customer, ticket.customer_id).tier
        first_due, resolution_due = sla_due_times(ticket.created_at, sla_targets(session, data.priority, tier=tier))
        _event(session, ticket, agent_id, f"Priority: {ticket.priority} → {data.priority}", now)
        ticket.priority, ticket.first_response_due, ticket.resolution_due = data.priority, first_due, resolution_due
        changed = True
    if data.unassign or (data.assignee_id is not None and data.assignee_id != ticket.assignee_id):
        changed |= _assign(session, ticket, None if data.unassign else data.assignee_id, agent_id, now)
    if data.tags is not None:
        changed |= _set_tags(session, ticket, data.tags, agent_id, now)
    if data.satisfaction_score is not None:
        _record_satisfaction(session, ticket, data.satisfaction_score, data.satisfaction_comment, now, agent_id=agent_id)
        changed = True
    if changed:
        ticket.updated_at = now
    return changed


def _assign(session: Session, ticket: Ticket, assignee_id: int | None, agent_id: int, now: datetime) -> bool:
    if assignee_id == ticket.assignee_id:
        return False
    new_name = None
    if assignee_id is not None:
        agent = session.get(Agent, assignee_id)
        if agent is None or not agent.is_active:
            raise TicketInvalid({"assignee_id": "There is no active agent with that id."})
        new_name = agent.name
    old_name = _agent_name(session, ticket.assignee_id)
    _event(session, ticket, agent_id, f"Assignee: {old_name or 'nobody'} → {new_name or 'nobody'}", now)
    ticket.assignee_id = assignee_id
    return True


def ticket_tags(session: Session, ticket_id: int) -> list[str]:
    """The ticket's tag names, sorted."""
    return list(session.exec(
        select(Tag.name).join(TicketTag, col(TicketTag.tag_id) == Tag.id).where(TicketTag.ticket_id == ticket_id)
        .order_by(Tag.name)
    ).all())


def _set_tags(session: Session, ticket: Ticket, names: list[str], agent_id: int, now: datetime) -> bool:
    known = dict(session.exec(select(Tag.name, Tag.id).where(col(Tag.name).in_(names))).all()) if names else {}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise TicketInvalid({"tags": f"Unknown tag(s): {', '.join(unknown)}. Choose from the tag list."})
    current = set(ticket_tags(session, ticket.id))
    wanted = set(names)
    if current == wanted:
        return False
    session.execute(delete(TicketTag).where(col(TicketTag.ticket_id) == ticket.id))
    for name in sorted(wanted):
        session.add(TicketTag(ticket_id=ticket.id, tag_id=known[name]))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
    _event(session, ticket, agent_id, "Tags: " + "; ".join(parts), now)
    return True


def take_ticket(session: Session, *, ticket: Ticket, version: int, agent_id: int) -> Ticket:
    """Assign the ticket to the agent asking."""
    return update_ticket(session, ticket=ticket, data=TicketUpdate(version=version, assignee_id=agent_id), agent_id=agent_id)


# --- satisfaction ---------------------------------------------------------------------------------


def _record_satisfaction(session: Session, ticket: Ticket, score: int, comment: str | None, now: datetime,
                         *, agent_id: int | None) -> None:
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        raise TicketInvalid({"satisfaction_score": "Satisfaction is recorded once the ticket is solved."})
    if not 1 <= score <= 5:
        raise TicketInvalid({"satisfaction_score": "The score is from 1 to 5."})
    ticket.satisfaction_score = score
    ticket.satisfaction_comment = comment
    ticket.satisfaction_token_hash = None  # the customer's link is spent once a score is in
    who = "the agent, from the call" if agent_id else "the customer"
    text = f"Satisfaction: {score}/5 (given to {who})" + (f": {comment}" if comment else "")
    session.add(Interaction(customer_id=ticket.customer_id, ticket_id=ticket.id, kind=InteractionKind.EVENT,
                            author_id=agent_id, body=text, created_at=now))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_satisfaction_link(session: Session, *, ticket: Ticket) -> str:
    """A fresh one-time token for the customer's survey link (any earlier link stops working)."""
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        raise TicketInvalid({"satisfaction_score": "Ask for satisfaction once the ticket is solved."})
    if ticket.satisfaction_score is not None:
        raise TicketInvalid({"satisfaction_score": "This ticket already has a satisfaction score."})
    token = secrets.token_urlsafe(24)
    ticket.satisfaction_token_hash = _token_hash(token)
    session.add(ticket)
    _commit_versioned(session, ticket)
    return token


def ticket_for_survey(session: Session, token: str) -> Ticket | None:
    """The ticket a survey token belongs to, while the token is unspent."""
    if not token or len(token) > 100:
        return None
    return session.exec(select(Ticket).where(Ticket.satisfaction_token_hash == _token_hash(token))).first()


def record_customer_satisfaction(session: Session, *, token: str, score: int, comment: str | None) -> Ticket:
    """The customer's own answer through the one-time link."""
    ticket = ticket_for_survey(session, token)
    if ticket is None:
        raise TicketNotFound("for this link")
    _record_satisfaction(session, ticket, score, comment, utcnow(), agent_id=None)
    session.add(ticket)
    _commit_versioned(session, ticket)
    return ticket
