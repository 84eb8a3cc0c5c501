"""Agent accounts: password hashing (Argon2), sign-in checks, creation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam
from sqlmodel import Session, col, select

from helpdesk.auth.models import Agent, Role

# argon2-cffi's defaults follow RFC 9106's second recommendation (Argon2id, t=3, 64 MiB).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER
# Verifying against this when the e-mail is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash new passwords with these parameters (the test suite's cheap ones); existing hashes keep their own."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("not-a-real-password")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


class AgentError(ValueError):
    """An agent cannot be created or changed as asked."""


@dataclass(frozen=True)
class CurrentAgent:
    """The signed-in agent, as routes and templates see it."""

    id: int
    email: str
    name: str
    role: str
    # The agent's session number when this session began; deactivation and password resets bump it.
    session_version: int = 0

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def authenticate(session: Session, *, email: str, password: str) -> CurrentAgent | None:
    """The agent when e-mail and password match an active account, else None (same work either way)."""
    # No address has control characters, and PostgreSQL cannot compare text holding NUL: such input matches nobody.
    email = email.strip().lower()
    agent = session.exec(select(Agent).where(Agent.email == email)).first() if email.isprintable() else None
    try:
        _hasher.verify(agent.password_hash if agent else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if agent is None or not agent.is_active:
        return None
    return CurrentAgent(id=agent.id, email=agent.email, name=agent.name, role=agent.role,
                        session_version=agent.session_version)


# Runs on every request: prebuilt, so SQLAlchemy does not rebuild it each time.
_ACTIVE_AGENT = select(Agent.id, Agent.email, Agent.name, Agent.role, Agent.session_version).where(
    Agent.id == bindparam("agent_id"), col(Agent.is_active).is_(True), Agent.session_version == bindparam("version")
)


def get_active_agent(session: Session | Connection, agent_id: int, session_version: int = 0) -> CurrentAgent | None:
    """The active agent with this id, for re-checking a session on every request: role changes apply at once, and
    a session from before a deactivation or password reset (an older session_version) no longer signs anyone in."""
    row = session.execute(_ACTIVE_AGENT, {"agent_id": agent_id, "version": session_version}).first()
    return CurrentAgent(*row) if row else None


def create_or_update_agent(session: Session, *, email: str, password: str, role: str, name: str | None = None) -> Agent:
    """Create an agent, or reset the password and role of an existing one; commits."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AgentError(f"{email!r} is not an e-mail address")
    if role not in {r.value for r in Role}:
        raise AgentError(f"role must be one of: {', '.join(r.value for r in Role)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AgentError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    agent = session.exec(select(Agent).where(Agent.email == email)).first()
    if agent is None:
        agent = Agent(email=email, name=name or email.split("@")[0].replace(".", " ").title(), role=role, password_hash="")
    agent.password_hash = hash_password(password)
    agent.role = role
    if name:
        agent.name = name
    agent.is_active = True
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent
