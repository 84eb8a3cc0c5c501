"""The one write path for history: every entry is written here and queued for the search index in the same transaction.

Nothing else adds an Interaction (tests/test_architecture.py checks). Keeping one door means that what must
always go with an entry (the index queue today; redaction and merges later) cannot be forgotten by a caller.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from helpdesk.claims.models import WarrantyClaim
from helpdesk.history.models import Interaction
from helpdesk.search.models import DocType, SearchOutbox
from helpdesk.search.outbox import record_change
from helpdesk.tickets.models import Ticket
from helpdesk.timeutil import utcnow

_I, _T, _W = Interaction.__table__, Ticket.__table__, WarrantyClaim.__table__
REDACTED = "[redacted]"


def write_entry(
    session: Session,
    *,
    customer_id: int,
    kind: str,
    body: str,
    ticket_id: int | None = None,
    channel: str | None = None,
    author_id: int | None = None,
    summary: str | None = None,
    outcome: str | None = None,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    created_at: datetime | None = None,
) -> Interaction:
    """Add one entry to the customer's history (and the ticket's thread) inside the caller's transaction.

    The entry is queued for the search index in the same transaction: it is searchable once the caller
    commits, and never if the caller rolls back.
    """
    entry = Interaction(
        customer_id=customer_id, ticket_id=ticket_id, kind=kind, channel=channel, author_id=author_id,
        summary=summary, body=body, outcome=outcome, idempotency_key=idempotency_key,
        idempotency_scope=idempotency_scope if idempotency_key else None,
        created_at=created_at or utcnow(),
    )
    session.add(entry)
    session.flush()
    record_change(session, DocType.INTERACTION, entry.id)
    return entry


def ticket_changed(session: Session, ticket_id: int) -> None:
    """Queue a ticket whose status, priority, assignee, tags or subject changed.

    Every entry of the ticket's thread (and its claim) carries the ticket's status and assignee in the
    index, so the indexer re-reads all of them from this one queued change.
    """
    record_change(session, DocType.TICKET, ticket_id)


MOVE_BATCH = 500


def move_entries(session: Session, entry_ids: Sequence[int], *, to_customer_id: int,
                 tickets_queued: Collection[int] = ()) -> int:
    """Move these entries to another customer's history (a merge, or its undo) inside the caller's transaction.

    Each is queued for the search index again, so it is found under its new customer once the caller commits.
    Entries of `tickets_queued` (tickets the caller queued with ticket_changed) are left to their ticket's change,
    which re-indexes its whole thread: queued twice they would be indexed twice. Returns how many moved.
    """
    ids = sorted(set(entry_ids))
    moved = 0
    for start in range(0, len(ids), MOVE_BATCH):
        batch = ids[start:start + MOVE_BATCH]
        moved += session.execute(update(_I).where(_I.c.id.in_(batch)).values(customer_id=to_customer_id)).rowcount
    if tickets_queued:
        threaded = set()
        tickets = sorted(set(tickets_queued))
        for start in range(0, len(tickets), MOVE_BATCH):
            threaded |= set(session.execute(select(_I.c.id).where(
                _I.c.ticket_id.in_(tickets[start:start + MOVE_BATCH]))).scalars())
        ids = [entry_id for entry_id in ids if entry_id not in threaded]
    if ids:
        # One queued change through the usual door (it also wakes the indexer on commit), the rest in one statement.
        record_change(session, DocType.INTERACTION, ids[0])
        now = utcnow()
        session.execute(insert(SearchOutbox.__table__), [
            {"doc_type": DocType.INTERACTION.value, "doc_id": entry_id, "created_at": now} for entry_id in ids[1:]
        ] or [])
    return moved


def insert_many(connection: Connection, rows: Sequence[dict[str, Any]], *, queue_for_index: bool = True) -> None:
    """Bulk loaders' door (demo data, imports): many entries in one statement, each queued for the index.

    Rows may carry ids a loader allocated itself (the demo generator does, for speed); otherwise the database
    assigns them. A loader that rebuilds the whole index afterwards passes queue_for_index=False.
    """
    if not rows:
        return
    if all("id" in row for row in rows):
        connection.execute(insert(_I), list(rows))
        ids = [row["id"] for row in rows]
    else:
        ids = list(connection.execute(insert(_I).returning(_I.c.id, sort_by_parameter_order=True), list(rows)).scalars())
    if queue_for_index:
        now = utcnow()
        connection.execute(insert(SearchOutbox.__table__),
                           [{"doc_type": DocType.INTERACTION.value, "doc_id": entry_id, "created_at": now} for entry_id in ids])


def move_thread(session: Session, *, from_ticket_id: int, to_ticket_id: int) -> int:
    """Move every entry of one ticket's thread to another (a ticket merge), inside the caller's transaction.

    Each moved entry is queued for the index again, so search finds it under the ticket it now belongs to.
    Returns how many entries moved.
    """
    moved = list(session.execute(select(_I.c.id).where(_I.c.ticket_id == from_ticket_id)).scalars())
    if moved:
        session.execute(update(_I).where(_I.c.ticket_id == from_ticket_id).values(ticket_id=to_ticket_id))
        for entry_id in moved:
            record_change(session, DocType.INTERACTION, entry_id)
    return len(moved)


@dataclass
class Redaction:
    """How many of a customer's entries, tickets and claims had personal details taken out of their text."""

    entries: int = 0
    tickets: int = 0
    claims: int = 0


def _redact_rows(session: Session, table, key, owner_id: int, columns: dict[str, int | None], pattern: re.Pattern,
                 extra_values: dict | None = None) -> list[int]:
    """Rewrite the matching text columns of one owner's rows; returns the ids of the rows that changed."""
    changed = []
    rows = session.execute(select(table.c.id, *(table.c[name] for name in columns)).where(key == owner_id)).all()
    for row in rows:
        values = {}
        for name, limit in columns.items():
            text = getattr(row, name)
            if text:
                new = pattern.sub(REDACTED, text)
                if new != text:
                    values[name] = new[:limit] if limit else new
        if values:
            session.execute(update(table).where(table.c.id == row.id).values(**values, **(extra_values or {})))
            changed.append(row.id)
    return changed


def redact_customer(session: Session, customer_id: int, pattern: re.Pattern) -> Redaction:
    """Take what `pattern` matches (an erased customer's name, numbers, e-mails, address) out of every free text of
    their history: entries, ticket subjects and survey comments, claim descriptions and notes. Inside the caller's
    transaction; every changed document is queued for the search index, like any other write to the history.
    """
    entries = _redact_rows(session, _I, _I.c.customer_id, customer_id, {"summary": 200, "body": None}, pattern)
    for entry_id in entries:
        record_change(session, DocType.INTERACTION, entry_id)
    # Bumping the version makes a ticket page opened before the erasure refuse to save over the redacted subject.
    tickets = _redact_rows(session, _T, _T.c.customer_id, customer_id,
                           {"subject": 200, "satisfaction_comment": None}, pattern, {"version": _T.c.version + 1})
    for ticket_id in tickets:
        ticket_changed(session, ticket_id)
    claims = _redact_rows(session, _W, _W.c.customer_id, customer_id,
                          {"description": None, "decision_reason": None, "preferred_contact_time": 80}, pattern)
    for claim_id in claims:
        record_change(session, DocType.CLAIM, claim_id)
    return Redaction(len(entries), len(tickets), len(claims))
