"""Applying the change log to an index generation: read past the cursor, load the current documents, write, commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select

from helpdesk.db import Database
from helpdesk.search import documents
from helpdesk.search.cursor import Cursor
from helpdesk.search.engine import IndexWriter
from helpdesk.search.models import DocType, SearchOutbox

log = logging.getLogger("helpdesk.search")

O = SearchOutbox.__table__


@dataclass(frozen=True)
class Change:
    outbox_id: int
    doc_type: str
    doc_id: int


def read_log(db: Database, cursor: Cursor, *, limit: int) -> list[Change]:
    """The next changes after the cursor (and any it is still waiting for), in log order."""
    with db.read() as session:
        condition = O.c.id > cursor.position
        if cursor.gaps:
            condition = or_(condition, O.c.id.in_(sorted(cursor.gaps)))
        rows = session.execute(select(O.c.id, O.c.doc_type, O.c.doc_id).where(condition).order_by(O.c.id)
                               .limit(limit)).all()
    return [Change(row.id, row.doc_type, row.doc_id) for row in rows]


def pending_count(db: Database, cursor: Cursor) -> int:
    """How many logged changes this cursor has not applied yet (tests, status)."""
    with db.read() as session:
        condition = O.c.id > cursor.position
        if cursor.gaps:
            condition = or_(condition, O.c.id.in_(sorted(cursor.gaps)))
        return session.execute(select(func.count()).select_from(O).where(condition)).scalar_one()


def _targets(db: Database, changes: list[Change]) -> dict[str, set[int]]:
    """Which documents to re-read: the changed ones, plus the documents that embed a changed ticket."""
    wanted: dict[str, set[int]] = {doc_type: set() for doc_type in DocType}
    for change in changes:
        if change.doc_type in wanted:
            wanted[change.doc_type].add(change.doc_id)
        else:
            log.warning("search outbox row %s has an unknown document type %r; skipping it", change.outbox_id, change.doc_type)
    with db.read() as session:
        # A queued ticket (helpdesk.history.service.ticket_changed) stands for every document that embeds it.
        tickets = set(wanted[DocType.TICKET])
        if tickets:
            wanted[DocType.TICKET] |= tickets
            wanted[DocType.INTERACTION] |= set(documents.interactions_of_tickets(session, tickets))
            wanted[DocType.CLAIM] |= set(documents.claims_of_tickets(session, tickets))
    return wanted


def apply(db: Database, directory: Path, changes: list[Change], *, before_commit: Callable[[], None] | None = None,
          searcher=None) -> int:
    """Write the current state of every changed document into one generation and commit it.

    State, not events: each document is read from the database as it is now, so applying a change
    twice, or out of order, or after a crash, leaves the same index. A row that is gone is deleted.
    `searcher`, if given, must read the same generation at its latest commit (it makes deletes cheap).
    Returns the number of documents written or deleted.
    """
    wanted = _targets(db, changes)
    loaded: list[documents.SearchDocument] = []
    with db.read() as session:
        for doc_type, ids in wanted.items():
            if ids:
                loaded.extend(documents.load(session, doc_type, ids))
    present = {doc.key for doc in loaded}
    gone = [documents.doc_key(doc_type, doc_id) for doc_type, ids in wanted.items() for doc_id in ids
            if documents.doc_key(doc_type, doc_id) not in present]
    with IndexWriter(directory, searcher=searcher) as writer:
        for doc in loaded:
            writer.update(doc)
        for key in gone:
            writer.delete(key)
        if before_commit is not None:
            before_commit()
        writer.commit()
    return len(loaded) + len(gone)
