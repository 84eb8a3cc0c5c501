"""The reads behind the admin page: every agent, newest accounts last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent, ApiToken


@dataclass
class AgentRow:
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    created_at: datetime


def agents(session: Session) -> list[AgentRow]:
    """Every agent, active ones first, then by e-mail (a shop has tens, not thousands)."""
    rows = session.exec(select(Agent.id, Agent.email, Agent.name, Agent.role, Agent.is_active, Agent.created_at)
                        .order_by(col(Agent.is_active).desc(), Agent.email)).all()
    return [AgentRow(*row) for row in rows]


def agent_row(session: Session, agent_id: int) -> AgentRow | None:
    row = session.exec(select(Agent.id, Agent.email, Agent.name, Agent.role, Agent.is_active, Agent.created_at)
                       .where(Agent.id == agent_id)).first()
    return AgentRow(*row) if row else None


@dataclass
class TokenRow:
    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


def api_tokens(session: Session) -> list[TokenRow]:
    """Every API token, live ones first, newest first (never the hash)."""
    rows = session.exec(select(ApiToken.id, ApiToken.name, ApiToken.scope, ApiToken.prefix, ApiToken.created_at,
                               ApiToken.created_by, ApiToken.last_used_at, ApiToken.revoked_at)
                        .order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.id).desc())).all()
    return [TokenRow(*row) for row in rows]
