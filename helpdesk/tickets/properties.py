"""Changing a ticket's properties: status, priority, assignee, tags and the agent's satisfaction entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent
from helpdesk.customers.models import Customer
from helpdesk.history.models import InteractionKind
from helpdesk.tickets import satisfaction
from helpdesk.tickets.errors import StaleTicket, TicketInvalid
from helpdesk.tickets.models import Tag, Ticket, TicketTag, TicketUpdate
from helpdesk.tickets.service import change_status, sla_targets, versioned_save, write_events
from helpdesk.tickets.workflow import sla_due_times
from helpdesk.timeutil import utcnow


def update_ticket(session: Session, *, ticket: Ticket, data: TicketUpdate, agent_id: int) -> Ticket:
    """Change status, priority, assignee, tags or satisfaction; refused if the agent's view is stale."""
    if data.version != ticket.version:
        if _already_applied(session, ticket, data):
            # A repeated submit (a double click on a page without JavaScript) asks for what the ticket already is.
            return ticket
        raise StaleTicket(ticket.number)
    now = utcnow()
    # The lookups below (agents, tags, SLA) would each flush the pending change: one UPDATE, one version, per save.
    with session.no_autoflush:
        events = _apply_update(session, ticket, data, agent_id, now)
    if events:
        ticket.updated_at = now
        session.add(ticket)
        with versioned_save(session, ticket):
            write_events(session, ticket, events, agent_id, now)
    return ticket


def _already_applied(session: Session, ticket: Ticket, data: TicketUpdate) -> bool:
    """True when every property the form asks for already holds: nothing anyone changed would be overwritten."""
    wanted_assignee = None if data.unassign else data.assignee_id
    return not (
        (data.status is not None and data.status != ticket.status)
        or (data.priority is not None and data.priority != ticket.priority)
        or ((data.unassign or data.assignee_id is not None) and wanted_assignee != ticket.assignee_id)
        or (data.satisfaction_score is not None and data.satisfaction_score != ticket.satisfaction_score)
        or (data.tags is not None and sorted(data.tags) != ticket_tags(session, ticket.id))
    )


def _apply_update(session: Session, ticket: Ticket, data: TicketUpdate, agent_id: int, now: datetime) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    if data.status is not None and data.status != ticket.status:
        events.append(change_status(ticket, data.status, now))
    if data.priority is not None and data.priority != ticket.priority:
        tier = session.get(Customer, ticket.customer_id).tier
        first_due, resolution_due = sla_due_times(ticket.created_at, sla_targets(session, data.priority, tier=tier))
        events.append((InteractionKind.EVENT, f"Priority: {ticket.priority} → {data.priority}"))
        ticket.priority, ticket.first_response_due, ticket.resolution_due = data.priority, first_due, resolution_due
    if data.unassign or (data.assignee_id is not None and data.assignee_id != ticket.assignee_id):
        events.extend(_assign(session, ticket, None if data.unassign else data.assignee_id))
    if data.tags is not None:
        events.extend(_set_tags(session, ticket, data.tags))
    if data.satisfaction_score is not None:
        events.append(satisfaction.record(ticket, data.satisfaction_score, data.satisfaction_comment, by_agent=True))
    return events


def _agent_name(session: Session, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    return session.exec(select(Agent.name).where(Agent.id == agent_id)).first()


def _assign(session: Session, ticket: Ticket, assignee_id: int | None) -> list[tuple[str, str]]:
    if assignee_id == ticket.assignee_id:
        return []
    new_name = None
    if assignee_id is not None:
        agent = session.get(Agent, assignee_id)
        if agent is None or not agent.is_active:
            raise TicketInvalid({"assignee_id": "There is no active agent with that id."})
        new_name = agent.name
    old_name = _agent_name(session, ticket.assignee_id)
    ticket.assignee_id = assignee_id
    return [(InteractionKind.EVENT, f"Assignee: {old_name or 'nobody'} → {new_name or 'nobody'}")]


def ticket_tags(session: Session, ticket_id: int) -> list[str]:
    """The ticket's tag names, sorted."""
    return list(session.exec(
        select(Tag.name).join(TicketTag, col(TicketTag.tag_id) == Tag.id).where(TicketTag.ticket_id == ticket_id)
        .order_by(Tag.name)
    ).all())


def _set_tags(session: Session, ticket: Ticket, names: list[str]) -> list[tuple[str, str]]:
    known = dict(session.exec(select(Tag.name, Tag.id).where(col(Tag.name).in_(names))).all()) if names else {}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise TicketInvalid({"tags": f"Unknown tag(s): {', '.join(unknown)}. Choose from the tag list."})
    current = set(ticket_tags(session, ticket.id))
    wanted = set(names)
    if current == wanted:
        return []
    session.execute(delete(TicketTag).where(col(TicketTag.ticket_id) == ticket.id))
    for name in sorted(wanted):
        session.add(TicketTag(ticket_id=ticket.id, tag_id=known[name]))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
    return [(InteractionKind.EVENT, "Tags: " + "; ".join(parts))]


def take_ticket(session: Session, *, ticket: Ticket, version: int, agent_id: int) -> Ticket:
    """Assign the ticket to the agent asking."""
    return update_ticket(session, ticket=ticket, data=TicketUpdate(version=version, assignee_id=agent_id), agent_id=agent_id)
