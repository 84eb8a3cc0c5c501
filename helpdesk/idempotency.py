"""Idempotent creates: a double-submitted form or a retried API call creates its row once.

A key is only ever matched within the scope of whoever sent it (an agent, an API token, a verified customer on the
public page): two senders who happen to use the same key each get their own row, and nobody can fetch another's row
by guessing or reusing a key. The unique index is on (scope, key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

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


class KeyInUse(Exception):
    """The first request with this key is still being worked on: 409, try again shortly."""


class KeyReusedForOther(Exception):
    """The key was used for a different request: 422."""


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: str


def _claimed(row: IdempotentAnswer, request_hash: str) -> StoredAnswer:
    if row.request_hash != request_hash:
        raise KeyReusedForOther(KEY_REUSED)
    if row.running:
        raise KeyInUse("A request with this Idempotency-Key is still being processed; retry in a moment.")
    return StoredAnswer(row.status_code or 500, row.body or "")


def claim_key(session: Session, *, scope: str, key: str, request_hash: str) -> StoredAnswer | None:
    """Claim the key for this request (committed at once, so a twin sees it), or the stored first answer to replay.

    KeyInUse while the first request runs; KeyReusedForOther when the key came with another request.
    """
    lookup = select(IdempotentAnswer).where(IdempotentAnswer.scope == scope, IdempotentAnswer.key == key)
    row = session.exec(lookup).first()
    if row is not None:
        return _claimed(row, request_hash)
    session.add(IdempotentAnswer(scope=scope, key=key, request_hash=request_hash))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the twin claimed it between our look and our insert
        return _claimed(session.exec(lookup).one(), request_hash)
    return None


def store_answer(session: Session, *, scope: str, key: str, status_code: int, body: str) -> None:
    """Keep the answer a claimed key's request got, for replays. Commits."""
    session.exec(update(IdempotentAnswer).where(col(IdempotentAnswer.scope) == scope, col(IdempotentAnswer.key) == key)
                 .values(running=False, status_code=status_code, body=body))
    session.commit()


def release_key(session: Session, *, scope: str, key: str) -> None:
    """Give a key back after a failure on our side, so the sender's retry does the work. Commits."""
    session.exec(delete(IdempotentAnswer).where(col(IdempotentAnswer.scope) == scope, col(IdempotentAnswer.key) == key))
    session.commit()


def prune_answers(session: Session, *, now: datetime) -> int:
    """Forget stored answers older than ANSWER_KEEP_HOURS. Commits."""
    cutoff = now - timedelta(hours=ANSWER_KEEP_HOURS)
    result = session.exec(delete(IdempotentAnswer).where(col(IdempotentAnswer.created_at) < cutoff,
                                                          col(IdempotentAnswer.running).is_(False)))
    session.commit()
    return result.rowcount or 0
