"""Managing agents from the admin page: create, change a role, deactivate or reactivate, reset a password; each audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pydantic import field_validator
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.auth.models import Agent, Role
from helpdesk.auth.service import MIN_PASSWORD_LENGTH, hash_password
from helpdesk.forms import InvalidInput, email_address, limited_text

NAME_MAX = 120
PASSWORD_MAX = 1024
# Long enough that nobody guesses it before the agent signs in and the admin hands it over.
GENERATED_PASSWORD_BYTES = 12


def _password(value: str | None) -> str | None:
    """Blank: the desk generates one. Otherwise at least MIN_PASSWORD_LENGTH characters."""
    text = value or ""
    if not text.strip():
        return None
    if len(text) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters (or leave it blank for a generated one).")
    if len(text) > PASSWORD_MAX:
        raise ValueError(f"A password can be at most {PASSWORD_MAX:,} characters.")
    return text


class AgentCreate(SQLModel):
    """A new agent as the admin page sends it."""

    email: str
    name: str
    role: Role = Role.AGENT
    password: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: str | None) -> str:
        return email_address(value).lower()

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: str | None) -> str:
        return limited_text(value, label="The name", max_length=NAME_MAX)

    @field_validator("password", mode="before")
    @classmethod
    def _check_password(cls, value: str | None) -> str | None:
        return _password(value)


class PasswordReset(SQLModel):
    password: str | None = None

    @field_validator("password", mode="before")
    @classmethod
    def _check_password(cls, value: str | None) -> str | None:
        return _password(value)


class RoleChange(SQLModel):
    role: Role


@dataclass
class AdminResult:
    """What the admin page shows after a change: the agent, a message, and a generated password (shown once)."""

    agent: Agent
    message: str
    password: str | None = None


class AgentNotFound(LookupError):
    """No agent has this id."""


def _agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise AgentNotFound(f"No agent has the number {agent_id}.")
    return agent


def _other_active_admins(session: Session, agent: Agent) -> int:
    return session.exec(select(func.count()).select_from(Agent).where(
        Agent.role == Role.ADMIN, col(Agent.is_active).is_(True), Agent.id != agent.id)).one()


def _keep_an_admin(session: Session, agent: Agent, *, field: str) -> None:
    """The desk must never be left without an active admin: nobody could manage agents any more."""
    if agent.role == Role.ADMIN and agent.is_active and not _other_active_admins(session, agent):
        raise InvalidInput({field: f"{agent.email} is the only active admin; make someone else admin first."})


def _record(session: Session, actor: audit.Actor, details: str) -> None:
    audit.record(session, actor=actor, action=AuditAction.AGENT_CHANGE, details=details)


def _end_sessions(agent: Agent) -> None:
    # Every session carries the number it began under (helpdesk/app.py checks it on each request).
    agent.session_version += 1


def create_agent(session: Session, *, actor: audit.Actor, data: AgentCreate) -> AdminResult:
    """Create an agent (a generated password when none was typed, shown once); commits."""
    if session.exec(select(Agent.id).where(Agent.email == data.email)).first() is not None:
        raise InvalidInput({"email": f"{data.email} already has an account."})
    password = data.password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    agent = Agent(email=data.email, name=data.name, role=data.role, password_hash=hash_password(password))
    session.add(agent)
    session.flush()
    _record(session, actor, f"created {agent.email} as {agent.role}")
    session.commit()
    return AdminResult(agent, f"{agent.email} can sign in now.", None if data.password else password)


def change_role(session: Session, *, actor: audit.Actor, agent_id: int, change: RoleChange) -> AdminResult:
    """Give an agent another role; it applies from their next request (roles are read on every request); commits."""
    agent = _agent(session, agent_id)
    if agent.role == change.role:
        return AdminResult(agent, f"{agent.email} is already {agent.role}.")
    if change.role != Role.ADMIN:
        _keep_an_admin(session, agent, field="role")
    before, agent.role = agent.role, change.role
    session.add(agent)
    _record(session, actor, f"role of {agent.email}: {before} → {agent.role}")
    session.commit()
    return AdminResult(agent, f"{agent.email} is now {agent.role}.")


def set_active(session: Session, *, actor: audit.Actor, agent_id: int, active: bool) -> AdminResult:
    """Deactivate (their sessions end at once) or reactivate an agent; commits."""
    agent = _agent(session, agent_id)
    if agent.is_active == active:
        return AdminResult(agent, f"{agent.email} is already {'active' if active else 'deactivated'}.")
    if not active:
        if agent.id == actor.agent_id:
            raise InvalidInput({"active": "You cannot deactivate yourself; ask another admin."})
        _keep_an_admin(session, agent, field="active")
        _end_sessions(agent)
    agent.is_active = active
    session.add(agent)
    _record(session, actor, f"{'reactivated' if active else 'deactivated'} {agent.email}"
                            + ("" if active else "; their sessions ended"))
    session.commit()
    return AdminResult(agent, f"{agent.email} can sign in again." if active
                       else f"{agent.email} is deactivated and signed out everywhere.")


def reset_password(session: Session, *, actor: audit.Actor, agent_id: int, data: PasswordReset) -> AdminResult:
    """Set a new password (generated when none was typed, shown once) and end the agent's sessions; commits."""
    agent = _agent(session, agent_id)
    password = data.password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    agent.password_hash = hash_password(password)
    _end_sessions(agent)
    session.add(agent)
    _record(session, actor, f"password reset for {agent.email}; their sessions ended")
    session.commit()
    return AdminResult(agent, f"New password set for {agent.email}; their sessions ended.",
                       None if data.password else password)
