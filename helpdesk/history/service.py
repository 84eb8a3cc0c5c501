"""The one write path for history: every entry is written here and queued for the search index in the same transaction.

Nothing else adds an Interaction (tests/test_architecture.py checks). Keeping one door means that what must
always go with an entry (the index queue today; redaction and merges later) cannot be forgotten by a caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session

from helpdesk.history.models import Interaction
from helpdesk.search.models import DocType, SearchOutbox
from helpdesk.search.outbox import record_change
from helpdesk.timeutil import utcnow

_I = Interaction.__table__


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
