"""Record, inside the writer's transaction, that a searchable document changed."""

from __future__ import annotations

from sqlmodel import Session

from helpdesk.search.models import DocType, SearchOutbox


def record_change(session: Session, doc_type: DocType, doc_id: int) -> None:
    """Queue a document for (re)indexing; commits with the caller's transaction or not at all."""
    session.add(SearchOutbox(doc_type=doc_type, doc_id=doc_id))
