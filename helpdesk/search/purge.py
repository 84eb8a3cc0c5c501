"""Taking an erased customer's text out of every index file. Queued in search_purge by the erasure, run by the indexer.

The erasure's redactions reach the index like any write (the outbox): each changed document is replaced, but in
Whoosh the old copy is only marked deleted; its words, postings and stored fields stay in its segment's files until
the segment is rewritten, and older generations keep everything. So once the outbox is applied:

- small segments holding deleted documents of the customer (the indexer's recent ones) are rewritten in place, one
  per step, so new notes keep reaching the index between steps;
- if the big time-slice segments of a rebuild are among them, a fresh generation is built instead, while search
  and the indexer carry on: rewriting a 100,000-document segment costs about as much CPU as rebuilding a tenth of
  the index, and would hold the writer all that time;
- then every older generation is deleted, and this machine's index records the request as done in its cursor
  (every machine purges its own index; the request rows stay for the others and for new machines).

Each step is worked out again from the index itself, so a crash or a restart simply carries on.
"""

from __future__ import annotations

import logging
from enum import Enum

from dataclasses import replace

from sqlalchemy import select

from helpdesk.db import Database
from helpdesk.search.engine import rewrite_segments, segments_with_deleted
from helpdesk.search.layout import IndexLayout
from helpdesk.search import changes
from helpdesk.search.cursor import Cursor, read_cursor, write_cursor
from helpdesk.search.models import SearchPurge

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
    """One step of the purges this machine's index has not done yet (each machine purges its own index)."""
    directory = layout.current_dir()
    cursor = read_cursor(directory) if directory is not None and directory.exists() else None
    if cursor is None:
        return Step.IDLE
    with db.read() as session:
        requests = session.execute(select(SearchPurge.id, SearchPurge.customer_code)
                                   .where(SearchPurge.id > cursor.purged_through)).all()
    if not requests:
        _drop_unpurged_generations(layout, cursor.purged_through)
        return Step.IDLE
    # Read after the requests: an erasure commits its log rows with its request, so nothing pending now means
    # its redacted documents are in this index and the old copies are the deleted ones.
    if changes.pending_count(db, cursor):
        return Step.IDLE
    # A rebuild copies the database as it was when it started: purge the generation it publishes, not before.
    if not layout.rebuild_lock.acquire(timeout=0):
        return Step.IDLE
    try:
        codes = {row.customer_code for row in requests}
        with layout.write_lock.hold(timeout=30):
            if layout.current_dir() != directory:
                return Step.IDLE  # a rebuild was published meanwhile: start again from its cursor
            stale = segments_with_deleted(directory, "customer", codes)
            if stale and sum(docs for _, docs in stale) > in_place_max_docs:
                log.info("search index: erased text is in %d segment(s) of %s documents: building a fresh generation",
                         len(stale), f"{sum(docs for _, docs in stale):,}")
                return Step.NEEDS_REBUILD
            if stale:
                rewrite_segments(directory, [stale[0][0]])
                log.info("search index: rewrote a segment holding erased text (%d more to go)", len(stale) - 1)
                return Step.REWROTE
            latest = read_cursor(directory) or cursor
            write_cursor(directory, replace(latest, purged_through=max(row.id for row in requests)))
        layout.drop_older_generations()
    finally:
        layout.rebuild_lock.release()
    log.info("search index: no file holds the erased text of %d customer(s) any more", len(codes))
    return Step.DONE


def _drop_unpurged_generations(layout: IndexLayout, purged_through: int) -> None:
    """After a rebuild for an erasure, the generation before it (kept for readers) still holds the erased text."""
    current = layout.current_name()
    older = [path for path in layout.generations() if path.name != current]
    if any((read_cursor(path) or Cursor()).purged_through < purged_through for path in older):
        layout.drop_older_generations()


def is_settled(db: Database, layout: IndexLayout) -> bool:
    """True when this machine's live generation has applied every logged change and every erasure purge."""
    directory = layout.current_dir()
    cursor = read_cursor(directory) if directory is not None and directory.exists() else None
    if cursor is None or changes.pending_count(db, cursor):
        return False
    with db.read() as session:
        return session.execute(select(SearchPurge.id).where(SearchPurge.id > cursor.purged_through)).first() is None
