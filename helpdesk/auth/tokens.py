"""API tokens for machines (the point-of-sale system): create (shown once), list with last use, revoke, check."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.auth.models import ApiToken, TokenScope
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.timeutil import utcnow

# Recognisable in logs and secret scanners; the rest is 32 random bytes.
PREFIX = "hdk_"
NAME_MAX = 80
# Writing last_used_at on every request would turn every push into two writes: once a minute is enough to show.
LAST_USE_GRANULARITY = timedelta(minutes=1)


class TokenNotFound(LookupError):
    """No token with that id or name."""


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # the only time the plain token exists outside the caller's hands


@dataclass(frozen=True)
class TokenHolder:
    """Who is calling with a valid token."""

    id: int
    name: str
    scope: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, *, name: str, scope: str, actor: audit.Actor) -> CreatedToken:
    """A new token; only its SHA-256 is stored, the plain token is returned once. Audited; commits."""
    try:
        name = limited_text(name, label="The name", max_length=NAME_MAX)
    except ValueError as exc:
        raise InvalidInput({"name": str(exc)}) from None
    if scope not in set(TokenScope):
        raise InvalidInput({"scope": f"The scope must be one of: {', '.join(TokenScope)}."})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, scope=scope, token_hash=_hash(secret), prefix=secret[:12], created_by=actor.label[:254])
    session.add(token)
    session.flush()
    audit.record(session, actor=actor, action=AuditAction.TOKEN_CHANGE,
                 details=f"created API token {token.id} {token.name!r} with scope {scope}")
    session.commit()
    return CreatedToken(token, secret)


def find_token(session: Session, ref: str) -> ApiToken:
    """A token by its number or its name (the newest live one of that name), or TokenNotFound."""
    query = select(ApiToken)
    if ref.isdigit() and len(ref) < 10:
        query = query.where(ApiToken.id == int(ref))
    else:
        query = query.where(ApiToken.name == ref).order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.id).desc())
    token = session.exec(query).first()
    if token is None:
        raise TokenNotFound(f"No API token {ref!r}.")
    return token


def revoke_token(session: Session, token_id: int, *, actor: audit.Actor) -> ApiToken:
    """Revoke a token from now on (it answers 401 at once); revoking twice keeps the first time. Audited; commits."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFound(f"No API token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(session, actor=actor, action=AuditAction.TOKEN_CHANGE,
                     details=f"revoked API token {token.id} {token.name!r}")
        session.commit()
    return token


def holder_of(session: Session, secret: str) -> tuple[TokenHolder, datetime | None] | None:
    """The live token this secret is, and when it was last used; None for an unknown or revoked token. One query."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = session.exec(
        select(ApiToken.id, ApiToken.name, ApiToken.scope, ApiToken.last_used_at)
        .where(ApiToken.token_hash == _hash(secret), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    return TokenHolder(row[0], row[1], row[2]), row[3]


def needs_touch(last_used_at: datetime | None, *, now: datetime) -> bool:
    """Whether last use is stale enough to write again."""
    return last_used_at is None or now - last_used_at >= LAST_USE_GRANULARITY


def touch(session: Session, token_id: int, *, now: datetime) -> None:
    """Record the token's use. Commits."""
    session.exec(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))
    session.commit()
