"""Idempotent creates: a double-submitted form or a retried API call creates its row once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select


def already_done(session: Session, model, key: str | None):
    """The row an earlier submission with this idempotency key created, if any."""
    if not key:
        return None
    return session.exec(select(model).where(model.idempotency_key == key)).first()


def commit_once(session: Session, model, key: str | None):
    """Commit; if a twin submission committed the same idempotency key first, return its row instead (else None).

    SQLite serialises writers up front, so the check before the insert suffices there; PostgreSQL can let
    two twins past it, and then the unique index decides.
    """
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = already_done(session, model, key)
        if existing is None:
            raise
        return existing
    return None
