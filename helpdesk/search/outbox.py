"""Record, inside the writer's transaction, that a searchable document changed; wake the indexer when it commits."""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlmodel import Session

from helpdesk.search.models import DocType, SearchOutbox

_WAKE_FLAG = "helpdesk_search_wake"
_committed = threading.Condition()
_commit_count = 0


def record_change(session: Session, doc_type: DocType, doc_id: int) -> None:
    """Queue a document for (re)indexing; commits with the caller's transaction or not at all.

    Call it in the same session (and transaction) that writes the text. History entries never call it
    themselves: helpdesk.history.service writes them and queues them (and their tickets) in one place.
    - an interaction is created, edited or erased              -> DocType.INTERACTION, interaction.id
    - a ticket's subject, status, assignee or product changes  -> DocType.TICKET, ticket.id
      (the indexer re-indexes the ticket's interactions and claims too: they carry its status and number)
    - a claim's description, ticket or status changes          -> DocType.CLAIM, claim.id
    A deleted row needs a change recorded as well: the indexer drops documents whose rows are gone.
    """
    session.add(SearchOutbox(doc_type=doc_type, doc_id=doc_id))
    if not session.info.get(_WAKE_FLAG):
        # Wake this process's indexer as soon as the transaction commits, instead of at its next poll.
        session.info[_WAKE_FLAG] = True
        # After a rollback the listener simply stays for the session's next commit: a spare wake-up is harmless.
        event.listen(session, "after_commit", _after_commit, once=True)


def _after_commit(session: Session) -> None:
    global _commit_count
    session.info.pop(_WAKE_FLAG, None)
    with _committed:
        _commit_count += 1
        _committed.notify_all()


def commits_seen() -> int:
    """A counter of outbox commits in this process (pair it with wait_for_commit)."""
    return _commit_count


def wait_for_commit(seen: int, timeout: float, *, stop: threading.Event | None = None) -> int:
    """Sleep until a transaction with outbox rows commits in this process, `stop` is set (then woken), or timeout."""
    with _committed:
        _committed.wait_for(lambda: _commit_count != seen or (stop is not None and stop.is_set()), timeout=timeout)
        return _commit_count


def wake() -> None:
    """Wake waiting indexers now (used when stopping one)."""
    with _committed:
        _committed.notify_all()
