"""Idempotent creates: a double-submitted form or a retried API call creates its row once.

A key is only ever matched within the scope of whoever sent it (an agent, an API token, a verified customer on the
public page): two senders who happen to use the same key each get their own row, and nobody can fetch another's row
by guessing or reusing a key. The unique index is on (scope, key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from helpdesk.timeutil import utcnow

SCOPE_MAX = 80


def agent_scope(agent_id: int) -> str:
    """The scope of keys an agent sends, from the pages or the API with their session."""
    return f"agent:{agent_id}"


def customer_scope(customer_id: int) -> str:
    """The scope of keys a verified customer sends from the public warranty page."""
    return f"customer:{customer_id}"


def sender_scope(*, agent_id: int | None, customer_id: int) -> str:
    """The scope for a create whose caller named no scope: the agent's, else the customer's own (self-service)."""
    return agent_scope(agent_id) if agent_id is not None else customer_scope(customer_id)


KEY_REUSED = "This idempotency key was already used by you for a different request; send a new key for a new request."


def already_done(session: Session, model, key: str | None, scope: str):
    """The row an earlier submission with this idempotency key, from the same sender, created, if any."""
    if not key:
        return None
    return session.exec(select(model).where(model.idempotency_scope == scope, model.idempotency_key == key)).first()


def commit_once(session: Session, model, key: str | None, scope: str):
    """Commit; if a twin submission committed the same idempotency key first, return its row instead (else None).

    SQLite serialises writers up front, so the check before the insert suffices there; PostgreSQL can let
    two twins past it, and then the unique index decides.
    """
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = already_done(session, model, key, scope)
        if existing is None:
            raise
        return existing
    return None


# --- stored answers: the Idempotency-Key header of the POS API -------------------------------------------------

ANSWER_KEEP_HOURS = 48
"""Stored answers are kept this long (the IETF draft and Stripe promise at least 24 hours)."""


def token_scope(token_id: int) -> str:
    """The scope of keys an API token sends."""
    return f"token:{token_id}"


class IdempotentAnswer(SQLModel, table=True):
    """The first answer to a request sent with an Idempotency-Key header, replayed to the same key with the same body.

    A row is written (status 'running') before the work starts and committed on its own, so a twin arriving while
    the first still runs finds it and is told so (409) instead of doing the work again.
    """

    __tablename__ = "idempotent_answer"
    __table_args__ = (Index("ux_idempotent_answer_key", "scope", "key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=SCOPE_MAX)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64, description="SHA-256 of the request (method, path, canonical body)")
    running: bool = Field(default=True)
    status_code: int | None = None
    body: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
