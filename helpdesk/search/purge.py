"""Taking an erased customer's text out of every index file: re-index their (redacted) documents, rewrite the
segments that held the old ones, drop older generations. Queued in search_purge by the erasure, run by the indexer.

Deleting a document in Whoosh only marks it deleted: its words stay in its segment's term dictionary and postings
until the segment is rewritten, and older generations keep everything. So a purge is not done until both are gone.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from helpdesk.claims.models import WarrantyClaim
from helpdesk.customers.models import Customer
from helpdesk.db import Database
from helpdesk.history.models import Interaction
from helpdesk.search import changes
from helpdesk.search.engine import SearchEngine, rewrite_segments, segments_holding
from helpdesk.search.layout import IndexLayout
from helpdesk.search.models import DocType, SearchPurge
from helpdesk.tickets.models import Ticket

log = logging.getLogger("helpdesk.search")

_DOCUMENTS = ((DocType.INTERACTION, Interaction), (DocType.TICKET, Ticket), (DocType.CLAIM, WarrantyClaim))


def _documents(db: Database, codes: set[str]) -> list[changes.Change]:
    """Every document of these customers, as outbox-like changes (applying one re-reads it from the database)."""
    found = []
    with db.read() as session:
        customer_ids = list(session.execute(select(Customer.id).where(Customer.code.in_(sorted(codes)))).scalars())
        for doc_type, model in _DOCUMENTS:
            for doc_id in session.execute(select(model.id).where(model.customer_id.in_(customer_ids))).scalars():
                found.append(changes.Change(0, doc_type, doc_id))
    return found


def run_pending(db: Database, layout: IndexLayout, reader: SearchEngine) -> int:
    """Carry out every queued purge; returns how many requests were done (0 while a rebuild runs: after it)."""
    with db.read() as session:
        requests = session.execute(select(SearchPurge.id, SearchPurge.customer_code)).all()
    if not requests:
        return 0
    # A rebuild copies the database as it was when it started: purge the generation it publishes, not before.
    if not layout.rebuild_lock.acquire(timeout=0):
        return 0
    try:
        codes = {row.customer_code for row in requests}
        with layout.write_lock.hold(timeout=30):
            directory = layout.current_dir()
            if directory is not None and directory.exists():
                holding = segments_holding(directory, "customer", codes)
                documents = _documents(db, codes)
                if documents:
                    with reader.searcher(fresh=True) as searcher:
                        changes.apply(db, directory, documents, searcher=searcher)
                rewritten = rewrite_segments(directory, sorted(holding))
                log.info("search index: purged %d erased customer(s), %d segment(s) rewritten", len(codes), rewritten)
        layout.drop_older_generations()
    finally:
        layout.rebuild_lock.release()
    with db.write() as session:
        session.execute(delete(SearchPurge).where(SearchPurge.id.in_([row.id for row in requests])))
        session.commit()
    return len(requests)
