"""Taking an erased customer's text out of every index file. Queued in search_purge by the erasure, run by the indexer.

The erasure's redactions reach the index like any write (the outbox): each changed document is replaced, but in
Whoosh the old copy is only marked deleted; its words, postings and stored fields stay in its segment's files until
the segment is rewritten, and older generations keep everything. So once the outbox is applied, each segment that
holds deleted documents of the customer is rewritten (one per step, so new notes keep reaching the index between
steps), then older generations are deleted, then the request is done. Every step is recomputed from the index
itself, so a crash or restart simply carries on.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from helpdesk.db import Database
from helpdesk.search.engine import rewrite_segments, segments_with_deleted
from helpdesk.search.layout import IndexLayout
from helpdesk.search.models import SearchOutbox, SearchPurge

log = logging.getLogger("helpdesk.search")


def run_step(db: Database, layout: IndexLayout) -> bool:
    """One step of the queued purges; True when it did something (more may be left), False when idle or waiting."""
    with db.read() as session:
        requests = session.execute(select(SearchPurge.id, SearchPurge.customer_code)).all()
        # Read after the requests: an erasure commits its outbox rows with its request, so an empty outbox now means
        # its redacted documents are in the index and its old copies are the deleted ones.
        pending = session.execute(select(func.count()).select_from(SearchOutbox)).scalar()
    if not requests or pending:
        return False
    # A rebuild copies the database as it was when it started: purge the generation it publishes, not before.
    if not layout.rebuild_lock.acquire(timeout=0):
        return False
    try:
        codes = {row.customer_code for row in requests}
        with layout.write_lock.hold(timeout=30):
            directory = layout.current_dir()
            stale = segments_with_deleted(directory, "customer", codes) if directory and directory.exists() else []
            if stale:
                rewrite_segments(directory, stale[:1])
                log.info("search index: rewrote a segment holding erased text (%d more to go)", len(stale) - 1)
                return True
        layout.drop_older_generations()
    finally:
        layout.rebuild_lock.release()
    with db.write() as session:
        session.execute(delete(SearchPurge).where(SearchPurge.id.in_([row.id for row in requests])))
        session.commit()
    log.info("search index: no file holds the erased text of %d customer(s) any more", len(codes))
    return True
