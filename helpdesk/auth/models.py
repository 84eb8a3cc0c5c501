"""Agent accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from helpdesk.timeutil import utcnow


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=120)
    role: str = Field(default=Role.AGENT, max_length=20)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    # Bumped on deactivation and password reset: a session signed in under an older number stops working at once.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)


class TokenScope(StrEnum):
    POS = "pos"


class ApiToken(SQLModel, table=True):
    """A machine's key to the API (the point-of-sale system): only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ux_api_token_hash", "token_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    scope: str = Field(max_length=20)
    token_hash: str = Field(max_length=64)
    prefix: str = Field(max_length=12, description="the token's first characters, to tell tokens apart in lists")
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=254, description="the admin's e-mail, or 'cli'")
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class StoredSession(SQLModel, table=True):
    """A signed-in browser's server-side session, in the database so every machine sees it (no Redis configured).

    The key is the random session ID from the cookie; the value is Litestar's serialised session (agent, version,
    CSRF secret). Rows past `expires_at` are never answered and are purged as new sessions are written.
    """

    __tablename__ = "web_session"

    key: str = Field(primary_key=True, max_length=200)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime | None = Field(default=None, index=True, description="UTC; None: never expires")
