"""Taking an erased customer's text out of every index file. Queued in search_purge by the erasure, run by the indexer.

The erasure's redactions reach the index like any write (the outbox): each changed document is replaced, but in
Whoosh the old copy is only marked deleted; its words, postings and stored fields stay in its segment's files until
the segment is rewritten, and older generations keep everything. So once the outbox is applied:

- small segments holding deleted documents of the customer (the indexer's recent ones) are rewritten in place, one
  per step, so new notes keep reaching the index between steps;
- if the big time-slice segments of a rebuild are among them, a fresh generation is built instead, while search
  and the indexer carry on: rewriting a 100,000-document segment costs about as much CPU as rebuilding a tenth of
  the index, and would hold the writer all that time;
- then every older generation is deleted, and the request is done.

Each step is worked out again from the index itself, so a crash or a restart simply carries on.
"""

from __future__ import annotations

import logging
from enum import Enum

from sqlalchemy import delete, func, select

from helpdesk.db import Database
from helpdesk.search.engine import rewrite_segments, segments_with_deleted
from helpdesk.search.layout import IndexLayout
from helpdesk.search.models import SearchOutbox, SearchPurge

log = logging.getLogger("helpdesk.search")

# Rewriting costs about 1 ms of CPU per document (100 s for a 100,000-document slice, measured): up to this many
# in place (seconds of holding the writer), more by a rebuild beside the live generation.
REWRITE_IN_PLACE_MAX_DOCS = 20_000


class Step(Enum):
    IDLE = "idle"  # nothing queued, or waiting (for the outbox, or for a rebuild that is running)
    REWROTE = "rewrote"  # one segment rewritten; more steps may follow
    NEEDS_REBUILD = "needs_rebuild"  # the text is in big segments: build a fresh generation
    DONE = "done"  # no index file holds the queued customers' text any more


def run_step(db: Database, layout: IndexLayout, *, in_place_max_docs: int = REWRITE_IN_PLACE_MAX_DOCS) -> Step:
    """One step of the queued purges."""
    with db.read() as session:
        requests = session.execute(select(SearchPurge.id, SearchPurge.customer_code)).all()
        # Read after the requests: an erasure commits its outbox rows with its request, so an empty outbox now means
        # its redacted documents are in the index and its old copies are the deleted ones.
        pending = session.execute(select(func.count()).select_from(SearchOutbox)).scalar()
    if not requests or pending:
        return Step.IDLE
    # A rebuild copies the database as it was when it started: purge the generation it publishes, not before.
    if not layout.rebuild_lock.acquire(timeout=0):
        return Step.IDLE
    try:
        codes = {row.customer_code for row in requests}
        with layout.write_lock.hold(timeout=30):
            directory = layout.current_dir()
            stale = segments_with_deleted(directory, "customer", codes) if directory and directory.exists() else []
            if stale and sum(docs for _, docs in stale) > in_place_max_docs:
                log.info("search index: erased text is in %d segment(s) of %s documents: building a fresh generation",
                         len(stale), f"{sum(docs for _, docs in stale):,}")
                return Step.NEEDS_REBUILD
            if stale:
                rewrite_segments(directory, [stale[0][0]])
                log.info("search index: rewrote a segment holding erased text (%d more to go)", len(stale) - 1)
                return Step.REWROTE
        layout.drop_older_generations()
    finally:
        layout.rebuild_lock.release()
    with db.write() as session:
        session.execute(delete(SearchPurge).where(SearchPurge.id.in_([row.id for row in requests])))
        session.commit()
    log.info("search index: no file holds the erased text of %d customer(s) any more", len(codes))
    return Step.DONE
