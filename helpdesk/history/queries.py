"""Reading history: one entry type, one keyset cursor, for the customer timeline and the ticket thread alike.

Both are newest-first pages keyed by (created_at, id), each served in order by its own index
(ix_interaction_customer_time, ix_interaction_ticket_time), so a page costs the same at any depth.
The statements are built once at import and run with bound parameters: the customer page runs them
while a caller waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, tuple_
from sqlmodel import Session, col

from helpdesk.auth.models import Agent
from helpdesk.history.models import Interaction
from helpdesk.paging import Page, decode_keyset, encode_keyset
from helpdesk.tickets.models import Ticket

TIMELINE_PAGE_SIZE = 20
THREAD_PAGE_SIZE = 50


@dataclass
class HistoryEntry:
    """One entry as pages and the API show it."""

    id: int
    kind: str
    channel: str | None
    summary: str | None
    body: str
    outcome: str | None
    created_at: datetime
    author_name: str | None
    ticket_number: str | None


_BASE = (
    select(Interaction.id, Interaction.kind, Interaction.channel, Interaction.summary, Interaction.body,
           Interaction.outcome, Interaction.created_at, Agent.name, Ticket.number)
    .join(Agent, col(Agent.id) == Interaction.author_id, isouter=True)
    .join(Ticket, col(Ticket.id) == Interaction.ticket_id, isouter=True)
)
_NEWEST_FIRST = (col(Interaction.created_at).desc(), col(Interaction.id).desc())
_BEFORE = tuple_(col(Interaction.created_at), col(Interaction.id)) < tuple_(
    bindparam("before_at", type_=Interaction.__table__.c.created_at.type), bindparam("before_id")
)
_OWNER = {
    "customer": Interaction.customer_id == bindparam("owner_id"),
    "ticket": Interaction.ticket_id == bindparam("owner_id"),
}
_STATEMENTS = {
    (owner, after): _BASE.where(condition, *((_BEFORE,) if after else ())).order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit"))
    for owner, condition in _OWNER.items() for after in (False, True)
}
_ONE = _BASE.where(Interaction.id == bindparam("entry_id"))


def _entry(row) -> HistoryEntry:
    return HistoryEntry(*row)


def _page(session: Session, owner: str, owner_id: int, cursor: str | None, size: int) -> Page[HistoryEntry]:
    params = {"owner_id": owner_id, "limit": size + 1}
    if cursor:
        params["before_at"], params["before_id"] = decode_keyset(cursor)
    rows = session.execute(_STATEMENTS[owner, bool(cursor)], params).all()
    shown = [_entry(row) for row in rows[:size]]
    next_cursor = encode_keyset(shown[-1].created_at, shown[-1].id) if len(rows) > size else None
    return Page(items=shown, next_cursor=next_cursor)


def customer_timeline(session: Session, customer_id: int, *, cursor: str | None = None) -> Page[HistoryEntry]:
    """The customer's history, newest first; `cursor` continues after an earlier page."""
    return _page(session, "customer", customer_id, cursor, TIMELINE_PAGE_SIZE)


def ticket_thread(session: Session, ticket_id: int, *, cursor: str | None = None) -> Page[HistoryEntry]:
    """A ticket's thread in pages, newest first (the ticket page shows each page oldest first)."""
    return _page(session, "ticket", ticket_id, cursor, THREAD_PAGE_SIZE)


def entry(session: Session, entry_id: int) -> HistoryEntry:
    """One entry (for adding a just-written entry to a page without reloading it)."""
    return _entry(session.execute(_ONE, {"entry_id": entry_id}).one())
